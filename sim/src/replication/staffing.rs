//! Consumer schedules (`consumers = { at, values, repeat }`): at each boundary the queue's
//! count on duty changes. Consumers `0..n` of the queue are on duty; the broker retires the
//! others ([`Broker::retire`](kendall_broker::Broker::retire)) — a consumer leaving finishes
//! the message it holds and takes no more — and reinstates them when the count grows, at
//! which they poll at once.

use kendall_broker::{BrokerError, ConsumerId};

use super::event_loop::Event;
use super::state::Replication;
use crate::scenario::Boundary;

/// One scheduled queue's staffing in a replication.
#[derive(Debug, Clone)]
pub(super) struct Staffing {
    /// Consumers on duty now: the queue's first `on_duty`.
    on_duty: u32,
    /// The boundary the next Staff event stands for.
    next: Option<Boundary>,
    /// The integral of `on_duty` over time from `start` to `since`.
    area: f64,
    since: f64,
    start: f64,
}

impl Staffing {
    /// The staffing of a queue whose `max` consumers are all on duty at time 0 (an
    /// autoscaler's, before it sets its `min`).
    pub(super) fn all_on_duty(max: u32) -> Staffing {
        Staffing {
            on_duty: max,
            next: None,
            area: 0.0,
            since: 0.0,
            start: 0.0,
        }
    }

    /// The time-average count on duty from the window's start to `now`.
    pub(super) fn mean_on_duty(&self, now: f64) -> f64 {
        let area = self.area + f64::from(self.on_duty) * (now - self.since);
        area / (now - self.start)
    }
}

impl Replication<'_> {
    /// The consumers of queue `j` on duty now: its schedule's count, or all its consumers.
    /// The one function a recorder samples for "consumers on duty" (it changes only in
    /// [`Replication::set_on_duty`]).
    // For the per-window recorder of issue 19 (consumers on duty), merged separately.
    #[allow(dead_code)]
    pub(super) fn on_duty(&self, j: usize) -> u32 {
        self.staffing[j]
            .as_ref()
            .map_or(self.scenario.queues[j].consumers, |s| s.on_duty)
    }

    /// Sets every scheduled queue to its count at time 0 (the others' consumers are off
    /// duty from the start) and schedules its next boundary.
    pub(super) fn start_staffing(&mut self) -> Result<(), BrokerError> {
        for j in 0..self.scenario.queues.len() {
            let Some(schedule) = &self.scenario.queues[j].schedule else {
                continue;
            };
            let first = Boundary { cycle: 0, index: 0 };
            let n = schedule.value(first);
            let max = self.scenario.queues[j].consumers;
            self.staffing[j] = Some(Staffing {
                on_duty: max,
                next: schedule.next(first),
                area: 0.0,
                since: 0.0,
                start: 0.0,
            });
            self.set_on_duty(j, n, 0.0)?;
            self.schedule_staff(j);
        }
        Ok(())
    }

    /// Queue `j`'s schedule reaches its next boundary at `now`.
    pub(super) fn staff(&mut self, j: usize, now: f64) -> Result<(), BrokerError> {
        let (Some(schedule), Some(s)) = (&self.scenario.queues[j].schedule, &mut self.staffing[j])
        else {
            return Ok(());
        };
        let Some(b) = s.next else {
            return Ok(());
        };
        s.next = schedule.next(b);
        self.set_on_duty(j, schedule.value(b), now)?;
        self.schedule_staff(j);
        Ok(())
    }

    /// Schedules the Staff event of queue `j`'s next boundary, if there is one.
    fn schedule_staff(&mut self, j: usize) {
        let (Some(schedule), Some(s)) = (&self.scenario.queues[j].schedule, &self.staffing[j])
        else {
            return;
        };
        if let Some(b) = s.next {
            self.calendar
                .schedule(schedule.time_of(b), Event::Staff(j as u32));
        }
    }

    /// Queue `j` has `n` consumers on duty from `now`: the ones beyond `n` retire (finishing
    /// what they hold), those back on duty poll at once.
    pub(super) fn set_on_duty(&mut self, j: usize, n: u32, now: f64) -> Result<(), BrokerError> {
        let Some(s) = &mut self.staffing[j] else {
            return Ok(());
        };
        s.area += f64::from(s.on_duty) * (now - s.since);
        s.since = now;
        let old = std::mem::replace(&mut s.on_duty, n);
        // An autoscaler pays for its fleet, starting consumers included (it sets `paid`).
        if self.autoscalers[j].is_none() {
            self.paid.set(j, n, now);
        }
        if let Some(w) = &mut self.windows {
            w.set_on_duty(j, n, now);
        }
        let ids: Vec<ConsumerId> = self.broker.consumers_of(self.queue_ids[j])?.collect();
        for &c in &ids[n.min(old) as usize..old as usize] {
            self.broker.retire(c)?;
        }
        for &c in &ids[old.min(n) as usize..n as usize] {
            self.broker.reinstate(c)?;
            self.start_next(c.0 as usize, now)?;
        }
        Ok(())
    }

    /// Opens the staffing's measurement window at `now` (the warm-up's end).
    pub(super) fn reset_staffing(&mut self, now: f64) {
        for s in self.staffing.iter_mut().flatten() {
            s.area = 0.0;
            s.since = now;
            s.start = now;
        }
    }

    /// Utilisation over the consumers on duty, for runs with a schedule: the estimates divide
    /// the busy time by the queue's `consumers` (its largest count); this divides it by the
    /// time-average count on duty instead, in each scope (the system and the classes by the
    /// sum over queues). Scopes mirroring another are corrected alike.
    pub(super) fn utilization_on_duty(
        &self,
        now: f64,
        system: &mut crate::stats::Estimates,
        queues: &mut [crate::stats::Estimates],
        classes: &mut [crate::stats::Estimates],
    ) {
        use crate::stats::Metric;
        let u = Metric::Utilization as usize;
        let mut allocated = 0.0;
        let mut on_duty = 0.0;
        for (j, q) in self.scenario.queues.iter().enumerate() {
            let max = f64::from(q.consumers);
            let mean = self.staffing[j]
                .as_ref()
                .map_or(max, |s| s.mean_on_duty(now));
            allocated += max;
            on_duty += mean;
            queues[j].values[u] *= max / mean;
        }
        for e in std::iter::once(system).chain(classes) {
            e.values[u] *= allocated / on_duty;
        }
    }
}
