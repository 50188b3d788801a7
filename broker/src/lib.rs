//! kendall-broker: an embeddable in-memory message broker.
//!
//! Producers [`Broker::publish`] messages to named queues; each queue has consumers that
//! [`Broker::poll`] for their next message and [`Broker::ack`] it once processed. A queue's
//! [`Dispatch`] strategy decides where a message waits: in one queue shared by all consumers
//! (idle consumers pull) or in one consumer's own queue (push, as partitioned logs do).
//! Built-in strategies ([`DispatchKind`]): shared, round-robin, random, weighted round-robin,
//! JSQ, power-of-d, least-work, JIQ and key-hash; each chooses in O(1) or O(log n).
//!
//! Each queue has a [`Discipline`] (FIFO, LIFO, priority, or preemptive-resume priority) that
//! orders every one of its buffers, and optionally a capacity with an [`Overflow`] policy:
//! reject the new message ([`BrokerError::Full`]) or drop the oldest waiting one
//! ([`Published::dropped`]).
//!
//! Delivery is at least once. A consumer holds up to [`QueueConfig::prefetch`] messages in
//! flight; it acknowledges each ([`Broker::ack`]) or rejects it ([`Broker::nack`]). A message
//! not acknowledged within the [`QueueConfig::visibility_timeout`] is redelivered; after
//! [`QueueConfig::max_attempts`] deliveries it is dead-lettered (to
//! [`QueueConfig::dead_letter`], if set); a message waiting longer than its
//! [`QueueConfig::ttl`] expires; a message published with a patience
//! ([`Broker::publish_patient`]) and not delivered within it abandons
//! ([`Outcome::Abandoned`]); a failed message may be held back before its redelivery
//! ([`Broker::nack_delayed`], retry backoff). The broker owns no thread: [`Broker::next_deadline`] tells a
//! driver when to call [`Broker::expire_due`].
//!
//! Nothing leaves in silence: every message the broker stops holding is reported to the
//! caller of the call that decided it — [`Acked`] by [`Broker::ack`]; [`BrokerError::Full`]
//! and [`Published::dropped`] by [`Broker::publish`]; [`Polled::expired`] by [`Broker::poll`]
//! (waiting messages found past their TTL); an [`Outcome`] by [`Broker::nack`] and
//! [`Broker::requeue_front`] (a message taken back past its TTL expires at once); an
//! [`Expiry`] per deadline by [`Broker::expire_due`] (abandonments included); a dead-lettered message's publish to its
//! dead-letter queue, or that queue's refusal, in [`Outcome::DeadLettered`]. [`Broker::stats`]
//! counts the same fates, and for every queue at every moment
//! `published = acked + rejected + dropped + expired + abandoned + dead_lettered + waiting +
//! in_flight + delayed`
//! ([`QueueStats::balanced`]). [`SharedBroker`] wraps a broker for use from many threads, with
//! blocking polls that report the same.
//!
//! Time enters only through a [`Clock`]: [`WallClock`] for real use, or any other
//! implementation (the simulator supplies a virtual one). The broker never knows which.
//!
//! ```
//! use kendall_broker::{Broker, NewMessage, QueueConfig, WallClock};
//! let mut broker = Broker::new(WallClock::new());
//! let q = broker.add_queue(QueueConfig::new("orders", 2)).unwrap();
//! let published = broker.publish(q, NewMessage::default()).unwrap();
//! let consumer = published.wake.expect("an idle consumer is told to poll");
//! let polled = broker.poll(consumer).unwrap();
//! assert!(polled.expired.is_empty(), "a queue without a TTL expires nothing");
//! let delivery = polled.delivery.expect("the message is waiting");
//! let acked = broker.ack(consumer, delivery.message.id).unwrap();
//! assert_eq!(acked.message.id, published.id);
//! ```

mod broker;
mod buffer;
mod clock;
mod dispatch;
mod fates;
mod message;
mod prefetch;
mod shared;
mod total_f64;

pub use broker::{Broker, BrokerError, ConsumerId, Overflow, QueueConfig, QueueId, Upcoming};
pub use buffer::Discipline;
pub use clock::{Clock, WallClock};
pub use dispatch::{
    ConsumerLoads, Dispatch, DispatchKind, InvalidDispatch, Jiq, Jsq, KeyHash, LeastWork, PowerOfD,
    Random, RoundRobin, Route, Shared, WeightedRoundRobin,
};
pub use fates::{
    Acked, Delivery, Expired, Expiry, HandedBack, Nacked, Outcome, Polled, Published, QueueStats,
};
pub use message::{Message, MessageId, NewMessage};
pub use shared::{SharedBroker, TimedPoll};
