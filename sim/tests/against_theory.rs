//! Simulation through the real broker against exact queueing results, fixed seeds.
//! Each check asserts that theory lies inside the 95% confidence interval.

use std::path::Path;

use kendall_sim::{Metric, Scenario, run_experiment};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn check(s: &Scenario, scope: &str, metric: Metric, expected: f64) {
    let r = run_experiment(s).unwrap();
    let summary = match scope {
        "system" => r.system.get(metric),
        q => r.queues[s.queues.iter().position(|x| x.name == q).unwrap()].get(metric),
    };
    assert!(
        summary.contains(expected),
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
    check(&s, "system", Metric::T, 5.0);
    check(&s, "system", Metric::L, 16.0);
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
    check(&s, "system", Metric::T, 4.0);
    check(&s, "system", Metric::L, 2.0);
    check(&s, "a", Metric::T, 2.0);
    check(&s, "b", Metric::T, 2.0);
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
    check(&s, "system", Metric::L, 1.0);
    check(&s, "system", Metric::T, 4.0);
}
