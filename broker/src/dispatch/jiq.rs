//! `jiq`: join an idle consumer if there is one.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::index_set::IndexSet;
use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `jiq`: join the idle queue — a consumer holding nothing, chosen uniformly at random among
/// the idle ones; when none is idle, a consumer chosen uniformly at random.
///
/// Use it with many consumers at low to moderate load: it needs only "I am idle" signals, not
/// full load information. O(1) per choice and per load change.
#[derive(Debug, Clone)]
pub struct Jiq {
    rng: Xoshiro256PlusPlus,
    idle: IndexSet,
}

impl Jiq {
    /// JIQ over `consumers` consumers, all idle to begin with.
    pub fn new(consumers: usize, seed: u64) -> Self {
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            idle: IndexSet::full(consumers),
        }
    }
}

impl Dispatch for Jiq {
    fn route(&mut self, _: &Message, loads: &ConsumerLoads) -> Route {
        match self.idle.pick(&mut self.rng) {
            Some(k) => Route::Consumer(k),
            None => Route::Consumer(self.rng.random_range(0..loads.len())),
        }
    }

    fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        if loads.is_idle(k) {
            self.idle.insert(k);
        } else {
            self.idle.remove(k);
        }
    }
}
