//! `kendall run` on a scenario with `[run] horizon` and `window`: the `"windows"` JSON, its
//! determinism across thread counts, the table's summary, `--windows-csv`, and the flags.

mod common;

use common::{json, kendall};
use serde_json::Value;

const SCENARIO: &str = "tests/scenarios/windows_mmc.toml";

/// The document without `wall_seconds` (the only figure that may differ between runs).
fn stripped(args: &[&str]) -> Value {
    let mut doc = json(args);
    doc.as_object_mut().unwrap().remove("wall_seconds");
    doc
}

#[test]
fn windows_are_byte_identical_on_one_and_two_threads() {
    let one = stripped(&["run", SCENARIO, "--json", "--threads", "1"]);
    let two = stripped(&["run", SCENARIO, "--json", "--threads", "2"]);
    assert_eq!(
        serde_json::to_string(&one["windows"]).unwrap(),
        serde_json::to_string(&two["windows"]).unwrap()
    );
    assert_eq!(one.to_string(), two.to_string());
    let windows = one["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 10);
    assert_eq!(one["horizon"], 200.0);
    assert_eq!(
        (windows[9]["start"].as_f64(), windows[9]["end"].as_f64()),
        (Some(180.0), Some(200.0))
    );
    // Each window's metrics have the top-level shape, with the forward equations' theory:
    // exact for the time averages and for P(wait), T and Wq of the window's arrivals,
    // nothing for the percentiles.
    let top: Vec<&String> = one["metrics"].as_object().unwrap().keys().collect();
    let w0 = windows[0]["metrics"].as_object().unwrap();
    for name in top {
        let m = &w0[name.as_str()];
        assert!(m["mean"].is_f64(), "{name}");
        assert_eq!(m["ci95"].as_array().unwrap().len(), 2);
        let kind = match name.as_str() {
            "L" | "Lq" | "utilization" | "throughput" | "p_wait" | "T" | "Wq" => Some("exact"),
            _ => None,
        };
        assert_eq!(m["theory_kind"].as_str(), kind, "{name}");
        if kind.is_some() {
            assert!(m["theory"].is_f64(), "{name}");
            assert!(m["theory_in_ci"].is_boolean(), "{name}");
            let model = m["model"].as_str().unwrap();
            assert!(model.contains("M_t/M/c forward equations"), "{model}");
        } else {
            assert!(m["theory"].is_null() && m["model"].is_null(), "{name}");
        }
    }
    assert_eq!(w0["on_duty"]["mean"], 2.0);
    assert!(w0["on_duty"]["theory"].is_null());
    // From empty, M/M/2 at ρ = 0.8 holds fewer in its first window than in its last.
    let th = |k: usize| windows[k]["metrics"]["L"]["theory"].as_f64().unwrap();
    assert!(th(0) < 0.7 * th(9), "{} vs {}", th(0), th(9));
    // The first window starts empty: its L lies below the later windows' in the mean.
    let l = |k: usize| windows[k]["metrics"]["L"]["mean"].as_f64().unwrap();
    assert!(l(0) < (1..10).map(l).sum::<f64>() / 9.0);
}

#[test]
fn a_run_without_the_keys_has_no_windows() {
    let doc = json(&[
        "run",
        "scenarios/mm1.toml",
        "--json",
        "--replications",
        "2",
        "--customers",
        "2000",
    ]);
    let keys = doc.as_object().unwrap();
    assert!(!keys.contains_key("windows") && !keys.contains_key("horizon"));
}

#[test]
fn table_summary_and_windows_csv() {
    let dir = std::env::temp_dir().join(format!("kendall-windows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("w.csv");
    let out = kendall(&["run", SCENARIO, "--windows-csv", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("x horizon 200 from empty"), "{table}");
    assert!(
        table.contains("windows: 10 of 20 over horizon 200"),
        "{table}"
    );
    assert!(
        table.contains("worst window (highest mean T): ["),
        "{table}"
    );
    assert!(table.contains("peak backlog: L = "), "{table}");
    assert!(
        table.contains("theory per window: M_t/M/c forward equations from empty (exact)"),
        "{table}"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "window,start,end,metric,mean,ci_low,ci_high,theory"
    );
    // Per window: 16 metrics (no p_abandon without a patience), on_duty, consumer_time, and
    // three counts.
    assert_eq!(lines.len(), 1 + 10 * 21);
    assert!(lines.iter().any(|l| l.starts_with("0,0,20,consumer_time,")));
    // The CSV holds the JSON's figures.
    let doc = json(&["run", SCENARIO, "--json"]);
    let l0 = doc["windows"][0]["metrics"]["L"]["mean"].as_f64().unwrap();
    let row = lines.iter().find(|l| l.starts_with("0,0,20,L,")).unwrap();
    assert_eq!(row.split(',').nth(4).unwrap().parse::<f64>().unwrap(), l0);
    // And the theory column the JSON's theory; empty where there is none.
    let t0 = doc["windows"][0]["metrics"]["L"]["theory"]
        .as_f64()
        .unwrap();
    assert_eq!(row.split(',').nth(7).unwrap().parse::<f64>().unwrap(), t0);
    let p99 = lines
        .iter()
        .find(|l| l.starts_with("0,0,20,T_p99,"))
        .unwrap();
    assert!(p99.ends_with(','), "{p99}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flags_set_the_horizon_and_refuse_what_it_excludes() {
    // --horizon and --window on a scenario written for a count of customers.
    let doc = json(&[
        "run",
        "scenarios/mm1.toml",
        "--json",
        "--replications",
        "2",
        "--horizon",
        "50",
        "--window",
        "20",
    ]);
    let windows = doc["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 3, "[0, 20), [20, 40), [40, 50)");
    assert_eq!(windows[2]["end"], 50.0);
    assert_eq!(doc["warmup"], 0);
    for (args, words) in [
        (&["run", SCENARIO, "--customers", "100"][..], "--customers"),
        (
            &["run", "scenarios/mm1.toml", "--window", "5"][..],
            "--window needs a horizon",
        ),
        (
            &["run", "scenarios/mm1.toml", "--horizon", "0"][..],
            "positive, finite",
        ),
        (
            &[
                "run",
                "scenarios/mm1.toml",
                "--horizon",
                "9",
                "--customers",
                "5",
            ][..],
            "exclude each other",
        ),
        (&["run", SCENARIO, "--warmup", "10"][..], "--warmup"),
        (
            &["run", "scenarios/mm1.toml", "--windows-csv", "x.csv"][..],
            "--windows-csv needs windows",
        ),
    ] {
        let out = kendall(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

/// A feature no time-varying model admits (deterministic service on one consumer) leaves
/// every window's theory null, and the table names the key.
#[test]
fn windows_without_a_model_say_why() {
    let args = [
        "run",
        "scenarios/md1.toml",
        "--replications",
        "2",
        "--horizon",
        "40",
        "--window",
        "10",
    ];
    let doc = json(&[&args[..], &["--json"]].concat());
    for w in doc["windows"].as_array().unwrap() {
        for (name, m) in w["metrics"].as_object().unwrap() {
            assert!(
                m["theory"].is_null() && m["theory_kind"].is_null(),
                "{name}"
            );
        }
    }
    let out = kendall(&args);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("theory per window: none:") && table.contains(".service"),
        "{table}"
    );
}

/// scenarios/flash-sale.toml: a tenfold burst for 15 minutes into five reviewers with
/// exponential patience. The table shows the peak backlog, the worst abandonment and the
/// drain; the forward equations' exact L lies in the windows' 99% intervals in at least 95%
/// of the 18 windows (40 replications, the file's seed), and the peak is in the sale.
#[test]
fn flash_sale_shows_the_burst_and_its_drain() {
    let path = "scenarios/flash-sale.toml";
    let out = kendall(&["run", path]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    for words in [
        "theory per window: M_t/M/c+M forward equations from empty (exact)",
        "peak backlog: L = ",
        "worst abandonment: p_abandon = ",
        "drained after ",
    ] {
        assert!(table.contains(words), "{words}: {table}");
    }
    let doc = json(&["run", path, "--json"]);
    let windows = doc["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 18);
    let mut held = 0;
    for w in windows {
        let l = &w["metrics"]["L"];
        assert_eq!(l["theory_kind"], "exact");
        assert_eq!(w["metrics"]["p_abandon"]["theory_kind"], "exact");
        let (lo, hi) = (
            l["ci95"][0].as_f64().unwrap(),
            l["ci95"][1].as_f64().unwrap(),
        );
        let (mean, theory) = (l["mean"].as_f64().unwrap(), l["theory"].as_f64().unwrap());
        // The 99% interval from the 95% one: t quantiles at 39 degrees of freedom.
        // (An interval clipped at 0 keeps its upper end at mean + half-width.)
        let half = (hi - mean).max(mean - lo) * 2.7079 / 2.0227;
        held += usize::from((theory - mean).abs() <= half);
        assert!(w["metrics"]["p_abandon"]["theory"].is_f64());
    }
    assert!(
        held >= 18 * 95 / 100,
        "{held} of 18 windows hold the exact L"
    );
    let peak = windows
        .iter()
        .max_by(|a, b| {
            let l = |w: &Value| w["metrics"]["L"]["mean"].as_f64().unwrap();
            l(a).total_cmp(&l(b))
        })
        .unwrap();
    let start = peak["start"].as_f64().unwrap();
    assert!((15.0..30.0).contains(&start), "peak at {start}");
}

/// `run --plot DIR` on a run in windows writes one chart per headline metric, SVG and PNG,
/// each PNG valid (its signature) and 960 × 540 (its IHDR); without windows it is refused.
#[test]
fn plot_writes_the_window_charts() {
    let dir = std::env::temp_dir().join(format!("kendall-window-plot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = kendall(&[
        "run",
        "scenarios/flash-sale.toml",
        "--plot",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for metric in [
        "T",
        "Wq",
        "L",
        "T_p99",
        "utilization",
        "p_abandon",
        "on_duty",
    ] {
        let png = std::fs::read(dir.join(format!("windows-{metric}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{metric}");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
        assert_eq!((be(16), be(20)), (960, 540), "{metric}");
        let svg = std::fs::read_to_string(dir.join(format!("windows-{metric}.svg"))).unwrap();
        assert_eq!(kendall_reports::charts::svg_fault(&svg), None, "{metric}");
    }
    // The theory line and its label are drawn where the model gives one.
    let l = std::fs::read_to_string(dir.join("windows-L.svg")).unwrap();
    assert!(
        l.contains("forward equations from empty (exact)"),
        "no theory label"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let out = kendall(&["run", "scenarios/mm1.toml", "--plot", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--plot draws the windows"));
}

/// An autoscaled run's charts mark replication 0's decisions: the fleet after each on the
/// consumers-on-duty chart (a staircase), what the autoscaler read on the utilisation chart,
/// and the backlog (Lq) is drawn too.
#[test]
fn plot_marks_the_autoscalers_decisions() {
    let dir = std::env::temp_dir().join(format!("kendall-scale-plot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = ["run", "scenarios/autoscale.toml", "--replications", "3"];
    let out = kendall(&[&args[..], &["--plot", dir.to_str().unwrap()]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&[&args[..], &["--json"]].concat());
    let decisions = doc["queues"]["send"]["autoscale"]["decisions"]
        .as_array()
        .unwrap()
        .len();
    assert!(decisions >= 4, "{decisions} decisions");
    let svg =
        |name: &str| std::fs::read_to_string(dir.join(format!("windows-{name}.svg"))).unwrap();
    // One dot per decision, and one in the legend.
    for (chart, label) in [
        ("on_duty", "fleet after each decision of queue send"),
        ("utilization", "fleet busy at each decision of queue send"),
    ] {
        let s = svg(chart);
        assert!(s.contains(label), "{chart}: no label");
        assert_eq!(s.matches("<circle").count(), decisions + 1, "{chart}");
        assert_eq!(kendall_reports::charts::svg_fault(&s), None, "{chart}");
    }
    assert!(svg("Lq").contains("time-average number waiting Lq"));
    assert_eq!(svg("T").matches("<circle").count(), 0, "no marks on T");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `validate` describes a run to a horizon by its horizon and windows, not by a count of 0
/// messages.
#[test]
fn validate_describes_a_run_to_a_horizon() {
    let out = kendall(&["validate", "scenarios/diurnal.toml"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("run: 10 replications to horizon 86400 s from empty (windows of 3600 s)"),
        "{text}"
    );
    assert!(!text.contains("x 0 messages"), "{text}");
}

/// A run whose senders retry draws goodput (with the fluid model's line) and throughput
/// against time, and prints the fluid model's verdict.
#[test]
fn retry_storm_charts_goodput_with_the_fluid_model() {
    let dir = std::env::temp_dir().join(format!("kendall-storm-plot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = ["run", "scenarios/retry-storm.toml", "--replications", "3"];
    let out = kendall(&[&args[..], &["--plot", dir.to_str().unwrap()]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("fluid model of retries (approximation)"),
        "{table}"
    );
    assert!(table.contains("metastable"), "{table}");
    let goodput = std::fs::read_to_string(dir.join("windows-goodput.svg")).unwrap();
    assert!(goodput.contains("fluid model of retries (approximation)"));
    assert_eq!(kendall_reports::charts::svg_fault(&goodput), None);
    assert!(dir.join("windows-throughput.png").exists());
    let doc = json(&[&args[..], &["--json"]].concat());
    assert_eq!(doc["fluid"]["metastable"], true);
    assert_eq!(doc["fluid"]["critical_backlog"], 40.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `validate` says a producer's senders retry, and what the queue's load would be if every
/// sender retried: retry-storm.toml is metastable (0.7 without retries, 2.8 with).
#[test]
fn validate_describes_senders_that_retry() {
    let out = kendall(&["validate", "scenarios/retry-storm.toml"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("its senders wait 5 s per attempt and retry up to 3 times (backoff 1 x 2^(k-1), at most 10, full jitter)"),
        "{text}"
    );
    assert!(
        text.contains("rho = 0.7000, stable; with every sender retrying, rho = 2.8000: metastable"),
        "{text}"
    );
    // Without senders that retry, nothing is added.
    let out = kendall(&["validate", "scenarios/mm1.toml"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("retrying"));
}
