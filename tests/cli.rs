//! End-to-end tests: the `kendall` binary on real scenario files.

mod common;

use std::path::Path;

use common::{json, kendall};
use kendall_sim::Summary;
use serde_json::Value;

/// Asserts that metric `name` has a 95% CI containing `expected` (an independently computed
/// value) and that the reported theory equals it to 1e-9.
fn assert_metric(doc: &Value, name: &str, expected: f64, model: &str) {
    let m = &doc["metrics"][name];
    let (lo, hi) = (
        m["ci95"][0].as_f64().unwrap(),
        m["ci95"][1].as_f64().unwrap(),
    );
    assert!(
        lo <= expected && expected <= hi,
        "{name}: {expected} not in [{lo}, {hi}]"
    );
    let theory = m["theory"].as_f64().unwrap();
    assert!(
        (theory - expected).abs() <= 1e-9 * expected,
        "{name} theory {theory} vs {expected}"
    );
    assert_eq!(m["theory_kind"], "exact");
    assert_eq!(m["model"], model);
    assert_eq!(m["theory_in_ci"], true);
}

#[test]
fn mm1_matches_textbook_values() {
    let doc = json(&["run", "scenarios/mm1.toml", "--json"]);
    assert_eq!(doc["replications"], 20);
    assert_eq!(doc["customers_per_replication"], 200000);
    assert_eq!(doc["seed"], 42);
    // λ = 0.9, μ = 1: T = 1/(μ−λ) = 10, L = ρ/(1−ρ) = 9, Wq = 9, Lq = 8.1 (Kleinrock §3.2).
    assert_metric(&doc, "T", 10.0, "M/M/1");
    assert_metric(&doc, "L", 9.0, "M/M/1");
    assert_metric(&doc, "Wq", 9.0, "M/M/1");
    assert_metric(&doc, "Lq", 8.1, "M/M/1");
    assert_metric(&doc, "utilization", 0.9, "M/M/1");
    // Little's law holds on every scope of a normal run; ρ = 0.9 is below saturation.
    assert_eq!(
        doc["warnings"],
        serde_json::json!([]),
        "{}",
        doc["warnings"]
    );
    // The broker's own count of acknowledgements agrees with the simulator's count of
    // departures: exactly `customers` per replication in the window, none lost.
    let counts = &doc["queues"]["orders"]["counts"];
    assert_eq!(counts["acked"].as_f64(), Some(200_000.0), "{counts}");
    assert_eq!(counts["rejected"].as_f64(), Some(0.0), "{counts}");
}

/// (mean, 95% half-width) of metric `name` in a scope's JSON `metrics`.
fn mean_half(metrics: &Value, name: &str) -> (f64, f64) {
    let m = &metrics[name];
    let (lo, hi) = (
        m["ci95"][0].as_f64().unwrap(),
        m["ci95"][1].as_f64().unwrap(),
    );
    // An interval clipped to the metric's range keeps its other end at mean ± half-width.
    let mean = m["mean"].as_f64().unwrap();
    (mean, (hi - mean).max(mean - lo))
}

/// Scopes that share out the system's messages are measured by their own tallies: what the
/// system counts at each instant is the sum over the queues a message can be in (one at a
/// time in a network), and over the classes. So the time averages L and Lq, and the rate of
/// departures, add up across them, in every replication and so in the means.
#[test]
fn the_parts_add_up_to_the_system() {
    let short = ["--json", "--customers", "20000", "--replications", "4"];
    // Pipeline: three queues, with feedback. L and Lq add up across queues.
    let doc = json(&[&["run", "scenarios/pipeline.toml"][..], &short].concat());
    for m in ["L", "Lq"] {
        let system = mean_half(&doc["metrics"], m).0;
        let parts: f64 = ["ingest", "enrich", "store"]
            .iter()
            .map(|q| mean_half(&doc["queues"][q]["metrics"], m).0)
            .sum();
        assert!(
            (system - parts).abs() <= 1e-9 * system,
            "{m}: system {system}, queues {parts}"
        );
    }
    // The queues see more messages than leave (a retry revisits enrich and store): 1.25
    // visits each per message by the traffic equations, so their throughput is higher.
    let x = |scope: &Value| mean_half(&scope["metrics"], "throughput");
    let (system, half) = x(&doc);
    let (store, store_half) = x(&doc["queues"]["store"]);
    // The ratio's interval by first-order propagation of the two, at 99.9%.
    let ratio = Summary {
        mean: store / system,
        half_width: store / system * (half / system + store_half / store),
        replications: 4,
        bounds: kendall_sim::Bounds::ANY,
    };
    assert!(ratio.contains_at(1.25, 0.999), "{ratio:?}");
    // Messaging: four classes through one queue. L, Lq and throughput add up across classes.
    let doc = json(&[&["run", "scenarios/messaging.toml"][..], &short].concat());
    for m in ["L", "Lq", "throughput", "utilization"] {
        let system = mean_half(&doc["metrics"], m).0;
        let parts: f64 = ["sms", "chat", "email", "social"]
            .iter()
            .map(|c| mean_half(&doc["classes"][c]["metrics"], m).0)
            .sum();
        assert!(
            (system - parts).abs() <= 1e-9 * system,
            "{m}: system {system}, classes {parts}"
        );
    }
}

#[test]
fn mmc_matches_erlang_c() {
    let doc = json(&["run", "scenarios/mmc.toml", "--json"]);
    // Erlang C for a = 3.6 erlangs on c = 4, computed from the textbook sum
    // C = (a^c/c!)(c/(c−a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c−a))), not kendall's recursion.
    let c = 0.787_753_264_295_362_4;
    let wq = c / (4.0 - 3.6);
    assert_metric(&doc, "p_wait", c, "M/M/c");
    assert_metric(&doc, "Wq", wq, "M/M/c");
    assert_metric(&doc, "T", wq + 1.0, "M/M/c");
    assert_metric(&doc, "L", 3.6 * (wq + 1.0), "M/M/c");
    assert_metric(&doc, "Lq", 3.6 * wq, "M/M/c");
}

#[test]
fn md1_matches_pollaczek_khinchine() {
    let doc = json(&["run", "scenarios/md1.toml", "--json"]);
    // ρ = 0.8, d = 1: Wq = ρd/(2(1−ρ)) = 2, T = 3, L = 2.4.
    assert_metric(&doc, "Wq", 2.0, "M/D/1");
    assert_metric(&doc, "T", 3.0, "M/D/1");
    assert_metric(&doc, "L", 2.4, "M/D/1");
}

/// `run --json` on `threads` threads, as text, without `wall_seconds` (the one figure that
/// may differ); byte for byte otherwise. A scenario that runs to a `horizon` runs it as
/// written (it refuses `--customers`); the others to 3000 customers.
fn run_on_threads(path: &str, extra: &[&str], threads: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let timed = text.lines().any(|l| l.trim_start().starts_with("horizon"));
    let length: &[&str] = if timed { &[] } else { &["--customers", "3000"] };
    let args = [
        &["run", path, "--json", "--threads", threads][..],
        length,
        &["--replications", "6"],
        extra,
    ]
    .concat();
    let out = kendall(&args);
    assert!(
        out.status.success(),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let wall = text
        .lines()
        .find(|l| l.trim_start().starts_with("\"wall_seconds\":"))
        .unwrap_or_else(|| panic!("{path}: no wall_seconds in {text}"));
    let stripped = text.replacen(wall, "", 1);
    assert!(!stripped.contains("wall_seconds"), "{path}");
    stripped
}

/// Every example scenario gives byte-identical results on 1, 2 and 3 threads (6 replications,
/// so that each thread count splits them differently).
#[test]
fn results_do_not_depend_on_thread_count() {
    let mut paths: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "{paths:?}");
    for path in &paths {
        let one = run_on_threads(path, &[], "1");
        for threads in ["2", "3"] {
            assert!(
                one == run_on_threads(path, &[], threads),
                "{path}: 1 and {threads} threads differ"
            );
        }
    }
    // And a different seed does change the result (the comparison can fail).
    let path = "scenarios/mmc.toml";
    assert_ne!(
        run_on_threads(path, &[], "2"),
        run_on_threads(path, &["--seed", "43"], "2")
    );
}

#[test]
fn table_output_shows_theory_and_verdict() {
    let out = kendall(&["run", "scenarios/md1.toml", "--customers", "20000"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("theory: M/D/1 (exact)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("T ") && l.contains("M/D/1")),
        "{text}"
    );
}

/// Each malformed file must exit 1 and name the file, the line and the key.
#[test]
fn malformed_scenarios_are_located() {
    let cases = [
        (
            "unknown_key.toml",
            9,
            "queues[0].consumer",
            "unknown field `consumer`",
        ),
        (
            "negative_rate.toml",
            4,
            "producers[0].interarrival.rate",
            "positive",
        ),
        (
            "missing_queue.toml",
            3,
            "producers[0].to",
            "no queue named `order`",
        ),
        ("no_queues.toml", 1, "queues", "at least one [[queues]]"),
        (
            "bad_dispatch.toml",
            9,
            "queues[0].dispatch",
            "did you mean `round-robin`",
        ),
        (
            "negative_consumers.toml",
            7,
            "queues[0].consumers",
            "invalid value",
        ),
        ("syntax.toml", 3, "", "missing comma"),
        (
            "trapped.toml",
            9,
            "queues[0].route",
            "no message can ever leave",
        ),
        ("route_sum.toml", 9, "queues[0].route", "add up to 1.2"),
        ("capacity_zero.toml", 8, "queues[0].capacity", "at least 1"),
        (
            "overflow_typo.toml",
            9,
            "queues[0].overflow",
            "did you mean `drop-oldest`",
        ),
    ];
    for (file, line, key, words) in cases {
        let path = format!("tests/bad/{file}");
        let out = kendall(&["run", &path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(&format!("{path}:{line}:")),
            "{file}: wants line {line}: {err}"
        );
        if !key.is_empty() {
            assert!(
                err.contains(&format!("key `{key}`")),
                "{file}: wants key {key}: {err}"
            );
        }
        assert!(err.contains(words), "{file}: wants {words:?}: {err}");
        assert!(!err.contains("panicked"), "{file}: {err}");
        // `validate` reports the same error.
        let out = kendall(&["validate", &path]);
        assert_eq!(out.status.code(), Some(1), "validate {file}");
    }
}

#[test]
fn missing_file_and_bad_usage() {
    let out = kendall(&["run", "no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.toml"));
    assert_eq!(
        kendall(&["run"]).status.code(),
        Some(2),
        "usage errors exit 2"
    );
    assert_eq!(
        kendall(&["run", "scenarios/mm1.toml", "--threads", "zero"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn validate_describes_load_and_stability() {
    let out = kendall(&[
        "validate",
        "scenarios/mm1.toml",
        "scenarios/mmc.toml",
        "scenarios/md1.toml",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("rho = 0.9000, stable"), "{text}");
    assert!(text.contains("rho = 0.8000, stable"), "{text}");
}

#[test]
fn predict_prints_theory_only() {
    let out = kendall(&["predict", "scenarios/mm1.toml", "--json"]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["model"], "M/M/1");
    assert!((doc["metrics"]["T"].as_f64().unwrap() - 10.0).abs() < 1e-12);
}

/// The crate graph: the broker depends on no other kendall crate and offers the simulator no back
/// doors. This reads the broker's manifest and sources, so adding either makes it fail.
#[test]
fn broker_stands_alone() {
    let manifest = std::fs::read_to_string("broker/Cargo.toml").unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table");
    assert!(
        !deps.contains("kendall"),
        "broker must not depend on other kendall crates"
    );
    assert!(
        !manifest.contains("[features]"),
        "no feature-gated back doors in the broker"
    );
    let mut dirs = vec![Path::new("broker/src").to_path_buf()];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            files += 1;
            let src = std::fs::read_to_string(&path).unwrap();
            for banned in ["doc(hidden)", "cfg(feature", "kendall_sim"] {
                assert!(
                    !src.contains(banned),
                    "{} contains {banned}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 5, "the broker's sources were not found");
}

#[test]
fn heavy_tailed_service_matches_pollaczek_khinchine() {
    let doc = json(&["run", "scenarios/burst.toml", "--json"]);
    // λ = 0.7, E[S] = 1, scv 4 → E[S²] = 5: Wq = 0.7·5/(2·0.3), T = Wq + 1.
    let wq = 0.7 * 5.0 / (2.0 * 0.3);
    assert_metric(&doc, "Wq", wq, "M/G/1");
    assert_metric(&doc, "T", wq + 1.0, "M/G/1");
}

/// M/M/c/K by direct solution of its birth–death chain (p_n ∝ Π λ/(min(i, c)μ)), an
/// independent check of the models crate: (p_loss, L, T of accepted messages).
fn mmck_reference(lambda: f64, mu: f64, c: usize, k: usize) -> (f64, f64, f64) {
    let mut p = vec![1.0];
    for n in 1..=k {
        p.push(p[n - 1] * lambda / (n.min(c) as f64 * mu));
    }
    let z: f64 = p.iter().sum();
    let l = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum::<f64>() / z;
    let p_loss = p[k] / z;
    (p_loss, l, l / (lambda * (1.0 - p_loss)))
}

#[test]
fn bounded_queue_matches_mmck() {
    let doc = json(&["run", "scenarios/bounded.toml", "--json"]);
    let (p_loss, l, t) = mmck_reference(2.4, 1.0, 2, 6);
    assert_metric(&doc, "p_loss", p_loss, "M/M/c/K");
    assert_metric(&doc, "L", l, "M/M/c/K");
    assert_metric(&doc, "T", t, "M/M/c/K");
}

/// Dropping the oldest waiting message instead of rejecting the new one leaves the number in
/// system — the same birth–death chain — unchanged, so L and p_loss are M/M/c/K's.
#[test]
fn drop_oldest_keeps_the_loss_rate() {
    let text = std::fs::read_to_string("scenarios/bounded.toml").unwrap();
    let path =
        std::env::temp_dir().join(format!("kendall-drop-oldest-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        text.replace(r#"overflow = "reject""#, r#"overflow = "drop-oldest""#),
    )
    .unwrap();
    let doc = json(&["run", path.to_str().unwrap(), "--json"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        doc["theory"]["status"], "none",
        "no model for drop-oldest T"
    );
    // Beside the fates, the JSON reports the messages still queued at the end: at most the
    // capacity, and some, at this load.
    let held = doc["queues"]["jobs"]["counts"]["in_system"]
        .as_f64()
        .unwrap();
    assert!(held > 0.0 && held <= 6.0, "in_system {held}");
    let (p_loss, l, _) = mmck_reference(2.4, 1.0, 2, 6);
    for (name, want) in [("p_loss", p_loss), ("L", l)] {
        let ci = &doc["metrics"][name]["ci95"];
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(
            lo <= want && want <= hi,
            "{name}: {want} not in [{lo}, {hi}]"
        );
    }
}

#[test]
fn overloaded_scenario_is_reported_unstable_and_still_ends() {
    let path = "tests/scenarios/unstable.toml";
    let predicted = json(&["predict", path, "--json"]);
    assert_eq!(predicted["status"], "unstable");
    assert!((predicted["rho"].as_f64().unwrap() - 1.2).abs() < 1e-12);
    let doc = json(&["run", path, "--json"]);
    assert_eq!(doc["theory"]["status"], "unstable");
    assert_eq!(doc["metrics"]["T"]["theory"], Value::Null);
    // Every replication stopped after its warm-up (500) plus 5000 messages.
    assert_eq!(doc["messages"], 5 * 5500);
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("unstable: rho = 1.2000 >= 1 for queue q"));
    let table = kendall(&["run", path]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("theory: UNSTABLE") && text.contains("warning: unstable"));
    let described = kendall(&["validate", path]);
    let text = String::from_utf8(described.stdout).unwrap();
    assert!(text.contains("rho = 1.2000, UNSTABLE"), "{text}");
}

/// The warnings of a run's JSON document.
fn warnings(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

/// A bounded queue past saturation (M/M/2/6 at ρ = 1.5) is stable: it loses messages rather
/// than grows. `validate` and `run` say so, with a note about the loss and no instability;
/// its figures are M/M/c/K's, so Little's law is checked and holds.
#[test]
fn a_bounded_queue_past_saturation_is_stable() {
    let path = "tests/scenarios/bounded_overload.toml";
    let described = String::from_utf8(kendall(&["validate", path]).stdout).unwrap();
    assert!(
        described.contains("rho = 1.5000, stable, bounded at 6") && !described.contains("UNSTABLE"),
        "{described}"
    );
    let doc = json(&["run", path, "--json"]);
    assert_eq!(doc["theory"]["status"], "predicted");
    let (p_loss, l, t) = mmck_reference(3.0, 1.0, 2, 6);
    assert_metric(&doc, "p_loss", p_loss, "M/M/c/K");
    assert_metric(&doc, "L", l, "M/M/c/K");
    assert_metric(&doc, "T", t, "M/M/c/K");
    let w = warnings(&doc);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("overloaded: rho = 1.5000 >= 1 for queue q, bounded at 6: stable"),
        "{w:?}"
    );
}

/// M/M/1 at ρ = 0.9 whose waiting messages expire after 5: L counts the time of the ones that
/// expire, the processed messages' throughput and T do not. Little's law over every message
/// that left holds, so `run` does not warn of it, although over the processed ones alone it
/// fails by far more than the allowed gap.
#[test]
fn expiring_messages_do_not_break_littles_law() {
    let doc = json(&["run", "tests/scenarios/expiry.toml", "--json"]);
    let w = warnings(&doc);
    assert!(!w.iter().any(|w| w.contains("Little")), "{w:?}");
    let m = &doc["metrics"];
    let ((l, l_half), (x, x_half), (t, t_half)) = (
        mean_half(m, "L"),
        mean_half(m, "throughput"),
        mean_half(m, "T"),
    );
    // The allowed gap of the check (kendall_reports::LITTLE_SLACK is 1%).
    let allowed = |xt: f64| l_half + x * t_half + t * x_half + 0.01 * l.max(xt);
    assert!(
        l - x * t > 2.0 * allowed(x * t),
        "L {l}, processed λ·T {}",
        x * t
    );
    // The broker's count of expiries accounts for the gap: each expired message waited the
    // ttl, 5, and they expire at `expired / customers` times the rate of processed ones.
    let counts = &doc["queues"]["q"]["counts"];
    let expired_per_processed = counts["expired"].as_f64().unwrap() / 100_000.0;
    assert!(expired_per_processed > 0.05, "{counts}");
    let all = x * t + x * expired_per_processed * 5.0;
    assert!(
        (l - all).abs() <= allowed(all),
        "L {l}, every departure's λ·T {all}"
    );
}

/// 300 messages at once, then a light load, measured with no warm-up for 200 departures: the
/// window sees only the backlog draining, so the messages still waiting make L about twice
/// λ·T. `run` must warn of Little's law in every scope, citing the run's own figures.
#[test]
fn a_run_that_sees_only_a_backlog_drain_breaks_littles_law() {
    let doc = json(&["run", "tests/scenarios/draining_backlog.toml", "--json"]);
    let w = warnings(&doc);
    let little: Vec<&String> = w.iter().filter(|w| w.starts_with("Little's law")).collect();
    assert_eq!(little.len(), 3, "{w:?}");
    let m = &doc["metrics"];
    let (l, x, t) = (
        mean_half(m, "L").0,
        mean_half(m, "throughput").0,
        mean_half(m, "T").0,
    );
    assert!(l > 1.8 * x * t, "L {l}, λ·T {}", x * t);
    // Nothing is lost, so every departure is a processed message: the warning's λ·T is the
    // throughput times T.
    assert_eq!(mean_half(m, "p_loss").0, 0.0);
    assert!(
        little[0].starts_with(&format!(
            "Little's law: L = {l:.6} but λ·T = {:.6} for the system",
            x * t
        )),
        "{little:?}"
    );
    assert!(little[1].contains("for queue q") && little[2].contains("for class default"));
}

#[test]
fn auto_warmup_is_resolved_and_reported() {
    let doc = json(&[
        "run",
        "scenarios/validation/mm1_rho50.toml",
        "--json",
        "--customers",
        "20000",
    ]);
    assert_eq!(doc["warmup_mode"], "auto");
    let warmup = doc["warmup"].as_u64().unwrap();
    // MSER-5 truncates within the first half of the 50 000-message pilot; the crossing
    // floor is at least 1 (an M/M/1 at ρ = 0.5 crosses its mean within a few hundred).
    assert!((1..=25_000).contains(&warmup), "warm-up {warmup}");
    let reps = doc["replications"].as_u64().unwrap();
    assert_eq!(doc["messages"].as_u64().unwrap(), reps * (warmup + 20_000));
}

/// The `start-up:` warnings of a run's JSON.
fn start_up(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .filter(|w| w.starts_with("start-up:"))
        .collect()
}

/// 5,000 consumers at ρ = 0.9 fill in a few service times; runs of 4.4 ms after a 0.44 ms
/// warm-up measure mostly the start-up (T 15% low). `run` says so, with how long a run would
/// do, and a run of that length agrees with theory and is not warned about.
#[test]
fn short_runs_of_a_large_fleet_get_a_start_up_warning() {
    let path = "tests/scenarios/fleet_short.toml";
    let short = json(&["run", path, "--customers", "20000", "--json"]);
    // The queue's relaxation; the long stays cut off by the short warm-up are warned of too.
    let warned = start_up(&short);
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(
        warned[0].contains("queue orders") && warned[0].contains("biased low by about 14%"),
        "{warned:?}"
    );
    assert!(warned[1].contains("longest stays"), "{warned:?}");
    assert_eq!(short["metrics"]["T"]["theory_in_ci"], false);
    // The advice: at least so many customers per replication.
    let needed = warned[0]
        .split("use at least ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap()
        .to_string();
    let long = json(&["run", path, "--customers", &needed, "--json"]);
    assert!(start_up(&long).is_empty(), "{:?}", long["warnings"]);
    for m in ["T", "L"] {
        assert_eq!(long["metrics"][m]["theory_in_ci"], true, "{m}: {long}");
    }
}

/// The same fleet measured long enough to settle but after a warm-up of 2 messages per
/// consumer: the warm-up ends about 2.95 ms in, before the longest stays of the first
/// messages would have, so the run misses long stays and T's tail comes out low. `run` warns
/// of it, the measured T_p999 is what the cut predicts, and the advised warm-up removes it.
#[test]
fn a_warm_up_shorter_than_the_longest_stays_is_warned_of() {
    let path = "tests/scenarios/fleet_short.toml";
    let run = |warmup: &str| {
        json(&[
            "run",
            path,
            "--customers",
            "100000",
            "--warmup",
            warmup,
            "--json",
        ])
    };
    let short = run("9000");
    let warned = start_up(&short);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("longest stays"), "{warned:?}");
    for m in ["T", "T_p99", "T_p999"] {
        assert_eq!(short["metrics"][m]["theory_in_ci"], false, "{m}: {short}");
    }
    // An independent check of the cause. With next to no waiting, T is the Exp(1) service
    // time and the fleet an M/M/∞: 9,000 departures take w with 4500(w − 1 + e^(−w)) = 9000,
    // and the run then lasts D = 100000/4500. A message staying t is missed for (t − w)⁺ of
    // D, so the measured P(T > s) is e^(−s)(D − (s − w) − 1)/(D − e^(−w)) for s ≥ w: the
    // p99.9 where that is 0.001. The simulated T_p999 must agree at 99.9%.
    let mut w = 3.0f64;
    for _ in 0..50 {
        w = 2.0 + 1.0 - (-w).exp();
    }
    let d = 100_000.0 / 4500.0;
    let measured = |s: f64| (-s).exp() * (d - (s - w) - 1.0) / (d - (-w).exp());
    let (mut lo, mut hi) = (w, 10.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if measured(mid) > 0.001 {
            lo = mid
        } else {
            hi = mid
        }
    }
    let p999 = &short["metrics"]["T_p999"];
    let (lo, hi95) = (
        p999["ci95"][0].as_f64().unwrap(),
        p999["ci95"][1].as_f64().unwrap(),
    );
    let (mean, half) = ((lo + hi95) / 2.0, (hi95 - lo) / 2.0);
    // 99.9% from 95% with 10 replications: t(0.9995, 9)/t(0.975, 9) = 4.781/2.262.
    assert!(
        (mean - hi).abs() <= half * 4.781 / 2.262,
        "T_p999 {mean} ± {half}, cut predicts {hi}"
    );
    assert!((6.907 - hi) / 6.907 > 0.03, "the cut moves p99.9 by {hi}");
    // The advice: a warm-up long enough.
    let needed = warned[0]
        .split("--warmup ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap()
        .to_string();
    let long = run(&needed);
    assert!(start_up(&long).is_empty(), "{:?}", long["warnings"]);
    for m in ["T", "T_p99", "T_p999"] {
        assert_eq!(long["metrics"][m]["theory_in_ci"], true, "{m}: {long}");
    }
}

/// `--warmup` sets the warm-up as given, after `--customers` (which alone caps it at a
/// tenth); "auto" asks for MSER-5; anything else is a usage error naming the flag.
#[test]
fn warmup_flag_overrides_the_scenario() {
    let run = |warmup: &str| {
        json(&[
            "run",
            "scenarios/mm1.toml",
            "--customers",
            "2000",
            "--replications",
            "2",
            "--warmup",
            warmup,
            "--json",
        ])
    };
    let fixed = run("700");
    assert_eq!(
        (fixed["warmup"].as_u64(), fixed["warmup_mode"].as_str()),
        (Some(700), Some("count"))
    );
    assert_eq!(fixed["messages"].as_u64(), Some(2 * 2700));
    assert_eq!(run("auto")["warmup_mode"], "auto");
    let bad = kendall(&["run", "scenarios/mm1.toml", "--warmup", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--warmup") && err.contains("\"auto\""),
        "{err}"
    );
}

/// 1,000 consumers at ρ = 0.6: no message waits, so p_wait, Wq and Lq are [0, 0] in every
/// scope, while Erlang C's P(wait) is positive (about 2e-50). Among the 500,000 messages
/// measured theory expects far fewer than −ln 0.05 ≈ 3 waits, so seeing none agrees with it
/// (the rule of three), in JSON and in the table.
#[test]
fn a_fleet_where_nobody_waits_agrees_with_theory() {
    let path = "tests/scenarios/fleet_no_wait.toml";
    let doc = json(&["run", path, "--json"]);
    let start_up: Vec<&Value> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w.as_str().unwrap().starts_with("start-up:"))
        .collect();
    assert!(start_up.is_empty(), "{start_up:?}");
    for metrics in [
        &doc["metrics"],
        &doc["queues"]["orders"]["metrics"],
        &doc["classes"]["default"]["metrics"],
    ] {
        for m in ["p_wait", "Wq", "Lq"] {
            let row = &metrics[m];
            assert_eq!(row["ci95"], serde_json::json!([0.0, 0.0]), "{m}: {row}");
            // Theory is not 0, so the interval alone would not hold it.
            let theory = row["theory"].as_f64().unwrap();
            assert!(theory > 0.0, "{m}: {row}");
            let expected = row["expected_waits"].as_f64().unwrap();
            assert!(expected > 0.0 && expected < 3.0, "{m}: {row}");
            assert_eq!(row["theory_in_ci"], true, "{m}: {row}");
        }
        // A figure that waits do not decide is judged by its interval alone.
        assert_eq!(metrics["T"]["expected_waits"], Value::Null);
        assert_eq!(metrics["T"]["theory_in_ci"], true);
    }
    let out = kendall(&["run", path]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for m in ["p_wait", "Wq", "Lq"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{m} "))
                    && l.ends_with("yes (none seen)")),
            "{m}: {text}"
        );
    }
}
