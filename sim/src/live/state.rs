//! The state a live run's threads share under one lock: the broker, the statistics, and what
//! the run knows of each message in the system. Each operation reads the clock once, acts on
//! the broker and records every fate the broker reports, as the simulator's event handlers do.
//!
//! A consumer the broker names to poll (an idle one that can take a message now) is polled on
//! its behalf at once, in the same operation, and the delivery left in its mailbox for its
//! thread to pick up: as in the simulator, where a named consumer polls at the instant it is
//! named, no other consumer can take the message meanwhile, and a message that found a
//! consumer idle is delivered at its publication instant. Its thread's wake-up latency then
//! delays the service's start, and shows in the service overshoot.
//!
//! One lock for broker and statistics keeps the records in the order the broker acted, and
//! one clock reading per operation (a [`LiveClock`] latched under the lock) makes the
//! deadlines processed first and the poll that follows see the same instant: a message whose
//! time to live ran out is expired and reported by [`Broker::expire_due_into`] before a poll
//! could expire it unreported.

use std::cell::Cell;
use std::collections::HashMap;

use kendall_broker::{
    Acked, Broker, BrokerError, Clock, ConsumerId, Delivery, Expired, Message, MessageId, Outcome,
    Published, QueueId, QueueStats, WallClock,
};

use crate::rng::Stream;
use crate::scenario::Scenario;

use super::recorder::{Processed, Recorder};

/// The broker's clock in a live run: the wall clock (scaled), read once per operation by
/// [`LiveClock::latch`] and constant until the next latch. Without a wall clock (unit tests)
/// it reads what [`LiveClock::set`] put there.
#[derive(Debug)]
pub(super) struct LiveClock {
    wall: Option<WallClock>,
    now: Cell<f64>,
}

impl LiveClock {
    /// A clock latching readings of `wall`.
    pub(super) fn wall(wall: WallClock) -> Self {
        LiveClock {
            wall: Some(wall),
            now: Cell::new(0.0),
        }
    }

    /// A clock that moves only when set.
    #[cfg(test)]
    pub(super) fn manual() -> Self {
        LiveClock {
            wall: None,
            now: Cell::new(0.0),
        }
    }

    /// Sets a manual clock's reading.
    #[cfg(test)]
    pub(super) fn set(&self, t: f64) {
        assert!(self.wall.is_none() && t >= self.now.get());
        self.now.set(t);
    }

    /// Takes a reading (never earlier than the last) and holds it.
    fn latch(&self) -> f64 {
        if let Some(wall) = &self.wall {
            self.now.set(wall.now().max(self.now.get()));
        }
        self.now.get()
    }
}

impl Clock for LiveClock {
    fn now(&self) -> f64 {
        self.now.get()
    }
}

/// What a live run knows of a message in the system (by its id at its current queue).
#[derive(Debug, Clone, Copy)]
struct Tracked {
    /// When it was first delivered (NaN before): a message delivered at its publication
    /// instant found a consumer and does not count as having waited (p_wait), as in the
    /// simulator.
    first_delivered_at: f64,
    /// It waited at some queue upstream (end-to-end p_wait).
    waited_upstream: bool,
    /// Time spent in earlier deliveries that did not complete (failed): processing, not
    /// waiting.
    served: f64,
}

/// Each message fate at one queue as the broker's answers reported it to the live run,
/// counted from the start: what the broker's own counters must equal if nothing was silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fates {
    /// Publishes that reached the queue, accepted or not (dead-letter publishes included).
    pub published: u64,
    /// Processed and acknowledged.
    pub acked: u64,
    /// Refused by the full queue.
    pub rejected: u64,
    /// Dropped to make room (drop-oldest).
    pub dropped: u64,
    /// Expired after their time to live.
    pub expired: u64,
    /// Dead-lettered.
    pub dead_lettered: u64,
}

impl Fates {
    /// The first fate whose count differs from the broker's counter in `stats`, as (name,
    /// reported, counted by the broker); None when every one agrees.
    pub fn disagreement(&self, stats: &QueueStats) -> Option<(&'static str, u64, u64)> {
        [
            ("published", self.published, stats.published),
            ("acked", self.acked, stats.acked),
            ("rejected", self.rejected, stats.rejected),
            ("dropped", self.dropped, stats.dropped),
            ("expired", self.expired, stats.expired),
            ("dead-lettered", self.dead_lettered, stats.dead_lettered),
        ]
        .into_iter()
        .find(|(_, heard, counted)| heard != counted)
    }
}

/// The shared state of a live run (see the module header).
pub(super) struct State<'s> {
    scenario: &'s Scenario,
    broker: Broker<LiveClock>,
    queue_ids: Vec<QueueId>,
    /// Scenario index of each broker queue id.
    queue_index: Vec<usize>,
    /// Scenario index of each consumer's queue, and its speed.
    consumer_queue: Vec<usize>,
    speeds: Vec<f64>,
    tracked: HashMap<MessageId, Tracked>,
    /// Reused for the broker's deadline reports.
    expired: Expired,
    /// Whether any queue has deadlines.
    deadlines: bool,
    /// The deadline the driver thread sleeps towards.
    armed: f64,
    /// The statistics.
    pub(super) rec: Recorder,
    /// The current operation's changes are recorded (the run is open).
    open: bool,
    /// Fates reported per queue, in scenario order.
    pub(super) fates: Vec<Fates>,
    /// Consumers the broker named in this operation, to be polled before it ends.
    named: Vec<ConsumerId>,
    /// Each consumer's delivery made on its behalf, for its thread to pick up.
    pub(super) mail: Vec<Option<Delivery>>,
    /// Consumers with new mail, for the caller to notify once the operation is done.
    pub(super) notify: Vec<ConsumerId>,
    /// The driver thread must look at the deadlines again (one earlier than it sleeps
    /// towards has appeared).
    pub(super) wake_driver: bool,
}

impl<'s> State<'s> {
    /// The state of a run of `scenario` on `clock`, its statistics in `rec`.
    pub(super) fn new(
        scenario: &'s Scenario,
        clock: LiveClock,
        rec: Recorder,
    ) -> Result<Self, BrokerError> {
        let mut broker = Broker::new(clock);
        let queue_ids = crate::setup::add_queues(&mut broker, scenario, 0)?;
        let mut queue_index = vec![0; queue_ids.len()];
        let mut consumer_queue = vec![0; broker.consumer_count()];
        let mut speeds = vec![1.0; broker.consumer_count()];
        for (j, &q) in queue_ids.iter().enumerate() {
            queue_index[q.0 as usize] = j;
            for (local, c) in broker.consumers_of(q)?.enumerate() {
                consumer_queue[c.0 as usize] = j;
                speeds[c.0 as usize] = scenario.queues[j].speeds[local];
            }
        }
        Ok(State {
            scenario,
            broker,
            fates: vec![Fates::default(); queue_ids.len()],
            queue_ids,
            queue_index,
            consumer_queue,
            tracked: HashMap::new(),
            expired: Expired::default(),
            deadlines: scenario.queues.iter().any(|q| q.delivery.has_deadlines()),
            armed: f64::INFINITY,
            rec,
            open: true,
            named: Vec::new(),
            mail: vec![None; speeds.len()],
            notify: Vec::new(),
            wake_driver: false,
            speeds,
        })
    }

    /// Sets a manual clock (see [`LiveClock::manual`]).
    #[cfg(test)]
    pub(super) fn set_clock(&self, t: f64) {
        self.broker.clock().set(t);
    }

    /// Consumers in the run.
    pub(super) fn consumer_count(&self) -> usize {
        self.consumer_queue.len()
    }

    /// Scenario index of consumer `c`'s queue and `c`'s speed.
    pub(super) fn consumer(&self, c: ConsumerId) -> (usize, f64) {
        (self.consumer_queue[c.0 as usize], self.speeds[c.0 as usize])
    }

    /// The broker's counters of each queue, in scenario order.
    pub(super) fn stats(&self) -> Result<Vec<QueueStats>, BrokerError> {
        self.queue_ids
            .iter()
            .map(|&q| self.broker.stats(q))
            .collect()
    }

    /// Starts an operation: latches the clock and moves the statistics on to it.
    fn begin(&mut self) -> f64 {
        let now = self.broker.clock().latch();
        self.open = self.rec.at(now);
        now
    }

    /// Ends an operation: deadlines due now are processed (a message just requeued past its
    /// time to live expires here, reported, rather than unreported in a later poll), the
    /// consumers named are polled, and the driver is told of a deadline earlier than it sleeps
    /// towards.
    fn end(&mut self, now: f64) -> Result<(), BrokerError> {
        if self.deadlines {
            self.expire(now)?;
        }
        self.deliver_named(now)?;
        if self.deadlines
            && let Some(t) = self.broker.next_deadline()
            && t < self.armed
        {
            self.armed = t;
            self.wake_driver = true;
        }
        Ok(())
    }

    /// Closes the statistics at the current time (the run's end, the horizon or later).
    pub(super) fn close(&mut self) {
        let now = self.broker.clock().latch();
        self.rec.close(now);
        self.open = false;
    }

    /// A producer publishes a message of `class` to queue `j`, its size drawn from `service`.
    pub(super) fn publish(
        &mut self,
        j: usize,
        class: usize,
        service: &mut Stream,
    ) -> Result<(), BrokerError> {
        let now = self.begin();
        if self.open {
            self.rec.offered += 1;
        }
        self.publish_at(j, class, None, service, now)?;
        self.end(now)
    }

    /// The deadline driver's turn: processes the deadlines due and returns the next one.
    pub(super) fn deadlines_due(&mut self) -> Result<Option<f64>, BrokerError> {
        let now = self.begin();
        self.expire(now)?;
        let next = self.broker.next_deadline();
        self.armed = next.unwrap_or(f64::INFINITY);
        Ok(next)
    }

    /// Consumer `c` polls: deadlines due are processed first, then its next message, if
    /// any, starts service.
    pub(super) fn poll(&mut self, c: ConsumerId) -> Result<Option<Delivery>, BrokerError> {
        let now = self.begin();
        if self.deadlines {
            self.expire(now)?;
        }
        let polled = self.broker.poll(c)?;
        self.expired_on_poll(c, &polled.expired, now);
        if let Some(d) = &polled.delivery {
            self.start(c, d, now);
        }
        self.end(now)?;
        Ok(polled.delivery)
    }

    /// Polls each consumer named since the last call on its behalf, leaving what it gets in
    /// its mailbox.
    fn deliver_named(&mut self, now: f64) -> Result<(), BrokerError> {
        let mut named = std::mem::take(&mut self.named);
        for &c in &named {
            let k = c.0 as usize;
            if self.mail[k].is_some() {
                continue;
            }
            match self.broker.poll(c) {
                Ok(polled) => {
                    self.expired_on_poll(c, &polled.expired, now);
                    if let Some(d) = polled.delivery {
                        self.start(c, &d, now);
                        self.mail[k] = Some(d);
                        self.notify.push(c);
                    }
                    // Else named twice in one operation and served already, or the message
                    // is gone.
                }
                Err(BrokerError::Busy(_)) => {}
                Err(e) => return Err(e),
            }
        }
        named.clear();
        self.named = named;
        Ok(())
    }

    /// Records the messages a poll by consumer `c` found past their time to live: none, as
    /// deadlines due are processed before every poll, but recorded all the same.
    fn expired_on_poll(&mut self, c: ConsumerId, expired: &[Message], now: f64) {
        let j = self.consumer_queue[c.0 as usize];
        for m in expired {
            self.fates[j].expired += 1;
            self.leave_system(j, m, now);
        }
    }

    /// Consumer `c` starts delivery `d` at `now`.
    fn start(&mut self, c: ConsumerId, d: &Delivery, now: f64) {
        if let Some(t) = self.tracked.get_mut(&d.message.id)
            && t.first_delivered_at.is_nan()
        {
            t.first_delivered_at = now;
        }
        if self.open {
            let (j, class) = (self.consumer_queue[c.0 as usize], d.message.class as usize);
            self.rec.start_service(j, class, now);
        }
    }

    /// Consumer `c` is done with delivery `d`: it acks it, the message moving on to queue
    /// `next` (its size there drawn from `service`) or out of the system, or, when
    /// processing `failed`, nacks it for redelivery. Then `c` polls again. `woke` is, for a
    /// delivery from the mailbox, how long after it its thread picked it up.
    pub(super) fn finish(
        &mut self,
        c: ConsumerId,
        d: &Delivery,
        woke: Option<f64>,
        failed: bool,
        next: Option<usize>,
        service: &mut Stream,
    ) -> Result<Option<Delivery>, BrokerError> {
        let now = self.begin();
        let j = self.consumer_queue[c.0 as usize];
        let m = &d.message;
        if let Some(latency) = woke
            && self.open
            && self.rec.warmed
        {
            self.rec.woken += 1;
            self.rec.wake_latency += latency;
        }
        if self.open {
            let class = m.class as usize;
            self.rec.end_service(j, class, now);
        }
        if failed {
            if let Some(t) = self.tracked.get_mut(&m.id) {
                t.served += now - d.delivered_at;
            }
            match self.broker.nack(c, m.id, true) {
                Ok(nacked) => self.outcome(j, &nacked.message, nacked.outcome, now)?,
                // Timed out while being processed: the broker took it back, and its expiry
                // reported what became of it.
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e),
            }
        } else {
            match self.broker.ack(c, m.id) {
                Ok(acked) => self.processed(c, j, &acked, next, service, now)?,
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.end(now)?;
        self.poll(c)
    }

    /// Publishes a message of `class` to queue `j` at `now`; `born_at` is None for a message
    /// from outside, else it is forwarded with `upstream` = (its waiting so far, whether it
    /// counted as waiting anywhere). See the simulator's `publish`.
    fn publish_at(
        &mut self,
        j: usize,
        class: usize,
        forwarded: Option<(f64, f64, bool)>,
        service: &mut Stream,
        now: f64,
    ) -> Result<(), BrokerError> {
        let (born_at, waited, waited_upstream) = match forwarded {
            Some((born_at, waited, flag)) => (Some(born_at), waited, flag),
            None => (None, 0.0, false),
        };
        let message = self
            .scenario
            .new_message(j, class, born_at, waited, service);
        self.fates[j].published += 1;
        match self.broker.publish(self.queue_ids[j], message) {
            Ok(published) => {
                if self.open {
                    self.rec
                        .each(|s| s.entered(j, class, born_at.is_some(), now));
                }
                self.after_publish(j, &published, waited_upstream, now);
                Ok(())
            }
            Err(BrokerError::Full { .. }) => {
                self.fates[j].rejected += 1;
                if self.open {
                    self.rec.each(|s| s.refused(j, class, born_at, now));
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Acts on an accepted publish to queue `j`: tracks the new message, records a message
    /// dropped to make room, and wakes the consumer named.
    fn after_publish(&mut self, j: usize, p: &Published, waited_upstream: bool, now: f64) {
        debug_assert!(
            p.preempt.is_none(),
            "live refuses priority-preemptive queues before it starts"
        );
        self.tracked.insert(
            p.id,
            Tracked {
                first_delivered_at: f64::NAN,
                waited_upstream,
                served: 0.0,
            },
        );
        if let Some(dropped) = &p.dropped {
            self.fates[j].dropped += 1;
            self.leave_system(j, dropped, now);
        }
        self.named.extend(p.wake);
    }

    /// Message `m` of queue `j` leaves the system unprocessed (dropped, expired,
    /// dead-lettered with nowhere to go).
    fn leave_system(&mut self, j: usize, m: &Message, now: f64) {
        self.tracked.remove(&m.id);
        if self.open {
            self.rec.each(|s| s.lost(j, m, now));
        }
    }

    /// Message `a`, acked by consumer `c` of queue `j`, goes on to `next` or leaves the
    /// system: the simulator's `processed`, with p_wait from what its publication found.
    fn processed(
        &mut self,
        c: ConsumerId,
        j: usize,
        a: &Acked,
        next: Option<usize>,
        service: &mut Stream,
        now: f64,
    ) -> Result<(), BrokerError> {
        self.fates[j].acked += 1;
        let m = &a.message;
        let class = m.class as usize;
        let t = self.tracked.remove(&m.id).unwrap_or(Tracked {
            first_delivered_at: a.delivered_at,
            waited_upstream: false,
            served: 0.0,
        });
        let here = now - m.published_at;
        let wait_here = (a.delivered_at - m.published_at - t.served).max(0.0);
        // p_wait counts the messages that could not start at once (the simulator's rule).
        let found_none = t.first_delivered_at > m.published_at;
        let waited = m.waited_before + wait_here;
        let waited_anywhere = found_none || t.waited_upstream;
        if self.open {
            self.rec.processed(&Processed {
                queue: j,
                class,
                now,
                here,
                wait_here,
                waited_here: found_none,
                overshoot: now - a.delivered_at - m.size / self.speeds[c.0 as usize],
                leaves_system: next.is_none(),
                sojourn: now - m.born_at,
                waited,
                waited_anywhere,
            });
        }
        match next {
            Some(to) => self.publish_at(
                to,
                class,
                Some((m.born_at, waited, waited_anywhere)),
                service,
                now,
            ),
            None => Ok(()),
        }
    }

    /// What became of message `m` of queue `j` that the broker took back (nack, timeout,
    /// expiry): the simulator's `outcome`.
    fn outcome(
        &mut self,
        j: usize,
        m: &Message,
        outcome: Outcome,
        now: f64,
    ) -> Result<(), BrokerError> {
        match outcome {
            Outcome::Requeued { wake } => self.named.extend(wake),
            Outcome::Expired => {
                self.fates[j].expired += 1;
                self.leave_system(j, m, now);
            }
            // Live runs refuse `patience` (`unsupported`): no message is published with one.
            Outcome::Abandoned => unreachable!("live runs publish no message with a patience"),
            Outcome::Delayed { .. } => unreachable!("live runs refuse `retry_backoff`"),
            Outcome::DeadLettered {
                to: Some(dlq),
                published: Some(p),
            } => {
                // It moves to the dead-letter queue as a new message, still in the system.
                self.fates[j].dead_lettered += 1;
                let d = self.queue_index[dlq.0 as usize];
                self.fates[d].published += 1;
                let upstream = self
                    .tracked
                    .remove(&m.id)
                    .is_some_and(|t| t.waited_upstream);
                if self.open {
                    self.rec.queue(j, |q| q.lose(now, now - m.published_at));
                    self.rec.queue(d, |q| q.enter(now));
                }
                self.after_publish(d, &p, upstream, now);
            }
            Outcome::DeadLettered { to, published: _ } => {
                self.fates[j].dead_lettered += 1;
                if let Some(dlq) = to {
                    // The dead-letter queue was full and refused it.
                    let d = self.queue_index[dlq.0 as usize];
                    self.fates[d].published += 1;
                    self.fates[d].rejected += 1;
                    if self.open {
                        self.rec.queue(d, |q| q.reject());
                    }
                }
                self.leave_system(j, m, now);
            }
        }
        Ok(())
    }

    /// Processes the broker's deadlines due at `now`, recording each outcome.
    fn expire(&mut self, now: f64) -> Result<(), BrokerError> {
        let mut expired = std::mem::take(&mut self.expired);
        self.broker.expire_due_into(&mut expired);
        for e in &expired.events {
            let j = self.queue_index[e.queue.0 as usize];
            if let (None, Outcome::Expired, Some(ttl)) =
                (e.consumer, e.outcome, self.scenario.queues[j].delivery.ttl)
                && self.open
                && self.rec.warmed
            {
                self.rec.expiries += 1;
                self.rec.expiry_lateness += now - (e.message.published_at + ttl);
            }
            self.outcome(j, &e.message, e.outcome, now)?;
        }
        // Every consumer in `expired.wake` was named in an outcome above.
        self.expired = expired;
        Ok(())
    }
}
