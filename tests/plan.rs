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

/// [`erlang_c_wq`] for fleets whose terms a^k/k! overflow: Erlang B by its recursion
/// B(k) = a·B(k−1)/(k + a·B(k−1)) from B(0) = 1, then C = B/(1 − (a/c)(1 − B)) (Gross and
/// Harris, *Fundamentals of Queueing Theory*, the Erlang B recursion and the B–C relation).
fn erlang_c_wq_large(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    let erlang_c = b / (1.0 - rho * (1.0 - b));
    erlang_c / (f64::from(c) - a)
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

/// A queue whose autoscaler sets its count cannot be planned as a fixed count: plan (by load
/// and per window) refuses it by key.
#[test]
fn plan_refuses_an_autoscaled_queue() {
    let path = std::env::temp_dir().join(format!(
        "kendall-plan-autoscale-{}.toml",
        std::process::id()
    ));
    std::fs::write(
        &path,
        "[[producers]]\nname = \"p\"\ninterarrival = { kind = \"exponential\", rate = 3.0 }\n\
         [[queues]]\nname = \"q\"\nservice = { kind = \"exponential\", mean = 1.0 }\n\
         autoscale = { metric = \"backlog\", target = 2.0, max = 8 }\n",
    )
    .unwrap();
    let file = path.to_string_lossy().into_owned();
    for extra in [&["--load", "x1..x1"][..], &["--per-window"][..]] {
        let mut args = vec!["plan", file.as_str(), "--target", "mean(Wq) < 1"];
        args.extend_from_slice(extra);
        let out = kendall(&args);
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("`queues.q.autoscale`"), "{extra:?}: {err}");
    }
    let _ = std::fs::remove_file(&path);
}

/// A run to a horizon has no steady state to size at a load level: plan by load refuses it
/// by key and points to --per-window (it used to search for ever).
#[test]
fn plan_by_load_refuses_a_run_to_a_horizon() {
    let out = kendall(&[
        "plan",
        "scenarios/flash-sale.toml",
        "--target",
        "mean(Wq) < 1",
        "--load",
        "x1..x1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`run.horizon`") && err.contains("--per-window"),
        "{err}"
    );
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

/// A large fleet near its capacity, with runs far shorter than the queue's relaxation time:
/// every count looks good from an empty start, and simulation alone would confirm 3,001
/// consumers for λ = 3,000 (its Wq then 0.009 ms against Erlang C's 0.98). The plan must not
/// confirm it, must keep theory's answer, and must say how long a run would do.
#[test]
fn plan_does_not_confirm_from_runs_too_short_to_settle() {
    // The recursion agrees with the textbook sum where both work.
    for (c, a) in [(2, 1.0), (12, 10.0), (40, 36.0)] {
        let (sum, rec) = (erlang_c_wq(c, a), erlang_c_wq_large(c, a));
        assert!((sum / rec - 1.0).abs() < 1e-10, "c {c}: {sum} vs {rec}");
    }
    let doc = json(&[
        "plan",
        "scenarios/mmc.toml",
        "--target",
        "mean(Wq) < 0.1",
        "--target",
        "p99(T) < 5",
        "--load",
        "3000..5000:2000",
        "--replications",
        "10",
        "--customers",
        "20000",
        "--json",
    ]);
    for row in doc["rows"].as_array().unwrap() {
        let load = row["load"].as_f64().unwrap();
        // Theory's answer is the fewest c with Erlang C's Wq < 0.1 (p99 of T is then met too).
        let want = (load as u32 + 1..)
            .find(|&c| erlang_c_wq_large(c, load) < 0.1)
            .unwrap();
        assert_eq!(row["theory_consumers"].as_u64(), Some(u64::from(want)));
        assert_eq!(row["consumers"].as_u64(), Some(u64::from(want)), "{row}");
        assert_eq!(row["confirmed"], Value::Bool(false), "{row}");
        let notes: Vec<&str> = row["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(
            notes.iter().any(|n| n.contains("too short to trust")
                && n.contains(&format!("theory's {want} consumers stand"))),
            "{notes:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with(&format!("to confirm {want} consumers by simulation"))),
            "{notes:?}"
        );
    }
}

/// A large fleet run long enough to settle but after a warm-up of 2 messages per consumer
/// misses the longest stays, and its p99 of T comes out 2.6% low, at every count alike. A
/// target on it passes counts that would fail, so plan walks down and does not settle; it
/// says why, keeps theory's answer and gives the warm-up that would do. With that warm-up the
/// note is gone.
#[test]
fn plan_does_not_confirm_targets_on_t_that_a_short_warm_up_biases() {
    let plan = |warmup: &str| {
        json(&[
            "plan",
            "tests/scenarios/fleet_short.toml",
            "--target",
            "p99(T) < 4.62",
            "--load",
            "4500..4500",
            "--customers",
            "100000",
            "--warmup",
            warmup,
            "--json",
        ])
    };
    let notes = |doc: &Value| -> Vec<String> {
        doc["rows"][0]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let short = plan("9000");
    let row = &short["rows"][0];
    let theory = row["theory_consumers"].as_u64().unwrap();
    assert_eq!(row["consumers"].as_u64(), Some(theory), "{row}");
    assert_eq!(row["confirmed"], Value::Bool(false), "{row}");
    let said = notes(&short);
    assert!(
        said.iter()
            .any(|n| n.contains("too short for the longest stays")
                && n.contains("T_p99 by")
                && n.contains(&format!("theory's {theory} consumers stand"))),
        "{said:?}"
    );
    let needed = said
        .iter()
        .find_map(|n| n.split("(--warmup ").nth(1))
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no advice in {said:?}"))
        .to_string();
    let long = plan(&needed);
    let said = notes(&long);
    assert!(
        !said.iter().any(|n| n.contains("longest stays")),
        "{said:?}"
    );
}

/// M/M/c, mean service 0.7, mean(Wq) < 0.05 at load 23: Erlang C says 20 consumers
/// (Wq = 0.048), so close to the bound that the scenario's 10 replications straddle it. Exact
/// theory's count stands unless simulation contradicts it: plan adds replications until the
/// intervals decide (or its budget runs out: "inconclusive"), and never calls an undecided
/// simulation a disagreement.
#[test]
fn exact_theory_stands_against_an_undecided_simulation() {
    for seed in ["3", "5"] {
        let doc = json(&[
            "plan",
            "tests/scenarios/mmc_07.toml",
            "--target",
            "mean(Wq) < 0.05",
            "--load",
            "23..23",
            "--customers",
            "50000",
            "--seed",
            seed,
            "--json",
        ]);
        let row = &doc["rows"][0];
        assert_eq!(row["theory_consumers"], 20, "{row}");
        assert_eq!(row["consumers"], 20, "seed {seed}: {row}");
        assert!(
            row["confirmed"] == Value::Bool(true) || row["confirmed"] == "inconclusive",
            "seed {seed}: {row}"
        );
        let notes = row["notes"].to_string();
        assert!(
            !notes.contains("disagree") && !notes.contains("contradicts"),
            "{notes}"
        );
    }
}
