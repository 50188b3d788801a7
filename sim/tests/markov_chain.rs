//! The numerical Markov-chain oracle end to end: stations no closed form covers get an exact
//! figure from the chain, through `theory::predict` and the assumption table, and the
//! simulation's intervals contain it — system T within the 95% interval, every other exact
//! figure (per class too) within the 99.9% interval.

mod common;

use common::{exact_figures, scenario, system};
use kendall_models::Exactness;
use kendall_sim::run_experiment;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

/// A one-queue scenario: `producers` and the queue's `queue` keys, 20 × 100 000 messages.
fn station(producers: &str, queue: &str, classes: &str) -> String {
    format!(
        r#"
name = "markov"
{classes}
{producers}
[[queues]]
name = "q"
{queue}
[run]
replications = 20
customers = 100000
warmup = 10000
seed = 7
"#
    )
}

/// One Poisson producer at `rate`.
fn poisson(rate: f64) -> String {
    format!(
        "[[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = {rate} }}"
    )
}

/// Runs `text`, checks that theory is the chain and exact, and that the simulation agrees.
fn agrees_with_the_chain(text: &str) {
    let s = scenario(text);
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
    assert!(p.model.starts_with("Markov chain of "), "{}", p.model);
    assert_eq!(p.kind(), "exact (numerical, truncation < 1e-9)");
    let r = run_experiment(&s).expect("the run completes");
    let figures = exact_figures(&s, &theory, &r);
    assert!(figures.len() >= 6, "{figures:?}");
    for f in &figures {
        eprintln!(
            "{} {}: chain {:.5}, simulated {:.5} ± {:.5}",
            f.scope,
            f.metric.name(),
            f.theory,
            f.simulated.mean,
            f.simulated.half_width
        );
        let level = if f.scope == "system" && f.metric == Metric::T {
            0.95
        } else {
            0.999
        };
        assert!(
            f.agrees(level),
            "{} {}: chain {} outside the {level} interval of {:?}",
            f.scope,
            f.metric.name(),
            f.theory,
            f.simulated
        );
    }
}

#[test]
fn jsq_over_two_is_flatto_mckean_and_the_simulation_agrees() {
    let text = station(
        &poisson(1.62),
        "consumers = 2\ndispatch = \"jsq\"\nservice = { kind = \"exponential\", rate = 0.97 }",
        "",
    );
    let p = system(&predict(&scenario(&text))).clone();
    assert!(
        (p.measures.t - 3.601138).abs() < 1e-6,
        "T = {}",
        p.measures.t
    );
    agrees_with_the_chain(&text);
}

#[test]
fn power_of_two_over_six() {
    agrees_with_the_chain(&station(
        &poisson(4.2),
        "consumers = 6\ndispatch = \"power-of-d\"\nd = 2\nservice = { kind = \"exponential\", mean = 1.0 }",
        "",
    ));
}

#[test]
fn bounded_queue_over_unequal_speeds() {
    agrees_with_the_chain(&station(
        &poisson(3.0),
        "consumers = 3\nspeeds = [0.5, 1.0, 2.0]\ncapacity = 8\nservice = { kind = \"exponential\", mean = 1.0 }",
        "",
    ));
}

#[test]
fn erlang_a_over_unequal_speeds() {
    agrees_with_the_chain(&station(
        &poisson(4.0),
        "consumers = 3\nspeeds = [0.5, 1.0, 1.5]\nservice = { kind = \"exponential\", mean = 1.0 }\npatience = { kind = \"exponential\", mean = 2.0 }",
        "",
    ));
}

#[test]
fn two_class_preemptive_priority_over_two_consumers() {
    let classes = r#"
[[classes]]
name = "urgent"
priority = 0
[[classes]]
name = "bulk"
priority = 1
"#;
    let producers = r#"
[[producers]]
name = "u"
class = "urgent"
interarrival = { kind = "exponential", rate = 0.8 }
[[producers]]
name = "b"
class = "bulk"
interarrival = { kind = "exponential", rate = 0.6 }
"#;
    agrees_with_the_chain(&station(
        producers,
        "consumers = 2\ndiscipline = \"priority-preemptive\"\nservice = { kind = \"exponential\", mean = 2.0 }\nservice_by_class = { urgent = { kind = \"exponential\", mean = 0.5 } }",
        classes,
    ));
}

#[test]
fn hyperexponential_service_gets_the_chain_not_allen_cunneen() {
    agrees_with_the_chain(&station(
        &poisson(1.4),
        "consumers = 2\nservice = { kind = \"hyperexponential\", probs = [0.2, 0.8], rates = [0.4, 1.6] }",
        "",
    ));
}
