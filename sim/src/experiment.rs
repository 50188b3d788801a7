//! Independent replications in parallel, summarised with Student-t confidence intervals.

use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::SimError;
use crate::replication::{QueueCounts, ReplicationResult, run_batched, run_replication};
use crate::scenario::Scenario;
use crate::stats::{Departures, Estimates, Metric, Tails};
use crate::windows::WindowSummary;

/// The values a metric can take: [`Summary::ci`] clips an interval to them (a mean waiting
/// time is never negative, a probability never above 1), and says so ([`Summary::clipped`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// The least value (−∞ for none).
    pub lo: f64,
    /// The greatest value (+∞ for none).
    pub hi: f64,
}

impl Bounds {
    /// Any real value: intervals are not clipped (differences, ratios of differences).
    pub const ANY: Bounds = Bounds {
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    };
    /// Nonnegative quantities: times, counts, rates.
    pub const NONNEGATIVE: Bounds = Bounds {
        lo: 0.0,
        hi: f64::INFINITY,
    };
    /// Fractions and probabilities, in [0, 1].
    pub const FRACTION: Bounds = Bounds { lo: 0.0, hi: 1.0 };
    /// Ratios of at least 1 (attempts per original).
    pub const AT_LEAST_ONE: Bounds = Bounds {
        lo: 1.0,
        hi: f64::INFINITY,
    };

    /// Rounding allowed about a bound, relative to its size (at least 1): an Lq of
    /// L − busy can come out −1e−14, a utilisation 1 + 1e−15.
    const ROUNDING: f64 = 1e-9;

    /// Whether `x` lies in the bounds, give or take rounding.
    pub fn holds(self, x: f64) -> bool {
        let slack = |b: f64| Self::ROUNDING * b.abs().max(1.0);
        self.lo - slack(self.lo) <= x && x <= self.hi + slack(self.hi)
    }

    /// These bounds less any end some estimate in `xs` lies beyond (rounding apart): an
    /// estimate outside a metric's nominal range (a utilisation over consumers on duty can
    /// pass 1 while a retired consumer finishes its message) shows that the range does not
    /// hold there, and that end of the interval is then left as Student's t gives it.
    pub fn admitting(self, xs: &[f64]) -> Bounds {
        let below = Bounds {
            hi: f64::INFINITY,
            ..self
        };
        let above = Bounds {
            lo: f64::NEG_INFINITY,
            ..self
        };
        let broken = |b: Bounds| xs.iter().any(|&x| !x.is_nan() && !b.holds(x));
        Bounds {
            lo: if broken(below) {
                f64::NEG_INFINITY
            } else {
                self.lo
            },
            hi: if broken(above) {
                f64::INFINITY
            } else {
                self.hi
            },
        }
    }
}

/// Mean of the replication estimates and its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval (Student's t, n−1 degrees of freedom),
    /// before clipping to `bounds`.
    pub half_width: f64,
    /// Number of estimates n.
    pub replications: usize,
    /// The metric's range, which [`Summary::ci`] clips the interval to ([`Bounds::ANY`]
    /// unless set by [`Summary::within`]).
    pub bounds: Bounds,
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
            bounds: Bounds::ANY,
        }
    }

    /// Sectioning: the estimate `whole` made from all the replications' data together, with
    /// the interval from the spread of each replication's own estimate `sections` about it,
    /// t·s/√n with s² = Σ(xᵢ − whole)²/(n − 1). For an estimator biased in small samples, as
    /// a percentile is, the pooled estimate carries the bias of n times the data, and the
    /// spread about it errs wide rather than narrow (S. Asmussen, P. W. Glynn, *Stochastic
    /// Simulation: Algorithms and Analysis*, Springer 2007, §III.5a).
    pub fn sectioned(whole: f64, sections: &[f64]) -> Summary {
        let n = sections.len() as f64;
        let var = sections.iter().map(|x| (x - whole).powi(2)).sum::<f64>() / (n - 1.0);
        let t = StudentsT::new(0.0, 1.0, n - 1.0).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
        Summary {
            mean: whole,
            half_width: t * (var / n).sqrt(),
            replications: sections.len(),
            bounds: Bounds::ANY,
        }
    }

    /// A summary with no estimate: NaN mean and interval from `replications` estimates.
    pub fn undefined(replications: usize) -> Summary {
        Summary {
            mean: f64::NAN,
            half_width: f64::NAN,
            replications,
            bounds: Bounds::ANY,
        }
    }

    /// The same summary, its interval clipped to `bounds` (the metric's range).
    pub fn within(self, bounds: Bounds) -> Summary {
        Summary { bounds, ..self }
    }

    /// The interval's ends, mean ± half-width, clipped to the metric's range where the mean
    /// lies in it ([`Summary::clipped`] says whether an end was moved).
    pub fn ci(&self) -> (f64, f64) {
        let (lo, hi) = self.unclipped_ci();
        let b = self.bounds;
        let inside = b.holds(self.mean);
        // Comparisons with NaN are false: an undefined interval stays NaN.
        (
            if inside && lo < b.lo { b.lo } else { lo },
            if inside && hi > b.hi { b.hi } else { hi },
        )
    }

    /// The interval's ends as Student's t gives them, mean ± half-width, before clipping.
    pub fn unclipped_ci(&self) -> (f64, f64) {
        (self.mean - self.half_width, self.mean + self.half_width)
    }

    /// True when [`Summary::ci`] moved an end of the interval to the metric's range.
    pub fn clipped(&self) -> bool {
        let (lo, hi) = self.unclipped_ci();
        let b = self.bounds;
        b.holds(self.mean) && (lo < b.lo || hi > b.hi)
    }

    /// True when `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        let (lo, hi) = self.ci();
        lo <= x && x <= hi
    }

    /// True when `x` lies inside the two-sided interval of confidence `level` (e.g. 0.999).
    pub fn contains_at(&self, x: f64, level: f64) -> bool {
        self.at_level(level).contains(x)
    }

    /// The same estimate with the two-sided interval of confidence `level` (e.g. 0.999):
    /// the 95% half-width rescaled by the ratio of Student-t quantiles.
    pub fn at_level(&self, level: f64) -> Summary {
        let t = |p: f64| {
            StudentsT::new(0.0, 1.0, self.replications as f64 - 1.0)
                .map_or(f64::NAN, |d| d.inverse_cdf(p))
        };
        Summary {
            half_width: self.half_width * t(0.5 + level / 2.0) / t(0.975),
            ..*self
        }
    }
}

/// Half-width of the 95% interval for mean(a) − mean(b) when a and b are independent
/// samples (Welch's t with Welch–Satterthwaite degrees of freedom). Set beside a paired
/// interval, it shows what common random numbers buy.
pub fn welch_half_width(a: &[f64], b: &[f64]) -> f64 {
    let moments = |x: &[f64]| {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        (
            n,
            x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0),
        )
    };
    let ((na, va), (nb, vb)) = (moments(a), moments(b));
    let (sa, sb) = (va / na, vb / nb);
    let df = (sa + sb).powi(2) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    t * (sa + sb).sqrt()
}

/// Every metric's summary for one scope, and how many messages it was measured over.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeSummary {
    /// The summaries, indexed like [`Metric::ALL`].
    pub metrics: Vec<Summary>,
    /// Messages processed in the scope during the measurement windows of all replications
    /// together: the number T, Wq and p_wait are averaged over.
    pub measured: u64,
    /// The rate and mean stay of every message that left the scope, processed or lost:
    /// what Little's law L = λ·T holds for ([`Departures`]).
    pub departures: Departures<Summary>,
}

impl ScopeSummary {
    /// The summaries of one scope's `estimates`, one per replication; with `pooled`, the
    /// scope's percentiles (T's then Wq's) from every replication's messages together,
    /// which the percentile metrics take as their estimates ([`Summary::sectioned`]).
    fn of(estimates: &[&Estimates], pooled: Option<[f64; 8]>) -> Self {
        let each = |f: &dyn Fn(&Departures) -> f64| -> Vec<f64> {
            estimates.iter().map(|e| f(&e.departures)).collect()
        };
        ScopeSummary {
            metrics: Metric::ALL
                .iter()
                .map(|&m| {
                    let xs: Vec<f64> = estimates.iter().map(|e| e.get(m)).collect();
                    metric_summary(m, &xs, pooled)
                })
                .collect(),
            measured: estimates.iter().map(|e| e.measured).sum(),
            departures: Departures {
                rate: Summary::of(&each(&|d| d.rate)).within(Bounds::NONNEGATIVE),
                mean_stay: Summary::of(&each(&|d| d.mean_stay)).within(Bounds::NONNEGATIVE),
            },
        }
    }

    /// The summary of metric `m`.
    pub fn get(&self, m: Metric) -> Summary {
        self.metrics[m as usize]
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
    /// With `replications = 1`, the batches its measurement was cut into: every interval is
    /// then a batch-means interval over them (t with batches − 1 degrees of freedom); 0 for
    /// independent replications.
    pub batches: u32,
    /// With batch means, the lag-1 autocorrelation of the system's T across batches
    /// ([`lag1_correlation`]): batches long enough to be independent keep it near 0.
    pub batch_correlation: Option<f64>,
    /// Events processed over all replications.
    pub events: u64,
    /// Messages that left the system over all replications (warm-up included).
    pub messages: u64,
    /// Replications that reached a budget (`[run] max_events`, or the backlog budget)
    /// before their customers and stopped.
    pub stopped: u32,
    /// Where some replication stopped early: why the first did, and each queue's messages in
    /// the system when they stopped, mean over those that stopped.
    pub stop: Option<(crate::replication::Stop, Vec<f64>)>,
    /// The scopes whose number in system was seen to grow ([`crate::growth`]): empty for a
    /// system that looks stable, or that is not tested.
    pub growth: Vec<crate::growth::Growth>,
    /// `[run] window`: the system's metrics window by window, in time order (empty without
    /// windows).
    pub windows: Vec<WindowSummary>,
    /// Each queue's scaling decisions in replication 0, in scenario order (None for a queue
    /// without `autoscale`).
    pub autoscale: Vec<Option<crate::replication::ScaleLog>>,
    /// With a producer's `timeout`: the senders' counts, mean per replication (None
    /// without).
    pub clients: Option<crate::replication::ClientCounts>,
    /// Consumer time and cost (None for a result not simulated here, as a live run's).
    pub cost: Option<crate::cost::CostSummary>,
}

/// Runs every replication of `scenario` on the current rayon pool and summarises them.
///
/// Replication i draws only from streams seeded by (seed, i), and results are reduced in
/// replication order, so the outcome does not depend on the number of threads.
pub fn run_experiment(scenario: &Scenario) -> Result<ExperimentResult, SimError> {
    let results = run_points(std::slice::from_ref(scenario), &Control::default())?;
    let point = results
        .into_iter()
        .next()
        .flatten()
        .expect("nothing stops an uncontrolled run");
    Ok(summarize(scenario, &point.replications, &point.tails))
}

/// How a long run reports progress and is told to stop.
#[derive(Default)]
pub struct Control<'a> {
    /// Called after each replication finishes (from worker threads).
    pub on_replication: Option<&'a (dyn Fn() + Sync)>,
    /// When set, replications not yet started are skipped.
    pub stop: Option<&'a AtomicBool>,
}

impl Control<'_> {
    fn stopped(&self) -> bool {
        self.stop.is_some_and(|s| s.load(AtomicOrdering::Relaxed))
    }
}

/// Metric `m` summarised from its estimates `per_replication`: their mean and interval, or
/// for a percentile, with `pooled` (T's then Wq's, from every replication's messages), the
/// pooled one with the sectioning interval ([`Summary::sectioned`]); the interval clipped to
/// the metric's range ([`Metric::bounds`]).
pub fn metric_summary(m: Metric, per_replication: &[f64], pooled: Option<[f64; 8]>) -> Summary {
    match (m.percentile(), pooled) {
        (Some((is_t, i)), Some(p)) => {
            Summary::sectioned(p[if is_t { i } else { 4 + i }], per_replication)
        }
        _ => Summary::of(per_replication),
    }
    .within(m.bounds().admitting(per_replication))
}

/// The replications of one scenario, in order, and their T and Wq pooled.
#[derive(Debug, Clone, Default)]
pub struct Point {
    /// Each replication's result (its own tails handed over to `tails`); with batch means
    /// (`replications = 1`), each batch's, in order.
    pub replications: Vec<ReplicationResult>,
    /// The replications' recorded T and Wq, pooled.
    pub tails: Tails,
}

/// Runs every replication of every scenario (the points of a sweep, the alternatives of a
/// comparison) as one parallel batch, so that small points do not leave cores idle.
///
/// Returns, per scenario in order, its replications in order with their tails pooled — or
/// None for a scenario some of whose replications were skipped because `control` said stop
/// (the others are complete). Each replication's recorded values are pooled as it ends, so
/// memory holds one pool per scenario rather than one per replication.
pub fn run_points(
    scenarios: &[Scenario],
    control: &Control<'_>,
) -> Result<Vec<Option<Point>>, SimError> {
    let tasks: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(p, s)| (0..u64::from(s.run.replications)).map(move |i| (p, i)))
        .collect();
    let pools: Vec<Mutex<Tails>> = scenarios.iter().map(|_| Mutex::default()).collect();
    let done: Vec<Option<Vec<ReplicationResult>>> = tasks
        .par_iter()
        .map(|&(p, i)| {
            if control.stopped() {
                return Ok(None);
            }
            let s = &scenarios[p];
            let mut rs = if s.run.replications == 1 && s.run.batches > 1 {
                run_batched(s, i, s.run.batches)?
            } else {
                vec![run_replication(s, i)?]
            };
            // Counts add exactly: the pool does not depend on the order replications end in.
            let mut pool = pools[p].lock().unwrap_or_else(PoisonError::into_inner);
            for r in &mut rs {
                pool.merge(&std::mem::take(&mut r.tails));
            }
            drop(pool);
            if let Some(f) = control.on_replication {
                f();
            }
            Ok(Some(rs))
        })
        .collect::<Result<_, SimError>>()?;
    let mut per_point: Vec<Option<Point>> = pools
        .into_iter()
        .map(|pool| {
            Some(Point {
                replications: Vec::new(),
                tails: pool.into_inner().unwrap_or_else(PoisonError::into_inner),
            })
        })
        .collect();
    for ((p, _), r) in tasks.iter().zip(done) {
        match (r, &mut per_point[*p]) {
            (Some(r), Some(point)) => point.replications.extend(r),
            (None, slot) => *slot = None,
            (Some(_), None) => {}
        }
    }
    Ok(per_point)
}

/// Summarises the replications of `scenario` (in replication order): each metric's mean and
/// interval over them, except the percentiles, taken from `tails` (their pooled T and Wq)
/// when it has them, with intervals by sectioning.
pub fn summarize(
    scenario: &Scenario,
    results: &[ReplicationResult],
    tails: &Tails,
) -> ExperimentResult {
    // A scope that records no percentiles mirrors the system's.
    let pooled = |i: usize| tails.percentiles(i).or_else(|| tails.percentiles(0));
    let nq = scenario.queues.len();
    let scope = |pick: &dyn Fn(&ReplicationResult) -> &Estimates, i: usize| {
        ScopeSummary::of(&results.iter().map(pick).collect::<Vec<_>>(), pooled(i))
    };
    let batch_means = scenario.run.replications == 1 && results.len() > 1;
    let replications = if batch_means { 1 } else { results.len() };
    ExperimentResult {
        system: scope(&|r| &r.system, 0),
        queues: (0..nq).map(|j| scope(&|r| &r.queues[j], 1 + j)).collect(),
        classes: (0..scenario.classes.len())
            .map(|k| scope(&|r| &r.classes[k], 1 + nq + k))
            .collect(),
        counts: (0..nq)
            .map(|j| mean_counts(results, j, replications))
            .collect(),
        replications: replications as u32,
        batches: if batch_means { results.len() as u32 } else { 0 },
        batch_correlation: batch_means.then(|| {
            lag1_correlation(
                &results
                    .iter()
                    .map(|r| r.system.get(Metric::T))
                    .collect::<Vec<_>>(),
            )
        }),
        events: results.iter().map(|r| r.events).sum(),
        messages: results.iter().map(|r| r.messages).sum(),
        stopped: results.iter().filter(|r| r.stopped).count() as u32,
        stop: stop_summary(results),
        growth: crate::growth::observed_growth(scenario, results),
        windows: crate::windows::summarize(
            &results
                .iter()
                .map(|r| r.windows.as_slice())
                .collect::<Vec<_>>(),
        ),
        // Replication 0's; with batch means, the one replication's (its last batch has them).
        autoscale: (if batch_means {
            results.last()
        } else {
            results.first()
        })
        .map(|r| r.autoscale.clone())
        .unwrap_or_default(),
        clients: mean_client_counts(results, replications),
        cost: Some(crate::cost::summarize(scenario, results)),
    }
}

/// Why the first of `results` that stopped early stopped, and each queue's backlog then,
/// mean over those that stopped (None when none did).
fn stop_summary(results: &[ReplicationResult]) -> Option<(crate::replication::Stop, Vec<f64>)> {
    let stopped: Vec<(crate::replication::Stop, &Vec<u64>)> = results
        .iter()
        .filter_map(|r| Some((r.stop?, r.backlog.as_ref()?)))
        .collect();
    let (why, first) = stopped.first()?;
    let n = stopped.len() as f64;
    let mean = (0..first.len())
        .map(|j| stopped.iter().map(|(_, b)| b[j] as f64).sum::<f64>() / n)
        .collect();
    Some((*why, mean))
}

/// The senders' counts summed over `results` and divided by `replications` (None without
/// client timeouts).
fn mean_client_counts(
    results: &[ReplicationResult],
    replications: usize,
) -> Option<crate::replication::ClientCounts> {
    let mut m: Option<crate::replication::ClientCounts> = None;
    for c in results.iter().filter_map(|r| r.clients.as_ref()) {
        m.get_or_insert_default().add_share(c, replications as f64);
    }
    m
}

/// The lag-1 autocorrelation of the series `xs`, Σ(xᵢ − x̄)(xᵢ₊₁ − x̄) / Σ(xᵢ − x̄)²: near
/// 0 (about −1/n) for independent values, large when consecutive batches are too short to
/// be independent. NaN for fewer than 3 values or a constant series.
pub fn lag1_correlation(xs: &[f64]) -> f64 {
    if xs.len() < 3 {
        return f64::NAN;
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    let den: f64 = xs.iter().map(|x| (x - m).powi(2)).sum();
    let num: f64 = xs.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum();
    num / den
}

/// Queue `j`'s counts per replication: summed over `results` in order (the batches of one
/// replication, or independent replications) and divided by `replications`.
fn mean_counts(results: &[ReplicationResult], j: usize, replications: usize) -> QueueCounts {
    let n = replications as f64;
    let mut m = QueueCounts::default();
    for r in results {
        let c = &r.counts[j];
        m.published += c.published / n;
        m.acked += c.acked / n;
        m.rejected += c.rejected / n;
        m.dropped += c.dropped / n;
        m.expired += c.expired / n;
        m.abandoned += c.abandoned / n;
        m.dead_lettered += c.dead_lettered / n;
        m.redelivered += c.redelivered / n;
        m.preempted += c.preempted / n;
        m.in_system += c.in_system / n;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_clipped_to_the_metric_range() {
        // xs = 0, 0, 0.3: mean 0.1, s = 0.173205, t_{0.975,2} = 4.302653: half-width 0.430265.
        let xs = [0.0, 0.0, 0.3];
        let s = metric_summary(Metric::Wq, &xs, None);
        assert!((s.half_width - 0.430_265_3).abs() < 1e-6, "{s:?}");
        assert_eq!(s.ci().0, 0.0);
        assert!((s.ci().1 - 0.530_265_3).abs() < 1e-6);
        assert!(s.clipped());
        // A probability: both ends.
        let p = metric_summary(Metric::PWait, &[0.2, 0.9, 0.6], None);
        assert_eq!(p.ci(), (0.0, 1.0));
        // at_level keeps the bounds.
        assert_eq!(s.at_level(0.999).ci().0, 0.0);
        // A difference is not clipped.
        assert!(Summary::of(&xs).ci().0 < 0.0 && !Summary::of(&xs).clipped());
        // An estimate beyond a bound drops that end (a utilisation over consumers on duty).
        let u = metric_summary(Metric::Utilization, &[1.02, 0.6, 0.9], None);
        assert_eq!(
            u.bounds,
            Bounds {
                lo: 0.0,
                hi: f64::INFINITY
            }
        );
        assert!(u.ci().1 > 1.0);
        // Rounding does not: an Lq of −1e−14 is 0.
        let lq = metric_summary(Metric::Lq, &[-1e-14, 0.0, 0.2], None);
        assert_eq!(lq.ci().0, 0.0);
        // Amplification never below 1.
        let a = metric_summary(Metric::Amplification, &[1.0, 1.0, 1.6], None);
        assert_eq!(a.ci().0, 1.0);
        // NaN stays NaN.
        let n = metric_summary(Metric::T, &[f64::NAN, 1.0], None);
        assert!(n.ci().0.is_nan() && n.ci().1.is_nan() && !n.clipped());
    }

    #[test]
    fn t_interval_matches_hand_computation() {
        // xs = 1..=5: mean 3, s² = 2.5, t_{0.975,4} = 2.7764451051977987 (statistical tables).
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        let want = 2.776_445_105_197_799 * (2.5f64 / 5.0).sqrt();
        assert!((s.half_width - want).abs() < 1e-12);
        assert!(s.contains(3.0) && !s.contains(6.0));
        // Equal variances and sizes: Welch's df is 2(n − 1) = 8 and the half-width is
        // t_{0.975,8} · √(2.5/5 + 2.5/5) = 2.3060041 (tables).
        let w = welch_half_width(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 3.0, 4.0, 5.0, 6.0]);
        assert!((w - 2.306_004_135_204_166).abs() < 1e-9, "{w}");
        // 99.9%: t_{0.9995,4} = 8.6103 (tables), so the half-width is 8.6103·√0.5 = 6.088.
        assert!(s.contains_at(3.0 + 6.08, 0.999) && !s.contains_at(3.0 + 6.10, 0.999));
    }

    #[test]
    fn percentiles_are_those_of_every_replication_pooled() {
        // A second method: every measured sojourn of every replication, sorted; the sample
        // p-quantile is the ⌈p·N⌉-th. The run's percentiles must be it, to the histogram's
        // 0.1%, and their intervals must hold the per-replication spread about it.
        let text = r#"
            [[producers]]
            name = "p"
            interarrival = { kind = "exponential", rate = 0.8 }
            [[queues]]
            name = "q"
            consumers = 1
            service = { kind = "exponential", mean = 1.0 }
            [run]
            replications = 4
            customers = 20000
            warmup = 1000
            seed = 9
        "#;
        let scenario = Scenario::parse(std::path::Path::new("inline.toml"), text).unwrap();
        let mut all = Vec::new();
        let mut each = Vec::new();
        for i in 0..4 {
            let mut t = Vec::new();
            let r = crate::replication::run_replication_observed(&scenario, i, &mut |e| {
                t.push(e.sojourn);
            })
            .unwrap();
            all.extend_from_slice(&t[1000..]);
            each.push(r.system.get(Metric::TP999));
        }
        all.sort_by(f64::total_cmp);
        let r = run_experiment(&scenario).unwrap();
        let quantiles = [Metric::TP50, Metric::TP90, Metric::TP99, Metric::TP999];
        for (m, q) in quantiles.into_iter().zip(crate::stats::QUANTILES) {
            let exact = all[(q * all.len() as f64).ceil() as usize - 1];
            let got = r.system.get(m);
            assert!(
                (got.mean / exact - 1.0).abs() < 2e-3,
                "{}: {got:?} vs {exact}",
                m.name()
            );
        }
        let p999 = r.system.get(Metric::TP999);
        assert_eq!(
            p999,
            Summary::sectioned(p999.mean, &each).within(Bounds::NONNEGATIVE)
        );
        // Not the average of the replications' own.
        assert_ne!(p999.mean, each.iter().sum::<f64>() / 4.0);
    }

    #[test]
    fn every_scope_counts_the_messages_it_measured() {
        // Two classes through one queue, nothing lost: the system measures every message
        // after the warm-up, the classes share them out, and the lone queue (a mirror of the
        // system, recording nothing itself) takes the system's count.
        let text = r#"
            [[classes]]
            name = "a"
            [[classes]]
            name = "b"
            [[producers]]
            name = "pa"
            class = "a"
            interarrival = { kind = "exponential", rate = 0.3 }
            [[producers]]
            name = "pb"
            class = "b"
            interarrival = { kind = "exponential", rate = 0.2 }
            [[queues]]
            name = "q"
            consumers = 1
            service = { kind = "exponential", mean = 1.0 }
            [run]
            replications = 3
            customers = 2000
            warmup = 100
            seed = 5
        "#;
        let scenario = Scenario::parse(std::path::Path::new("inline.toml"), text).unwrap();
        let r = run_experiment(&scenario).unwrap();
        assert_eq!(r.system.measured, 3 * 2000);
        assert_eq!(r.queues[0].measured, r.system.measured);
        let (a, b) = (r.classes[0].measured, r.classes[1].measured);
        assert_eq!(a + b, r.system.measured);
        // Class a brings 60% of the traffic.
        assert!((3400..3800).contains(&a), "{a}");
    }
}
