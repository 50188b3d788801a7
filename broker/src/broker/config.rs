//! How a queue is set up: [`QueueConfig`] and its [`Overflow`] policy.

use super::QueueId;
use crate::{Discipline, DispatchKind};

/// What a full queue does with one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse the new message: [`Broker::publish`](crate::Broker::publish) returns
    /// [`BrokerError::Full`](crate::BrokerError::Full) and the producer decides (retry, back off,
    /// give up), as a publish nack does.
    #[default]
    Reject,
    /// Make room by dropping the oldest waiting message of the queue (the first published among
    /// those not yet delivered, in the shared buffer or any consumer's own buffer); it is returned
    /// in [`Published::dropped`](crate::Published::dropped). Messages in service are never dropped:
    /// when every message in the system is in service, the new one is rejected as with `Reject`.
    DropOldest,
}

impl Overflow {
    /// The name scenario files give the policy: `reject` or `drop-oldest`.
    pub fn name(self) -> &'static str {
        match self {
            Overflow::Reject => "reject",
            Overflow::DropOldest => "drop-oldest",
        }
    }
}

/// How to set up one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    /// Unique name producers publish to.
    pub name: String,
    /// Number of consumers attached to the queue.
    pub consumers: usize,
    /// How messages are shared out among the consumers.
    pub dispatch: DispatchKind,
    /// Seed for any randomness in the dispatch strategy.
    pub seed: u64,
    /// Order in which waiting messages are delivered, in every buffer of the queue.
    pub discipline: Discipline,
    /// Most messages the queue's system may hold (waiting plus in service); `None` is
    /// unbounded. Must be at least 1.
    pub capacity: Option<usize>,
    /// What happens to a publish when the queue is at capacity.
    pub overflow: Overflow,
    /// Most messages one consumer may hold in flight (delivered, not yet acknowledged or
    /// rejected); at least 1. The default, 1, is a consumer that processes one message at a
    /// time; more suits consumers that work on several at once (processor sharing).
    pub prefetch: usize,
    /// A delivered message not acknowledged (or rejected) within this time is taken back and
    /// redelivered (or dead-lettered after [`QueueConfig::max_attempts`]); `None` waits forever.
    /// Deadlines are processed by [`Broker::expire_due`](crate::Broker::expire_due). Must be
    /// positive.
    pub visibility_timeout: Option<f64>,
    /// Most deliveries of one message: a message rejected with requeue, or timed out, on its
    /// `max_attempts`-th delivery is dead-lettered instead of redelivered. `None` is no limit.
    /// Must be at least 1.
    pub max_attempts: Option<u32>,
    /// Time to live: a message still waiting (not in flight) this long after it was published
    /// expires — it leaves the queue undelivered, counted in
    /// [`QueueStats::expired`](crate::QueueStats::expired). Checked by
    /// [`Broker::expire_due`](crate::Broker::expire_due) and, lazily, by
    /// [`Broker::poll`](crate::Broker::poll). `None` never expires. Must be positive.
    pub ttl: Option<f64>,
    /// Where dead-lettered messages go: they are published to this queue, which must exist
    /// already (so dead-letter chains cannot loop). `None` only counts them.
    pub dead_letter: Option<QueueId>,
}

impl QueueConfig {
    /// A queue named `name` with `consumers` consumers pulling from one shared, unbounded FIFO,
    /// a prefetch of 1, no visibility timeout, no attempt limit, no TTL, no dead-letter queue.
    pub fn new(name: impl Into<String>, consumers: usize) -> Self {
        Self {
            name: name.into(),
            consumers,
            dispatch: DispatchKind::Shared,
            seed: 0,
            discipline: Discipline::Fifo,
            capacity: None,
            overflow: Overflow::Reject,
            prefetch: 1,
            visibility_timeout: None,
            max_attempts: None,
            ttl: None,
            dead_letter: None,
        }
    }

    /// The same queue with another dispatch strategy.
    pub fn dispatch(mut self, dispatch: DispatchKind) -> Self {
        self.dispatch = dispatch;
        self
    }

    /// The same queue with another seed for its dispatch strategy.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same queue with another discipline.
    pub fn discipline(mut self, discipline: Discipline) -> Self {
        self.discipline = discipline;
        self
    }

    /// The same queue holding at most `capacity` messages (waiting plus in service).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// The same queue with another overflow policy.
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// The same queue letting each consumer hold up to `prefetch` messages in flight.
    pub fn prefetch(mut self, prefetch: usize) -> Self {
        self.prefetch = prefetch;
        self
    }

    /// The same queue redelivering messages not acknowledged within `timeout`.
    pub fn visibility_timeout(mut self, timeout: f64) -> Self {
        self.visibility_timeout = Some(timeout);
        self
    }

    /// The same queue dead-lettering a message after `max_attempts` failed deliveries.
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = Some(max_attempts);
        self
    }

    /// The same queue expiring messages that wait longer than `ttl` after publish.
    pub fn ttl(mut self, ttl: f64) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The same queue publishing its dead-lettered messages to queue `to`.
    pub fn dead_letter(mut self, to: QueueId) -> Self {
        self.dead_letter = Some(to);
        self
    }
}
