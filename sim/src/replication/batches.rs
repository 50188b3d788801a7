//! The marks of a replication's measurement: where the warm-up ends, and — for batch means
//! (`replications = 1`) — where each batch ends. At a batch's end the replication's
//! estimates are taken as at a replication's end and every tally restarts, so batches cost
//! nothing per message: the event loop compares its count of departures with the next mark,
//! as it compared it with the warm-up before.

use kendall_broker::BrokerError;

use super::ReplicationResult;
use super::state::Replication;
use crate::scenario::Run;

/// The departures at which the measurement changes, and the batches ended so far.
#[derive(Debug, Default)]
pub(super) struct Marks {
    /// Departures at which [`Replication::mark`] is next due (`u64::MAX`: never).
    pub(super) next: u64,
    /// The warm-up is over (the measurement has opened).
    measuring: bool,
    /// Messages per batch; the last batch also takes the remainder.
    size: u64,
    /// Batch ends still to mark before the last batch, which ends with the replication.
    ends_left: u32,
    /// The batches ended so far, in order.
    pub(super) done: Vec<ReplicationResult>,
    /// Events and departures when the current batch began.
    events: u64,
    exits: u64,
}

impl Marks {
    /// The marks of a replication of `run` cut into `batches` batches (0 or 1: not cut).
    pub(super) fn new(run: &Run, batches: u32) -> Self {
        let mut marks = Marks {
            next: run.warmup,
            size: run.customers / u64::from(batches.max(1)),
            ends_left: batches.saturating_sub(1),
            done: Vec::with_capacity(batches.saturating_sub(1) as usize),
            ..Marks::default()
        };
        if run.warmup == 0 {
            // The event loop opens the measurement at time 0 itself.
            marks.measuring = true;
            marks.next = marks.after(0);
        }
        marks
    }

    /// The mark after one at `at` departures: the next batch's end, or never.
    fn after(&mut self, at: u64) -> u64 {
        if self.ends_left == 0 {
            return u64::MAX;
        }
        self.ends_left -= 1;
        at + self.size
    }

    /// Events and departures since the current batch began (the whole replication when it
    /// is not cut), given the replication's totals; the next batch begins here.
    pub(super) fn take_counts(&mut self, events: u64, exits: u64) -> (u64, u64) {
        let counts = (events - self.events, exits - self.exits);
        (self.events, self.exits) = (events, exits);
        counts
    }
}

impl Replication<'_> {
    /// The count of departures has reached [`Marks::next`] at `now`: the warm-up ends, or a
    /// batch does. Out of the event loop's line.
    #[cold]
    #[inline(never)]
    pub(super) fn mark(&mut self, now: f64) -> Result<(), BrokerError> {
        if self.marks.measuring {
            if self.sharing {
                self.settle_shares(1.0, now);
            }
            let batch = self.snapshot(now, false)?;
            self.marks.done.push(batch);
        }
        self.marks.measuring = true;
        self.reset(now)?;
        self.marks.next = self.marks.after(self.marks.next);
        Ok(())
    }
}
