//! Issue 24's two scenarios, driven through the binary: each finishes within 60 s with its
//! default run settings and an "unstable (observed)" verdict naming the growing queue, in the
//! table and in the JSON; theory has no model for either growth.

mod common;

use std::time::{Duration, Instant};

use common::{json, kendall};

/// Runs `run FILE --json` and checks the verdict names `queue`, within 60 s; the document.
fn unstable_within_a_minute(file: &str, queue: &str) -> serde_json::Value {
    let start = Instant::now();
    let doc = json(&["run", file, "--json"]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(60), "{file} took {took:?}");
    let observed = doc["unstable_observed"]
        .as_array()
        .unwrap_or_else(|| panic!("no unstable_observed in {doc}"));
    let growing = observed
        .iter()
        .find(|g| g["scope"] == queue)
        .unwrap_or_else(|| panic!("{queue} not named: {observed:?}"));
    let (rate, ci) = (growing["rate"].as_f64().unwrap(), &growing["ci"]);
    assert!(rate > 0.0 && ci[0].as_f64().unwrap() > 0.0, "{growing}");
    let warnings = doc["warnings"].as_array().unwrap();
    let prefix = format!("unstable (observed): queue {queue} grows by about");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().starts_with(&prefix)),
        "{warnings:?}"
    );
    doc
}

#[test]
fn ps_consumer_that_crashes_stops_at_its_budget_and_is_reported_unstable() {
    let doc = unstable_within_a_minute("tests/scenarios/unstable_ps_crash.toml", "sharing");
    // Theory has no model for a sharing consumer that crashes.
    assert_eq!(doc["theory"]["status"], "none");
    let warnings = doc["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| {
            let w = w.as_str().unwrap();
            w.starts_with("stopped:") && w.contains("queue sharing was growing")
        }),
        "{warnings:?}"
    );
}

#[test]
fn jiq_over_unequal_speeds_is_reported_unstable() {
    unstable_within_a_minute("tests/scenarios/unstable_jiq.toml", "work");
    // The table says it too.
    let out = kendall(&["run", "tests/scenarios/unstable_jiq.toml"]);
    assert!(out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("warning: unstable (observed): queue work grows by about"),
        "{text}"
    );
}
