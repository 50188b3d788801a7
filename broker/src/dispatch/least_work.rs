//! `least-work`: the consumer with the least work held.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::index_set::IndexSet;
use super::indexed_heap::IndexedHeap;
use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;
use crate::total_f64::TotalF64;

/// `least-work`: the consumer with the least work held — the sum of the sizes of the messages
/// in its own queue plus the one in service, which counts with its full size (the broker does
/// not know how far along it is).
///
/// Use it when message sizes vary and are known at publish: it balances work, not counts.
/// An idle consumer is always preferred, chosen uniformly at random among the idle ones. Among
/// busy consumers with exactly equal work, the tie goes to the smallest random tag, drawn
/// afresh whenever a consumer's work changes.
///
/// In a fleet of [`LeastWork::LAZY`] consumers or more, the heap of consumers' work is
/// brought up to date only when a choice needs it (no consumer is idle): a load change just
/// notes the consumer. Where some consumer is idle most of the time, a load change then
/// costs O(1) instead of a sift through a heap too large for the cache; a choice that needs
/// the heap costs O(log n) per consumer changed since the last one, or O(n) to rebuild it
/// when that is cheaper. A smaller fleet, often with no one idle, keeps the heap up to date
/// at each change (O(log n)). The choices are the same either way.
#[derive(Debug, Clone)]
pub struct LeastWork {
    rng: Xoshiro256PlusPlus,
    idle: IndexSet,
    heap: IndexedHeap<(TotalF64, u64)>,
    /// Each consumer's current key (work, tie-break tag) when `lazy`, the heap perhaps
    /// holding older ones; empty otherwise.
    keys: Vec<(TotalF64, u64)>,
    /// Consumers whose key changed since the heap was last brought up to date, once each.
    pub(super) changed: Vec<u32>,
    /// Whether each consumer is in `changed` (when `lazy`; empty otherwise).
    listed: Vec<bool>,
    /// At least [`LeastWork::LAZY`] consumers: the heap is brought up to date when needed.
    lazy: bool,
}

impl LeastWork {
    /// The fleet size from which the heap is brought up to date only when a choice needs it.
    pub const LAZY: usize = 32;

    /// Least-work over `consumers` consumers that hold nothing yet; `seed` drives tie-breaks.
    pub fn new(consumers: usize, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let keys: Vec<_> = (0..consumers)
            .map(|_| (TotalF64(0.0), rng.random()))
            .collect();
        // Only a lazy heap keeps the keys, and which changed, apart from the heap.
        let lazy = consumers >= Self::LAZY;
        Self {
            rng,
            idle: IndexSet::full(consumers),
            heap: IndexedHeap::new(keys.clone()),
            keys: if lazy { keys } else { Vec::new() },
            changed: Vec::new(),
            listed: vec![false; if lazy { consumers } else { 0 }],
            lazy,
        }
    }

    /// The consumer with the least work (the smallest key).
    #[inline]
    fn least(&mut self) -> usize {
        if !self.changed.is_empty() {
            self.bring_up_to_date();
        }
        self.heap.min()
    }

    /// Gives the heap the keys of the consumers changed since it was last brought up to date.
    #[inline(never)] // The rare case of a choice: kept out of `least`.
    fn bring_up_to_date(&mut self) {
        let n = self.keys.len();
        // A sift costs about log2(n) steps; rebuilding costs about 2n.
        let log2n = (usize::BITS - n.leading_zeros()) as usize;
        if self.changed.len() * log2n > 2 * n {
            self.heap = IndexedHeap::new(self.keys.clone());
            for &k in &self.changed {
                self.listed[k as usize] = false;
            }
            self.changed.clear();
        }
        for k in self.changed.drain(..) {
            let k = k as usize;
            self.listed[k] = false;
            self.heap.update(k, self.keys[k]);
        }
    }
}

impl Dispatch for LeastWork {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        match self.idle.pick(&mut self.rng) {
            Some(k) => Route::Consumer(k),
            None => Route::Consumer(self.least()),
        }
    }

    fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        let key = (TotalF64(loads.work(k)), self.rng.random());
        if !self.lazy {
            self.heap.update(k, key);
        } else {
            self.keys[k] = key;
            if !self.listed[k] {
                self.listed[k] = true;
                self.changed.push(k as u32);
            }
        }
        if loads.is_idle(k) {
            self.idle.insert(k);
        } else {
            self.idle.remove(k);
        }
    }
}
