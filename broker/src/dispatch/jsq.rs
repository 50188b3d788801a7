//! `jsq`: join the shortest queue, with consumers filed in buckets by held count.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `jsq`: join the shortest queue — the consumer holding the fewest messages (own queue plus
/// in service), ties broken uniformly at random from a seeded generator.
///
/// Use it for push dispatch when the broker sees every consumer's load: it comes close to a
/// shared queue. Keeps its consumers in one array sorted by held count, each count's bucket a
/// contiguous range, so that a choice and a load change (a swap at a bucket's edge) each cost
/// O(1), whatever the number of consumers, with no allocation.
#[derive(Debug, Clone)]
pub struct Jsq {
    rng: Xoshiro256PlusPlus,
    /// The consumers by held count: those holding n (bucket n) are
    /// `order[start[n]..start[n + 1]]`, in no particular order among themselves.
    order: Vec<u32>,
    /// Per consumer: the held count it is filed under, and its position in `order`.
    slot: Vec<(u32, u32)>,
    /// Where each bucket begins in `order`, up to one past the highest count filed; the
    /// entries past it are the number of consumers.
    start: Vec<u32>,
    /// The lowest count filed: bucket `min` begins at 0.
    min: usize,
    /// The next pick's draw, made ahead by [`Jsq::peek`]: valid while the lowest bucket
    /// and its length are the same.
    drawn: Option<Drawn>,
}

/// A draw made ahead of a pick: the position it chose in bucket `min` of `len` consumers, and
/// the generator's state after it.
#[derive(Debug, Clone)]
struct Drawn {
    min: usize,
    len: usize,
    position: usize,
    rng: Xoshiro256PlusPlus,
}

impl Jsq {
    /// JSQ over `consumers` consumers that hold nothing yet; `seed` drives the tie-breaks.
    pub fn new(consumers: usize, seed: u64) -> Self {
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            order: (0..consumers as u32).collect(),
            slot: (0..consumers as u32).map(|k| (0, k)).collect(),
            start: vec![0, consumers as u32],
            min: 0,
            drawn: None,
        }
    }

    /// Consumers in the lowest bucket, which begins at 0.
    #[inline]
    fn lowest(&self) -> usize {
        self.start[self.min + 1] as usize
    }

    /// [`Dispatch::route`]: a consumer holding the fewest messages, at random. Uses the draw
    /// [`Jsq::peek`] made if it still applies: the same draw this would make.
    #[inline]
    pub(super) fn pick(&mut self) -> Route {
        let len = self.lowest();
        let position = match self.drawn.take() {
            Some(d) if d.min == self.min && d.len == len => {
                self.rng = d.rng;
                d.position
            }
            _ => self.rng.random_range(0..len),
        };
        Route::Consumer(self.order[position] as usize)
    }

    /// The consumer the next pick will choose, as things stand: the draw is made now, on a
    /// copy of the generator, and kept for that pick. Its slot is fetched into the cache.
    #[inline]
    pub(crate) fn peek(&mut self) -> usize {
        let (min, len) = (self.min, self.lowest());
        let mut rng = self.rng.clone();
        let position = rng.random_range(0..len);
        self.drawn = Some(Drawn {
            min,
            len,
            position,
            rng,
        });
        let k = self.order[position] as usize;
        crate::prefetch::prefetch(&self.slot[k]);
        k
    }

    /// Files consumer `k`, now holding `held`, in its bucket: [`Dispatch::on_load_change`].
    ///
    /// A count goes up by swapping places with the last consumer of its bucket, which bucket
    /// `n + 1` then begins with; down, with the first, which bucket `n` then begins after. A
    /// publish or an ack changes a count by one; anything else goes one step at a time.
    #[inline(never)] // Inlined into poll and ack, it slowed them for every other strategy.
    pub(super) fn refile(&mut self, k: usize, held: usize) {
        let Self {
            order,
            slot,
            start,
            min,
            ..
        } = self;
        let mut n = slot[k].0 as usize;
        while n < held {
            if n + 2 == start.len() {
                start.push(order.len() as u32);
            }
            let edge = start[n + 1] - 1;
            swap_to(order, slot, k, edge);
            n += 1;
            slot[k] = (n as u32, edge);
            start[n] = edge;
            if edge == 0 {
                // Every bucket below n is empty.
                *min = n;
            }
        }
        while n > held {
            let edge = start[n];
            swap_to(order, slot, k, edge);
            start[n] = edge + 1;
            n -= 1;
            slot[k] = (n as u32, edge);
            *min = (*min).min(n);
        }
    }
}

/// Swaps consumer `k` of a [`Jsq`] with the consumer at `position` of `order`, recording the
/// other's new position in `slot` (the caller files `k`, with its new count).
#[inline(always)] // Three stores inside refile's loops.
fn swap_to(order: &mut [u32], slot: &mut [(u32, u32)], k: usize, position: u32) {
    let from = slot[k].1;
    let other = order[position as usize];
    order[from as usize] = other;
    slot[other as usize].1 = from;
    order[position as usize] = k as u32;
}

impl Dispatch for Jsq {
    #[inline]
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        self.pick()
    }

    fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        self.refile(k, loads.held(k) as usize);
    }
}
