//! The example scenarios a newcomer learns from must stay valid, and the messaging example
//! must show per-class rows with percentiles and theory.

use std::path::PathBuf;

use assert_cmd::Command;

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
        let mean: f64 = t_row[1].parse().unwrap();
        assert!((mean - t).abs() < 0.5 * t, "class {class}: T {mean} vs {t}");
        // The measured 99th percentile is there and above the mean.
        let p99: f64 = row("T_p99")[1].parse().unwrap();
        assert!(p99 > mean, "class {class}: T_p99 {p99} <= T {mean}");
    }
}
