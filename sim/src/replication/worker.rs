//! The simulated consumer: the messages it holds (its jobs), when each will be done, and the
//! processor sharing that splits its capacity among them.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use kendall_broker::{Message, MessageId};

/// A message being processed. `finish` is when it is done: a time for an ordinary consumer,
/// a reading of the consumer's virtual clock under processor sharing (see [`Worker`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Job {
    pub(super) finish: f64,
    pub(super) id: MessageId,
    pub(super) class: u16,
    /// When it was delivered.
    pub(super) started: f64,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Job {}

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Job {
    /// Reversed so that the max-heap yields the earliest finish (then the oldest id).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .finish
            .total_cmp(&self.finish)
            .then_with(|| other.id.cmp(&self.id))
    }
}

/// The messages a consumer holds: at most one for an ordinary consumer (a slot, no heap
/// allocation and no ordering work), any number under processor sharing (a heap by finish).
///
/// A job and a flag rather than an `Option<Job>`, so a job is written in place (a stack copy
/// stalls on store forwarding).
#[derive(Debug)]
pub(super) enum Jobs {
    One { job: Job, held: bool },
    Many(Box<Sharing>),
}

/// The messages a processor-sharing consumer holds, and its virtual clock: `v` is the work
/// each held message has received, as of time `last`. Boxed, so that an ordinary consumer's
/// [`Worker`] stays one cache line.
#[derive(Debug, Default)]
pub(super) struct Sharing {
    pub(super) heap: BinaryHeap<Job>,
    pub(super) v: f64,
    pub(super) last: f64,
}

impl Jobs {
    #[inline]
    pub(super) fn len(&self) -> usize {
        match self {
            Jobs::One { held, .. } => usize::from(*held),
            Jobs::Many(sharing) => sharing.heap.len(),
        }
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The earliest-finishing job, removed.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<Job> {
        match self {
            Jobs::One { job, held } => std::mem::take(held).then_some(*job),
            Jobs::Many(sharing) => sharing.heap.pop(),
        }
    }
}

/// A simulated consumer with capacity `speed` work units per time unit.
///
/// An ordinary consumer holds one message, done at delivery time + size / speed. Under
/// processor sharing the capacity is shared equally among the messages held, which a virtual
/// clock `v` (work done per message) makes exact: a message of size s delivered at virtual
/// time v0 finishes when `v` reaches v0 + s ([`Sharing`]).
///
/// One cache line, aligned: a large fleet's workers are not in cache, and each costs one miss.
#[derive(Debug)]
#[repr(align(64))]
pub(super) struct Worker {
    /// Scenario index of the consumer's queue.
    pub(super) queue: u32,
    pub(super) generation: u32,
    pub(super) speed: f64,
    pub(super) down: bool,
    pub(super) jobs: Jobs,
}

impl Worker {
    /// Takes one message at a time (prefetch 1): one poll fills it.
    #[inline]
    pub(super) fn single(&self) -> bool {
        matches!(self.jobs, Jobs::One { .. })
    }

    /// Brings the virtual clock of a sharing consumer to `now`.
    #[inline]
    pub(super) fn advance(&mut self, now: f64) {
        if let Jobs::Many(sharing) = &mut self.jobs {
            let n = sharing.heap.len();
            if n > 0 {
                sharing.v += (now - sharing.last) * self.speed / n as f64;
            }
            sharing.last = now;
        }
    }

    /// Starts message `m`, of `size` work, at `now`.
    #[inline]
    pub(super) fn start(&mut self, m: &Message, size: f64, now: f64) {
        self.advance(now);
        match &mut self.jobs {
            Jobs::One { job, held } => {
                debug_assert!(!*held, "an ordinary consumer holds one message");
                job.finish = now + size / self.speed;
                job.id = m.id;
                job.class = m.class;
                job.started = now;
                *held = true;
            }
            Jobs::Many(sharing) => sharing.heap.push(Job {
                finish: sharing.v + size,
                id: m.id,
                class: m.class,
                started: now,
            }),
        }
    }

    /// Removes the earliest-finishing job at `now`.
    #[inline]
    pub(super) fn take(&mut self, now: f64) -> Option<Job> {
        self.advance(now);
        self.jobs.pop()
    }

    /// Work left in `job`, just taken at `now`.
    pub(super) fn remaining(&self, job: &Job, now: f64) -> f64 {
        match self.jobs {
            Jobs::One { .. } => ((job.finish - now) * self.speed).max(0.0),
            Jobs::Many(ref sharing) => (job.finish - sharing.v).max(0.0),
        }
    }

    /// A sharing consumer's share clock at `now`: the work each message it holds has
    /// received, over its speed. Each of n messages held gets 1/n of the consumer, so a
    /// message's share of it over a stay — its part in the consumer's busy time — is the
    /// clock's advance over the stay. None for an ordinary consumer (a message held has it
    /// all).
    pub(super) fn share_clock(&self, now: f64) -> Option<f64> {
        match &self.jobs {
            Jobs::One { .. } => None,
            Jobs::Many(sharing) => {
                let n = sharing.heap.len();
                let v = if n > 0 {
                    sharing.v + (now - sharing.last) * self.speed / n as f64
                } else {
                    sharing.v
                };
                Some(v / self.speed)
            }
        }
    }

    /// When the earliest-finishing job will be done, if nothing changes meanwhile.
    #[inline]
    pub(super) fn next_completion(&self) -> Option<f64> {
        match &self.jobs {
            Jobs::One { job, held } => held.then_some(job.finish),
            Jobs::Many(sharing) => {
                let n = sharing.heap.len() as f64;
                sharing
                    .heap
                    .peek()
                    .map(|j| sharing.last + (j.finish - sharing.v).max(0.0) * n / self.speed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ordinary consumer's simulator state is one cache line (see [`Worker`]).
    #[test]
    fn worker_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Worker>(), 64);
        assert_eq!(std::mem::align_of::<Worker>(), 64);
    }
}
