//! Consumer time paid for: per queue, the time integral of its consumers on duty — the
//! constant count, the schedule's, or an autoscaler's fleet, whose consumers starting up
//! count (they are paid for) while a removed one finishing its last message does not.

use crate::scenario::Scenario;
use crate::windows::{WindowEstimate, window_count};

/// Every queue's paid consumers in one replication.
#[derive(Debug, Clone)]
pub(super) struct Paid {
    count: Vec<u32>,
    /// ∫ count dt from `start` to `since`, per queue.
    area: Vec<f64>,
    since: Vec<f64>,
    start: f64,
    /// `[run] window`: ∫ count dt per window and queue (window-major), up to `since`.
    windows: Vec<f64>,
    width: f64,
}

impl Paid {
    /// Every queue's `consumers` paid for from time 0.
    pub(super) fn new(scenario: &Scenario) -> Self {
        let nq = scenario.queues.len();
        let (windows, width) = match scenario.run.horizon {
            Some(h) => match h.window {
                Some(w) => (vec![0.0; window_count(h.end, w) * nq], w),
                None => (Vec::new(), f64::INFINITY),
            },
            None => (Vec::new(), f64::INFINITY),
        };
        Paid {
            count: scenario.queues.iter().map(|q| q.consumers).collect(),
            area: vec![0.0; nq],
            since: vec![0.0; nq],
            start: 0.0,
            windows,
            width,
        }
    }

    /// Adds queue `j`'s `n` consumers over [from, to) to the windows they span.
    fn spread(windows: &mut [f64], width: f64, nq: usize, j: usize, n: u32, from: f64, to: f64) {
        let count = windows.len() / nq.max(1);
        if count == 0 || to <= from {
            return;
        }
        let mut k = ((from / width) as usize).min(count - 1);
        let mut t = from;
        while t < to {
            let end = if k + 1 >= count {
                to
            } else {
                ((k + 1) as f64 * width).min(to)
            };
            windows[k * nq + j] += f64::from(n) * (end - t);
            t = end;
            k += 1;
        }
    }

    /// Queue `j` pays for `n` consumers from `now`.
    pub(super) fn set(&mut self, j: usize, n: u32, now: f64) {
        let nq = self.count.len();
        let (old, since) = (self.count[j], self.since[j]);
        self.area[j] += f64::from(old) * (now - since);
        Self::spread(&mut self.windows, self.width, nq, j, old, since, now);
        self.count[j] = n;
        self.since[j] = now;
    }

    /// Starts the measurement (or a batch) at `now`.
    pub(super) fn reset(&mut self, now: f64) {
        for j in 0..self.count.len() {
            let n = self.count[j];
            self.set(j, n, now);
            self.area[j] = 0.0;
        }
        self.start = now;
    }

    /// Each queue's consumer time from the measurement's start to `now`.
    pub(super) fn consumer_time(&self, now: f64) -> Vec<f64> {
        (0..self.count.len())
            .map(|j| self.area[j] + f64::from(self.count[j]) * (now - self.since[j]))
            .collect()
    }

    /// Sets each window's consumer time (all queues) and, where a queue has a price, its
    /// cost, the windows ending by `now` (the horizon).
    pub(super) fn estimate_windows(
        &self,
        scenario: &Scenario,
        now: f64,
        windows: &mut [WindowEstimate],
    ) {
        let nq = self.count.len();
        let mut areas = self.windows.clone();
        for j in 0..nq {
            Self::spread(
                &mut areas,
                self.width,
                nq,
                j,
                self.count[j],
                self.since[j],
                now,
            );
        }
        let hours = crate::scenario::hours_per_unit(&scenario.time_unit).unwrap_or(f64::NAN);
        let priced = scenario.queues.iter().any(|q| q.cost_per_hour.is_some());
        for (k, w) in windows.iter_mut().enumerate() {
            let Some(a) = areas.get(k * nq..(k + 1) * nq) else {
                break;
            };
            if w.end > now {
                continue;
            }
            w.consumer_time = a.iter().sum();
            if priced {
                w.cost = scenario
                    .queues
                    .iter()
                    .zip(a)
                    .map(|(q, t)| q.cost_per_hour.map_or(0.0, |p| p * t * hours))
                    .sum();
            }
        }
    }
}
