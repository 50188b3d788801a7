//! How a delivery ends: acknowledged, rejected, redelivered or dead-lettered.

use super::deadlines::schedule_backoff;
use super::in_flight::{Held, InFlight};
use super::publish::push_waiting;
use super::queue::Queue;
use super::{Broker, BrokerError, ConsumerId};
use crate::{Acked, Clock, MessageId, Nacked, NewMessage, Outcome};

impl<C: Clock> Broker<C> {
    /// Consumer `c` acknowledges message `id` as processed: it leaves the broker.
    ///
    /// [`BrokerError::NotInFlight`] if `c` does not hold `id` — including when its visibility
    /// timeout has passed and [`Broker::expire_due`] took it back (a late ack).
    #[inline]
    pub fn ack(&mut self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError> {
        let now = self.clock.now();
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        let queue = &mut self.queues[consumer.queue as usize];
        let k = consumer.local as usize;
        let read = |f: &InFlight| Acked {
            message: f.message,
            delivered_at: f.delivered_at,
            acked_at: now,
        };
        // Each case builds its answer straight from the in-flight entry, which is then let go:
        // one copy of the message, into the answer.
        match &mut consumer.in_flight {
            Held::One(slot) => {
                if let Some(f) = slot
                    && f.message.id == id
                {
                    let acked = read(f);
                    *slot = None;
                    settle_ack(queue, k, acked.message.size);
                    return Ok(acked);
                }
            }
            held => {
                if let Some(acked) = held.take_id_with(id, read) {
                    settle_ack(queue, k, acked.message.size);
                    return Ok(acked);
                }
            }
        }
        Err(BrokerError::NotInFlight {
            consumer: c,
            message: id,
        })
    }

    /// Consumer `c` rejects message `id`: processing failed. With `requeue` the message waits
    /// again at the head of the buffer it came from (the shared one or `c`'s own) for
    /// redelivery — unless it has had its queue's `max_attempts` deliveries, in which case,
    /// as without `requeue`, it is dead-lettered; or unless its time to live ran out while it
    /// was in flight, in which case it expires ([`Outcome::Expired`]).
    pub fn nack(
        &mut self,
        c: ConsumerId,
        id: MessageId,
        requeue: bool,
    ) -> Result<Nacked, BrokerError> {
        let f = self.take_in_flight(c, id)?;
        let q = self.consumers[c.0 as usize].queue;
        let queue = &mut self.queues[q as usize];
        queue.stats.nacked += 1;
        let outcome = if requeue && queue.may_retry(f.message.attempt) {
            self.redeliver(c, f)
        } else {
            self.dead_letter(c, f)
        };
        Ok(Nacked {
            message: f.message,
            delivered_at: f.delivered_at,
            outcome,
        })
    }

    /// Consumer `c` rejects message `id` for redelivery after a delay (retry backoff): if it
    /// may be delivered again (attempts left) and its time to live has not run out, it is
    /// held back — in the queue, neither waiting nor in flight, counted in
    /// [`QueueStats::delayed`](crate::QueueStats::delayed) — until `delay(&message)` after
    /// now ([`Outcome::Delayed`]); `delay` sees the message with the attempt number of the
    /// failed delivery, and must give a time ≥ 0 (a negative or NaN one counts as 0). Then
    /// [`Broker::expire_due`] (see [`Broker::next_deadline`]) puts it back at the head of the
    /// buffer it came from and reports it as an [`Expiry`](crate::Expiry) without a consumer,
    /// [`Outcome::Requeued`] with a consumer to wake (or [`Outcome::Expired`], if its time to
    /// live ran out during the delay). Out of attempts, it is dead-lettered at once, as by
    /// [`Broker::nack`]; past its time to live, it expires at once.
    pub fn nack_delayed(
        &mut self,
        c: ConsumerId,
        id: MessageId,
        delay: impl FnOnce(&crate::Message) -> f64,
    ) -> Result<Nacked, BrokerError> {
        let now = self.clock.now();
        let f = self.take_in_flight(c, id)?;
        let q = self.consumers[c.0 as usize].queue;
        let queue = &mut self.queues[q as usize];
        queue.stats.nacked += 1;
        let past_ttl = queue
            .ttl
            .is_some_and(|ttl| f.message.published_at + ttl <= now);
        let outcome = if !queue.may_retry(f.message.attempt) {
            self.dead_letter(c, f)
        } else if past_ttl {
            self.redeliver(c, f)
        } else {
            let d = delay(&f.message);
            let until = now + if d > 0.0 { d } else { 0.0 };
            queue.stats.delayed += 1;
            queue.delayed.insert(f.message.id, (c.0, f));
            schedule_backoff(&mut self.deadlines, until, f.message.id, q);
            Outcome::Delayed { until }
        };
        Ok(Nacked {
            message: f.message,
            delivered_at: f.delivered_at,
            outcome,
        })
    }

    /// Removes message `id` from consumer `c`'s in-flight set (counting it out of
    /// `in_flight`); its load stays on `c` for the caller to settle.
    #[inline(always)] // The entry is copied out once, into the caller's own.
    pub(super) fn take_in_flight(
        &mut self,
        c: ConsumerId,
        id: MessageId,
    ) -> Result<InFlight, BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        let f = consumer
            .in_flight
            .take_id(id)
            .ok_or(BrokerError::NotInFlight {
                consumer: c,
                message: id,
            })?;
        self.queues[consumer.queue as usize].stats.in_flight -= 1;
        Ok(f)
    }

    /// Puts message `f`, just taken from consumer `c` (its load settled for an own-buffer
    /// message, still on `c` as `held_size` for a shared one), back at the head of the buffer
    /// it came from: [`Outcome::Requeued`] with a consumer to wake. A message whose time to
    /// live ran out while it was in flight cannot wait again: it expires instead, its load
    /// taken off `c` ([`Outcome::Expired`]).
    pub(super) fn put_back(&mut self, c: ConsumerId, f: InFlight, held_size: f64) -> Outcome {
        let now = self.clock.now();
        let consumer = &self.consumers[c.0 as usize];
        let (q, k) = (consumer.queue, consumer.local);
        let queue = &mut self.queues[q as usize];
        if queue
            .ttl
            .is_some_and(|ttl| f.message.published_at + ttl <= now)
        {
            let held = if f.taken_from_shared() {
                held_size
            } else {
                f.message.size
            };
            queue.loads.remove(k as usize, held);
            queue.load_changed(k as usize);
            queue.stats.expired += 1;
            return Outcome::Expired;
        }
        let place = if f.taken_from_shared() {
            queue.loads.remove(k as usize, held_size);
            queue.load_changed(k as usize);
            None
        } else {
            Some(k)
        };
        let wake = push_waiting(
            q,
            queue,
            &mut self.consumers,
            &mut self.deadlines,
            f.message,
            place,
            true,
        );
        Outcome::Requeued {
            wake: wake.map(ConsumerId),
        }
    }

    /// Requeues a failed or timed-out delivery for another attempt (or expires it, past its
    /// time to live).
    pub(super) fn redeliver(&mut self, c: ConsumerId, f: InFlight) -> Outcome {
        let outcome = self.put_back(c, f, f.message.size);
        if let Outcome::Requeued { .. } = outcome {
            let q = self.consumers[c.0 as usize].queue;
            self.queues[q as usize].stats.redelivered += 1;
        }
        outcome
    }

    /// Dead-letters message `f`, just taken from consumer `c`: counts it out of the queue and
    /// publishes it to the dead-letter queue, if there is one. A publish the dead-letter queue
    /// does not accept is counted there as published and rejected, whatever the reason (full,
    /// or a custom strategy routing nowhere, which a direct publish would not count), so that
    /// `to: Some(_), published: None` always means one refusal in its counters.
    pub(super) fn dead_letter(&mut self, c: ConsumerId, f: InFlight) -> Outcome {
        let consumer = &self.consumers[c.0 as usize];
        let queue = &mut self.queues[consumer.queue as usize];
        let k = consumer.local as usize;
        queue.loads.remove(k, f.message.size);
        queue.load_changed(k);
        queue.stats.dead_lettered += 1;
        let to = queue.dead_letter;
        let m = f.message;
        let published = to.and_then(|to| {
            let new = NewMessage {
                class: m.class,
                priority: m.priority,
                key: m.key,
                size: m.size,
                born_at: Some(m.born_at),
                waited_before: m.waited_before,
            };
            match self.publish(to, new) {
                Ok(p) => Some(p),
                Err(BrokerError::Full { .. }) => None,
                Err(_) => {
                    let stats = &mut self.queues[to.0 as usize].stats;
                    stats.published += 1;
                    stats.rejected += 1;
                    None
                }
            }
        });
        Outcome::DeadLettered { to, published }
    }
}

/// Counts a message of `size` acknowledged by consumer `k` of `queue` out of `in_flight` and
/// its load.
#[inline(always)] // A few counter updates on every ack.
pub(super) fn settle_ack(queue: &mut Queue, k: usize, size: f64) {
    queue.stats.in_flight -= 1;
    queue.loads.remove(k, size);
    queue.load_changed(k);
    queue.stats.acked += 1;
}
