//! scenarios/retry-storm.toml: a burst that leaves a queue with retrying senders collapsed
//! after the load is back to normal, where the same queue without retries recovers; and the
//! fluid model's tipping point against the simulated one.

mod common;

use common::scenario;
use kendall_sim::theory::retry_storm::storm_fluid;
use kendall_sim::{Metric, Scenario, run_experiment};

fn storm_text() -> String {
    std::fs::read_to_string("../scenarios/retry-storm.toml").unwrap()
}

/// The scenario's fresh load is 7 a second; this is the simulated goodput over the windows
/// from 900 s to the horizon (long after the burst ends at 330 s), as a fraction of it.
fn late_goodput(s: &Scenario) -> f64 {
    let r = run_experiment(s).unwrap();
    let late: Vec<f64> = r
        .windows
        .iter()
        .filter(|w| w.start >= 900.0)
        .map(|w| w.get(Metric::Goodput).mean)
        .collect();
    assert_eq!(late.len(), 15);
    late.iter().sum::<f64>() / late.len() as f64 / 7.0
}

#[test]
fn the_burst_collapses_goodput_with_retries_and_not_without() {
    let text = storm_text();
    let with = late_goodput(&scenario(&text));
    assert!(
        with < 0.5,
        "with retries, goodput after the burst is {with}"
    );
    // Without the sender keys, and with a timeout but no retries: the backlog of 300 drains
    // at 3 a second and goodput comes back.
    let without = text
        .lines()
        .filter(|l| {
            !["timeout", "retries", "retry_backoff"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bare = late_goodput(&scenario(&without));
    assert!(
        bare > 0.95,
        "without retries, goodput after the burst is {bare}"
    );
    let no_retries = late_goodput(&scenario(&text.replace("retries = 3\n", "").replace(
        "retry_backoff = { base = 1.0, factor = 2.0, max = 10.0, jitter = \"full\" }\n",
        "",
    )));
    assert!(
        no_retries > 0.95,
        "with a timeout and no retries: {no_retries}"
    );
}

#[test]
fn the_fluid_tipping_point_is_within_20_percent_of_the_simulated_one() {
    let text = storm_text();
    let fluid = storm_fluid(&scenario(&text)).unwrap();
    assert!(fluid.metastable());
    let d = fluid.tipping.unwrap();
    // The same scenario with a burst of `dur` seconds: its simulated tipping point is where
    // the goodput after the burst, over replications, falls through half the fresh load.
    // It lies within 20% of the fluid's when a burst 20% shorter leaves more than half and
    // one 20% longer less than half.
    let with_burst = |dur: f64| {
        let mut s = scenario(&text.replace(
            "at = [0, 300, 330]",
            &format!("at = [0, 300, {}]", 300.0 + dur),
        ));
        s.run.replications = 40;
        late_goodput(&s)
    };
    let (short, long) = (with_burst(0.8 * d), with_burst(1.2 * d));
    assert!(short > 0.5, "a burst of {:.3}: goodput {short}", 0.8 * d);
    assert!(long < 0.5, "a burst of {:.3}: goodput {long}", 1.2 * d);
}
