//! Every message followed to exactly one fate through the public API alone.
//!
//! Random publish / poll / ack / nack / hand-back / pause / time steps run on a main queue of
//! random configuration (dispatch, discipline, capacity, overflow, prefetch, visibility
//! timeout, attempts, TTL) and on the dead-letter queue it may use (itself bounded and with a
//! TTL at random), both on a [`Broker`] and through a [`SharedBroker`]. A ledger built only
//! from the calls' return values places each message id — waiting, in flight at a consumer —
//! until it ends acknowledged, dropped, expired, abandoned (some messages are published with
//! a patience) or dead-lettered (a refused publish has no id:
//! it is tallied as rejected). An id reported twice, or reported where the ledger does not
//! have it, fails the test; and after every step the ledger's tallies of each queue must equal
//! what [`Broker::stats`] counted, read only for this comparison. A fate the broker decided
//! without telling the caller leaves the two apart.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kendall_broker::{
    Acked, Broker, BrokerError, Clock, ConsumerId, Delivery, Discipline, DispatchKind, Expired,
    Expiry, HandedBack, MessageId, Nacked, NewMessage, Outcome, Overflow, Published, QueueConfig,
    QueueId, QueueStats, SharedBroker,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// A clock the test moves forward; shareable between threads, as [`SharedBroker`] needs.
#[derive(Clone, Default)]
struct StepClock(Arc<Mutex<f64>>);

impl StepClock {
    fn advance(&self, dt: f64) {
        *self.0.lock().unwrap() += dt;
    }
}

impl Clock for StepClock {
    fn now(&self) -> f64 {
        *self.0.lock().unwrap()
    }
}

/// The calls the test makes, on a broker or through a shared handle. A poll reports the
/// deadlines it processed (a shared handle's blocking poll processes them first) and the
/// messages it found past their TTL, both as [`Expiry`] events.
trait Api {
    fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError>;
    fn publish_patient(
        &mut self,
        q: QueueId,
        new: NewMessage,
        patience: f64,
    ) -> Result<Published, BrokerError>;
    fn poll(&mut self, c: ConsumerId) -> Result<(Option<Delivery>, Vec<Expiry>), BrokerError>;
    fn ack(&mut self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError>;
    fn nack(&mut self, c: ConsumerId, id: MessageId, requeue: bool) -> Result<Nacked, BrokerError>;
    fn nack_delayed(&mut self, c: ConsumerId, id: MessageId, delay: f64) -> Nacked;
    fn requeue_front(&mut self, c: ConsumerId, id: MessageId, left: f64) -> HandedBack;
    fn expire_due(&mut self) -> Expired;
    fn pause(&mut self, c: ConsumerId);
    fn stats(&self, q: QueueId) -> QueueStats;
}

/// A poll's expired messages as the TTL expiries they are.
fn as_expiries(q: QueueId, polled: Vec<kendall_broker::Message>) -> Vec<Expiry> {
    polled
        .into_iter()
        .map(|message| Expiry {
            queue: q,
            consumer: None,
            message,
            outcome: Outcome::Expired,
        })
        .collect()
}

impl Api for Broker<StepClock> {
    fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        Broker::publish(self, q, new)
    }
    fn publish_patient(
        &mut self,
        q: QueueId,
        new: NewMessage,
        patience: f64,
    ) -> Result<Published, BrokerError> {
        Broker::publish_patient(self, q, new, patience)
    }
    fn poll(&mut self, c: ConsumerId) -> Result<(Option<Delivery>, Vec<Expiry>), BrokerError> {
        let q = self.queue_of(c)?;
        let polled = Broker::poll(self, c)?;
        Ok((polled.delivery, as_expiries(q, polled.expired)))
    }
    fn ack(&mut self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError> {
        Broker::ack(self, c, id)
    }
    fn nack(&mut self, c: ConsumerId, id: MessageId, requeue: bool) -> Result<Nacked, BrokerError> {
        Broker::nack(self, c, id, requeue)
    }
    fn nack_delayed(&mut self, c: ConsumerId, id: MessageId, delay: f64) -> Nacked {
        Broker::nack_delayed(self, c, id, |_| delay).unwrap()
    }
    fn requeue_front(&mut self, c: ConsumerId, id: MessageId, left: f64) -> HandedBack {
        Broker::requeue_front(self, c, id, left).unwrap()
    }
    fn expire_due(&mut self) -> Expired {
        Broker::expire_due(self)
    }
    fn pause(&mut self, c: ConsumerId) {
        Broker::pause(self, c).unwrap();
    }
    fn stats(&self, q: QueueId) -> QueueStats {
        Broker::stats(self, q).unwrap()
    }
}

impl Api for SharedBroker<StepClock> {
    fn publish(&mut self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        SharedBroker::publish(self, q, new)
    }
    fn publish_patient(
        &mut self,
        q: QueueId,
        new: NewMessage,
        patience: f64,
    ) -> Result<Published, BrokerError> {
        SharedBroker::publish_patient(self, q, new, patience)
    }
    fn poll(&mut self, c: ConsumerId) -> Result<(Option<Delivery>, Vec<Expiry>), BrokerError> {
        let polled = self.poll_timeout(c, Duration::ZERO)?;
        Ok((polled.delivery, polled.expired.events))
    }
    fn ack(&mut self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError> {
        SharedBroker::ack(self, c, id)
    }
    fn nack(&mut self, c: ConsumerId, id: MessageId, requeue: bool) -> Result<Nacked, BrokerError> {
        SharedBroker::nack(self, c, id, requeue)
    }
    fn nack_delayed(&mut self, c: ConsumerId, id: MessageId, delay: f64) -> Nacked {
        SharedBroker::nack_delayed(self, c, id, |_| delay).unwrap()
    }
    fn requeue_front(&mut self, c: ConsumerId, id: MessageId, left: f64) -> HandedBack {
        SharedBroker::requeue_front(self, c, id, left).unwrap()
    }
    fn expire_due(&mut self) -> Expired {
        SharedBroker::expire_due(self)
    }
    fn pause(&mut self, _: ConsumerId) {
        // A shared handle has no pause: its consumers stop by not polling.
    }
    fn stats(&self, q: QueueId) -> QueueStats {
        SharedBroker::stats(self, q).unwrap()
    }
}

/// Where a message is, as the calls' return values have told.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Waiting(QueueId),
    /// Held back before a redelivery (retry backoff).
    Delayed(QueueId),
    InFlight(QueueId, ConsumerId),
}

/// How a message ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Acked,
    Dropped,
    Expired,
    Abandoned,
    DeadLettered,
}

/// One queue's fates as the return values reported them.
#[derive(Debug, Default, Clone, PartialEq)]
struct Tallies {
    published: u64,
    acked: u64,
    rejected: u64,
    dropped: u64,
    expired: u64,
    abandoned: u64,
    dead_lettered: u64,
}

/// Every message the calls have reported, where it is or how it ended.
#[derive(Default)]
struct Ledger {
    live: BTreeMap<MessageId, Place>,
    ended: HashMap<MessageId, Fate>,
    queues: Vec<Tallies>,
}

type Checked = Result<(), TestCaseError>;

impl Ledger {
    /// Message `id` leaves `from` (where it must be).
    fn take(&mut self, id: MessageId, from: Place) -> Checked {
        let ended = self.ended.get(&id);
        prop_assert!(
            ended.is_none(),
            "{id:?} reported again after it ended {ended:?}"
        );
        prop_assert_eq!(self.live.remove(&id), Some(from), "{:?} was not there", id);
        Ok(())
    }

    /// Message `id` of queue `q` ends with `fate`.
    fn end(&mut self, id: MessageId, q: QueueId, fate: Fate) -> Checked {
        prop_assert!(
            self.ended.insert(id, fate).is_none(),
            "{:?} ended twice",
            id
        );
        let t = &mut self.queues[q.0 as usize];
        match fate {
            Fate::Acked => t.acked += 1,
            Fate::Dropped => t.dropped += 1,
            Fate::Expired => t.expired += 1,
            Fate::Abandoned => t.abandoned += 1,
            Fate::DeadLettered => t.dead_lettered += 1,
        }
        Ok(())
    }

    /// What a publish to queue `q` returned.
    fn published(&mut self, q: QueueId, r: &Result<Published, BrokerError>) -> Checked {
        self.queues[q.0 as usize].published += 1;
        match r {
            Ok(p) => self.accepted(q, p),
            Err(BrokerError::Full { queue, .. }) => {
                prop_assert_eq!(*queue, q);
                self.queues[q.0 as usize].rejected += 1;
                Ok(())
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }

    /// A publish to `q` accepted as `p` (counted already).
    fn accepted(&mut self, q: QueueId, p: &Published) -> Checked {
        let known = self.live.contains_key(&p.id) || self.ended.contains_key(&p.id);
        prop_assert!(!known, "id {:?} handed out twice", p.id);
        if let Some(d) = p.dropped {
            self.take(d.id, Place::Waiting(q))?;
            self.end(d.id, q, Fate::Dropped)?;
        }
        self.live.insert(p.id, Place::Waiting(q));
        Ok(())
    }

    /// Message `id`, taken back from consumer `c` of queue `q`, met `outcome`.
    fn outcome(&mut self, q: QueueId, id: MessageId, outcome: Outcome) -> Checked {
        match outcome {
            Outcome::Requeued { .. } => {
                self.live.insert(id, Place::Waiting(q));
            }
            Outcome::Delayed { .. } => {
                self.live.insert(id, Place::Delayed(q));
            }
            Outcome::Expired => self.end(id, q, Fate::Expired)?,
            Outcome::Abandoned => self.end(id, q, Fate::Abandoned)?,
            Outcome::DeadLettered { to, published } => {
                self.end(id, q, Fate::DeadLettered)?;
                match (to, published) {
                    (Some(to), Some(p)) => {
                        self.queues[to.0 as usize].published += 1;
                        self.accepted(to, &p)?;
                    }
                    (Some(to), None) => {
                        prop_assert!(outcome.dead_letter_refused());
                        let t = &mut self.queues[to.0 as usize];
                        t.published += 1;
                        t.rejected += 1;
                    }
                    (None, published) => prop_assert!(published.is_none()),
                }
            }
        }
        Ok(())
    }

    /// Deadlines and expiries reported by a poll or by `expire_due`.
    fn expiries(&mut self, events: &[Expiry]) -> Checked {
        for e in events {
            let id = e.message.id;
            match e.consumer {
                Some(c) => self.take(id, Place::InFlight(e.queue, c))?,
                None => {
                    let waiting_fate = matches!(e.outcome, Outcome::Expired | Outcome::Abandoned);
                    // The end of a delay, or a waiting message's expiry or abandonment.
                    let delayed = self.live.get(&id) == Some(&Place::Delayed(e.queue));
                    if delayed {
                        self.take(id, Place::Delayed(e.queue))?;
                    } else {
                        prop_assert!(waiting_fate, "a waiting message only expires or abandons");
                        self.take(id, Place::Waiting(e.queue))?;
                    }
                }
            }
            self.outcome(e.queue, id, e.outcome)?;
        }
        Ok(())
    }

    /// The messages consumer `c` holds, as the ledger has them.
    fn held_by(&self, c: ConsumerId) -> Vec<MessageId> {
        let at = |p: &Place| matches!(p, Place::InFlight(_, k) if *k == c);
        self.live
            .iter()
            .filter(|(_, p)| at(p))
            .map(|(&id, _)| id)
            .collect()
    }

    /// The ledger's tallies and places agree with the broker's counters of every queue.
    fn agrees(&self, api: &impl Api) -> Checked {
        for (q, t) in self.queues.iter().enumerate() {
            let q = QueueId(q as u32);
            let s = api.stats(q);
            let counted = Tallies {
                published: s.published,
                acked: s.acked,
                rejected: s.rejected,
                dropped: s.dropped,
                expired: s.expired,
                abandoned: s.abandoned,
                dead_lettered: s.dead_lettered,
            };
            prop_assert_eq!(t, &counted, "queue {:?}", q);
            let (mut waiting, mut in_flight, mut delayed) = (0, 0, 0);
            for p in self.live.values() {
                match p {
                    Place::Waiting(at) if *at == q => waiting += 1,
                    Place::Delayed(at) if *at == q => delayed += 1,
                    Place::InFlight(at, _) if *at == q => in_flight += 1,
                    _ => {}
                }
            }
            prop_assert_eq!(
                (waiting, in_flight, delayed),
                (s.waiting, s.in_flight, s.delayed),
                "queue {:?}",
                q
            );
            prop_assert!(s.balanced());
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Publish to the dead-letter queue (false) or the main queue (true).
    Publish {
        main: bool,
        priority: i32,
        key: Option<u64>,
        size: f64,
        /// Published with this patience ([`Broker::publish_patient`]).
        patience: Option<f64>,
    },
    Poll(usize),
    /// Consumer c acks its i-th message in flight.
    Ack(usize, usize),
    /// Consumer c rejects its i-th message in flight, with or without requeue.
    Nack(usize, usize, bool),
    /// Consumer c rejects its i-th message in flight for redelivery after a delay.
    NackDelayed(usize, usize, f64),
    /// Consumer c hands back its i-th message in flight with a fraction of its work left.
    RequeueFront(usize, usize, f64),
    Pause(usize),
    /// Time moves on; due deadlines are processed (or not, leaving them to polls).
    Advance(f64, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            prop::bool::weighted(0.8),
            0..3i32,
            prop::option::of(0..6u64),
            0.25..4.0f64,
            prop::option::weighted(0.3, 0.0..5.0f64),
        )
            .prop_map(|(main, priority, key, size, patience)| Op::Publish {
                main,
                priority,
                key,
                size,
                patience
            }),
        5 => (0..8usize).prop_map(Op::Poll),
        3 => (0..8usize, 0..3usize).prop_map(|(c, i)| Op::Ack(c, i)),
        2 => (0..8usize, 0..3usize, any::<bool>()).prop_map(|(c, i, r)| Op::Nack(c, i, r)),
        1 => (0..8usize, 0..3usize, 0.0..4.0f64).prop_map(|(c, i, d)| Op::NackDelayed(c, i, d)),
        1 => (0..8usize, 0..3usize, 0.0..1.0f64).prop_map(|(c, i, f)| Op::RequeueFront(c, i, f)),
        1 => (0..8usize).prop_map(Op::Pause),
        2 => (0.0..3.0f64, any::<bool>()).prop_map(|(dt, due)| Op::Advance(dt, due)),
    ]
}

fn dispatch(consumers: usize) -> impl Strategy<Value = DispatchKind> {
    prop_oneof![
        Just(DispatchKind::Shared),
        Just(DispatchKind::RoundRobin),
        Just(DispatchKind::Random),
        Just(DispatchKind::Jsq),
        (1..=consumers).prop_map(|d| DispatchKind::PowerOfD { d }),
        Just(DispatchKind::LeastWork),
        Just(DispatchKind::Jiq),
        Just(DispatchKind::KeyHash),
    ]
}

fn discipline() -> impl Strategy<Value = Discipline> {
    prop_oneof![
        Just(Discipline::Fifo),
        Just(Discipline::Lifo),
        Just(Discipline::Priority),
        Just(Discipline::PriorityPreemptive),
    ]
}

fn overflow() -> impl Strategy<Value = Overflow> {
    prop_oneof![Just(Overflow::Reject), Just(Overflow::DropOldest)]
}

/// The dead-letter queue (added first): bounded, timed and shared or pushed at random.
fn dead_letter_config() -> impl Strategy<Value = QueueConfig> {
    (
        1..3usize,
        prop::option::of(1..4usize),
        overflow(),
        prop::option::of(0.5..6.0f64),
        any::<bool>(),
    )
        .prop_map(|(consumers, capacity, overflow, ttl, push)| {
            let dispatch = if push {
                DispatchKind::RoundRobin
            } else {
                DispatchKind::Shared
            };
            QueueConfig {
                capacity,
                ttl,
                ..QueueConfig::new("dlq", consumers)
                    .dispatch(dispatch)
                    .overflow(overflow)
            }
        })
}

/// The main queue, with every delivery guarantee drawn at random.
fn main_config() -> impl Strategy<Value = QueueConfig> {
    (1..6usize).prop_flat_map(|consumers| {
        (
            dispatch(consumers),
            discipline(),
            (prop::option::of(1..10usize), overflow(), 1..4usize),
            prop::option::of(0.5..6.0f64),
            prop::option::of(1..4u32),
            prop::option::of(0.5..8.0f64),
            any::<bool>(),
        )
            .prop_map(
                move |(
                    dispatch,
                    discipline,
                    (capacity, overflow, prefetch),
                    vt,
                    attempts,
                    ttl,
                    dlq,
                )| {
                    QueueConfig {
                        capacity,
                        prefetch,
                        visibility_timeout: vt,
                        max_attempts: attempts,
                        ttl,
                        dead_letter: dlq.then_some(QueueId(0)),
                        ..QueueConfig::new("main", consumers)
                            .dispatch(dispatch)
                            .discipline(discipline)
                            .overflow(overflow)
                    }
                },
            )
    })
}

/// The two queues added to a broker on `clock`.
fn broker(dlq: &QueueConfig, main: &QueueConfig, clock: &StepClock) -> Broker<StepClock> {
    let mut b = Broker::new(clock.clone());
    b.add_queue(dlq.clone()).unwrap();
    b.add_queue(main.clone()).unwrap();
    b
}

/// Runs `ops` on `api` (over `consumers` consumers, whose queues `queue_of` names), keeping
/// the ledger and checking it against the counters after every step.
fn follow(
    api: &mut impl Api,
    clock: &StepClock,
    queue_of: &[QueueId],
    ops: Vec<Op>,
) -> Result<Ledger, TestCaseError> {
    let mut ledger = Ledger {
        queues: vec![Tallies::default(); 2],
        ..Ledger::default()
    };
    let consumer = |c: usize| ConsumerId((c % queue_of.len()) as u32);
    let pick = |ledger: &Ledger, c: ConsumerId, i: usize| {
        let held = ledger.held_by(c);
        (!held.is_empty()).then(|| held[i % held.len()])
    };
    for op in ops {
        match op {
            Op::Publish {
                main,
                priority,
                key,
                size,
                patience,
            } => {
                let q = QueueId(u32::from(main));
                let new = NewMessage {
                    priority,
                    key,
                    size,
                    ..NewMessage::default()
                };
                let r = match patience {
                    None => api.publish(q, new),
                    Some(p) => api.publish_patient(q, new, p),
                };
                ledger.published(q, &r)?;
            }
            Op::Poll(c) => {
                let c = consumer(c);
                let q = queue_of[c.0 as usize];
                match api.poll(c) {
                    Ok((delivery, expiries)) => {
                        ledger.expiries(&expiries)?;
                        if let Some(d) = delivery {
                            prop_assert_eq!(d.consumer, c);
                            ledger.take(d.message.id, Place::Waiting(q))?;
                            ledger.live.insert(d.message.id, Place::InFlight(q, c));
                        }
                    }
                    Err(BrokerError::Busy(_)) => {}
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            Op::Ack(c, i) => {
                let c = consumer(c);
                let q = queue_of[c.0 as usize];
                if let Some(id) = pick(&ledger, c, i) {
                    let acked = api.ack(c, id).unwrap();
                    prop_assert_eq!(acked.message.id, id);
                    ledger.take(id, Place::InFlight(q, c))?;
                    ledger.end(id, q, Fate::Acked)?;
                } else {
                    let refused = api.ack(c, MessageId(u64::MAX));
                    prop_assert!(
                        matches!(refused, Err(BrokerError::NotInFlight { .. })),
                        "{refused:?}"
                    );
                }
            }
            Op::Nack(c, i, requeue) => {
                let c = consumer(c);
                let q = queue_of[c.0 as usize];
                let Some(id) = pick(&ledger, c, i) else {
                    continue;
                };
                let nacked = api.nack(c, id, requeue).unwrap();
                ledger.take(id, Place::InFlight(q, c))?;
                ledger.outcome(q, id, nacked.outcome)?;
            }
            Op::NackDelayed(c, i, delay) => {
                let c = consumer(c);
                let q = queue_of[c.0 as usize];
                let Some(id) = pick(&ledger, c, i) else {
                    continue;
                };
                let nacked = api.nack_delayed(c, id, delay);
                ledger.take(id, Place::InFlight(q, c))?;
                ledger.outcome(q, id, nacked.outcome)?;
            }
            Op::RequeueFront(c, i, fraction) => {
                let c = consumer(c);
                let q = queue_of[c.0 as usize];
                let Some(id) = pick(&ledger, c, i) else {
                    continue;
                };
                let back = api.requeue_front(c, id, fraction);
                let dead = matches!(back.outcome, Outcome::DeadLettered { .. });
                prop_assert!(!dead, "a hand-back is never dead-lettered");
                ledger.take(id, Place::InFlight(q, c))?;
                ledger.outcome(q, id, back.outcome)?;
            }
            Op::Pause(c) => api.pause(consumer(c)),
            Op::Advance(dt, due) => {
                clock.advance(dt);
                if due {
                    let expired = api.expire_due();
                    let tally = (
                        expired.redelivered,
                        expired.dead_lettered,
                        expired.expired,
                        expired.abandoned,
                    );
                    let mut by_kind = (0, 0, 0, 0);
                    for e in &expired.events {
                        match (e.consumer, e.outcome) {
                            (Some(_), Outcome::Requeued { .. }) => by_kind.0 += 1,
                            (Some(_), Outcome::DeadLettered { .. }) => by_kind.1 += 1,
                            (_, Outcome::Expired) => by_kind.2 += 1,
                            (None, Outcome::Abandoned) => by_kind.3 += 1,
                            // The end of a delay.
                            (None, Outcome::Requeued { .. }) => by_kind.0 += 1,
                            (_, Outcome::Delayed { .. }) => panic!("a deadline never delays"),
                            (Some(_), Outcome::Abandoned) => panic!("in flight, none abandons"),
                            (None, other) => panic!("a TTL expiry reported as {other:?}"),
                        }
                    }
                    prop_assert_eq!(tally, by_kind);
                    ledger.expiries(&expired.events)?;
                }
            }
        }
        ledger.agrees(api)?;
    }
    Ok(ledger)
}

/// The consumers' queues of a broker set up from `dlq` and `main`.
fn queue_of(dlq: &QueueConfig, main: &QueueConfig) -> Vec<QueueId> {
    let mut v = vec![QueueId(0); dlq.consumers];
    v.extend(std::iter::repeat_n(QueueId(1), main.consumers));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// On the broker itself: every id published ends in exactly one fate, or is still held,
    /// as the return values tell, and the tallies match the counters.
    #[test]
    fn every_message_meets_one_reported_fate(
        dlq in dead_letter_config(),
        main in main_config(),
        ops in prop::collection::vec(op(), 1..250),
    ) {
        let clock = StepClock::default();
        let mut b = broker(&dlq, &main, &clock);
        let ledger = follow(&mut b, &clock, &queue_of(&dlq, &main), ops)?;
        // Whatever is still held is where the ledger says, consumer by consumer.
        for c in 0..b.consumer_count() {
            let c = ConsumerId(c as u32);
            let mut held: Vec<MessageId> = b.in_flight(c).unwrap().map(|m| m.id).collect();
            held.sort();
            prop_assert_eq!(held, ledger.held_by(c));
        }
    }

    /// The same through a shared handle, whose blocking poll processes the deadlines itself
    /// and reports them with what its poll expired.
    #[test]
    fn every_message_meets_one_reported_fate_through_a_shared_handle(
        dlq in dead_letter_config(),
        main in main_config(),
        ops in prop::collection::vec(op(), 1..250),
    ) {
        let clock = StepClock::default();
        let mut shared = SharedBroker::new(broker(&dlq, &main, &clock));
        follow(&mut shared, &clock, &queue_of(&dlq, &main), ops)?;
    }
}

/// The ledger catches a silent fate: a broker whose poll dropped its expiry report would
/// leave the ledger one expiry short of the counters. Here the report is thrown away on
/// purpose, and the comparison must fail.
#[test]
fn a_fate_left_unreported_is_caught() {
    let clock = StepClock::default();
    let dlq = QueueConfig::new("dlq", 1);
    let main = QueueConfig::new("main", 1).ttl(1.0);
    let mut b = broker(&dlq, &main, &clock);
    let mut ledger = Ledger {
        queues: vec![Tallies::default(); 2],
        ..Ledger::default()
    };
    let r = Broker::publish(&mut b, QueueId(1), NewMessage::default());
    ledger.published(QueueId(1), &r).unwrap();
    clock.advance(2.0);
    let polled = Broker::poll(&mut b, ConsumerId(1)).unwrap();
    assert_eq!(polled.expired.len(), 1, "the poll reports the expiry");
    assert!(ledger.agrees(&b).is_err(), "ignoring it is caught");
    ledger
        .expiries(&as_expiries(QueueId(1), polled.expired))
        .unwrap();
    ledger.agrees(&b).unwrap();
}
