//! Retry backoff ([`Broker::nack_delayed`]): a failed message is held back, counted as
//! delayed, and put back to wait when its delay ends — reported by `expire_due`.

use std::cell::Cell;
use std::rc::Rc;

use kendall_broker::{Broker, Clock, ConsumerId, NewMessage, Outcome, QueueConfig, QueueId};

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
fn a_delayed_message_waits_again_when_its_delay_ends() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 1));
    let c = ConsumerId(0);
    let p = b.publish(q, NewMessage::default()).unwrap();
    let d = b.poll(c).unwrap().delivery.unwrap();
    clock.0.set(1.0);
    let mut seen_attempt = 0;
    let nacked = b
        .nack_delayed(c, p.id, |m| {
            seen_attempt = m.attempt;
            2.5
        })
        .unwrap();
    assert_eq!(
        seen_attempt, 1,
        "the delay sees the failed attempt's number"
    );
    assert_eq!(nacked.outcome, Outcome::Delayed { until: 3.5 });
    assert_eq!(d.message.id, nacked.message.id);
    let s = b.stats(q).unwrap();
    assert_eq!((s.waiting, s.in_flight, s.delayed, s.nacked), (0, 0, 1, 1));
    assert!(s.balanced());
    // Not there for the consumer meanwhile: it goes idle.
    assert!(b.poll(c).unwrap().delivery.is_none());
    assert_eq!(b.next_deadline(), Some(3.5));
    clock.0.set(3.4);
    assert!(b.expire_due().is_empty());
    clock.0.set(3.5);
    let due = b.expire_due();
    assert_eq!((due.redelivered, due.events.len()), (1, 1));
    let e = due.events[0];
    assert_eq!(e.consumer, None);
    assert_eq!(e.outcome, Outcome::Requeued { wake: Some(c) });
    let again = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!((again.message.id, again.message.attempt), (p.id, 2));
    b.ack(c, p.id).unwrap();
    let s = b.stats(q).unwrap();
    assert_eq!((s.acked, s.redelivered, s.delayed), (1, 1, 0));
    assert!(s.balanced());
}

#[test]
fn out_of_attempts_dead_letters_at_once() {
    let (mut b, q, _) = setup(QueueConfig::new("q", 1).max_attempts(1));
    let c = ConsumerId(0);
    let p = b.publish(q, NewMessage::default()).unwrap();
    b.poll(c).unwrap().delivery.unwrap();
    let nacked = b.nack_delayed(c, p.id, |_| 5.0).unwrap();
    assert!(matches!(
        nacked.outcome,
        Outcome::DeadLettered { to: None, .. }
    ));
    let s = b.stats(q).unwrap();
    assert_eq!((s.delayed, s.dead_lettered), (0, 1));
    assert!(s.balanced());
}

#[test]
fn a_delay_past_the_ttl_ends_in_expiry() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 1).ttl(2.0));
    let c = ConsumerId(0);
    let p = b.publish(q, NewMessage::default()).unwrap();
    b.poll(c).unwrap().delivery.unwrap();
    b.nack_delayed(c, p.id, |_| 5.0).unwrap();
    clock.0.set(5.0);
    let due = b.expire_due();
    assert_eq!((due.expired, due.redelivered), (1, 0));
    assert_eq!(due.events[0].outcome, Outcome::Expired);
    let s = b.stats(q).unwrap();
    assert_eq!((s.expired, s.delayed, s.waiting), (1, 0, 0));
    assert!(s.balanced());
}

#[test]
fn delayed_messages_count_toward_capacity() {
    let (mut b, q, _) = setup(QueueConfig::new("q", 1).capacity(1));
    let c = ConsumerId(0);
    let p = b.publish(q, NewMessage::default()).unwrap();
    b.poll(c).unwrap().delivery.unwrap();
    b.nack_delayed(c, p.id, |_| 1.0).unwrap();
    assert!(
        b.publish(q, NewMessage::default()).is_err(),
        "full: one delayed"
    );
}
