//! Patience wired into theory end to end: a queue with an exponential patience gets the
//! exact Erlang-A (M/M/c+M) prediction through `theory::predict` and the gate, and every
//! figure it offers — T, Wq, L, Lq, p_wait, p_abandon, utilisation, throughput — lies inside
//! the simulation's 99.9% interval; a general patience gets the labelled M/M/c+G
//! approximation; keys the model does not admit turn it off by name.

mod common;

use common::{exact_figures, no_model, scenario, system};
use kendall_models::Exactness;
use kendall_sim::run_experiment;
use kendall_sim::stats::Metric;
use kendall_sim::theory::{predict, value};

/// M/M/`c`+M at arrival rate `lambda`, service rate `mu`, patience rate `theta`, with
/// `extra` keys on the queue.
fn erlang_a(lambda: f64, mu: f64, c: u32, theta: f64, extra: &str) -> String {
    format!(
        r#"
name = "erlang-a-theory"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
[[queues]]
name = "q"
consumers = {c}
service = {{ kind = "exponential", rate = {mu} }}
patience = {{ kind = "exponential", rate = {theta} }}
{extra}
[run]
replications = 20
customers = 100000
seed = 11
"#
    )
}

/// The eight figures an Erlang-A prediction gives.
const FIGURES: [Metric; 8] = [
    Metric::T,
    Metric::Wq,
    Metric::L,
    Metric::Lq,
    Metric::PWait,
    Metric::PAbandon,
    Metric::Utilization,
    Metric::Throughput,
];

/// Runs the scenario and checks that theory is exact Erlang-A with all eight figures, each
/// within the 99.9% interval of the simulation; returns theory's P(abandon).
fn check_end_to_end(text: &str, model: &str) -> f64 {
    let s = scenario(text);
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
    assert_eq!(p.model, model);
    for m in FIGURES {
        assert!(value(p, m).is_some(), "{} missing", m.name());
    }
    let r = run_experiment(&s).expect("the run completes");
    let figures = exact_figures(&s, &theory, &r);
    for m in FIGURES {
        let f = figures
            .iter()
            .find(|f| f.scope == "system" && f.metric == m)
            .unwrap_or_else(|| panic!("no system figure for {}", m.name()));
        eprintln!(
            "{model} {}: theory {:.5}, simulated {:.5} ± {:.5}",
            m.name(),
            f.theory,
            f.simulated.mean,
            f.simulated.half_width
        );
    }
    for f in &figures {
        assert!(
            f.simulated.contains_at(f.theory, 0.999),
            "{} {}: theory {} not within the 99.9% interval of {:?}",
            f.scope,
            f.metric.name(),
            f.theory,
            f.simulated
        );
    }
    value(p, Metric::PAbandon).unwrap()
}

/// λ = 10, μ = 1, c = 8, θ = 0.5: overloaded without abandonment (ρ = 1.25), stable with
/// it. Theory is exact Erlang-A and its P(abandon) is the birth–death chain's 0.22722 (the
/// figure sim/tests/abandonment.rs solves independently).
#[test]
fn erlang_a_is_exact_end_to_end() {
    let p_ab = check_end_to_end(&erlang_a(10.0, 1.0, 8, 0.5, ""), "M/M/c+M (Erlang-A)");
    assert!((p_ab - 0.22722).abs() < 1e-4, "{p_ab}");
}

/// One consumer: λ = 1.2, μ = 1, θ = 0.5 (overloaded without abandonment).
#[test]
fn single_consumer_erlang_a_is_exact_end_to_end() {
    check_end_to_end(&erlang_a(1.2, 1.0, 1, 0.5, ""), "M/M/1+M (Erlang-A)");
}

/// A deterministic patience: the M/M/c+G approximation, labelled, with a p_abandon.
#[test]
fn general_patience_is_an_approximation() {
    let text = erlang_a(10.0, 1.0, 8, 0.5, "").replace(
        "patience = { kind = \"exponential\", rate = 0.5 }",
        "patience = { kind = \"deterministic\", value = 2.0 }",
    );
    let t = predict(&scenario(&text));
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Approximation);
    assert!(
        p.model.contains("M/M/c+G") && p.model.contains("ignores"),
        "{}",
        p.model
    );
    assert!(value(p, Metric::PAbandon).is_some());
}

/// Keys Erlang-A does not admit turn theory off by name: a capacity, a time to live,
/// unequal service per class is structural, processor sharing, random dispatch.
#[test]
fn unadmitted_keys_are_named() {
    let t = predict(&scenario(&erlang_a(5.0, 1.0, 8, 0.5, "ttl = 3.0")));
    let reason = no_model(&t);
    assert!(reason.contains("queues.q.ttl"), "{reason}");
    // A capacity with exponential patience is beyond Erlang-A but still memoryless: the
    // Markov chain takes it.
    let t = predict(&scenario(&erlang_a(5.0, 1.0, 8, 0.5, "capacity = 20")));
    assert!(system(&t).model.starts_with("Markov chain"), "{t:?}");
    let t = predict(&scenario(&erlang_a(
        5.0,
        1.0,
        8,
        0.5,
        "dispatch = \"random\"",
    )));
    let reason = no_model(&t);
    assert!(reason.contains("share"), "{reason}");
    let t = predict(&scenario(&erlang_a(5.0, 1.0, 8, 0.5, "").replace(
        "service = { kind = \"exponential\", rate = 1 }",
        "service = { kind = \"deterministic\", value = 1.0 }",
    )));
    let reason = no_model(&t);
    assert!(reason.contains("exponential service"), "{reason}");
}
