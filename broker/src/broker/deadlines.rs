//! Deadlines: visibility timeouts, times to live and patiences, and processing those due.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::queue::{Place, Queue};
use super::{Broker, ConsumerId, QueueId};
use crate::total_f64::TotalF64;
use crate::{Clock, Expired, Expiry, MessageId, Outcome};

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Due {
    /// The visibility timeout of delivery `seq` to `consumer`.
    Visibility { consumer: u32, seq: u64 },
    /// The time to live of a message waiting in `queue`.
    Ttl { queue: u32 },
    /// The patience of a message waiting in `queue` for its first delivery.
    Patience { queue: u32 },
    /// The end of the delay of a failed message of `queue` before its redelivery.
    Backoff { queue: u32 },
}

/// A deadline in the broker's heap; entries whose message moved on are skipped when reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Deadline {
    pub(super) at: TotalF64,
    pub(super) id: MessageId,
    pub(super) due: Due,
}

impl<C: Clock> Broker<C> {
    /// The earliest pending deadline — a visibility timeout, a time to live or a patience —
    /// or `None`.
    /// A driver calls [`Broker::expire_due`] once the clock reaches it. (Takes `&mut self` to
    /// discard deadlines made moot by acks and deliveries.)
    pub fn next_deadline(&mut self) -> Option<f64> {
        while let Some(Reverse(top)) = self.deadlines.peek() {
            if self.is_live(top) {
                return Some(top.at.0);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Processes every deadline at or before the clock's `now()`: in-flight messages past
    /// their visibility timeout are taken back from their consumer and redelivered (or
    /// dead-lettered once out of attempts, or expired if their time to live ran out while in
    /// flight); waiting messages past their time to live expire; messages never delivered
    /// past their patience ([`Broker::publish_patient`]) abandon. Each is reported as an
    /// [`Expiry`] in [`Expired::events`].
    pub fn expire_due(&mut self) -> Expired {
        let mut out = Expired::default();
        self.expire_due_into(&mut out);
        out
    }

    /// [`Broker::expire_due`] into `out` (cleared first), reusing its storage.
    pub fn expire_due_into(&mut self, out: &mut Expired) {
        out.clear();
        let now = self.clock.now();
        while let Some(Reverse(top)) = self.deadlines.peek().copied() {
            if top.at.0 > now {
                break;
            }
            self.deadlines.pop();
            match top.due {
                Due::Visibility { consumer, seq } => {
                    let c = ConsumerId(consumer);
                    let held = &mut self.consumers[consumer as usize].in_flight;
                    let Some(f) = held.take(|f| f.seq() == seq) else {
                        continue;
                    };
                    let q = self.consumers[consumer as usize].queue;
                    let queue = &mut self.queues[q as usize];
                    queue.stats.in_flight -= 1;
                    queue.stats.timed_out += 1;
                    let outcome = if queue.may_retry(f.message.attempt) {
                        self.redeliver(c, f)
                    } else {
                        self.dead_letter(c, f)
                    };
                    match outcome {
                        Outcome::Requeued { wake } => {
                            out.redelivered += 1;
                            out.wake.extend(wake);
                        }
                        Outcome::DeadLettered { published, .. } => {
                            out.dead_lettered += 1;
                            out.wake.extend(published.and_then(|p| p.wake));
                        }
                        Outcome::Expired => out.expired += 1,
                        Outcome::Abandoned => out.abandoned += 1,
                        Outcome::Delayed { .. } => {}
                    }
                    out.events.push(Expiry {
                        queue: QueueId(q),
                        consumer: Some(c),
                        message: f.message,
                        outcome,
                    });
                }
                Due::Ttl { queue: q } => {
                    let queue = &mut self.queues[q as usize];
                    let Some(place) = queue.waiting_at.remove(&top.id) else {
                        continue;
                    };
                    queue.patient.remove(&top.id);
                    let message = take_waiting(queue, &mut self.consumers, top.id, place);
                    queue.stats.expired += 1;
                    out.expired += 1;
                    out.events.push(Expiry {
                        queue: QueueId(q),
                        consumer: None,
                        message,
                        outcome: Outcome::Expired,
                    });
                }
                Due::Backoff { queue: q } => {
                    let queue = &mut self.queues[q as usize];
                    let Some((c, f)) = queue.delayed.remove(&top.id) else {
                        continue;
                    };
                    queue.stats.delayed -= 1;
                    let outcome = self.redeliver(ConsumerId(c), f);
                    match outcome {
                        Outcome::Requeued { wake } => {
                            out.redelivered += 1;
                            out.wake.extend(wake);
                        }
                        _ => out.expired += 1,
                    }
                    out.events.push(Expiry {
                        queue: QueueId(q),
                        consumer: None,
                        message: f.message,
                        outcome,
                    });
                }
                Due::Patience { queue: q } => {
                    let queue = &mut self.queues[q as usize];
                    let Some(place) = queue.patient.remove(&top.id) else {
                        continue;
                    };
                    queue.waiting_at.remove(&top.id);
                    let message = take_waiting(queue, &mut self.consumers, top.id, place);
                    queue.stats.abandoned += 1;
                    out.abandoned += 1;
                    out.events.push(Expiry {
                        queue: QueueId(q),
                        consumer: None,
                        message,
                        outcome: Outcome::Abandoned,
                    });
                }
            }
        }
    }

    /// True while the message a deadline concerns is still where the deadline expects it.
    pub(super) fn is_live(&self, d: &Deadline) -> bool {
        match d.due {
            Due::Visibility { consumer, seq } => self.consumers[consumer as usize]
                .in_flight
                .iter()
                .any(|f| f.seq() == seq),
            Due::Ttl { queue } => self.queues[queue as usize].waiting_at.contains_key(&d.id),
            Due::Patience { queue } => self.queues[queue as usize].patient.contains_key(&d.id),
            Due::Backoff { queue } => self.queues[queue as usize].delayed.contains_key(&d.id),
        }
    }
}

/// Takes waiting message `id` out of its buffer at `place` in `queue` (its load off its
/// consumer for an own buffer), counted out of `waiting`.
fn take_waiting(
    queue: &mut Queue,
    consumers: &mut [super::consumer::Consumer],
    id: MessageId,
    place: Place,
) -> crate::Message {
    let message = match place {
        None => queue.shared.remove(id),
        Some(k) => {
            let first = queue.first_consumer as usize;
            let m = consumers[first + k as usize].own.remove(id);
            if let Some(m) = &m {
                queue.loads.remove(k as usize, m.size);
                queue.load_changed(k as usize);
            }
            m
        }
    }
    .expect("a message listed as waiting is in its buffer");
    queue.stats.waiting -= 1;
    message
}

/// Schedules the end, `at`, of the delay of failed message `id` of queue `q`.
#[cold] // Retry backoff is rare: kept out of the nack path.
#[inline(never)]
pub(super) fn schedule_backoff(
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    at: f64,
    id: MessageId,
    q: u32,
) {
    deadlines.push(Reverse(Deadline {
        at: TotalF64(at),
        id,
        due: Due::Backoff { queue: q },
    }));
}

/// Records that message `id`, just published to queue `q`, waits at `place` for its first
/// delivery until `at`, and schedules its abandonment then.
#[cold] // Patient messages are rare: kept out of publish.
#[inline(never)]
pub(super) fn schedule_patience(
    q: u32,
    queue: &mut Queue,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    id: MessageId,
    at: f64,
    place: Place,
) {
    queue.patient.insert(id, place);
    deadlines.push(Reverse(Deadline {
        at: TotalF64(at),
        id,
        due: Due::Patience { queue: q },
    }));
}

/// Records that message `id`, published at `published_at`, now waits in queue `q` (which has
/// a TTL) at `place`, and schedules its expiry.
#[cold] // Queues with a TTL are rare: kept out of publish.
#[inline(never)]
pub(super) fn schedule_ttl(
    q: u32,
    queue: &mut Queue,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    id: MessageId,
    published_at: f64,
    place: Place,
) {
    let Some(ttl) = queue.ttl else { return };
    queue.waiting_at.insert(id, place);
    deadlines.push(Reverse(Deadline {
        at: TotalF64(published_at + ttl),
        id,
        due: Due::Ttl { queue: q },
    }));
}

/// Schedules the visibility deadline `at` of delivery `seq` of message `id` to `consumer`.
#[cold] // Queues with a visibility timeout are rare: kept out of poll.
#[inline(never)]
pub(super) fn schedule_visibility(
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    at: f64,
    id: MessageId,
    consumer: u32,
    seq: u64,
) {
    deadlines.push(Reverse(Deadline {
        at: TotalF64(at),
        id,
        due: Due::Visibility { consumer, seq },
    }));
}
