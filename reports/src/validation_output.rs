//! What `kendall validate-theory` prints: a table (one row per file, its T in full and a
//! count of its other stated values) or the JSON document (every stated value).

use std::fmt::Write;

use kendall_sim::stats::Metric;
use serde_json::{Value, json};

use crate::validation::{
    JUDGED_CONFIDENCE, MAX_ORACLE_ERROR, ValidationRow, ValidationSummary, short_name,
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
pub fn to_json(rows: &[ValidationRow], summary: &ValidationSummary) -> Value {
    let cases: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (lo, hi) = r.simulated_t.ci();
            let metrics: Vec<Value> = r
                .checks
                .iter()
                .map(|c| {
                    let (lo95, hi95) = c.simulated.ci();
                    let (lo, hi) = c.judged_interval();
                    json!({
                        "metric": c.metric.name(),
                        "expected": c.expected,
                        "oracle": c.oracle,
                        "oracle_relative_error": c.oracle_error(),
                        "oracle_agrees": c.oracle_agrees(),
                        "simulated": {
                            "mean": c.simulated.mean,
                            "ci95": [lo95, hi95],
                            "ci999": [lo, hi],
                        },
                        "relative_gap": c.gap(),
                        "judged": c.judged,
                        "inside_ci999": c.inside(),
                        "inside_ci95": c.inside_95(),
                    })
                })
                .collect();
            json!({
                "file": r.file,
                "model": r.model,
                "theory_kind": r.oracle_kind,
                "expected_kind": r.kind(),
                "source": r.expected.as_ref().map(|e| e.source.clone()),
                "metrics": metrics,
                "T": { "mean": r.simulated_t.mean, "ci95": [lo, hi] },
                "replications": r.replications,
                "customers_per_replication": r.customers,
                "warmup": r.warmup,
                "wall_seconds": r.wall_seconds,
                "failures": r.failures(),
            })
        })
        .collect();
    json!({
        "cases": cases,
        "summary": {
            "cases": summary.cases,
            "exact": summary.exact,
            "approximations": summary.approx,
            "oracle_checks": summary.oracle_checks,
            "oracle_agree": summary.oracle_agree,
            "oracle_max_relative_error": summary.oracle_max_error,
            "oracle_tolerance": MAX_ORACLE_ERROR,
            "judged": summary.judged,
            "judged_confidence": JUDGED_CONFIDENCE,
            "inside_judged_ci": summary.inside,
            "inside_ci95": summary.inside_95,
            "exact_max_T_gap": summary.exact_max_gap,
            "approximations_mean_T_gap": summary.approx_mean_gap,
            "approximations_max_T_gap": summary.approx_max_gap,
            "line": summary.line(),
        },
        "failures": summary.failures,
        "passed": summary.passed(),
    })
}
