//! `weighted-round-robin`: turns in proportion to weights, smoothly interleaved.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;
use crate::total_f64::TotalF64;

/// `weighted-round-robin`: smooth weighted round-robin, for push dispatch over consumers of
/// unequal speed when no load feedback is wanted.
///
/// Over any long run consumer k gets the share `w_k / Σw` of the messages, and its turns are
/// spread out rather than bunched (weights 5, 1, 1 give `0 0 0 1 2 0 0`, not `0 0 0 0 0 1 2`),
/// as nginx's smooth weighted round-robin does. It is computed as stride scheduling — each
/// consumer has a virtual pass that advances by `1 / w_k` when it is chosen, and the smallest
/// pass goes next (ties to the lower index) — which costs O(log n) per choice instead of
/// nginx's O(n) scan. Deterministic: it uses no randomness.
///
/// ```
/// use kendall_broker::{ConsumerLoads, Dispatch, Message, MessageId, Route, WeightedRoundRobin};
/// let mut wrr = WeightedRoundRobin::new(&[3.0, 1.0]);
/// let loads = ConsumerLoads::new(2);
/// let m = Message {
///     id: MessageId(0), class: 0, priority: 0, key: None, size: 1.0,
///     published_at: 0.0, born_at: 0.0, waited_before: 0.0, attempt: 0,
/// };
/// let picks: Vec<Route> = (0..8).map(|_| wrr.route(&m, &loads)).collect();
/// let to_0 = picks.iter().filter(|r| **r == Route::Consumer(0)).count();
/// assert_eq!(to_0, 6, "three quarters of the messages go to the consumer of weight 3");
/// ```
#[derive(Debug, Clone)]
pub struct WeightedRoundRobin {
    heap: BinaryHeap<Reverse<(TotalF64, usize)>>,
    stride: Vec<f64>,
}

impl WeightedRoundRobin {
    /// Weighted round-robin with one weight per consumer; weights must be positive and finite.
    pub fn new(weights: &[f64]) -> Self {
        let stride: Vec<f64> = weights.iter().map(|w| 1.0 / w).collect();
        // Starting half a stride in spreads the first turns out as later ones are.
        let heap = stride
            .iter()
            .enumerate()
            .map(|(k, s)| Reverse((TotalF64(s / 2.0), k)))
            .collect();
        Self { heap, stride }
    }
}

impl Dispatch for WeightedRoundRobin {
    #[inline]
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        let mut top = self.heap.peek_mut().expect("at least one consumer");
        let Reverse((pass, k)) = *top;
        *top = Reverse((TotalF64(pass.0 + self.stride[k]), k));
        Route::Consumer(k)
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}
