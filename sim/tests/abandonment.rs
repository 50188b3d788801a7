//! Patience and abandonment: Erlang-A (M/M/c+M) by simulation against a birth–death chain
//! solved here, the counts that balance, the theory gate that names `patience`, and located
//! errors.

mod common;

use common::{no_model, scenario, system};
use kendall_sim::experiment::run_experiment;
use kendall_sim::replication::run_replication;
use kendall_sim::scenario::Scenario;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

/// M/M/`c`+M with arrival rate `lambda`, service rate `mu`, exponential patience of rate
/// `theta`, and `extra` keys on the queue.
fn erlang_a(lambda: f64, mu: f64, c: u32, theta: f64, extra: &str) -> String {
    format!(
        r#"
name = "erlang-a"
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
seed = 7
"#
    )
}

/// The stationary distribution of the Erlang-A birth–death chain — birth λ, death
/// min(n, c)μ + max(n − c, 0)θ — from the balance equations p(n+1) = p(n)·λ/d(n+1),
/// truncated where the remaining mass is below 1e-12 (the ratios fall below 1/2 past
/// c + λ/θ, so the tail beyond N is below p(N)); returns (L, Lq, P(abandon) = θ·Lq/λ).
fn erlang_a_chain(lambda: f64, mu: f64, c: u32, theta: f64) -> (f64, f64, f64) {
    let mut p = vec![1.0_f64];
    let mut n = 0u32;
    loop {
        n += 1;
        let death = f64::from(n.min(c)) * mu + f64::from(n.saturating_sub(c)) * theta;
        let next = p[p.len() - 1] * lambda / death;
        p.push(next);
        let ratio = lambda / (death + theta);
        if ratio < 0.5 && next / p.iter().sum::<f64>() < 1e-13 {
            break;
        }
    }
    let total: f64 = p.iter().sum();
    let (mut l, mut lq) = (0.0, 0.0);
    for (k, pk) in p.iter().enumerate() {
        let pk = pk / total;
        l += k as f64 * pk;
        lq += k.saturating_sub(c as usize) as f64 * pk;
    }
    (l, lq, theta * lq / lambda)
}

/// The chain against the textbook limits: θ = μ is M/M/∞ (L = λ/μ), and at large c
/// nobody waits.
#[test]
fn the_chain_solver_meets_its_limits() {
    let (l, lq, p) = erlang_a_chain(10.0, 1.0, 8, 1.0);
    assert!((l - 10.0).abs() < 1e-9, "M/M/inf: L = {l}");
    assert!(lq > 0.0 && p > 0.0);
    let (l, lq, _) = erlang_a_chain(2.0, 1.0, 40, 0.5);
    assert!(
        (l - 2.0).abs() < 1e-9 && lq < 1e-12,
        "no queue at c = 40: {l} {lq}"
    );
}

/// Erlang-A at λ = 10, μ = 1, c = 8, θ = 0.5 (overloaded, ρ = 1.25: only abandonment keeps
/// it stable): p_abandon and L within their 99% intervals of the chain's values; Wq and T,
/// over every arrival, are Lq/λ and L/λ (Little); the throughput is λ(1 − P_ab).
#[test]
fn erlang_a_matches_the_birth_death_chain() {
    let (lambda, mu, c, theta) = (10.0, 1.0, 8, 0.5);
    let (l, lq, p_ab) = erlang_a_chain(lambda, mu, c, theta);
    // The chain's own figures, for the record: P_ab ≈ 0.22722, L ≈ 12.2722.
    assert!(
        (0.15..0.3).contains(&p_ab) && (10.0..15.0).contains(&l),
        "{p_ab} {l}"
    );
    let s = scenario(&erlang_a(lambda, mu, c, theta, ""));
    let r = run_experiment(&s).unwrap();
    let sys = &r.system;
    let check = |m: Metric, exact: f64| {
        let got = sys.get(m);
        assert!(
            got.contains_at(exact, 0.99),
            "{}: exact {exact} not in the 99% interval of {got:?}",
            m.name()
        );
    };
    eprintln!(
        "Erlang-A: exact P_ab {p_ab:.5}, L {l:.4}; simulated {:?}, {:?}",
        sys.get(Metric::PAbandon),
        sys.get(Metric::L)
    );
    check(Metric::PAbandon, p_ab);
    check(Metric::L, l);
    check(Metric::Lq, lq);
    check(Metric::Wq, lq / lambda);
    check(Metric::T, l / lambda);
    check(Metric::Throughput, lambda * (1.0 - p_ab));
    check(
        Metric::Utilization,
        lambda * (1.0 - p_ab) / (f64::from(c) * mu),
    );
    assert_eq!(sys.get(Metric::PLoss).mean, 0.0, "abandonment is not loss");
    // Every replication's books balance, abandonments included.
    let one = run_replication(&s, 0).unwrap();
    one.books.check().unwrap();
    let counts = &one.counts[0];
    assert!(counts.abandoned > 0.0);
}

/// A patience so long nobody abandons leaves M/M/c's figures: p_abandon 0.
#[test]
fn a_patience_never_reached_abandons_nothing() {
    let s = scenario(&erlang_a(2.0, 1.0, 4, 1e-9, ""));
    let r = run_replication(&s, 0).unwrap();
    assert_eq!(r.system.get(Metric::PAbandon), 0.0);
    assert_eq!(r.counts[0].abandoned, 0.0);
}

/// Deterministic patience with a capacity and drop-oldest: every fate counted, the books
/// balance in every replication.
#[test]
fn patience_with_capacity_and_ttl_balances_the_books() {
    let text = erlang_a(
        10.0,
        1.0,
        8,
        0.5,
        "capacity = 20\noverflow = \"drop-oldest\"\nttl = 0.5",
    )
    .replace(
        "patience = { kind = \"exponential\", rate = 0.5 }",
        "patience = { kind = \"uniform\", low = 0.0, high = 4.0 }",
    );
    let s = scenario(&text);
    for rep in 0..3 {
        let r = run_replication(&s, rep).unwrap();
        r.books.check().unwrap();
        let c = &r.counts[0];
        assert!(
            c.abandoned > 0.0 && c.dropped > 0.0 && c.expired > 0.0,
            "{c:?}"
        );
    }
}

/// The theory gate and the patience key: alone, an exponential patience is the exact
/// Erlang-A and a general one the labelled M/M/c+G approximation (sim/tests/
/// erlang_a_theory.rs checks their figures); with priority classes at one consumer (M/M/1
/// with priorities has a model) the gate names the patience key.
#[test]
fn theory_names_the_patience_key() {
    let exp = scenario(&erlang_a(5.0, 1.0, 8, 0.5, ""));
    let t = predict(&exp);
    let kendall_models::Verdict::Predicted(p) = &t.system else {
        panic!("Erlang-A expected: {t:?}")
    };
    assert_eq!(p.family, kendall_models::Model::ErlangA);
    assert_eq!(p.exactness, kendall_models::Exactness::Exact);
    let general = erlang_a(5.0, 1.0, 8, 0.5, "").replace(
        "patience = { kind = \"exponential\", rate = 0.5 }",
        "patience = { kind = \"deterministic\", value = 2.0 }",
    );
    let t = predict(&scenario(&general));
    let kendall_models::Verdict::Predicted(p) = &t.system else {
        panic!("M/M/c+G expected: {t:?}")
    };
    assert_eq!(p.family, kendall_models::Model::MmcG);
    assert_eq!(p.exactness, kendall_models::Exactness::Approximation);
    let classes = format!(
        "{}\n{}",
        erlang_a(0.3, 1.0, 1, 0.5, "discipline = \"priority\""),
        r#"
[[classes]]
name = "gold"
priority = 0
[[classes]]
name = "bronze"
priority = 1
"#
    )
    .replace("name = \"p\"\n", "name = \"p\"\nclass = \"gold\"\n")
    .replace(
        "[[queues]]",
        "[[producers]]\nname = \"p2\"\nclass = \"bronze\"\ninterarrival = { kind = \"exponential\", rate = 0.3 }\n[[queues]]",
    );
    // Exponential patience with priorities is beyond Erlang-A but memoryless: the Markov
    // chain takes it. A constant patience is not: no model, naming the key.
    let t = predict(&scenario(&classes));
    assert_eq!(system(&t).family, kendall_models::Model::MarkovChain);
    let constant = classes.replace(
        "patience = { kind = \"exponential\", rate = 0.5 }",
        "patience = { kind = \"deterministic\", value = 2.0 }",
    );
    let t = predict(&scenario(&constant));
    let reason = no_model(&t);
    assert!(reason.contains("queues.q.patience"), "{reason}");
    // Without the patience the same scenario has an exact model: the key alone stops it.
    let without = classes.replace("patience = { kind = \"exponential\", rate = 0.5 }", "");
    assert!(matches!(
        predict(&scenario(&without)).system,
        kendall_models::Verdict::Predicted(_)
    ));
}

/// Malformed patience: located by file, line and key.
#[test]
fn a_bad_patience_is_located() {
    let text = erlang_a(5.0, 1.0, 2, 0.5, "").replace(
        "patience = { kind = \"exponential\", rate = 0.5 }",
        "patience = { kind = \"exponential\", rate = -1.0 }",
    );
    let e = Scenario::parse(std::path::Path::new("bad.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.toml") && e.contains("patience"), "{e}");
    assert!(e.contains("bad.toml:10:"), "the line of the key: {e}");
}

/// Same seed, same figures on any thread count: the JSON-facing estimates of a patient run
/// are identical whether replications run on one thread or two.
#[test]
fn abandonment_is_deterministic() {
    let s = scenario(&erlang_a(10.0, 1.0, 8, 0.5, ""));
    let a = run_replication(&s, 3).unwrap();
    let b = std::thread::spawn(move || run_replication(&s, 3).unwrap())
        .join()
        .unwrap();
    assert_eq!(a.system, b.system);
    assert_eq!(a.counts, b.counts);
}
