//! Simulation through the real broker against exact queueing results, fixed seeds.
//! Each check asserts that theory lies inside the 95% confidence interval.

use std::path::Path;

use kendall_sim::{ExperimentResult, Metric, Scenario, run_experiment};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn check(r: &ExperimentResult, s: &Scenario, scope: &str, metric: Metric, expected: f64) {
    let summary = match scope {
        "system" => r.system.get(metric),
        q => r.queues[s.queues.iter().position(|x| x.name == q).unwrap()].get(metric),
    };
    // 99.9% interval: see `inside` in broker_features.rs for why not 95%.
    assert!(
        summary.contains_at(expected, 0.999),
        "{scope} {}: {expected} not in {:?}",
        metric.name(),
        summary.ci()
    );
}

/// A random split of Poisson(3.2) over 4 exponential consumers is 4 independent M/M/1
/// queues with λ = 0.8: T = 1/(1 − 0.8) = 5, L = 4 × 4 = 16.
#[test]
fn random_dispatch_is_independent_mm1_queues() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 3.2 }
        [[queues]]
        name = "q"
        consumers = 4
        dispatch = "random"
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 20
        customers = 100000
        seed = 5
        "#,
    );
    let r = run_experiment(&s).unwrap();
    check(&r, &s, "system", Metric::T, 5.0);
    check(&r, &s, "system", Metric::L, 16.0);
}

/// Two M/M/1 queues in tandem (λ = 0.5, μ = 1 each): by Jackson's theorem (and Burke's
/// output theorem) each is M/M/1 with T = 2, so end-to-end T = 4 and L = 2.
#[test]
fn tandem_queues_add_up() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        to = "a"
        interarrival = { kind = "exponential", rate = 0.5 }
        [[queues]]
        name = "a"
        consumers = 1
        service = { kind = "exponential", mean = 1.0 }
        route = [ { to = "b", p = 1.0 } ]
        [[queues]]
        name = "b"
        consumers = 1
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 20
        customers = 100000
        seed = 9
        "#,
    );
    let r = run_experiment(&s).unwrap();
    check(&r, &s, "system", Metric::T, 4.0);
    check(&r, &s, "system", Metric::L, 2.0);
    check(&r, &s, "a", Metric::T, 2.0);
    check(&r, &s, "b", Metric::T, 2.0);
}

/// Feedback: after service a message returns with probability 0.5, so the queue sees
/// λ = 0.25/(1 − 0.5) = 0.5 (traffic equations). Jackson: L = ρ/(1−ρ) = 1 with ρ = 0.5,
/// end-to-end T = L/γ = 1/0.25 = 4.
#[test]
fn feedback_loop_follows_jackson() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 0.25 }
        [[queues]]
        name = "retry"
        consumers = 1
        service = { kind = "exponential", mean = 1.0 }
        route = [ { to = "retry", p = 0.5 } ]
        [run]
        replications = 20
        customers = 100000
        seed = 3
        "#,
    );
    let r = run_experiment(&s).unwrap();
    check(&r, &s, "system", Metric::L, 1.0);
    check(&r, &s, "system", Metric::T, 4.0);
}

/// Round-robin over 4 exponential consumers of a Poisson stream: each consumer sees every
/// 4th arrival, an E4/M/1 queue (GI/M/1 with the σ root; the models crate checks σ against a
/// CTMC of the real 2-consumer system). Here the simulated broker must agree with it.
#[test]
fn round_robin_is_erlang_arrivals_per_consumer() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 3.6 }
        [[queues]]
        name = "q"
        consumers = 4
        dispatch = "round-robin"
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 20
        customers = 100000
        seed = 21
        "#,
    );
    let theory = kendall_sim::theory::predict(&s);
    let kendall_models::Verdict::Predicted(p) = theory.system else {
        panic!("no model: {theory:?}")
    };
    assert_eq!(p.model, "4 x E4/M/1 (round-robin)");
    // Between M/M/4 (T = 2.969) and random split (T = 10): round-robin evens out arrivals.
    assert!(
        p.measures.t > 2.97 && p.measures.t < 10.0,
        "{}",
        p.measures.t
    );
    let r = run_experiment(&s).unwrap();
    check(&r, &s, "system", Metric::T, p.measures.t);
    check(&r, &s, "system", Metric::L, p.measures.l);
    check(&r, &s, "system", Metric::TP99, p.t_quantiles.unwrap()[2]);
}

/// A Jackson network with a split and a merge: the oracle's per-queue and end-to-end
/// predictions must lie in the simulated intervals.
#[test]
fn jackson_network_per_queue_and_end_to_end() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        to = "front"
        interarrival = { kind = "exponential", rate = 1.5 }
        [[queues]]
        name = "front"
        consumers = 2
        service = { kind = "exponential", mean = 1.0 }
        route = [ { to = "slow", p = 0.4 }, { to = "fast", p = 0.6 } ]
        [[queues]]
        name = "slow"
        consumers = 1
        service = { kind = "exponential", mean = 1.2 }
        [[queues]]
        name = "fast"
        consumers = 1
        service = { kind = "exponential", mean = 0.5 }
        route = [ { to = "front", p = 0.1 } ]
        [run]
        replications = 20
        customers = 100000
        seed = 77
        "#,
    );
    let theory = kendall_sim::theory::predict(&s);
    let kendall_models::Verdict::Predicted(p) = &theory.system else {
        panic!("no model: {theory:?}")
    };
    let r = run_experiment(&s).unwrap();
    check(&r, &s, "system", Metric::T, p.measures.t);
    check(&r, &s, "system", Metric::L, p.measures.l);
    for (j, name) in ["front", "slow", "fast"].iter().enumerate() {
        let q = theory.queues[j].as_ref().unwrap();
        check(&r, &s, name, Metric::T, q.measures.t);
    }
}

/// Homogeneous exponential consumers at ρ = 0.9 with 8 consumers: the better a strategy
/// balances, the lower T — shared < jsq < power-of-2 < round-robin < random. Each gap is
/// asserted with non-overlapping 95% intervals, so the ordering is significant.
#[test]
fn dispatch_strategies_rank_as_theory_says() {
    let t = |dispatch: &str| {
        let extra = if dispatch == "power-of-d" {
            "d = 2"
        } else {
            ""
        };
        let s = scenario(&format!(
            r#"
            [[producers]]
            name = "p"
            interarrival = {{ kind = "exponential", rate = 7.2 }}
            [[queues]]
            name = "q"
            consumers = 8
            dispatch = "{dispatch}"
            {extra}
            service = {{ kind = "exponential", mean = 1.0 }}
            [run]
            replications = 10
            customers = 100000
            seed = 8
            "#
        ));
        run_experiment(&s).unwrap().system.get(Metric::T)
    };
    let ranked: Vec<_> = ["shared", "jsq", "power-of-d", "round-robin", "random"]
        .iter()
        .map(|d| (d, t(d)))
        .collect();
    for pair in ranked.windows(2) {
        let ((a, ta), (b, tb)) = (pair[0], pair[1]);
        assert!(
            ta.ci().1 < tb.ci().0,
            "{a} {:?} should be below {b} {:?}",
            ta.ci(),
            tb.ci()
        );
    }
}
