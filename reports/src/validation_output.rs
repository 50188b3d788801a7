//! What `kendall validate-theory` prints: a table (one row per file, its T in full and a
//! count of its other stated values) or the JSON document (every stated value).

use std::fmt::Write;

use kendall_sim::stats::Metric;
use serde::Serialize;

use crate::json::MeanCi;
use crate::validation::{
    JUDGED_CONFIDENCE, MAX_ORACLE_ERROR, MetricCheck, ValidationRow, ValidationSummary, short_name,
};

/// The table: one row per case, then the summary line and any failures.
///
/// Columns: the file; the oracle's model; the file's kind; the expected T (from the file);
/// the oracle's relative error over all stated values (largest); the simulated T with its
/// 99.9% interval and its gap to the expected T; how many stated values the simulation
/// matches ("-" for approximations, which are not judged); the verdict.
pub fn table(rows: &[ValidationRow], summary: &ValidationSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:<38} {:<6} {:>10} {:>8} {:>10} {:>23} {:>8} {:>6} {:>4}",
        "file",
        "model",
        "kind",
        "expect T",
        "oracle",
        "sim T",
        format!("{}% CI", 100.0 * JUDGED_CONFIDENCE),
        "gap",
        "values",
        "ok"
    );
    for r in rows {
        let t = r.check(Metric::T);
        let oracle = r
            .checks
            .iter()
            .map(|c| c.oracle_error().map_or(f64::INFINITY, f64::abs))
            .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))));
        let (lo, hi) = t.map_or_else(
            || r.simulated_t.ci(),
            |c| c.simulated.at_level(JUDGED_CONFIDENCE).ci(),
        );
        let judged: Vec<_> = r.checks.iter().filter(|c| c.judged).collect();
        let _ = writeln!(
            out,
            "{:<34} {:<38} {:<6} {:>10} {:>8} {:>10.5} {:>23} {:>8} {:>6} {:>4}",
            short_name(&r.file),
            truncate(&r.model, 38),
            match r.kind() {
                Some("exact") => "exact",
                Some(_) => "approx",
                None => "-",
            },
            t.map_or("-".into(), |c| format!("{:.5}", c.expected)),
            oracle.map_or("-".into(), |e| if e.is_finite() {
                format!("{e:.0e}")
            } else {
                "none".into()
            }),
            r.simulated_t.mean,
            format!("[{lo:.5}, {hi:.5}]"),
            t.map_or("-".into(), |c| format!("{:+.2}%", 100.0 * c.gap())),
            if judged.is_empty() {
                "-".to_string()
            } else {
                format!(
                    "{}/{}",
                    judged.iter().filter(|c| c.inside()).count(),
                    judged.len()
                )
            },
            if r.failures().is_empty() { "yes" } else { "NO" },
        );
    }
    let _ = writeln!(out, "\n{}", summary.line());
    for f in &summary.failures {
        let _ = writeln!(out, "FAIL: {f}");
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The JSON document: `cases` (one object per file, with every stated value under
/// `metrics`), `summary`, `failures` and `passed`.
pub fn to_json<'a>(
    rows: &'a [ValidationRow],
    summary: &'a ValidationSummary,
) -> ValidationDocument<'a> {
    ValidationDocument {
        cases: rows.iter().map(CaseDocument::of).collect(),
        summary: SummaryDocument::of(summary),
        failures: &summary.failures,
        passed: summary.passed(),
    }
}

/// `kendall validate-theory --json`.
#[derive(Serialize)]
pub struct ValidationDocument<'a> {
    cases: Vec<CaseDocument<'a>>,
    summary: SummaryDocument,
    failures: &'a [String],
    passed: bool,
}

/// One validation file: its model, the checks of its stated values, and its T.
#[derive(Serialize)]
struct CaseDocument<'a> {
    file: &'a str,
    model: &'a str,
    theory_kind: Option<&'static str>,
    expected_kind: Option<&'static str>,
    source: Option<&'a str>,
    metrics: Vec<CheckDocument>,
    #[serde(rename = "T")]
    t: MeanCi,
    replications: u32,
    customers_per_replication: u64,
    warmup: u64,
    wall_seconds: f64,
    failures: Vec<String>,
}

impl<'a> CaseDocument<'a> {
    fn of(r: &'a ValidationRow) -> Self {
        CaseDocument {
            file: &r.file,
            model: &r.model,
            theory_kind: r.oracle_kind,
            expected_kind: r.kind(),
            source: r.expected.as_ref().map(|e| e.source.as_str()),
            metrics: r.checks.iter().map(CheckDocument::of).collect(),
            t: MeanCi::of(&r.simulated_t),
            replications: r.replications,
            customers_per_replication: r.customers,
            warmup: r.warmup,
            wall_seconds: r.wall_seconds,
            failures: r.failures(),
        }
    }
}

/// One stated value against the oracle and the simulation.
#[derive(Serialize)]
struct CheckDocument {
    metric: &'static str,
    expected: f64,
    oracle: Option<f64>,
    oracle_relative_error: Option<f64>,
    oracle_agrees: bool,
    simulated: SimulatedCheck,
    relative_gap: f64,
    judged: bool,
    inside_ci999: bool,
    inside_ci95: bool,
}

/// The simulation's mean with its 95% and judged (99.9%) intervals.
#[derive(Serialize)]
struct SimulatedCheck {
    mean: f64,
    ci95: [f64; 2],
    ci999: [f64; 2],
}

impl CheckDocument {
    fn of(c: &MetricCheck) -> Self {
        let (lo95, hi95) = c.simulated.ci();
        let (lo, hi) = c.judged_interval();
        CheckDocument {
            metric: c.metric.name(),
            expected: c.expected,
            oracle: c.oracle,
            oracle_relative_error: c.oracle_error(),
            oracle_agrees: c.oracle_agrees(),
            simulated: SimulatedCheck {
                mean: c.simulated.mean,
                ci95: [lo95, hi95],
                ci999: [lo, hi],
            },
            relative_gap: c.gap(),
            judged: c.judged,
            inside_ci999: c.inside(),
            inside_ci95: c.inside_95(),
        }
    }
}

/// The counts over every case.
#[derive(Serialize)]
struct SummaryDocument {
    cases: usize,
    exact: usize,
    approximations: usize,
    oracle_checks: usize,
    oracle_agree: usize,
    oracle_max_relative_error: f64,
    oracle_tolerance: f64,
    judged: usize,
    judged_confidence: f64,
    inside_judged_ci: usize,
    inside_ci95: usize,
    #[serde(rename = "exact_max_T_gap")]
    exact_max_t_gap: f64,
    #[serde(rename = "approximations_mean_T_gap")]
    approximations_mean_t_gap: f64,
    #[serde(rename = "approximations_max_T_gap")]
    approximations_max_t_gap: f64,
    line: String,
}

impl SummaryDocument {
    fn of(s: &ValidationSummary) -> Self {
        SummaryDocument {
            cases: s.cases,
            exact: s.exact,
            approximations: s.approx,
            oracle_checks: s.oracle_checks,
            oracle_agree: s.oracle_agree,
            oracle_max_relative_error: s.oracle_max_error,
            oracle_tolerance: MAX_ORACLE_ERROR,
            judged: s.judged,
            judged_confidence: JUDGED_CONFIDENCE,
            inside_judged_ci: s.inside,
            inside_ci95: s.inside_95,
            exact_max_t_gap: s.exact_max_gap,
            approximations_mean_t_gap: s.approx_mean_gap,
            approximations_max_t_gap: s.approx_max_gap,
            line: s.line(),
        }
    }
}
