//! The `kendall` binary on a queue that changes — a consumer schedule, patience and retry
//! backoff together: the new fate and metric in the JSON, byte-identical results on 1 and 2
//! threads, and located errors with exit code 1.

mod common;

use std::path::PathBuf;

use common::kendall;
use serde_json::Value;

const SCENARIO: &str = r#"
name = "changing"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 3.0 }
[[queues]]
name = "q"
consumers = { at = [0, 50], values = [2, 5], repeat = 100 }
service = { kind = "exponential", mean = 1.0 }
patience = { kind = "exponential", mean = 10.0 }
fail = 0.2
retry_backoff = { base = 0.5, factor = 2.0, max = 4.0, jitter = "equal" }
[run]
replications = 4
customers = 5000
seed = 3
"#;

/// Writes `text` to a file of its own under the target directory.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("queue_changes");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `run --json` on `threads` threads, without `wall_seconds`.
fn run(path: &str, threads: &str) -> String {
    let out = kendall(&["run", path, "--json", "--threads", threads]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let wall = text
        .lines()
        .find(|l| l.trim_start().starts_with("\"wall_seconds\":"))
        .unwrap()
        .to_string();
    text.replacen(&wall, "", 1)
}

#[test]
fn a_changing_queue_reports_abandonment_and_is_deterministic() {
    let path = file("changing.toml", SCENARIO);
    let path = path.to_str().unwrap();
    let one = run(path, "1");
    assert_eq!(one, run(path, "2"), "byte-identical on 1 and 2 threads");
    let doc: Value = serde_json::from_str(&one).unwrap();
    let p_abandon = doc["metrics"]["p_abandon"]["mean"].as_f64().unwrap();
    assert!(p_abandon > 0.0 && p_abandon < 1.0, "{p_abandon}");
    let counts = &doc["queues"]["q"]["counts"];
    assert!(counts["abandoned"].as_f64().unwrap() > 0.0, "{counts}");
    assert!(counts["redelivered"].as_f64().unwrap() > 0.0, "{counts}");
    assert_eq!(doc["theory"]["status"], "none");
    // A scenario without these keys shows neither the metric nor the count.
    let plain = kendall(&["run", "scenarios/mm1.toml", "--json", "--customers", "2000"]);
    let plain: Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(plain["metrics"].get("p_abandon").is_none());
    let first_queue = plain["queues"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert!(first_queue["counts"].get("abandoned").is_none());
}

#[test]
fn a_malformed_schedule_exits_1_with_a_located_message() {
    let bad = SCENARIO
        .replace("at = [0, 50]", "at = [0, 50, 20]")
        .replace("values = [2, 5]", "values = [2, 5, 3]");
    let path = file("unsorted.toml", &bad);
    let out = kendall(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsorted.toml:8:") && err.contains("queues[0].consumers.at[2]"),
        "{err}"
    );
}
