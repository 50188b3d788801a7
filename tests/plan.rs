//! `kendall plan`: the capacity answer against Erlang C computed here from the textbook sum,
//! and its confirmation by simulation.

mod common;

use common::{json, kendall};
use serde_json::Value;

/// M/M/c mean wait with service rate 1 and offered load `a` (Erlangs), from the textbook
/// sum: P0⁻¹ = Σ_{k<c} a^k/k! + a^c/c! · c/(c−a); C = a^c/c! · c/(c−a) · P0; Wq = C/(c−a).
fn erlang_c_wq(c: u32, a: f64) -> f64 {
    if a >= f64::from(c) {
        return f64::INFINITY;
    }
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let tail = term * f64::from(c) / (f64::from(c) - a);
    tail / (sum + tail) / (f64::from(c) - a)
}

/// The fewest consumers with Wq < `threshold`.
fn erlang_c_answer(a: f64, threshold: f64) -> u32 {
    let mut c = 1;
    while erlang_c_wq(c, a) >= threshold {
        c += 1;
    }
    c
}

#[test]
fn plan_matches_erlang_c_and_simulation_confirms_it() {
    // scenarios/mmc.toml: Poisson arrivals, exponential service of mean 1 ms, shared queue.
    let doc = json(&[
        "plan",
        "scenarios/mmc.toml",
        "--target",
        "mean(Wq) < 1",
        "--load",
        "1..10:1",
        "--replications",
        "10",
        "--customers",
        "20000",
        "--json",
    ]);
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    for (i, row) in rows.iter().enumerate() {
        let load = (i + 1) as f64;
        assert!((row["load"].as_f64().unwrap() - load).abs() < 1e-9);
        let want = erlang_c_answer(load, 1.0);
        assert_eq!(
            row["theory_consumers"].as_u64(),
            Some(u64::from(want)),
            "theory at load {load}"
        );
        assert_eq!(
            row["consumers"].as_u64(),
            Some(u64::from(want)),
            "simulation at load {load}: {row}"
        );
        assert_eq!(row["confirmed"], Value::Bool(true), "load {load}: {row}");
        let wq = &row["metrics"]["Wq"];
        assert!(wq["ci95"][1].as_f64().unwrap() < 1.0);
        assert!((wq["theory"].as_f64().unwrap() - erlang_c_wq(want, load)).abs() < 1e-9);
    }
}

#[test]
fn plan_rejects_bad_targets_and_loads() {
    for args in [
        ["--target", "p98(T) < 5", "--load", "1..2"],
        ["--target", "mean(T) > 5", "--load", "1..2"],
        ["--target", "mean(T) < 5", "--load", "2..1"],
    ] {
        let mut all = vec!["plan", "scenarios/mmc.toml"];
        all.extend(args);
        let out = kendall(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("expected"), "{err}");
    }
}

#[test]
fn plan_scales_relative_loads_and_writes_csv() {
    let dir = std::env::temp_dir().join(format!("kendall-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("plan.csv");
    let doc = json(&[
        "plan",
        "scenarios/mmc.toml",
        "--target",
        "util < 0.8",
        "--load",
        "x0.5..x1:0.5",
        "--replications",
        "5",
        "--customers",
        "5000",
        "--csv",
        csv.to_str().unwrap(),
        "--json",
    ]);
    // mmc.toml sends 3.6 per ms: x0.5 and x1 are 1.8 and 3.6; util < 0.8 needs 3 and 5.
    let loads: Vec<f64> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["load"].as_f64().unwrap())
        .collect();
    assert!((loads[0] - 1.8).abs() < 1e-9 && (loads[1] - 3.6).abs() < 1e-9);
    let theory: Vec<u64> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["theory_consumers"].as_u64().unwrap())
        .collect();
    assert_eq!(theory, vec![3, 5]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("load,offered,consumers,theory_consumers,confirmed"));
    assert_eq!(text.lines().count(), 3);
    std::fs::remove_dir_all(&dir).ok();
}
