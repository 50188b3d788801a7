//! Warnings a reader of a run should see before trusting its figures: Little's law broken,
//! load near or past saturation, approximate theory, too few replications, too few messages
//! for the far percentiles.

use kendall_sim::stats::{Metric, QUANTILES};

use crate::{RunReport, ScopeReport, TheoryStatus};

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

impl RunReport {
    /// Every warning about this report, in a fixed order: stability, saturation, theory,
    /// replications, then Little's law per scope (system, queues, classes).
    pub fn diagnose(&self) -> Vec<String> {
        let mut out = Vec::new();
        let unstable = matches!(self.theory, TheoryStatus::Unstable { .. })
            || self.loads.iter().any(|&r| r >= 1.0);
        if let TheoryStatus::Unstable { rho } = self.theory
            && !self.loads.iter().any(|&r| r >= 1.0)
        {
            out.push(format!(
                "unstable: rho = {rho:.4} >= 1: no steady state exists; the figures depend on the run length"
            ));
        }
        for (q, &rho) in self.queues.iter().zip(&self.loads) {
            if rho >= 1.0 {
                out.push(format!(
                    "unstable: rho = {rho:.4} >= 1 for queue {}: no steady state exists; the figures depend on the run length",
                    q.name
                ));
            } else if rho >= NEAR_SATURATION {
                out.push(format!(
                    "near saturation: rho = {rho:.4} >= {NEAR_SATURATION} for queue {}: long warm-up, wide intervals, and small changes in load move T a lot",
                    q.name
                ));
            }
        }
        if let TheoryStatus::Predicted { model, kind, .. } = &self.theory
            && *kind == "approximation"
        {
            out.push(format!(
                "theory is an approximation ({model}): a gap to the simulation is the approximation's error"
            ));
        }
        if self.replications < MIN_REPLICATIONS {
            out.push(format!(
                "only {} replications: the confidence intervals are wide and lean on normality (use at least {MIN_REPLICATIONS})",
                self.replications
            ));
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
fn little(what: &str, scope: &ScopeReport) -> Option<String> {
    let get = |m: Metric| scope.rows.iter().find(|r| r.metric == m).map(|r| r.summary);
    let (l, x, t) = (get(Metric::L)?, get(Metric::Throughput)?, get(Metric::T)?);
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

#[cfg(test)]
mod tests {
    use kendall_sim::Summary;

    use super::*;
    use crate::MetricRow;

    /// A scope whose L, throughput and T are the given (mean, half-width) pairs.
    fn scope(name: &str, l: (f64, f64), x: (f64, f64), t: (f64, f64)) -> ScopeReport {
        let row = |metric, (mean, half_width)| MetricRow {
            metric,
            summary: Summary {
                mean,
                half_width,
                replications: 20,
            },
            theory: None,
            theory_kind: None,
            model: None,
            none_seen: None,
        };
        ScopeReport {
            name: name.into(),
            rows: vec![
                row(Metric::T, t),
                row(Metric::L, l),
                row(Metric::Throughput, x),
            ],
        }
    }

    fn report(system: ScopeReport, theory: TheoryStatus, rho: f64, reps: u32) -> RunReport {
        RunReport {
            scenario: "hand-made".into(),
            time_unit: String::new(),
            seed: 1,
            replications: reps,
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
            loads: vec![rho],
            warnings: vec![],
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
}
