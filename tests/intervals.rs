//! Intervals within a metric's range (issue 25, item 4): no output of run, sweep, compare,
//! plan, report or live prints an interval a metric cannot take — a negative time, count or
//! rate, a probability outside [0, 1]. Checked over every scenario in scenarios/ (short
//! runs of 3 replications, whose wide intervals cross 0 wherever a figure is near it) and
//! over generated scenarios whose figures lie at their range's ends (Wq_p50 = 0 at low load,
//! rare losses, batch means), and the clipping is stated where it happens.

mod common;

use std::path::{Path, PathBuf};

use common::{intervals_outside_range, json, kendall, table_intervals_outside_range};
use serde_json::Value;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kendall-intervals-{}-{name}", std::process::id()))
}

/// A scenario of one queue: Poisson arrivals at `rate`, `consumers` exponential consumers of
/// mean 1, with `extra` queue keys and `run` keys.
fn generated(name: &str, rate: f64, consumers: u32, extra: &str, run: &str) -> PathBuf {
    let path = temp(&format!("{name}.toml"));
    let text = format!(
        "name = \"{name}\"\ntime_unit = \"ms\"\n\n[[producers]]\nname = \"p\"\n\
         interarrival = {{ kind = \"exponential\", rate = {rate} }}\n\n[[queues]]\nname = \"q\"\n\
         consumers = {consumers}\nservice = {{ kind = \"exponential\", mean = 1.0 }}\n{extra}\n\n\
         [run]\n{run}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Scenarios whose figures sit at the ends of their ranges.
fn edge_scenarios() -> Vec<PathBuf> {
    let run = "replications = 3\ncustomers = 300\nwarmup = 30\nseed = 7";
    vec![
        // p_wait and Lq near 0.
        generated("low-load", 0.05, 1, "", run),
        // Wq_p50 at the atom at 0: P(wait) = 0.45 < 1/2, so the median wait is 0, and
        // replications' medians fall on either side.
        generated("median-wait", 0.45, 1, "", run),
        generated("low-load-mmc", 0.2, 4, "", run),
        // Rare losses: p_loss near 0, p_wait near 1 at high load.
        generated(
            "rare-loss",
            0.6,
            1,
            "capacity = 4\noverflow = \"reject\"",
            run,
        ),
        generated(
            "saturated",
            3.0,
            2,
            "capacity = 3\noverflow = \"reject\"",
            run,
        ),
        // Batch means over one replication.
        generated(
            "batch-means",
            0.05,
            1,
            "",
            "replications = 1\nbatches = 10\ncustomers = 500\nwarmup = 50\nseed = 3",
        ),
    ]
}

/// Every scenario in scenarios/.
fn example_scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Short-run overrides for `path`: a run to a horizon keeps its horizon (it has no
/// customers to cut), every other run measures a few thousand messages.
fn short(path: &Path) -> Vec<&'static str> {
    let text = std::fs::read_to_string(path).unwrap();
    if text.lines().any(|l| l.trim_start().starts_with("horizon")) {
        vec!["--replications", "3"]
    } else if text.contains("replications = 3") {
        vec![]
    } else {
        vec![
            "--replications",
            "3",
            "--customers",
            "2000",
            "--warmup",
            "200",
        ]
    }
}

fn assert_none(what: &str, bad: &[String]) {
    assert!(
        bad.is_empty(),
        "{what}: intervals outside range:\n{}",
        bad.join("\n")
    );
}

#[test]
fn run_json_and_table_keep_every_interval_in_range() {
    let mut clipped = 0;
    for path in example_scenarios().into_iter().chain(edge_scenarios()) {
        let p = path.to_str().unwrap();
        let args = short(&path);
        let doc = json(&[&["run", p, "--json"], &args[..]].concat());
        assert_none(p, &intervals_outside_range(&doc));
        let text = doc.to_string();
        clipped += text.matches("\"clipped\":true").count();
        let out = kendall(&[&["run", p], &args[..]].concat());
        assert!(out.status.success(), "{p}");
        let table = String::from_utf8_lossy(&out.stdout);
        assert_none(p, &table_intervals_outside_range(&table));
        // The clipping is stated where it happens: a marked interval, a note.
        assert_eq!(
            table.contains("]*"),
            table.contains(kendall_reports::interval::CLIPPED_NOTE),
            "{p}: a clipped interval without its note, or a note without one\n{table}"
        );
    }
    // The check can fail: these runs do clip (a test of nothing would pass anyway).
    assert!(clipped > 10, "only {clipped} clipped intervals");
}

#[test]
fn median_wait_is_clipped_at_zero() {
    let path = &edge_scenarios()[1];
    let doc = json(&["run", path.to_str().unwrap(), "--json"]);
    // M/M/1 at ρ = 0.45: the pooled median wait is 0 (theory's too), the replications'
    // medians spread about it on both sides of 0 before clipping.
    let m = &doc["metrics"]["Wq_p50"];
    assert_eq!(m["mean"], 0.0, "{m}");
    assert_eq!(m["theory"], 0.0, "{m}");
    assert_eq!(m["ci95"][0], 0.0, "{m}");
    assert!(m["ci95"][1].as_f64().unwrap() > 0.1, "{m}");
    assert_eq!(m["clipped"], true);
    // Unclipped intervals carry no flag.
    assert!(doc["metrics"]["T"].get("clipped").is_none());
}

#[test]
fn sweep_compare_plan_and_report_keep_every_interval_in_range() {
    let low = &edge_scenarios()[2];
    let p = low.to_str().unwrap();
    // compare: the alternatives' intervals (differences may be negative).
    let doc = json(&["compare", p, "--dispatch", "shared,random,jsq", "--json"]);
    assert_none("compare", &intervals_outside_range(&doc));
    // plan.
    let doc = json(&[
        "plan",
        p,
        "--target",
        "p_wait < 0.5",
        "--load",
        "x0.5..x1:0.5",
        "--json",
    ]);
    assert_none("plan", &intervals_outside_range(&doc));
    // sweep's CSV: every row's interval within its metric's range.
    let csv = temp("sweep.csv");
    let out = kendall(&[
        "sweep",
        p,
        "--set",
        "queues.q.consumers=2,4",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let bad = csv_outside_range(&text, "metric", "ci_low", "ci_high");
    assert_none("sweep", &bad);
    // report's results.csv, and its note where the median wait is clipped.
    let dir = temp("report");
    let median = edge_scenarios()[1].clone();
    let out = kendall(&[
        "report",
        median.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    assert_none(
        "report",
        &csv_outside_range(&text, "metric", "ci_lo", "ci_hi"),
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("interval clipped to the metric's range"),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Rows of a CSV whose interval (columns `lo`, `hi`) passes the range of the metric in
/// column `metric`.
fn csv_outside_range(text: &str, metric: &str, lo: &str, hi: &str) -> Vec<String> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (m, l, h) = (col(metric), col(lo), col(hi));
    let mut bad = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let Some((min, max)) = common::metric_range(f[m]) else {
            continue;
        };
        let (a, b): (f64, f64) = (
            f[l].parse().unwrap_or(f64::NAN),
            f[h].parse().unwrap_or(f64::NAN),
        );
        if a < min || b > max {
            bad.push(line.to_string());
        }
    }
    bad
}

#[test]
fn live_keeps_every_interval_in_range() {
    let path = generated(
        "live-low",
        0.05,
        2,
        "",
        "replications = 3\ncustomers = 300\nseed = 1",
    );
    let out = kendall(&[
        "live",
        path.to_str().unwrap(),
        "--speedup",
        "2000",
        "--duration",
        "2",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_none("live", &intervals_outside_range(&doc));
}
