//! `kendall validate-theory` on the whole validation suite at a shorter length, and proof that
//! its comparisons can fail: a wrong expected value and a wrong oracle value are caught.

use std::path::Path;

use assert_cmd::Command;
use kendall_models::Verdict;
use kendall_reports::validation::{ValidationRow, ValidationSummary};
use kendall_sim::{Scenario, run_experiment, theory};
use serde_json::Value;

const DIR: &str = "scenarios/validation";

/// The CI length, chosen once: every file at 20 replications of 100 000 messages (the files
/// ask for 20 of 100 000–600 000). That is 88 million messages, a little over half of the
/// full suite's 162 million, about 25 CPU-seconds (15 s on 2 idle cores, a minute on a
/// loaded machine), and it keeps the 99.9% interval of T within 0.3–2.4% of T (median
/// 1.3%), so a simulator a few percent off fails. Shorter runs widen the intervals
/// (10 × 50 000: up to 7.5%) and buy little time; the seeds are the files' own.
const CUSTOMERS: &str = "100000";
const REPLICATIONS: &str = "20";

fn validate(args: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .arg("validate-theory")
        .args(args)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files_in(dir: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count()
}

/// Every file runs; every stated value is held to the oracle (1e-9) and, in exact cases, to
/// the simulation's 99.9% interval; the suite passes.
#[test]
fn the_whole_suite_passes_at_ci_length() {
    let (code, doc, err) = validate(&[
        DIR,
        "--json",
        "--customers",
        CUSTOMERS,
        "--replications",
        REPLICATIONS,
    ]);
    assert_eq!(code, Some(0), "{err}\n{:#}", doc["failures"]);
    assert_eq!(doc["passed"], true);
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), files_in(DIR), "every file ran");
    let (mut exact, mut judged, mut approx) = (0, 0, 0);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        assert_eq!(case["replications"], 20, "{file}");
        assert_eq!(case["customers_per_replication"], 100000, "{file}");
        let metrics = case["metrics"].as_array().unwrap();
        assert!(
            metrics.iter().any(|m| m["metric"] == "T"),
            "{file} states T"
        );
        let is_exact = case["expected_kind"] == "exact";
        assert_eq!(case["theory_kind"], case["expected_kind"], "{file}");
        if is_exact {
            exact += 1;
        } else {
            approx += 1;
        }
        for m in metrics {
            assert_eq!(m["oracle_agrees"], true, "{file}: {m}");
            assert_eq!(m["judged"], is_exact, "{file}: {m}");
            if is_exact {
                judged += 1;
                assert_eq!(m["inside_ci999"], true, "{file}: {m}");
            }
        }
    }
    let summary = &doc["summary"];
    assert_eq!(summary["cases"], 44);
    assert_eq!((exact, approx), (38, 6));
    assert_eq!(summary["exact"], exact);
    assert_eq!(summary["judged"], judged);
    assert_eq!(summary["inside_judged_ci"], judged);
    assert!(judged >= 200, "only {judged} values judged");
}

/// A copy of a validation file with its expected T changed by 5% fails twice over: the
/// oracle disagrees with it, and so does the simulation's interval.
#[test]
fn a_wrong_expected_value_fails_the_suite() {
    let dir = std::env::temp_dir().join(format!("kendall-wrong-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(format!("{DIR}/mm1_rho30.toml")).unwrap();
    let right = "\nT = 1.4285714285714285\n";
    assert!(text.contains(right), "the file states T = 1/0.7");
    let wrong = dir.join("mm1_rho30_wrong.toml");
    std::fs::write(&wrong, text.replace(right, "\nT = 1.5\n")).unwrap();
    let (code, doc, err) = validate(&[
        wrong.to_str().unwrap(),
        "--json",
        "--customers",
        CUSTOMERS,
        "--replications",
        REPLICATIONS,
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(doc["passed"], false);
    let failures = doc["failures"].to_string();
    assert!(failures.contains("the oracle's T"), "{failures}");
    assert!(
        failures.contains("the expected T = 1.5 is outside the simulation's 99.9% interval"),
        "{failures}"
    );
    assert!(err.contains("validation failed"), "{err}");
}

/// The comparison itself catches an oracle that is off: the real prediction for a file
/// passes the oracle check, the same prediction with T moved by 1e-8 (relative) fails it.
#[test]
fn a_wrong_oracle_value_fails_the_comparison() {
    let path = Path::new(DIR).join("mm1_rho30.toml");
    let mut scenario = Scenario::load(&path).unwrap();
    scenario.run.customers = 2000;
    scenario.run.replications = 4;
    let result = run_experiment(&scenario).unwrap();
    let verdict = theory::predict(&scenario).system;
    let oracle_failures = |v: &Verdict| -> Vec<String> {
        let row = ValidationRow::new("mm1_rho30.toml".into(), &scenario, v, &result, 0.0);
        ValidationSummary::of(&[row])
            .failures
            .into_iter()
            .filter(|f| f.contains("the oracle"))
            .collect()
    };
    assert!(oracle_failures(&verdict).is_empty());
    let Verdict::Predicted(mut wrong) = verdict else {
        panic!("M/M/1 has a model")
    };
    wrong.measures.t *= 1.0 + 1e-8;
    let failures = oracle_failures(&Verdict::Predicted(wrong));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("the oracle's T"), "{}", failures[0]);
}

/// A file without expected values fails, and so does one with values but no theory.
#[test]
fn a_file_without_values_or_theory_fails_the_suite() {
    let (code, _, err) = validate(&["tests/scenarios/unstable.toml", "--customers", "1000"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("states no expected values"), "{err}");
    let dir = std::env::temp_dir().join(format!("kendall-notheory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("unstable.toml");
    let text = std::fs::read_to_string("tests/scenarios/unstable.toml").unwrap();
    std::fs::write(
        &file,
        format!("{text}\n[expected]\nsource = \"a test\"\nT = 1.0\n"),
    )
    .unwrap();
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args([
            "validate-theory",
            file.to_str().unwrap(),
            "--customers",
            "1000",
        ])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unstable (rho = 1.2000)"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no theory"));
}
