//! What the broker's calls report. Every message the broker stops holding reaches the caller
//! in the outcome of the call that caused it — acknowledged ([`Acked`]), refused by a full
//! queue ([`crate::BrokerError::Full`]), dropped to make room ([`Published::dropped`]),
//! expired ([`Outcome::Expired`], [`Polled::expired`], [`Expiry`]), abandoned
//! ([`Outcome::Abandoned`], in an [`Expiry`]) or dead-lettered ([`Outcome::DeadLettered`]) — so that a driver counting its messages never has to read
//! [`QueueStats`] to learn where one went.

use crate::{ConsumerId, Message, QueueId};

/// The outcome of an accepted publish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// The new message's id.
    pub id: crate::MessageId,
    /// An idle consumer that can take the message now and should be told to poll.
    pub wake: Option<ConsumerId>,
    /// The waiting message dropped to make room ([`crate::Overflow::DropOldest`] on a full
    /// queue): it has left the queue, counted in [`QueueStats::dropped`].
    pub dropped: Option<Message>,
    /// Only for [`crate::Discipline::PriorityPreemptive`] queues: no idle consumer can take
    /// the new message, but it is strictly more urgent than a message in service at a consumer
    /// that could take it (any consumer of a shared queue; the chosen one for own-queue
    /// routing). This names that consumer (the one serving the least urgent such message, the
    /// most recently delivered among equals): the caller should interrupt it, hand its message
    /// back with [`crate::Broker::requeue_front`] and poll it again.
    pub preempt: Option<ConsumerId>,
}

/// A message handed to a consumer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// Who received it.
    pub consumer: ConsumerId,
    /// The message; [`Message::attempt`] says which delivery this is (1 for the first).
    pub message: Message,
    /// When it was handed over.
    pub delivered_at: f64,
}

/// What [`crate::Broker::poll`] found: the message delivered, if any, and the waiting
/// messages of the consumer's queue whose time to live had run out, expired on the way.
///
/// `expired` is empty for a queue without a TTL, and allocates nothing then. Each message in
/// it has left the queue (counted in [`QueueStats::expired`]): a caller that counts the
/// messages in its queues must count these out, as it does those of [`Outcome::Expired`].
#[must_use = "messages the poll expired have left the queue; the caller must count them out"]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Polled {
    /// The message delivered; `None` means there was none and the consumer is now idle.
    pub delivery: Option<Delivery>,
    /// Waiting messages found past their time to live, in the order they were reached.
    pub expired: Vec<Message>,
}

/// A message acknowledged as processed; it has left the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acked {
    /// The message.
    pub message: Message,
    /// When it was handed to the consumer.
    pub delivered_at: f64,
    /// When it was acknowledged.
    pub acked_at: f64,
}

/// What became of a message taken back from a consumer or expired.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// It waits again, at the head of its buffer, for redelivery; `wake` names an idle
    /// consumer that can take it now and should be told to poll.
    Requeued {
        /// An idle consumer to tell to poll.
        wake: Option<ConsumerId>,
    },
    /// It left the queue as dead-lettered (counted in [`QueueStats::dead_lettered`]). Three
    /// cases, told apart by the fields:
    /// - `to: None`: the queue has no dead-letter queue; the message is gone.
    /// - `to: Some(_)`, `published: Some(p)`: it was published to the dead-letter queue as a
    ///   new message `p.id` (whose `wake`, `dropped` and `preempt` concern that queue).
    /// - `to: Some(_)`, `published: None`: the dead-letter queue refused it (it was full, or
    ///   its custom dispatch routed nowhere): counted there as published and rejected, the
    ///   message is gone ([`Outcome::dead_letter_refused`]).
    DeadLettered {
        /// The dead-letter queue, if the queue has one.
        to: Option<QueueId>,
        /// The publish to it, if accepted.
        published: Option<Published>,
    },
    /// Its time to live had run out: it left the queue undelivered (counted in
    /// [`QueueStats::expired`]). A message taken back from a consumer (rejected with requeue,
    /// timed out, handed back) whose time to live passed while it was in flight expires here
    /// rather than wait again.
    Expired,
    /// It was published with a patience ([`crate::Broker::publish_patient`]) and was still
    /// waiting for its first delivery when the patience ran out: it left the queue
    /// undelivered (counted in [`QueueStats::abandoned`]). Only [`crate::Broker::expire_due`]
    /// reports it, in an [`Expiry`] without a consumer.
    Abandoned,
    /// It failed and is held back ([`crate::Broker::nack_delayed`]): in the queue but neither
    /// waiting nor in flight (counted in [`QueueStats::delayed`]) until `until`, when
    /// [`crate::Broker::expire_due`] puts it back to wait — an [`Expiry`] without a consumer,
    /// [`Outcome::Requeued`] (or [`Outcome::Expired`] if its time to live ran out meanwhile).
    Delayed {
        /// When it waits again.
        until: f64,
    },
}

impl Outcome {
    /// True for a message dead-lettered to a dead-letter queue that refused it: it left the
    /// system, and the dead-letter queue counted a rejected publish.
    pub fn dead_letter_refused(&self) -> bool {
        matches!(
            self,
            Outcome::DeadLettered {
                to: Some(_),
                published: None
            }
        )
    }
}

/// A message a consumer rejected with [`crate::Broker::nack`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nacked {
    /// The message (with the attempt number of the rejected delivery).
    pub message: Message,
    /// When it had been handed to the consumer.
    pub delivered_at: f64,
    /// Requeued, dead-lettered, or expired (requeued past its time to live).
    pub outcome: Outcome,
}

/// A message a consumer handed back with [`crate::Broker::requeue_front`] (preemption).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandedBack {
    /// The message as delivered (its attempt number), with its remaining work as its size.
    pub message: Message,
    /// Requeued (its next delivery keeps the attempt number), or expired: its time to live
    /// had run out while it was in service. Never dead-lettered.
    pub outcome: Outcome,
}

/// One deadline processed by [`crate::Broker::expire_due`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expiry {
    /// The queue the message was in.
    pub queue: QueueId,
    /// For a visibility timeout, the consumer that held the message (it is freed and will get
    /// [`crate::BrokerError::NotInFlight`] if it acks late); `None` for a TTL expiry, an
    /// abandonment or the end of a delay ([`Outcome::Delayed`]).
    pub consumer: Option<ConsumerId>,
    /// The message.
    pub message: Message,
    /// A timed-out message is requeued, dead-lettered, or expired (its time to live passed
    /// while it was in flight); a TTL expiry is always [`Outcome::Expired`], a patience run
    /// out [`Outcome::Abandoned`]; a delay's end [`Outcome::Requeued`] (or
    /// [`Outcome::Expired`], past its time to live).
    pub outcome: Outcome,
}

/// What [`crate::Broker::expire_due`] did. Reuse one value with
/// [`crate::Broker::expire_due_into`] to avoid allocating on every call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expired {
    /// Timed-out messages, and delayed ones whose delay ended, put back to wait for
    /// redelivery.
    pub redelivered: u64,
    /// Timed-out messages dead-lettered (they had reached their queue's `max_attempts`).
    pub dead_lettered: u64,
    /// Messages whose time to live ran out: waiting ones, and timed-out ones that could not
    /// wait again.
    pub expired: u64,
    /// Messages whose patience ran out before their first delivery.
    pub abandoned: u64,
    /// Idle consumers that can now take a message and should be told to poll (of the queues
    /// the messages were requeued in or dead-lettered to).
    pub wake: Vec<ConsumerId>,
    /// Every deadline acted on, in deadline order.
    pub events: Vec<Expiry>,
}

impl Expired {
    /// True when nothing was due.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Empties the report, keeping its storage.
    pub(crate) fn clear(&mut self) {
        self.redelivered = 0;
        self.dead_lettered = 0;
        self.expired = 0;
        self.abandoned = 0;
        self.wake.clear();
        self.events.clear();
    }

    /// Adds `other`'s deadlines after these.
    pub(crate) fn append(&mut self, mut other: Expired) {
        self.redelivered += other.redelivered;
        self.dead_lettered += other.dead_lettered;
        self.expired += other.expired;
        self.abandoned += other.abandoned;
        self.wake.append(&mut other.wake);
        self.events.append(&mut other.events);
    }

    /// Adds waiting messages of queue `q` that a poll found past their time to live, as TTL
    /// expiries.
    pub(crate) fn append_polled(&mut self, q: QueueId, messages: Vec<Message>) {
        self.expired += messages.len() as u64;
        self.events
            .extend(messages.into_iter().map(|message| Expiry {
                queue: q,
                consumer: None,
                message,
                outcome: Outcome::Expired,
            }));
    }
}

/// A queue's counters. At every moment
/// `published == acked + rejected + dropped + expired + abandoned + dead_lettered + waiting +
/// in_flight + delayed`
/// ([`QueueStats::balanced`]); each fate counted here was also reported to the caller of the
/// call that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Publish calls that reached the queue, accepted or not (dead-letter publishes included).
    pub published: u64,
    /// Messages acknowledged (processed).
    pub acked: u64,
    /// Publishes refused because the queue was full (or, for a dead-letter publish, routed
    /// nowhere by a custom strategy).
    pub rejected: u64,
    /// Waiting messages dropped to make room for newer ones.
    pub dropped: u64,
    /// Messages whose time to live ran out: waiting, or taken back from a consumer after it.
    pub expired: u64,
    /// Messages whose patience ran out while they waited for their first delivery
    /// ([`crate::Broker::publish_patient`]).
    pub abandoned: u64,
    /// Messages dead-lettered: rejected without requeue, or out of attempts.
    pub dead_lettered: u64,
    /// Deliveries rejected by consumers ([`crate::Broker::nack`]), requeued or not.
    pub nacked: u64,
    /// Deliveries whose visibility timeout passed before an ack.
    pub timed_out: u64,
    /// Messages put back to wait for redelivery, after a rejection or a timeout.
    pub redelivered: u64,
    /// Messages handed back by their consumer with [`crate::Broker::requeue_front`]
    /// (preemption).
    pub preempted: u64,
    /// Messages waiting now (not yet delivered, or put back).
    pub waiting: usize,
    /// Messages in service now (delivered, not yet acknowledged or rejected).
    pub in_flight: usize,
    /// Messages held back after a failure, until their redelivery
    /// ([`crate::Broker::nack_delayed`]).
    pub delayed: usize,
}

impl QueueStats {
    /// True when the conservation identity holds: every published message is accounted for.
    pub fn balanced(&self) -> bool {
        self.published
            == self.acked
                + self.rejected
                + self.dropped
                + self.expired
                + self.abandoned
                + self.dead_lettered
                + self.in_system()
    }

    /// Messages in the queue now: waiting, in flight, or held back before a redelivery.
    #[inline]
    pub fn in_system(&self) -> u64 {
        (self.waiting + self.in_flight + self.delayed) as u64
    }
}
