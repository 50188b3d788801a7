//! Observed instability: does the number in system (in all, and in each queue) trend upward
//! through the measurement, whatever theory says?
//!
//! Each replication cuts its measurement into at most [`MAX_SEGMENTS`] consecutive segments
//! of about equal event counts (pairs merge when they fill: memory does not depend on the
//! run's length) and keeps the time-average occupancy of every scope over each. Its
//! [`Trend`] is the weighted least-squares slope of those segment means against the
//! segments' midpoints, over the **second half** of the measurement (a stable system that
//! started empty has mostly settled by then, so its start-up filling is not read as
//! growth), in messages per time unit.
//!
//! The test ([`observed_growth`]): with 3 or more independent replications, their slopes are
//! independent and identically distributed whatever the correlation inside a replication,
//! so the one-sided Student-t test of mean slope ≤ 0 on n − 1 degrees of freedom holds its
//! level; kendall reports growth at level [`ALPHA`] = 10⁻⁴, so 200 stable runs raise an
//! alarm with probability about 0.02 per scope tested. With fewer replications (batch means,
//! `replications = 1`) the one replication's own slope is tested against its standard error
//! on k − 2 degrees of freedom (k segments): segment means closer in time than the system's
//! relaxation time are correlated, which makes that test less reliable; its level is nominal.
//!
//! Replications stopped by a budget (`max_events`, the backlog) are judged on their own
//! slopes as well, where the test over all replications does not fire: a metastable system
//! may collapse in some replications and not in others, and no stable run reaches the
//! default budgets.
//!
//! The test assumes a system whose load does not change in time: it is not made where a
//! producer's rate varies in time or replays a trace, or a queue's consumers follow a
//! schedule or an autoscaler ([`tested`]), where occupancy may rise by design.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::arrivals::Interarrival;
use crate::replication::ReplicationResult;
use crate::scenario::Scenario;

/// Most segments a replication keeps; when full, neighbours merge pairwise.
pub const MAX_SEGMENTS: usize = 64;
/// Fewest segments in the second half of the measurement for a replication's slope.
pub const MIN_SEGMENTS: usize = 4;
/// One-sided level of the growth test: the probability that a stable system's scope is
/// reported growing.
pub const ALPHA: f64 = 1e-4;

/// One replication's occupancy trend over the second half of its measurement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trend {
    /// Per scope — the system's first, then each queue's in scenario order — the slope of
    /// its time-average number in system, in messages per time unit (NaN: too few segments).
    pub slopes: Vec<f64>,
    /// The slopes' standard errors from the segment means' residuals.
    pub errors: Vec<f64>,
    /// Segments the slopes were fitted to.
    pub segments: u32,
}

/// A scope whose number in system grows: the test's verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// None for the whole system, Some(j) for queue j.
    pub queue: Option<usize>,
    /// Estimated growth, in messages per time unit (mean slope over replications).
    pub rate: f64,
    /// Half-width of its 95% interval.
    pub half_width: f64,
    /// The test statistic (Student's t) and its degrees of freedom.
    pub t: f64,
    /// Degrees of freedom of `t`.
    pub df: f64,
}

/// Whether `scenario`'s load is steady enough in time for the growth test (see the module
/// documentation).
pub fn tested(scenario: &Scenario) -> bool {
    scenario.producers.iter().all(|p| {
        matches!(
            p.interarrival,
            Interarrival::Renewal(_) | Interarrival::Mmpp(_)
        )
    }) && scenario
        .queues
        .iter()
        .all(|q| q.schedule.is_none() && q.autoscale.is_none())
}

/// Segments of one replication's measurement: each one's start and end times and the area
/// under each scope's number in system over it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Segments {
    scopes: usize,
    /// (start, end) per segment.
    times: Vec<(f64, f64)>,
    /// `scopes` areas per segment.
    areas: Vec<f64>,
}

impl Segments {
    pub(crate) fn new(scopes: usize) -> Self {
        Segments {
            scopes,
            times: Vec::with_capacity(MAX_SEGMENTS),
            areas: Vec::with_capacity(MAX_SEGMENTS * scopes),
        }
    }

    /// Adds a segment over [start, end) with these areas; true when the segments then fill
    /// [`MAX_SEGMENTS`] and were merged pairwise (the caller doubles the segment length).
    pub(crate) fn push(&mut self, start: f64, end: f64, areas: &[f64]) -> bool {
        self.times.push((start, end));
        self.areas.extend_from_slice(areas);
        if self.times.len() < MAX_SEGMENTS {
            return false;
        }
        let k = self.scopes;
        let n = self.times.len() / 2;
        for i in 0..n {
            self.times[i] = (self.times[2 * i].0, self.times[2 * i + 1].1);
            for s in 0..k {
                self.areas[i * k + s] = self.areas[2 * i * k + s] + self.areas[(2 * i + 1) * k + s];
            }
        }
        self.times.truncate(n);
        self.areas.truncate(n * k);
        true
    }

    /// The trend over the second half of the segments' span.
    pub(crate) fn trend(&self) -> Trend {
        let k = self.scopes;
        let (Some(first), Some(last)) = (self.times.first(), self.times.last()) else {
            return Trend {
                slopes: vec![f64::NAN; k],
                errors: vec![f64::NAN; k],
                segments: 0,
            };
        };
        let middle = (first.0 + last.1) / 2.0;
        let keep: Vec<usize> = (0..self.times.len())
            .filter(|&i| {
                let (a, b) = self.times[i];
                (a + b) / 2.0 >= middle && b > a
            })
            .collect();
        let mut slopes = vec![f64::NAN; k];
        let mut errors = vec![f64::NAN; k];
        if keep.len() >= MIN_SEGMENTS {
            let x: Vec<f64> = keep
                .iter()
                .map(|&i| (self.times[i].0 + self.times[i].1) / 2.0)
                .collect();
            let w: Vec<f64> = keep
                .iter()
                .map(|&i| self.times[i].1 - self.times[i].0)
                .collect();
            for s in 0..k {
                let y: Vec<f64> = keep
                    .iter()
                    .zip(&w)
                    .map(|(&i, d)| self.areas[i * k + s] / d)
                    .collect();
                (slopes[s], errors[s]) = weighted_slope(&x, &y, &w);
            }
        }
        Trend {
            slopes,
            errors,
            segments: keep.len() as u32,
        }
    }
}

/// The weighted least-squares slope of `y` on `x` (weights `w`) and its standard error.
fn weighted_slope(x: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let total: f64 = w.iter().sum();
    // Weights scaled to average 1, so that the residual variance is per segment.
    let w: Vec<f64> = w.iter().map(|v| v * n / total).collect();
    let mean = |v: &[f64]| v.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() / n;
    let (mx, my) = (mean(x), mean(y));
    let sxx: f64 = (x.iter().zip(&w)).map(|(a, b)| b * (a - mx).powi(2)).sum();
    let sxy: f64 = (x.iter().zip(y).zip(&w))
        .map(|((a, c), b)| b * (a - mx) * (c - my))
        .sum();
    if sxx <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let slope = sxy / sxx;
    let sse: f64 = (x.iter().zip(y).zip(&w))
        .map(|((a, c), b)| b * (c - my - slope * (a - mx)).powi(2))
        .sum();
    (slope, (sse / (n - 2.0) / sxx).sqrt())
}

/// The scopes whose number in system grows significantly (level [`ALPHA`], see the module
/// documentation), over the replications' (or batch-means run's) `results` that have a
/// slope: the system first if it grows, then queues in scenario order. Empty where the
/// scenario is not [`tested`] or too few segments were measured.
pub fn observed_growth(scenario: &Scenario, results: &[ReplicationResult]) -> Vec<Growth> {
    if !tested(scenario) {
        return Vec::new();
    }
    let scopes = 1 + scenario.queues.len();
    let mut out = Vec::new();
    for s in 0..scopes {
        // A replication whose measurement opened too late (or never) has no slope.
        let with_slope = |stopped_only: bool| -> Vec<&Trend> {
            (results.iter())
                .filter(|r| r.stopped || !stopped_only)
                .filter_map(|r| r.trend.as_ref())
                .filter(|t| t.slopes[s].is_finite() && t.errors[s].is_finite())
                .collect()
        };
        let trends = with_slope(false);
        let slopes: Vec<f64> = trends.iter().map(|t| t.slopes[s]).collect();
        if slopes.is_empty() {
            continue;
        }
        let growth = if slopes.len() >= 3 {
            across(&slopes)
        } else {
            within(&trends, s)
        };
        // Replications stopped by a budget are evidence of their own (no stable run comes
        // near the default budgets): where replications differ — a metastable system that
        // collapses in some and not others — those that stopped are judged on their own
        // slopes.
        let growth = growth.or_else(|| {
            let stopped = with_slope(true);
            (!stopped.is_empty()).then(|| within(&stopped, s)).flatten()
        });
        if let Some(mut g) = growth {
            g.queue = s.checked_sub(1);
            out.push(g);
        }
    }
    out
}

/// The one-sided t test of mean slope ≤ 0 over independent replications' `slopes`.
fn across(slopes: &[f64]) -> Option<Growth> {
    let n = slopes.len() as f64;
    let mean = slopes.iter().sum::<f64>() / n;
    let var = slopes.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    verdict(mean, se, n - 1.0)
}

/// The one replication's (or the few replications') own slope against its standard error.
fn within(trends: &[&Trend], s: usize) -> Option<Growth> {
    let n = trends.len() as f64;
    let mean = trends.iter().map(|t| t.slopes[s]).sum::<f64>() / n;
    let var = trends.iter().map(|t| t.errors[s].powi(2)).sum::<f64>() / (n * n);
    let df: f64 = trends.iter().map(|t| f64::from(t.segments) - 2.0).sum();
    verdict(mean, var.sqrt(), df)
}

/// Growth when `mean / se` exceeds the one-sided [`ALPHA`] point of Student's t on `df`.
fn verdict(mean: f64, se: f64, df: f64) -> Option<Growth> {
    if !(mean > 0.0 && df >= 1.0) {
        return None;
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let t = if se > 0.0 { mean / se } else { f64::INFINITY };
    (t > dist.inverse_cdf(1.0 - ALPHA)).then(|| Growth {
        queue: None,
        rate: mean,
        half_width: dist.inverse_cdf(0.975) * se,
        t,
        df,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_is_exact() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 + 0.5 * v).collect();
        let (b, se) = weighted_slope(&x, &y, &[1.0, 2.0, 1.0, 3.0, 1.0]);
        assert!((b - 0.5).abs() < 1e-12 && se < 1e-9, "{b} {se}");
    }

    #[test]
    fn segments_merge_and_keep_their_areas() {
        let mut s = Segments::new(2);
        let mut merged = 0;
        for i in 0..(2 * MAX_SEGMENTS) {
            let t = i as f64;
            // Scope 0 holds t messages over [t, t+1), scope 1 holds 1.
            if s.push(t, t + 1.0, &[t, 1.0]) {
                merged += 1;
            }
        }
        assert_eq!(merged, 3); // at 64 pushes, then at 96 and 128 (32 + 32 each)
        let total0: f64 = (0..2 * MAX_SEGMENTS).map(|i| i as f64).sum();
        let got: f64 = s.areas.iter().step_by(2).sum();
        assert_eq!(got, total0);
        assert_eq!(s.times.first().unwrap().0, 0.0);
        // The occupancy t over [t, t+1) has slope 1; the constant one 0.
        let trend = s.trend();
        assert!((trend.slopes[0] - 1.0).abs() < 1e-9, "{trend:?}");
        assert!(trend.slopes[1].abs() < 1e-12);
    }

    #[test]
    fn the_test_fires_on_consistent_growth_only() {
        // t = 2 / (0.1 / √5) ≈ 44.7 > t₄(1 − 10⁻⁴) ≈ 13.03.
        assert!(across(&[1.9, 2.0, 2.1, 2.0, 2.0]).is_some());
        // Mean 0.2, s ≈ 1.58: t ≈ 0.28.
        assert!(across(&[2.0, -2.0, 1.0, -1.0, 1.0]).is_none());
        assert!(across(&[-1.0, -1.1, -0.9]).is_none());
    }
}
