//! A live run's statistics: the whole measured period and the current batch, moved on in
//! time order, plus the real-thread overheads the report derives from them. Shared by the
//! runs on kendall's broker and on a real one (the `kendall-amqp` crate).

use crate::scopes::{ScopeEstimates, Scopes};
use crate::stats::Tally;

use super::BATCHES;

/// The statistics of a live run, advanced under the run's lock in the order changes happen.
pub struct Recorder {
    whole: Scopes,
    batch: Scopes,
    /// Each closed batch's estimates.
    pub batches: Vec<ScopeEstimates>,
    /// The whole measured period's estimates, once the run is closed.
    pub final_estimates: Option<ScopeEstimates>,
    consumers: Vec<u32>,
    mirrors: (bool, bool),
    warmup: f64,
    batch_len: f64,
    /// The next warm-up end or batch boundary; infinite once closed.
    next: f64,
    /// The warm-up is over.
    pub warmed: bool,
    /// Messages that left the system after processing in the measured period.
    pub measured: u64,
    /// Messages producers offered while the run was open.
    pub offered: u64,
    /// Messages that left the system after processing while the run was open.
    pub completed: u64,
    /// Measured period: services completed.
    pub served: u64,
    /// Measured period: the services' total overshoot (acknowledged minus delivered minus
    /// size over speed: wake-up latency included).
    pub overshoot: f64,
    /// Measured period: deliveries made to an idle consumer's mailbox.
    pub woken: u64,
    /// Measured period: the total time until the consumers' threads picked those up.
    pub wake_latency: f64,
    /// Measured period: time-to-live expiries.
    pub expiries: u64,
    /// Measured period: how long after their deadline the run's threads got to them, in total.
    pub expiry_lateness: f64,
}

impl Recorder {
    /// Statistics for a run of `horizon` scenario time units whose first `warmup` are
    /// discarded; queue j has `consumers[j]` consumers; `mirrors` as in [`Scopes::estimates`].
    pub fn new(
        scopes: Scopes,
        consumers: Vec<u32>,
        mirrors: (bool, bool),
        warmup: f64,
        horizon: f64,
    ) -> Self {
        Recorder {
            whole: scopes.clone(),
            batch: scopes,
            batches: Vec::with_capacity(BATCHES),
            final_estimates: None,
            consumers,
            mirrors,
            warmup,
            batch_len: (horizon - warmup) / BATCHES as f64,
            next: warmup,
            warmed: false,
            measured: 0,
            offered: 0,
            completed: 0,
            served: 0,
            overshoot: 0.0,
            woken: 0,
            wake_latency: 0.0,
            expiries: 0,
            expiry_lateness: 0.0,
        }
    }

    /// Moves the window on to `now`: ends the warm-up, closes batches, closes the run. True
    /// while changes at `now` are to be recorded.
    pub fn at(&mut self, now: f64) -> bool {
        while now >= self.next {
            let boundary = self.next;
            if !self.warmed {
                self.warmed = true;
                self.whole.reset(boundary);
                self.batch.reset(boundary);
            } else {
                let e = self
                    .batch
                    .estimates(boundary, &self.consumers, self.mirrors);
                self.batches.push(e);
                self.batch.reset(boundary);
            }
            if self.batches.len() == BATCHES {
                let e = self
                    .whole
                    .estimates(boundary, &self.consumers, self.mirrors);
                self.final_estimates = Some(e);
                self.next = f64::INFINITY;
                return false;
            }
            self.next = self.warmup + (self.batches.len() + 1) as f64 * self.batch_len;
        }
        self.final_estimates.is_none()
    }

    /// Closes the run at `now`, the horizon or later: the last batch ends at the horizon as
    /// computed from the batch length, whatever rounding makes of it.
    pub fn close(&mut self, now: f64) {
        let end = self.warmup + BATCHES as f64 * self.batch_len;
        self.at(now.max(end));
    }

    /// Applies `f` to the whole period's scopes and the current batch's.
    pub fn each(&mut self, mut f: impl FnMut(&mut Scopes)) {
        f(&mut self.whole);
        f(&mut self.batch);
    }

    /// A message of `class` at queue `j` starts service at `now`: in its queue, the system
    /// and its class.
    pub fn start_service(&mut self, j: usize, class: usize, now: f64) {
        self.each(|s| {
            s.queues[j].start_service(now);
            s.system.start_service(now);
            s.classes[class].start_service(now);
        });
    }

    /// A message of `class` at queue `j` ends service at `now` (processed, failed or taken
    /// back).
    pub fn end_service(&mut self, j: usize, class: usize, now: f64) {
        self.each(|s| {
            s.queues[j].end_service(now);
            s.system.end_service(now);
            s.classes[class].end_service(now);
        });
    }

    /// A message was processed and acknowledged: it leaves its queue, and the system too
    /// unless it moves on to another queue.
    pub fn processed(&mut self, p: &Processed) {
        if self.warmed {
            self.overshoot += p.overshoot;
            self.served += 1;
        }
        self.queue(p.queue, |q| {
            q.leave_waited(p.now, p.here, p.wait_here, p.waited_here)
        });
        if p.leaves_system {
            self.completed += 1;
            self.measured += u64::from(self.warmed);
            self.each(|s| {
                s.system
                    .leave_waited(p.now, p.sojourn, p.waited, p.waited_anywhere);
                s.classes[p.class].leave_waited(p.now, p.sojourn, p.waited, p.waited_anywhere);
            });
        }
    }

    /// Applies `f` to the tallies of queue `j` in both windows.
    pub fn queue(&mut self, j: usize, mut f: impl FnMut(&mut Tally)) {
        f(&mut self.whole.queues[j]);
        f(&mut self.batch.queues[j]);
    }
}

/// A processed message, as [`Recorder::processed`] records it.
#[derive(Debug, Clone, Copy)]
pub struct Processed {
    /// Its queue.
    pub queue: usize,
    /// Its class.
    pub class: usize,
    /// When its acknowledgement was made.
    pub now: f64,
    /// Its stay at this queue.
    pub here: f64,
    /// Its wait at this queue.
    pub wait_here: f64,
    /// It counts as having waited at this queue (p_wait).
    pub waited_here: bool,
    /// How much longer its service lasted than its size over the consumer's speed.
    pub overshoot: f64,
    /// It leaves the system (no route takes it on).
    pub leaves_system: bool,
    /// Its time in the system.
    pub sojourn: f64,
    /// Its waiting in the system.
    pub waited: f64,
    /// It waited somewhere (end-to-end p_wait).
    pub waited_anywhere: bool,
}
