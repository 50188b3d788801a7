//! The simulator's virtual clock, which the broker reads for its own timestamps and deadlines.

use std::cell::Cell;
use std::rc::Rc;

use kendall_broker::Clock;

/// The simulator's clock: the time of the event being processed. Clones share one reading.
#[derive(Debug, Clone, Default)]
pub struct SimClock(Rc<Cell<f64>>);

impl SimClock {
    /// Moves the clock to `t`, the time of the event about to be processed.
    pub(super) fn set(&self, t: f64) {
        self.0.set(t);
    }
}

impl Clock for SimClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}
