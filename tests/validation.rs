//! `kendall validate-theory` on a fast subset of the validation suite.

use assert_cmd::Command;
use serde_json::Value;

const DIR: &str = "scenarios/validation";

/// Six cheap cases, each with T computed by hand from its textbook formula.
const CASES: [(&str, &str, f64); 6] = [
    // M/M/1, λ = 0.3, μ = 1: T = 1/(μ − λ).
    ("mm1_rho30.toml", "exact", 1.0 / 0.7),
    // M/D/1 at ρ = 0.5: T = 1 + ρ/(2(1 − ρ)).
    ("md1_rho50.toml", "exact", 1.5),
    // M/G/1, Erlang-4 service (scv 1/4), ρ = 0.7: T = 1 + 0.7 · 1.25 / (2 · 0.3).
    ("mg1_erlang.toml", "exact", 1.0 + 0.7 * 1.25 / 0.6),
    // M/M/1 with 30% feedback, external rate 0.4: visit rate 4/7, T = L / 0.4 = (4/3) / 0.4.
    ("jackson_feedback.toml", "exact", (4.0 / 3.0) / 0.4),
    // 3 × M/G/1 (random split), rate 0.6 each, Erlang-2 service: T = 1 + 0.6 · 1.5 / 0.8.
    ("random_mg1_erlang_c3.toml", "exact", 1.0 + 0.6 * 1.5 / 0.8),
    // Kingman, Erlang-2 gaps (ca² = 1/2), lognormal service (cs² = 1), ρ = 0.7:
    // T = 1 + (0.7/0.3)(1.5/2).
    (
        "approx_kingman_e2_lognormal.toml",
        "approximation",
        1.0 + 0.7 / 0.3 * 0.75,
    ),
];

#[test]
fn fast_subset_matches_theory() {
    let mut args = vec!["validate-theory".to_string()];
    args.extend(CASES.iter().map(|(f, _, _)| format!("{DIR}/{f}")));
    args.extend(["--json", "--customers", "40000", "--replications", "10"].map(String::from));
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(&args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}\n{doc:#}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(doc["passed"], true);
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), CASES.len());
    for (case, (file, kind, t)) in cases.iter().zip(CASES) {
        assert!(case["file"].as_str().unwrap().ends_with(file));
        assert_eq!(case["theory_kind"], kind, "{file}");
        let theory = case["theory_T"].as_f64().unwrap();
        assert!(
            (theory - t).abs() < 1e-9 * t,
            "{file}: theory {theory} vs {t}"
        );
        assert_eq!(case["replications"], 10);
        assert_eq!(case["customers_per_replication"], 40000);
        let mean = case["T"]["mean"].as_f64().unwrap();
        let err = case["relative_error"].as_f64().unwrap();
        assert!((err - (mean - t) / t).abs() < 1e-12);
        if kind == "exact" {
            // The CI is the tolerance: each exact theory must lie inside it.
            assert_eq!(case["theory_in_ci"], true, "{file}: {case}");
        }
    }
    let summary = &doc["summary"];
    assert_eq!(summary["exact"], 5);
    assert_eq!(summary["approximations"], 1);
    assert!(
        summary["line"]
            .as_str()
            .unwrap()
            .starts_with("exact: 5 cases, 5 inside CI (100%)")
    );
}

#[test]
fn a_case_without_theory_fails_the_suite() {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args([
            "validate-theory",
            "tests/scenarios/unstable.toml",
            "--customers",
            "1000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unstable (rho = 1.2000)"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("validation failed"));
}
