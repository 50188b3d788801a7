//! What a broker call refuses: [`BrokerError`].

use thiserror::Error;

use super::{ConsumerId, QueueId};
use crate::MessageId;

/// Errors from broker calls. [`BrokerError::Full`] is back-pressure (the queue refused a
/// message); every other one is a caller mistake the broker refuses to act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BrokerError {
    /// The queue id is not one this broker handed out.
    #[error("unknown queue {0:?}")]
    UnknownQueue(QueueId),
    /// The consumer id is not one this broker handed out.
    #[error("unknown consumer {0:?}")]
    UnknownConsumer(ConsumerId),
    /// A queue of that name exists already.
    #[error("a queue named `{0}` exists already")]
    DuplicateQueue(String),
    /// A queue needs at least one consumer.
    #[error("queue `{0}` has no consumers")]
    NoConsumers(String),
    /// A queue's configuration is inconsistent (dispatch parameters, capacity, timeouts).
    #[error("queue `{queue}`: {reason}")]
    InvalidConfig {
        /// The queue's name.
        queue: String,
        /// What is wrong.
        reason: String,
    },
    /// The queue is at capacity and refused the message (it was not published and got no id).
    /// Counted in [`QueueStats::rejected`](crate::QueueStats::rejected).
    #[error("queue {queue:?} is full ({capacity} messages)")]
    Full {
        /// The queue.
        queue: QueueId,
        /// Its capacity.
        capacity: usize,
    },
    /// The consumer already holds as many messages in flight as its queue's
    /// [`QueueConfig::prefetch`](crate::QueueConfig::prefetch) allows; it must ack (or nack) one
    /// before polling again.
    #[error("consumer {0:?} already holds its prefetch of messages in flight")]
    Busy(ConsumerId),
    /// The consumer does not hold that message in flight: it never did, it acknowledged or
    /// rejected it already, or its visibility timeout passed and the broker took it back (a
    /// late ack of a timed-out message lands here).
    #[error("consumer {consumer:?} holds no message {message:?}")]
    NotInFlight {
        /// Who acknowledged.
        consumer: ConsumerId,
        /// What it acknowledged.
        message: MessageId,
    },
    /// A custom dispatch strategy routed to a consumer the queue does not have.
    #[error("dispatch chose consumer {chosen} of a queue with {consumers}")]
    BadRoute {
        /// The consumer index chosen.
        chosen: usize,
        /// How many consumers the queue has.
        consumers: usize,
    },
    /// A work amount handed to the broker is negative or not finite.
    #[error("invalid message size {0}")]
    InvalidSize(f64),
    /// A patience handed to [`Broker::publish_patient`](crate::Broker::publish_patient) is
    /// negative or NaN.
    #[error("invalid patience {0}")]
    InvalidPatience(f64),
}
