//! `power-of-d`: the least loaded of `d` consumers sampled at random.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `power-of-d`: sample `d` distinct consumers uniformly at random and join the one holding
/// the fewest messages, ties broken uniformly at random.
///
/// Use it when asking every consumer for its load is too costly (as in a distributed load
/// balancer): d = 2 already gets most of JSQ's benefit. With d = n it is JSQ. A choice costs
/// O(d), independent of the number of consumers.
#[derive(Debug, Clone)]
pub struct PowerOfD {
    rng: Xoshiro256PlusPlus,
    /// A permutation of the consumers, for a large `d` only (a partial Fisher–Yates shuffle);
    /// empty when `d` is at most [`PowerOfD::FEW`].
    perm: Vec<usize>,
    consumers: usize,
    d: usize,
    /// The next route's sample, drawn ahead by [`PowerOfD::peek`], and the generator's state
    /// after it.
    drawn: Option<([usize; PowerOfD::FEW], Xoshiro256PlusPlus)>,
}

impl PowerOfD {
    /// The largest `d` sampled by rejection: a draw equal to an earlier one is drawn again,
    /// which needs no permutation array (in a large fleet, one cache miss fewer per sample).
    pub const FEW: usize = 8;

    /// Power-of-`d` choices over `consumers` consumers (d is capped at `consumers`).
    pub fn new(consumers: usize, d: usize, seed: u64) -> Self {
        let d = d.clamp(1, consumers.max(1));
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            perm: if d > Self::FEW {
                (0..consumers).collect()
            } else {
                Vec::new()
            },
            consumers,
            d,
            drawn: None,
        }
    }

    /// `d` (at most [`PowerOfD::FEW`]) consumers out of `consumers`, sampled uniformly
    /// without replacement from `rng` by rejection.
    #[inline]
    fn draw(rng: &mut Xoshiro256PlusPlus, consumers: usize, d: usize) -> [usize; Self::FEW] {
        let mut chosen = [0; Self::FEW];
        for i in 0..d {
            chosen[i] = loop {
                let k = rng.random_range(0..consumers);
                if !chosen[..i].contains(&k) {
                    break k;
                }
            };
        }
        chosen
    }

    /// The sample the next route will choose from, for a `d` of at most [`PowerOfD::FEW`]:
    /// drawn now, on a copy of the generator, and kept for that route (the sample does not
    /// depend on the loads, so nothing between makes it stale).
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<&[usize]> {
        if !self.perm.is_empty() {
            return None;
        }
        if self.drawn.is_none() {
            let mut rng = self.rng.clone();
            let chosen = Self::draw(&mut rng, self.consumers, self.d);
            self.drawn = Some((chosen, rng));
        }
        self.drawn.as_ref().map(|(chosen, _)| &chosen[..self.d])
    }

    /// The `i`-th of the `d` consumers sampled without replacement (a large `d`): a partial
    /// Fisher–Yates shuffle, whose first d entries are a uniform sample whatever order the
    /// permutation was left in.
    #[inline]
    fn shuffled(&mut self, i: usize) -> usize {
        let j = self.rng.random_range(i..self.consumers);
        self.perm.swap(i, j);
        self.perm[i]
    }
}

impl Dispatch for PowerOfD {
    fn route(&mut self, _: &Message, loads: &ConsumerLoads) -> Route {
        let mut fewest = Fewest::default();
        if self.perm.is_empty() {
            // The whole sample first (drawn ahead by `peek`, or now), then the ties' draws.
            let chosen = match self.drawn.take() {
                Some((chosen, rng)) => {
                    self.rng = rng;
                    chosen
                }
                None => Self::draw(&mut self.rng, self.consumers, self.d),
            };
            for &k in &chosen[..self.d] {
                fewest.consider(k, loads.held(k), &mut self.rng);
            }
        } else {
            for i in 0..self.d {
                let k = self.shuffled(i);
                fewest.consider(k, loads.held(k), &mut self.rng);
            }
        }
        Route::Consumer(fewest.consumer)
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}

/// The consumer holding the fewest messages among those considered so far, ties broken
/// uniformly at random (reservoir sampling over the tied).
#[derive(Debug, Clone, Copy)]
struct Fewest {
    consumer: usize,
    held: u32,
    ties: u32,
}

impl Default for Fewest {
    fn default() -> Self {
        Self {
            consumer: 0,
            held: u32::MAX,
            ties: 0,
        }
    }
}

impl Fewest {
    /// Considers consumer `k`, holding `held`.
    #[inline]
    fn consider(&mut self, k: usize, held: u32, rng: &mut Xoshiro256PlusPlus) {
        if held < self.held {
            *self = Self {
                consumer: k,
                held,
                ties: 1,
            };
        } else if held == self.held {
            self.ties += 1;
            if rng.random_range(0..self.ties) == 0 {
                self.consumer = k;
            }
        }
    }
}
