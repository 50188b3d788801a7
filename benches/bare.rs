//! The bare-loop reference: a minimal M/M/1 event loop with the same generator
//! (Xoshiro256++) and variate code (rand_distr `Exp`) as kendall, and no broker, no calendar
//! structure, no statistics beyond a sum of sojourn times; and the same loop with the real
//! broker in it, to measure what the broker alone costs in the same run.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use kendall_broker::{Broker, Clock, ConsumerId, NewMessage, QueueConfig};
use kendall_sim::stats::{Estimates, Tally};

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

/// The broker's clock in [`mm1_broker`]: the loop's current time.
#[derive(Clone, Default)]
struct LoopClock(Rc<Cell<f64>>);

impl Clock for LoopClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

/// [`mm1`] with the messages going through the real broker (one shared FIFO queue, one
/// consumer): each arrival is published, a consumer that becomes free polls, each departure
/// is acknowledged, and the sojourn time comes from the broker's stamps. Nothing else of
/// kendall (no calendar, no statistics): what it adds to the bare loop is the broker's cost.
///
/// The same simulation as [`mm1`], to the bit: the k-th service draw goes to the k-th message
/// in both (drawn here at publish, as its size), so the two return the same mean.
pub fn mm1_broker(lambda: f64, mu: f64, messages: u64, seed: u64) -> f64 {
    let mut arrivals_rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut service_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let inter = Exp::new(lambda).expect("positive rate");
    let service = Exp::new(mu).expect("positive rate");
    let clock = LoopClock::default();
    let mut broker = Broker::new(clock.clone());
    let q = broker
        .add_queue(QueueConfig::new("q", 1))
        .expect("valid queue");
    let consumer = ConsumerId(0);
    let mut held = None;
    let mut next_arrival = inter.sample(&mut arrivals_rng);
    let mut next_departure = f64::INFINITY;
    let mut done = 0u64;
    let mut sum_t = 0.0;
    while done < messages {
        if next_arrival <= next_departure {
            let now = next_arrival;
            clock.0.set(now);
            let new = NewMessage {
                size: service.sample(&mut service_rng),
                ..NewMessage::default()
            };
            let published = broker.publish(q, new).expect("unbounded queue accepts");
            if published.wake.is_some()
                && let Some(d) = broker.poll(consumer).expect("known consumer")
            {
                next_departure = now + d.message.size;
                held = Some(d.message.id);
            }
            next_arrival = now + inter.sample(&mut arrivals_rng);
        } else {
            let now = next_departure;
            clock.0.set(now);
            let id = held.take().expect("a message in service");
            let acked = broker.ack(consumer, id).expect("held message");
            sum_t += now - acked.message.published_at;
            done += 1;
            next_departure = match broker.poll(consumer).expect("known consumer") {
                Some(d) => {
                    held = Some(d.message.id);
                    now + d.message.size
                }
                None => f64::INFINITY,
            };
        }
    }
    sum_t / messages as f64
}

/// [`mm1_broker`] recording what kendall records for the whole system ([`Tally`]: time
/// averages of the number in system and in service, sums of T and Wq, and their histograms
/// for percentiles), still without kendall's calendar and event loop. Between
/// [`mm1_broker`] and kendall's own M/M/1, it shows what the statistics cost and what the
/// event loop costs. Returns the tally's estimates.
pub fn mm1_broker_stats(lambda: f64, mu: f64, messages: u64, seed: u64) -> Estimates {
    let mut arrivals_rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut service_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let inter = Exp::new(lambda).expect("positive rate");
    let service = Exp::new(mu).expect("positive rate");
    let clock = LoopClock::default();
    let mut broker = Broker::new(clock.clone());
    let q = broker
        .add_queue(QueueConfig::new("q", 1))
        .expect("valid queue");
    let consumer = ConsumerId(0);
    let mut tally = Tally::new(1e-4 / mu, true);
    let mut held = None;
    let mut next_arrival = inter.sample(&mut arrivals_rng);
    let mut next_departure = f64::INFINITY;
    let mut done = 0u64;
    while done < messages {
        if next_arrival <= next_departure {
            let now = next_arrival;
            clock.0.set(now);
            let new = NewMessage {
                size: service.sample(&mut service_rng),
                ..NewMessage::default()
            };
            let published = broker.publish(q, new).expect("unbounded queue accepts");
            tally.enter(now);
            if published.wake.is_some()
                && let Some(d) = broker.poll(consumer).expect("known consumer")
            {
                tally.start_service(now);
                next_departure = now + d.message.size;
                held = Some(d.message.id);
            }
            next_arrival = now + inter.sample(&mut arrivals_rng);
        } else {
            let now = next_departure;
            clock.0.set(now);
            let id = held.take().expect("a message in service");
            let acked = broker.ack(consumer, id).expect("held message");
            tally.end_service(now);
            let m = acked.message;
            tally.leave(
                now,
                now - m.published_at,
                acked.delivered_at - m.published_at,
            );
            done += 1;
            next_departure = match broker.poll(consumer).expect("known consumer") {
                Some(d) => {
                    tally.start_service(now);
                    held = Some(d.message.id);
                    now + d.message.size
                }
                None => f64::INFINITY,
            };
        }
    }
    tally.estimates(clock.now(), 1)
}
