//! Consumer schedules: M/M/c with c alternating 2 ↔ 6 every 500 time units at λ = 3, μ = 1.
//! The backlog built while two consumers work drains once six are on duty; over the run the
//! consumers busy average λ/μ = 3; utilisation counts the consumers on duty. The theory gate
//! names the key; malformed schedules are located; results are deterministic.

mod common;

use common::{no_model, scenario};
use kendall_sim::experiment::Summary;
use kendall_sim::replication::{run_replication, run_replication_observed};
use kendall_sim::scenario::Scenario;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

/// The alternating scenario, with `extra` keys on the queue.
fn alternating(extra: &str) -> String {
    format!(
        r#"
name = "alternating"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 3.0 }}
[[queues]]
name = "q"
consumers = {{ at = [0, 500], values = [2, 6], repeat = 1000 }}
service = {{ kind = "exponential", mean = 1.0 }}
{extra}
[run]
replications = 10
customers = 300000
seed = 11
"#
    )
}

/// Messages leaving at the end of the two-consumer half wait behind the backlog; those
/// leaving at the end of the six-consumer half find it drained (T ≈ the service, 1).
#[test]
fn the_backlog_drains_after_the_switch_to_six() {
    let s = scenario(&alternating(""));
    // (sum, count) of sojourns of messages leaving in [450, 500) and [950, 1000) mod 1000.
    let (mut late_two, mut late_six) = ((0.0, 0u64), (0.0, 0u64));
    let r = run_replication_observed(&s, 0, &mut |e| {
        let (now, t) = (e.now, e.sojourn);
        let phase = now.rem_euclid(1000.0);
        if (450.0..500.0).contains(&phase) {
            late_two.0 += t;
            late_two.1 += 1;
        } else if phase >= 950.0 {
            late_six.0 += t;
            late_six.1 += 1;
        }
    })
    .unwrap();
    r.books.check().unwrap();
    let (two, six) = (
        late_two.0 / late_two.1 as f64,
        late_six.0 / late_six.1 as f64,
    );
    eprintln!("T near the end of the 2 half {two}, of the 6 half {six}");
    // Two consumers at λ = 3 build about (3 − 2)·t: some 200 messages by t = 450, so a
    // wait near 100. With six, ρ = 0.5: Erlang C gives Wq ≈ 0.0087, T ≈ 1.01 once drained.
    assert!(
        two > 50.0,
        "the backlog near the end of the 2-consumer half: T = {two}"
    );
    assert!(
        six < 1.5,
        "drained near the end of the 6-consumer half: T = {six}"
    );
    // The exits there are the two consumers' rate (2 per unit) against λ = 3.
    assert!(late_two.1 as f64 / late_six.1 as f64 > 0.5);
}

/// Over the run the consumers are busy λ/μ = 3 on average (L − Lq, the time-average number
/// in service): within the 99% interval over replications. Utilisation divides that by the
/// time-average count on duty, which over a window of n whole periods plus a part is 4
/// within 2·500/span.
#[test]
fn busy_consumers_average_the_offered_load() {
    let s = scenario(&alternating(""));
    let mut busy = Vec::new();
    for rep in 0..u64::from(s.run.replications) {
        let r = run_replication(&s, rep).unwrap();
        r.books.check().unwrap();
        let e = &r.system;
        let b = e.get(Metric::L) - e.get(Metric::Lq);
        busy.push(b);
        // span ≈ customers / λ; the on-duty mean is 4 up to a part period's excess.
        let span = s.run.customers as f64 / 3.0;
        let on_duty = b / e.get(Metric::Utilization);
        assert!(
            (on_duty - 4.0).abs() <= 2.0 * 500.0 / (0.9 * span),
            "time-average count on duty {on_duty}"
        );
        assert!(e.get(Metric::Utilization) < 1.0);
    }
    let summary = Summary::of(&busy);
    eprintln!("busy consumers: {summary:?}");
    assert!(
        summary.contains_at(3.0, 0.99),
        "busy consumers {summary:?} against λ/μ = 3"
    );
}

/// A schedule with a single value is a constant count: identical figures to the plain
/// count (the broker retires nobody, same streams).
#[test]
fn a_constant_schedule_is_the_plain_count() {
    let plain = scenario(&alternating("").replace(
        "consumers = { at = [0, 500], values = [2, 6], repeat = 1000 }",
        "consumers = 4",
    ));
    let constant = scenario(&alternating("").replace(
        "consumers = { at = [0, 500], values = [2, 6], repeat = 1000 }",
        "consumers = { at = [0], values = [4] }",
    ));
    let (a, b) = (
        run_replication(&plain, 0).unwrap(),
        run_replication(&constant, 0).unwrap(),
    );
    assert_eq!(a.system, b.system);
    assert_eq!(a.counts, b.counts);
}

/// The schedule with capacity and patience keeps its books, and the gate names the key
/// alone and combined.
#[test]
fn theory_names_the_schedule_key_alone_and_combined() {
    let s = scenario(&alternating(""));
    let t = predict(&s);
    let reason = no_model(&t);
    assert!(reason.contains("queues.q.consumers"), "{reason}");
    let combined = scenario(&alternating(
        "capacity = 40\npatience = { kind = \"exponential\", mean = 20.0 }",
    ));
    let t = predict(&combined);
    let reason = no_model(&t);
    assert!(reason.contains("queues.q."), "{reason}");
    for rep in 0..2 {
        let r = run_replication(&combined, rep).unwrap();
        r.books.check().unwrap();
        let c = &r.counts[0];
        assert!(c.rejected > 0.0 && c.abandoned > 0.0, "{c:?}");
    }
}

/// Same seed, same figures on another thread.
#[test]
fn schedules_are_deterministic() {
    let s = scenario(&alternating(""));
    let a = run_replication(&s, 2).unwrap();
    let b = std::thread::spawn(move || run_replication(&s, 2).unwrap())
        .join()
        .unwrap();
    assert_eq!(a.system, b.system);
}

/// Malformed schedules: each error names the file, the line and the key.
#[test]
fn malformed_schedules_are_located() {
    let cases = [
        (
            "consumers = { at = [0, 500, 400], values = [2, 6, 3], repeat = 1000 }",
            "queues[0].consumers.at[2]",
            "strictly increasing",
        ),
        (
            "consumers = { at = [5, 500], values = [2, 6] }",
            "queues[0].consumers.at[0]",
            "starts at 0",
        ),
        (
            "consumers = { at = [0, 500], values = [2, -6] }",
            "queues[0].consumers.values[1]",
            "whole number",
        ),
        (
            "consumers = { at = [0, 500], values = [2, 6.5] }",
            "queues[0].consumers",
            "floating point",
        ),
        (
            "consumers = { at = [0, 500], values = [2] }",
            "queues[0].consumers.values",
            "1 values for 2 boundaries",
        ),
        (
            "consumers = { at = [0, 500], values = [2, 6], repeat = 400 }",
            "queues[0].consumers.repeat",
            "exceed the last boundary",
        ),
        (
            "consumers = { at = [0, 500], values = [0, 0] }",
            "queues[0].consumers.values",
            "every value is 0",
        ),
        (
            "consumers = { at = [0], values = [2], every = 3 }",
            "queues[0].consumers",
            "unknown field `every`",
        ),
    ];
    for (line, key, words) in cases {
        let text = alternating("").replace(
            "consumers = { at = [0, 500], values = [2, 6], repeat = 1000 }",
            line,
        );
        let e = Scenario::parse(std::path::Path::new("bad.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.toml:8:"), "{line}: {e}");
        assert!(e.contains(key) && e.contains(words), "{line}: {e}");
    }
}

/// Features a schedule cannot run with are refused by key.
#[test]
fn schedules_refuse_what_they_cannot_follow() {
    for (extra, key) in [
        ("dispatch = \"jsq\"", "queues[0].dispatch"),
        (
            "discipline = \"priority-preemptive\"",
            "queues[0].discipline",
        ),
        ("speeds = [1, 1, 1, 1, 1, 2]", "queues[0].speeds"),
        (
            "crash = { mtbf = { kind = \"exponential\", mean = 50.0 }, mttr = { kind = \"exponential\", mean = 1.0 } }",
            "queues[0].crash",
        ),
    ] {
        let e = Scenario::parse(std::path::Path::new("bad.toml"), &alternating(extra))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(key) && e.contains("consumer schedule"),
            "{extra}: {e}"
        );
    }
}
