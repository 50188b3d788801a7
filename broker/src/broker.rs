//! The broker: queues, their consumers, publish / poll / ack / nack, deadlines.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use thiserror::Error;

use crate::buffer::{OwnBuffer, SharedBuffer};
use crate::dispatch::{Peek, Router};
use crate::total_f64::TotalF64;
use crate::{
    Acked, Clock, ConsumerLoads, Delivery, Discipline, Dispatch, DispatchKind, Expired, Expiry,
    HandedBack, Message, MessageId, Nacked, NewMessage, Outcome, Polled, Published, QueueStats,
    Route,
};

/// Index of a queue within its broker, returned by [`Broker::add_queue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(pub u32);

/// Index of a consumer within its broker (consumers of all queues are numbered together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsumerId(pub u32);

/// What a full queue does with one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse the new message: [`Broker::publish`] returns [`BrokerError::Full`] and the
    /// producer decides (retry, back off, give up), as a publish nack does.
    #[default]
    Reject,
    /// Make room by dropping the oldest waiting message of the queue (the first published
    /// among those not yet delivered, in the shared buffer or any consumer's own buffer); it is
    /// returned in [`Published::dropped`]. Messages in service are never dropped: when every
    /// message in the system is in service, the new one is rejected as with `Reject`.
    DropOldest,
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
    /// redelivered (or dead-lettered after [`QueueConfig::max_attempts`]); `None` waits
    /// forever. Deadlines are processed by [`Broker::expire_due`]. Must be positive.
    pub visibility_timeout: Option<f64>,
    /// Most deliveries of one message: a message rejected with requeue, or timed out, on its
    /// `max_attempts`-th delivery is dead-lettered instead of redelivered. `None` is no limit.
    /// Must be at least 1.
    pub max_attempts: Option<u32>,
    /// Time to live: a message still waiting (not in flight) this long after it was published
    /// expires — it leaves the queue undelivered, counted in [`QueueStats::expired`]. Checked
    /// by [`Broker::expire_due`] and, lazily, by [`Broker::poll`]. `None` never expires. Must
    /// be positive.
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
    /// Counted in [`QueueStats::rejected`].
    #[error("queue {queue:?} is full ({capacity} messages)")]
    Full {
        /// The queue.
        queue: QueueId,
        /// Its capacity.
        capacity: usize,
    },
    /// The consumer already holds as many messages in flight as its queue's
    /// [`QueueConfig::prefetch`] allows; it must ack (or nack) one before polling again.
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
}

/// A message in flight at a consumer.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    message: Message,
    delivered_at: f64,
    /// The broker-wide delivery number ([`InFlight::seq`]) shifted left by one, and in the low
    /// bit [`InFlight::taken_from_shared`]: one word for both keeps the entry at 88 bytes rather
    /// than 96, so that a consumer's hot fields fit in fewer cache lines.
    delivery: u64,
}

impl InFlight {
    #[inline(always)]
    fn new(message: Message, delivered_at: f64, seq: u64, from_shared: bool) -> Self {
        Self {
            message,
            delivered_at,
            delivery: seq << 1 | u64::from(from_shared),
        }
    }

    /// Broker-wide delivery number: tells this delivery's visibility deadline from stale ones.
    #[inline(always)]
    fn seq(&self) -> u64 {
        self.delivery >> 1
    }

    /// Taken from the shared buffer (handed back there), not from the consumer's own.
    #[inline(always)]
    fn taken_from_shared(&self) -> bool {
        self.delivery & 1 != 0
    }
}

/// The messages one consumer holds in flight: an inline slot for a consumer of prefetch 1
/// (no heap access on its hot path), a vector of at most `prefetch` otherwise.
enum Held {
    One(Option<InFlight>),
    Many(Vec<InFlight>, usize),
}

impl Held {
    fn new(prefetch: usize) -> Self {
        if prefetch == 1 {
            Held::One(None)
        } else {
            // Grown as needed up to the prefetch, so a large prefetch costs nothing upfront.
            Held::Many(Vec::with_capacity(prefetch.min(16)), prefetch)
        }
    }

    /// True when the consumer holds its prefetch.
    #[inline]
    fn is_full(&self) -> bool {
        match self {
            Held::One(slot) => slot.is_some(),
            Held::Many(v, prefetch) => v.len() >= *prefetch,
        }
    }

    /// Adds a delivery (the consumer is not full).
    #[inline]
    fn push(&mut self, f: InFlight) {
        match self {
            Held::One(slot) => *slot = Some(f),
            Held::Many(v, _) => v.push(f),
        }
    }

    /// The deliveries, in the order a `Vec` with `swap_remove` would keep them.
    fn as_slice(&self) -> &[InFlight] {
        match self {
            Held::One(slot) => slot.as_slice(),
            Held::Many(v, _) => v,
        }
    }

    fn iter(&self) -> std::slice::Iter<'_, InFlight> {
        self.as_slice().iter()
    }

    /// Removes and returns the first delivery that satisfies `pred` (the last one takes its
    /// place, as `Vec::swap_remove` does).
    #[inline]
    fn take(&mut self, pred: impl Fn(&InFlight) -> bool) -> Option<InFlight> {
        self.take_with(pred, |f| *f)
    }

    /// [`Held::take`], returning `read` of the delivery instead of a copy of it.
    #[inline(always)]
    fn take_with<R>(
        &mut self,
        pred: impl Fn(&InFlight) -> bool,
        read: impl FnOnce(&InFlight) -> R,
    ) -> Option<R> {
        match self {
            Held::One(slot) => match slot {
                Some(f) if pred(f) => {
                    let r = read(f);
                    *slot = None;
                    Some(r)
                }
                _ => None,
            },
            Held::Many(v, _) => {
                let i = v.iter().position(pred)?;
                let r = read(&v[i]);
                v.swap_remove(i);
                Some(r)
            }
        }
    }
}

/// One consumer's state: its own queue (for push strategies) and the messages it processes.
///
/// Laid out (`repr(C)`, on a cache-line boundary) so that an ack followed by a poll that finds
/// the own buffer empty — every completion of a consumer that is not backlogged — touches
/// two cache lines: the in-flight entry (88 bytes), the ids and flags, the own buffer's tag
/// and the start of its inline head (bytes 0..128). A publish to it and the poll that takes
/// the message touch a third, the rest of the head; the own buffer's overflow, on the fourth,
/// only when it holds more than one message.
#[repr(C, align(64))]
struct Consumer {
    /// At most the queue's prefetch.
    in_flight: Held,
    queue: u32,
    local: u32,
    /// Waiting for work: polled and found nothing, and not told to poll since.
    idle: bool,
    /// Listed in its queue's `idle` deque (possibly stale: `idle` is the truth).
    listed: bool,
    own: OwnBuffer,
}

/// Where a waiting message is: the shared buffer (`None`) or consumer k's own (`Some(k)`).
type Place = Option<u32>;

/// One queue: a shared buffer, the dispatch strategy, and the idle consumers in wake order.
struct Queue {
    name: String,
    first_consumer: u32,
    consumers: u32,
    shared: SharedBuffer,
    idle: VecDeque<u32>,
    dispatch: Router,
    /// `dispatch.wants_load_updates()`, asked once.
    load_updates: bool,
    /// False for built-in shared dispatch, whose consumers' own buffers stay empty.
    pushes: bool,
    loads: ConsumerLoads,
    capacity: Option<usize>,
    overflow: Overflow,
    discipline: Discipline,
    visibility_timeout: Option<f64>,
    max_attempts: Option<u32>,
    ttl: Option<f64>,
    dead_letter: Option<QueueId>,
    /// With a TTL only: where each waiting message is, so that an expiry finds it.
    waiting_at: HashMap<MessageId, Place>,
    stats: QueueStats,
}

impl Queue {
    /// True when a message on its `attempt`-th delivery may be delivered again.
    fn may_retry(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max| attempt < max)
    }

    /// Tells the dispatch strategy, if it listens, that consumer `k`'s load changed.
    #[inline]
    fn load_changed(&mut self, k: usize) {
        if self.load_updates {
            self.dispatch.on_load_change(k, &self.loads);
        }
    }
}

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// The visibility timeout of delivery `seq` to `consumer`.
    Visibility { consumer: u32, seq: u64 },
    /// The time to live of a message waiting in `queue`.
    Ttl { queue: u32 },
}

/// A deadline in the broker's heap; entries whose message moved on are skipped when reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Deadline {
    at: TotalF64,
    id: MessageId,
    due: Due,
}

/// An in-memory message broker driven by a [`Clock`].
///
/// Each consumer holds up to its queue's [`QueueConfig::prefetch`] messages in flight (one by
/// default): it polls, processes, acks, and polls again. A consumer that polls and finds
/// nothing is idle until a publish names it in [`Published::wake`] (longest-idle first, for
/// the shared queue); when woken it should poll until it gets `None` or
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

    /// Adds a queue with a built-in dispatch strategy; its consumers start idle.
    pub fn add_queue(&mut self, config: QueueConfig) -> Result<QueueId, BrokerError> {
        config
            .dispatch
            .check(config.consumers)
            .map_err(|reason| BrokerError::InvalidConfig {
                queue: config.name.clone(),
                reason,
            })?;
        let dispatch = Router::builtin(&config.dispatch, config.consumers, config.seed);
        self.add_queue_strategy(&config, dispatch)
    }

    /// Adds a FIFO, unbounded queue with a custom dispatch strategy.
    pub fn add_queue_with(
        &mut self,
        name: &str,
        consumers: usize,
        dispatch: Box<dyn Dispatch>,
    ) -> Result<QueueId, BrokerError> {
        self.add_queue_configured(&QueueConfig::new(name, consumers), dispatch)
    }

    /// Adds a queue set up by `config` (discipline, capacity, overflow, delivery guarantees)
    /// but with a custom dispatch strategy in place of `config.dispatch`.
    pub fn add_queue_configured(
        &mut self,
        config: &QueueConfig,
        dispatch: Box<dyn Dispatch>,
    ) -> Result<QueueId, BrokerError> {
        self.add_queue_strategy(config, Router::custom(dispatch))
    }

    /// Adds a queue set up by `config` with strategy `dispatch`.
    fn add_queue_strategy(
        &mut self,
        config: &QueueConfig,
        dispatch: Router,
    ) -> Result<QueueId, BrokerError> {
        let (name, consumers) = (config.name.as_str(), config.consumers);
        if self.queues.iter().any(|q| q.name == name) {
            return Err(BrokerError::DuplicateQueue(name.to_string()));
        }
        if consumers == 0 {
            return Err(BrokerError::NoConsumers(name.to_string()));
        }
        let invalid = |reason: &str| {
            Err(BrokerError::InvalidConfig {
                queue: name.to_string(),
                reason: reason.to_string(),
            })
        };
        let positive = |t: Option<f64>| t.is_none_or(|t| t > 0.0 && !t.is_nan());
        if config.capacity == Some(0) {
            return invalid("capacity 0 can hold no message");
        }
        if config.prefetch == 0 {
            return invalid("prefetch 0 lets no consumer take a message");
        }
        if !positive(config.visibility_timeout) {
            return invalid("the visibility timeout must be positive");
        }
        if !positive(config.ttl) {
            return invalid("the time to live must be positive");
        }
        if config.max_attempts == Some(0) {
            return invalid("max_attempts 0 allows no delivery");
        }
        if let Some(to) = config.dead_letter
            && to.0 as usize >= self.queues.len()
        {
            return invalid("the dead-letter queue must be added first");
        }
        let id = self.queues.len() as u32;
        let first_consumer = self.consumers.len() as u32;
        // One allocation for them all: pushing thousands one by one would copy the array at
        // every doubling.
        self.consumers.reserve_exact(consumers);
        for local in 0..consumers as u32 {
            self.consumers.push(Consumer {
                queue: id,
                local,
                own: OwnBuffer::new(config.discipline),
                in_flight: Held::new(config.prefetch),
                idle: true,
                listed: true,
            });
        }
        self.queues.push(Queue {
            name: name.to_string(),
            first_consumer,
            consumers: consumers as u32,
            shared: SharedBuffer::new(config.discipline),
            idle: (0..consumers as u32).collect(),
            load_updates: dispatch.wants_load_updates(),
            pushes: !matches!(dispatch, Router::Shared),
            dispatch,
            loads: ConsumerLoads::new(consumers),
            capacity: config.capacity,
            overflow: config.overflow,
            discipline: config.discipline,
            visibility_timeout: config.visibility_timeout,
            max_attempts: config.max_attempts,
            ttl: config.ttl,
            dead_letter: config.dead_letter,
            waiting_at: HashMap::new(),
            stats: QueueStats::default(),
        });
        Ok(QueueId(id))
    }

    /// The id of the queue called `name`.
    pub fn queue_id(&self, name: &str) -> Option<QueueId> {
        self.queues
            .iter()
            .position(|q| q.name == name)
            .map(|i| QueueId(i as u32))
    }

    /// The consumers of queue `q`, in order.
    pub fn consumers_of(
        &self,
        q: QueueId,
    ) -> Result<impl Iterator<Item = ConsumerId>, BrokerError> {
        let queue = self.queue(q)?;
        Ok((queue.first_consumer..queue.first_consumer + queue.consumers).map(ConsumerId))
    }

    /// The queue consumer `c` belongs to.
    pub fn queue_of(&self, c: ConsumerId) -> Result<QueueId, BrokerError> {
        Ok(QueueId(self.consumer(c)?.queue))
    }

    /// A hint that consumer `c` will be polled or ack soon: its state is fetched into the
    /// cache ahead of time (a driver of thousands of consumers knows the next one from its
    /// event calendar). No effect on what the broker does; ignored for an unknown consumer.
    #[inline]
    pub fn prefetch(&self, c: ConsumerId) {
        if let Some(consumer) = self.consumers.get(c.0 as usize) {
            crate::prefetch::prefetch(consumer);
        }
    }

    /// A hint that a message will be published to queue `q` next. Where its strategy can
    /// tell ahead which consumers the message may go to (JSQ's pick, power-of-d's sample),
    /// their loads and state are fetched into the cache; where it is one consumer (JSQ), its
    /// id is returned, for the driver to fetch its own; None otherwise. Routing is the same
    /// with or without the hint, whatever happens in between.
    #[inline]
    pub fn prefetch_route(&mut self, q: QueueId) -> Option<ConsumerId> {
        let queue = self.queues.get_mut(q.0 as usize)?;
        let first = queue.first_consumer;
        match queue.dispatch.peek()? {
            Peek::One(k) => {
                queue.loads.prefetch(k);
                let c = ConsumerId(first + k as u32);
                self.prefetch(c);
                Some(c)
            }
            Peek::Among(sample) => {
                for &k in sample {
                    queue.loads.prefetch(k);
                    if let Some(consumer) = self.consumers.get((first + k as u32) as usize) {
                        crate::prefetch::prefetch(consumer);
                    }
                }
                None
            }
        }
    }

    /// The number of consumers, over all queues (consumer ids run from 0 to this).
    pub fn consumer_count(&self) -> usize {
        self.consumers.len()
    }

    /// The messages consumer `c` holds in flight, in no particular order.
    pub fn in_flight(&self, c: ConsumerId) -> Result<impl Iterator<Item = &Message>, BrokerError> {
        Ok(self.consumer(c)?.in_flight.iter().map(|f| &f.message))
    }

    /// Messages waiting in queue `q` (not yet delivered to a consumer).
    pub fn waiting(&self, q: QueueId) -> Result<usize, BrokerError> {
        Ok(self.queue(q)?.stats.waiting)
    }

    /// Messages published to and acknowledged from queue `q` so far (see [`Broker::stats`]).
    pub fn counts(&self, q: QueueId) -> Result<(u64, u64), BrokerError> {
        let stats = self.queue(q)?.stats;
        Ok((stats.published, stats.acked))
    }

    /// Queue `q`'s counters: published, acknowledged, rejected, dropped, expired,
    /// dead-lettered, nacked, timed out, redelivered, preempted, waiting, in flight.
    pub fn stats(&self, q: QueueId) -> Result<QueueStats, BrokerError> {
        Ok(self.queue(q)?.stats)
    }

    /// The current loads of queue `q`'s consumers (indexed from 0 within the queue).
    pub fn loads(&self, q: QueueId) -> Result<&ConsumerLoads, BrokerError> {
        Ok(&self.queue(q)?.loads)
    }

    /// Publishes a message to queue `q`. The dispatch strategy decides where it waits; if a
    /// consumer that can take it now is idle, it is named in [`Published::wake`].
    ///
    /// On a queue at capacity, [`Overflow::Reject`] (or [`Overflow::DropOldest`] with nothing
    /// waiting) refuses the message with [`BrokerError::Full`]; [`Overflow::DropOldest`]
    /// otherwise drops the oldest waiting message and returns it in [`Published::dropped`].
    /// On a [`Discipline::PriorityPreemptive`] queue, [`Published::preempt`] may name a
    /// consumer to interrupt.
    #[inline(always)]
    pub fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        let now = self.clock.now();
        let queue = self
            .queues
            .get_mut(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))?;
        queue.stats.published += 1;
        if let Some(capacity) = queue.capacity
            && queue.stats.waiting + queue.stats.in_flight >= capacity
        {
            return self.publish_full(q, new, now, capacity);
        }
        let (id, wake, preempt) = self.enter(q, new, now)?;
        Ok(Published {
            id,
            wake,
            dropped: None,
            preempt,
        })
    }

    /// [`Broker::publish`] to queue `q` (known, its publish counted) when it is at `capacity`:
    /// makes room by dropping the oldest waiting message, or refuses the new one.
    #[cold]
    #[inline(never)]
    fn publish_full(
        &mut self,
        q: QueueId,
        new: NewMessage,
        now: f64,
        capacity: usize,
    ) -> Result<Published, BrokerError> {
        let queue = &mut self.queues[q.0 as usize];
        if !(queue.overflow == Overflow::DropOldest && queue.stats.waiting > 0) {
            queue.stats.rejected += 1;
            return Err(BrokerError::Full { queue: q, capacity });
        }
        let dropped = drop_oldest(queue, &mut self.consumers);
        let (id, wake, preempt) = self.enter(q, new, now)?;
        Ok(Published {
            id,
            wake,
            dropped: Some(dropped),
            preempt,
        })
    }

    /// The part of [`Broker::publish`] after the capacity check: stamps `new` as a message of
    /// queue `q` (known, its publish counted), routes it and makes it wait. Returns its id,
    /// the consumer to wake and the one to preempt.
    #[inline(always)]
    fn enter(
        &mut self,
        q: QueueId,
        new: NewMessage,
        now: f64,
    ) -> Result<(MessageId, Option<ConsumerId>, Option<ConsumerId>), BrokerError> {
        let queue = &mut self.queues[q.0 as usize];
        let id = MessageId(self.next_id);
        let born_at = new.born_at.unwrap_or(now);
        // Built where it is needed (for a strategy that looks at it, then in its buffer)
        // rather than once on the stack and moved: the move reloads, 16 bytes at a time,
        // fields just stored one by one, and the reloads stall on store forwarding.
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
        let preempt = match (wake, queue.discipline) {
            (None, Discipline::PriorityPreemptive) => {
                preempt_candidate(queue, &self.consumers, place, new.priority)
            }
            _ => None,
        };
        Ok((id, wake.map(ConsumerId), preempt.map(ConsumerId)))
    }

    /// Consumer `c` asks for its next message: first from its own queue, then from the
    /// shared one, each in the order of the queue's [`Discipline`]. [`Polled::delivery`] is
    /// the message, or `None` when there is none and the consumer is now idle (a later
    /// publish will name it in [`Published::wake`]). [`BrokerError::Busy`] means it already
    /// holds its prefetch.
    ///
    /// On a queue with a TTL, waiting messages whose time to live has run out are expired on
    /// the way: each is returned in [`Polled::expired`] (and counted in
    /// [`QueueStats::expired`]). Without a TTL that list is always empty.
    #[inline]
    pub fn poll(&mut self, c: ConsumerId) -> Result<Polled, BrokerError> {
        let consumer = self
            .consumers
            .get(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        if consumer.in_flight.is_full() {
            return Err(BrokerError::Busy(c));
        }
        self.poll_free(c)
    }

    /// `Ok` when consumer `c` exists and has room for another message, else the error
    /// [`Broker::poll`] would return.
    pub(crate) fn check_room(&self, c: ConsumerId) -> Result<(), BrokerError> {
        if self.consumer(c)?.in_flight.is_full() {
            return Err(BrokerError::Busy(c));
        }
        Ok(())
    }

    /// [`Broker::poll`] for a known consumer with room for another message. (It answers the
    /// `Result` itself, each return built where the caller reads it: wrapping a returned
    /// `Polled` in `Ok` would copy it.)
    #[inline]
    fn poll_free(&mut self, c: ConsumerId) -> Result<Polled, BrokerError> {
        let now = self.clock.now();
        let consumer = &mut self.consumers[c.0 as usize];
        let queue = &mut self.queues[consumer.queue as usize];
        let seq = &mut self.next_seq;
        let deadlines = &mut self.deadlines;
        if queue.ttl.is_some() {
            return Ok(poll_live(c, queue, consumer, seq, deadlines, now));
        }
        // Each source hands its message, as it pops it, to `hand_over`, which copies it straight
        // to the in-flight entry and the answer (see `Buffer::pop_with`). Without a TTL nothing
        // expires: each answer's empty list is built in place, a constant.
        // A shared-dispatch queue never puts anything in its consumers' own buffers.
        let n = *seq;
        let held = &mut consumer.in_flight;
        if queue.pushes
            && let Some(d) = consumer
                .own
                .pop_with(|m| hand_over(c, m, held, n, false, now))
        {
            *seq += 1;
            queue.stats.waiting -= 1;
            settle_delivery(queue, consumer, deadlines, &d, n, false);
            return Ok(Polled {
                delivery: Some(d),
                expired: Vec::new(),
            });
        }
        if let Some(d) = queue
            .shared
            .pop_with(|m| hand_over(c, m, &mut consumer.in_flight, n, true, now))
        {
            *seq += 1;
            queue.stats.waiting -= 1;
            settle_delivery(queue, consumer, deadlines, &d, n, true);
            return Ok(Polled {
                delivery: Some(d),
                expired: Vec::new(),
            });
        }
        go_idle(queue, consumer);
        Ok(Polled::default())
    }

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
            held @ Held::Many(..) => {
                if let Some(acked) = held.take_with(|f| f.message.id == id, read) {
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

    /// Consumer `c` stops taking messages — it went offline, crashed or was paused — until it
    /// polls again: no publish names it in [`Published::wake`] meanwhile. Messages it holds
    /// stay in flight: nack them (a closed connection) or let a visibility timeout redeliver
    /// them. Push strategies may still route to its own buffer, as they would to a dead
    /// partition.
    pub fn pause(&mut self, c: ConsumerId) -> Result<(), BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        consumer.idle = false;
        Ok(())
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

    /// Consumer `c` hands back message `id`, interrupted before it finished (preemption), with
    /// `remaining_size` work units still to do. The message waits again at the head of its
    /// priority level in the buffer it came from, keeping its id, publish time and attempt
    /// number; its [`Message::size`] becomes `remaining_size`. The outcome is
    /// [`Outcome::Requeued`], naming an idle consumer to tell to poll if one can take it now,
    /// or [`Outcome::Expired`] if its time to live ran out while it was in service. `c` itself
    /// should poll again.
    pub fn requeue_front(
        &mut self,
        c: ConsumerId,
        id: MessageId,
        remaining_size: f64,
    ) -> Result<HandedBack, BrokerError> {
        if !(remaining_size >= 0.0 && remaining_size.is_finite()) {
            return Err(BrokerError::InvalidSize(remaining_size));
        }
        let mut f = self.take_in_flight(c, id)?;
        let consumer = &self.consumers[c.0 as usize];
        let (q, k) = (consumer.queue, consumer.local as usize);
        let queue = &mut self.queues[q as usize];
        queue.stats.preempted += 1;
        if !f.taken_from_shared() {
            // It stays with c: its held count is unchanged, its work shrinks.
            queue.loads.remove(k, f.message.size);
            queue.loads.add(k, remaining_size);
            queue.load_changed(k);
        }
        let held_size = f.message.size;
        f.message.size = remaining_size;
        let message = f.message;
        f.message.attempt -= 1;
        let outcome = self.put_back(c, f, held_size);
        Ok(HandedBack { message, outcome })
    }

    /// The earliest pending deadline — a visibility timeout or a time to live — or `None`.
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
    /// flight); waiting messages past their time to live expire. Each is reported as an
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
                    let message = match place {
                        None => queue.shared.remove(top.id),
                        Some(k) => {
                            let first = queue.first_consumer as usize;
                            let m = self.consumers[first + k as usize].own.remove(top.id);
                            if let Some(m) = &m {
                                queue.loads.remove(k as usize, m.size);
                                queue.load_changed(k as usize);
                            }
                            m
                        }
                    }
                    .expect("a message listed as waiting is in its buffer");
                    queue.stats.waiting -= 1;
                    queue.stats.expired += 1;
                    out.expired += 1;
                    out.events.push(Expiry {
                        queue: QueueId(q),
                        consumer: None,
                        message,
                        outcome: Outcome::Expired,
                    });
                }
            }
        }
    }

    /// True while the message a deadline concerns is still where the deadline expects it.
    fn is_live(&self, d: &Deadline) -> bool {
        match d.due {
            Due::Visibility { consumer, seq } => self.consumers[consumer as usize]
                .in_flight
                .iter()
                .any(|f| f.seq() == seq),
            Due::Ttl { queue } => self.queues[queue as usize].waiting_at.contains_key(&d.id),
        }
    }

    /// Removes message `id` from consumer `c`'s in-flight set (counting it out of
    /// `in_flight`); its load stays on `c` for the caller to settle.
    #[inline(always)]
    fn take_in_flight(&mut self, c: ConsumerId, id: MessageId) -> Result<InFlight, BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        let f =
            consumer
                .in_flight
                .take(|f| f.message.id == id)
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
    fn put_back(&mut self, c: ConsumerId, f: InFlight, held_size: f64) -> Outcome {
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
    fn redeliver(&mut self, c: ConsumerId, f: InFlight) -> Outcome {
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
    fn dead_letter(&mut self, c: ConsumerId, f: InFlight) -> Outcome {
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

    fn queue(&self, q: QueueId) -> Result<&Queue, BrokerError> {
        self.queues
            .get(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))
    }

    fn consumer(&self, c: ConsumerId) -> Result<&Consumer, BrokerError> {
        self.consumers
            .get(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))
    }
}

/// Makes `message` wait in queue `q` at `place` — at the back, or at the head with `front` —
/// counting it as waiting and, with a TTL, scheduling its expiry. Returns the idle consumer
/// to wake, if any: the longest idle for the shared buffer, the owner for its own. The load
/// of a message placed in a consumer's own buffer must already be on that consumer.
#[inline(always)]
fn push_waiting(
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

/// Records that message `id`, published at `published_at`, now waits in queue `q` (which has
/// a TTL) at `place`, and schedules its expiry.
#[cold]
#[inline(never)]
fn schedule_ttl(
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

/// Hands `message`, just taken from its buffer (the shared one if `from_shared`) and counted
/// out of `waiting`, to `consumer` (`c`) of `queue` at `now`: its load, its attempt, the
/// in-flight entry (numbered from `next_seq`) and, with a visibility timeout, its deadline.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn deliver(
    c: ConsumerId,
    queue: &mut Queue,
    consumer: &mut Consumer,
    next_seq: &mut u64,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    message: Message,
    from_shared: bool,
    now: f64,
) -> Delivery {
    let seq = *next_seq;
    *next_seq += 1;
    let d = hand_over(c, &message, &mut consumer.in_flight, seq, from_shared, now);
    settle_delivery(queue, consumer, deadlines, &d, seq, from_shared);
    d
}

/// The first half of a delivery: copies `message`, just taken from its buffer, with its
/// attempt counted to `held`, as delivery number `seq` to `c` at `now`, and returns the
/// answer. Both copies are made from the source, before any call, so that neither goes
/// through a stack temporary.
#[inline(always)]
fn hand_over(
    c: ConsumerId,
    message: &Message,
    held: &mut Held,
    seq: u64,
    from_shared: bool,
    now: f64,
) -> Delivery {
    let message = Message {
        attempt: message.attempt + 1,
        ..*message
    };
    held.push(InFlight::new(message, now, seq, from_shared));
    Delivery {
        consumer: c,
        message,
        delivered_at: now,
    }
}

/// The second half of a delivery `d` (numbered `seq`) to `consumer` of `queue`, once its
/// message is out of its buffer and counted out of `waiting`: the consumer is busy, a message
/// from the shared buffer adds to its load, and with a visibility timeout the deadline is set.
#[inline(always)]
fn settle_delivery(
    queue: &mut Queue,
    consumer: &mut Consumer,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    d: &Delivery,
    seq: u64,
    from_shared: bool,
) {
    consumer.idle = false;
    if from_shared {
        let k = consumer.local as usize;
        queue.loads.add(k, d.message.size);
        queue.load_changed(k);
    }
    queue.stats.in_flight += 1;
    if let Some(timeout) = queue.visibility_timeout {
        schedule_visibility(
            deadlines,
            d.delivered_at + timeout,
            d.message.id,
            d.consumer.0,
            seq,
        );
    }
}

/// [`Broker::poll`] by `consumer` (`c`) of `queue`, which has a TTL, at `now`: the next live
/// message delivered (numbered from `next_seq`), and the expired ones found on the way.
#[cold]
#[inline(never)]
fn poll_live(
    c: ConsumerId,
    queue: &mut Queue,
    consumer: &mut Consumer,
    next_seq: &mut u64,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    now: f64,
) -> Polled {
    let mut expired = Vec::new();
    let delivery = next_live(queue, consumer, now, &mut expired)
        .map(|(m, shared)| deliver(c, queue, consumer, next_seq, deadlines, m, shared, now));
    if delivery.is_none() {
        go_idle(queue, consumer);
    }
    Polled { delivery, expired }
}

/// `consumer` of `queue` polled and found nothing: it is idle, listed to be woken.
#[inline(always)]
fn go_idle(queue: &mut Queue, consumer: &mut Consumer) {
    consumer.idle = true;
    if !consumer.listed {
        consumer.listed = true;
        queue.idle.push_back(consumer.local);
    }
}

/// The next waiting message for `consumer` of a queue with a TTL — from its own buffer, then
/// from the shared one — counted out of `waiting`; messages whose time to live has run out by
/// `now` are expired on the way and added to `expired` (an expired own-buffer message's load
/// taken off `consumer`). True with it when it came from the shared buffer.
fn next_live(
    queue: &mut Queue,
    consumer: &mut Consumer,
    now: f64,
    expired: &mut Vec<Message>,
) -> Option<(Message, bool)> {
    let ttl = queue.ttl?;
    let k = consumer.local as usize;
    loop {
        let own = if queue.pushes {
            consumer.own.pop()
        } else {
            None
        };
        let (message, from_shared) = match own {
            Some(m) => (m, false),
            None => (queue.shared.pop()?, true),
        };
        queue.stats.waiting -= 1;
        queue.waiting_at.remove(&message.id);
        if message.published_at + ttl <= now {
            queue.stats.expired += 1;
            if !from_shared {
                queue.loads.remove(k, message.size);
                queue.load_changed(k);
            }
            expired.push(message);
            continue;
        }
        return Some((message, from_shared));
    }
}

/// Counts a message of `size` acknowledged by consumer `k` of `queue` out of `in_flight` and
/// its load.
#[inline(always)]
fn settle_ack(queue: &mut Queue, k: usize, size: f64) {
    queue.stats.in_flight -= 1;
    queue.loads.remove(k, size);
    queue.load_changed(k);
    queue.stats.acked += 1;
}

/// Schedules the visibility deadline `at` of delivery `seq` of message `id` to `consumer`.
#[cold]
#[inline(never)]
fn schedule_visibility(
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

/// Uncounts the publish a custom strategy routed to consumer `k`, which `queue` lacks, and
/// returns the error.
#[cold]
#[inline(never)]
fn bad_route(queue: &mut Queue, k: usize) -> BrokerError {
    queue.stats.published -= 1;
    BrokerError::BadRoute {
        chosen: k,
        consumers: queue.consumers as usize,
    }
}

/// The consumer to interrupt for a new message of `priority` at `place` (see
/// [`Published::preempt`]): among the consumers that could take it, the one serving the least
/// urgent message (the latest delivered among equals), if that is strictly less urgent.
/// O(consumers × prefetch) for a shared queue, O(prefetch) otherwise.
fn preempt_candidate(
    queue: &Queue,
    consumers: &[Consumer],
    place: Place,
    priority: i32,
) -> Option<u32> {
    let first = queue.first_consumer;
    let range = match place {
        None => first..first + queue.consumers,
        Some(k) => first + k..first + k + 1,
    };
    range
        .flat_map(|g| {
            consumers[g as usize]
                .in_flight
                .iter()
                .map(move |f| ((f.message.priority, f.seq()), g))
        })
        .max()
        .filter(|((least, _), _)| *least > priority)
        .map(|(_, g)| g)
}

/// Drops the oldest waiting message of `queue` (which has one): the smallest id among the
/// heads of its buffers. O(consumers) for the search, plus the buffer's removal cost.
fn drop_oldest(queue: &mut Queue, consumers: &mut [Consumer]) -> Message {
    let first = queue.first_consumer as usize;
    let own = &mut consumers[first..first + queue.consumers as usize];
    let mut best: Option<(MessageId, Option<usize>)> = queue.shared.oldest().map(|id| (id, None));
    for (k, consumer) in own.iter().enumerate() {
        if let Some(id) = consumer.own.oldest()
            && best.is_none_or(|(b, _)| id < b)
        {
            best = Some((id, Some(k)));
        }
    }
    let (_, place) = best.expect("a waiting message to drop");
    let message = match place {
        None => queue.shared.remove_oldest(),
        Some(k) => {
            let m = own[k].own.remove_oldest();
            if let Some(m) = &m {
                queue.loads.remove(k, m.size);
                queue.load_changed(k);
            }
            m
        }
    }
    .expect("the oldest waiting message is there");
    if queue.ttl.is_some() {
        queue.waiting_at.remove(&message.id);
    }
    queue.stats.waiting -= 1;
    queue.stats.dropped += 1;
    message
}

/// Takes the longest-idle consumer of `queue` off its idle list, skipping stale entries.
#[inline(never)]
fn next_idle(queue: &mut Queue, consumers: &mut [Consumer]) -> Option<u32> {
    while let Some(local) = queue.idle.pop_front() {
        let global = queue.first_consumer + local;
        let consumer = &mut consumers[global as usize];
        consumer.listed = false;
        if std::mem::take(&mut consumer.idle) {
            return Some(global);
        }
    }
    None
}

#[cfg(test)]
mod proptests;

#[cfg(test)]
mod tests;
