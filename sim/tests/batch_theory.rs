//! Batch arrivals wired into theory end to end: one Poisson producer publishing batches to a
//! shared FIFO queue with exponential service gets the exact M^X/M/1 or M^X/M/c prediction
//! through `theory::predict` and the gate, and every figure (T, Wq, L, Lq, p_wait by
//! message, utilisation, throughput) lies inside the simulation's 99.9% interval; keys the
//! models do not admit turn them off by name.

mod common;

use common::{exact_figures, no_model, scenario, system};
use kendall_models::Exactness;
use kendall_sim::run_experiment;
use kendall_sim::stats::Metric;
use kendall_sim::theory::{predict, value};

/// Batches at rate `lambda` of size `batch`, `c` consumers at service rate 1, `extra` keys
/// on the queue.
fn bulk(lambda: f64, batch: &str, c: u32, extra: &str) -> String {
    format!(
        r#"
name = "bulk-theory"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
batch = {batch}
[[queues]]
name = "q"
consumers = {c}
service = {{ kind = "exponential", rate = 1.0 }}
{extra}
[run]
replications = 20
customers = 100000
seed = 13
"#
    )
}

const FIGURES: [Metric; 7] = [
    Metric::T,
    Metric::Wq,
    Metric::L,
    Metric::Lq,
    Metric::PWait,
    Metric::Utilization,
    Metric::Throughput,
];

fn check_end_to_end(text: &str, model: &str) {
    let s = scenario(text);
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
    assert_eq!(p.model, model);
    let r = run_experiment(&s).expect("the run completes");
    let figures = exact_figures(&s, &theory, &r);
    for m in FIGURES {
        assert!(value(p, m).is_some(), "{} missing", m.name());
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
}

/// M^X/M/1: batches at 0.4, geometric of mean 2, μ = 1 (ρ = 0.8). Gross et al. §3.1:
/// L = ρ(E[X²] + E[X])/(2E[X](1 − ρ)) with E[X²] = 2·2² − 2 = 6 gives L = 0.8·8/0.8 = 8.
#[test]
fn mx_m1_is_exact_end_to_end() {
    let text = bulk(0.4, "{ kind = \"geometric\", mean = 2.0 }", 1, "");
    let t = predict(&scenario(&text));
    let l = value(system(&t), Metric::L).unwrap();
    assert!((l - 8.0).abs() < 1e-9, "{l}");
    check_end_to_end(&text, "M^X/M/1");
}

/// M^X/M/c: batches at 1.5 of exactly 2 messages, c = 4, μ = 1 (ρ = 0.75).
#[test]
fn mx_mc_is_exact_end_to_end() {
    check_end_to_end(
        &bulk(1.5, "{ kind = \"deterministic\", value = 2 }", 4, ""),
        "M^X/M/c",
    );
}

/// An empirical batch over several consumers.
#[test]
fn mx_mc_empirical_is_exact_end_to_end() {
    check_end_to_end(
        &bulk(
            1.0,
            "{ kind = \"empirical\", values = [1, 2, 5], weights = [0.5, 0.3, 0.2] }",
            3,
            "",
        ),
        "M^X/M/c",
    );
}

/// Keys the batch models do not admit turn them off: with a patience or random dispatch
/// the gate names the batch; a capacity has no model (its structural reason, from the
/// bounded-queue models, does not name the key yet).
#[test]
fn unadmitted_keys_are_named() {
    let batch = "{ kind = \"geometric\", mean = 2.0 }";
    let t = predict(&scenario(&bulk(1.0, batch, 4, "capacity = 20")));
    no_model(&t);
    let patience = "patience = { kind = \"exponential\", rate = 0.5 }";
    let t = predict(&scenario(&bulk(1.0, batch, 4, patience)));
    let reason = no_model(&t);
    assert!(reason.contains("producers.p.batch"), "{reason}");
    let t = predict(&scenario(&bulk(1.0, batch, 4, "dispatch = \"random\"")));
    let reason = no_model(&t);
    assert!(reason.contains("producers.p.batch"), "{reason}");
}
