//! The broker: queues, their consumers, publish / poll / ack / nack, deadlines. This file
//! holds the ids and the [`Broker`] itself; each of its jobs has a file of its own: queue
//! set-up (`setup`), read-only questions (`inspect`), `publish` and a publish at capacity
//! (`overflow`), `poll`, the end of a delivery (`settle`), `preemption`, `deadlines` and
//! cache hints (`cache_hints`), over the state in `queue`, `consumer` and `in_flight`.

mod cache_hints;
mod config;
mod consumer;
mod deadlines;
mod duty;
mod error;
mod in_flight;
mod inspect;
mod overflow;
mod poll;
mod preemption;
mod publish;
mod queue;
mod settle;
mod setup;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub use cache_hints::Upcoming;
pub use config::{Overflow, QueueConfig};
use consumer::Consumer;
use deadlines::Deadline;
pub use error::BrokerError;
use queue::Queue;

use crate::Clock;

/// Index of a queue within its broker, returned by [`Broker::add_queue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(pub u32);

/// Index of a consumer within its broker (consumers of all queues are numbered together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsumerId(pub u32);

/// An in-memory message broker driven by a [`Clock`].
///
/// Each consumer holds up to its queue's [`QueueConfig::prefetch`] messages in flight (one by
/// default): it polls, processes, acks, and polls again. A consumer that polls and finds nothing is
/// idle until a publish names it in [`Published::wake`](crate::Published::wake) (longest-idle
/// first, for the shared queue); when woken it should poll until it gets `None` or
/// [`BrokerError::Busy`].
///
/// Delivery is at least once: a consumer acknowledges a message ([`Broker::ack`]) or rejects
/// it ([`Broker::nack`]); a message neither acknowledged nor rejected within the queue's
/// visibility timeout is taken back and redelivered; after `max_attempts` deliveries a
/// failing message is dead-lettered; a message waiting longer than its TTL expires. The broker
/// is passive — it owns no thread and no timer — so a driver asks [`Broker::next_deadline`]
/// when to call in and then calls [`Broker::expire_due`]. Every message ends acknowledged,
/// rejected, dropped, expired or dead-lettered; the call that decides its fate reports it
/// (see the crate documentation), and [`Broker::stats`] counts each.
///
/// ```
/// use kendall_broker::{Broker, NewMessage, Outcome, QueueConfig, WallClock};
/// let mut broker = Broker::new(WallClock::new());
/// let dlq = broker.add_queue(QueueConfig::new("failed", 1)).unwrap();
/// let q = broker
///     .add_queue(QueueConfig::new("jobs", 1).max_attempts(2).dead_letter(dlq))
///     .unwrap();
/// let c = broker.publish(q, NewMessage::default()).unwrap().wake.unwrap();
/// // The first attempt fails and the message is requeued; the second fails too.
/// let d = broker.poll(c).unwrap().delivery.unwrap();
/// assert_eq!(d.message.attempt, 1);
/// broker.nack(c, d.message.id, true).unwrap();
/// let d = broker.poll(c).unwrap().delivery.unwrap();
/// assert_eq!(d.message.attempt, 2);
/// let nacked = broker.nack(c, d.message.id, true).unwrap();
/// assert!(matches!(nacked.outcome, Outcome::DeadLettered { to: Some(_), published: Some(_) }));
/// let stats = broker.stats(q).unwrap();
/// assert_eq!((stats.nacked, stats.redelivered, stats.dead_lettered), (2, 1, 1));
/// assert!(stats.balanced());
/// assert_eq!(broker.waiting(dlq).unwrap(), 1);
/// ```
pub struct Broker<C: Clock> {
    clock: C,
    queues: Vec<Queue>,
    consumers: Vec<Consumer>,
    deadlines: BinaryHeap<Reverse<Deadline>>,
    next_id: u64,
    next_seq: u64,
}

impl<C: Clock> Broker<C> {
    /// An empty broker reading time from `clock`.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            queues: Vec::new(),
            consumers: Vec::new(),
            deadlines: BinaryHeap::new(),
            next_id: 0,
            next_seq: 0,
        }
    }

    /// The broker's clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests;
