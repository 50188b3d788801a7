//! The event loop: events taken from the calendar in time order and handed to their handlers
//! until the replication has its customers, then the books closed and the estimates made.

use kendall_broker::{BrokerError, Clock, ConsumerId, Upcoming};

use super::state::Replication;
use super::{Exit, QueueCounts, ReplicationResult};
use crate::calendar::Due;
use crate::stats::Tails;

/// What happens next in a replication, besides arrivals (which the [`Agenda`] keeps apart).
#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    /// Consumer c's next message finishes, if c's work has not changed since (`generation`).
    Completion { consumer: u32, generation: u32 },
    /// A broker deadline (visibility timeout or time to live) is due.
    Deadline,
    /// Consumer c crashes.
    Crash(u32),
    /// Consumer c is repaired.
    Recover(u32),
    /// Queue j's consumer schedule reaches its next boundary.
    Staff(u32),
    /// Queue j's autoscaler evaluates, or consumers it added finish starting up.
    Scale(u32),
    /// A sender's timer is due (a producer's `timeout`: [`super::clients`]).
    Client,
    /// Client k of a closed workload ends its think time and sends ([`super::closed`]).
    Think(u32),
}

/// The fleet size from which consumers' state does not stay in cache between their events,
/// and the event loop fetches the next completion's ahead ([`Replication::prefetch_next`]).
pub(super) const PREFETCH_CONSUMERS: usize = 256;

impl Replication<'_> {
    /// Runs the replication; with `PREFETCH`, each event fetches the next completion's
    /// consumer state ahead ([`Replication::prefetch_next`]); `TIMED` when it runs to a
    /// `[run] horizon`, whose window boundaries the loop checks before each event.
    pub(super) fn run<F: FnMut(&Exit), const PREFETCH: bool, const TIMED: bool>(
        mut self,
        observe: &mut F,
    ) -> Result<(ReplicationResult, Vec<ReplicationResult>), BrokerError> {
        // [fit/trace] a producer whose trace is empty publishes nothing.
        for i in 0..self.scenario.producers.len() {
            if self.scenario.producers[i].closed.is_some() {
                continue;
            }
            if let Some(first) = self.arrival_processes[i].next_gap(&mut self.arrivals[i]) {
                self.calendar.schedule_arrival(first, i as u32);
            }
        }
        self.start_closed();
        for c in 0..self.workers.len() {
            self.schedule_crash(c, 0.0);
        }
        if self.scenario.queues.iter().any(|q| q.schedule.is_some()) {
            self.start_staffing()?;
        }
        if self.scenario.queues.iter().any(|q| q.autoscale.is_some()) {
            self.start_autoscale()?;
        }
        let run = self.scenario.run;
        // A run to a horizon ends at a time, not a count (`customers` and `warmup` are 0).
        debug_assert_eq!(TIMED, run.horizon.is_some());
        let target = if TIMED {
            u64::MAX
        } else {
            run.warmup + run.customers
        };
        if run.warmup == 0 {
            self.reset(0.0)?;
        }
        if let Some(w) = &self.windows {
            self.stop_at = w.next_boundary();
        }
        // The replication ends after `target` departures, or — when every producer has
        // stopped (traces with at_end = "stop") — as soon as the system is empty: no message
        // waits, is in service or in flight anywhere, so no departure can follow. Crash and
        // recovery events go on for ever, so an empty calendar alone would never come.
        // Every so many events a checkpoint checks the budgets (`max_events`, the backlog)
        // and closes a segment of the occupancy trend ([`super::checkpoints`]).
        while self.exits < target && !self.drained() {
            if self.events >= self.checks.next && self.checkpoint() {
                break;
            }
            let Some((now, due)) = self.calendar.take_next() else {
                break;
            };
            // [run] horizon: boundaries passed are marked first; an event at or past the
            // horizon is not handled (the replication covers [0, horizon)).
            if TIMED && now >= self.stop_at && self.passed_horizon(now) {
                break;
            }
            self.clock.set(now);
            self.events += 1;
            if PREFETCH {
                if let Due::Arrival(i) = due {
                    self.prefetch_route(i as usize);
                }
                self.prefetch_next();
            }
            let exits_before = self.exits;
            let event = match due {
                Due::Arrival(i) => {
                    self.arrival(i as usize, now)?;
                    None
                }
                Due::Event(event) => Some(event),
            };
            match event {
                Some(Event::Completion {
                    consumer,
                    generation,
                }) if self.workers[consumer as usize].generation == generation => {
                    self.completion(consumer as usize, now)?;
                }
                Some(Event::Deadline) => self.deadline(now)?,
                Some(Event::Staff(j)) => self.staff(j as usize, now)?,
                Some(Event::Scale(j)) => self.scale(j as usize, now)?,
                Some(Event::Client) => self.client_timers(now)?,
                Some(Event::Think(k)) => self.send(k, now)?,
                Some(Event::Crash(c)) => self.crash(c as usize, now)?,
                Some(Event::Recover(c)) => {
                    self.workers[c as usize].down = false;
                    self.schedule_crash(c as usize, now);
                    self.start_next(c as usize, now)?;
                }
                // An arrival (handled above), or a completion its consumer's work has since
                // superseded.
                None | Some(Event::Completion { .. }) => {}
            }
            if self.exits > exits_before {
                observe(&Exit {
                    now,
                    sojourn: self.last_sojourn,
                    in_system: self.scopes.system.in_system(),
                });
            }
            if self.exits >= self.marks.next {
                self.mark(now)?;
            }
        }
        self.finish()
    }

    /// Fetches the consumer state of the completion likely due next into the cache, while
    /// this event is handled: a large fleet's consumers are not in cache between events.
    #[inline(never)]
    fn prefetch_next(&mut self) {
        if let Some(Event::Completion { consumer, .. }) = self.calendar.likely_next_event() {
            let workers = &self.workers;
            self.broker
                .prefetch(Upcoming::Consumer(ConsumerId(consumer)), |c| {
                    workers.get(c.0 as usize)
                });
        }
    }

    /// Fetches the state of the consumer producer `i`'s arrival will be routed to (where the
    /// strategy can tell, as JSQ can) into the cache, so its misses overlap.
    #[inline(never)]
    fn prefetch_route(&mut self, i: usize) {
        let q = self.queue_ids[self.scenario.producers[i].queue];
        let workers = &self.workers;
        self.broker
            .prefetch(Upcoming::Publish(q), |c| workers.get(c.0 as usize));
    }

    /// True when no producer will publish again and no message is in the system.
    #[inline]
    fn drained(&self) -> bool {
        // Closed workloads' clients always send again.
        let empty = self.calendar.arrivals() == 0
            && self.closed.is_none()
            && self.scopes.system.in_system() == 0;
        debug_assert!(
            !empty
                || self.queue_ids.iter().all(|&q| self
                    .broker
                    .stats(q)
                    .is_ok_and(|s| s.waiting == 0 && s.in_flight == 0)),
            "the system's count says empty, the broker holds messages"
        );
        empty
    }

    /// Marks the window boundaries up to `now` (out of the event loop's line) and says
    /// whether `now` is at or past the horizon.
    #[cold]
    #[inline(never)]
    fn passed_horizon(&mut self, now: f64) -> bool {
        let end = self.scenario.run.horizon.map_or(f64::INFINITY, |h| h.end);
        if let Some(w) = &mut self.windows {
            w.mark(now.min(end), &self.scopes.system);
            self.stop_at = w.next_boundary().min(end);
        }
        if now >= end {
            self.horizon_reached = true;
        }
        self.horizon_reached
    }

    /// Ends the replication: its last batch (the whole measurement when it is not cut into
    /// batches), and the batches before it.
    fn finish(mut self) -> Result<(ReplicationResult, Vec<ReplicationResult>), BrokerError> {
        // A run to a horizon that got there (or ran dry before it: nothing changes until the
        // horizon) ends at the horizon; one stopped by a budget where it stopped.
        let now = match self.scenario.run.horizon {
            Some(h) if self.horizon_reached || self.checks.stop.is_none() => {
                self.horizon_reached = true;
                h.end
            }
            _ => self.clock.now(),
        };
        if let Some(w) = &mut self.windows {
            w.mark(now, &self.scopes.system);
        }
        if self.sharing {
            self.settle_shares(1.0, now);
        }
        let last = self.snapshot(now, true)?;
        Ok((last, std::mem::take(&mut self.marks.done)))
    }

    /// The estimates of the measurement (or batch) that ends at `now`, shares of consumers
    /// settled; `last` when the replication ends here (its tails are taken, a batch's
    /// copied, the tallies then restarting).
    pub(super) fn snapshot(
        &mut self,
        now: f64,
        last: bool,
    ) -> Result<ReplicationResult, BrokerError> {
        let scenario = self.scenario;
        let consumers: Vec<u32> = scenario.queues.iter().map(|q| q.consumers).collect();
        let (mut system, mut queues, mut classes) =
            self.scopes
                .estimates(now, &consumers, (self.queue_mirrors, self.class_mirrors));
        if self.staffing.iter().any(Option::is_some) {
            self.utilization_on_duty(now, &mut system, &mut queues, &mut classes);
        }
        if let Some(c) = &self.clients {
            c.estimate(now, &mut system.values);
        }
        let stop = if last { self.checks.stop } else { None };
        // The whole replication's decisions and trend go with its last batch.
        let (autoscale, trend) = if last {
            (self.take_scale_logs(), self.take_trend(now))
        } else {
            (Vec::new(), None)
        };
        let backlog = stop.map(|_| self.backlog());
        let books = self.books()?;
        debug_assert_eq!(books.check(), Ok(()), "the simulator's books disagree");
        let counts = (self.window_start.iter().zip(&books.queues))
            .map(|(before, q)| QueueCounts::between(before, &q.broker))
            .collect();
        let scopes = &mut self.scopes;
        let tails = if last {
            Tails::take(
                std::iter::once(&mut scopes.system)
                    .chain(&mut scopes.queues)
                    .chain(&mut scopes.classes),
            )
        } else {
            Tails::copy(
                std::iter::once(&scopes.system)
                    .chain(&scopes.queues)
                    .chain(&scopes.classes),
            )
        };
        let (events, messages) = self.marks.take_counts(self.events, self.exits);
        Ok(ReplicationResult {
            system,
            queues,
            classes,
            counts,
            books,
            events,
            messages,
            stopped: stop.is_some(),
            stop,
            backlog,
            trend,
            tails,
            windows: self.window_estimates(now),
            autoscale,
            clients: self.clients.as_ref().map(|c| c.counts()),
            consumer_time: self.paid.consumer_time(now),
        })
    }

    /// Every window's estimates (none without `[run] window`), the senders' figures in them.
    fn window_estimates(&self, now: f64) -> Vec<crate::windows::WindowEstimate> {
        let mut windows = self
            .windows
            .as_ref()
            .map(|w| w.finish())
            .unwrap_or_default();
        if let Some(c) = &self.clients {
            c.estimate_windows(&mut windows);
        }
        self.paid.estimate_windows(self.scenario, now, &mut windows);
        windows
    }

    /// Opens the measurement window at `now` (the warm-up's end, or a batch's): out of the
    /// event loop's line.
    #[cold]
    #[inline(never)]
    pub(super) fn reset(&mut self, now: f64) -> Result<(), BrokerError> {
        self.checkpoint_reset(now);
        self.scopes.reset(now);
        self.reset_staffing(now);
        if let Some(c) = &mut self.clients {
            c.reset(now);
        }
        self.paid.reset(now);
        if self.sharing {
            self.settle_shares(-1.0, now);
        }
        for (j, &q) in self.queue_ids.iter().enumerate() {
            self.window_start[j] = self.broker.stats(q)?;
        }
        Ok(())
    }
}
