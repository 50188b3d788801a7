//! Independent replications in parallel, summarised with Student-t confidence intervals.

use kendall_broker::BrokerError;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::replication::{QueueCounts, ReplicationResult, run_replication};
use crate::scenario::Scenario;
use crate::stats::{Estimates, Metric};

/// Mean of the replication estimates and its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (Student's t, n−1 degrees of freedom).
    pub half_width: f64,
    /// Number of estimates n.
    pub replications: usize,
}

impl Summary {
    /// Summarises independent estimates `xs` (at least two). NaN estimates (a scope no
    /// message reached) make the summary NaN.
    pub fn of(xs: &[f64]) -> Summary {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let t = StudentsT::new(0.0, 1.0, n - 1.0).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
        Summary {
            mean,
            half_width: t * (var / n).sqrt(),
            replications: xs.len(),
        }
    }

    /// The interval's ends.
    pub fn ci(&self) -> (f64, f64) {
        (self.mean - self.half_width, self.mean + self.half_width)
    }

    /// True when `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        let (lo, hi) = self.ci();
        lo <= x && x <= hi
    }

    /// True when `x` lies inside the two-sided interval of confidence `level` (e.g. 0.999):
    /// the 95% half-width rescaled by the ratio of Student-t quantiles.
    pub fn contains_at(&self, x: f64, level: f64) -> bool {
        let t = |p: f64| {
            StudentsT::new(0.0, 1.0, self.replications as f64 - 1.0)
                .map_or(f64::NAN, |d| d.inverse_cdf(p))
        };
        (x - self.mean).abs() <= self.half_width * t(0.5 + level / 2.0) / t(0.975)
    }
}

/// Every metric's summary for one scope, indexed like [`Metric::ALL`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeSummary(pub Vec<Summary>);

impl ScopeSummary {
    fn of(estimates: &[&Estimates]) -> Self {
        ScopeSummary(
            Metric::ALL
                .iter()
                .map(|&m| Summary::of(&estimates.iter().map(|e| e.get(m)).collect::<Vec<_>>()))
                .collect(),
        )
    }

    /// The summary of metric `m`.
    pub fn get(&self, m: Metric) -> Summary {
        self.0[m as usize]
    }
}

/// The result of all replications of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentResult {
    /// End-to-end metrics.
    pub system: ScopeSummary,
    /// Per-queue metrics, in scenario order.
    pub queues: Vec<ScopeSummary>,
    /// Per-class metrics, in scenario order.
    pub classes: Vec<ScopeSummary>,
    /// Per-queue message fates, mean per replication over the measurement window.
    pub counts: Vec<QueueCounts>,
    /// Replications run.
    pub replications: u32,
    /// Events processed over all replications.
    pub events: u64,
    /// Messages that left the system over all replications (warm-up included).
    pub messages: u64,
}

/// Runs every replication of `scenario` on the current rayon pool and summarises them.
///
/// Replication i draws only from streams seeded by (seed, i), and results are reduced in
/// replication order, so the outcome does not depend on the number of threads.
pub fn run_experiment(scenario: &Scenario) -> Result<ExperimentResult, BrokerError> {
    let results: Vec<ReplicationResult> = (0..u64::from(scenario.run.replications))
        .into_par_iter()
        .map(|i| run_replication(scenario, i))
        .collect::<Result<_, _>>()?;
    let scope = |pick: &dyn Fn(&ReplicationResult) -> &Estimates| {
        ScopeSummary::of(&results.iter().map(pick).collect::<Vec<_>>())
    };
    Ok(ExperimentResult {
        system: scope(&|r| &r.system),
        queues: (0..scenario.queues.len())
            .map(|j| scope(&|r| &r.queues[j]))
            .collect(),
        classes: (0..scenario.classes.len())
            .map(|k| scope(&|r| &r.classes[k]))
            .collect(),
        counts: (0..scenario.queues.len())
            .map(|j| mean_counts(&results, j))
            .collect(),
        replications: scenario.run.replications,
        events: results.iter().map(|r| r.events).sum(),
        messages: results.iter().map(|r| r.messages).sum(),
    })
}

/// Queue `j`'s counts averaged over replications (summed in replication order).
fn mean_counts(results: &[ReplicationResult], j: usize) -> QueueCounts {
    let n = results.len() as f64;
    let mut m = QueueCounts::default();
    for r in results {
        let c = &r.counts[j];
        m.published += c.published / n;
        m.acked += c.acked / n;
        m.rejected += c.rejected / n;
        m.dropped += c.dropped / n;
        m.expired += c.expired / n;
        m.dead_lettered += c.dead_lettered / n;
        m.redelivered += c.redelivered / n;
        m.preempted += c.preempted / n;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_matches_hand_computation() {
        // xs = 1..=5: mean 3, s² = 2.5, t_{0.975,4} = 2.7764451051977987 (statistical tables).
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        let want = 2.776_445_105_197_799 * (2.5f64 / 5.0).sqrt();
        assert!((s.half_width - want).abs() < 1e-12);
        assert!(s.contains(3.0) && !s.contains(6.0));
        // 99.9%: t_{0.9995,4} = 8.6103 (tables), so the half-width is 8.6103·√0.5 = 6.088.
        assert!(s.contains_at(3.0 + 6.08, 0.999) && !s.contains_at(3.0 + 6.10, 0.999));
    }
}
