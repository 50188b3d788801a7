//! Helpers shared by the end-to-end tests: the `kendall` binary, run with arguments.
// Each test file is its own crate and uses some of these.
#![allow(dead_code)]

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Runs the `kendall` binary with `args` (from the repository root) and returns what it did.
pub fn kendall(args: &[&str]) -> Output {
    Command::cargo_bin("kendall")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// Runs the `kendall` binary with `args` and the environment variables `env` set, and
/// without the array and job variables `sweep --shard auto` reads (unless `env` sets them).
pub fn kendall_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::cargo_bin("kendall").unwrap();
    for var in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).args(args).output().unwrap()
}

/// Runs `kendall` with `args`, which must succeed, and parses its standard output as JSON.
pub fn json(args: &[&str]) -> Value {
    let out = kendall(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The range a metric named `name` can take (its intervals are clipped to it), by the name
/// JSON and tables give it; None for a name that is not a metric.
pub fn metric_range(name: &str) -> Option<(f64, f64)> {
    use kendall_sim::Metric;
    if matches!(name, "consumer_time" | "cost") {
        return Some((0.0, f64::INFINITY));
    }
    Metric::ALL
        .iter()
        .find(|m| m.name() == name)
        .map(|m| (m.bounds().lo, m.bounds().hi))
}

/// Every interval in `doc` (a `ci95` or `simulated_ci95` under a metric's name) that passes
/// its metric's range, as "path: [lo, hi]" lines; differences (`vs_best`) may be negative
/// and are not checked. An interval whose own mean lies outside the range is not clipped
/// (the range does not hold there: generated scenarios with visibility timeouts can measure
/// Lq = L − busy below 0) and is not counted here.
pub fn intervals_outside_range(doc: &Value) -> Vec<String> {
    fn visit(key: &str, v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if key == "vs_best" {
                    return;
                }
                if let Some((lo, hi)) = metric_range(key) {
                    for (ci, mean) in [("ci95", "mean"), ("simulated_ci95", "simulated")] {
                        let ends = map.get(ci).and_then(Value::as_array).map(|a| {
                            (
                                a[0].as_f64().unwrap_or(f64::NAN),
                                a[1].as_f64().unwrap_or(f64::NAN),
                            )
                        });
                        let m = map.get(mean).and_then(Value::as_f64).unwrap_or(f64::NAN);
                        let in_range = lo - 1e-9 <= m && m <= hi + 1e-9;
                        if let Some((a, b)) = ends
                            && in_range
                            && (a < lo || b > hi)
                        {
                            out.push(format!("{path}.{ci}: [{a}, {b}] outside [{lo}, {hi}]"));
                        }
                    }
                }
                for (k, x) in map {
                    visit(k, x, &format!("{path}.{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    visit(key, x, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    visit("", doc, "", &mut out);
    out
}

/// Every line of a table in `text` whose first word is a metric's name and whose interval
/// `[lo, hi]` passes the metric's range.
pub fn table_intervals_outside_range(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((lo, hi)) = line.split_whitespace().next().and_then(metric_range) else {
            continue;
        };
        let Some(open) = line.find('[') else { continue };
        let Some(close) = line[open..].find(']') else {
            continue;
        };
        let inner = &line[open + 1..open + close];
        let ends: Vec<f64> = inner
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        if let [a, b] = ends[..]
            && (a < lo || b > hi)
        {
            out.push(line.to_string());
        }
    }
    out
}
