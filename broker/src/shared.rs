//! A thread-safe handle on a broker, with blocking polls.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::{
    Acked, Broker, BrokerError, Clock, ConsumerId, Delivery, Expired, HandedBack, MessageId,
    Nacked, NewMessage, Outcome, Polled, Published, QueueId, QueueStats,
};

/// What [`SharedBroker::poll_timeout`] returns: the message delivered, if any, and every fate
/// decided while the consumer waited.
#[must_use = "deadlines processed and messages expired by the poll must be acted on"]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimedPoll {
    /// The message delivered; `None` when the timeout passed first.
    pub delivery: Option<Delivery>,
    /// The deadlines processed on the way (of any queue, as [`Broker::expire_due`] reports
    /// them, their consumers to wake already notified), then the waiting messages of the
    /// consumer's queue that the poll found past their time to live, as TTL expiries
    /// ([`crate::Expiry::consumer`] `None`, [`Outcome::Expired`]).
    pub expired: Expired,
}

/// A [`Broker`] shared between threads: producers publish from any thread, each consumer
/// thread blocks in [`SharedBroker::poll_timeout`] until a publish names it (or the timeout
/// passes). Cloning gives another handle on the same broker.
///
/// Set the queues up on the [`Broker`] first, then wrap it: each consumer gets its own
/// condition variable, so a publish wakes exactly the consumer it names, not every waiting
/// thread. Every call takes one mutex for its duration; each is O(1) or O(log n) as on the
/// broker itself.
///
/// Deadlines (visibility timeouts, TTLs) are processed at the start of every
/// [`SharedBroker::poll_timeout`], and by [`SharedBroker::expire_due`] for a driver that wants
/// them on time even when no consumer polls (a timer thread calling it at
/// [`SharedBroker::next_deadline`]). Either way each one is reported to the caller, as on the
/// broker: a blocking poll returns the deadlines it processed, with the messages it expired,
/// in [`TimedPoll::expired`].
///
/// ```
/// use std::time::Duration;
/// use kendall_broker::{Broker, NewMessage, QueueConfig, SharedBroker, WallClock};
///
/// let mut broker = Broker::new(WallClock::new());
/// let q = broker.add_queue(QueueConfig::new("orders", 1)).unwrap();
/// let shared = SharedBroker::new(broker);
/// let consumer = {
///     let shared = shared.clone();
///     std::thread::spawn(move || {
///         let c = shared.consumers_of(q).unwrap()[0];
///         let d = shared
///             .poll_timeout(c, Duration::from_secs(10))
///             .unwrap()
///             .delivery
///             .expect("a message within 10 s");
///         shared.ack(c, d.message.id).unwrap();
///     })
/// };
/// shared.publish(q, NewMessage::default()).unwrap();
/// consumer.join().unwrap();
/// assert_eq!(shared.stats(q).unwrap().acked, 1);
/// ```
pub struct SharedBroker<C: Clock + Send> {
    inner: Arc<Inner<C>>,
}

struct Inner<C: Clock + Send> {
    broker: Mutex<Broker<C>>,
    /// One per consumer, indexed by consumer id.
    wakers: Vec<Condvar>,
}

impl<C: Clock + Send> Clone for SharedBroker<C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C: Clock + Send> SharedBroker<C> {
    /// Wraps `broker`, whose queues are all set up.
    pub fn new(broker: Broker<C>) -> Self {
        let wakers = (0..broker.consumer_count())
            .map(|_| Condvar::new())
            .collect();
        Self {
            inner: Arc::new(Inner {
                broker: Mutex::new(broker),
                wakers,
            }),
        }
    }

    /// Locks the broker. A thread that panicked while holding the lock left the broker's
    /// state consistent (no call panics half-way on valid input), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Broker<C>> {
        self.inner
            .broker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self, c: Option<ConsumerId>) {
        if let Some(c) = c {
            self.inner.wakers[c.0 as usize].notify_one();
        }
    }

    fn wake_outcome(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Requeued { wake } => self.wake(*wake),
            Outcome::DeadLettered {
                published: Some(p), ..
            } => self.wake(p.wake),
            _ => {}
        }
    }

    /// Publishes to queue `q` (see [`Broker::publish`]) and wakes the consumer it names.
    pub fn publish(&self, q: QueueId, new: NewMessage) -> Result<Published, BrokerError> {
        let published = self.lock().publish(q, new)?;
        self.wake(published.wake);
        Ok(published)
    }

    /// Publishes to queue `q` a message that abandons if not delivered within `patience` (see
    /// [`Broker::publish_patient`]) and wakes the consumer it names.
    pub fn publish_patient(
        &self,
        q: QueueId,
        new: NewMessage,
        patience: f64,
    ) -> Result<Published, BrokerError> {
        let published = self.lock().publish_patient(q, new, patience)?;
        self.wake(published.wake);
        Ok(published)
    }

    /// Takes consumer `c` off duty (see [`Broker::retire`]): its blocking polls wait without
    /// a delivery until it is reinstated.
    pub fn retire(&self, c: ConsumerId) -> Result<(), BrokerError> {
        self.lock().retire(c)
    }

    /// Puts consumer `c` back on duty (see [`Broker::reinstate`]) and wakes its blocking
    /// poll, if it is in one, to look for work.
    pub fn reinstate(&self, c: ConsumerId) -> Result<(), BrokerError> {
        self.lock().reinstate(c)?;
        self.wake(Some(c));
        Ok(())
    }

    /// Consumer `c`'s next message, waiting up to `timeout` for one to be published to it:
    /// [`TimedPoll::delivery`] is `None` when the time runs out. Due deadlines (of every
    /// queue) are processed first, and again on each wake-up; they and any waiting messages
    /// the poll found past their time to live are reported in [`TimedPoll::expired`], which a
    /// caller counting its messages must act on even when no message was delivered.
    /// [`BrokerError::Busy`] if `c` already holds its prefetch when the call starts; nothing
    /// is done then (no deadline processed, so none goes unreported).
    pub fn poll_timeout(&self, c: ConsumerId, timeout: Duration) -> Result<TimedPoll, BrokerError> {
        let waker = self
            .inner
            .wakers
            .get(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        let until = Instant::now() + timeout;
        let mut broker = self.lock();
        broker.check_room(c)?;
        let q = broker.queue_of(c)?;
        let mut expired = Expired::default();
        loop {
            let due = broker.expire_due();
            for &w in &due.wake {
                self.wake(Some(w));
            }
            expired.append(due);
            // Only another thread polling for `c` itself could fill it meanwhile: what was
            // processed is reported all the same, with nothing delivered.
            let polled = broker.poll(c).unwrap_or_default();
            expired.append_polled(q, polled.expired);
            if polled.delivery.is_some() {
                return Ok(TimedPoll {
                    delivery: polled.delivery,
                    expired,
                });
            }
            // Polling found nothing: `c` is idle, and the publish that names it will notify
            // its condition variable while holding the lock — so no wake-up is lost.
            let now = Instant::now();
            if now >= until {
                return Ok(TimedPoll {
                    delivery: None,
                    expired,
                });
            }
            broker = waker
                .wait_timeout(broker, until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Consumer `c`'s next message if one is waiting, without blocking, with any messages
    /// expired on the way (see [`Broker::poll`]). Deadlines are not processed.
    pub fn try_poll(&self, c: ConsumerId) -> Result<Polled, BrokerError> {
        self.lock().poll(c)
    }

    /// Consumer `c` acknowledges message `id` (see [`Broker::ack`]).
    pub fn ack(&self, c: ConsumerId, id: MessageId) -> Result<Acked, BrokerError> {
        self.lock().ack(c, id)
    }

    /// Consumer `c` rejects message `id` (see [`Broker::nack`]); a consumer that can take the
    /// requeued or dead-lettered message is woken.
    pub fn nack(&self, c: ConsumerId, id: MessageId, requeue: bool) -> Result<Nacked, BrokerError> {
        let nacked = self.lock().nack(c, id, requeue)?;
        self.wake_outcome(&nacked.outcome);
        Ok(nacked)
    }

    /// Consumer `c` rejects message `id` for redelivery after `delay` (see
    /// [`Broker::nack_delayed`]); a consumer that can take a dead-lettered message is woken.
    /// The redelivery is reported, and its consumer woken, by the deadline processing
    /// ([`SharedBroker::expire_due`], or any blocking poll).
    pub fn nack_delayed(
        &self,
        c: ConsumerId,
        id: MessageId,
        delay: impl FnOnce(&crate::Message) -> f64,
    ) -> Result<Nacked, BrokerError> {
        let nacked = self.lock().nack_delayed(c, id, delay)?;
        self.wake_outcome(&nacked.outcome);
        Ok(nacked)
    }

    /// Consumer `c` hands back an interrupted message (see [`Broker::requeue_front`]); a
    /// consumer that can take it is woken.
    pub fn requeue_front(
        &self,
        c: ConsumerId,
        id: MessageId,
        remaining_size: f64,
    ) -> Result<HandedBack, BrokerError> {
        let back = self.lock().requeue_front(c, id, remaining_size)?;
        self.wake_outcome(&back.outcome);
        Ok(back)
    }

    /// The earliest pending deadline (see [`Broker::next_deadline`]).
    pub fn next_deadline(&self) -> Option<f64> {
        self.lock().next_deadline()
    }

    /// Processes due deadlines (see [`Broker::expire_due`]) and wakes the consumers named.
    pub fn expire_due(&self) -> Expired {
        let expired = self.lock().expire_due();
        for &w in &expired.wake {
            self.wake(Some(w));
        }
        expired
    }

    /// Queue `q`'s counters (see [`Broker::stats`]).
    pub fn stats(&self, q: QueueId) -> Result<QueueStats, BrokerError> {
        self.lock().stats(q)
    }

    /// The id of the queue called `name`.
    pub fn queue_id(&self, name: &str) -> Option<QueueId> {
        self.lock().queue_id(name)
    }

    /// The consumers of queue `q`, in order.
    pub fn consumers_of(&self, q: QueueId) -> Result<Vec<ConsumerId>, BrokerError> {
        Ok(self.lock().consumers_of(q)?.collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::{DispatchKind, QueueConfig, WallClock};

    const PRODUCERS: u64 = 4;
    const CONSUMERS: usize = 4;
    const MESSAGES: u64 = 200_000;

    /// 4 producer threads publish 200k messages; 4 consumer threads poll, ack and collect
    /// ids. Every message is delivered exactly once and the counters balance.
    fn stress(dispatch: DispatchKind) {
        let mut broker = Broker::new(WallClock::new());
        let cfg = QueueConfig::new("q", CONSUMERS).dispatch(dispatch).seed(7);
        let q = broker.add_queue(cfg).unwrap();
        let shared = SharedBroker::new(broker);
        let acked = Arc::new(AtomicU64::new(0));
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|_| {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    (0..MESSAGES / PRODUCERS)
                        .map(|_| shared.publish(q, NewMessage::default()).unwrap().id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let consumers: Vec<_> = shared
            .consumers_of(q)
            .unwrap()
            .into_iter()
            .map(|c| {
                let (shared, acked) = (shared.clone(), Arc::clone(&acked));
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while acked.load(Ordering::Relaxed) < MESSAGES {
                        let timeout = Duration::from_millis(2);
                        let polled = shared.poll_timeout(c, timeout).unwrap();
                        assert!(polled.expired.is_empty(), "no deadlines here");
                        if let Some(d) = polled.delivery {
                            got.push(d.message.id);
                            shared.ack(c, d.message.id).unwrap();
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    got
                })
            })
            .collect();
        let published: HashSet<MessageId> = producers
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect();
        let mut delivered = HashSet::new();
        for c in consumers {
            for id in c.join().unwrap() {
                assert!(delivered.insert(id), "{id:?} delivered twice");
            }
        }
        assert_eq!(published.len() as u64, MESSAGES);
        assert_eq!(delivered, published, "nothing lost");
        let s = shared.stats(q).unwrap();
        assert_eq!(
            (s.published, s.acked, s.waiting, s.in_flight),
            (MESSAGES, MESSAGES, 0, 0)
        );
        assert!(s.balanced());
    }

    #[test]
    fn stress_shared_queue() {
        stress(DispatchKind::Shared);
    }

    #[test]
    fn stress_jsq_queue() {
        stress(DispatchKind::Jsq);
    }

    #[test]
    fn poll_timeout_times_out_then_nack_wakes_another_consumer() {
        let mut broker = Broker::new(WallClock::new());
        let q = broker.add_queue(QueueConfig::new("q", 2)).unwrap();
        let shared = SharedBroker::new(broker);
        let [a, b] = shared.consumers_of(q).unwrap()[..] else {
            panic!("two consumers")
        };
        let started = Instant::now();
        assert_eq!(
            shared.poll_timeout(a, Duration::from_millis(20)).unwrap(),
            TimedPoll::default()
        );
        assert!(started.elapsed() >= Duration::from_millis(20));
        shared.publish(q, NewMessage::default()).unwrap();
        let d = shared
            .poll_timeout(a, Duration::ZERO)
            .unwrap()
            .delivery
            .unwrap();
        assert_eq!(shared.try_poll(b).unwrap(), Polled::default()); // b idle
        let waiter = {
            let shared = shared.clone();
            std::thread::spawn(move || shared.poll_timeout(b, Duration::from_secs(10)))
        };
        std::thread::sleep(Duration::from_millis(10));
        let nacked = shared.nack(a, d.message.id, true).unwrap();
        assert_eq!(nacked.outcome, Outcome::Requeued { wake: Some(b) });
        let redelivered = waiter.join().unwrap().unwrap().delivery.unwrap();
        assert_eq!(
            (redelivered.message.id, redelivered.message.attempt),
            (d.message.id, 2)
        );
    }

    /// A clock moved by hand that also moves on by `step` each time it is read, so that a
    /// deadline can pass between two reads within one call.
    #[derive(Clone, Default)]
    struct TickingClock(Arc<std::sync::Mutex<(f64, f64)>>);

    impl TickingClock {
        fn set(&self, t: f64, step: f64) {
            *self.0.lock().unwrap() = (t, step);
        }
    }

    impl Clock for TickingClock {
        fn now(&self) -> f64 {
            let mut g = self.0.lock().unwrap();
            let t = g.0;
            g.0 += g.1;
            t
        }
    }

    /// A blocking poll reports every deadline it processed and every message its poll found
    /// past its time to live, even when it delivers nothing.
    #[test]
    fn poll_timeout_reports_deadlines_and_expiries() {
        let clock = TickingClock::default();
        let mut broker = Broker::new(clock.clone());
        let cfg = QueueConfig::new("q", 2).ttl(1.0).visibility_timeout(0.5);
        let q = broker.add_queue(cfg).unwrap();
        let shared = SharedBroker::new(broker);
        let [c, other] = shared.consumers_of(q).unwrap()[..] else {
            panic!("two consumers")
        };
        let ids = |p: &TimedPoll| -> Vec<(MessageId, Option<ConsumerId>, bool)> {
            let e = &p.expired.events;
            let requeued = |o: &Outcome| matches!(o, Outcome::Requeued { .. });
            e.iter()
                .map(|e| (e.message.id, e.consumer, requeued(&e.outcome)))
                .collect()
        };
        // Published at 0; the deadline pass (read at 0.6) finds nothing due, the poll (read
        // at 1.2) finds the message past its TTL of 1.
        clock.set(0.0, 0.6);
        let m0 = shared.publish(q, NewMessage::default()).unwrap().id;
        let p = shared.poll_timeout(c, Duration::ZERO).unwrap();
        assert_eq!(p.delivery, None);
        assert_eq!(ids(&p), [(m0, None, false)]);
        assert_eq!(p.expired.events[0].outcome, Outcome::Expired);
        assert_eq!(p.expired.expired, 1);
        // Published at 5, its TTL deadline (6) due at 7: the deadline pass expires it.
        clock.set(5.0, 0.0);
        let m1 = shared.publish(q, NewMessage::default()).unwrap().id;
        clock.set(7.0, 0.0);
        let p = shared.poll_timeout(c, Duration::ZERO).unwrap();
        assert_eq!((p.delivery, ids(&p)), (None, vec![(m1, None, false)]));
        // Delivered to c at 8, timed out at 8.5. A poll by c, which holds its prefetch, is
        // refused and does nothing; the other consumer's poll at 8.6 takes it back from c
        // and is handed it again.
        clock.set(8.0, 0.0);
        let m2 = shared.publish(q, NewMessage::default()).unwrap().id;
        let d = shared
            .poll_timeout(c, Duration::ZERO)
            .unwrap()
            .delivery
            .unwrap();
        assert_eq!(d.message.id, m2);
        clock.set(8.6, 0.0);
        assert_eq!(
            shared.poll_timeout(c, Duration::ZERO),
            Err(BrokerError::Busy(c))
        );
        assert_eq!(
            shared.next_deadline(),
            Some(8.5),
            "the refused poll processed nothing"
        );
        let p = shared.poll_timeout(other, Duration::ZERO).unwrap();
        assert_eq!(ids(&p), [(m2, Some(c), true)]);
        let again = p
            .delivery
            .map(|d| (d.consumer, d.message.id, d.message.attempt));
        assert_eq!(again, Some((other, m2, 2)));
        let s = shared.stats(q).unwrap();
        assert_eq!(
            (s.expired, s.timed_out, s.redelivered, s.in_flight),
            (2, 1, 1, 1)
        );
        assert!(s.balanced());
    }
}
