//! `warmup = "auto"` never opens the measurement on the empty start: its crossing floor.

mod common;

use common::scenario;
use kendall_sim::{Metric, run_experiment, warmup};

/// D/M/3 at ρ = 0.8: arrivals every 0.5, so the throughput is λ = 2 exactly (no loss), and
/// its interval is narrow — as narrow as the bias of a measurement opened at time 0.
fn dm3(seed: u64, warmup: &str) -> kendall_sim::Scenario {
    let mut s = scenario(&format!(
        r#"
        [[producers]]
        name = "p"
        interarrival = {{ kind = "deterministic", value = 0.5 }}
        [[queues]]
        name = "q"
        consumers = 3
        service = {{ kind = "exponential", mean = 1.2 }}
        [run]
        replications = 10
        customers = 50000
        warmup = {warmup}
        seed = {seed}
        "#
    ));
    warmup::resolve(&mut s).unwrap();
    s
}

/// Of 20 seeds, how many throughput intervals miss λ = 2.
fn misses(warmup: &str) -> usize {
    (0..20)
        .filter(|&seed| {
            let r = run_experiment(&dm3(seed, warmup)).unwrap();
            !r.system.get(Metric::Throughput).contains(2.0)
        })
        .count()
}

#[test]
fn the_throughput_of_dmc_is_unbiased_with_an_auto_warmup() {
    // Opened at time 0 (MSER-5 alone picks 0 here), most intervals miss.
    let from_empty = misses("0");
    assert!(
        from_empty >= 12,
        "{from_empty} of 20 missed from an empty start"
    );
    // With the floor, a 95% interval misses about 1 in 20: P(4 or more | p = 0.05) ≈ 0.016.
    let auto = misses(r#""auto""#);
    assert!(auto <= 3, "{auto} of 20 missed with warmup = \"auto\"");
    let s = dm3(0, r#""auto""#);
    let chosen = warmup::auto_warmup(&s).unwrap();
    assert_eq!(chosen.mser, 0, "MSER-5 alone keeps every message here");
    assert!(
        chosen.floor > 1 && s.run.warmup == chosen.floor,
        "{chosen:?}"
    );
}
