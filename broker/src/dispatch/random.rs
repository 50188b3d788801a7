//! `random`: a consumer drawn uniformly from a seeded generator.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `random`: a consumer chosen uniformly at random from a seeded generator.
#[derive(Debug, Clone)]
pub struct Random {
    rng: Xoshiro256PlusPlus,
    consumers: usize,
    /// The next choice, drawn ahead by [`Random::peek`], and the generator's state after it.
    drawn: Option<(usize, Xoshiro256PlusPlus)>,
}

impl Random {
    /// Uniform choice among `consumers` consumers; the same seed gives the same choices.
    pub fn new(consumers: usize, seed: u64) -> Self {
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            consumers,
            drawn: None,
        }
    }

    /// The next choice: drawn now, on a copy of the generator, and kept for that route.
    #[inline]
    pub(crate) fn peek(&mut self) -> usize {
        if self.drawn.is_none() {
            let mut rng = self.rng.clone();
            let k = rng.random_range(0..self.consumers);
            self.drawn = Some((k, rng));
        }
        self.drawn.as_ref().map_or(0, |&(k, _)| k)
    }
}

impl Dispatch for Random {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        Route::Consumer(match self.drawn.take() {
            Some((k, rng)) => {
                self.rng = rng;
                k
            }
            None => self.rng.random_range(0..self.consumers),
        })
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}
