//! Property tests: random publish / poll / ack / nack / hand-back / expiry sequences on random
//! queue configurations, checked against brute-force recounts of the broker's state.

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::*;

/// A clock the property test moves forward.
#[derive(Clone, Default)]
struct StepClock(std::rc::Rc<std::cell::Cell<f64>>);

impl Clock for StepClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Publish {
        priority: i32,
        key: Option<u64>,
        size: f64,
    },
    Poll(usize),
    /// Consumer c acks its i-th in-flight message.
    Ack(usize, usize),
    /// Consumer c rejects its i-th in-flight message.
    Nack(usize, usize, bool),
    /// Consumer c hands back its i-th in-flight message with a fraction of its work left.
    RequeueFront(usize, usize, f64),
    /// Time moves on and due deadlines are processed.
    Advance(f64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3i32, proptest::option::of(0..6u64), 0.25..4.0f64)
            .prop_map(|(priority, key, size)| Op::Publish { priority, key, size }),
        4 => (0..6usize).prop_map(Op::Poll),
        3 => (0..6usize, 0..3usize).prop_map(|(c, i)| Op::Ack(c, i)),
        1 => (0..6usize, 0..3usize, any::<bool>()).prop_map(|(c, i, r)| Op::Nack(c, i, r)),
        1 => (0..6usize, 0..3usize, 0.0..1.0f64).prop_map(|(c, i, f)| Op::RequeueFront(c, i, f)),
        2 => (0.0..3.0f64).prop_map(Op::Advance),
    ]
}

fn dispatch(consumers: usize) -> impl Strategy<Value = DispatchKind> {
    prop_oneof![
        Just(DispatchKind::Shared),
        Just(DispatchKind::RoundRobin),
        Just(DispatchKind::Random),
        proptest::collection::vec(0.1..5.0f64, consumers)
            .prop_map(|weights| DispatchKind::WeightedRoundRobin { weights }),
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

fn config() -> impl Strategy<Value = QueueConfig> {
    (1..6usize).prop_flat_map(|consumers| {
        (
            dispatch(consumers),
            discipline(),
            proptest::option::of(1..10usize),
            prop_oneof![Just(Overflow::Reject), Just(Overflow::DropOldest)],
            any::<u64>(),
        )
            .prop_map(move |(dispatch, discipline, capacity, overflow, seed)| {
                QueueConfig {
                    capacity,
                    ..QueueConfig::new("q", consumers)
                        .dispatch(dispatch)
                        .discipline(discipline)
                        .overflow(overflow)
                        .seed(seed)
                }
            })
    })
}

/// A queue configuration with the delivery guarantees drawn at random too. The queue is
/// added second, after a dead-letter queue (queue 0) it may use.
fn delivery_config() -> impl Strategy<Value = QueueConfig> {
    (
        config(),
        1..4usize,
        proptest::option::of(0.5..6.0f64),
        proptest::option::of(1..4u32),
        proptest::option::of(0.5..8.0f64),
        any::<bool>(),
    )
        .prop_map(
            |(config, prefetch, vt, max_attempts, ttl, dlq)| QueueConfig {
                prefetch,
                visibility_timeout: vt,
                max_attempts,
                ttl,
                dead_letter: dlq.then_some(QueueId(0)),
                ..config
            },
        )
}

/// Checks queue `qi`'s counters and load index against a recount of its buffers.
fn check_queue<C: Clock>(b: &Broker<C>, qi: usize, config: &QueueConfig) {
    let queue = &b.queues[qi];
    let first = queue.first_consumer as usize;
    let own = &b.consumers[first..first + queue.consumers as usize];
    let waiting = queue.shared.len() + own.iter().map(|c| c.own.len()).sum::<usize>();
    let in_flight = own
        .iter()
        .map(|c| c.in_flight.as_slice().len())
        .sum::<usize>();
    let s = queue.stats;
    assert_eq!((s.waiting, s.in_flight), (waiting, in_flight));
    assert_eq!(
        s.published,
        s.acked
            + s.rejected
            + s.dropped
            + s.expired
            + s.dead_lettered
            + (waiting + in_flight) as u64,
        "conservation"
    );
    assert!(s.balanced());
    if let Some(capacity) = config.capacity {
        assert!(waiting + in_flight <= capacity, "capacity exceeded");
    }
    if config.ttl.is_some() {
        assert_eq!(queue.waiting_at.len(), waiting, "TTL index");
    }
    for (k, c) in own.iter().enumerate() {
        assert!(
            c.in_flight.as_slice().len() <= config.prefetch,
            "prefetch exceeded"
        );
        let held = c.own.len() + c.in_flight.as_slice().len();
        let work: f64 = c.own.iter().map(|m| m.size).sum::<f64>()
            + c.in_flight.iter().map(|f| f.message.size).sum::<f64>();
        assert_eq!(queue.loads.held(k) as usize, held, "held of {k}");
        assert!((queue.loads.work(k) - work).abs() < 1e-9, "work of {k}");
        assert_eq!(queue.loads.is_idle(k), held == 0);
    }
}

/// The consumer (index within queue `qi`) whose own buffer holds message `id`, if any.
fn owner<C: Clock>(b: &Broker<C>, qi: usize, id: MessageId) -> Option<usize> {
    let q = &b.queues[qi];
    let first = q.first_consumer as usize;
    b.consumers[first..first + q.consumers as usize]
        .iter()
        .position(|c| c.own.iter().any(|m| m.id == id))
}

/// The most urgent priority among `messages` not expired at `now`.
fn min_priority<'a>(
    messages: impl Iterator<Item = &'a Message>,
    ttl: Option<f64>,
    now: f64,
) -> Option<i32> {
    messages
        .filter(|m| ttl.is_none_or(|ttl| m.published_at + ttl > now))
        .map(|m| m.priority)
        .min()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Random publish / poll / ack / nack / hand-back / time steps on random configurations
    /// (dispatch, discipline, capacity, overflow, prefetch, visibility timeout, attempts, TTL,
    /// dead-letter queue). After every step the counters balance and match a recount; no
    /// message is delivered again without a cause (a requeueing nack, a timeout, a hand-back);
    /// attempt numbers, priority order, routing and preemption match brute-force answers.
    #[test]
    fn random_operations_keep_the_invariants(
        config in delivery_config(),
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let clock = StepClock::default();
        let mut b = Broker::new(clock.clone());
        let dlq_config = QueueConfig::new("dlq", 1);
        b.add_queue(dlq_config.clone()).unwrap();
        let q = b.add_queue(config.clone()).unwrap();
        let n = config.consumers;
        let global = |c: usize| ConsumerId(1 + (c % n) as u32);
        let priority_order = config.discipline.is_priority();
        // Messages allowed to be delivered next (waiting since publish or since a cause).
        let mut deliverable: HashSet<MessageId> = HashSet::new();
        // Messages handed back by preemption: their next delivery keeps its attempt number.
        let mut preempted: HashSet<MessageId> = HashSet::new();
        let mut attempts: std::collections::HashMap<MessageId, u32> = Default::default();
        let mut requeued_any = false;
        let mut last_of_key: Vec<Option<MessageId>> = vec![None; 6];
        let in_flight_of = |b: &Broker<StepClock>, c: ConsumerId, i: usize| {
            let held = b.consumers[c.0 as usize].in_flight.as_slice();
            (!held.is_empty()).then(|| held[i % held.len()].message)
        };
        for op in ops {
            let now = clock.now();
            match op {
                Op::Publish { priority, key, size } => {
                    let held_before: Vec<u32> =
                        (0..n).map(|k| b.queues[1].loads.held(k)).collect();
                    let new = NewMessage { priority, key, size, ..NewMessage::default() };
                    match b.publish(q, new) {
                        Ok(p) => {
                            prop_assert!(deliverable.insert(p.id));
                            if let Some(d) = p.dropped {
                                prop_assert!(deliverable.remove(&d.id), "dropped a waiting one");
                            }
                            let routed = owner(&b, 1, p.id);
                            if config.dispatch == DispatchKind::Shared {
                                prop_assert_eq!(routed, None);
                            } else {
                                prop_assert!(routed.is_some(), "pushed to a consumer");
                            }
                            let jsq_like = matches!(config.dispatch, DispatchKind::Jsq)
                                || config.dispatch == DispatchKind::PowerOfD { d: n };
                            if jsq_like && p.dropped.is_none() {
                                // The choice equals a brute-force argmin of held counts.
                                let min = held_before.iter().min().copied();
                                prop_assert_eq!(routed.map(|k| held_before[k]), min);
                            }
                            if config.dispatch == DispatchKind::Jiq
                                && p.dropped.is_none()
                                && held_before.contains(&0)
                            {
                                prop_assert_eq!(routed.map(|k| held_before[k]), Some(0));
                            }
                            if let (DispatchKind::KeyHash, Some(key)) = (&config.dispatch, key) {
                                // Every message of a key goes to the same consumer.
                                let ring = crate::KeyHash::new(n, crate::KeyHash::VIRTUAL_NODES);
                                prop_assert_eq!(routed, Some(ring.owner(key)));
                            }
                            // Preemption against a brute-force scan of who could take it.
                            let eligible: Vec<usize> = match routed {
                                None => (0..n).collect(),
                                Some(k) => vec![k],
                            };
                            let least = eligible
                                .iter()
                                .flat_map(|&k| b.consumers[1 + k].in_flight.iter())
                                .map(|f| f.message.priority)
                                .max();
                            let should = config.discipline == Discipline::PriorityPreemptive
                                && p.wake.is_none()
                                && least.is_some_and(|l| l > priority);
                            prop_assert_eq!(p.preempt.is_some(), should);
                            if let Some(c) = p.preempt {
                                let k = c.0 as usize - 1;
                                prop_assert!(eligible.contains(&k));
                                let theirs = b.consumers[c.0 as usize].in_flight.iter();
                                prop_assert!(theirs.map(|f| f.message.priority).max() == least);
                            }
                        }
                        Err(BrokerError::Full { .. }) => {
                            let s = b.queues[1].stats;
                            prop_assert_eq!(Some(s.waiting + s.in_flight), config.capacity);
                        }
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                Op::Poll(c) => {
                    let c = global(c);
                    let consumer = &b.consumers[c.0 as usize];
                    let own_min = min_priority(consumer.own.iter(), config.ttl, now);
                    let shared_min = min_priority(b.queues[1].shared.iter(), config.ttl, now);
                    let full = consumer.in_flight.as_slice().len() == config.prefetch;
                    let polled = match b.poll(c) {
                        Ok(polled) => polled,
                        Err(BrokerError::Busy(_)) => {
                            prop_assert!(full);
                            Polled::default()
                        }
                        Err(e) => panic!("unexpected {e}"),
                    };
                    for m in &polled.expired {
                        prop_assert!(deliverable.remove(&m.id), "only waiting ones expire");
                        prop_assert!(m.published_at + config.ttl.unwrap() <= now, "expired early");
                    }
                    match polled.delivery {
                        Some(d) => {
                            let id = d.message.id;
                            prop_assert!(deliverable.remove(&id), "delivered again without a cause");
                            let last = attempts.get(&id).copied().unwrap_or(0);
                            let want = if preempted.remove(&id) { last } else { last + 1 };
                            prop_assert_eq!(d.message.attempt, want);
                            attempts.insert(id, want);
                            if let Some(ttl) = config.ttl {
                                prop_assert!(d.message.published_at + ttl > now, "expired");
                            }
                            if priority_order {
                                // Never less urgent than a live message in the same buffer.
                                let min = if own_min.is_some() { own_min } else { shared_min };
                                prop_assert_eq!(Some(d.message.priority), min);
                            }
                            if config.dispatch == DispatchKind::KeyHash
                                && config.discipline == Discipline::Fifo
                                && !requeued_any
                                && let Some(key) = d.message.key
                            {
                                let last = &mut last_of_key[key as usize];
                                prop_assert!(*last < Some(id), "per-key FIFO");
                                *last = Some(id);
                            }
                        }
                        None => prop_assert!(full || (own_min.is_none() && shared_min.is_none())),
                    }
                }
                Op::Ack(c, i) => {
                    let c = global(c);
                    match in_flight_of(&b, c, i) {
                        Some(m) => {
                            b.ack(c, m.id).unwrap();
                        }
                        None => prop_assert!(b.ack(c, MessageId(u64::MAX)).is_err()),
                    }
                }
                Op::Nack(c, i, requeue) => {
                    let c = global(c);
                    let Some(m) = in_flight_of(&b, c, i) else { continue };
                    let nacked = b.nack(c, m.id, requeue).unwrap();
                    let retry = requeue && config.max_attempts.is_none_or(|max| m.attempt < max);
                    let past_ttl = config.ttl.is_some_and(|ttl| m.published_at + ttl <= now);
                    match nacked.outcome {
                        Outcome::Requeued { .. } => {
                            prop_assert!(retry && !past_ttl);
                            requeued_any = true;
                            deliverable.insert(m.id);
                        }
                        Outcome::DeadLettered { to, .. } => {
                            prop_assert!(!retry);
                            prop_assert_eq!(to, config.dead_letter);
                        }
                        Outcome::Expired => prop_assert!(retry && past_ttl),
                        Outcome::Abandoned => panic!("a nack never abandons"),
                        Outcome::Delayed { .. } => panic!("a plain nack never delays"),
                    }
                }
                Op::RequeueFront(c, i, fraction) => {
                    let c = global(c);
                    let Some(m) = in_flight_of(&b, c, i) else { continue };
                    let back = b.requeue_front(c, m.id, m.size * fraction).unwrap();
                    let past_ttl = config.ttl.is_some_and(|ttl| m.published_at + ttl <= now);
                    prop_assert_eq!(back.message.id, m.id);
                    if past_ttl {
                        prop_assert_eq!(back.outcome, Outcome::Expired);
                    } else {
                        let requeued = matches!(back.outcome, Outcome::Requeued { .. });
                        prop_assert!(requeued, "{:?}", back.outcome);
                        requeued_any = true;
                        deliverable.insert(m.id);
                        preempted.insert(m.id);
                    }
                }
                Op::Advance(dt) => {
                    clock.0.set(now + dt);
                    let now = clock.now();
                    let held: HashSet<MessageId> = b.consumers[1..]
                        .iter()
                        .flat_map(|c| c.in_flight.iter().map(|f| f.message.id))
                        .collect();
                    let expired = b.expire_due();
                    for e in &expired.events {
                        let id = e.message.id;
                        match (e.consumer, e.outcome) {
                            (None, Outcome::Expired) => {
                                prop_assert!(deliverable.remove(&id), "only waiting ones expire");
                                prop_assert!(e.message.published_at + config.ttl.unwrap() <= now);
                            }
                            (Some(_), outcome) => {
                                prop_assert!(held.contains(&id), "only in-flight ones time out");
                                let past_ttl = config
                                    .ttl
                                    .is_some_and(|ttl| e.message.published_at + ttl <= now);
                                match outcome {
                                    Outcome::Requeued { .. } => {
                                        prop_assert!(!past_ttl);
                                        requeued_any = true;
                                        deliverable.insert(id);
                                    }
                                    Outcome::Expired => prop_assert!(past_ttl),
                                    Outcome::DeadLettered { .. } => {}
                                    Outcome::Abandoned => panic!("in flight, nothing abandons"),
                                    Outcome::Delayed { .. } => panic!("a timeout never delays"),
                                }
                            }
                            (None, other) => panic!("TTL gave {other:?}"),
                        }
                    }
                    prop_assert!(b.next_deadline().is_none_or(|d| d > now), "all due processed");
                }
            }
            check_queue(&b, 1, &config);
            check_queue(&b, 0, &dlq_config);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The JSQ and least-work indexes agree with a brute-force scan of the loads after any
    /// sequence of load changes, over many consumers.
    #[test]
    fn load_indexes_match_brute_force(
        n in 1..300usize,
        seed in any::<u64>(),
        changes in proptest::collection::vec((any::<usize>(), any::<bool>(), 1..5u8), 1..400),
    ) {
        use crate::{Dispatch, Jsq, LeastWork};
        let mut loads = ConsumerLoads::new(n);
        let mut jsq = Jsq::new(n, seed);
        let mut lw = LeastWork::new(n, seed);
        let mut sizes: Vec<Vec<f64>> = vec![Vec::new(); n];
        let m = Message::for_test(0, 0);
        for (k, up, size) in changes {
            let k = k % n;
            if up || sizes[k].is_empty() {
                let size = f64::from(size) * 0.5;
                sizes[k].push(size);
                loads.add(k, size);
            } else {
                let size = sizes[k].pop().unwrap();
                loads.remove(k, size);
            }
            jsq.on_load_change(k, &loads);
            lw.on_load_change(k, &loads);
            let Route::Consumer(j) = jsq.route(&m, &loads) else { panic!("shared") };
            let min_held = (0..n).map(|k| sizes[k].len()).min().unwrap();
            prop_assert_eq!(sizes[j].len(), min_held);
            let Route::Consumer(w) = lw.route(&m, &loads) else { panic!("shared") };
            let min_work = (0..n)
                .map(|k| sizes[k].iter().sum::<f64>())
                .fold(f64::INFINITY, f64::min);
            prop_assert!((sizes[w].iter().sum::<f64>() - min_work).abs() < 1e-9);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// JSQ routes the same with and without [`Broker::prefetch_route`]'s draw made ahead: a
    /// hint followed at once by a route names the consumer routed to, and a hint overtaken by
    /// load changes (its bucket's length or the lowest bucket moved) is drawn again.
    #[test]
    fn jsq_routes_the_same_with_draws_made_ahead(
        n in 1..40usize,
        seed in any::<u64>(),
        steps in proptest::collection::vec((any::<usize>(), any::<bool>(), 0..3u8), 1..300),
    ) {
        use crate::{Dispatch, Jsq};
        let (mut plain, mut hinted) = (Jsq::new(n, seed), Jsq::new(n, seed));
        let mut loads = ConsumerLoads::new(n);
        let m = Message::for_test(0, 0);
        for (k, up, hint) in steps {
            // hint 0: none; 1: hint, then route; 2: hint, a load change, then route.
            let ahead = (hint > 0).then(|| hinted.peek());
            let k = k % n;
            if hint == 2 {
                if up || loads.held(k) == 0 {
                    loads.add(k, 1.0);
                } else {
                    loads.remove(k, 1.0);
                }
                plain.on_load_change(k, &loads);
                hinted.on_load_change(k, &loads);
            }
            let a = plain.route(&m, &loads);
            let b = hinted.route(&m, &loads);
            prop_assert_eq!(a, b);
            if hint == 1 {
                prop_assert_eq!(Some(a), ahead.map(Route::Consumer));
            }
            // The routed message arrives at its consumer.
            let Route::Consumer(j) = a else { panic!("shared") };
            loads.add(j, 1.0);
            plain.on_load_change(j, &loads);
            hinted.on_load_change(j, &loads);
        }
    }

    /// Random and round-robin route the same with and without their next choice told ahead
    /// ([`Broker::prefetch_route`]), and to the consumer told.
    #[test]
    fn random_and_round_robin_route_as_told_ahead(
        n in 1..40usize,
        seed in any::<u64>(),
        hints in proptest::collection::vec(0..3u8, 1..300),
    ) {
        use crate::dispatch::{Peek, Router};
        for kind in [DispatchKind::Random, DispatchKind::RoundRobin] {
            let mut plain = Router::builtin(&kind, n, seed);
            let mut hinted = Router::builtin(&kind, n, seed);
            let loads = ConsumerLoads::new(n);
            for &hint in &hints {
                // hint 0: none; 1: told once; 2: told twice.
                let mut told = None;
                for _ in 0..hint {
                    let Some(Peek::One(k)) = hinted.peek() else { panic!("no hint") };
                    prop_assert!(told.is_none_or(|t| t == k));
                    told = Some(k);
                }
                let a = plain.route_with(|| Message::for_test(0, 0), &loads);
                let b = hinted.route_with(|| Message::for_test(0, 0), &loads);
                prop_assert_eq!(a, b);
                if let Some(k) = told {
                    prop_assert_eq!(a, Route::Consumer(k));
                }
            }
        }
    }

    /// Power-of-d routes the same with and without its sample drawn ahead
    /// ([`Broker::prefetch_route`]), whatever load changes come between, and to a consumer of
    /// that sample.
    #[test]
    fn power_of_d_routes_the_same_with_samples_drawn_ahead(
        n in 1..40usize,
        d in 1..=8usize,
        seed in any::<u64>(),
        steps in proptest::collection::vec((any::<usize>(), any::<bool>(), 0..3u8), 1..300),
    ) {
        use crate::{Dispatch, PowerOfD};
        let d = d.min(n);
        let (mut plain, mut hinted) = (PowerOfD::new(n, d, seed), PowerOfD::new(n, d, seed));
        let mut loads = ConsumerLoads::new(n);
        let m = Message::for_test(0, 0);
        for (k, up, hint) in steps {
            // hint 0: none; 1: a sample drawn ahead; 2: drawn ahead twice, a load change between.
            let ahead = (hint > 0).then(|| hinted.peek().expect("d is few").to_vec());
            if hint == 2 {
                let k = k % n;
                if up || loads.held(k) == 0 {
                    loads.add(k, 1.0);
                } else {
                    loads.remove(k, 1.0);
                }
                prop_assert_eq!(hinted.peek().map(<[usize]>::to_vec), ahead.clone());
            }
            let a = plain.route(&m, &loads);
            let b = hinted.route(&m, &loads);
            prop_assert_eq!(a, b);
            let Route::Consumer(j) = a else { panic!("shared") };
            if let Some(sample) = ahead {
                prop_assert!(sample.contains(&j));
            }
            loads.add(j, 1.0);
        }
    }
}
