//! Publishing: routing a new message and making it wait.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::consumer::{Consumer, next_idle};
use super::deadlines::{Deadline, schedule_patience, schedule_ttl};
use super::preemption::preempt_candidate;
use super::queue::{Place, Queue};
use super::{Broker, BrokerError, ConsumerId, QueueId};
use crate::{Clock, Discipline, Message, MessageId, NewMessage, Published, Route};

impl<C: Clock> Broker<C> {
    /// Publishes a message to queue `q`. The dispatch strategy decides where it waits; if a
    /// consumer that can take it now is idle, it is named in [`Published::wake`].
    ///
    /// On a queue at capacity, [`Overflow::Reject`](crate::Overflow::Reject) (or
    /// [`Overflow::DropOldest`](crate::Overflow::DropOldest) with nothing waiting) refuses the
    /// message with [`BrokerError::Full`]; [`Overflow::DropOldest`](crate::Overflow::DropOldest)
    /// otherwise drops the oldest waiting message and returns it in [`Published::dropped`]. On a
    /// [`Discipline::PriorityPreemptive`] queue, [`Published::preempt`] may name a consumer to
    /// interrupt.
    #[inline(always)] // The hot path: inlined into the driver's event loop.
    pub fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        let now = self.clock.now();
        let queue = self
            .queues
            .get_mut(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))?;
        queue.stats.published += 1;
        if let Some(capacity) = queue.capacity
            && queue.stats.in_system() >= capacity as u64
        {
            return self.publish_full(q, new, now, capacity, None);
        }
        let (id, wake, preempt) = self.enter(q, new, now, None)?;
        Ok(Published {
            id,
            wake,
            dropped: None,
            preempt,
        })
    }

    /// [`Broker::publish`] of a message that waits at most `patience` for its first delivery:
    /// if no consumer has taken it `patience` after this publish, it abandons — it leaves the
    /// queue undelivered, reported by [`Broker::expire_due`] as an [`Expiry`](crate::Expiry)
    /// with [`Outcome::Abandoned`](crate::Outcome::Abandoned) and counted in
    /// [`QueueStats::abandoned`](crate::QueueStats::abandoned). Once delivered it never
    /// abandons, even if it is requeued later (a failed attempt waits again without a
    /// patience). The deadline is kept like a TTL's ([`Broker::next_deadline`]); a message a
    /// consumer polls before [`Broker::expire_due`] processed its due abandonment is delivered.
    /// A queue with messages published this way tracks where each waits, which makes its
    /// polls a little slower; others are untouched. [`BrokerError::InvalidPatience`] for a
    /// negative or NaN patience (nothing is published then).
    pub fn publish_patient(
        &mut self,
        q: QueueId,
        new: NewMessage,
        patience: f64,
    ) -> Result<Published, BrokerError> {
        if patience.is_nan() || patience < 0.0 {
            return Err(BrokerError::InvalidPatience(patience));
        }
        let now = self.clock.now();
        let queue = self
            .queues
            .get_mut(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))?;
        queue.stats.published += 1;
        queue.tracked = true;
        if let Some(capacity) = queue.capacity
            && queue.stats.in_system() >= capacity as u64
        {
            return self.publish_full(q, new, now, capacity, Some(patience));
        }
        let (id, wake, preempt) = self.enter(q, new, now, Some(patience))?;
        Ok(Published {
            id,
            wake,
            dropped: None,
            preempt,
        })
    }

    /// The part of [`Broker::publish`] after the capacity check: stamps `new` as a message of
    /// queue `q` (known, its publish counted), routes it and makes it wait. Returns its id,
    /// the consumer to wake and the one to preempt. With a `patience`, its abandonment is
    /// scheduled.
    #[inline(always)] // Part of publish, split out only so that `publish_full` shares it.
    pub(super) fn enter(
        &mut self,
        q: QueueId,
        new: NewMessage,
        now: f64,
        patience: Option<f64>,
    ) -> Result<(MessageId, Option<ConsumerId>, Option<ConsumerId>), BrokerError> {
        let queue = &mut self.queues[q.0 as usize];
        let id = MessageId(self.next_id);
        let born_at = new.born_at.unwrap_or(now);
        // Built where it is needed, not moved from the stack (a store-forwarding stall).
        let message = || Message {
            id,
            class: new.class,
            priority: new.priority,
            key: new.key,
            size: new.size,
            published_at: now,
            born_at,
            waited_before: new.waited_before,
            attempt: 0,
        };
        let place = match queue.dispatch.route_with(message, &queue.loads) {
            Route::Shared => None,
            Route::Consumer(k) => {
                if k >= queue.consumers as usize {
                    // The message never entered; a drop made for it stands.
                    return Err(bad_route(queue, k));
                }
                queue.loads.add(k, new.size);
                queue.load_changed(k);
                Some(k as u32)
            }
        };
        self.next_id += 1;
        let wake = push_waiting(
            q.0,
            queue,
            &mut self.consumers,
            &mut self.deadlines,
            message(),
            place,
            false,
        );
        if let Some(patience) = patience {
            schedule_patience(q.0, queue, &mut self.deadlines, id, now + patience, place);
        }
        let preempt = match (wake, queue.discipline) {
            (None, Discipline::PriorityPreemptive) => {
                preempt_candidate(queue, &self.consumers, place, new.priority)
            }
            _ => None,
        };
        Ok((id, wake.map(ConsumerId), preempt.map(ConsumerId)))
    }
}

/// Makes `message` wait in queue `q` at `place` — at the back, or at the head with `front` —
/// counting it as waiting and, with a TTL, scheduling its expiry. Returns the idle consumer
/// to wake, if any: the longest idle for the shared buffer, the owner for its own. The load
/// of a message placed in a consumer's own buffer must already be on that consumer.
#[inline(always)] // On every publish and requeue; `place` and `front` then fold to constants.
pub(super) fn push_waiting(
    q: u32,
    queue: &mut Queue,
    consumers: &mut [Consumer],
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    message: Message,
    place: Place,
    front: bool,
) -> Option<u32> {
    // Read before the message moves into its buffer, so that it is not kept as a copy.
    let (id, published_at) = (message.id, message.published_at);
    match (place, front) {
        (None, false) => queue.shared.push(message),
        (None, true) => queue.shared.push_front(message),
        (Some(k), false) => consumers[(queue.first_consumer + k) as usize]
            .own
            .push(message),
        (Some(k), true) => consumers[(queue.first_consumer + k) as usize]
            .own
            .push_front(message),
    }
    queue.stats.waiting += 1;
    if queue.ttl.is_some() {
        schedule_ttl(q, queue, deadlines, id, published_at, place);
    }
    match place {
        // Most publishes find no idle consumer: the list is checked here, not in a call.
        None if queue.idle.is_empty() => None,
        None => next_idle(queue, consumers),
        Some(k) => {
            let global = queue.first_consumer + k;
            std::mem::take(&mut consumers[global as usize].idle).then_some(global)
        }
    }
}

/// Uncounts the publish a custom strategy routed to consumer `k`, which `queue` lacks, and
/// returns the error.
#[cold] // Only a faulty custom strategy gets here.
#[inline(never)]
pub(super) fn bad_route(queue: &mut Queue, k: usize) -> BrokerError {
    queue.stats.published -= 1;
    BrokerError::BadRoute {
        chosen: k,
        consumers: queue.consumers as usize,
    }
}
