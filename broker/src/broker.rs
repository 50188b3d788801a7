//! The broker: queues, their consumers, publish / poll / ack.

use std::collections::VecDeque;

use thiserror::Error;

use crate::buffer::Buffer;
use crate::{
    Clock, ConsumerLoads, Discipline, Dispatch, DispatchKind, Message, MessageId, NewMessage, Route,
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
}

impl QueueConfig {
    /// A queue named `name` with `consumers` consumers pulling from one shared, unbounded FIFO.
    pub fn new(name: impl Into<String>, consumers: usize) -> Self {
        Self {
            name: name.into(),
            consumers,
            dispatch: DispatchKind::Shared,
            seed: 0,
            discipline: Discipline::Fifo,
            capacity: None,
            overflow: Overflow::Reject,
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
    /// A queue's configuration is inconsistent (dispatch parameters, capacity).
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
    /// The consumer already holds a message; it must ack it before polling again.
    #[error("consumer {0:?} already holds a message in flight")]
    Busy(ConsumerId),
    /// The consumer does not hold that message.
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
}

/// The outcome of an accepted publish.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// The new message's id.
    pub id: MessageId,
    /// An idle consumer that can take the message now and should be told to poll.
    pub wake: Option<ConsumerId>,
    /// The waiting message dropped to make room ([`Overflow::DropOldest`] on a full queue).
    pub dropped: Option<Message>,
}

/// A message handed to a consumer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// Who received it.
    pub consumer: ConsumerId,
    /// The message.
    pub message: Message,
    /// When it was handed over.
    pub delivered_at: f64,
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

/// A queue's counters. At every moment
/// `published == acked + rejected + dropped + waiting + in_flight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Publish calls that reached the queue, accepted or not.
    pub published: u64,
    /// Messages acknowledged (processed).
    pub acked: u64,
    /// Publishes refused because the queue was full.
    pub rejected: u64,
    /// Waiting messages dropped to make room for newer ones.
    pub dropped: u64,
    /// Messages waiting now (not yet delivered).
    pub waiting: usize,
    /// Messages in service now (delivered, not yet acknowledged).
    pub in_flight: usize,
}

/// One consumer's state: its own queue (for push strategies) and the message it processes.
struct Consumer {
    queue: u32,
    local: u32,
    own: Buffer,
    in_flight: Option<(Message, f64)>,
    /// Waiting for work: polled and found nothing, and not told to poll since.
    idle: bool,
    /// Listed in its queue's `idle` deque (possibly stale: `idle` is the truth).
    listed: bool,
}

/// One queue: a shared buffer, the dispatch strategy, and the idle consumers in wake order.
struct Queue {
    name: String,
    first_consumer: u32,
    consumers: u32,
    shared: Buffer,
    idle: VecDeque<u32>,
    dispatch: Box<dyn Dispatch>,
    loads: ConsumerLoads,
    capacity: Option<usize>,
    overflow: Overflow,
    stats: QueueStats,
}

/// An in-memory message broker driven by a [`Clock`].
///
/// Each consumer holds at most one message in flight (a prefetch of one): it polls, processes,
/// acks, and polls again. A consumer that polls and finds nothing is idle until a publish
/// names it in [`Published::wake`] (longest-idle first, for the shared queue).
pub struct Broker<C: Clock> {
    clock: C,
    queues: Vec<Queue>,
    consumers: Vec<Consumer>,
    next_id: u64,
}

impl<C: Clock> Broker<C> {
    /// An empty broker reading time from `clock`.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            queues: Vec::new(),
            consumers: Vec::new(),
            next_id: 0,
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
        let dispatch = config.dispatch.build(config.consumers, config.seed);
        self.add_queue_configured(&config, dispatch)
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

    /// Adds a queue set up by `config` (discipline, capacity, overflow) but with a custom
    /// dispatch strategy in place of `config.dispatch`.
    pub fn add_queue_configured(
        &mut self,
        config: &QueueConfig,
        dispatch: Box<dyn Dispatch>,
    ) -> Result<QueueId, BrokerError> {
        let (name, consumers) = (config.name.as_str(), config.consumers);
        if self.queues.iter().any(|q| q.name == name) {
            return Err(BrokerError::DuplicateQueue(name.to_string()));
        }
        if consumers == 0 {
            return Err(BrokerError::NoConsumers(name.to_string()));
        }
        if config.capacity == Some(0) {
            return Err(BrokerError::InvalidConfig {
                queue: name.to_string(),
                reason: "capacity 0 can hold no message".to_string(),
            });
        }
        let id = self.queues.len() as u32;
        let first_consumer = self.consumers.len() as u32;
        for local in 0..consumers as u32 {
            self.consumers.push(Consumer {
                queue: id,
                local,
                own: Buffer::new(config.discipline),
                in_flight: None,
                idle: true,
                listed: true,
            });
        }
        self.queues.push(Queue {
            name: name.to_string(),
            first_consumer,
            consumers: consumers as u32,
            shared: Buffer::new(config.discipline),
            idle: (0..consumers as u32).collect(),
            dispatch,
            loads: ConsumerLoads::new(consumers),
            capacity: config.capacity,
            overflow: config.overflow,
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

    /// Messages waiting in queue `q` (not yet delivered to a consumer).
    pub fn waiting(&self, q: QueueId) -> Result<usize, BrokerError> {
        Ok(self.queue(q)?.stats.waiting)
    }

    /// Messages published to and acknowledged from queue `q` so far (see [`Broker::stats`]).
    pub fn counts(&self, q: QueueId) -> Result<(u64, u64), BrokerError> {
        let stats = self.queue(q)?.stats;
        Ok((stats.published, stats.acked))
    }

    /// Queue `q`'s counters: published, acknowledged, rejected, dropped, waiting, in flight.
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
    pub fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        let now = self.clock.now();
        let queue = self
            .queues
            .get_mut(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))?;
        queue.stats.published += 1;
        let mut dropped = None;
        if let Some(capacity) = queue.capacity
            && queue.stats.waiting + queue.stats.in_flight >= capacity
        {
            if queue.overflow == Overflow::DropOldest && queue.stats.waiting > 0 {
                dropped = Some(drop_oldest(queue, &mut self.consumers));
            } else {
                queue.stats.rejected += 1;
                return Err(BrokerError::Full { queue: q, capacity });
            }
        }
        let id = MessageId(self.next_id);
        let message = Message {
            id,
            class: new.class,
            priority: new.priority,
            key: new.key,
            size: new.size,
            published_at: now,
            born_at: new.born_at.unwrap_or(now),
            waited_before: new.waited_before,
        };
        let wake = match queue.dispatch.route(&message, &queue.loads) {
            Route::Shared => {
                queue.shared.push(message);
                next_idle(queue, &mut self.consumers)
            }
            Route::Consumer(k) => {
                if k >= queue.consumers as usize {
                    // The message never entered; a drop made for it stands.
                    queue.stats.published -= 1;
                    return Err(BrokerError::BadRoute {
                        chosen: k,
                        consumers: queue.consumers as usize,
                    });
                }
                queue.loads.add(k, message.size);
                queue.dispatch.on_load_change(k, &queue.loads);
                let consumer = &mut self.consumers[(queue.first_consumer as usize) + k];
                consumer.own.push(message);
                std::mem::take(&mut consumer.idle).then_some(queue.first_consumer + k as u32)
            }
        };
        self.next_id += 1;
        queue.stats.waiting += 1;
        Ok(Published {
            id,
            wake: wake.map(ConsumerId),
            dropped,
        })
    }

    /// Consumer `c` asks for its next message: first from its own queue, then from the
    /// shared one, each in the order of the queue's [`Discipline`]. `Ok(None)` means there is
    /// none and the consumer is now idle.
    pub fn poll(&mut self, c: ConsumerId) -> Result<Option<Delivery>, BrokerError> {
        let now = self.clock.now();
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        if consumer.in_flight.is_some() {
            return Err(BrokerError::Busy(c));
        }
        let queue = &mut self.queues[consumer.queue as usize];
        let message = match consumer.own.pop() {
            Some(m) => Some(m),
            None => {
                let m = queue.shared.pop();
                if let Some(m) = &m {
                    let k = consumer.local as usize;
                    queue.loads.add(k, m.size);
                    queue.dispatch.on_load_change(k, &queue.loads);
                }
                m
            }
        };
        match message {
            Some(message) => {
                consumer.idle = false;
                consumer.in_flight = Some((message, now));
                queue.stats.waiting -= 1;
                queue.stats.in_flight += 1;
                Ok(Some(Delivery {
                    consumer: c,
                    message,
                    delivered_at: now,
                }))
            }
            None => {
                consumer.idle = true;
                if !consumer.listed {
                    consumer.listed = true;
                    queue.idle.push_back(consumer.local);
                }
                Ok(None)
            }
        }
    }

    /// Consumer `c` acknowledges message `id` as processed: it leaves the broker.
    pub fn ack(&mut self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError> {
        let now = self.clock.now();
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        match consumer.in_flight {
            Some((message, delivered_at)) if message.id == id => {
                consumer.in_flight = None;
                let queue = &mut self.queues[consumer.queue as usize];
                let k = consumer.local as usize;
                queue.loads.remove(k, message.size);
                queue.dispatch.on_load_change(k, &queue.loads);
                queue.stats.acked += 1;
                queue.stats.in_flight -= 1;
                Ok(Acked {
                    message,
                    delivered_at,
                    acked_at: now,
                })
            }
            _ => Err(BrokerError::NotInFlight {
                consumer: c,
                message: id,
            }),
        }
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
                queue.dispatch.on_load_change(k, &queue.loads);
            }
            m
        }
    }
    .expect("the oldest waiting message is there");
    queue.stats.waiting -= 1;
    queue.stats.dropped += 1;
    message
}

/// Takes the longest-idle consumer of `queue` off its idle list, skipping stale entries.
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
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;
    use crate::{Discipline, DispatchKind};

    /// A clock the test moves by hand.
    #[derive(Clone, Default)]
    struct TestClock(Rc<Cell<f64>>);

    impl Clock for TestClock {
        fn now(&self) -> f64 {
            self.0.get()
        }
    }

    fn broker(consumers: usize, dispatch: DispatchKind) -> (Broker<TestClock>, QueueId, TestClock) {
        let clock = TestClock::default();
        let mut b = Broker::new(clock.clone());
        let q = b
            .add_queue(QueueConfig::new("q", consumers).dispatch(dispatch))
            .unwrap();
        (b, q, clock)
    }

    #[test]
    fn publish_wakes_longest_idle_consumer_then_queues() {
        let (mut b, q, _) = broker(2, DispatchKind::Shared);
        let p1 = b.publish(q, NewMessage::default()).unwrap();
        let p2 = b.publish(q, NewMessage::default()).unwrap();
        let p3 = b.publish(q, NewMessage::default()).unwrap();
        assert_eq!(p1.wake, Some(ConsumerId(0)));
        assert_eq!(p2.wake, Some(ConsumerId(1)));
        assert_eq!(p3.wake, None, "both consumers already told to poll");
        assert_eq!(b.waiting(q).unwrap(), 3);
        assert_eq!(b.counts(q).unwrap(), (3, 0));
    }

    #[test]
    fn poll_delivers_fifo_and_ack_stamps_times() {
        let (mut b, q, clock) = broker(1, DispatchKind::Shared);
        let ids: Vec<_> = (0..3)
            .map(|i| {
                clock.0.set(f64::from(i));
                b.publish(q, NewMessage::default()).unwrap().id
            })
            .collect();
        let c = ConsumerId(0);
        for (i, id) in ids.iter().enumerate() {
            clock.0.set(10.0 + i as f64);
            let d = b.poll(c).unwrap().unwrap();
            assert_eq!(d.message.id, *id, "FIFO order");
            assert_eq!(d.message.published_at, i as f64);
            assert_eq!(b.poll(c), Err(BrokerError::Busy(c)));
            clock.0.set(10.5 + i as f64);
            let a = b.ack(c, *id).unwrap();
            assert_eq!(
                (a.delivered_at, a.acked_at),
                (10.0 + i as f64, 10.5 + i as f64)
            );
        }
        assert_eq!(b.poll(c).unwrap(), None);
        assert_eq!(b.counts(q).unwrap(), (3, 3));
    }

    #[test]
    fn idle_consumer_is_woken_again_after_empty_poll() {
        let (mut b, q, _) = broker(1, DispatchKind::Shared);
        let c = ConsumerId(0);
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert_eq!(p.wake, Some(c));
        let d = b.poll(c).unwrap().unwrap();
        b.ack(c, d.message.id).unwrap();
        assert_eq!(b.poll(c).unwrap(), None);
        assert_eq!(b.publish(q, NewMessage::default()).unwrap().wake, Some(c));
    }

    #[test]
    fn ack_of_wrong_message_is_refused() {
        let (mut b, q, _) = broker(1, DispatchKind::Shared);
        let id = b.publish(q, NewMessage::default()).unwrap().id;
        let c = ConsumerId(0);
        assert!(matches!(b.ack(c, id), Err(BrokerError::NotInFlight { .. })));
        b.poll(c).unwrap().unwrap();
        assert!(b.ack(c, MessageId(99)).is_err());
        assert!(b.ack(c, id).is_ok());
        assert!(b.ack(c, id).is_err(), "no double ack");
    }

    #[test]
    fn round_robin_pushes_to_each_consumer_in_turn() {
        let (mut b, q, _) = broker(3, DispatchKind::RoundRobin);
        let wakes: Vec<_> = (0..6)
            .map(|_| b.publish(q, NewMessage::default()).unwrap().wake)
            .collect();
        let w = |i| Some(ConsumerId(i));
        assert_eq!(wakes, vec![w(0), w(1), w(2), None, None, None]);
        // Consumer 1 gets messages 1 and 4, in order, from its own queue.
        let first = b.poll(ConsumerId(1)).unwrap().unwrap();
        assert_eq!(first.message.id, MessageId(1));
        b.ack(ConsumerId(1), first.message.id).unwrap();
        assert_eq!(
            b.poll(ConsumerId(1)).unwrap().unwrap().message.id,
            MessageId(4)
        );
    }

    #[test]
    fn random_dispatch_spreads_and_is_reproducible() {
        let picks = |seed| {
            let clock = TestClock::default();
            let mut b = Broker::new(clock);
            let cfg = QueueConfig::new("q", 4)
                .dispatch(DispatchKind::Random)
                .seed(seed);
            let q = b.add_queue(cfg).unwrap();
            (0..400)
                .map(|_| {
                    let id = b.publish(q, NewMessage::default()).unwrap().id;
                    (0..4u32)
                        .find(|&c| b.consumers[c as usize].own.iter().any(|m| m.id == id))
                        .unwrap()
                })
                .collect::<Vec<_>>()
        };
        let a = picks(1);
        assert_eq!(a, picks(1));
        assert_ne!(a, picks(2));
        assert!((0..4).all(|c| a.contains(&c)));
    }

    #[test]
    fn forwarded_message_keeps_its_origin_time() {
        let (mut b, q, clock) = broker(1, DispatchKind::Shared);
        clock.0.set(5.0);
        let new = NewMessage {
            born_at: Some(1.0),
            ..NewMessage::default()
        };
        b.publish(q, new).unwrap();
        let d = b.poll(ConsumerId(0)).unwrap().unwrap();
        assert_eq!((d.message.born_at, d.message.published_at), (1.0, 5.0));
    }

    #[test]
    fn configuration_errors() {
        let (mut b, q, _) = broker(1, DispatchKind::Shared);
        assert!(matches!(
            b.add_queue(QueueConfig::new("q", 1)),
            Err(BrokerError::DuplicateQueue(_))
        ));
        assert!(matches!(
            b.add_queue(QueueConfig::new("r", 0)),
            Err(BrokerError::NoConsumers(_))
        ));
        assert!(b.publish(QueueId(9), NewMessage::default()).is_err());
        assert!(b.poll(ConsumerId(9)).is_err());
        assert_eq!(b.queue_id("q"), Some(q));
        assert_eq!(
            b.consumers_of(q).unwrap().collect::<Vec<_>>(),
            vec![ConsumerId(0)]
        );
    }

    /// Polls consumer `c` and acks at once; the id delivered.
    fn take(b: &mut Broker<TestClock>, c: u32) -> Option<u64> {
        let d = b.poll(ConsumerId(c)).unwrap()?;
        b.ack(ConsumerId(c), d.message.id).unwrap();
        Some(d.message.id.0)
    }

    fn with_priority(priority: i32) -> NewMessage {
        NewMessage {
            priority,
            ..NewMessage::default()
        }
    }

    #[test]
    fn disciplines_order_the_shared_buffer() {
        let order = |discipline| {
            let mut b = Broker::new(TestClock::default());
            let q = b
                .add_queue(QueueConfig::new("q", 1).discipline(discipline))
                .unwrap();
            for p in [3, 1, 2, 1] {
                b.publish(q, with_priority(p)).unwrap();
            }
            std::iter::from_fn(|| take(&mut b, 0)).collect::<Vec<_>>()
        };
        assert_eq!(order(Discipline::Fifo), vec![0, 1, 2, 3]);
        assert_eq!(order(Discipline::Lifo), vec![3, 2, 1, 0]);
        assert_eq!(order(Discipline::Priority), vec![1, 3, 2, 0]);
    }

    #[test]
    fn priority_is_non_preemptive_and_applies_to_own_buffers() {
        let mut b = Broker::new(TestClock::default());
        let cfg = QueueConfig::new("q", 2)
            .dispatch(DispatchKind::RoundRobin)
            .discipline(Discipline::Priority);
        let q = b.add_queue(cfg).unwrap();
        // Consumer 0 gets ids 0, 2, 4; consumer 1 gets 1, 3, 5.
        for p in [5, 5, 2, 2, 0, 9] {
            b.publish(q, with_priority(p)).unwrap();
        }
        let first = b.poll(ConsumerId(0)).unwrap().unwrap();
        assert_eq!(first.message.id, MessageId(4), "most urgent first");
        // A more urgent arrival does not interrupt the message in service.
        b.publish(q, with_priority(-1)).unwrap(); // id 6, to consumer 0
        b.ack(ConsumerId(0), first.message.id).unwrap();
        let rest: Vec<_> = std::iter::from_fn(|| take(&mut b, 0)).collect();
        assert_eq!(rest, vec![6, 2, 0]);
        let other: Vec<_> = std::iter::from_fn(|| take(&mut b, 1)).collect();
        assert_eq!(other, vec![3, 1, 5]);
    }

    #[test]
    fn full_queue_rejects_and_counts() {
        let mut b = Broker::new(TestClock::default());
        let q = b.add_queue(QueueConfig::new("q", 1).capacity(2)).unwrap();
        b.publish(q, NewMessage::default()).unwrap();
        b.poll(ConsumerId(0)).unwrap().unwrap();
        b.publish(q, NewMessage::default()).unwrap();
        let full = b.publish(q, NewMessage::default());
        assert_eq!(
            full,
            Err(BrokerError::Full {
                queue: q,
                capacity: 2
            })
        );
        b.ack(ConsumerId(0), MessageId(0)).unwrap();
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert_eq!(p.id, MessageId(2), "a rejected publish takes no id");
        let stats = b.stats(q).unwrap();
        let want = QueueStats {
            published: 4,
            acked: 1,
            rejected: 1,
            dropped: 0,
            waiting: 2,
            in_flight: 0,
        };
        assert_eq!(stats, want);
    }

    #[test]
    fn drop_oldest_makes_room_but_never_drops_in_service() {
        let mut b = Broker::new(TestClock::default());
        let cfg = QueueConfig::new("q", 1)
            .capacity(3)
            .overflow(Overflow::DropOldest);
        let q = b.add_queue(cfg).unwrap();
        for _ in 0..3 {
            assert_eq!(b.publish(q, NewMessage::default()).unwrap().dropped, None);
        }
        let d = b.poll(ConsumerId(0)).unwrap().unwrap(); // id 0 in service
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert_eq!(
            p.dropped.map(|m| m.id),
            Some(MessageId(1)),
            "oldest waiting"
        );
        b.ack(ConsumerId(0), d.message.id).unwrap();
        assert_eq!(take(&mut b, 0), Some(2));
        assert_eq!(take(&mut b, 0), Some(3));
        let stats = b.stats(q).unwrap();
        assert_eq!((stats.published, stats.acked, stats.dropped), (4, 3, 1));

        let mut b = Broker::new(TestClock::default());
        let cfg = QueueConfig::new("q", 1)
            .capacity(1)
            .overflow(Overflow::DropOldest);
        let q = b.add_queue(cfg).unwrap();
        b.publish(q, NewMessage::default()).unwrap();
        b.poll(ConsumerId(0)).unwrap().unwrap();
        assert!(matches!(
            b.publish(q, NewMessage::default()),
            Err(BrokerError::Full { .. })
        ));
    }

    #[test]
    fn drop_oldest_from_a_consumer_buffer_updates_its_load() {
        let mut b = Broker::new(TestClock::default());
        let cfg = QueueConfig::new("q", 2)
            .dispatch(DispatchKind::Jsq)
            .capacity(2)
            .overflow(Overflow::DropOldest);
        let q = b.add_queue(cfg).unwrap();
        let owner = |b: &Broker<TestClock>, id: MessageId| {
            (0..2).find(|&k| b.consumers[k].own.iter().any(|m| m.id == id))
        };
        let first = b.publish(q, NewMessage::default()).unwrap().id;
        let k0 = owner(&b, first).unwrap();
        b.publish(q, NewMessage::default()).unwrap(); // to the other consumer
        let held_before = b.loads(q).unwrap().held(k0);
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert_eq!(p.dropped.unwrap().id, first);
        // The drop freed a slot on k0, and JSQ saw it: the new message went there.
        assert_eq!(owner(&b, p.id), Some(k0));
        assert_eq!(b.loads(q).unwrap().held(k0), held_before);
    }

    #[test]
    fn invalid_configurations_are_refused() {
        let mut b = Broker::new(TestClock::default());
        let bad = [
            QueueConfig::new("a", 2).dispatch(DispatchKind::PowerOfD { d: 3 }),
            QueueConfig::new("b", 2)
                .dispatch(DispatchKind::WeightedRoundRobin { weights: vec![1.0] }),
            QueueConfig::new("c", 2).capacity(0),
        ];
        for cfg in bad {
            assert!(matches!(
                b.add_queue(cfg),
                Err(BrokerError::InvalidConfig { .. })
            ));
        }
    }

    #[test]
    fn jsq_in_the_broker_balances_held_messages() {
        let (mut b, q, _) = broker(3, DispatchKind::Jsq);
        for _ in 0..9 {
            b.publish(q, NewMessage::default()).unwrap();
        }
        let loads = b.loads(q).unwrap();
        assert_eq!((0..3).map(|k| loads.held(k)).collect::<Vec<_>>(), [3, 3, 3]);
        take(&mut b, 1);
        take(&mut b, 1);
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert!(b.consumers[1].own.iter().any(|m| m.id == p.id));
    }
}
