//! `round-robin`: consumers in a fixed cycle.

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `round-robin`: consumer 0, 1, …, c−1, 0, … in turn.
#[derive(Debug, Clone)]
pub struct RoundRobin {
    pub(super) next: usize,
    consumers: usize,
}

impl RoundRobin {
    /// Round-robin over `consumers` consumers, starting at consumer 0.
    pub fn new(consumers: usize) -> Self {
        Self { next: 0, consumers }
    }
}

impl RoundRobin {
    /// [`Dispatch::route`]: the next consumer in turn.
    #[inline]
    pub(super) fn next_consumer(&mut self) -> Route {
        let k = self.next;
        self.next = if k + 1 == self.consumers { 0 } else { k + 1 };
        Route::Consumer(k)
    }
}

impl Dispatch for RoundRobin {
    #[inline]
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        self.next_consumer()
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}
