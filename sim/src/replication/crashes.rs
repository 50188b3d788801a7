//! Consumers that crash and recover: their up and down times, and what happens to the
//! messages a crashed consumer held.

use kendall_broker::{BrokerError, ConsumerId};

use super::event_loop::Event;
use super::state::Replication;

impl Replication<'_> {
    /// Schedules consumer `c`'s next crash, up from `now`, if its queue's consumers crash.
    pub(super) fn schedule_crash(&mut self, c: usize, now: f64) {
        let j = self.workers[c].queue as usize;
        if let Some((mtbf, _)) = &self.scenario.queues[j].crash {
            let up = mtbf.sample(&mut self.crashes[j]);
            self.calendar.schedule(now + up, Event::Crash(c as u32));
        }
    }

    /// Consumer `c` crashes: it stops taking messages; what it held is nacked back (a closed
    /// connection) or, with a visibility timeout, left for the broker to time out.
    pub(super) fn crash(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let j = self.workers[c].queue as usize;
        self.workers[c].down = true;
        let consumer = ConsumerId(c as u32);
        self.broker.pause(consumer)?;
        let mut handed = 0;
        while let Some(job) = self.take_job(c, now) {
            handed += 1;
            if self.scenario.queues[j]
                .delivery
                .visibility_timeout
                .is_none()
            {
                let remaining = self.workers[c].remaining(&job, now);
                let nacked = self.broker.nack(consumer, job.id, true)?;
                let size = nacked.message.size;
                self.unfinished(&job, self.service_given(c, &job, size, remaining, now));
                self.repeat_whole(job.id);
                self.outcome(j, &nacked.message, nacked.outcome, now)?;
            } else {
                self.unfinished(&job, now - job.started);
                self.repeat_whole(job.id);
            }
        }
        // Each message handed back is nacked now and delivered again later: two events' work.
        self.charge(2 * handed);
        self.reschedule(c);
        if let Some((_, mttr)) = &self.scenario.queues[j].crash {
            let down = mttr.sample(&mut self.crashes[j]);
            self.calendar.schedule(now + down, Event::Recover(c as u32));
        }
        Ok(())
    }
}
