//! The broker's disciplines and delivery guarantees, simulated: checked against exact results
//! where theory has them, and against conservation of messages everywhere.

use std::path::Path;

use kendall_models::{NonPreemptivePriority, PreemptiveResumePriority, PriorityClass};
use kendall_sim::replication::QueueCounts;
use kendall_sim::{ExperimentResult, Metric, Scenario, Summary, run_experiment};

fn run(text: &str) -> (Scenario, ExperimentResult) {
    let s = Scenario::parse(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    let r = run_experiment(&s).unwrap();
    (s, r)
}

/// Theory must lie in the 99.9% interval. The suites make some sixty such checks; at 95%
/// each, about three would fail by chance alone whenever a seed or a run length changes
/// (Bonferroni: 60 × 0.1% keeps the family's false-alarm rate near 6%).
fn inside(what: &str, s: Summary, expected: f64) {
    assert!(
        s.contains_at(expected, 0.999),
        "{what}: {expected} outside the 99.9% interval around {} (95%: {:?})",
        s.mean,
        s.ci()
    );
}

/// Messages in the system at the start and end of a measurement window are all that may
/// separate published from the fates counted over it. At ρ ≤ 0.8 more than 200 messages in
/// one queue has probability below 0.8^200 ≈ 4e-20, so 200 bounds the residual.
fn conserved(c: &QueueCounts) {
    let fates = c.acked + c.rejected + c.dropped + c.expired + c.dead_lettered;
    assert!(
        (c.published - fates).abs() <= 200.0,
        "published {} vs fates {fates}: {c:?}",
        c.published
    );
}

const TWO_CLASSES: &str = r#"
    [[classes]]
    name = "urgent"
    priority = 0
    [[classes]]
    name = "bulk"
    priority = 1
    [[producers]]
    name = "u"
    class = "urgent"
    interarrival = { kind = "exponential", rate = 0.3 }
    [[producers]]
    name = "b"
    class = "bulk"
    interarrival = { kind = "exponential", rate = 0.4 }
    [[queues]]
    name = "q"
    consumers = 1
    discipline = "DISCIPLINE"
    service = { kind = "exponential", mean = 1.0 }
    [run]
    replications = 20
    customers = 100000
    seed = 31
"#;

fn classes() -> [PriorityClass; 2] {
    [
        PriorityClass {
            rate: 0.3,
            mean_service: 1.0,
            scv_service: 1.0,
        },
        PriorityClass {
            rate: 0.4,
            mean_service: 1.0,
            scv_service: 1.0,
        },
    ]
}

/// Non-preemptive priority through the broker's priority buffer: Cobham's per-class T.
#[test]
fn priority_classes_follow_cobham() {
    let (_, r) = run(&TWO_CLASSES.replace("DISCIPLINE", "priority"));
    let theory = NonPreemptivePriority::new(&classes())
        .unwrap()
        .class_measures();
    // By hand: W0 = Σ λ E[S²]/2 = 0.7, T_urgent = 0.7/0.7 + 1 = 2, T_bulk = 0.7/(0.7·0.3) + 1.
    assert!((theory[0].t - 2.0).abs() < 1e-12 && (theory[1].t - (1.0 + 0.7 / 0.21)).abs() < 1e-12);
    inside("urgent T", r.classes[0].get(Metric::T), theory[0].t);
    inside("bulk T", r.classes[1].get(Metric::T), theory[1].t);
}

/// Preemptive-resume priority: the broker names the consumer to interrupt, the simulator
/// hands the message back with its remaining work. The urgent class sees an M/M/1 of its own.
#[test]
fn preemptive_priority_follows_theory() {
    let (_, r) = run(&TWO_CLASSES.replace("DISCIPLINE", "priority-preemptive"));
    let theory = PreemptiveResumePriority::new(&classes())
        .unwrap()
        .class_measures();
    assert!(
        (theory[0].t - 1.0 / 0.7).abs() < 1e-12,
        "urgent alone is M/M/1 with λ = 0.3"
    );
    inside("urgent T", r.classes[0].get(Metric::T), theory[0].t);
    inside("bulk T", r.classes[1].get(Metric::T), theory[1].t);
    assert!(r.counts[0].preempted > 0.0);
}

/// Processor sharing is insensitive: with hyperexponential service (scv 4) the mean sojourn
/// is E[S]/(1 − ρ), as for exponential service, while FIFO would give 1 + 0.7·5/0.6 = 6.83.
#[test]
fn processor_sharing_is_insensitive() {
    let (s, r) = run(r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 0.7 }
        [[queues]]
        name = "q"
        consumers = 1
        discipline = "ps"
        service = { kind = "hyperexponential", mean = 1.0, scv = 4.0 }
        [run]
        replications = 20
        customers = 200000
        seed = 12
    "#);
    inside("T", r.system.get(Metric::T), 1.0 / 0.3);
    inside("L", r.system.get(Metric::L), 0.7 / 0.3);
    let kendall_models::Verdict::Predicted(p) = kendall_sim::theory::predict(&s).system else {
        panic!("PS has a model")
    };
    assert_eq!(p.model, "M/G/1-PS");
}

/// A message that fails is nacked and retried (same size) until it succeeds: service becomes
/// S·N, N geometric. With S ~ Exp(1), fail 0.2: E = 1.25, E[(SN)²] = 2·1.2/0.64 = 3.75, so
/// Pollaczek–Khinchine at λ = 0.5 gives Wq = 0.5·3.75/(2·0.375) = 2.5 and T = 3.75.
#[test]
fn failed_messages_are_retried_until_done() {
    let (s, r) = run(r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 0.5 }
        [[queues]]
        name = "q"
        consumers = 1
        fail = 0.2
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 20
        customers = 100000
        seed = 13
    "#);
    inside("T", r.system.get(Metric::T), 3.75);
    let kendall_models::Verdict::Predicted(p) = kendall_sim::theory::predict(&s).system else {
        panic!("retries have a model")
    };
    assert!((p.measures.t - 3.75).abs() < 1e-12, "{}", p.measures.t);
    // Each attempt fails with probability 0.2: redeliveries per message 0.2/0.8 = 0.25.
    let c = r.counts[0];
    let per = c.redelivered / c.acked;
    assert!((per - 0.25).abs() < 0.01, "{per}");
    conserved(&c);
}

/// With one attempt allowed, a failed message is dead-lettered: into the dead-letter queue
/// when there is one (and processed there), else lost. 30% fail twice in a row with
/// probability 0.09.
#[test]
fn dead_letters_go_to_their_queue() {
    let (_, r) = run(r#"
        [[producers]]
        name = "p"
        to = "main"
        interarrival = { kind = "exponential", rate = 0.5 }
        [[queues]]
        name = "main"
        consumers = 1
        fail = 0.3
        max_attempts = 2
        dead_letter = "parked"
        service = { kind = "exponential", mean = 1.0 }
        [[queues]]
        name = "parked"
        consumers = 1
        service = { kind = "exponential", mean = 0.5 }
        [run]
        replications = 10
        customers = 100000
        seed = 14
    "#);
    let (main, parked) = (r.counts[0], r.counts[1]);
    let share = main.dead_lettered / main.published;
    // Binomial proportion over ≈ 10⁶ messages: sd ≈ 3e-4; 5 sd.
    assert!((share - 0.09).abs() < 1.5e-3, "{share}");
    assert!(
        (parked.published - main.dead_lettered).abs() < 1e-9,
        "every dead letter arrives"
    );
    conserved(&main);
    conserved(&parked);
    inside("p_loss", r.system.get(Metric::PLoss), 0.0);
}

/// Messages that wait longer than their time to live expire; crashing consumers nack what
/// they hold; a short visibility timeout redelivers slow messages, or expires those whose time
/// to live ran out while they were in service. Nothing is lost or made up.
#[test]
fn expiry_crashes_and_timeouts_conserve_messages() {
    let (_, r) = run(r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 1.5 }
        [[queues]]
        name = "q"
        consumers = 2
        ttl = 3.0
        visibility_timeout = 2.0
        crash = { mtbf = { kind = "exponential", mean = 200.0 }, mttr = { kind = "exponential", mean = 20.0 } }
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 10
        customers = 50000
        seed = 15
    "#);
    let c = r.counts[0];
    assert!(c.expired > 0.0 && c.redelivered > 0.0, "{c:?}");
    conserved(&c);
    let lost = r.system.get(Metric::PLoss).mean;
    assert!(
        (lost - c.expired / c.published).abs() < 0.01,
        "p_loss {lost} vs expired share"
    );
}

/// Weighted round-robin over consumers of speeds 1 and 3 sends each a share of the traffic
/// in proportion: both run at the same load, 3/4.
#[test]
fn weighted_round_robin_balances_unequal_consumers() {
    let (_, r) = run(r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 3.0 }
        [[queues]]
        name = "q"
        consumers = 2
        dispatch = "weighted-round-robin"
        speeds = [1.0, 3.0]
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 10
        customers = 100000
        seed = 16
    "#);
    inside("utilization", r.system.get(Metric::Utilization), 0.75);
    conserved(&r.counts[0]);
}
