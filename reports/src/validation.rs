//! `kendall validate-theory`: run a directory of scenarios with known theory and compare the
//! simulated end-to-end mean sojourn time T with it, one row per file.
//!
//! Pass criteria (the exit status of the command): every exact case within 1% relative error,
//! at least 90% of exact cases with theory inside the 95% confidence interval, and every file
//! covered by some model. Approximations are reported (their error is the approximation's)
//! but never fail the suite.

use std::error::Error;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kendall_models::Verdict;
use kendall_sim::stats::Metric;
use kendall_sim::{Scenario, Summary, run_experiment, theory, warmup};
use serde_json::{Value, json};

/// Largest relative error of T allowed for an exact case.
pub const MAX_EXACT_ERROR: f64 = 0.01;
/// Smallest fraction of exact cases whose theory must lie inside the 95% CI.
pub const MIN_INSIDE_FRACTION: f64 = 0.90;

/// Errors of the runner: a file that does not load, or a simulation that fails.
pub type ValidationError = Box<dyn Error + Send + Sync>;

/// Run-length overrides applied to every file (None keeps the file's value).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// Messages measured per replication.
    pub customers: Option<u64>,
    /// Replications.
    pub replications: Option<u32>,
}

/// One validation case.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    /// The file, as given or found.
    pub file: String,
    /// Model name, or why there is none ("unstable", "none: …").
    pub model: String,
    /// "exact", "approximation", or None without theory.
    pub kind: Option<&'static str>,
    /// Theory's T.
    pub theory: Option<f64>,
    /// Simulated T: mean and 95% CI.
    pub simulated: Summary,
    /// Replications and messages per replication actually run, and the warm-up used.
    pub replications: u32,
    /// Messages measured per replication.
    pub customers: u64,
    /// Warm-up in messages (MSER-5 when the file says "auto").
    pub warmup: u64,
    /// Wall-clock seconds for this case (pilot included).
    pub wall_seconds: f64,
}

impl ValidationRow {
    /// (simulated − theory) / theory.
    pub fn relative_error(&self) -> Option<f64> {
        self.theory.map(|t| (self.simulated.mean - t) / t)
    }

    /// Whether theory lies inside the 95% CI.
    pub fn inside_ci(&self) -> Option<bool> {
        self.theory.map(|t| self.simulated.contains(t))
    }
}

/// The suite's figures and verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationSummary {
    /// Exact cases.
    pub exact: usize,
    /// Exact cases with theory inside the CI.
    pub exact_inside: usize,
    /// Largest |relative error| over exact cases (0 without any).
    pub exact_max_error: f64,
    /// Approximation cases.
    pub approx: usize,
    /// Approximation cases with theory inside the CI.
    pub approx_inside: usize,
    /// Mean |relative error| over approximation cases (NaN without any).
    pub approx_mean_error: f64,
    /// Largest |relative error| over approximation cases (0 without any).
    pub approx_max_error: f64,
    /// Why the suite fails; empty when it passes.
    pub failures: Vec<String>,
}

impl ValidationSummary {
    /// Computes the figures and checks the pass criteria.
    pub fn of(rows: &[ValidationRow]) -> Self {
        let of_kind = |k: &'static str| rows.iter().filter(move |r| r.kind == Some(k));
        let abs_err = |r: &ValidationRow| r.relative_error().map_or(f64::NAN, f64::abs);
        let max = |it: &mut dyn Iterator<Item = f64>| it.fold(0.0, f64::max);
        let exact = of_kind("exact").count();
        let exact_inside = of_kind("exact")
            .filter(|r| r.inside_ci() == Some(true))
            .count();
        let approx = of_kind("approximation").count();
        let approx_errors: Vec<f64> = of_kind("approximation").map(abs_err).collect();
        let mut failures = Vec::new();
        for r in rows {
            match r.kind {
                None => failures.push(format!("{}: no theory ({})", r.file, r.model)),
                Some("exact") if abs_err(r).is_nan() || abs_err(r) > MAX_EXACT_ERROR => failures
                    .push(format!(
                        "{}: relative error {:+.3}% exceeds {}%",
                        r.file,
                        100.0 * r.relative_error().unwrap_or(f64::NAN),
                        100.0 * MAX_EXACT_ERROR
                    )),
                _ => {}
            }
        }
        if exact > 0 && (exact_inside as f64) < MIN_INSIDE_FRACTION * exact as f64 {
            failures.push(format!(
                "only {exact_inside} of {exact} exact cases have theory inside the 95% CI (need {}%)",
                100.0 * MIN_INSIDE_FRACTION
            ));
        }
        ValidationSummary {
            exact,
            exact_inside,
            exact_max_error: max(&mut of_kind("exact").map(abs_err)),
            approx,
            approx_inside: of_kind("approximation")
                .filter(|r| r.inside_ci() == Some(true))
                .count(),
            approx_mean_error: approx_errors.iter().sum::<f64>() / approx_errors.len() as f64,
            approx_max_error: max(&mut approx_errors.iter().copied()),
            failures,
        }
    }

    /// True when every criterion holds.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The one-line summary.
    pub fn line(&self) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        let approx = if self.approx == 0 {
            "approximations: 0 cases".to_string()
        } else {
            format!(
                "approximations: {} cases, {} inside CI, mean |error| {:.2}%, max |error| {:.2}%",
                self.approx,
                self.approx_inside,
                100.0 * self.approx_mean_error,
                100.0 * self.approx_max_error
            )
        };
        format!(
            "exact: {} cases, {} inside CI ({:.0}%), max relative error {:.2}%; {approx}",
            self.exact,
            self.exact_inside,
            pct(self.exact_inside, self.exact),
            100.0 * self.exact_max_error
        )
    }
}

/// The scenario files named by `paths`: files as they are, directories' `*.toml` files
/// (not recursive), each directory's files sorted by name.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ValidationError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!("{}: no .toml scenario files", p.display()).into());
            }
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Simulates one file (on the current rayon pool) and compares its T with theory.
pub fn validate_file(path: &Path, overrides: Overrides) -> Result<ValidationRow, ValidationError> {
    let mut scenario = Scenario::load(path)?;
    if let Some(n) = overrides.customers {
        scenario.run.customers = n;
    }
    if let Some(n) = overrides.replications {
        scenario.run.replications = n;
    }
    let started = Instant::now();
    warmup::resolve(&mut scenario)?;
    let result = run_experiment(&scenario)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let (model, kind, theory) = match theory::predict(&scenario).system {
        Verdict::Predicted(p) => (p.model, Some(p.exactness.label()), Some(p.measures.t)),
        Verdict::Unstable { rho } => (format!("unstable (rho = {rho:.4})"), None, None),
        Verdict::NoModel { reason } => (format!("none: {reason}"), None, None),
    };
    Ok(ValidationRow {
        file: path.display().to_string(),
        model,
        kind,
        theory,
        simulated: result.system.get(Metric::T),
        replications: scenario.run.replications,
        customers: scenario.run.customers,
        warmup: scenario.run.warmup,
        wall_seconds,
    })
}

/// Every file in turn, calling `progress` after each.
pub fn validate_files(
    files: &[PathBuf],
    overrides: Overrides,
    progress: &mut dyn FnMut(&ValidationRow),
) -> Result<Vec<ValidationRow>, ValidationError> {
    files
        .iter()
        .map(|f| {
            let row = validate_file(f, overrides)?;
            progress(&row);
            Ok(row)
        })
        .collect()
}

/// The table: one row per case, then the summary line and any failures.
pub fn table(rows: &[ValidationRow], summary: &ValidationSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<34} {:<40} {:<6} {:>10} {:>10} {:>23} {:>8} {:>6}",
        "file", "model", "kind", "theory T", "sim T", "95% CI", "error", "in CI"
    );
    for r in rows {
        let file = Path::new(&r.file)
            .file_name()
            .map_or(r.file.clone(), |f| f.to_string_lossy().into_owned());
        let (lo, hi) = r.simulated.ci();
        let _ = writeln!(
            out,
            "{:<34} {:<40} {:<6} {:>10} {:>10.5} {:>23} {:>8} {:>6}",
            file,
            r.model,
            match r.kind {
                Some("exact") => "exact",
                Some(_) => "approx",
                None => "-",
            },
            r.theory.map_or("-".into(), |t| format!("{t:.5}")),
            r.simulated.mean,
            format!("[{lo:.5}, {hi:.5}]"),
            r.relative_error()
                .map_or("-".into(), |e| format!("{:+.2}%", 100.0 * e)),
            match r.inside_ci() {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            },
        );
    }
    let _ = writeln!(out, "\n{}", summary.line());
    for f in &summary.failures {
        let _ = writeln!(out, "FAIL: {f}");
    }
    out
}

/// The JSON document: `cases` (one object per row), `summary` and `passed`.
pub fn to_json(rows: &[ValidationRow], summary: &ValidationSummary) -> Value {
    let cases: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (lo, hi) = r.simulated.ci();
            json!({
                "file": r.file,
                "model": r.model,
                "theory_kind": r.kind,
                "theory_T": r.theory,
                "T": { "mean": r.simulated.mean, "ci95": [lo, hi] },
                "relative_error": r.relative_error(),
                "theory_in_ci": r.inside_ci(),
                "replications": r.replications,
                "customers_per_replication": r.customers,
                "warmup": r.warmup,
                "wall_seconds": r.wall_seconds,
            })
        })
        .collect();
    json!({
        "cases": cases,
        "summary": {
            "exact": summary.exact,
            "exact_inside_ci": summary.exact_inside,
            "exact_max_relative_error": summary.exact_max_error,
            "approximations": summary.approx,
            "approximations_inside_ci": summary.approx_inside,
            "approximations_mean_abs_error": summary.approx_mean_error,
            "approximations_max_abs_error": summary.approx_max_error,
            "line": summary.line(),
        },
        "failures": summary.failures,
        "passed": summary.passed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: Option<&'static str>, theory: f64, mean: f64, half_width: f64) -> ValidationRow {
        ValidationRow {
            file: format!("case-{theory}-{mean}.toml"),
            model: "M/M/1".into(),
            kind,
            theory: kind.map(|_| theory),
            simulated: Summary {
                mean,
                half_width,
                replications: 20,
            },
            replications: 20,
            customers: 1000,
            warmup: 0,
            wall_seconds: 0.0,
        }
    }

    #[test]
    fn a_good_suite_passes_with_its_figures() {
        let rows = vec![
            row(Some("exact"), 10.0, 10.05, 0.1),
            row(Some("exact"), 2.0, 1.99, 0.02),
            row(Some("approximation"), 3.0, 3.3, 0.05),
        ];
        let s = ValidationSummary::of(&rows);
        assert!(s.passed(), "{:?}", s.failures);
        assert_eq!(
            (s.exact, s.exact_inside, s.approx, s.approx_inside),
            (2, 2, 1, 0)
        );
        assert!((s.exact_max_error - 0.005).abs() < 1e-12);
        assert!((s.approx_mean_error - 0.1).abs() < 1e-12);
        assert!(
            s.line()
                .starts_with("exact: 2 cases, 2 inside CI (100%), max relative error 0.50%")
        );
        let doc = to_json(&rows, &s);
        assert_eq!(doc["passed"], true);
        assert_eq!(doc["cases"][2]["theory_in_ci"], false);
    }

    #[test]
    fn an_exact_case_beyond_one_percent_fails() {
        // Inside its (wide) CI, but 2% off: fails on the error criterion alone.
        let rows = vec![row(Some("exact"), 10.0, 10.2, 0.5)];
        let s = ValidationSummary::of(&rows);
        assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
        assert!(s.failures[0].contains("exceeds 1%"));
    }

    #[test]
    fn too_few_exact_cases_inside_their_interval_fail() {
        // Every error below 1%, but 2 of 10 intervals miss theory: 80% < 90%.
        let mut rows: Vec<_> = (0..8)
            .map(|_| row(Some("exact"), 1.0, 1.001, 0.01))
            .collect();
        rows.extend((0..2).map(|_| row(Some("exact"), 1.0, 1.005, 0.001)));
        let s = ValidationSummary::of(&rows);
        assert_eq!(s.exact_inside, 8);
        assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
        assert!(s.failures[0].starts_with("only 8 of 10"));
        // A case without theory fails too; approximations never do.
        let s = ValidationSummary::of(&[
            row(None, 0.0, 1.0, 0.1),
            row(Some("approximation"), 1.0, 2.0, 0.1),
        ]);
        assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
        assert!(s.failures[0].contains("no theory"));
    }
}
