//! Whether the warm-up outlasts the long sojourns that an empty start cuts off.
//!
//! Every replication starts empty and measures the messages that leave after its warm-up.
//! A message that leaves at time t after staying T arrived at t − T, so no message leaving
//! before T has passed stayed that long: right after the start the long sojourns are missing.
//! Beyond that, counting the messages that leave is fair to every sojourn time. So over a
//! measured run of D time units that starts w after the start, a message staying T is
//! missing for (T − w)⁺ of the D (at most all of it), and the measured mean and percentiles
//! of T come out low, in every replication alike, where no interval shows it.
//!
//! [`crate::startup`] checks that a queue has time to settle (its relaxation); this checks
//! the messages' own stays. It is what matters for a large fleet whose messages seldom wait:
//! the queue settles at once, but a warm-up of a few messages per consumer is shorter than
//! the far percentiles of the service time.

use kendall_sim::stats::{Metric, QUANTILES};
use kendall_sim::traffic::all_stable;
use kendall_sim::{ExperimentResult, Scenario, ScopeSummary};

use crate::sojourn_tail::SojournTail;
use crate::startup::{STARTUP_BIAS, least, short};

/// The metrics of T that the cut biases: its mean, then its percentiles.
const CUT: [Metric; 5] = [
    Metric::T,
    Metric::TP50,
    Metric::TP90,
    Metric::TP99,
    Metric::TP999,
];

/// Rounds of correcting the measured percentiles for their own bias ([`short_warmup`]).
const CORRECTIONS: usize = 10;

/// One metric of one scope that cut sojourns bias low by more than it can bear.
#[derive(Debug, Clone, PartialEq)]
pub struct CutMetric {
    /// Scope: "system", or a queue's or class's name.
    pub scope: String,
    /// Which metric of T.
    pub metric: Metric,
    /// Its estimated relative bias (low).
    pub bias: f64,
}

/// A run whose warm-up ends before the long sojourns of its first messages would have.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortWarmup {
    /// When the warm-up ends, estimated, in the scenario's time unit.
    pub warmup_ends: f64,
    /// The longest reported sojourn: the system's T_p999.
    pub longest: f64,
    /// The metrics biased more than [`limit`] allows, by scope.
    pub cut: Vec<CutMetric>,
    /// Warm-up messages that would bring every bias within half its limit.
    pub warmup_needed: u64,
}

impl ShortWarmup {
    /// The warning for a run's report, times in `time_unit`.
    pub fn warning(&self, time_unit: &str) -> String {
        format!(
            "start-up: the warm-up ends about {} {time_unit} into each replication, too soon \
             after the empty start for the longest stays (T_p999 = {} {time_unit}): messages \
             that stay long are missing from the start of the measured run, in every \
             replication alike, and T comes out low by more than its intervals show: {}; use a \
             warm-up of at least {} messages (--warmup {})",
            short(self.warmup_ends),
            short(self.longest),
            self.biases(),
            self.warmup_needed,
            self.warmup_needed
        )
    }

    /// The biased metrics, scope by scope: "T by 0.8%, T_p99 by 2.4% (system); …".
    fn biases(&self) -> String {
        let mut scopes: Vec<(&str, Vec<String>)> = Vec::new();
        for c in &self.cut {
            let each = format!("{} by {}", c.metric.name(), percent_of(c.bias));
            match scopes.last_mut() {
                Some((name, metrics)) if *name == c.scope => metrics.push(each),
                _ => scopes.push((&c.scope, vec![each])),
            }
        }
        scopes
            .iter()
            .map(|(name, metrics)| format!("{} ({name})", metrics.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A bias as a percentage, with a decimal below 10%.
pub(crate) fn percent_of(bias: f64) -> String {
    if bias < 0.1 {
        format!("{:.1}%", bias * 100.0)
    } else {
        format!("{:.0}%", bias * 100.0)
    }
}

/// The bias a metric bears: [`STARTUP_BIAS`], or less when its interval is narrower — half
/// its relative half-width, where a bias starts to move the interval off the truth.
pub fn limit(mean: f64, half_width: f64) -> f64 {
    STARTUP_BIAS.min(0.5 * half_width / mean.abs())
}

/// One scope's T: its name, its summaries, and its distribution.
#[derive(Clone)]
struct Scope<'a> {
    name: &'a str,
    summary: &'a ScopeSummary,
    /// (p, T's p-percentile) for each of [`QUANTILES`].
    percentiles: Vec<(f64, f64)>,
    tail: SojournTail,
}

impl<'a> Scope<'a> {
    /// The scope as measured: T through its measured percentiles. None when they do not
    /// describe a distribution (no message reached the scope).
    fn measured(name: &'a str, summary: &'a ScopeSummary) -> Option<Self> {
        let percentiles = QUANTILES
            .iter()
            .zip(&CUT[1..])
            .map(|(&p, &m)| (p, summary.get(m).mean))
            .collect();
        Self::through(name, summary, percentiles)
    }

    fn through(
        name: &'a str,
        summary: &'a ScopeSummary,
        percentiles: Vec<(f64, f64)>,
    ) -> Option<Self> {
        Some(Self {
            name,
            summary,
            tail: SojournTail::new(&percentiles)?,
            percentiles,
        })
    }

    /// The next guess at the scope's true percentiles, from this guess: the `measured` ones
    /// over (1 − bias), the biases estimated under this guess for a warm-up ending at
    /// `warmup` and a run of `window`. This guess again if that is no distribution.
    fn corrected(&self, measured: &Self, warmup: f64, window: f64) -> Self {
        let biases = cut_biases(&self.tail, &self.percentiles, warmup, window);
        let percentiles = measured
            .percentiles
            .iter()
            .zip(&biases[1..])
            .map(|(&(p, s), b)| (p, s / (1.0 - b)))
            .collect();
        Self::through(self.name, self.summary, percentiles).unwrap_or_else(|| self.clone())
    }

    /// The metrics of [`CUT`] biased beyond `share` of their [`limit`] by a warm-up ending
    /// at `warmup` and a measured run of `window`.
    fn cut(&self, warmup: f64, window: f64, share: f64) -> Vec<CutMetric> {
        CUT.iter()
            .zip(cut_biases(&self.tail, &self.percentiles, warmup, window))
            .filter(|&(&m, bias)| {
                let s = self.summary.get(m);
                bias > share * limit(s.mean, s.half_width)
            })
            .map(|(&metric, bias)| CutMetric {
                scope: self.name.to_string(),
                metric,
                bias,
            })
            .collect()
    }
}

/// How much a message staying t counts in a measured run of `window` time units that starts
/// `warmup` after an empty start: h(t) = 1 − min(1, (t − warmup)⁺/window), the share of the
/// run in which it could have left.
struct Weight {
    warmup: f64,
    window: f64,
}

impl Weight {
    /// E[h(T); T > s] and E[T·h(T); T > s] for T distributed as `tail`.
    fn beyond(&self, tail: &SojournTail, s: f64) -> (f64, f64) {
        let (w, d) = (self.warmup, self.window);
        // h is 1 up to w, then falls linearly as 1 + w/d − t/d to 0 at w + d.
        let flat = tail.moments(s, w);
        let falling = tail.moments(s.max(w), w + d);
        let c = 1.0 + w / d;
        (
            flat[0] + c * falling[0] - falling[1] / d,
            flat[1] + c * falling[1] - falling[2] / d,
        )
    }
}

/// The estimated relative biases (low) of T's mean and of its `percentiles` (each (p, its
/// value under `tail`), in [`CUT`] order) when T follows `tail` and is measured over the
/// messages leaving in a run of `window` time units that starts `warmup` after an empty
/// start: the measured distribution is T's reweighted by [`Weight`]. Its mean against T's
/// gives the mean's bias; each percentile's is where the reweighted survival falls to 1 − p.
pub fn cut_biases(
    tail: &SojournTail,
    percentiles: &[(f64, f64)],
    warmup: f64,
    window: f64,
) -> [f64; 5] {
    let weight = Weight { warmup, window };
    // From below 0, so that a point at 0 counts.
    let (counted, counted_t) = weight.beyond(tail, -1.0);
    let mean = tail.moments(-1.0, f64::INFINITY)[1];
    let mut biases = [0.0; 5];
    biases[0] = 1.0 - counted_t / counted / mean;
    let measured_survival = |s: f64| weight.beyond(tail, s).0 / counted;
    for (bias, &(p, truth)) in biases[1..].iter_mut().zip(percentiles) {
        // The measured percentile: where the measured survival falls to 1 − p (it lies
        // below T's everywhere, h falling as t grows).
        if truth > 0.0 && measured_survival(truth) < 1.0 - p {
            let (mut lo, mut hi) = (0.0, truth);
            for _ in 0..50 {
                let mid = 0.5 * (lo + hi);
                if measured_survival(mid) > 1.0 - p {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            *bias = 1.0 - hi / truth;
        }
    }
    biases
}

/// When the warm-up's `messages` have left, for messages leaving at `rate` (per time unit)
/// with sojourns distributed as `tail`, from an empty start: the t at which
/// rate·E[(t − T)⁺] = messages, the number that arrived by t and stayed less than t since.
/// Exact for an infinite-server system; with queueing at the start, whose first messages
/// wait less than later ones, it comes out a little late.
fn warmup_ends(tail: &SojournTail, rate: f64, messages: f64) -> f64 {
    let done = |t: f64| {
        let [below, below_t, _] = tail.moments(-1.0, t);
        rate * (t * below - below_t)
    };
    let mean = tail.moments(-1.0, f64::INFINITY)[1];
    let (mut lo, mut hi) = (0.0, messages / rate + mean);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if done(mid) < messages {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The run of `scenario` that gave `result` if its warm-up is too short for its messages'
/// long sojourns: the metrics of T, in every scope, that the cut biases beyond their
/// [`limit`]. Times come from the system's measured throughput and T's percentiles, which
/// are first freed of the bias this run's warm-up put in them (by fixed-point iteration).
/// Each scope is taken to start with the system (a queue downstream starts later, and its
/// bias is larger than estimated). None for a scenario with an unstable queue (unbounded, at
/// ρ ≥ 1; a bounded queue is stable at any load).
pub fn short_warmup(scenario: &Scenario, result: &ExperimentResult) -> Option<ShortWarmup> {
    let rate = result.system.get(Metric::Throughput).mean;
    let window = scenario.run.customers as f64 / rate;
    // An unstable queue has no steady T for a cut to bias; its warnings say so.
    let stable = all_stable(scenario);
    if !(stable && rate > 0.0 && window.is_finite()) {
        return None;
    }
    let queues = scenario.queues.iter().map(|q| q.name.as_str());
    let classes = scenario.classes.iter().map(|c| c.name.as_str());
    // The system first; then each queue and class, unless measured just as a scope before it
    // (the lone queue of a one-queue system, say).
    let mut measured = vec![Scope::measured("system", &result.system)?];
    for (name, summary) in queues
        .zip(&result.queues)
        .chain(classes.zip(&result.classes))
    {
        if !measured.iter().any(|s| s.summary == summary)
            && let Some(scope) = Scope::measured(name, summary)
        {
            measured.push(scope);
        }
    }
    let warmup = scenario.run.warmup as f64;
    // The measured percentiles are themselves biased: the truth is taken as the measured
    // over (1 − bias), the bias estimated under the truth found so far, until it settles.
    let mut scopes = measured.clone();
    for _ in 0..CORRECTIONS {
        let ends = warmup_ends(&scopes[0].tail, rate, warmup);
        scopes = scopes
            .iter()
            .zip(&measured)
            .map(|(guess, m)| guess.corrected(m, ends, window))
            .collect();
    }
    let cut_at = |messages: f64, share: f64| {
        let ends = warmup_ends(&scopes[0].tail, rate, messages);
        let cut: Vec<CutMetric> = scopes
            .iter()
            .flat_map(|s| s.cut(ends, window, share))
            .collect();
        (ends, cut)
    };
    let (warmup_ends, cut) = cut_at(warmup, 1.0);
    if cut.is_empty() {
        return None;
    }
    Some(ShortWarmup {
        warmup_ends,
        longest: result.system.get(Metric::TP999).mean,
        cut,
        // Within half the limits, so that the next run's intervals, a little narrower or
        // wider, do not find it short again.
        warmup_needed: least(warmup.max(1.0), |w| cut_at(w, 0.5).1.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// T exponential with mean 1, through its percentiles.
    fn exponential() -> (SojournTail, Vec<(f64, f64)>) {
        let points: Vec<(f64, f64)> = QUANTILES.iter().map(|&p| (p, -(1.0 - p).ln())).collect();
        (SojournTail::new(&points).unwrap(), points)
    }

    #[test]
    fn biases_match_the_closed_forms_for_an_exponential() {
        // Measured over a window D after w, T ~ Exp(1) counts with weight
        // h(t) = 1 − min(1, (t − w)⁺/D). For D large enough that no stay outlasts it:
        // E[h] = 1 − e^(−w)/D, E[T·h] = 1 − (w + 2)e^(−w)/D, and the measured survival
        // beyond s ≥ w is e^(−s)(D − (s − w) − 1)/(D − e^(−w)).
        let (w, d) = (2.95, 22.2);
        let (e, points) = exponential();
        let b = cut_biases(&e, &points, w, d);
        let mean = (1.0 - (w + 2.0) * (-w).exp() / d) / (1.0 - (-w).exp() / d);
        assert!((b[0] - (1.0 - mean)).abs() < 1e-6, "{b:?}");
        let survival = |s: f64| (-s).exp() * (d - (s - w) - 1.0) / (d - (-w).exp());
        for (i, &p) in QUANTILES.iter().enumerate().skip(2) {
            let truth = -(1.0 - p).ln();
            let measured = truth * (1.0 - b[i + 1]);
            assert!(
                (survival(measured) - (1.0 - p)).abs() < 1e-6 * (1.0 - p),
                "p{p}: measured {measured}"
            );
        }
        // T_p999 comes out near 6.67 against 6.91: what kendall measures for 5,000
        // exponential consumers at this warm-up and window (tests/cli.rs).
        assert!((b[4] - (1.0 - 6.67 / 6.9078)).abs() < 0.003, "{b:?}");
    }

    #[test]
    fn a_long_warmup_leaves_no_bias() {
        let (e, points) = exponential();
        let b = cut_biases(&e, &points, 40.0, 100.0);
        assert!(b.iter().all(|&x| x.abs() < 1e-9), "{b:?}");
    }

    #[test]
    fn a_deterministic_stay_keeps_its_percentiles() {
        // All at 3: every message stays 3 (a point), so a cut can drop some but move none.
        let points = [(0.5, 3.0), (0.9, 3.0), (0.99, 3.0), (0.999, 3.0)];
        let d = SojournTail::new(&points).unwrap();
        let b = cut_biases(&d, &points, 1.0, 20.0);
        assert!(b[2..].iter().all(|&x| x.abs() < 1e-9), "{b:?}");
    }

    #[test]
    fn the_warmup_ends_when_its_messages_have_left() {
        // M/M/∞ from empty at rate λ: departures by t number λ(t − 1 + e^(−t)).
        let t = warmup_ends(&exponential().0, 4500.0, 9000.0);
        assert!(
            (4500.0 * (t - 1.0 + (-t).exp()) - 9000.0).abs() < 1e-3,
            "{t}"
        );
    }

    #[test]
    fn the_limit_is_the_tighter_of_one_percent_and_half_the_interval() {
        assert_eq!(limit(10.0, 1.0), STARTUP_BIAS);
        assert!((limit(10.0, 0.05) - 0.0025).abs() < 1e-15);
    }
}
