//! Client timeouts and retries (a producer's `timeout`, `retries`, `retry_backoff`): the
//! senders' figures on hand-computed runs, the run without the keys reproduced when no
//! sender ever times out, and every copy accounted for in the broker's fates.

mod common;

use common::{no_model, scenario};
use kendall_sim::replication::run_replication;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;
use kendall_sim::{Scenario, run_experiment};

/// Batches of three every 10 time units (at 10, 20, …, 90: nine before the horizon 100),
/// one consumer, service 1, timeout 2.5, one retry at once. In each batch (at t) a leaves
/// at t+1 and b at t+2, within their timeouts; c's attempt times out at t+2.5 (it would
/// leave at t+3), so its sender publishes c' at t+2.5. c is still processed, [t+2, t+3],
/// wasted (its sender gave up on it); c' is processed [t+3, t+4], within its own timeout
/// (t+5): the sender is satisfied, and c' is a duplicate (the original's second copy out).
/// Per batch: 3 originals, 4 attempts, 3 satisfied, 1 duplicate, work 4 of which 1 wasted.
const HAND: &str = r#"
name = "hand"
[[producers]]
name = "api"
interarrival = { kind = "deterministic", value = 10.0 }
batch = { kind = "deterministic", value = 3 }
timeout = 2.5
retries = 1
[[queues]]
name = "q"
consumers = 1
service = { kind = "deterministic", value = 1.0 }
[run]
replications = 3
horizon = 100.0
window = 10.0
"#;

#[test]
fn a_hand_computed_run_gives_its_attempts_duplicates_goodput_and_waste() {
    let s = scenario(HAND);
    let r = run_experiment(&s).unwrap();
    let c = r.clients.expect("a producer has a timeout");
    assert_eq!(
        (
            c.originals,
            c.attempts,
            c.satisfied,
            c.given_up,
            c.duplicates
        ),
        (27.0, 36.0, 27.0, 0.0, 9.0)
    );
    let get = |m: Metric| r.system.get(m).mean;
    assert_eq!(get(Metric::Goodput), 27.0 / 100.0);
    assert_eq!(get(Metric::Amplification), 36.0 / 27.0);
    assert_eq!(get(Metric::Wasted), 9.0 / 36.0);
    // Every copy processed counts in the throughput: 36 per 100.
    assert!((get(Metric::Throughput) - 0.36).abs() < 1e-12);
    // T is each processed copy's sojourn: a 1, b 2, c 3, c' 1.5 (published at t+2.5).
    assert_eq!(get(Metric::T), 7.5 / 4.0);
    // Windows [10k, 10k+10): the first sees nothing; the others one batch each.
    let w = &r.windows;
    assert_eq!(w.len(), 10);
    assert_eq!(w[0].get(Metric::Goodput).mean, 0.0);
    assert!(w[0].get(Metric::Amplification).mean.is_nan());
    for win in &w[1..] {
        assert_eq!(win.get(Metric::Goodput).mean, 0.3);
        assert_eq!(win.get(Metric::Amplification).mean, 4.0 / 3.0);
        assert_eq!(win.get(Metric::Wasted).mean, 0.25);
        assert_eq!(win.get(Metric::Goodput).half_width, 0.0);
    }
    // No model admits retries: the gate names the key.
    assert!(no_model(&predict(&s)).contains("producers.api.retries"));
}

/// Every attempt outlives its timeout (service at least 1, timeout 0.5): with one retry,
/// each original is published twice, its sender never satisfied and gives up; every
/// processing is wasted. Arrivals every 5 up to 1000, horizon 1000.75: the last original's
/// retry (at 1000.5) falls inside, so attempts are exactly twice the originals. The
/// broker's own count of publishes is the second method.
#[test]
fn when_every_attempt_times_out_amplification_is_two_and_goodput_zero() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
interarrival = { kind = "deterministic", value = 5.0 }
timeout = 0.5
retries = 1
[[queues]]
name = "q"
consumers = 1
service = { kind = "uniform", low = 1.0, high = 2.0 }
[run]
replications = 4
horizon = 1000.75
"#,
    );
    let r = run_experiment(&s).unwrap();
    let c = r.clients.unwrap();
    assert_eq!((c.originals, c.attempts), (200.0, 400.0));
    assert_eq!(r.system.get(Metric::Amplification).mean, 2.0);
    assert_eq!(r.system.get(Metric::Goodput).mean, 0.0);
    assert_eq!(r.system.get(Metric::Wasted).mean, 1.0);
    assert_eq!(c.satisfied, 0.0);
    // The last retry's timeout (1001) lies past the horizon.
    assert_eq!(c.given_up, 199.0);
    // The broker saw every attempt published.
    assert_eq!(r.counts[0].published, c.attempts);
    for k in 0..4 {
        let one = run_replication(&s, k).unwrap();
        let oc = one.clients.unwrap();
        assert_eq!(oc.attempts, one.counts[0].published);
        // Each original's second copy out is a duplicate: every acked copy but the firsts.
        let acked = one.counts[0].acked;
        assert!(oc.duplicates >= acked - oc.originals && oc.duplicates <= acked / 2.0);
    }
}

fn mmc(client: &str) -> Scenario {
    scenario(&format!(
        r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 1.6 }}
{client}
[[queues]]
name = "q"
consumers = 2
service = {{ kind = "exponential", mean = 1.0 }}
[run]
replications = 4
customers = 20000
seed = 11
"#
    ))
}

/// A timeout no message reaches changes nothing: the same figures as the run without the
/// keys, goodput equal to the throughput, amplification 1 and no waste.
#[test]
fn a_timeout_never_reached_gives_the_run_without_the_keys() {
    let plain = run_experiment(&mmc("")).unwrap();
    let waiting = run_experiment(&mmc("timeout = 1e12\nretries = 3")).unwrap();
    for m in Metric::ALL.iter().filter(|m| !m.of_clients()) {
        let (a, b) = (plain.system.get(*m), waiting.system.get(*m));
        assert_eq!(a.mean.to_bits(), b.mean.to_bits(), "{}", m.name());
        assert_eq!(
            a.half_width.to_bits(),
            b.half_width.to_bits(),
            "{}",
            m.name()
        );
    }
    assert_eq!(plain.counts, waiting.counts);
    assert!(plain.clients.is_none());
    let g = waiting.system.get(Metric::Goodput);
    assert_eq!(g.mean, waiting.system.get(Metric::Throughput).mean);
    assert_eq!(waiting.system.get(Metric::Amplification).mean, 1.0);
    assert_eq!(waiting.system.get(Metric::Wasted).mean, 0.0);
    let c = waiting.clients.unwrap();
    assert_eq!((c.duplicates, c.given_up), (0.0, 0.0));
    assert_eq!(c.attempts, c.originals);
}

/// Losses everywhere — a full first queue refuses, waiting copies expire, a second queue
/// (where half the processed copies go) abandons — with retries after a jittered backoff:
/// the broker's books balance, every attempt is a publish the entry queue counted, and the
/// senders' counts are consistent.
#[test]
fn every_copy_is_accounted_for_in_the_brokers_fates() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
to = "front"
interarrival = { kind = "exponential", rate = 2.5 }
timeout = 3.0
retries = 3
retry_backoff = { base = 0.5, factor = 2.0, max = 4.0, jitter = "full" }
[[producers]]
name = "plain"
to = "front"
interarrival = { kind = "exponential", rate = 0.3 }
[[queues]]
name = "front"
consumers = 2
capacity = 12
ttl = 4.0
service = { kind = "exponential", mean = 1.0 }
route = [{ to = "back", p = 0.5 }]
[[queues]]
name = "back"
consumers = 1
service = { kind = "exponential", mean = 1.5 }
patience = { kind = "exponential", mean = 2.0 }
[run]
replications = 4
horizon = 2000.0
window = 500.0
seed = 3
"#,
    );
    let mut total_given_up = 0.0;
    for k in 0..4 {
        let r = run_replication(&s, k).unwrap();
        assert_eq!(r.books.check(), Ok(()));
        let c = r.clients.unwrap();
        let plain = r.counts[0].published - c.attempts;
        // The plain producer's messages: about 0.3 × 2000 = 600 (Poisson: ±5σ ≈ ±125).
        assert!((plain - 600.0).abs() < 125.0, "{plain}");
        assert!(c.attempts >= c.originals && c.attempts <= 4.0 * c.originals);
        assert!(c.satisfied + c.given_up <= c.originals);
        let w = r.system.get(Metric::Wasted);
        assert!(w > 0.0 && w < 1.0, "{w}");
        total_given_up += c.given_up;
    }
    assert!(total_given_up > 0.0);
    // Same seed, same figures (compared as text: a scope's NaN is not equal to itself).
    let text = || format!("{:?}", run_replication(&s, 2).unwrap());
    assert!(text() == text());
}
