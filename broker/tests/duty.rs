//! Consumers going off and on duty ([`Broker::retire`], [`Broker::reinstate`]): a retired
//! consumer finishes what it holds and takes nothing more; every message is accounted for.

use std::cell::Cell;
use std::rc::Rc;

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, DispatchKind, NewMessage, QueueConfig, QueueId,
};

#[derive(Clone, Default)]
struct TestClock(Rc<Cell<f64>>);

impl Clock for TestClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

fn setup(config: QueueConfig) -> (Broker<TestClock>, QueueId, TestClock) {
    let clock = TestClock::default();
    let mut b = Broker::new(clock.clone());
    let q = b.add_queue(config).unwrap();
    (b, q, clock)
}

#[test]
fn a_retired_consumer_finishes_its_message_and_takes_no_more() {
    let (mut b, q, _) = setup(QueueConfig::new("q", 2));
    let (c0, c1) = (ConsumerId(0), ConsumerId(1));
    let first = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(first.wake, Some(c0));
    let held = b.poll(c0).unwrap().delivery.unwrap();
    b.retire(c0).unwrap();
    assert!(b.is_retired(c0).unwrap());
    // Its message stays in flight with it; it acks it as usual.
    assert_eq!(b.stats(q).unwrap().in_flight, 1);
    let second = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(second.wake, Some(c1), "only the consumer on duty is woken");
    b.ack(c0, held.message.id).unwrap();
    assert!(b.poll(c0).unwrap().delivery.is_none(), "off duty: nothing");
    let third = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(third.wake, None, "c1 was told already; c0 is off duty");
    let d = b.poll(c1).unwrap().delivery.unwrap();
    assert_eq!(d.message.id, second.id);
    // Back on duty, c0 polls and takes the third.
    b.reinstate(c0).unwrap();
    let d0 = b.poll(c0).unwrap().delivery.unwrap();
    assert_eq!(d0.message.id, third.id);
    b.ack(c0, d0.message.id).unwrap();
    b.ack(c1, d.message.id).unwrap();
    // Idle again, c0 is woken by the next publish.
    assert!(b.poll(c0).unwrap().delivery.is_none());
    assert_eq!(b.publish(q, NewMessage::default()).unwrap().wake, Some(c0));
    let s = b.stats(q).unwrap();
    assert_eq!((s.published, s.acked, s.waiting), (4, 3, 1));
    assert!(s.balanced());
}

#[test]
fn an_idle_consumer_retired_is_not_woken_from_the_idle_list() {
    let (mut b, q, _) = setup(QueueConfig::new("q", 3));
    for c in 0..3 {
        assert!(b.poll(ConsumerId(c)).unwrap().delivery.is_none());
    }
    b.retire(ConsumerId(0)).unwrap();
    b.retire(ConsumerId(2)).unwrap();
    let wakes: Vec<_> = (0..3)
        .map(|_| b.publish(q, NewMessage::default()).unwrap().wake)
        .collect();
    assert_eq!(wakes, vec![Some(ConsumerId(1)), None, None]);
}

#[test]
fn push_strategies_refuse_to_retire() {
    let (mut b, _, _) = setup(QueueConfig::new("q", 2).dispatch(DispatchKind::RoundRobin));
    let e = b.retire(ConsumerId(1)).unwrap_err();
    assert!(matches!(e, BrokerError::InvalidConfig { .. }), "{e}");
    assert!(!b.is_retired(ConsumerId(1)).unwrap());
    assert!(matches!(
        b.retire(ConsumerId(9)),
        Err(BrokerError::UnknownConsumer(_))
    ));
}

/// A random run of publishes, polls, acks and duty changes: every message published is
/// acked or still held, a retired consumer is never handed a message, and the counters
/// balance throughout.
#[test]
fn duty_changes_lose_nothing() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 4).ttl(50.0));
    let mut x: u64 = 99;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut held: Vec<Option<kendall_broker::MessageId>> = vec![None; 4];
    let mut retired = [false; 4];
    let (mut acked, mut expired) = (0u64, 0u64);
    for step in 0..20_000u32 {
        clock.0.set(f64::from(step) * 0.01);
        let c = rnd(4) as usize;
        let id = ConsumerId(c as u32);
        match rnd(5) {
            0 | 1 => {
                b.publish(q, NewMessage::default()).unwrap();
            }
            2 => {
                if let Some(m) = held[c].take() {
                    b.ack(id, m).unwrap();
                    acked += 1;
                }
                let polled = b.poll(id).unwrap();
                expired += polled.expired.len() as u64;
                if let Some(d) = polled.delivery {
                    assert!(!retired[c], "a retired consumer was handed a message");
                    held[c] = Some(d.message.id);
                }
            }
            3 => {
                b.retire(id).unwrap();
                retired[c] = true;
            }
            _ => {
                b.reinstate(id).unwrap();
                retired[c] = false;
            }
        }
        expired += b.expire_due().expired;
        let s = b.stats(q).unwrap();
        assert!(s.balanced());
        assert_eq!(s.in_flight, held.iter().flatten().count());
    }
    let s = b.stats(q).unwrap();
    assert_eq!((s.acked, s.expired), (acked, expired));
    assert_eq!(s.published, acked + expired + s.in_system());
}
