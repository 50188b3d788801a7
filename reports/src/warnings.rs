//! Warnings a reader of a run should see before trusting its figures: Little's law broken,
//! load near or past saturation (an unbounded queue unstable, a bounded one losing messages),
//! approximate theory, too few replications, too few messages for the far percentiles.

use kendall_sim::stats::{Metric, QUANTILES};
use kendall_sim::traffic::QueueLoad;

use kendall_sim::theory::Theory;
use kendall_sim::{ExperimentResult, Scenario};

use crate::{RunReport, ScopeReport, TheoryStatus};

/// The warnings of a run whose figures are biased by its length: too short for the system to
/// settle from empty, or a warm-up too short for the longest stays. `run` and `sweep` show
/// them among a run's warnings, `compare` for each alternative.
pub fn bias_warnings(
    scenario: &Scenario,
    result: &ExperimentResult,
    theory: &Theory,
) -> Vec<String> {
    let unit = &scenario.time_unit;
    if let Some(h) = scenario.run.horizon {
        return vec![crate::windows::transient_warning(h.end, unit)];
    }
    let mut out: Vec<String> = crate::startup::unsettled(scenario, theory)
        .iter()
        .map(|u| u.warning(unit))
        .collect();
    if let Some(short) = crate::early_sojourns::short_warmup(scenario, result) {
        out.push(short.warning(unit));
    }
    out
}

/// Load per consumer from which a queue counts as near saturation.
pub const NEAR_SATURATION: f64 = 0.95;
/// Fewest replications whose Student-t interval kendall does not warn about.
pub const MIN_REPLICATIONS: u32 = 5;
/// Relative slack allowed in Little's law beyond the confidence intervals.
pub const LITTLE_SLACK: f64 = 0.01;
/// Fewest values per replication beyond a percentile (customers × (1 − q)) for which kendall
/// does not warn that the percentile's estimate is biased low. A rule of thumb: a sample
/// quantile sits among the sample's few largest values, which at high load are strongly
/// correlated (one long busy period supplies most of them). Averaged over replications, the
/// estimates of T_p999 for M/M/1 at ρ = 0.9 fell 10% short with 50 such values per
/// replication; pooled over 20 replications, as kendall reads percentiles, they agree, but
/// with 10 per replication the pool still falls 14% short: the count that matters is of
/// busy periods, which one replication's count bounds better than the pool's.
pub const MIN_TAIL_VALUES: f64 = 100.0;
/// The finest share of the shortest mean service time the simulation clock must resolve at
/// the run's end: beyond it, f64 times are spaced too far apart for durations to keep their
/// digits.
pub const CLOCK_RESOLUTION: f64 = 1e-6;

impl RunReport {
    /// Every warning about this report, in a fixed order: stability, saturation, theory,
    /// replications, then Little's law per scope (system, queues, classes).
    pub fn diagnose(&self) -> Vec<String> {
        let mut out = Vec::new();
        // Replications stopped by a budget, and growth seen whatever theory says, are
        // reported by [`crate::growth::growth_warnings`], first.
        // A bounded queue is stable at any load: it loses messages rather than grows.
        let unstable_queue = self.loads.iter().any(|l| !l.stable());
        let unstable = matches!(self.theory, TheoryStatus::Unstable { .. })
            || unstable_queue
            || !self.unstable_observed.is_empty();
        if let TheoryStatus::Unstable { rho } = self.theory
            && !unstable_queue
        {
            out.push(format!(
                "unstable: rho = {rho:.4} >= 1: no steady state exists; the figures depend on the run length"
            ));
        }
        for (q, load) in self.queues.iter().zip(&self.loads) {
            out.extend(load_warning(&q.name, load));
        }
        if let TheoryStatus::Predicted { model, kind, .. } = &self.theory
            && *kind == "approximation"
        {
            out.push(format!(
                "theory is an approximation ({model}): a gap to the simulation is the approximation's error"
            ));
        }
        if self.batches == 0 && self.replications < MIN_REPLICATIONS {
            out.push(format!(
                "only {} replications: the confidence intervals are wide and lean on normality (use at least {MIN_REPLICATIONS})",
                self.replications
            ));
        }
        if self.batches > 0 && self.batches < MIN_REPLICATIONS {
            out.push(format!(
                "only {} batches: the confidence intervals are wide and lean on normality (use at least {MIN_REPLICATIONS})",
                self.batches
            ));
        }
        if let Some(w) = self.batch_warning() {
            out.push(w);
        }
        if let Some(w) = self.clock_warning() {
            out.push(w);
        }
        if !unstable && let Some(w) = tail(self.customers_per_replication) {
            out.push(w);
        }
        if !unstable {
            let scopes = std::iter::once(("system", &self.system))
                .chain(self.queues.iter().map(|q| ("queue", q)))
                .chain(self.classes.iter().map(|c| ("class", c)));
            for (what, scope) in scopes {
                if let Some(w) = little(what, scope) {
                    out.push(w);
                }
            }
        }
        out
    }
}

impl RunReport {
    /// Batch means whose batches are too short to be independent: the lag-1 autocorrelation
    /// of the system's T across batches above the one-sided 1% point of its distribution for
    /// independent batches, about 2.326/√B (its standard deviation is about 1/√B: M. S.
    /// Bartlett, "On the theoretical specification of sampling properties of autocorrelated
    /// time series", *JRSS Supplement* 8, 1946). Positively correlated batch means make the
    /// intervals too narrow.
    fn batch_warning(&self) -> Option<String> {
        let r = self.batch_correlation?;
        let limit = 2.326 / f64::from(self.batches).sqrt();
        (r > limit).then(|| {
            format!(
                "batch means: the T of consecutive batches are correlated (lag-1 r = {r:.2} over \
                 {} batches, above {limit:.2}, the 1% level for independent batches): the \
                 batches are too short to be independent, so the intervals are too narrow; run \
                 more customers (--customers) or fewer batches (--batches)",
                self.batches
            )
        })
    }

    /// A warning when the simulation clock, at about the time the run ends, resolves less
    /// than [`CLOCK_RESOLUTION`] of the shortest mean service time: an f64 time t is exact
    /// only to t·2⁻⁵², so a run that goes on for more than about 4.5·10⁹ service times
    /// (or one whose rates are tiny) measures durations in steps as coarse as themselves.
    /// The end is the horizon, or (warm-up + customers) over the arrival rate at the busiest
    /// queue (at least as early as the true end, so the warning errs on the quiet side).
    fn clock_warning(&self) -> Option<String> {
        let service = self
            .loads
            .iter()
            .map(|l| l.mean_service)
            .filter(|s| *s > 0.0)
            .fold(f64::INFINITY, f64::min);
        let end = self.horizon.unwrap_or_else(|| {
            let rate = self
                .loads
                .iter()
                .map(|l| l.arrival_rate)
                .fold(0.0, f64::max);
            (self.warmup + self.customers_per_replication) as f64 / rate
        });
        let spacing = end * f64::EPSILON;
        (service.is_finite() && end.is_finite() && spacing > CLOCK_RESOLUTION * service).then(|| {
            let unit = match self.time_unit.as_str() {
                "" => String::new(),
                u => format!(" {u}"),
            };
            format!(
                "clock precision: the run reaches about t = {end:.3e}{unit}, where the clock's steps are {spacing:.3e}{unit}, coarser than {CLOCK_RESOLUTION:e} of the shortest mean service time ({service:.3e}{unit}): measured times lose their digits; rescale the time unit or the rates"
            )
        })
    }
}

/// The warning about queue `name`'s load, if it is past or near saturation: an unbounded
/// queue at ρ ≥ 1 has no steady state; a bounded one has, but loses messages whenever full.
fn load_warning(name: &str, load: &QueueLoad) -> Option<String> {
    let rho = load.rho;
    match load.capacity {
        None if rho >= 1.0 && load.ttl.is_some() => Some(format!(
            "overloaded: rho = {rho:.4} >= 1 for queue {name}: stable, as waiting messages expire after their time to live instead of piling up, but many expire (see p_loss); T and Wq describe only the messages processed"
        )),
        None if rho >= 1.0 && load.patience => Some(format!(
            "overloaded: rho = {rho:.4} >= 1 for queue {name}: stable, as waiting messages abandon after their patience instead of piling up, but many abandon (see p_abandon)"
        )),
        None if rho >= 1.0 => Some(format!(
            "unstable: rho = {rho:.4} >= 1 for queue {name}: no steady state exists; the figures depend on the run length"
        )),
        None if rho >= NEAR_SATURATION => Some(format!(
            "near saturation: rho = {rho:.4} >= {NEAR_SATURATION} for queue {name}: long warm-up, wide intervals, and small changes in load move T a lot"
        )),
        Some(k) if rho >= 1.0 => Some(format!(
            "overloaded: rho = {rho:.4} >= 1 for queue {name}, bounded at {k}: stable, as a full queue loses messages instead of growing, but it loses many (see p_loss); T and Wq describe only the messages processed"
        )),
        Some(k) if rho >= NEAR_SATURATION => Some(format!(
            "near saturation: rho = {rho:.4} >= {NEAR_SATURATION} for queue {name}, bounded at {k}: stable, but it loses messages whenever full (see p_loss); T and Wq describe only the messages processed"
        )),
        _ => None,
    }
}

/// A warning when `customers` per replication leave fewer than [`MIN_TAIL_VALUES`] values
/// beyond some reported percentile.
fn tail(customers: u64) -> Option<String> {
    let n = customers as f64;
    let short: Vec<f64> = QUANTILES
        .iter()
        .copied()
        .filter(|q| n * (1.0 - q) < MIN_TAIL_VALUES)
        .collect();
    let (&lowest, &highest) = (short.first()?, short.last()?);
    let name = |q: f64| format!("p{}", q * 100.0);
    let names = short
        .iter()
        .map(|&q| name(q))
        .collect::<Vec<_>>()
        .join(", ");
    let need = (MIN_TAIL_VALUES / (1.0 - highest)).round();
    let and_lowest = if short.len() > 1 {
        format!(" (and {:.0} beyond {})", n * (1.0 - lowest), name(lowest))
    } else {
        String::new()
    };
    Some(format!(
        "few messages for the tail: {customers} per replication leave about {:.0} values beyond \
         {}{and_lowest}; such far percentiles (T and Wq {names}) come out biased low, more so \
         at high load (use at least {need:.0} customers for {})",
        n * (1.0 - highest),
        name(highest),
        name(highest),
    ))
}

/// Little's law L = λ·T on one scope's simulated means; a warning when they differ by more
/// than the two intervals' half-widths (the product's by first-order propagation) plus 1%.
/// L counts the time of every message in the scope, so λ and T are over every message that
/// left it ([`ScopeReport::departures`]), lost ones included: over the processed ones alone
/// (the throughput and T rows) the law fails wherever messages expire or are dropped.
fn little(what: &str, scope: &ScopeReport) -> Option<String> {
    let l = scope.rows.iter().find(|r| r.metric == Metric::L)?.summary;
    let (x, t) = (scope.departures.rate, scope.departures.mean_stay);
    let xt = x.mean * t.mean;
    if !(l.mean.is_finite() && xt.is_finite()) {
        return None;
    }
    let xt_half = x.mean.abs() * t.half_width + t.mean.abs() * x.half_width;
    let allowed = l.half_width + xt_half + LITTLE_SLACK * l.mean.abs().max(xt.abs());
    if (l.mean - xt).abs() <= allowed {
        return None;
    }
    let name = if what == "system" {
        "the system".to_string()
    } else {
        format!("{what} {}", scope.name)
    };
    Some(format!(
        "Little's law: L = {:.6} but λ·T = {xt:.6} for {name} (allowed gap {allowed:.6})",
        l.mean
    ))
}

/// The service SCV above which a two-moment approximation is warned about.
pub const HEAVY_SCV: f64 = 2.0;

/// Heavy-tail honesty: for each queue whose prediction is a two-moment approximation
/// (Kingman's G/G/1 or Allen–Cunneen's G/G/c) while its service has an SCV above
/// [`HEAVY_SCV`] or a heavy tail (Pareto, lognormal, Weibull of shape below 1), the warning
/// that its error can be unbounded: no approximation from the first two moments of service
/// bounds the mean wait of G/G/c, whose exact value ranges over an interval that grows without
/// bound with the SCV (V. Gupta, M. Harchol-Balter, J. G. Dai & B. Zwart, "On the inapproximability
/// of M/G/K: why two moments of job size distribution are not enough", *Queueing Systems*
/// 64(1), 2010). `run`, `sweep` and `report` show it among a run's warnings, `predict` on
/// stderr.
pub fn heavy_tail_warnings(scenario: &Scenario, theory: &Theory) -> Vec<String> {
    use kendall_models::Model;
    use kendall_sim::dist::Distribution;
    let mut out = Vec::new();
    for (q, p) in scenario.queues.iter().zip(&theory.queues) {
        let Some(p) = p else { continue };
        if !matches!(p.family, Model::Kingman | Model::AllenCunneen) {
            continue;
        }
        let heavy = q.service.iter().find_map(|d| match d {
            Distribution::Pareto { .. } => Some("Pareto"),
            Distribution::LogNormal { .. } => Some("lognormal"),
            Distribution::Weibull { shape, .. } if *shape < 1.0 => Some("Weibull of shape below 1"),
            _ => None,
        });
        let scv = q.service.iter().map(Distribution::scv).fold(0.0, f64::max);
        if heavy.is_none() && scv <= HEAVY_SCV {
            continue;
        }
        let scv = if scv.is_finite() {
            format!("{scv:.2}")
        } else {
            "infinite".into()
        };
        let tail = heavy.map_or(String::new(), |k| {
            format!("; its {k} service is heavy-tailed")
        });
        out.push(format!(
            "queue {}: {} is a two-moment approximation with service SCV {scv}: its error can be unbounded (Gupta, Harchol-Balter, Dai & Zwart 2010){tail}",
            q.name, p.model
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use kendall_sim::Summary;
    use kendall_sim::stats::Departures;

    use super::*;
    use crate::MetricRow;

    fn summary((mean, half_width): (f64, f64)) -> Summary {
        Summary {
            mean,
            half_width,
            replications: 20,
            bounds: kendall_sim::Bounds::ANY,
        }
    }

    /// A scope whose L, throughput and T are the given (mean, half-width) pairs, every
    /// message that left it processed (the departures are the throughput and T).
    fn scope(name: &str, l: (f64, f64), x: (f64, f64), t: (f64, f64)) -> ScopeReport {
        with_losses(name, l, (x, t), (x, t))
    }

    /// A scope with L, the processed messages' (throughput, T) and every departure's (rate,
    /// mean stay), as (mean, half-width) pairs.
    fn with_losses(
        name: &str,
        l: (f64, f64),
        processed: ((f64, f64), (f64, f64)),
        departed: ((f64, f64), (f64, f64)),
    ) -> ScopeReport {
        let row = |metric, s| MetricRow {
            metric,
            summary: summary(s),
            theory: None,
            theory_kind: None,
            model: None,
            none_seen: None,
        };
        ScopeReport {
            name: name.into(),
            rows: vec![
                row(Metric::T, processed.1),
                row(Metric::L, l),
                row(Metric::Throughput, processed.0),
            ],
            departures: Departures {
                rate: summary(departed.0),
                mean_stay: summary(departed.1),
            },
        }
    }

    /// An unbounded queue at load `rho`.
    fn unbounded(rho: f64) -> QueueLoad {
        QueueLoad {
            arrival_rate: rho,
            mean_service: 1.0,
            rho,
            capacity: None,
            ttl: None,
            patience: false,
        }
    }

    fn report(system: ScopeReport, theory: TheoryStatus, rho: f64, reps: u32) -> RunReport {
        RunReport {
            scenario: "hand-made".into(),
            time_unit: String::new(),
            seed: 1,
            replications: reps,
            batches: 0,
            batch_correlation: None,
            customers_per_replication: 1_000_000,
            warmup: 100,
            wall_seconds: 0.0,
            events: 0,
            messages: 0,
            theory,
            queues: vec![ScopeReport {
                name: "q".into(),
                ..system.clone()
            }],
            classes: vec![],
            system,
            counts: vec![Default::default()],
            warmup_auto: false,
            stopped: (0, None),
            unstable_observed: Vec::new(),
            abandonment: false,
            loads: vec![unbounded(rho)],
            warnings: vec![],
            horizon: None,
            windows: None,
            autoscale: vec![],
            clients: None,
            cost: None,
            fluid: None,
            cost_in_table: false,
        }
    }

    fn exact() -> TheoryStatus {
        TheoryStatus::Predicted {
            model: "M/M/1".into(),
            kind: "exact",
            reason: String::new(),
        }
    }

    #[test]
    fn a_clock_too_coarse_for_the_service_times_is_warned() {
        // 1,000,100 messages at 1e-9 per unit: the run ends near 1.0e15, where f64 steps are
        // 0.22 units, far coarser than 1e-6 of a service time of 1.
        let ok = scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2));
        let mut r = report(ok, exact(), 0.5, 20);
        r.loads = vec![QueueLoad {
            arrival_rate: 1e-9,
            ..unbounded(1e-9)
        }];
        let w = r.clock_warning().expect("a warning");
        assert!(
            w.starts_with("clock precision: the run reaches about t = 1.000e15,"),
            "{w}"
        );
        assert!(w.contains("steps are 2.221e-1,"), "{w}");
        // At rate 0.5 it ends near 2.2e6, resolved to 5e-10: no warning.
        r.loads = vec![unbounded(0.5)];
        assert_eq!(r.clock_warning(), None);
        // A horizon is the end: 1e11 units resolve to 2.2e-5, coarser than 1e-6.
        r.horizon = Some(1e11);
        assert!(r.clock_warning().is_some());
        r.horizon = Some(1e9);
        assert_eq!(r.clock_warning(), None);
    }

    #[test]
    fn overloaded_impatient_queue_is_stable() {
        // Erlang-A at ρ = 1.5 has a steady state: overloaded, not unstable.
        let load = QueueLoad {
            patience: true,
            ..unbounded(1.5)
        };
        let w = load_warning("q", &load).unwrap();
        assert!(
            w.starts_with("overloaded: rho = 1.5000 >= 1 for queue q: stable"),
            "{w}"
        );
        assert!(
            load_warning("q", &unbounded(1.5))
                .unwrap()
                .starts_with("unstable")
        );
    }

    #[test]
    fn consistent_figures_give_no_warning() {
        // L = 9 = 0.9 · 10 (M/M/1 at ρ = 0.9).
        let r = report(
            scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2)),
            exact(),
            0.9,
            20,
        );
        assert_eq!(r.diagnose(), Vec::<String>::new());
    }

    #[test]
    fn little_warning_fires_on_inconsistent_figures() {
        // λ·T = 0.9 · 10 = 9, but L = 9.5: the gap 0.5 exceeds 0.05 + (0.9·0.05 + 10·0.001)
        // + 1% · 9.5 = 0.2.
        let r = report(
            scope("system", (9.5, 0.05), (0.9, 0.001), (10.0, 0.05)),
            exact(),
            0.9,
            20,
        );
        let w = r.diagnose();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("Little's law: L = 9.5"), "{w:?}");
        assert!(w[0].contains("λ·T = 9.0") && w[0].contains("the system"));
        assert!(w[1].contains("for queue q"), "{w:?}");
        // Wide intervals cover the same gap: no warning.
        let wide = report(
            scope("system", (9.5, 0.4), (0.9, 0.001), (10.0, 0.2)),
            exact(),
            0.9,
            20,
        );
        assert!(wide.diagnose().is_empty());
    }

    #[test]
    fn load_theory_and_replication_warnings() {
        let ok = scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2));
        let near = report(ok.clone(), exact(), 0.96, 20).diagnose();
        assert!(
            near[0].starts_with("near saturation: rho = 0.9600"),
            "{near:?}"
        );
        let approx = TheoryStatus::Predicted {
            model: "G/G/1 (Kingman)".into(),
            kind: "approximation",
            reason: String::new(),
        };
        let w = report(ok.clone(), approx, 0.5, 3).diagnose();
        assert!(w[0].contains("approximation (G/G/1 (Kingman))"), "{w:?}");
        assert!(w[1].starts_with("only 3 replications"), "{w:?}");
        // Unstable: said once, and Little's law (meaningless without a steady state) is not
        // checked even on inconsistent figures.
        let bad = scope("system", (50.0, 1.0), (1.0, 0.01), (10.0, 0.1));
        let w = report(bad, TheoryStatus::Unstable { rho: 1.2 }, 1.2, 20).diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("unstable: rho = 1.2000 >= 1 for queue q"));
    }

    #[test]
    fn batch_means_are_judged_by_their_batches_and_their_correlation() {
        let ok = scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2));
        let mut r = report(ok, exact(), 0.5, 1);
        r.batches = 20;
        // 2.326/√20 = 0.520: below it, one replication in 20 batches warns of nothing.
        r.batch_correlation = Some(0.5);
        assert!(
            r.diagnose()
                .iter()
                .all(|w| !w.contains("replications") && !w.contains("batch")),
            "{:?}",
            r.diagnose()
        );
        r.batch_correlation = Some(0.55);
        let w = r.diagnose();
        assert!(
            w.iter()
                .any(|w| w.contains("lag-1 r = 0.55 over 20 batches")),
            "{w:?}"
        );
        r.batches = 4;
        r.batch_correlation = None;
        assert!(r.diagnose().iter().any(|w| w.starts_with("only 4 batches")));
    }

    #[test]
    fn tail_warning_names_the_percentiles_short_of_values() {
        let ok = scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2));
        let mut r = report(ok, exact(), 0.5, 20);
        // 100,000 customers leave 100 values beyond p99.9: no warning; one fewer, a warning.
        r.customers_per_replication = 100_000;
        assert!(r.diagnose().is_empty());
        r.customers_per_replication = 99_999;
        let w = r.diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("few messages for the tail: 99999 per replication"));
        assert!(w[0].contains("(T and Wq p99.9)") && w[0].contains("at least 100000"));
        assert!(w[0].contains("about 100 values beyond p99.9;"), "{w:?}");
        // 5,000 customers: p99 (50 values) and p99.9 (5) both short, p90 (500) fine.
        r.customers_per_replication = 5_000;
        let w = r.diagnose();
        assert!(w[0].contains("(T and Wq p99, p99.9)"), "{w:?}");
        assert!(w[0].contains("about 5 values beyond p99.9 (and 50 beyond p99);"));
    }

    #[test]
    fn a_bounded_queue_past_saturation_is_stable_and_loses_messages() {
        // M/M/2/6 at ρ = 1.5: L = 4.2, throughput 1.9 (p_loss 0.37), T = L / 1.9.
        let ok = scope("system", (4.2, 0.05), (1.9, 0.01), (4.2 / 1.9, 0.02));
        let mut r = report(ok.clone(), exact(), 1.5, 20);
        r.loads[0].capacity = Some(6);
        let w = r.diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("overloaded: rho = 1.5000 >= 1 for queue q, bounded at 6: stable"),
            "{w:?}"
        );
        assert!(!w.iter().any(|w| w.contains("unstable")), "{w:?}");
        // Stable, so Little's law is checked there as anywhere: inconsistent figures warn.
        let mut bad = report(
            scope("system", (5.0, 0.05), (1.9, 0.01), (4.2 / 1.9, 0.02)),
            exact(),
            1.5,
            20,
        );
        bad.loads[0].capacity = Some(6);
        let w = bad.diagnose();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[1].starts_with("Little's law: L = 5.0") && w[2].contains("for queue q"));
        // Near saturation, a bounded queue gets the loss note, not the long-warm-up one.
        let mut near = report(ok.clone(), exact(), 0.97, 20);
        near.loads[0].capacity = Some(6);
        let w = near.diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("near saturation: rho = 0.9700 >= 0.95 for queue q, bounded at 6")
                && w[0].contains("loses messages whenever full")
                && !w[0].contains("warm-up"),
            "{w:?}"
        );
        // Below saturation: nothing.
        let mut calm = report(ok, exact(), 0.5, 20);
        calm.loads[0].capacity = Some(6);
        assert!(calm.diagnose().is_empty());
    }

    #[test]
    fn a_queue_whose_messages_expire_is_stable_past_saturation() {
        let ok = scope("system", (4.2, 0.05), (1.9, 0.01), (4.2 / 1.9, 0.02));
        let mut r = report(ok, exact(), 1.3, 20);
        r.loads[0].ttl = Some(5.0);
        let w = r.diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("overloaded: rho = 1.3000 >= 1 for queue q: stable")
                && w[0].contains("expire"),
            "{w:?}"
        );
        // Without the time to live the same queue is unstable.
        r.loads[0].ttl = None;
        assert!(r.diagnose()[0].starts_with("unstable"));
    }

    #[test]
    fn an_unbounded_queue_past_saturation_is_unstable_whatever_theory_says() {
        // Theory with no model (say, crashing consumers) still leaves the queue unstable.
        let ok = scope("system", (9.0, 0.2), (0.9, 0.001), (10.0, 0.2));
        let none = TheoryStatus::NoModel {
            reason: "no model".into(),
        };
        let w = report(ok, none, 1.2, 20).diagnose();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("unstable: rho = 1.2000 >= 1 for queue q: no steady state"));
    }

    #[test]
    fn little_counts_the_messages_lost_inside() {
        // M/M/1 at λ = 0.9 with expiry (the ttl scenario): processed 0.8 per unit staying 2.8
        // on average (λ·T = 2.24), and 0.1 per unit expiring after 5 — every departure 0.9
        // per unit staying (0.8·2.8 + 0.1·5)/0.9 = 3.0444, so λ·T = 2.74 = L.
        let stay = (0.8 * 2.8 + 0.1 * 5.0) / 0.9;
        let ttl = with_losses(
            "system",
            (2.74, 0.02),
            ((0.8, 0.002), (2.8, 0.01)),
            ((0.9, 0.002), (stay, 0.01)),
        );
        let r = report(ttl, exact(), 0.9, 20);
        assert!(r.diagnose().is_empty(), "{:?}", r.diagnose());
        // The processed messages alone would have broken the law: 2.74 against 2.24.
        let (l, xt) = (2.74, 0.8 * 2.8);
        assert!(l - xt > 0.02 + (0.8 * 0.01 + 2.8 * 0.002) + LITTLE_SLACK * l);
        // Departures that do not account for L: a warning, with λ·T over all of them.
        let off = with_losses(
            "system",
            (2.74, 0.02),
            ((0.8, 0.002), (2.8, 0.01)),
            ((0.9, 0.002), (2.8, 0.01)),
        );
        let w = report(off, exact(), 0.9, 20).diagnose();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("Little's law: L = 2.740000 but λ·T = 2.520000 for the system"),
            "{w:?}"
        );
    }

    /// The heavy-tail warnings of M/G/2 (Poisson at 1.2, service of mean 1) with `service`.
    fn heavy_tail(service: &str) -> (String, Vec<String>) {
        let text = format!(
            "name = \"mg2\"\n[[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = 1.2 }}\n[[queues]]\nname = \"q\"\nconsumers = 2\nservice = {service}\n"
        );
        let s = Scenario::parse(std::path::Path::new("mg2.toml"), &text).unwrap();
        let theory = kendall_sim::theory::predict(&s);
        let model = match &theory.system {
            kendall_models::Verdict::Predicted(p) => p.model.clone(),
            other => panic!("{other:?}"),
        };
        (model, heavy_tail_warnings(&s, &theory))
    }

    #[test]
    fn two_moment_approximations_of_heavy_tailed_service_warn() {
        // Pareto service of shape 2.5, mean 1 (SCV 1/(α(α − 2)) = 0.8, but a power tail): warned.
        let (model, w) = heavy_tail(r#"{ kind = "pareto", shape = 2.5, scale = 0.6 }"#);
        assert!(model.contains("Allen"), "{model}");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("two-moment approximation with service SCV 0.80: its error can be unbounded (Gupta, Harchol-Balter, Dai & Zwart 2010)"),
            "{w:?}"
        );
        assert!(w[0].contains("Pareto"), "{w:?}");
        // Gamma of SCV 4 (shape 1/4): an exponential tail, but the SCV is above 2.
        let (model, w) = heavy_tail(r#"{ kind = "gamma", mean = 1.0, scv = 4.0 }"#);
        assert!(model.contains("Allen"), "{model}");
        assert!(w.len() == 1 && w[0].contains("SCV 4.00"), "{w:?}");
        // Exponential service (M/M/2, exact), a gamma of SCV 1.5 (an Allen–Cunneen figure,
        // but a light tail and a moderate SCV) and a hyperexponential of SCV 1.5 (whatever
        // model covers it): nothing.
        for service in [
            r#"{ kind = "exponential", mean = 1.0 }"#,
            r#"{ kind = "gamma", mean = 1.0, scv = 1.5 }"#,
            r#"{ kind = "hyperexponential", mean = 1.0, scv = 1.5 }"#,
        ] {
            let (model, w) = heavy_tail(service);
            assert!(w.is_empty(), "{service} ({model}): {w:?}");
        }
        let (model, _) = heavy_tail(r#"{ kind = "gamma", mean = 1.0, scv = 1.5 }"#);
        assert!(model.contains("Allen"), "{model}");
    }
}
