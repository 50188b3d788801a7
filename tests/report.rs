//! `kendall report`: every file written, the HTML self-contained; and a headless-Chromium
//! screenshot when a browser is installed (scripts/screenshot-report.sh installs nothing).

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;

#[test]
fn report_writes_a_self_contained_page_and_its_files() {
    let dir = std::env::temp_dir().join(format!("kendall-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/mmc.toml", "--out"])
        .arg(&dir)
        .args(["--replications", "4", "--customers", "5000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "report.html",
        "report.md",
        "results.csv",
        "load.csv",
        "dispatch.csv",
        "plan.csv",
        "load.svg",
        "load.png",
        "sojourn.svg",
        "sojourn.png",
        "trace.svg",
        "trace.png",
        "dispatch.svg",
        "dispatch.png",
        "capacity.svg",
        "capacity.png",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 5, "charts are inline SVG");
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("url(http") && !html.contains("@import")
    );
    assert!(html.contains("@media print"));
    assert!(html.contains("M/M/c") && html.contains("rho = 0.9000"));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Capacity") && md.contains("![load](load.png)"));
    // Several consumers: the dispatch strategies on common random numbers, paired.
    assert!(md.contains("## What if the dispatch changes"));
    assert!(md.contains("| 1 | shared |") && md.contains("paired 95% CI"));
    assert!(dir.join("dispatch-paired.csv").is_file());
    // Deterministic for the same seed.
    let again = dir.join("again");
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/mmc.toml", "--out"])
        .arg(&again)
        .args(["--replications", "4", "--customers", "5000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(again.join("report.html")).unwrap().len(),
        html.len()
    );
    assert_eq!(
        std::fs::read_to_string(again.join("report.html")).unwrap(),
        html
    );

    // Headless Chromium, when present.
    let has_chromium = ["chromium", "chromium-browser"].iter().any(|b| {
        Std::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if has_chromium {
        let png = dir.join("shot.png");
        let st = Std::new("bash")
            .arg(Path::new("scripts/screenshot-report.sh"))
            .arg(dir.join("report.html"))
            .arg(&png)
            .status()
            .unwrap();
        assert!(st.success());
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(bytes.len() > 20_000, "a blank page would be tiny");
    } else {
        eprintln!("chromium not installed: screenshot step skipped");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A run to a horizon has no steady state to chart: report refuses it by key, exit 1, and
/// points to the window charts of `run --plot` (it used to run for minutes without end).
#[test]
fn report_refuses_a_run_to_a_horizon() {
    let dir = std::env::temp_dir().join(format!("kendall-report-horizon-{}", std::process::id()));
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/flash-sale.toml", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`run.horizon`") && err.contains("--plot"),
        "{err}"
    );
    assert!(!dir.exists());
}

/// `kendall report FILE --out DIR` with a short run; the directory.
fn report_of(scenario: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kendall-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", scenario, "--out"])
        .arg(&dir)
        .args(["--replications", "4", "--customers", "4000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// The cells of the Markdown table row that starts with `| first |`.
fn md_row(md: &str, first: &str) -> Vec<String> {
    let line = md
        .lines()
        .find(|l| l.starts_with(&format!("| {first} |")))
        .unwrap_or_else(|| panic!("no row {first} in\n{md}"));
    line.trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// "mean [lo, hi]" as numbers.
fn mean_ci(cell: &str) -> (f64, f64, f64) {
    let (mean, ci) = cell.split_once(' ').unwrap();
    let ci = ci.trim_matches(|c| c == '[' || c == ']' || c == '*');
    let (lo, hi) = ci.split_once(", ").unwrap();
    (
        mean.parse().unwrap(),
        lo.parse().unwrap(),
        hi.parse().unwrap(),
    )
}

/// Issue 25's first acceptance: the four classes of scenarios/messaging.toml each with T, Wq
/// and p99(T) beside Cobham's values, and a chart of each class's T against load.
#[test]
fn report_shows_each_class_beside_cobham() {
    let dir = report_of("scenarios/messaging.toml", "classes");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(md.contains("## Per class") && html.contains("<h2>Per class</h2>"));
    // Cobham's M/G/1 non-preemptive priority formulas, computed here from the scenario:
    // W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)), W0 = Σ λ_i E[S_i²] / 2, σ_k = Σ_{i ≤ k} ρ_i.
    // sms: deterministic 0.2 (E[S²] = 0.04); chat: exponential 0.5 (0.5); email: gamma
    // mean 1.5, scv 0.5 (1.5 · 2.25 = 3.375); social: lognormal mean 2, scv 2 (3 · 4 = 12).
    let classes = [
        ("sms", 0.30, 0.2, 0.04),
        ("chat", 0.25, 0.5, 0.5),
        ("email", 0.15, 1.5, 3.375),
        ("social", 0.10, 2.0, 12.0),
    ];
    let w0: f64 = classes.iter().map(|c| c.1 * c.3).sum::<f64>() / 2.0;
    let mut sigma = 0.0;
    for (name, lambda, es, _) in classes {
        let before = sigma;
        sigma += lambda * es;
        let wq = w0 / ((1.0 - before) * (1.0 - sigma));
        let t = wq + es;
        // class | T (95% CI) | T theory | Wq (95% CI) | Wq theory | T_p99 | theory | p_loss | theory
        let row = md_row(&md, name);
        assert_eq!(row.len(), 9, "{row:?}");
        let close = |cell: &str, want: f64| {
            let got: f64 = cell.parse().unwrap();
            assert!(
                (got - want).abs() <= 1e-5 * want,
                "{name}: {got} vs Cobham {want}"
            );
        };
        close(&row[2], t);
        close(&row[4], wq);
        let (mt, lo, hi) = mean_ci(&row[1]);
        assert!(lo <= mt && mt <= hi && lo >= 0.0, "{row:?}");
        let (mw, _, _) = mean_ci(&row[3]);
        assert!(mw < mt, "{name}: Wq < T");
        let (p99, _, _) = mean_ci(&row[5]);
        assert!(p99 > mt, "{name}: p99(T) above the mean");
        assert!(html.contains(&format!("<td>{name}</td>")));
    }
    // Headers carry units.
    assert!(md.contains("| class | T (ms, 95% CI) | T theory (ms) | Wq (ms, 95% CI) |"));
    // The chart of each class's T against load, in the page and beside it.
    assert!(dir.join("classes.png").is_file() && dir.join("classes.svg").is_file());
    let svg = std::fs::read_to_string(dir.join("classes.svg")).unwrap();
    let texts: Vec<&str> = svg.lines().map(str::trim).collect();
    assert!(texts.contains(&"T per class against load"));
    for (name, ..) in classes {
        assert!(texts.contains(&name), "{name} in the legend");
    }
    assert!(md.contains("![classes](classes.png)"));
    let csv = std::fs::read_to_string(dir.join("classes.csv")).unwrap();
    assert!(csv.starts_with("class,T,T_ci_lo,T_ci_hi,T_theory,"));
    assert_eq!(csv.lines().count(), 5);
    // What if email (the class with the most work, 0.15 × 1.5 = 0.225) grows: each class's
    // T at 0.5, 1, 1.5 and 2 times its rate, theory beside; at ×2 (email 0.3 per ms) Cobham
    // gives sms W = W0' / (1 − 0.06) with W0' = W0 + 0.15 · 3.375 / 2.
    assert!(md.contains("## What if email grows"), "{md}");
    let doubled = md_row(&md, "0.300000 (×2)");
    assert_eq!(doubled.len(), 13, "{doubled:?}");
    let w0_doubled = w0 + 0.15 * 3.375 / 2.0;
    let sms_t = w0_doubled / (1.0 - 0.06) + 0.2;
    let got: f64 = doubled[2].parse().unwrap();
    assert!(
        (got - sms_t).abs() <= 1e-5 * sms_t,
        "sms T at ×2: {got} vs {sms_t}"
    );
    assert!(dir.join("what-if.csv").is_file());
    // Plain words: one consumer, dispatch as the file writes it.
    assert!(
        md.contains("queue notify (1 consumer, shared dispatch)"),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 25's second acceptance: scenarios/pipeline.toml's report names the bottleneck
/// queue with its ρ. Traffic equations: enrich = 2.0 + 0.2 · store, store = enrich, so
/// both see 2.5 per ms; ρ = 2.0 · 0.8 / 2 = 0.8 (ingest), 2.5 · 1.0 / 3 = 0.8333 (enrich),
/// 2.5 · 0.3 / 1 = 0.75 (store): enrich is the bottleneck.
#[test]
fn report_names_the_bottleneck_queue() {
    let dir = report_of("scenarios/pipeline.toml", "queues");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Per queue"));
    assert!(md.contains("Bottleneck: queue enrich (ρ = 0.8333"), "{md}");
    for (name, consumers, rho) in [
        ("ingest", 2, 0.8),
        ("enrich", 3, 2.5 / 3.0),
        ("store", 1, 0.75),
    ] {
        let row = md_row(&md, name);
        assert_eq!(row[1], consumers.to_string());
        let got: f64 = row[2].parse().unwrap();
        assert!((got - rho).abs() < 5e-5, "{name}: rho {got}");
        // utilisation beside theory's ρ
        let (u, lo, hi) = mean_ci(&row[3]);
        assert!(lo <= u && u <= hi && hi <= 1.0);
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Bottleneck: queue enrich"));
    assert!(dir.join("queues.png").is_file() && dir.join("queues.csv").is_file());
    // Every message published is accounted for: processed is reported per queue.
    assert!(md.contains("processed (messages)"));
    std::fs::remove_dir_all(&dir).ok();
}
