//! `replications = 1`: one long replication summarised by batch means.

mod common;

use common::scenario;
use kendall_sim::replication::{run_batched, run_replication};
use kendall_sim::{Metric, run_experiment, warmup};

fn mm1(rho: f64, customers: u64, seed: u64, extra: &str) -> String {
    format!(
        r#"
        [[producers]]
        name = "p"
        interarrival = {{ kind = "exponential", rate = {rho} }}
        [[queues]]
        name = "q"
        consumers = 1
        service = {{ kind = "exponential", mean = 1.0 }}
        [run]
        replications = 1
        customers = {customers}
        seed = {seed}
        {extra}
        "#
    )
}

#[test]
fn a_million_messages_of_mm1_at_0_8_give_an_interval_holding_t_5() {
    // M/M/1, ρ = 0.8, mean service 1: T = 1/(μ − λ) = 5 (Kleinrock, Queueing Systems I, §3.2).
    let mut s = scenario(&mm1(0.8, 1_000_000, 1, r#"warmup = "auto""#));
    warmup::resolve(&mut s).unwrap();
    let r = run_experiment(&s).unwrap();
    assert_eq!((r.replications, r.batches), (1, 20));
    let t = r.system.get(Metric::T);
    assert_eq!(t.replications, 20, "an interval over the 20 batch means");
    assert!(t.contains(5.0), "{t:?}");
    // Not contained by being vacuous: the half-width of a million messages is a few percent.
    assert!(t.half_width < 0.25, "{t:?}");
    assert_eq!(r.system.measured, 1_000_000);
}

#[test]
fn the_batches_are_the_replication_cut_into_pieces() {
    // A second method: the same replication run uncut. Batch means cost no draw of their
    // own, so its messages are the same; the batches' T (equal counts) average to its T, and
    // their events, messages and counts add up to its.
    let s = scenario(&mm1(0.7, 200_000, 3, "warmup = 5000\nbatches = 8"));
    let whole = run_replication(&s, 0).unwrap();
    let batches = run_batched(&s, 0, 8).unwrap();
    assert_eq!(batches.len(), 8);
    let mean_t = batches.iter().map(|b| b.system.get(Metric::T)).sum::<f64>() / 8.0;
    let t = whole.system.get(Metric::T);
    assert!((mean_t / t - 1.0).abs() < 1e-12, "{mean_t} vs {t}");
    assert_eq!(batches.iter().map(|b| b.events).sum::<u64>(), whole.events);
    assert_eq!(
        batches.iter().map(|b| b.messages).sum::<u64>(),
        whole.messages
    );
    let acked: f64 = batches.iter().map(|b| b.counts[0].acked).sum();
    assert_eq!(acked, whole.counts[0].acked);
    assert!(batches.iter().all(|b| b.system.measured == 25_000));
    // Time averages weigh each batch by its duration: L over the whole is the batches' L
    // weighted by their spans (span = departures / throughput).
    let span = |r: &kendall_sim::replication::ReplicationResult| {
        r.system.measured as f64 / r.system.get(Metric::Throughput)
    };
    let weighted: f64 = batches
        .iter()
        .map(|b| b.system.get(Metric::L) * span(b))
        .sum::<f64>()
        / batches.iter().map(span).sum::<f64>();
    let l = whole.system.get(Metric::L);
    assert!((weighted / l - 1.0).abs() < 1e-9, "{weighted} vs {l}");
    // The pooled percentiles are those of the whole run's messages.
    let pooled = run_experiment(&s).unwrap();
    let p99 = pooled.system.get(Metric::TP99).mean;
    assert!((p99 / whole.system.get(Metric::TP99) - 1.0).abs() < 1e-12);
}

#[test]
fn batch_means_intervals_cover_at_about_their_level() {
    // 60 independent long runs of M/M/1 at ρ = 0.5 (T = 2), each one replication of 200 000
    // messages in 20 batches: each interval should hold 2 with probability about 0.95. With
    // p = 0.95, P(at most 50 of 60) ≈ 0.002; batches too short to be independent (too
    // narrow intervals) would fall below.
    let covered = (0..60)
        .filter(|&seed| {
            let s = scenario(&mm1(0.5, 200_000, 100 + seed, "warmup = 2000"));
            run_experiment(&s)
                .unwrap()
                .system
                .get(Metric::T)
                .contains(2.0)
        })
        .count();
    assert!(covered >= 51, "{covered} of 60 intervals hold T = 2");
}

#[test]
fn batches_too_short_for_independence_are_flagged_by_their_correlation() {
    // ρ = 0.95: sojourns stay correlated over thousands of messages, so 200 batches of 100
    // are far from independent; 20 batches of 100 000 are close to it.
    let short = scenario(&mm1(0.95, 20_000, 7, "warmup = 2000\nbatches = 200"));
    let r = run_experiment(&short).unwrap();
    let rho1 = r.batch_correlation.unwrap();
    assert!(rho1 > 2.326 / 200f64.sqrt(), "lag-1 r = {rho1}");
    let long = scenario(&mm1(0.5, 2_000_000, 7, "warmup = 2000"));
    let rho1 = run_experiment(&long).unwrap().batch_correlation.unwrap();
    assert!(rho1 < 2.326 / 20f64.sqrt(), "lag-1 r = {rho1}");
}

#[test]
fn a_batched_runs_consumer_time_is_the_whole_replications() {
    // Consumer time adds over batches: the batch-means run reports the one replication's
    // total, which the uncut replication measures itself.
    let s = scenario(&format!(
        "time_unit = \"s\"\n{}",
        mm1(0.7, 100_000, 5, "warmup = 1000\nbatches = 10").replace(
            "consumers = 1",
            "consumers = 1\n        cost_per_consumer_hour = 3.6"
        )
    ));
    let whole = run_replication(&s, 0).unwrap();
    let cost = run_experiment(&s).unwrap().cost.unwrap();
    let t = cost.consumer_time_total.mean;
    assert!(
        (t / whole.consumer_time[0] - 1.0).abs() < 1e-9,
        "{t} vs {:?}",
        whole.consumer_time
    );
    // 3.6 per consumer-hour is 0.001 per consumer-second.
    let money = cost.cost_total.unwrap().mean;
    assert!((money / (t * 0.001) - 1.0).abs() < 1e-9, "{money}");
}
