//! The example scenarios a newcomer learns from must stay valid, and the messaging example
//! must show per-class rows with percentiles and theory — theory that its run confirms.

use std::path::PathBuf;

use assert_cmd::Command;
use kendall_sim::Summary;
use serde_json::Value;

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn validate_accepts_every_example_and_validation_scenario() {
    let examples = toml_files("scenarios");
    for name in [
        "messaging",
        "pipeline",
        "burst",
        "compare-dispatch",
        "compare-keyhash",
    ] {
        assert!(
            examples.contains(&PathBuf::from(format!("scenarios/{name}.toml"))),
            "scenarios/{name}.toml is missing"
        );
    }
    let validation = toml_files("scenarios/validation");
    assert!(
        validation.len() >= 40,
        "{} validation files",
        validation.len()
    );
    for file in examples.iter().chain(&validation) {
        let out = Command::cargo_bin("kendall")
            .unwrap()
            .arg("validate")
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Cobham's non-preemptive priority formulas for the classes of scenarios/messaging.toml,
/// computed here from the rates and service moments written in the file's comments.
fn cobham_t() -> Vec<(&'static str, f64)> {
    // (class, arrival rate, mean service, scv of service), most urgent first.
    let classes = [
        ("sms", 0.30, 0.2, 0.0),
        ("chat", 0.25, 0.5, 1.0),
        ("email", 0.15, 1.5, 0.5),
        ("social", 0.10, 2.0, 2.0),
    ];
    let w0: f64 = classes
        .iter()
        .map(|(_, l, m, s)| l * m * m * (1.0 + s))
        .sum::<f64>()
        / 2.0;
    let mut sigma = 0.0;
    classes
        .iter()
        .map(|&(name, l, m, _)| {
            let before = sigma;
            sigma += l * m;
            (name, w0 / ((1.0 - before) * (1.0 - sigma)) + m)
        })
        .collect()
}

#[test]
fn messaging_prints_per_class_percentiles_and_theory() {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args([
            "run",
            "scenarios/messaging.toml",
            "--customers",
            "20000",
            "--replications",
            "4",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (class, t) in cobham_t() {
        let section: Vec<&str> = text
            .split("\n\n")
            .find(|s| s.starts_with(&format!("class {class}\n")))
            .unwrap_or_else(|| panic!("no section for class {class}: {text}"))
            .lines()
            .collect();
        let row = |metric: &str| {
            section
                .iter()
                .find(|l| l.split_whitespace().next() == Some(metric))
                .unwrap_or_else(|| panic!("class {class}: no {metric} row: {text}"))
                .split_whitespace()
                .collect::<Vec<_>>()
        };
        // T: mean, [lo, hi], theory, model...; the theory must be Cobham's.
        let t_row = row("T");
        let theory: f64 = t_row[4].parse().unwrap();
        assert!(
            (theory - t).abs() < 1e-4 * t,
            "class {class}: theory {theory}, Cobham {t}"
        );
        assert!(t_row[5..].join(" ").contains("Cobham"), "{t_row:?}");
        // The measured percentiles are printed, in order (the pooled quantiles of one sample).
        let p: Vec<f64> = ["T_p50", "T_p90", "T_p99", "T_p999"]
            .iter()
            .map(|m| row(m)[1].parse().unwrap())
            .collect();
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "class {class}: {p:?}");
    }
}

/// The (mean, 95% half-width, replications) of a JSON metric row, as a [`Summary`].
fn summary(row: &Value, replications: usize) -> Summary {
    let (lo, hi) = (
        row["ci95"][0].as_f64().unwrap(),
        row["ci95"][1].as_f64().unwrap(),
    );
    let mean = row["mean"].as_f64().unwrap();
    // An interval clipped to the metric's range keeps its other end at mean ± half-width.
    Summary {
        mean,
        half_width: (hi - mean).max(mean - lo),
        replications,
        bounds: kendall_sim::Bounds::ANY,
    }
}

/// Cobham's formulas are exact for M/G/1 with non-preemptive priorities, so every figure they
/// give — per class and end to end — must lie inside the run's interval. Thirty-five rows
/// are checked, so at 99.9% each (at 95%, nearly two would fall outside by chance alone). The
/// theory the run reports must also be the one computed here from the file's rates.
#[test]
fn messaging_agrees_with_cobham_in_every_scope() {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["run", "scenarios/messaging.toml", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // (class, arrival rate, mean service): Cobham's T, and from it Wq, L and Lq by Little.
    let rates = [
        ("sms", 0.30, 0.2),
        ("chat", 0.25, 0.5),
        ("email", 0.15, 1.5),
        ("social", 0.10, 2.0),
    ];
    let mut by_hand = Vec::new();
    for ((class, t), (name, lambda, mean)) in cobham_t().into_iter().zip(rates) {
        assert_eq!(class, name);
        let wq = t - mean;
        by_hand.push((
            format!("class {class}"),
            &doc["classes"][class]["metrics"],
            [
                ("T", t),
                ("Wq", wq),
                ("L", lambda * t),
                ("Lq", lambda * wq),
                ("throughput", lambda),
                ("utilization", lambda * mean),
            ],
        ));
    }
    // End to end: the classes' rates add up to 0.8 and their loads to 0.61.
    let (lambda, rho) = (0.8, 0.61);
    let l: f64 = by_hand.iter().map(|(_, _, r)| r[2].1).sum();
    let lq: f64 = by_hand.iter().map(|(_, _, r)| r[3].1).sum();
    by_hand.push((
        "the system".into(),
        &doc["metrics"],
        [
            ("T", l / lambda),
            ("Wq", lq / lambda),
            ("L", l),
            ("Lq", lq),
            ("throughput", lambda),
            ("utilization", rho),
        ],
    ));
    // The file's header gives the system's T by hand: 2.36615.
    assert!((l / lambda - 2.36615).abs() < 1e-5, "{}", l / lambda);
    let reps = doc["replications"].as_u64().unwrap() as usize;
    assert_eq!(reps, 10);
    let mut checked = 0;
    for (scope, metrics, rows) in &by_hand {
        for (m, want) in rows {
            let row = &metrics[*m];
            assert_eq!(row["theory_kind"], "exact", "{scope} {m}: {row}");
            let theory = row["theory"].as_f64().unwrap();
            assert!(
                (theory - want).abs() <= 1e-9 * want,
                "{scope} {m}: theory {theory}, by hand {want}"
            );
            let s = summary(row, reps);
            assert!(
                s.contains_at(*want, 0.999),
                "{scope} {m}: {want} outside the 99.9% interval of {s:?}"
            );
            checked += 1;
        }
        // Every message is served once; none waits for longer than it stays.
        let mean = |m: &str| metrics[m]["mean"].as_f64().unwrap();
        assert!(mean("Wq") <= mean("T"), "{scope}");
        // p_wait is P(a message finds the consumer busy), which for Poisson arrivals is the
        // utilization (PASTA), the same in every class: 0.61.
        let p_wait = summary(&metrics["p_wait"], reps);
        assert!(p_wait.contains_at(rho, 0.999), "{scope} p_wait: {p_wait:?}");
        checked += 1;
    }
    assert_eq!(checked, 35);
}
