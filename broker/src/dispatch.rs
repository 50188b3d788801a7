//! Dispatch strategies: where a newly published message waits.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::Message;

/// Where a message goes: the queue shared by all consumers, or one consumer's own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The shared queue: the next idle consumer pulls it.
    Shared,
    /// Consumer `k`'s own queue (k counts from 0 within the queue).
    Consumer(usize),
}

/// What a strategy may look at when choosing: how many messages each consumer holds
/// (waiting in its own queue plus in service).
#[derive(Debug, Clone, Default)]
pub struct ConsumerLoads {
    held: Vec<u32>,
}

impl ConsumerLoads {
    pub(crate) fn new(consumers: usize) -> Self {
        Self {
            held: vec![0; consumers],
        }
    }

    /// Number of consumers.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// True when there are no consumers.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Messages consumer `k` holds: in its own queue or in service.
    pub fn held(&self, k: usize) -> u32 {
        self.held[k]
    }

    pub(crate) fn add(&mut self, k: usize) {
        self.held[k] += 1;
    }

    pub(crate) fn remove(&mut self, k: usize) {
        self.held[k] -= 1;
    }
}

/// A dispatch strategy. Implement it to plug a custom load balancer into a queue.
pub trait Dispatch: Send {
    /// Chooses where `message` waits, given the consumers' current loads.
    fn route(&mut self, message: &Message, loads: &ConsumerLoads) -> Route;
}

/// The built-in strategies, by the names scenario files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchKind {
    /// One FIFO shared by all consumers; an idle consumer pulls the next message (M/M/c).
    /// Best mean and tail latency whenever consumers can pull; use it unless you cannot.
    Shared,
    /// Consumers take turns in a fixed cycle. Push-based, no state needed from consumers;
    /// evens out arrivals but not work.
    RoundRobin,
    /// A consumer chosen uniformly at random. Stateless and simple; the worst balancer, the
    /// baseline others are measured against.
    Random,
}

impl DispatchKind {
    /// Builds the strategy for `consumers` consumers, seeding any randomness it uses.
    pub fn build(self, consumers: usize, seed: u64) -> Box<dyn Dispatch> {
        match self {
            DispatchKind::Shared => Box::new(Shared),
            DispatchKind::RoundRobin => Box::new(RoundRobin::new(consumers)),
            DispatchKind::Random => Box::new(Random::new(consumers, seed)),
        }
    }
}

/// `shared`: every message waits in the shared queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shared;

impl Dispatch for Shared {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        Route::Shared
    }
}

/// `round-robin`: consumer 0, 1, …, c−1, 0, … in turn.
#[derive(Debug, Clone)]
pub struct RoundRobin {
    next: usize,
    consumers: usize,
}

impl RoundRobin {
    /// Round-robin over `consumers` consumers, starting at consumer 0.
    pub fn new(consumers: usize) -> Self {
        Self { next: 0, consumers }
    }
}

impl Dispatch for RoundRobin {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        let k = self.next;
        self.next = if k + 1 == self.consumers { 0 } else { k + 1 };
        Route::Consumer(k)
    }
}

/// `random`: a consumer chosen uniformly at random from a seeded generator.
#[derive(Debug, Clone)]
pub struct Random {
    rng: Xoshiro256PlusPlus,
    consumers: usize,
}

impl Random {
    /// Uniform choice among `consumers` consumers; the same seed gives the same choices.
    pub fn new(consumers: usize, seed: u64) -> Self {
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            consumers,
        }
    }
}

impl Dispatch for Random {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        Route::Consumer(self.rng.random_range(0..self.consumers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageId;

    fn msg() -> Message {
        Message {
            id: MessageId(0),
            class: 0,
            priority: 0,
            key: None,
            size: 1.0,
            published_at: 0.0,
            born_at: 0.0,
            waited_before: 0.0,
        }
    }

    #[test]
    fn round_robin_cycles() {
        let mut rr = RoundRobin::new(3);
        let loads = ConsumerLoads::new(3);
        let picks: Vec<_> = (0..7).map(|_| rr.route(&msg(), &loads)).collect();
        let want = [0, 1, 2, 0, 1, 2, 0].map(Route::Consumer);
        assert_eq!(picks, want);
    }

    #[test]
    fn random_is_uniform_and_seeded() {
        let loads = ConsumerLoads::new(4);
        let mut a = Random::new(4, 7);
        let mut b = Random::new(4, 7);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            let Route::Consumer(k) = a.route(&msg(), &loads) else {
                panic!("shared")
            };
            assert_eq!(Route::Consumer(k), b.route(&msg(), &loads));
            counts[k] += 1;
        }
        // Each count is Binomial(40000, 1/4): sd ≈ 86.6; 4 sd is 346.
        for c in counts {
            assert!((i64::from(c) - 10_000).abs() < 346, "{counts:?}");
        }
    }

    #[test]
    fn shared_always_shared() {
        assert_eq!(Shared.route(&msg(), &ConsumerLoads::new(2)), Route::Shared);
    }
}
