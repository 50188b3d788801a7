//! Retry backoff: with fifty consumers (no queueing at an offered load near 4) and fail = 0.5,
//! a message's attempts are geometric with mean 1/(1 − 0.5) = 2, and its wait is exactly the
//! sum of its backoff delays: E[Σ d] = Σ_k P(k failures at least)·E[d_k] = Σ_k 0.5^k·E[d_k].
//! With base 1, factor 2, max 8: d_k = 1, 2, 4, 8, 8, … and each term 0.5^k·d_k is 0.5 for
//! k ≤ 4, the tail 8·Σ_{k≥5} 0.5^k = 0.5: 2.5 in all. Full jitter halves each mean (1.25),
//! equal jitter takes three quarters (1.875).

mod common;

use common::{no_model, scenario};
use kendall_sim::experiment::Summary;
use kendall_sim::replication::run_replication;
use kendall_sim::scenario::Scenario;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

fn backoff(jitter: &str) -> String {
    format!(
        r#"
name = "backoff"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 2.0 }}
[[queues]]
name = "q"
consumers = 50
service = {{ kind = "exponential", mean = 1.0 }}
fail = 0.5
retry_backoff = {{ base = 1.0, factor = 2.0, max = 8.0, jitter = "{jitter}" }}
[run]
replications = 10
customers = 50000
seed = 5
"#
    )
}

#[test]
fn attempts_and_delays_match_the_formula_for_each_jitter() {
    for (jitter, extra_delay) in [("none", 2.5), ("full", 1.25), ("equal", 1.875)] {
        let s = scenario(&backoff(jitter));
        let (mut waits, mut attempts) = (Vec::new(), Vec::new());
        for rep in 0..u64::from(s.run.replications) {
            let r = run_replication(&s, rep).unwrap();
            r.books.check().unwrap();
            waits.push(r.system.get(Metric::Wq));
            let c = &r.counts[0];
            // Deliveries per message processed: first ones plus redeliveries.
            attempts.push((c.acked + c.redelivered) / c.acked);
        }
        let (w, a) = (Summary::of(&waits), Summary::of(&attempts));
        eprintln!("{jitter}: Wq {w:?}, attempts {a:?}");
        assert!(
            w.contains_at(extra_delay, 0.99),
            "{jitter}: Wq {w:?} vs {extra_delay}"
        );
        assert!(a.contains_at(2.0, 0.99), "{jitter}: attempts {a:?} vs 2");
    }
}

#[test]
fn theory_names_the_backoff_key() {
    let t = predict(&scenario(&backoff("full")));
    let reason = no_model(&t);
    assert!(reason.contains("queues.q.retry_backoff"), "{reason}");
}

#[test]
fn malformed_backoffs_are_located() {
    let line = "retry_backoff = { base = 1.0, factor = 2.0, max = 8.0, jitter = \"none\" }";
    for (bad, key, words) in [
        (
            "retry_backoff = { base = 1.0, jitter = \"ful\" }",
            "queues[0].retry_backoff.jitter",
            "did you mean `full`",
        ),
        (
            "retry_backoff = { base = -1.0 }",
            "queues[0].retry_backoff.base",
            "positive",
        ),
        (
            "retry_backoff = { base = 1.0, factor = 0.5 }",
            "queues[0].retry_backoff.factor",
            "at least 1",
        ),
        (
            "retry_backoff = { base = 2.0, max = 1.0 }",
            "queues[0].retry_backoff.max",
            "at least `base`",
        ),
    ] {
        let text = backoff("none").replace(line, bad);
        let e = Scenario::parse(std::path::Path::new("bad.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.toml:11:"), "{bad}: {e}");
        assert!(e.contains(key) && e.contains(words), "{bad}: {e}");
    }
    let text = backoff("none").replace("fail = 0.5\n", "");
    let e = Scenario::parse(std::path::Path::new("bad.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("queues[0].retry_backoff") && e.contains("`fail`"),
        "{e}"
    );
}
