//! The consumers' side: taking messages from the broker, processing them (the scopes' busy
//! time), finishing or being interrupted, and scheduling the next completion.

use kendall_broker::{BrokerError, ConsumerId, Message};
use rand::RngExt;

use super::event_loop::Event;
use super::state::Replication;
use super::worker::{Job, Jobs};

impl Replication<'_> {
    /// Consumer `c` takes messages while the broker gives it any (one for an ordinary
    /// consumer, all it can hold under processor sharing).
    #[inline(always)]
    pub(super) fn start_next(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        if self.workers[c].down {
            return Ok(());
        }
        let mut started = false;
        loop {
            match &self.broker.poll(ConsumerId(c as u32)) {
                Ok(polled) => {
                    if !polled.expired.is_empty() {
                        self.expired_waiting(c, &polled.expired, now);
                    }
                    let Some(delivery) = &polled.delivery else {
                        break;
                    };
                    self.begin(c, &delivery.message, now);
                    started = true;
                    // A consumer of prefetch 1 is full now: polling again would only be
                    // refused as busy.
                    if self.workers[c].single() {
                        break;
                    }
                }
                Err(BrokerError::Busy(_)) => break,
                Err(e) => return Err(e.clone()),
            }
        }
        if started {
            self.reschedule(c);
            self.arm_deadline();
        }
        Ok(())
    }

    /// Waiting messages of consumer `c`'s queue that its poll found past their time to live
    /// leave the system.
    #[cold]
    #[inline(never)]
    fn expired_waiting(&mut self, c: usize, messages: &[Message], now: f64) {
        let j = self.workers[c].queue as usize;
        for m in messages {
            self.leave_system(j, m, now);
        }
    }

    /// Consumer `c` starts processing message `m` at `now`.
    #[inline(always)]
    fn begin(&mut self, c: usize, m: &Message, now: f64) {
        let size = if self.restarts == 0 {
            m.size
        } else {
            self.delivered_work(m)
        };
        let w = &mut self.workers[c];
        if w.jobs.is_empty() {
            self.scopes.queues[w.queue as usize].start_service(now);
            self.scopes.system.start_service(now);
        }
        w.start(m, size, now);
        if self.sharing {
            self.class_service(c, m.class, -1.0, now);
        } else {
            self.scopes.classes[m.class as usize].start_service(now);
        }
    }

    /// A message of `class` starts (`sign` −1) or ends (+1) service at consumer `c` at `now`,
    /// in a run where some consumer shares its capacity: at a sharing consumer its class is
    /// busy by its share of it, the share clock's advance over the stay. Out of line, so that
    /// the path every message takes in other runs stays as it was.
    #[cold]
    #[inline(never)]
    fn class_service(&mut self, c: usize, class: u16, sign: f64, now: f64) {
        let tally = &mut self.scopes.classes[class as usize];
        match self.workers[c].share_clock(now) {
            Some(u) => tally.shift_busy_area(sign * u),
            None if sign < 0.0 => tally.start_service(now),
            None => tally.end_service(now),
        }
    }

    /// Removes the earliest-finishing job of consumer `c` at `now`.
    #[inline(always)]
    pub(super) fn take_job(&mut self, c: usize, now: f64) -> Option<Job> {
        let w = &mut self.workers[c];
        let job = w.take(now)?;
        if w.jobs.is_empty() {
            self.scopes.queues[w.queue as usize].end_service(now);
            self.scopes.system.end_service(now);
        }
        if self.sharing {
            self.class_service(c, job.class, 1.0, now);
        } else {
            self.scopes.classes[job.class as usize].end_service(now);
        }
        Some(job)
    }

    /// Adds `sign` × the share clock at `now` of every message held by a sharing consumer to
    /// its class's busy area: −1 when the window opens (shares count from then on), +1 when
    /// it closes (shares count up to then), as [`Tally`] does with the clock for whole
    /// consumers.
    #[cold]
    #[inline(never)]
    pub(super) fn settle_shares(&mut self, sign: f64, now: f64) {
        for w in &self.workers {
            if let (Some(u), Jobs::Many(sharing)) = (w.share_clock(now), &w.jobs) {
                for job in &sharing.heap {
                    self.scopes.classes[job.class as usize].shift_busy_area(sign * u);
                }
            }
        }
    }

    /// Schedules consumer `c`'s next completion, invalidating any scheduled before.
    #[inline(always)]
    pub(super) fn reschedule(&mut self, c: usize) {
        let w = &mut self.workers[c];
        w.generation = w.generation.wrapping_add(1);
        if let Some(t) = w.next_completion() {
            let event = Event::Completion {
                consumer: c as u32,
                generation: w.generation,
            };
            self.calendar.schedule(t, event);
        }
    }

    /// Consumer `c` finishes a message: ack it (or nack it, if processing failed), then route
    /// it onwards or out, and take the next.
    pub(super) fn completion(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let Some(job) = self.take_job(c, now) else {
            return Ok(());
        };
        // The event being handled was an ordinary consumer's only one: nothing to invalidate.
        if !self.workers[c].single() {
            self.reschedule(c);
        }
        let j = self.workers[c].queue as usize;
        let consumer = ConsumerId(c as u32);
        let q = &self.scenario.queues[j];
        if q.fail > 0.0 && self.failures[j].random::<f64>() < q.fail {
            let nacked = match q.backoff {
                None => self.broker.nack(consumer, job.id, true),
                Some(b) => self.nack_delayed(j, consumer, job.id, b),
            };
            match nacked {
                Ok(nacked) => {
                    // The attempt did all its work before it failed.
                    let size = nacked.message.size;
                    self.unfinished(&job, self.service_given(c, &job, size, 0.0, now));
                    self.repeat_whole(job.id);
                    self.outcome(j, &nacked.message, nacked.outcome, now)?
                }
                // Timed out while being processed: already taken back by the broker, and its
                // service until then recorded ([`Replication::timed_out`]).
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e),
            }
        } else {
            match &self.broker.ack(consumer, job.id) {
                Ok(acked) => self.processed(c, &acked.message, acked.delivered_at, now)?,
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e.clone()),
            }
        }
        self.start_next(c, now)
    }

    /// Consumer `consumer` of queue `j` rejects failed message `id` for redelivery after the
    /// queue's `retry_backoff` delay for its attempt, the jitter drawn from the queue's own
    /// stream.
    #[cold] // Queues with a backoff are rare: kept out of the completion path.
    #[inline(never)]
    fn nack_delayed(
        &mut self,
        j: usize,
        consumer: ConsumerId,
        id: kendall_broker::MessageId,
        backoff: crate::scenario::Backoff,
    ) -> Result<kendall_broker::Nacked, BrokerError> {
        let rng = &mut self.backoff[j];
        self.broker
            .nack_delayed(consumer, id, |m| backoff.delay(m.attempt, rng))
    }

    /// Consumer `c` is interrupted by a more urgent message: it hands its message back with
    /// the work still to do (which expires there if its time to live has run out) and takes
    /// the next (the urgent one).
    pub(super) fn preempt(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let Some(job) = self.take_job(c, now) else {
            return Ok(());
        };
        let remaining = self.workers[c].remaining(&job, now);
        self.unfinished(&job, now - job.started);
        let done = (now - job.started) * self.workers[c].speed;
        if let Some(u) = self.served_before.get_mut(&job.id)
            && u.whole.is_nan()
        {
            // Its first preemption: the attempt began with the whole work.
            u.whole = done + remaining;
        }
        self.reschedule(c);
        let back = self
            .broker
            .requeue_front(ConsumerId(c as u32), job.id, remaining)?;
        self.start_next(c, now)?;
        let j = self.workers[c].queue as usize;
        self.outcome(j, &back.message, back.outcome, now)
    }
}
