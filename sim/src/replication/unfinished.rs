//! Deliveries that did not complete (failed, interrupted, crashed, timed out): the service
//! they gave, which is processing and not waiting, and the whole work a repeated attempt
//! after a preemption must redo.

use kendall_broker::{Message, MessageId};

use super::state::Replication;
use super::worker::{Job, Jobs};

/// A message whose earlier deliveries did not complete ([`Replication::unfinished`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Unfinished {
    /// Service so far: the time an ordinary consumer held it; under processor sharing, the
    /// work done over the consumer's speed (the time it would have taken alone).
    pub(super) served: f64,
    /// When it was first delivered.
    pub(super) first_delivered_at: f64,
    /// Its whole work, once a preemption has left the broker holding only what remained of
    /// it (NaN before): a failed or crashed attempt repeats the whole work, not the rest.
    pub(super) whole: f64,
    /// Its next delivery repeats the whole work (an attempt after a preemption failed).
    pub(super) restart: bool,
}

impl Replication<'_> {
    /// Removes (and returns) the service time recorded for `id`'s unfinished deliveries. Most
    /// runs have none: the map is then not hashed at all.
    #[inline]
    pub(super) fn forget_served(&mut self, id: MessageId) -> Option<Unfinished> {
        if self.served_before.is_empty() {
            None
        } else {
            let u = self.served_before.remove(&id);
            if u.is_some_and(|u| u.restart) {
                self.restarts -= 1;
            }
            u
        }
    }

    /// An attempt at message `id` failed, crashed or timed out: if a preemption had left the
    /// broker holding only the rest of its work, its next delivery repeats the whole.
    pub(super) fn repeat_whole(&mut self, id: MessageId) {
        if let Some(u) = self.served_before.get_mut(&id)
            && u.whole.is_finite()
            && !u.restart
        {
            u.restart = true;
            self.restarts += 1;
        }
    }

    /// The work of the delivery of `m`: its size, or its whole work where an attempt after a
    /// preemption failed ([`Replication::repeat_whole`]).
    #[cold]
    #[inline(never)]
    pub(super) fn delivered_work(&mut self, m: &Message) -> f64 {
        match self.served_before.get_mut(&m.id) {
            Some(u) if u.restart => {
                u.restart = false;
                self.restarts -= 1;
                u.whole
            }
            _ => m.size,
        }
    }

    /// A delivery of `job` ends without completing after `served` of service (see
    /// [`Unfinished::served`]): that service is not waiting time.
    pub(super) fn unfinished(&mut self, job: &Job, served: f64) {
        self.served_before
            .entry(job.id)
            .or_insert(Unfinished {
                served: 0.0,
                first_delivered_at: job.started,
                whole: f64::NAN,
                restart: false,
            })
            .served += served;
    }

    /// Consumer `c`'s delivery of message `id` timed out at `now`: the broker took it back.
    /// Its time in service until then is service, not waiting (the consumer, unaware, goes
    /// on with the work until it finds its acknowledgement refused, which counts for
    /// nothing).
    pub(super) fn timed_out(&mut self, c: usize, id: MessageId, now: f64) {
        let job = match &self.workers[c].jobs {
            Jobs::One { job, held: true } if job.id == id => Some(*job),
            Jobs::Many(sharing) => sharing.heap.iter().find(|j| j.id == id).copied(),
            _ => None,
        };
        if let Some(job) = job {
            self.unfinished(&job, now - job.started);
        }
        self.repeat_whole(id);
    }

    /// The service a delivery of `job` to consumer `c`, taken off it at `now` with
    /// `remaining` of its `size` left, gave it (see [`Unfinished::served`]).
    pub(super) fn service_given(
        &self,
        c: usize,
        job: &Job,
        size: f64,
        remaining: f64,
        now: f64,
    ) -> f64 {
        let w = &self.workers[c];
        if w.single() {
            now - job.started
        } else {
            (size - remaining).max(0.0) / w.speed
        }
    }
}
