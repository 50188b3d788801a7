//! The broker's deadlines (visibility timeouts, times to live): one Deadline event kept
//! scheduled for the earliest, and what the broker decides when they fall due.

use kendall_broker::BrokerError;

use super::event_loop::Event;
use super::state::Replication;

impl Replication<'_> {
    /// The broker's deadlines are due: redeliver, dead-letter or expire, as it decides.
    pub(super) fn deadline(&mut self, now: f64) -> Result<(), BrokerError> {
        if now >= self.armed {
            self.armed = f64::INFINITY;
        }
        let mut expired = std::mem::take(&mut self.expired);
        self.broker.expire_due_into(&mut expired);
        for e in &expired.events {
            let j = self.queue_index[e.queue.0 as usize];
            if let Some(c) = e.consumer {
                self.timed_out(c.0 as usize, e.message.id, now);
            }
            self.outcome(j, &e.message, e.outcome, now)?;
        }
        for &w in &expired.wake {
            self.start_next(w.0 as usize, now)?;
        }
        self.expired = expired;
        self.arm_deadline();
        Ok(())
    }

    /// Makes sure a Deadline event is scheduled for the broker's earliest deadline.
    #[inline]
    pub(super) fn arm_deadline(&mut self) {
        if self.deadlines {
            self.arm_broker_deadline();
        }
    }

    fn arm_broker_deadline(&mut self) {
        if let Some(t) = self.broker.next_deadline()
            && t < self.armed
        {
            self.calendar.schedule(t, Event::Deadline);
            self.armed = t;
        }
    }
}
