//! Senders that time out and retry (a producer's `timeout`, `retries`, `retry_backoff`;
//! [`crate::scenario::Client`]).
//!
//! Each message such a producer publishes is an *original*; the sender waits `timeout` from
//! the publication of each *attempt* (a copy) for it to leave the system processed. When an
//! attempt times out the sender gives up on it and, with retries left, publishes a new copy
//! after the backoff delay d_k (k = 1 for the first retry); the earlier copies stay queued
//! and are still processed. A copy processed while its own attempt is still awaited
//! satisfies the sender, who then retries no more.
//!
//! Measured over the measurement window (and per `[run] window`):
//! - `goodput`: originals whose sender was satisfied, per time unit (counted when the
//!   satisfying copy leaves the system);
//! - `amplification`: attempts published / originals published (a refused attempt counts:
//!   it was published, and the sender waits its timeout for it as for any);
//! - `wasted`: of the processing of every ack (a message's service requirement divided by
//!   its consumer's speed, at every queue it passes through), the fraction spent on copies
//!   whose sender, when that processing *ended*, had given up on the copy's attempt (it
//!   timed out, whether or not retries followed) or was already satisfied by another copy;
//! - `duplicates`: copies that left the system processed beyond the first of their original.
//!
//! State is per original, held only while it has a copy in the system or a timer pending
//! (one at a time: the attempt's timeout, or the backoff before the next retry); a scenario
//! without these keys has none of it (`Replication::clients` is None).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use kendall_broker::{BrokerError, MessageId};

use super::event_loop::Event;
use super::state::Replication;
use crate::rng::{Source, Stream, stream};
use crate::scenario::Scenario;
use crate::stats::Metric;
use crate::windows::{WindowEstimate, window_count};

/// What the senders of a run with client timeouts saw over the measurement window: counts
/// per replication (means, once summarised across replications).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ClientCounts {
    /// Originals published (messages the producers made, each its first attempt).
    pub originals: f64,
    /// Attempts published: originals and retries.
    pub attempts: f64,
    /// Originals whose sender was satisfied (some copy processed within its attempt's
    /// timeout).
    pub satisfied: f64,
    /// Originals whose sender gave up: its last attempt timed out, no retry left.
    pub given_up: f64,
    /// Copies that left the system processed beyond the first of their original.
    pub duplicates: f64,
}

impl ClientCounts {
    /// Adds `other / n` to each count (for means over replications).
    pub fn add_share(&mut self, other: &ClientCounts, n: f64) {
        self.originals += other.originals / n;
        self.attempts += other.attempts / n;
        self.satisfied += other.satisfied / n;
        self.given_up += other.given_up / n;
        self.duplicates += other.duplicates / n;
    }
}

/// One original message and its sender.
#[derive(Debug, Clone, Copy)]
struct Original {
    producer: u32,
    /// The latest attempt published (1 for the original itself).
    attempt: u32,
    /// The sender still waits for `attempt` (its timeout has not passed).
    waiting: bool,
    satisfied: bool,
    /// Copies in the system.
    live: u32,
    /// A timer is pending (a timeout, or the backoff before a retry).
    timer: bool,
    /// Copies that left the system processed.
    processed: u32,
}

/// A copy in the system: which original, which attempt.
#[derive(Debug, Clone, Copy)]
struct Tag {
    original: u32,
    attempt: u32,
}

/// A sender's timer: the timeout of its original's current attempt, or the end of the
/// backoff before its next retry.
#[derive(Debug, Clone, Copy)]
struct Timer {
    at: f64,
    seq: u64,
    original: u32,
    retry: bool,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    /// Reversed: the earliest (then the first set) on top of the max-heap.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.total_cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

/// Sums since the measurement (or batch) began, or within one window.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    counts: ClientCounts,
    /// Processing of every ack, and of those on copies no longer awaited.
    work: f64,
    wasted: f64,
}

/// Every sender of one replication.
#[derive(Debug)]
pub(super) struct Clients {
    originals: Vec<Original>,
    free: Vec<u32>,
    copies: HashMap<MessageId, Tag>,
    /// The copy the next publish carries (set just before it).
    pending: Option<Tag>,
    timers: BinaryHeap<Timer>,
    seq: u64,
    /// The earliest Client event scheduled.
    armed: f64,
    /// Backoff jitter, per producer.
    rngs: Vec<Stream>,
    start: f64,
    sums: Sums,
    /// `[run] window`: sums per window, and the window width.
    windows: Vec<Sums>,
    width: f64,
}

impl Clients {
    /// The senders of `scenario`'s replication `replication`, if any producer has a timeout.
    pub(super) fn new(scenario: &Scenario, replication: u64) -> Option<Box<Self>> {
        if scenario.producers.iter().all(|p| p.client.is_none()) {
            return None;
        }
        let seed = scenario.run.seed;
        let (windows, width) = match scenario.run.horizon {
            Some(h) => match h.window {
                Some(w) => (vec![Sums::default(); window_count(h.end, w)], w),
                None => (Vec::new(), f64::INFINITY),
            },
            None => (Vec::new(), f64::INFINITY),
        };
        Some(Box::new(Clients {
            originals: Vec::new(),
            free: Vec::new(),
            copies: HashMap::new(),
            pending: None,
            timers: BinaryHeap::new(),
            seq: 0,
            armed: f64::INFINITY,
            rngs: (0..scenario.producers.len())
                .map(|i| stream(seed, replication, Source::ClientBackoff(i)))
                .collect(),
            start: 0.0,
            sums: Sums::default(),
            windows,
            width,
        }))
    }

    /// The sums of the window `now` falls in (None without windows).
    fn window(&mut self, now: f64) -> Option<&mut Sums> {
        let last = self.windows.len().checked_sub(1)?;
        let k = ((now / self.width) as usize).min(last);
        self.windows.get_mut(k)
    }

    /// Adds `f` to the measurement's sums and to those of `now`'s window.
    fn count(&mut self, now: f64, f: impl Fn(&mut Sums)) {
        f(&mut self.sums);
        if let Some(w) = self.window(now) {
            f(w);
        }
    }

    /// Starts the measurement (or a batch) at `now`.
    pub(super) fn reset(&mut self, now: f64) {
        self.start = now;
        self.sums = Sums::default();
    }

    /// The measurement's counts so far.
    pub(super) fn counts(&self) -> ClientCounts {
        self.sums.counts
    }

    /// Sets the client metrics of the system's `values` for the measurement ending at `now`.
    pub(super) fn estimate(&self, now: f64, values: &mut [f64]) {
        fill(&self.sums, now - self.start, values);
    }

    /// Sets the client metrics of each window in `windows` (left NaN where the window was
    /// not reached).
    pub(super) fn estimate_windows(&self, windows: &mut [WindowEstimate]) {
        for (w, s) in windows.iter_mut().zip(&self.windows) {
            if w.get(Metric::L).is_finite() {
                fill(s, w.end - w.start, &mut w.values);
            }
        }
    }

    /// A new original of producer `i` at `now`: its first attempt's timeout set, the next
    /// publish tagged as its copy.
    fn new_original(&mut self, i: usize, timeout: f64, now: f64) {
        let o = Original {
            producer: i as u32,
            attempt: 1,
            waiting: true,
            satisfied: false,
            live: 0,
            timer: true,
            processed: 0,
        };
        let index = match self.free.pop() {
            Some(k) => {
                self.originals[k as usize] = o;
                k
            }
            None => {
                self.originals.push(o);
                (self.originals.len() - 1) as u32
            }
        };
        self.count(now, |s| {
            s.counts.originals += 1.0;
            s.counts.attempts += 1.0;
        });
        self.set_timer(now + timeout, index, false);
        self.pending = Some(Tag {
            original: index,
            attempt: 1,
        });
    }

    fn set_timer(&mut self, at: f64, original: u32, retry: bool) {
        self.originals[original as usize].timer = true;
        self.timers.push(Timer {
            at,
            seq: self.seq,
            original,
            retry,
        });
        self.seq += 1;
    }

    /// The publish tagged by `pending` was accepted as message `id`.
    pub(super) fn accepted(&mut self, id: MessageId) {
        if let Some(tag) = self.pending.take() {
            self.originals[tag.original as usize].live += 1;
            self.copies.insert(id, tag);
        }
    }

    /// The publish tagged by `pending` was refused (a full queue).
    pub(super) fn refused(&mut self) {
        if let Some(tag) = self.pending.take() {
            self.release(tag.original);
        }
    }

    /// Message `id` left the system unprocessed (lost, expired, abandoned).
    pub(super) fn gone(&mut self, id: MessageId) {
        if let Some(tag) = self.copies.remove(&id) {
            self.originals[tag.original as usize].live -= 1;
            self.release(tag.original);
        }
    }

    /// Message `id` moved to the dead-letter queue as message `to`.
    pub(super) fn renamed(&mut self, id: MessageId, to: MessageId) {
        if let Some(tag) = self.copies.remove(&id) {
            self.copies.insert(to, tag);
        }
    }

    /// Frees `original` once no copy of it is in the system and no timer is pending.
    fn release(&mut self, original: u32) {
        let o = &self.originals[original as usize];
        if o.live == 0 && !o.timer {
            self.free.push(original);
        }
    }

    /// A processing of `work` of message `id` ended at `now`: it leaves the system
    /// (`exits`) or goes on to another queue (the next publish then carries its tag).
    pub(super) fn processed(&mut self, id: MessageId, work: f64, exits: bool, now: f64) {
        let tag = self.copies.remove(&id);
        let Some(tag) = tag else {
            self.count(now, |s| s.work += work);
            return;
        };
        let o = &mut self.originals[tag.original as usize];
        o.live -= 1;
        let awaited = o.waiting && !o.satisfied && o.attempt == tag.attempt;
        let satisfies = awaited && exits;
        let duplicate = exits && o.processed > 0;
        if exits {
            o.processed += 1;
        }
        if satisfies {
            o.satisfied = true;
        }
        self.count(now, |s| {
            s.work += work;
            if !awaited {
                s.wasted += work;
            }
            if satisfies {
                s.counts.satisfied += 1.0;
            }
            if duplicate {
                s.counts.duplicates += 1.0;
            }
        });
        if exits {
            self.release(tag.original);
        } else {
            self.pending = Some(tag);
        }
    }
}

/// Sets goodput, amplification and wasted in `values` from `s`, over `span`.
fn fill(s: &Sums, span: f64, values: &mut [f64]) {
    let per = |x: f64, n: f64| if n > 0.0 { x / n } else { f64::NAN };
    values[Metric::Goodput as usize] = per(s.counts.satisfied, span);
    values[Metric::Amplification as usize] = per(s.counts.attempts, s.counts.originals);
    values[Metric::Wasted as usize] = per(s.wasted, s.work);
}

impl Replication<'_> {
    /// Producer `i`'s next publish is an original whose sender waits (it has a `timeout`).
    #[cold]
    #[inline(never)]
    pub(super) fn new_original(&mut self, i: usize, now: f64) {
        let timeout = self.scenario.producers[i].client.map_or(0.0, |c| c.timeout);
        if let Some(c) = self.clients.as_deref_mut() {
            c.new_original(i, timeout, now);
        }
        self.arm_clients();
    }

    /// Schedules a Client event at the earliest timer, if it is earlier than the one armed.
    fn arm_clients(&mut self) {
        if let Some(c) = self.clients.as_deref_mut()
            && let Some(t) = c.timers.peek().map(|t| t.at)
            && t < c.armed
        {
            c.armed = t;
            self.calendar.schedule(t, Event::Client);
        }
    }

    /// A Client event at `now`: every timer due is handled — a timeout gives up on its
    /// attempt (and sets the backoff before a retry, or retries at once), a backoff's end
    /// publishes the retry.
    pub(super) fn client_timers(&mut self, now: f64) -> Result<(), BrokerError> {
        let scenario = self.scenario;
        loop {
            let Some(c) = self.clients.as_deref_mut() else {
                return Ok(());
            };
            if c.armed <= now {
                c.armed = f64::INFINITY;
            }
            if c.timers.peek().is_none_or(|t| t.at > now) {
                break;
            }
            let Some(timer) = c.timers.pop() else {
                break;
            };
            let o = &mut c.originals[timer.original as usize];
            o.timer = false;
            let p = o.producer as usize;
            let Some(client) = scenario.producers[p].client else {
                continue;
            };
            if timer.retry {
                o.attempt += 1;
                o.waiting = true;
                let tag = Tag {
                    original: timer.original,
                    attempt: o.attempt,
                };
                c.count(now, |s| s.counts.attempts += 1.0);
                c.set_timer(now + client.timeout, timer.original, false);
                c.pending = Some(tag);
                let producer = &scenario.producers[p];
                self.publish_copy(producer.queue, producer.class, now)?;
                continue;
            }
            if o.satisfied {
                c.release(timer.original);
                continue;
            }
            o.waiting = false;
            if o.attempt > client.retries {
                c.count(now, |s| s.counts.given_up += 1.0);
                c.release(timer.original);
                continue;
            }
            let delay = client.delay(o.attempt, &mut c.rngs[p]);
            // A retry after no delay is published at this instant, by the loop.
            c.set_timer(now + delay, timer.original, true);
        }
        self.arm_clients();
        Ok(())
    }
}
