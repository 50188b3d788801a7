//! Property tests: random publish / poll / ack sequences on random queue configurations,
//! checked against brute-force recounts of the broker's state.

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::{Discipline, DispatchKind};

#[derive(Clone, Default)]
struct NoClock;

impl Clock for NoClock {
    fn now(&self) -> f64 {
        0.0
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
    Ack(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3i32, proptest::option::of(0..6u64), 0.25..4.0f64)
            .prop_map(|(priority, key, size)| Op::Publish { priority, key, size }),
        2 => (0..6usize).prop_map(Op::Poll),
        2 => (0..6usize).prop_map(Op::Ack),
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

fn config() -> impl Strategy<Value = QueueConfig> {
    (1..6usize).prop_flat_map(|consumers| {
        (
            dispatch(consumers),
            prop_oneof![
                Just(Discipline::Fifo),
                Just(Discipline::Lifo),
                Just(Discipline::Priority)
            ],
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

/// Checks the broker's counters and load index against a recount of its buffers.
fn check_state(b: &Broker<NoClock>, config: &QueueConfig) {
    let queue = &b.queues[0];
    let own: Vec<&Consumer> = b.consumers.iter().collect();
    let waiting = queue.shared.len() + own.iter().map(|c| c.own.len()).sum::<usize>();
    let in_flight = own.iter().map(|c| c.in_flight.len()).sum::<usize>();
    let s = queue.stats;
    assert_eq!((s.waiting, s.in_flight), (waiting, in_flight));
    assert_eq!(
        s.published,
        s.acked + s.rejected + s.dropped + (waiting + in_flight) as u64,
        "conservation"
    );
    if let Some(capacity) = config.capacity {
        assert!(waiting + in_flight <= capacity, "capacity exceeded");
    }
    for (k, c) in own.iter().enumerate() {
        let held = c.own.len() + c.in_flight.len();
        let work: f64 = c.own.iter().map(|m| m.size).sum::<f64>()
            + c.in_flight.iter().map(|f| f.message.size).sum::<f64>();
        assert_eq!(queue.loads.held(k) as usize, held, "held of {k}");
        assert!((queue.loads.work(k) - work).abs() < 1e-9, "work of {k}");
        assert_eq!(queue.loads.is_idle(k), held == 0);
    }
}

/// The consumer whose own buffer holds message `id`, if any.
fn owner(b: &Broker<NoClock>, id: MessageId) -> Option<usize> {
    b.consumers
        .iter()
        .position(|c| c.own.iter().any(|m| m.id == id))
}

fn min_priority<'a>(messages: impl Iterator<Item = &'a Message>) -> Option<i32> {
    messages.map(|m| m.priority).min()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_invariants(
        config in config(),
        ops in proptest::collection::vec(op(), 1..150),
    ) {
        let mut b = Broker::new(NoClock);
        let q = b.add_queue(config.clone()).unwrap();
        let n = config.consumers;
        let mut delivered = HashSet::new();
        let mut last_of_key: Vec<Option<MessageId>> = vec![None; 6];
        for op in ops {
            match op {
                Op::Publish { priority, key, size } => {
                    let held_before: Vec<u32> =
                        (0..n).map(|k| b.queues[0].loads.held(k)).collect();
                    let new = NewMessage { priority, key, size, ..NewMessage::default() };
                    match b.publish(q, new) {
                        Ok(p) => {
                            let routed = owner(&b, p.id);
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
                        }
                        Err(BrokerError::Full { .. }) => {
                            let s = b.queues[0].stats;
                            prop_assert_eq!(Some(s.waiting + s.in_flight), config.capacity);
                        }
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                Op::Poll(c) => {
                    let c = c % n;
                    let own_min = min_priority(b.consumers[c].own.iter());
                    let shared_min = min_priority(b.queues[0].shared.iter());
                    let from_own = b.consumers[c].own.len() > 0;
                    match b.poll(ConsumerId(c as u32)) {
                        Ok(Some(d)) => {
                            prop_assert!(delivered.insert(d.message.id), "duplicate delivery");
                            if config.discipline == Discipline::Priority {
                                // Never less urgent than a message waiting in the same buffer.
                                let min = if from_own { own_min } else { shared_min };
                                prop_assert_eq!(Some(d.message.priority), min);
                            }
                            if config.dispatch == DispatchKind::KeyHash
                                && config.discipline == Discipline::Fifo
                                && let Some(key) = d.message.key
                            {
                                let last = &mut last_of_key[key as usize];
                                prop_assert!(*last < Some(d.message.id), "per-key FIFO");
                                *last = Some(d.message.id);
                            }
                        }
                        Ok(None) => prop_assert!(!from_own && shared_min.is_none()),
                        Err(BrokerError::Busy(_)) => {
                            prop_assert!(!b.consumers[c].in_flight.is_empty());
                        }
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
                Op::Ack(c) => {
                    let c = c % n;
                    if let Some(f) = b.consumers[c].in_flight.first() {
                        b.ack(ConsumerId(c as u32), f.message.id).unwrap();
                    } else {
                        prop_assert!(b.ack(ConsumerId(c as u32), MessageId(u64::MAX)).is_err());
                    }
                }
            }
            check_state(&b, &config);
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
        let m = Message {
            id: MessageId(0), class: 0, priority: 0, key: None, size: 1.0,
            published_at: 0.0, born_at: 0.0, waited_before: 0.0, attempt: 0,
        };
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
