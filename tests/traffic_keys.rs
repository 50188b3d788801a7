//! `kendall run` on one scenario that uses every key of issue 19 together (a sinusoidal
//! producer with geometric batches, an MMPP producer, a consumer schedule, patience, failures
//! with exponential backoff, a horizon measured window by window): byte-identical JSON on one
//! and on two threads, the books of every queue, and the windows' count.

mod common;

use common::json;
use serde_json::Value;

const SCENARIO: &str = "tests/scenarios/traffic_all_keys.toml";

/// The document without `wall_seconds` (the only figure that may differ between runs).
fn stripped(threads: &str) -> Value {
    let mut doc = json(&["run", SCENARIO, "--json", "--threads", threads]);
    doc.as_object_mut().unwrap().remove("wall_seconds");
    doc
}

#[test]
fn every_new_key_together_is_deterministic_and_keeps_its_books() {
    let one = stripped("1");
    let two = stripped("2");
    assert_eq!(one.to_string(), two.to_string());

    // Horizon 300 in windows of 50: six windows, the last ending at the horizon.
    assert_eq!(one["horizon"], 300.0);
    let windows = one["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 6);
    assert_eq!(windows[5]["start"].as_f64(), Some(250.0));
    assert_eq!(windows[5]["end"].as_f64(), Some(300.0));

    // The books, per queue: the counts are means per replication, so the identity holds to
    // float rounding of a mean of six integers.
    let queues = one["queues"].as_object().unwrap();
    assert!(!queues.is_empty());
    for (name, q) in queues {
        let c = &q["counts"];
        let n = |key: &str| {
            c[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}: counts.{key} missing in {c}"))
        };
        let published = n("published");
        let ended = n("acked")
            + n("rejected")
            + n("dropped")
            + n("expired")
            + n("abandoned")
            + n("dead_lettered")
            + n("in_system");
        assert!(
            (published - ended).abs() <= 1e-9 * published.max(1.0),
            "{name}: published {published} vs fates {ended} in {c}"
        );
        // Every new fate really happens in this scenario, so the check is not vacuous.
        for key in ["acked", "abandoned", "dead_lettered"] {
            assert!(n(key) > 0.0, "{name}: no {key} in {c}");
        }
    }
    assert!(one["metrics"]["p_abandon"]["mean"].as_f64().unwrap() > 0.0);
}
