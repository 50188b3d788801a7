//! The number in system over one replication, L(t), in bounded memory, for plots.
//!
//! Built from the departure observer of [`run_replication_observed`]: a message leaving at
//! `now` with sojourn `t` was in the system over `[now − t, now)`. Its presence is added to
//! at most `max_points` bins of equal width; when a departure falls beyond the last bin the
//! bins merge pairwise (width doubles), so memory never depends on the run length. L(t) counts
//! the messages that leave before the run ends (lost messages, and those still inside at the
//! end, are not counted).

use crate::error::SimError;
use crate::replication::run_replication_observed;
use crate::scenario::Scenario;

/// L(t) sampled over one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupancyTrace {
    /// (bin midpoint, time-averaged number in system over the bin), in time order.
    pub points: Vec<(f64, f64)>,
    /// When the warm-up ended (the time of the warm-up's last departure), if it did.
    pub warmup_end: Option<f64>,
}

/// Time-averaged occupancy on a doubling grid of at most `2 · half` bins.
struct Bins {
    width: f64,
    /// Area (message × time) per bin from partial overlaps.
    area: Vec<f64>,
    /// Difference array of whole-bin coverage counts.
    diff: Vec<f64>,
}

impl Bins {
    fn new(n: usize, width: f64) -> Self {
        Bins {
            width,
            area: vec![0.0; n],
            diff: vec![0.0; n + 1],
        }
    }

    /// Folds coverage into areas, then merges bins pairwise (width doubles).
    fn double(&mut self) {
        let n = self.area.len();
        let mut cover = 0.0;
        for i in 0..n {
            cover += self.diff[i];
            self.area[i] += cover * self.width;
        }
        let merged: Vec<f64> = (0..n)
            .map(|i| {
                if 2 * i + 1 < n {
                    self.area[2 * i] + self.area[2 * i + 1]
                } else if 2 * i < n {
                    self.area[2 * i]
                } else {
                    0.0
                }
            })
            .collect();
        self.area = merged;
        self.diff.iter_mut().for_each(|d| *d = 0.0);
        self.width *= 2.0;
    }

    /// Adds one message present over `[a, b)`.
    fn add(&mut self, a: f64, b: f64) {
        let n = self.area.len();
        while b > self.width * n as f64 {
            self.double();
        }
        let a = a.max(0.0);
        if b <= a {
            return;
        }
        let (i, j) = (
            (a / self.width) as usize,
            ((b / self.width) as usize).min(n - 1),
        );
        if i == j {
            self.area[i] += b - a;
            return;
        }
        self.area[i] += (i + 1) as f64 * self.width - a;
        self.area[j] += b - j as f64 * self.width;
        if j > i + 1 {
            self.diff[i + 1] += 1.0;
            self.diff[j] -= 1.0;
        }
    }

    fn finish(self, end: f64) -> Vec<(f64, f64)> {
        let n = self.area.len();
        let mut cover = 0.0;
        let mut out = Vec::new();
        for i in 0..n {
            cover += self.diff[i];
            let lo = i as f64 * self.width;
            if lo >= end {
                break;
            }
            let hi = ((i + 1) as f64 * self.width).min(end);
            let area = self.area[i] + cover * self.width;
            // A partial last bin averages over the part that was run.
            out.push(((lo + hi) / 2.0, area / (hi - lo).max(f64::MIN_POSITIVE)));
        }
        out
    }
}

/// Runs replication `replication` of `scenario` and samples L(t) at most `max_points`
/// times (at least 2).
pub fn occupancy_trace(
    scenario: &Scenario,
    replication: u64,
    max_points: usize,
) -> Result<OccupancyTrace, SimError> {
    let n = max_points.max(2);
    // A first guess at the bin width: the expected run length spread over the bins.
    let rate = scenario.arrival_rate();
    let run = scenario.run;
    let horizon = (run.warmup + run.customers) as f64 / rate.max(f64::MIN_POSITIVE);
    let width = if horizon.is_finite() && horizon > 0.0 {
        horizon / n as f64
    } else {
        1.0
    };
    let mut bins = Bins::new(n, width);
    let mut departures = 0u64;
    let mut warmup_end = None;
    let mut end = 0.0f64;
    run_replication_observed(scenario, replication, &mut |e| {
        let (now, t) = (e.now, e.sojourn);
        departures += 1;
        if departures == run.warmup && run.warmup > 0 {
            warmup_end = Some(now);
        }
        end = end.max(now);
        if t.is_finite() {
            bins.add(now - t, now);
        }
    })?;
    Ok(OccupancyTrace {
        points: bins.finish(end),
        warmup_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_average_presence_and_stay_bounded() {
        let mut b = Bins::new(4, 1.0);
        b.add(0.0, 2.0); // one message over [0, 2)
        b.add(0.5, 1.0); // another over half of bin 0
        b.add(0.0, 7.9); // forces one doubling: width 2, 4 bins cover [0, 8)
        let pts = b.finish(8.0);
        assert_eq!(pts.len(), 4);
        // Bin [0, 2): 2 + 0.5 + 2 = 4.5 message-time over 2 → 2.25.
        assert!((pts[0].1 - 2.25).abs() < 1e-12, "{pts:?}");
        assert!((pts[1].1 - 1.0).abs() < 1e-12);
        assert!((pts[3].1 - 0.95).abs() < 1e-12);
    }
}
