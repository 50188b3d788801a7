//! Unit tests of the broker: each call's behaviour on small, hand-built cases.

use std::cell::Cell;
use std::rc::Rc;

use super::*;
use crate::*;

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
        let d = b.poll(c).unwrap().delivery.unwrap();
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
    assert_eq!(b.poll(c).unwrap(), Polled::default());
    assert_eq!(b.counts(q).unwrap(), (3, 3));
}

#[test]
fn idle_consumer_is_woken_again_after_empty_poll() {
    let (mut b, q, _) = broker(1, DispatchKind::Shared);
    let c = ConsumerId(0);
    let p = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(p.wake, Some(c));
    let d = b.poll(c).unwrap().delivery.unwrap();
    b.ack(c, d.message.id).unwrap();
    assert_eq!(b.poll(c).unwrap(), Polled::default());
    assert_eq!(b.publish(q, NewMessage::default()).unwrap().wake, Some(c));
}

#[test]
fn ack_of_wrong_message_is_refused() {
    let (mut b, q, _) = broker(1, DispatchKind::Shared);
    let id = b.publish(q, NewMessage::default()).unwrap().id;
    let c = ConsumerId(0);
    assert!(matches!(b.ack(c, id), Err(BrokerError::NotInFlight { .. })));
    b.poll(c).unwrap().delivery.unwrap();
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
    let first = b.poll(ConsumerId(1)).unwrap().delivery.unwrap();
    assert_eq!(first.message.id, MessageId(1));
    b.ack(ConsumerId(1), first.message.id).unwrap();
    assert_eq!(
        b.poll(ConsumerId(1)).unwrap().delivery.unwrap().message.id,
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
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
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
    let d = b.poll(ConsumerId(c)).unwrap().delivery?;
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
    let first = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
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
    b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
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
        ..QueueStats::default()
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
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap(); // id 0 in service
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
    b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
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
        QueueConfig::new("b", 2).dispatch(DispatchKind::WeightedRoundRobin { weights: vec![1.0] }),
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

#[test]
fn route_hint_names_where_jsq_sends_the_next_message() {
    let (mut b, q, _) = broker(5, DispatchKind::Jsq);
    for _ in 0..12 {
        let hinted = b.prefetch_route(q).expect("JSQ can tell");
        let p = b.publish(q, NewMessage::default()).unwrap();
        assert!(
            b.consumers[hinted.0 as usize]
                .own
                .iter()
                .any(|m| m.id == p.id)
        );
    }
    // A shared queue cannot tell (any idle consumer may take the message); an unknown
    // queue has nothing to hint.
    let (mut shared, sq, _) = broker(5, DispatchKind::Shared);
    assert_eq!(shared.prefetch_route(sq), None);
    assert_eq!(shared.prefetch_route(QueueId(9)), None);
}

/// The public hint asks the driver for its state of the consumer concerned: the one JSQ will
/// route the next message to, or the consumer named; none for a shared queue.
#[test]
fn prefetch_hint_asks_the_driver_for_the_consumer_concerned() {
    let (mut b, q, _) = broker(5, DispatchKind::Jsq);
    let driver = [0u8; 5];
    for _ in 0..12 {
        let mut asked = None;
        b.prefetch(Upcoming::Publish(q), |c| {
            asked = Some(c);
            driver.get(c.0 as usize)
        });
        let p = b.publish(q, NewMessage::default()).unwrap();
        let c = asked.expect("JSQ can tell");
        assert!(b.consumers[c.0 as usize].own.iter().any(|m| m.id == p.id));
    }
    let mut asked = None;
    b.prefetch(Upcoming::Consumer(ConsumerId(3)), |c| {
        asked = Some(c);
        driver.get(c.0 as usize)
    });
    assert_eq!(asked, Some(ConsumerId(3)));
    let (mut shared, sq, _) = broker(5, DispatchKind::Shared);
    shared.prefetch(Upcoming::Publish(sq), |_| -> Option<&u8> {
        panic!("a shared queue cannot tell")
    });
}

fn poll_id(b: &mut Broker<TestClock>, c: u32) -> (u64, u32) {
    let d = b.poll(ConsumerId(c)).unwrap().delivery.unwrap();
    (d.message.id.0, d.message.attempt)
}

#[test]
fn nack_requeues_to_the_front_then_dead_letters_after_max_attempts() {
    let mut b = Broker::new(TestClock::default());
    let q = b
        .add_queue(QueueConfig::new("q", 1).max_attempts(2))
        .unwrap();
    for _ in 0..2 {
        b.publish(q, NewMessage::default()).unwrap();
    }
    let c = ConsumerId(0);
    assert_eq!(poll_id(&mut b, 0), (0, 1));
    let n = b.nack(c, MessageId(0), true).unwrap();
    assert_eq!(n.outcome, Outcome::Requeued { wake: None });
    assert_eq!(
        poll_id(&mut b, 0),
        (0, 2),
        "back at the head, second attempt"
    );
    let n = b.nack(c, MessageId(0), true).unwrap();
    assert_eq!(
        n.outcome,
        Outcome::DeadLettered {
            to: None,
            published: None
        }
    );
    assert_eq!(poll_id(&mut b, 0), (1, 1));
    let n = b.nack(c, MessageId(1), false).unwrap();
    assert!(matches!(n.outcome, Outcome::DeadLettered { .. }));
    assert!(
        b.nack(c, MessageId(1), true).is_err(),
        "no longer in flight"
    );
    let s = b.stats(q).unwrap();
    assert_eq!(
        (
            s.nacked,
            s.redelivered,
            s.dead_lettered,
            s.waiting,
            s.in_flight
        ),
        (3, 1, 2, 0, 0)
    );
    assert!(s.balanced());
}

#[test]
fn nack_to_own_buffer_and_dead_letter_queue_wakes_its_consumer() {
    let mut b = Broker::new(TestClock::default());
    let dlq = b.add_queue(QueueConfig::new("dlq", 1)).unwrap();
    let cfg = QueueConfig::new("q", 2)
        .dispatch(DispatchKind::RoundRobin)
        .dead_letter(dlq);
    let q = b.add_queue(cfg).unwrap();
    let p = b.publish(q, NewMessage::default()).unwrap();
    let c = p.wake.unwrap();
    assert_eq!(c, ConsumerId(1), "first consumer of the second queue");
    b.poll(c).unwrap().delivery.unwrap();
    let n = b.nack(c, p.id, true).unwrap();
    assert_eq!(n.outcome, Outcome::Requeued { wake: None });
    assert_eq!(b.loads(q).unwrap().held(0), 1, "still c's");
    assert_eq!(b.poll(c).unwrap().delivery.unwrap().message.attempt, 2);
    let n = b.nack(c, p.id, false).unwrap();
    let Outcome::DeadLettered {
        to: Some(to),
        published: Some(dp),
    } = n.outcome
    else {
        panic!("{n:?}")
    };
    assert_eq!((to, dp.wake), (dlq, Some(ConsumerId(0))));
    assert_eq!(b.loads(q).unwrap().held(0), 0);
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
    assert_eq!(
        (d.message.attempt, d.message.born_at),
        (1, n.message.born_at)
    );
    assert!(b.stats(q).unwrap().balanced() && b.stats(dlq).unwrap().balanced());
}

#[test]
fn visibility_timeout_redelivers_and_frees_the_consumer() {
    let clock = TestClock::default();
    let mut b = Broker::new(clock.clone());
    let cfg = QueueConfig::new("q", 2)
        .visibility_timeout(5.0)
        .max_attempts(2);
    let q = b.add_queue(cfg).unwrap();
    assert_eq!(b.next_deadline(), None);
    b.publish(q, NewMessage::default()).unwrap();
    let (slow, other) = (ConsumerId(0), ConsumerId(1));
    clock.0.set(1.0);
    assert_eq!(poll_id(&mut b, 0), (0, 1));
    assert_eq!(b.poll(other).unwrap(), Polled::default(), "other goes idle");
    assert_eq!(b.next_deadline(), Some(6.0));
    clock.0.set(5.9);
    assert!(b.expire_due().is_empty());
    clock.0.set(6.0);
    let e = b.expire_due();
    assert_eq!((e.redelivered, e.dead_lettered, e.expired), (1, 0, 0));
    assert_eq!(e.wake, vec![other]);
    assert_eq!(e.events[0].consumer, Some(slow));
    assert!(matches!(
        b.ack(slow, MessageId(0)),
        Err(BrokerError::NotInFlight { .. })
    ));
    assert_eq!(poll_id(&mut b, 1), (0, 2));
    assert_eq!(b.next_deadline(), Some(11.0));
    // An ack in time makes the deadline moot.
    clock.0.set(7.0);
    b.ack(other, MessageId(0)).unwrap();
    assert_eq!(b.next_deadline(), None);
    // Out of attempts: the second timeout dead-letters.
    b.publish(q, NewMessage::default()).unwrap();
    poll_id(&mut b, 0);
    clock.0.set(12.0);
    b.expire_due();
    poll_id(&mut b, 0);
    clock.0.set(17.0);
    let e = b.expire_due();
    assert_eq!((e.redelivered, e.dead_lettered), (0, 1));
    let s = b.stats(q).unwrap();
    assert_eq!(
        (s.timed_out, s.redelivered, s.acked, s.dead_lettered),
        (3, 2, 1, 1)
    );
    assert!(s.balanced());
}

#[test]
fn ttl_expires_waiting_messages_at_deadline_and_at_poll() {
    let clock = TestClock::default();
    let mut b = Broker::new(clock.clone());
    let cfg = QueueConfig::new("q", 1)
        .ttl(10.0)
        .dispatch(DispatchKind::RoundRobin)
        .discipline(Discipline::Priority);
    let q = b.add_queue(cfg).unwrap();
    for t in [0.0, 1.0, 2.0] {
        clock.0.set(t);
        b.publish(q, with_priority(-(t as i32))).unwrap();
    }
    assert_eq!(b.next_deadline(), Some(10.0));
    clock.0.set(10.5);
    let e = b.expire_due();
    assert_eq!(e.expired, 1);
    assert_eq!(e.events[0].message.id, MessageId(0));
    assert_eq!(e.events[0].outcome, Outcome::Expired);
    assert_eq!(b.loads(q).unwrap().held(0), 2);
    assert_eq!(b.next_deadline(), Some(11.0));
    // At poll the most urgent (id 2) is delivered; id 1 is expired lazily on a later poll.
    assert_eq!(poll_id(&mut b, 0), (2, 1));
    b.ack(ConsumerId(0), MessageId(2)).unwrap();
    clock.0.set(11.0);
    let polled = b.poll(ConsumerId(0)).unwrap();
    assert_eq!(polled.delivery, None);
    let expired: Vec<MessageId> = polled.expired.iter().map(|m| m.id).collect();
    assert_eq!(expired, [MessageId(1)], "the poll reports what it expired");
    let s = b.stats(q).unwrap();
    assert_eq!((s.expired, s.acked, s.waiting), (2, 1, 0));
    assert!(s.balanced());
    assert_eq!(b.loads(q).unwrap().held(0), 0);
    assert_eq!(b.next_deadline(), None, "the stale TTL deadline is gone");
}

#[test]
fn paused_consumer_is_not_woken_until_it_polls() {
    let (mut b, q, _) = broker(2, DispatchKind::Shared);
    b.pause(ConsumerId(0)).unwrap();
    assert_eq!(
        b.publish(q, NewMessage::default()).unwrap().wake,
        Some(ConsumerId(1))
    );
    assert_eq!(
        b.publish(q, NewMessage::default()).unwrap().wake,
        None,
        "0 is paused"
    );
    assert!(
        b.poll(ConsumerId(0)).unwrap().delivery.is_some(),
        "polling resumes it"
    );
    assert!(b.pause(ConsumerId(9)).is_err());
}

#[test]
fn prefetch_lets_a_consumer_hold_several_and_be_woken_with_spare_credit() {
    let mut b = Broker::new(TestClock::default());
    let q = b.add_queue(QueueConfig::new("q", 1).prefetch(2)).unwrap();
    let c = ConsumerId(0);
    assert_eq!(b.publish(q, NewMessage::default()).unwrap().wake, Some(c));
    assert_eq!(poll_id(&mut b, 0), (0, 1));
    assert_eq!(
        b.poll(c).unwrap(),
        Polled::default(),
        "spare credit, nothing waiting: idle"
    );
    assert_eq!(b.publish(q, NewMessage::default()).unwrap().wake, Some(c));
    b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(poll_id(&mut b, 0), (1, 1));
    assert_eq!(b.poll(c), Err(BrokerError::Busy(c)));
    assert_eq!(b.in_flight(c).unwrap().count(), 2);
    b.ack(c, MessageId(0)).unwrap();
    assert_eq!(poll_id(&mut b, 0), (2, 1));
    assert_eq!(b.stats(q).unwrap().in_flight, 2);
    assert!(matches!(
        b.add_queue(QueueConfig::new("r", 1).prefetch(0)),
        Err(BrokerError::InvalidConfig { .. })
    ));
}

#[test]
fn preemptive_priority_names_the_consumer_and_resumes_at_the_head() {
    let mut b = Broker::new(TestClock::default());
    let cfg = QueueConfig::new("q", 2).discipline(Discipline::PriorityPreemptive);
    let q = b.add_queue(cfg).unwrap();
    let sized = |priority, size| NewMessage {
        priority,
        size,
        ..NewMessage::default()
    };
    b.publish(q, sized(2, 4.0)).unwrap(); // id 0
    b.publish(q, sized(1, 4.0)).unwrap(); // id 1
    assert_eq!(poll_id(&mut b, 0), (1, 1), "most urgent first");
    assert_eq!(poll_id(&mut b, 1), (0, 1));
    b.publish(q, sized(2, 1.0)).unwrap(); // id 2: not more urgent than anyone
    let p = b.publish(q, sized(0, 1.0)).unwrap(); // id 3
    assert_eq!((p.wake, p.preempt), (None, Some(ConsumerId(1))));
    let back = b.requeue_front(ConsumerId(1), MessageId(0), 1.5).unwrap();
    assert_eq!(back.outcome, Outcome::Requeued { wake: None });
    assert_eq!((back.message.id, back.message.size), (MessageId(0), 1.5));
    assert_eq!(poll_id(&mut b, 1), (3, 1));
    b.ack(ConsumerId(1), MessageId(3)).unwrap();
    // The interrupted message goes before id 2 of the same priority, same attempt.
    let d = b.poll(ConsumerId(1)).unwrap().delivery.unwrap();
    assert_eq!((d.message.id, d.message.attempt), (MessageId(0), 1));
    assert_eq!((d.message.size, d.message.published_at), (1.5, 0.0));
    assert_eq!(b.stats(q).unwrap().preempted, 1);
    assert!(
        b.requeue_front(ConsumerId(1), MessageId(0), f64::NAN)
            .is_err()
    );
    // Equal urgency never preempts; non-preemptive priority never names anyone.
    assert_eq!(b.publish(q, sized(2, 1.0)).unwrap().preempt, None);
    let mut b = Broker::new(TestClock::default());
    let q = b
        .add_queue(QueueConfig::new("q", 1).discipline(Discipline::Priority))
        .unwrap();
    b.publish(q, with_priority(5)).unwrap();
    poll_id(&mut b, 0);
    assert_eq!(b.publish(q, with_priority(0)).unwrap().preempt, None);
}

#[test]
fn preemption_with_own_queues_names_only_the_chosen_consumer() {
    let mut b = Broker::new(TestClock::default());
    let cfg = QueueConfig::new("q", 2)
        .dispatch(DispatchKind::RoundRobin)
        .discipline(Discipline::PriorityPreemptive);
    let q = b.add_queue(cfg).unwrap();
    b.publish(q, with_priority(1)).unwrap(); // → 0
    b.publish(q, with_priority(9)).unwrap(); // → 1
    poll_id(&mut b, 0);
    poll_id(&mut b, 1);
    let p = b.publish(q, with_priority(0)).unwrap(); // → 0
    assert_eq!(
        p.preempt,
        Some(ConsumerId(0)),
        "not 1, though its message is less urgent"
    );
    let back = b.requeue_front(ConsumerId(0), MessageId(0), 0.5).unwrap();
    assert_eq!(back.outcome, Outcome::Requeued { wake: None });
    let loads = b.loads(q).unwrap();
    assert_eq!((loads.held(0), loads.work(0)), (2, 1.5));
    assert_eq!(poll_id(&mut b, 0), (2, 1));
}

#[test]
fn delivery_configuration_is_checked() {
    let mut b = Broker::new(TestClock::default());
    let bad = [
        QueueConfig::new("a", 1).visibility_timeout(0.0),
        QueueConfig::new("b", 1).ttl(-1.0),
        QueueConfig::new("c", 1).max_attempts(0),
        QueueConfig::new("d", 1).dead_letter(QueueId(0)),
    ];
    for cfg in bad {
        assert!(matches!(
            b.add_queue(cfg),
            Err(BrokerError::InvalidConfig { .. })
        ));
    }
}

/// A queue of one consumer with a TTL of 2 (and `tweak` applied), one message published at 0
/// and delivered, and the clock moved to 3: the message's time to live ran out in service.
fn in_service_past_ttl(
    tweak: impl FnOnce(QueueConfig) -> QueueConfig,
) -> (Broker<TestClock>, QueueId, TestClock, Delivery) {
    let clock = TestClock::default();
    let mut b = Broker::new(clock.clone());
    let q = b
        .add_queue(tweak(QueueConfig::new("q", 1).ttl(2.0)))
        .unwrap();
    b.publish(q, NewMessage::default()).unwrap();
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
    clock.0.set(3.0);
    (b, q, clock, d)
}

/// Checks that queue `q` holds nothing, counts one expiry, balances, and has no deadline left.
fn expired_once(b: &mut Broker<TestClock>, q: QueueId) {
    let s = b.stats(q).unwrap();
    assert_eq!(
        (s.expired, s.waiting, s.in_flight, s.redelivered),
        (1, 0, 0, 0)
    );
    assert!(s.balanced(), "{s:?}");
    assert_eq!(b.loads(q).unwrap().held(0), 0);
    assert_eq!(b.loads(q).unwrap().work(0), 0.0);
    assert_eq!(
        b.next_deadline(),
        None,
        "no deadline for a message that is gone"
    );
    assert_eq!(b.poll(ConsumerId(0)).unwrap(), Polled::default());
}

#[test]
fn nack_with_requeue_past_the_ttl_reports_the_expiry() {
    for dispatch in [DispatchKind::Shared, DispatchKind::RoundRobin] {
        let (mut b, q, _, d) = in_service_past_ttl(|c| c.dispatch(dispatch.clone()));
        let n = b.nack(ConsumerId(0), d.message.id, true).unwrap();
        assert_eq!(n.outcome, Outcome::Expired);
        assert_eq!(b.stats(q).unwrap().nacked, 1);
        expired_once(&mut b, q);
    }
}

#[test]
fn visibility_timeout_past_the_ttl_reports_the_expiry() {
    let (mut b, q, _, d) = in_service_past_ttl(|c| c.visibility_timeout(3.0));
    let e = b.expire_due();
    assert_eq!((e.redelivered, e.dead_lettered, e.expired), (0, 0, 1));
    assert_eq!(e.wake, []);
    let event = e.events[0];
    assert_eq!(event.consumer, Some(ConsumerId(0)));
    assert_eq!(
        (event.message.id, event.outcome),
        (d.message.id, Outcome::Expired)
    );
    assert_eq!(b.stats(q).unwrap().timed_out, 1);
    expired_once(&mut b, q);
}

#[test]
fn hand_back_past_the_ttl_reports_the_expiry() {
    for dispatch in [DispatchKind::Shared, DispatchKind::Jsq] {
        let (mut b, q, _, d) = in_service_past_ttl(|c| {
            c.dispatch(dispatch.clone())
                .discipline(Discipline::PriorityPreemptive)
        });
        let back = b.requeue_front(ConsumerId(0), d.message.id, 0.25).unwrap();
        assert_eq!(back.outcome, Outcome::Expired);
        assert_eq!((back.message.size, back.message.attempt), (0.25, 1));
        assert_eq!(b.stats(q).unwrap().preempted, 1);
        expired_once(&mut b, q);
    }
}

#[test]
fn a_refused_dead_letter_is_told_apart() {
    let mut b = Broker::new(TestClock::default());
    let dlq = b.add_queue(QueueConfig::new("dlq", 1).capacity(1)).unwrap();
    let q = b
        .add_queue(QueueConfig::new("q", 1).dead_letter(dlq))
        .unwrap();
    let nack_one = |b: &mut Broker<TestClock>| {
        b.publish(q, NewMessage::default()).unwrap();
        let d = b.poll(ConsumerId(1)).unwrap().delivery.unwrap();
        b.nack(ConsumerId(1), d.message.id, false).unwrap().outcome
    };
    let first = nack_one(&mut b);
    assert!(matches!(
        first,
        Outcome::DeadLettered {
            to: Some(_),
            published: Some(_)
        }
    ));
    assert!(!first.dead_letter_refused());
    let second = nack_one(&mut b);
    assert_eq!(
        second,
        Outcome::DeadLettered {
            to: Some(dlq),
            published: None
        }
    );
    assert!(second.dead_letter_refused());
    let s = b.stats(dlq).unwrap();
    assert_eq!((s.published, s.rejected, s.waiting), (2, 1, 1));
    assert!(s.balanced() && b.stats(q).unwrap().balanced());
    // Without a dead-letter queue nothing is refused: the message is simply gone.
    let mut b = Broker::new(TestClock::default());
    b.add_queue(QueueConfig::new("q", 1)).unwrap();
    let q = QueueId(0);
    b.publish(q, NewMessage::default()).unwrap();
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
    let gone = b.nack(ConsumerId(0), d.message.id, false).unwrap().outcome;
    assert!(!gone.dead_letter_refused());
}

/// A custom strategy that routes every message to a consumer its queue does not have.
struct Nowhere;

impl Dispatch for Nowhere {
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        Route::Consumer(99)
    }
}

#[test]
fn a_dead_letter_routed_nowhere_counts_as_refused() {
    let mut b = Broker::new(TestClock::default());
    let dlq = b.add_queue_with("dlq", 1, Box::new(Nowhere)).unwrap();
    let q = b
        .add_queue(QueueConfig::new("q", 1).dead_letter(dlq))
        .unwrap();
    b.publish(q, NewMessage::default()).unwrap();
    let d = b.poll(ConsumerId(1)).unwrap().delivery.unwrap();
    let outcome = b.nack(ConsumerId(1), d.message.id, false).unwrap().outcome;
    assert!(outcome.dead_letter_refused(), "{outcome:?}");
    let s = b.stats(dlq).unwrap();
    assert_eq!((s.published, s.rejected), (1, 1));
    assert!(s.balanced());
}
