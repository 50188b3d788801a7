//! The bare-loop reference: a minimal M/M/1 event loop with the same generator
//! (Xoshiro256++) and variate code (rand_distr `Exp`) as kendall, and no broker, no calendar
//! structure, no statistics beyond a sum of sojourn times. And the same loop with the real
//! broker in it, then with kendall's statistics as well, to measure what each costs in the
//! same run.
#![allow(dead_code)]

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use kendall_broker::{Broker, Clock, ConsumerId, NewMessage, QueueConfig};
use kendall_sim::stats::{Estimates, Tally};

use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The variates of every loop here: interarrival times (rate `lambda`) and service times
/// (rate `mu`), each from its own stream seeded from `seed`.
struct Variates {
    arrivals_rng: Xoshiro256PlusPlus,
    service_rng: Xoshiro256PlusPlus,
    inter: Exp<f64>,
    service: Exp<f64>,
}

impl Variates {
    fn new(lambda: f64, mu: f64, seed: u64) -> Self {
        Self {
            arrivals_rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            service_rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15),
            inter: Exp::new(lambda).expect("positive rate"),
            service: Exp::new(mu).expect("positive rate"),
        }
    }

    #[inline]
    fn gap(&mut self) -> f64 {
        self.inter.sample(&mut self.arrivals_rng)
    }

    #[inline]
    fn size(&mut self) -> f64 {
        self.service.sample(&mut self.service_rng)
    }
}

/// Runs `messages` departures of M/M/1 (arrival rate `lambda`, service rate `mu`); returns
/// the mean sojourn time.
pub fn mm1(lambda: f64, mu: f64, messages: u64, seed: u64) -> f64 {
    let mut v = Variates::new(lambda, mu, seed);
    // Publication times of the messages in the system; the head is in service.
    let mut present: VecDeque<f64> = VecDeque::with_capacity(1024);
    let mut next_arrival = v.gap();
    let mut next_departure = f64::INFINITY;
    let mut done = 0u64;
    let mut sum_t = 0.0;
    while done < messages {
        if next_arrival <= next_departure {
            let now = next_arrival;
            present.push_back(now);
            if present.len() == 1 {
                next_departure = now + v.size();
            }
            next_arrival = now + v.gap();
        } else {
            let now = next_departure;
            let born = present.pop_front().expect("a message in service");
            sum_t += now - born;
            done += 1;
            next_departure = if present.is_empty() {
                f64::INFINITY
            } else {
                now + v.size()
            };
        }
    }
    sum_t / messages as f64
}

/// The broker's clock in the broker loops: the loop's current time.
#[derive(Clone, Default)]
struct LoopClock(Rc<Cell<f64>>);

impl Clock for LoopClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

/// What the broker loop records as messages move: nothing, or kendall's statistics.
trait Record {
    fn enter(&mut self, _now: f64) {}
    fn start(&mut self, _now: f64) {}
    fn end(&mut self, _now: f64) {}
    fn leave(&mut self, _now: f64, _t: f64, _wq: f64) {}
}

impl Record for () {}

impl Record for Tally {
    #[inline]
    fn enter(&mut self, now: f64) {
        Tally::enter(self, now);
    }

    #[inline]
    fn start(&mut self, now: f64) {
        self.start_service(now);
    }

    #[inline]
    fn end(&mut self, now: f64) {
        self.end_service(now);
    }

    #[inline]
    fn leave(&mut self, now: f64, t: f64, wq: f64) {
        Tally::leave(self, now, t, wq);
    }
}

/// [`mm1`] with the messages going through the real broker (one shared FIFO queue, one
/// consumer): each arrival is published, a consumer that becomes free polls, each departure
/// is acknowledged, and the sojourn time comes from the broker's stamps; `record` hears of
/// each step. No calendar and no event loop of kendall's. The same simulation as [`mm1`], to
/// the bit: the k-th service draw goes to the k-th message in both (drawn here at publish,
/// as its size). Returns the mean sojourn time and the time of the last departure.
fn mm1_through_broker(
    lambda: f64,
    mu: f64,
    messages: u64,
    seed: u64,
    record: &mut impl Record,
) -> (f64, f64) {
    let mut v = Variates::new(lambda, mu, seed);
    let clock = LoopClock::default();
    let mut broker = Broker::new(clock.clone());
    let q = broker
        .add_queue(QueueConfig::new("q", 1))
        .expect("valid queue");
    let consumer = ConsumerId(0);
    let mut held = None;
    let mut next_arrival = v.gap();
    let mut next_departure = f64::INFINITY;
    let mut done = 0u64;
    let mut sum_t = 0.0;
    while done < messages {
        if next_arrival <= next_departure {
            let now = next_arrival;
            clock.0.set(now);
            let new = NewMessage {
                size: v.size(),
                ..NewMessage::default()
            };
            let published = broker.publish(q, new).expect("unbounded queue accepts");
            record.enter(now);
            if published.wake.is_some()
                && let Some(d) = broker.poll(consumer).expect("known consumer").delivery
            {
                record.start(now);
                next_departure = now + d.message.size;
                held = Some(d.message.id);
            }
            next_arrival = now + v.gap();
        } else {
            let now = next_departure;
            clock.0.set(now);
            let id = held.take().expect("a message in service");
            let acked = broker.ack(consumer, id).expect("held message");
            let m = acked.message;
            record.end(now);
            record.leave(
                now,
                now - m.published_at,
                acked.delivered_at - m.published_at,
            );
            sum_t += now - m.published_at;
            done += 1;
            next_departure = match broker.poll(consumer).expect("known consumer").delivery {
                Some(d) => {
                    record.start(now);
                    held = Some(d.message.id);
                    now + d.message.size
                }
                None => f64::INFINITY,
            };
        }
    }
    (sum_t / messages as f64, clock.now())
}

/// The bare loop through the real broker, recording nothing: what it adds to [`mm1`] is the
/// broker's cost. Returns the mean sojourn time, equal to [`mm1`]'s.
pub fn mm1_broker(lambda: f64, mu: f64, messages: u64, seed: u64) -> f64 {
    mm1_through_broker(lambda, mu, messages, seed, &mut ()).0
}

/// The bare loop through the real broker, recording what kendall records for the whole
/// system ([`Tally`]: time averages of the number in system and in service, sums of T and
/// Wq, their histograms for percentiles), still without kendall's calendar and event loop.
/// Between [`mm1_broker`] and kendall's own M/M/1, it shows what the statistics cost and what
/// the event loop costs. Returns the tally's estimates.
pub fn mm1_broker_stats(lambda: f64, mu: f64, messages: u64, seed: u64) -> Estimates {
    let mut tally = Tally::new(1e-4 / mu, true);
    let (_, end) = mm1_through_broker(lambda, mu, messages, seed, &mut tally);
    tally.estimates(end, 1)
}
