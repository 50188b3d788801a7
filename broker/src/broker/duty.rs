//! Consumers going off and on duty while the broker runs (staffing schedules).

use super::{Broker, BrokerError, ConsumerId};
use crate::Clock;

impl<C: Clock> Broker<C> {
    /// Takes consumer `c` off duty: from now on it is never named to wake and its polls
    /// deliver nothing (they return an empty [`Polled`](crate::Polled) and do not make it
    /// idle), until [`Broker::reinstate`]. A message it holds stays in flight with it: it
    /// finishes that message first, and acks or nacks it as usual — a consumer leaving at a
    /// shift's end takes no more work but drops none. Retiring a consumer off duty already
    /// does nothing.
    ///
    /// Only for a queue with the built-in shared dispatch, where waiting messages are the
    /// whole queue's: a push strategy would go on routing messages to the retired consumer's
    /// own buffer, where nobody would take them — [`BrokerError::InvalidConfig`] then. On a
    /// [`Discipline::PriorityPreemptive`](crate::Discipline::PriorityPreemptive) queue a
    /// retired consumer still finishing a message may be named to preempt; handed back, that
    /// message waits for a consumer on duty.
    ///
    /// The queue's polls then take a slower path that checks the duty of the polling
    /// consumer (as a TTL does); queues that never retire anyone are untouched.
    ///
    /// ```
    /// use kendall_broker::{Broker, ConsumerId, NewMessage, QueueConfig, WallClock};
    /// let mut broker = Broker::new(WallClock::new());
    /// let q = broker.add_queue(QueueConfig::new("jobs", 2)).unwrap();
    /// broker.retire(ConsumerId(1)).unwrap();
    /// // Only consumer 0 is woken, and consumer 1 finds nothing to take.
    /// assert_eq!(broker.publish(q, NewMessage::default()).unwrap().wake, Some(ConsumerId(0)));
    /// broker.publish(q, NewMessage::default()).unwrap();
    /// assert!(broker.poll(ConsumerId(1)).unwrap().delivery.is_none());
    /// broker.reinstate(ConsumerId(1)).unwrap();
    /// assert!(broker.poll(ConsumerId(1)).unwrap().delivery.is_some());
    /// ```
    pub fn retire(&mut self, c: ConsumerId) -> Result<(), BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        let queue = &mut self.queues[consumer.queue as usize];
        if queue.pushes {
            return Err(BrokerError::InvalidConfig {
                queue: queue.name.clone(),
                reason: "only a queue with shared dispatch can retire consumers: a push \
                         strategy would go on routing messages to them"
                    .to_string(),
            });
        }
        consumer.retired = true;
        // Never named to wake: a stale entry in the idle list is skipped.
        consumer.idle = false;
        queue.tracked = true;
        Ok(())
    }

    /// Puts consumer `c` back on duty after [`Broker::retire`]: the caller should then have
    /// it poll (it is not idle, so no publish names it until a poll finds nothing). A
    /// consumer on duty already is left as it is.
    pub fn reinstate(&mut self, c: ConsumerId) -> Result<(), BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        consumer.retired = false;
        Ok(())
    }

    /// True when consumer `c` is off duty ([`Broker::retire`]).
    pub fn is_retired(&self, c: ConsumerId) -> Result<bool, BrokerError> {
        Ok(self.consumer(c)?.retired)
    }
}
