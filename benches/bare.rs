//! The bare-loop reference: a minimal M/M/1 event loop with the same generator
//! (Xoshiro256++) and variate code (rand_distr `Exp`) as kendall, and no broker, no calendar
//! structure, no statistics beyond a sum of sojourn times.
#![allow(dead_code)]

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Runs `messages` departures of M/M/1 (arrival rate `lambda`, service rate `mu`); returns
/// the mean sojourn time.
pub fn mm1(lambda: f64, mu: f64, messages: u64, seed: u64) -> f64 {
    let mut arrivals_rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut service_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let inter = Exp::new(lambda).expect("positive rate");
    let service = Exp::new(mu).expect("positive rate");
    // Publication times of the messages in the system; the head is in service.
    let mut present: VecDeque<f64> = VecDeque::with_capacity(1024);
    let mut next_arrival = inter.sample(&mut arrivals_rng);
    let mut next_departure = f64::INFINITY;
    let mut done = 0u64;
    let mut sum_t = 0.0;
    while done < messages {
        if next_arrival <= next_departure {
            let now = next_arrival;
            present.push_back(now);
            if present.len() == 1 {
                next_departure = now + service.sample(&mut service_rng);
            }
            next_arrival = now + inter.sample(&mut arrivals_rng);
        } else {
            let now = next_departure;
            let born = present.pop_front().expect("a message in service");
            sum_t += now - born;
            done += 1;
            next_departure = if present.is_empty() {
                f64::INFINITY
            } else {
                now + service.sample(&mut service_rng)
            };
        }
    }
    sum_t / messages as f64
}
