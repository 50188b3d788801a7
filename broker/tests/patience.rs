//! Patience ([`Broker::publish_patient`]): a message not delivered in time abandons, is
//! reported by `expire_due` and counted; a delivered one never abandons.

use std::cell::Cell;
use std::rc::Rc;

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, DispatchKind, NewMessage, Outcome, Overflow,
    QueueConfig, QueueId,
};

/// A clock the test moves by hand.
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
fn a_message_not_delivered_in_time_abandons_and_is_reported() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 1));
    let c = ConsumerId(0);
    // The lone consumer takes the first message and keeps it.
    let first = b.publish(q, NewMessage::default()).unwrap();
    let held = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!(held.message.id, first.id);
    let impatient = b.publish_patient(q, NewMessage::default(), 2.0).unwrap();
    let patient = b.publish_patient(q, NewMessage::default(), 5.0).unwrap();
    assert_eq!(b.next_deadline(), Some(2.0));
    clock.0.set(1.9);
    assert!(b.expire_due().is_empty(), "nothing due before 2");
    clock.0.set(2.0);
    let due = b.expire_due();
    assert_eq!((due.abandoned, due.expired, due.events.len()), (1, 0, 1));
    let e = due.events[0];
    assert_eq!(e.message.id, impatient.id);
    assert_eq!((e.consumer, e.outcome), (None, Outcome::Abandoned));
    // The patient one is delivered at 3 and, delivered, never abandons.
    clock.0.set(3.0);
    b.ack(c, held.message.id).unwrap();
    let d = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!(d.message.id, patient.id);
    assert_eq!(b.next_deadline(), None, "its abandonment was made moot");
    clock.0.set(10.0);
    assert!(b.expire_due().is_empty());
    b.ack(c, d.message.id).unwrap();
    let s = b.stats(q).unwrap();
    assert_eq!((s.published, s.acked, s.abandoned), (3, 2, 1));
    assert!(s.balanced());
}

#[test]
fn a_requeued_message_waits_again_without_its_patience() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 1));
    let c = ConsumerId(0);
    let p = b.publish_patient(q, NewMessage::default(), 1.0).unwrap();
    let d = b.poll(c).unwrap().delivery.unwrap();
    let other = b.publish(q, NewMessage::default()).unwrap();
    // Fails at 0.5: requeued at the head; still waiting at 1.0 and beyond, it stays.
    clock.0.set(0.5);
    let nacked = b.nack(c, d.message.id, true).unwrap();
    assert!(matches!(nacked.outcome, Outcome::Requeued { .. }));
    clock.0.set(5.0);
    assert!(b.expire_due().is_empty());
    let again = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!((again.message.id, again.message.attempt), (p.id, 2));
    b.ack(c, p.id).unwrap();
    let last = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!(last.message.id, other.id);
    b.ack(c, other.id).unwrap();
    let s = b.stats(q).unwrap();
    assert_eq!((s.acked, s.abandoned, s.redelivered), (2, 0, 1));
    assert!(s.balanced());
}

#[test]
fn abandonment_from_own_buffers_frees_the_load_and_ttl_comes_first_when_earlier() {
    // JSQ with two consumers, each holding one message: the next ones wait in own buffers.
    let config = QueueConfig::new("q", 2)
        .dispatch(DispatchKind::Jsq)
        .ttl(3.0);
    let (mut b, q, clock) = setup(config);
    for _ in 0..2 {
        let w = b.publish(q, NewMessage::default()).unwrap().wake.unwrap();
        b.poll(w).unwrap().delivery.unwrap();
    }
    let a = b.publish_patient(q, NewMessage::default(), 1.0).unwrap();
    let t = b.publish_patient(q, NewMessage::default(), 7.0).unwrap();
    clock.0.set(1.0);
    let due = b.expire_due();
    assert_eq!(due.events.len(), 1);
    assert_eq!(
        (due.events[0].message.id, due.events[0].outcome),
        (a.id, Outcome::Abandoned)
    );
    // Its time to live (3) comes before its patience (7): it expires, once.
    clock.0.set(3.0);
    let due = b.expire_due();
    assert_eq!(due.events.len(), 1);
    assert_eq!(
        (due.events[0].message.id, due.events[0].outcome),
        (t.id, Outcome::Expired)
    );
    clock.0.set(8.0);
    assert!(
        b.expire_due().is_empty(),
        "the patience of an expired message is moot"
    );
    let s = b.stats(q).unwrap();
    assert_eq!(
        (s.waiting, s.in_flight, s.abandoned, s.expired),
        (0, 2, 1, 1)
    );
    assert!(s.balanced());
    // Both consumers' loads are down to the message each holds: JSQ sees a tie again.
    let next = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(next.wake, None);
}

#[test]
fn a_dropped_patient_message_does_not_abandon_later() {
    let config = QueueConfig::new("q", 1)
        .capacity(2)
        .overflow(Overflow::DropOldest);
    let (mut b, q, clock) = setup(config);
    let c = ConsumerId(0);
    b.publish(q, NewMessage::default()).unwrap();
    b.poll(c).unwrap().delivery.unwrap();
    let old = b.publish_patient(q, NewMessage::default(), 1.0).unwrap();
    let p = b.publish(q, NewMessage::default()).unwrap();
    assert_eq!(p.dropped.map(|m| m.id), Some(old.id));
    clock.0.set(2.0);
    assert!(b.expire_due().is_empty());
    let s = b.stats(q).unwrap();
    assert_eq!((s.dropped, s.abandoned), (1, 0));
    assert!(s.balanced());
}

#[test]
fn a_bad_patience_is_refused_and_publishes_nothing() {
    let (mut b, q, _) = setup(QueueConfig::new("q", 1));
    for bad in [-1.0, f64::NAN] {
        let e = b
            .publish_patient(q, NewMessage::default(), bad)
            .unwrap_err();
        assert!(matches!(e, BrokerError::InvalidPatience(_)));
    }
    assert_eq!(b.stats(q).unwrap().published, 0);
}

/// Conservation over a long random run: every published message ends acked or abandoned.
#[test]
fn every_patient_message_is_accounted_for() {
    let (mut b, q, clock) = setup(QueueConfig::new("q", 3));
    let mut abandoned = 0u64;
    let mut acked = 0u64;
    let mut busy: Vec<Option<(kendall_broker::MessageId, f64)>> = vec![None; 3];
    let mut x: u64 = 12345;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut now = 0.0;
    for _ in 0..20_000 {
        now += 0.1 * rnd();
        clock.0.set(now);
        abandoned += b.expire_due().abandoned;
        for (k, slot) in busy.iter_mut().enumerate() {
            let c = ConsumerId(k as u32);
            if let Some((id, until)) = *slot
                && until <= now
            {
                b.ack(c, id).unwrap();
                acked += 1;
                *slot = None;
            }
            if slot.is_none()
                && let Some(d) = b.poll(c).unwrap().delivery
            {
                *slot = Some((d.message.id, now + 0.5 * rnd()));
            }
        }
        let p = rnd();
        b.publish_patient(q, NewMessage::default(), p).unwrap();
    }
    let s = b.stats(q).unwrap();
    assert!(s.balanced());
    assert_eq!((s.acked, s.abandoned), (acked, abandoned));
    assert!(
        abandoned > 1000,
        "the run must overload the queue: {abandoned}"
    );
    assert_eq!(s.published, acked + abandoned + s.in_system());
}
