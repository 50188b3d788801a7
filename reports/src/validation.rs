//! `kendall validate-theory`'s verdicts: for a directory of scenarios whose measures are
//! known (run by the `kendall` binary), compare both the oracle and the simulation with the
//! values each file states in its `[expected]` table (from a published table, a textbook's closed form or a second method,
//! never from kendall).
//!
//! Pass criteria (the exit status of the command), for every file:
//! - it states expected values ([`kendall_sim::expected`]); a file without them fails;
//! - the oracle predicts every stated metric and agrees with it within [`MAX_ORACLE_ERROR`]
//!   (relative), and calls the case exact or approximate as the file does;
//! - for an exact case, each stated value lies inside the simulation's
//!   [`JUDGED_CONFIDENCE`] interval for that metric (Student's t over the replications).
//!
//! For an approximation the simulation is the truth: its gap to the stated value is the
//! approximation's error and is reported, never judged.

use std::path::Path;

use kendall_models::Verdict;
use kendall_sim::expected::{Expected, ExpectedKind};
use kendall_sim::stats::Metric;
use kendall_sim::{ExperimentResult, Scenario, Summary};

pub use crate::validation_output::{table, to_json};

/// Largest relative difference allowed between the oracle and a stated value.
pub const MAX_ORACLE_ERROR: f64 = 1e-9;
/// Absolute slack below which the oracle and a stated value count as equal (for values at or
/// near zero, where a relative error means nothing).
pub const ORACLE_ABSOLUTE_SLACK: f64 = 1e-15;
/// Confidence of the interval every stated value of an exact case must lie in.
pub const JUDGED_CONFIDENCE: f64 = 0.999;

/// One stated value beside what the oracle and the simulation make of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricCheck {
    /// The metric (system-wide).
    pub metric: Metric,
    /// The value the file states.
    pub expected: f64,
    /// The oracle's value, None when it predicts no such figure.
    pub oracle: Option<f64>,
    /// The simulation's mean and 95% interval.
    pub simulated: Summary,
    /// Whether the simulation is judged against the value (exact cases only).
    pub judged: bool,
}

impl MetricCheck {
    /// (oracle − expected) / expected; None without an oracle value.
    pub fn oracle_error(&self) -> Option<f64> {
        self.oracle.map(|o| relative(o, self.expected))
    }

    /// True when the oracle gives the value and agrees with it.
    pub fn oracle_agrees(&self) -> bool {
        self.oracle.is_some_and(|o| {
            (o - self.expected).abs()
                <= MAX_ORACLE_ERROR * self.expected.abs() + ORACLE_ABSOLUTE_SLACK
        })
    }

    /// (simulated − expected) / expected.
    pub fn gap(&self) -> f64 {
        relative(self.simulated.mean, self.expected)
    }

    /// Whether the stated value lies inside the simulation's [`JUDGED_CONFIDENCE`] interval.
    pub fn inside(&self) -> bool {
        self.simulated.contains_at(self.expected, JUDGED_CONFIDENCE)
    }

    /// Whether it lies inside the 95% interval (reported: about 95% of judged values should).
    pub fn inside_95(&self) -> bool {
        self.simulated.contains(self.expected)
    }

    /// The simulation's [`JUDGED_CONFIDENCE`] interval.
    pub fn judged_interval(&self) -> (f64, f64) {
        self.simulated.at_level(JUDGED_CONFIDENCE).ci()
    }
}

/// (x − reference) / reference, or the plain difference when the reference is zero.
fn relative(x: f64, reference: f64) -> f64 {
    if reference == 0.0 {
        x
    } else {
        (x - reference) / reference
    }
}

/// One validation case.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    /// The file, as given or found.
    pub file: String,
    /// The oracle's model, or why there is none ("unstable", "none: …").
    pub model: String,
    /// The oracle's "exact" or "approximation", None without a prediction.
    pub oracle_kind: Option<&'static str>,
    /// The file's `[expected]` table, None when it has none.
    pub expected: Option<Expected>,
    /// Each stated value, in [`Metric::ALL`] order.
    pub checks: Vec<MetricCheck>,
    /// The simulated end-to-end T (mean and 95% CI), stated or not.
    pub simulated_t: Summary,
    /// Replications actually run.
    pub replications: u32,
    /// Messages measured per replication.
    pub customers: u64,
    /// Warm-up in messages (MSER-5 when the file says "auto").
    pub warmup: u64,
    /// Wall-clock seconds for this case (pilot included).
    pub wall_seconds: f64,
}

impl ValidationRow {
    /// Compares `result` and the oracle's `verdict` with the file's `expected` values.
    pub fn new(
        file: String,
        scenario: &Scenario,
        verdict: &Verdict,
        result: &ExperimentResult,
        wall_seconds: f64,
    ) -> Self {
        let (model, oracle_kind, prediction) = match verdict {
            Verdict::Predicted(p) => (p.model.clone(), Some(p.kind()), Some(p)),
            Verdict::Unstable { rho } => (format!("unstable (rho = {rho:.4})"), None, None),
            Verdict::NoModel { reason } => (format!("none: {reason}"), None, None),
        };
        let expected = scenario.expected.clone();
        let checks = expected.as_ref().map_or_else(Vec::new, |e| {
            e.values
                .iter()
                .map(|&(metric, value)| MetricCheck {
                    metric,
                    expected: value,
                    oracle: prediction.and_then(|p| kendall_sim::theory::value(p, metric)),
                    simulated: result.system.get(metric),
                    judged: e.kind == ExpectedKind::Exact,
                })
                .collect()
        });
        ValidationRow {
            file,
            model,
            oracle_kind,
            expected,
            checks,
            simulated_t: result.system.get(Metric::T),
            replications: scenario.run.replications,
            customers: scenario.run.customers,
            warmup: scenario.run.warmup,
            wall_seconds,
        }
    }

    /// The file's kind ("exact", "approximation"), None without `[expected]`.
    pub fn kind(&self) -> Option<&'static str> {
        self.expected.as_ref().map(|e| e.kind.label())
    }

    /// The check of metric `m`, if the file states it.
    pub fn check(&self, m: Metric) -> Option<&MetricCheck> {
        self.checks.iter().find(|c| c.metric == m)
    }

    /// Why this case fails, one line each; empty when it passes.
    pub fn failures(&self) -> Vec<String> {
        let name = short_name(&self.file);
        let Some(expected) = &self.expected else {
            return vec![format!(
                "{name}: states no expected values (add an [expected] table with its source)"
            )];
        };
        let Some(oracle_kind) = self.oracle_kind else {
            return vec![format!("{name}: no theory ({})", self.model)];
        };
        let mut out = Vec::new();
        if oracle_kind != expected.kind.label() {
            out.push(format!(
                "{name}: the oracle calls it {oracle_kind}, the file {}",
                expected.kind.label()
            ));
        }
        for c in &self.checks {
            let m = c.metric.name();
            match c.oracle {
                None => out.push(format!(
                    "{name}: the oracle gives no {m} (expected {})",
                    c.expected
                )),
                Some(o) if !c.oracle_agrees() => out.push(format!(
                    "{name}: the oracle's {m} = {o} differs from the expected {} by {:.3e} \
                     (relative; at most {MAX_ORACLE_ERROR:e})",
                    c.expected,
                    c.oracle_error().unwrap_or(f64::NAN)
                )),
                Some(_) => {}
            }
            if c.judged && !c.inside() {
                let (lo, hi) = c.judged_interval();
                out.push(format!(
                    "{name}: the expected {m} = {} is outside the simulation's {}% interval \
                     [{lo:.6}, {hi:.6}] (mean {:.6}, {:+.3}%)",
                    c.expected,
                    100.0 * JUDGED_CONFIDENCE,
                    c.simulated.mean,
                    100.0 * c.gap()
                ));
            }
        }
        out
    }
}

/// The file name without its directory.
pub(crate) fn short_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map_or(file.to_string(), |f| f.to_string_lossy().into_owned())
}

/// The suite's figures and verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationSummary {
    /// Files run.
    pub cases: usize,
    /// Exact cases.
    pub exact: usize,
    /// Approximation cases.
    pub approx: usize,
    /// Stated values compared with the oracle.
    pub oracle_checks: usize,
    /// Of those, the oracle agrees within [`MAX_ORACLE_ERROR`].
    pub oracle_agree: usize,
    /// Largest |relative error| of the oracle over all stated values (0 without any).
    pub oracle_max_error: f64,
    /// Stated values of exact cases judged against the simulation.
    pub judged: usize,
    /// Of those, inside the [`JUDGED_CONFIDENCE`] interval.
    pub inside: usize,
    /// Of those, inside the 95% interval (for calibration: about 95% should be).
    pub inside_95: usize,
    /// Largest |relative gap| between simulated and expected T over exact cases.
    pub exact_max_gap: f64,
    /// Mean |relative gap| of T over approximation cases (NaN without any).
    pub approx_mean_gap: f64,
    /// Largest |relative gap| of T over approximation cases (0 without any).
    pub approx_max_gap: f64,
    /// Why the suite fails; empty when it passes.
    pub failures: Vec<String>,
}

impl ValidationSummary {
    /// Computes the figures and checks the pass criteria.
    pub fn of(rows: &[ValidationRow]) -> Self {
        let of_kind = |k: &'static str| rows.iter().filter(move |r| r.kind() == Some(k));
        let checks = || rows.iter().flat_map(|r| &r.checks);
        let judged = || checks().filter(|c| c.judged);
        let t_gaps = |k| {
            of_kind(k)
                .filter_map(|r| r.check(Metric::T))
                .map(|c| c.gap().abs())
        };
        let approx_gaps: Vec<f64> = t_gaps("approximation").collect();
        ValidationSummary {
            cases: rows.len(),
            exact: of_kind("exact").count(),
            approx: of_kind("approximation").count(),
            oracle_checks: checks().count(),
            oracle_agree: checks().filter(|c| c.oracle_agrees()).count(),
            oracle_max_error: checks()
                .map(|c| c.oracle_error().map_or(f64::INFINITY, f64::abs))
                .fold(0.0, f64::max),
            judged: judged().count(),
            inside: judged().filter(|c| c.inside()).count(),
            inside_95: judged().filter(|c| c.inside_95()).count(),
            exact_max_gap: t_gaps("exact").fold(0.0, f64::max),
            approx_mean_gap: approx_gaps.iter().sum::<f64>() / approx_gaps.len() as f64,
            approx_max_gap: approx_gaps.iter().copied().fold(0.0, f64::max),
            failures: rows.iter().flat_map(ValidationRow::failures).collect(),
        }
    }

    /// True when every criterion holds.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The one-line summary.
    pub fn line(&self) -> String {
        let approx = if self.approx == 0 {
            "approximations: 0 cases".to_string()
        } else {
            format!(
                "approximations: {} cases, T gap mean {:.2}%, max {:.2}% (reported, not judged)",
                self.approx,
                100.0 * self.approx_mean_gap,
                100.0 * self.approx_max_gap
            )
        };
        format!(
            "{} cases; oracle: {} of {} stated values within {MAX_ORACLE_ERROR:e} (max error \
             {:.1e}); exact: {} cases, {} of {} values inside the simulation's {}% interval \
             ({} inside 95%), max T gap {:.2}%; {approx}",
            self.cases,
            self.oracle_agree,
            self.oracle_checks,
            self.oracle_max_error,
            self.exact,
            self.inside,
            self.judged,
            100.0 * JUDGED_CONFIDENCE,
            self.inside_95,
            100.0 * self.exact_max_gap,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(mean: f64, half_width: f64) -> Summary {
        Summary {
            mean,
            half_width,
            replications: 20,
            bounds: kendall_sim::Bounds::ANY,
        }
    }

    fn check(expected: f64, oracle: f64, mean: f64, half_width: f64) -> MetricCheck {
        MetricCheck {
            metric: Metric::T,
            expected,
            oracle: Some(oracle),
            simulated: summary(mean, half_width),
            judged: true,
        }
    }

    fn row(kind: ExpectedKind, checks: Vec<MetricCheck>) -> ValidationRow {
        let checks: Vec<MetricCheck> = checks
            .into_iter()
            .map(|c| MetricCheck {
                judged: kind == ExpectedKind::Exact,
                ..c
            })
            .collect();
        ValidationRow {
            file: "dir/case.toml".into(),
            model: "M/M/1".into(),
            oracle_kind: Some(kind.label()),
            expected: Some(Expected {
                source: "a textbook".into(),
                kind,
                values: checks.iter().map(|c| (c.metric, c.expected)).collect(),
            }),
            simulated_t: checks[0].simulated,
            checks,
            replications: 20,
            customers: 1000,
            warmup: 0,
            wall_seconds: 0.0,
        }
    }

    #[test]
    fn a_good_suite_passes_with_its_figures() {
        let rows = vec![
            row(ExpectedKind::Exact, vec![check(10.0, 10.0, 10.05, 0.1)]),
            row(
                ExpectedKind::Exact,
                vec![check(2.0, 2.0 + 1e-12, 1.99, 0.02)],
            ),
            // An approximation far from the simulation passes: its gap is reported only.
            row(
                ExpectedKind::Approximation,
                vec![check(3.0, 3.0, 3.3, 0.05)],
            ),
        ];
        let s = ValidationSummary::of(&rows);
        assert!(s.passed(), "{:?}", s.failures);
        assert_eq!((s.cases, s.exact, s.approx), (3, 2, 1));
        assert_eq!((s.judged, s.inside, s.inside_95), (2, 2, 2));
        assert_eq!((s.oracle_checks, s.oracle_agree), (3, 3));
        assert!((s.exact_max_gap - 0.005).abs() < 1e-12);
        assert!((s.approx_mean_gap - 0.1).abs() < 1e-12);
        let doc = serde_json::to_value(to_json(&rows, &s)).unwrap();
        assert_eq!(doc["passed"], true);
        assert_eq!(doc["cases"][2]["metrics"][0]["judged"], false);
        assert!(table(&rows, &s).contains("case.toml"));
    }

    /// The simulation is judged with the 99.9% interval, 1.855 times the 95% one with 20
    /// replications: 1.8 half-widths off passes (outside the 95% interval), 3 fail.
    #[test]
    fn an_exact_value_outside_the_wide_interval_fails() {
        let inside = check(10.0, 10.0, 10.18, 0.1);
        assert!(inside.inside() && !inside.inside_95());
        let outside = check(10.0, 10.0, 10.3, 0.1);
        assert!(!outside.inside());
        let s = ValidationSummary::of(&[row(ExpectedKind::Exact, vec![outside])]);
        assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
        assert!(s.failures[0].contains("outside the simulation's 99.9% interval"));
    }

    #[test]
    fn an_oracle_off_by_more_than_1e_9_fails_even_for_an_approximation() {
        for kind in [ExpectedKind::Exact, ExpectedKind::Approximation] {
            let s =
                ValidationSummary::of(&[row(kind, vec![check(2.0, 2.0 * (1.0 + 3e-9), 2.0, 0.1)])]);
            assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
            assert!(
                s.failures[0].contains("the oracle's T"),
                "{}",
                s.failures[0]
            );
        }
        // A value of zero is compared with an absolute slack.
        assert!(check(0.0, 1e-16, 0.0, 0.0).oracle_agrees());
        assert!(!check(0.0, 1e-12, 0.0, 0.0).oracle_agrees());
    }

    #[test]
    fn missing_values_missing_theory_and_a_wrong_kind_fail() {
        let mut r = row(ExpectedKind::Exact, vec![check(1.0, 1.0, 1.0, 0.1)]);
        r.expected = None;
        assert!(r.failures()[0].contains("states no expected values"));
        let mut r = row(ExpectedKind::Exact, vec![check(1.0, 1.0, 1.0, 0.1)]);
        r.oracle_kind = None;
        r.model = "none: no model".into();
        assert!(r.failures()[0].contains("no theory"));
        let mut r = row(ExpectedKind::Exact, vec![check(1.0, 1.0, 1.0, 0.1)]);
        r.oracle_kind = Some("approximation");
        assert!(r.failures()[0].contains("the oracle calls it approximation"));
        let mut r = row(ExpectedKind::Exact, vec![check(1.0, 1.0, 1.0, 0.1)]);
        r.checks[0].oracle = None;
        assert!(r.failures()[0].contains("the oracle gives no T"));
    }
}
