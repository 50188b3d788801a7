//! Markov-modulated arrivals wired into theory end to end: an MMPP producer (alone, or with a
//! Poisson one superposed) into a shared FIFO queue of exponential consumers gets the exact
//! MMPP/M/c prediction (matrix-geometric), and every figure it offers — T, Wq, L, Lq, p_wait,
//! utilisation, throughput and the Wq percentiles — lies inside the simulation's 99.9%
//! interval. With one consumer and Erlang or hyperexponential service it is MMPP/PH/1
//! (matrix-geometric, with the wait and sojourn distributions), checked the same way.

mod common;

use common::{exact_figures, exact_figures_agree, scenario, system};
use kendall_models::Exactness;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

/// Runs `text` and checks that theory is exact MMPP/M/c, every figure within the 99.9%
/// interval of the simulation; returns how many figures were checked.
fn check(text: &str) -> usize {
    let s = scenario(text);
    let p = system(&predict(&s)).clone();
    assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
    assert_eq!(p.model, "MMPP/M/c");
    let (theory, r) = exact_figures_agree(&s, 0.999);
    let figures = exact_figures(&s, &theory, &r);
    for m in [Metric::T, Metric::Lq, Metric::PWait, Metric::WqP99] {
        assert!(
            figures.iter().any(|f| f.scope == "system" && f.metric == m),
            "no system figure for {}",
            m.name()
        );
    }
    figures.len()
}

/// Bursts of 5 per unit for a mean 6 between quiet spells of 0.5 for a mean 30 (long-run
/// rate 1.25) on two consumers of mean 1 (ρ = 0.625, but 2.5 during a burst): the queue
/// builds in every burst. Theory (Neuts's R, checked against the truncated chain in
/// models): Wq = 12.749, twenty times M/M/2's 0.6410 at the same mean rate.
#[test]
fn bursty_mmpp_on_two_consumers() {
    let n = check(
        r#"
name = "mmpp-2"
[[producers]]
name = "bursts"
interarrival = { kind = "mmpp", rates = [0.5, 5.0], mean_durations = [30.0, 6.0] }
[[queues]]
name = "q"
consumers = 2
service = { kind = "exponential", mean = 1.0 }
[run]
replications = 20
customers = 200000
seed = 19
"#,
    );
    assert!(n >= 11, "{n} figures");
}

/// A Poisson producer beside the MMPP, on one consumer, and on four faster ones: the
/// superposition is an MMPP on the product of phases.
#[test]
fn mmpp_beside_a_poisson_producer() {
    for queue in [
        "consumers = 1\nservice = { kind = \"exponential\", mean = 1.0 }",
        "consumers = 4\nservice = { kind = \"exponential\", mean = 2.5 }",
    ] {
        check(&format!(
            r#"
name = "mmpp-plus-poisson"
[[producers]]
name = "bursts"
interarrival = {{ kind = "mmpp", rates = [0.1, 1.2], mean_durations = [40.0, 10.0] }}
[[producers]]
name = "steady"
interarrival = {{ kind = "exponential", rate = 0.3 }}
[[queues]]
name = "q"
{queue}
[run]
replications = 20
customers = 100000
seed = 23
"#
        ));
    }
}

/// scenarios/bursty-erlang.toml: MMPP(2) bursts into one Erlang-2 consumer is MMPP/E2/1,
/// exact. T, Wq and the 99th percentile of Wq lie inside the simulation's 95% interval
/// (theory T = 4.9536, Wq = 3.9536, Wq p99 = 25.021), every other figure inside its 99.9%
/// interval.
#[test]
fn bursty_erlang_scenario_is_mmpp_e2_1() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/bursty-erlang.toml");
    let s = scenario(&std::fs::read_to_string(path).unwrap());
    let p = system(&predict(&s)).clone();
    assert_eq!(
        (p.model.as_str(), p.exactness),
        ("MMPP/E2/1", Exactness::Exact),
        "{p:?}"
    );
    assert!((p.measures.t - 4.9536).abs() < 1e-4, "{p:?}");
    let (theory, r) = exact_figures_agree(&s, 0.999);
    let figures = exact_figures(&s, &theory, &r);
    for m in [Metric::T, Metric::Wq, Metric::WqP99, Metric::TP99] {
        let f = figures
            .iter()
            .find(|f| f.scope == "system" && f.metric == m)
            .unwrap_or_else(|| panic!("no system figure for {}", m.name()));
        assert!(
            f.agrees(0.95),
            "{}: {} vs {:?}",
            m.name(),
            f.theory,
            f.simulated
        );
    }
}

/// Hyperexponential service (SCV 2) on one consumer, fed by an MMPP and a Poisson producer:
/// MMPP/H2/1 on the superposed two-phase stream, every figure in the 99.9% interval.
#[test]
fn mmpp_and_poisson_into_a_hyperexponential_consumer() {
    let s = scenario(
        r#"
name = "mmpp-h2"
[[producers]]
name = "bursts"
interarrival = { kind = "mmpp", rates = [0.1, 1.0], mean_durations = [40.0, 10.0] }
[[producers]]
name = "steady"
interarrival = { kind = "exponential", rate = 0.2 }
[[queues]]
name = "q"
consumers = 1
service = { kind = "hyperexponential", mean = 1.0, scv = 2.0 }
[run]
replications = 20
customers = 100000
seed = 29
"#,
    );
    let p = system(&predict(&s)).clone();
    assert_eq!(
        (p.model.as_str(), p.exactness),
        ("MMPP/H2/1", Exactness::Exact),
        "{p:?}"
    );
    let (theory, r) = exact_figures_agree(&s, 0.999);
    assert!(exact_figures(&s, &theory, &r).len() >= 15);
}
