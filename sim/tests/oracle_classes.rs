//! Simulation through the real broker against the oracle's exact multi-class and
//! multi-consumer models, fixed seeds: theory must lie inside every asserted 95% CI.

use std::path::Path;

use kendall_models::{Prediction, Verdict};
use kendall_sim::theory::{Theory, predict};
use kendall_sim::{ExperimentResult, Metric, Scenario, Summary, run_experiment};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

fn system(theory: &Theory) -> &Prediction {
    match &theory.system {
        Verdict::Predicted(p) => p,
        other => panic!("no prediction: {other:?}"),
    }
}

fn inside(summary: Summary, expected: f64, what: &str) {
    assert!(
        summary.contains(expected),
        "{what}: {expected} not in {:?}",
        summary.ci()
    );
}

/// As [`inside`] at 99.9%, the level of the tests added since, which check more figures.
fn inside_999(summary: Summary, expected: f64, what: &str) {
    assert!(
        summary.contains_at(expected, 0.999),
        "{what}: {expected} not within 99.9% of {summary:?}"
    );
}

/// Checks T, Wq and L of every class against its prediction.
fn check_classes(r: &ExperimentResult, s: &Scenario, theory: &Theory) {
    for (k, class) in s.classes.iter().enumerate() {
        let p = theory.classes[k]
            .as_ref()
            .unwrap_or_else(|| panic!("no theory for class {}", class.name));
        for (metric, value) in [
            (Metric::T, p.measures.t),
            (Metric::Wq, p.measures.wq),
            (Metric::L, p.measures.l),
        ] {
            inside(
                r.classes[k].get(metric),
                value,
                &format!("class {} {}", class.name, metric.name()),
            );
        }
    }
}

/// Three priorities on one consumer, different service distributions per class (ρ = 0.8):
/// Cobham's non-preemptive M/G/1 gives each class its own wait.
#[test]
fn non_preemptive_priority_per_class_is_cobham() {
    let s = scenario(
        r#"
        [[classes]]
        name = "urgent"
        priority = 0
        [[classes]]
        name = "normal"
        priority = 1
        [[classes]]
        name = "bulk"
        priority = 2
        [[producers]]
        name = "u"
        class = "urgent"
        interarrival = { kind = "exponential", rate = 0.4 }
        [[producers]]
        name = "n"
        class = "normal"
        interarrival = { kind = "exponential", rate = 0.3 }
        [[producers]]
        name = "b"
        class = "bulk"
        interarrival = { kind = "exponential", rate = 0.2 }
        [[queues]]
        name = "q"
        consumers = 1
        discipline = "priority"
        service = { kind = "exponential", mean = 0.5 }
        service_by_class = { normal = { kind = "deterministic", value = 1.0 }, bulk = { kind = "erlang", k = 2, mean = 1.5 } }
        [run]
        replications = 20
        customers = 60000
        seed = 11
        "#,
    );
    let theory = predict(&s);
    assert_eq!(
        system(&theory).model,
        "M/G/1 non-preemptive priority (Cobham)"
    );
    let r = run_experiment(&s).unwrap();
    check_classes(&r, &s, &theory);
    inside(
        r.system.get(Metric::T),
        system(&theory).measures.t,
        "system T",
    );
}

/// Two of three classes share a priority: they form one FIFO group, waiting alike, each
/// with its own service time added (ρ = 0.75).
#[test]
fn equal_priorities_form_one_fifo_group() {
    let s = scenario(
        r#"
        [[classes]]
        name = "hi"
        priority = 0
        [[classes]]
        name = "short"
        priority = 5
        [[classes]]
        name = "long"
        priority = 5
        [[producers]]
        name = "h"
        class = "hi"
        interarrival = { kind = "exponential", rate = 0.25 }
        [[producers]]
        name = "s"
        class = "short"
        interarrival = { kind = "exponential", rate = 0.5 }
        [[producers]]
        name = "l"
        class = "long"
        interarrival = { kind = "exponential", rate = 0.1 }
        [[queues]]
        name = "q"
        consumers = 1
        discipline = "priority"
        service = { kind = "exponential", mean = 1.0 }
        service_by_class = { short = { kind = "deterministic", value = 0.5 }, long = { kind = "exponential", mean = 2.5 } }
        [run]
        replications = 20
        customers = 60000
        seed = 12
        "#,
    );
    let theory = predict(&s);
    let wq = |k: usize| theory.classes[k].as_ref().unwrap().measures.wq;
    assert_eq!(wq(1), wq(2));
    assert!(wq(0) < wq(1));
    let r = run_experiment(&s).unwrap();
    check_classes(&r, &s, &theory);
}

/// FIFO with two classes of different service (exponential 0.5, deterministic 2): M/G/1 on
/// the mixture, every class waits the same Wq (ρ = 0.7).
#[test]
fn fifo_classes_share_the_mixture_wait() {
    let s = scenario(
        r#"
        [[classes]]
        name = "small"
        [[classes]]
        name = "big"
        [[producers]]
        name = "a"
        class = "small"
        interarrival = { kind = "exponential", rate = 0.6 }
        [[producers]]
        name = "b"
        class = "big"
        interarrival = { kind = "exponential", rate = 0.2 }
        [[queues]]
        name = "q"
        consumers = 1
        service = { kind = "exponential", mean = 0.5 }
        service_by_class = { big = { kind = "deterministic", value = 2.0 } }
        [run]
        replications = 20
        customers = 60000
        seed = 13
        "#,
    );
    let theory = predict(&s);
    assert_eq!(system(&theory).model, "M/G/1 (FIFO, class mixture)");
    let r = run_experiment(&s).unwrap();
    check_classes(&r, &s, &theory);
    inside(
        r.system.get(Metric::L),
        system(&theory).measures.l,
        "system L",
    );
}

/// Erlang-3 arrivals at 4 shared exponential consumers (ρ = 0.85): the exact GI/M/c,
/// including its tail.
#[test]
fn erlang_arrivals_follow_gi_m_c() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "erlang", k = 3, mean = 0.29411764705882354 }
        [[queues]]
        name = "q"
        consumers = 4
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 20
        customers = 60000
        seed = 14
        "#,
    );
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(p.model, "E3/M/c");
    let r = run_experiment(&s).unwrap();
    inside(r.system.get(Metric::T), p.measures.t, "T");
    inside(r.system.get(Metric::Wq), p.measures.wq, "Wq");
    inside(
        r.system.get(Metric::PWait),
        p.measures.p_wait.unwrap(),
        "P(wait)",
    );
    inside(
        r.system.get(Metric::TP90),
        p.t_quantiles.unwrap()[1],
        "T p90",
    );
    // The lone class shares the system's prediction.
    assert_eq!(theory.classes[0].as_ref(), Some(p));
}

/// Poisson arrivals, constant service, 4 shared consumers (ρ = 0.85): the exact M/D/c.
#[test]
fn deterministic_service_follows_m_d_c() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 3.4 }
        [[queues]]
        name = "q"
        consumers = 4
        service = { kind = "deterministic", value = 1.0 }
        [run]
        replications = 20
        customers = 60000
        seed = 15
        "#,
    );
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(p.model, "M/D/c");
    let r = run_experiment(&s).unwrap();
    inside(r.system.get(Metric::Wq), p.measures.wq, "Wq");
    inside(r.system.get(Metric::Lq), p.measures.lq, "Lq");
    inside(
        r.system.get(Metric::PWait),
        p.measures.p_wait.unwrap(),
        "P(wait)",
    );
}

/// Preemptive-resume priority: an interrupted message waits again before it resumes, but it
/// started at once, so p_wait counts only messages that could not start when they arrived —
/// the probability σ_k that the consumer is busy with a class at least as urgent (PASTA):
/// σ_urgent = 0.4 × 0.5 = 0.2 and σ_bulk = 0.2 + 0.3 × 1.5 = 0.65, by hand. T per class is
/// the preemptive-resume formula, 0.625 and 4.642857 (the scenario's header). Six checks at
/// 99.9% each, the project's level for statistical tests.
#[test]
fn preemptive_priority_counts_waits_before_the_first_start() {
    let mut s = Scenario::load(Path::new(
        "../scenarios/validation/priority_preemptive.toml",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    s.run.customers = 60_000;
    s.run.warmup = 6_000;
    let r = run_experiment(&s).unwrap();
    for (k, (sigma, t)) in [(0.2, 0.625), (0.65, 4.642_857)].into_iter().enumerate() {
        let name = &s.classes[k].name;
        inside_999(
            r.classes[k].get(Metric::PWait),
            sigma,
            &format!("{name} p_wait"),
        );
        inside_999(r.classes[k].get(Metric::T), t, &format!("{name} T"));
    }
    inside_999(
        r.system.get(Metric::PWait),
        (0.4 * 0.2 + 0.3 * 0.65) / 0.7,
        "system p_wait",
    );
}

/// Two classes sharing one consumer (processor sharing, ρ = 0.2 + 0.5). Each message held
/// gets 1/n of the consumer, so a class's part of the busy time — its utilization — is its
/// load λ_k·E[S_k], and the classes' parts add up to the consumer's. T_k = E[S_k]/(1 − ρ)
/// whatever the service distribution (Kleinrock, *Queueing Systems* Vol. 2, §4.4), so
/// 0.5/0.3 and 5/0.3, by hand; Lq_k is L_k less the class's utilization.
#[test]
fn processor_sharing_classes_are_busy_by_their_share() {
    let s = scenario(
        r#"
        [[classes]]
        name = "small"
        [[classes]]
        name = "large"
        [[producers]]
        name = "s"
        class = "small"
        interarrival = { kind = "exponential", rate = 0.4 }
        [[producers]]
        name = "l"
        class = "large"
        interarrival = { kind = "exponential", rate = 0.1 }
        [[queues]]
        name = "q"
        consumers = 1
        discipline = "ps"
        service = { kind = "exponential", mean = 0.5 }
        service_by_class = { large = { kind = "exponential", mean = 5.0 } }
        [run]
        replications = 20
        customers = 60000
        seed = 17
        "#,
    );
    let r = run_experiment(&s).unwrap();
    for (k, (load, t)) in [(0.2, 0.5 / 0.3), (0.5, 5.0 / 0.3)].into_iter().enumerate() {
        let c = &r.classes[k];
        let name = &s.classes[k].name;
        inside_999(
            c.get(Metric::Utilization),
            load,
            &format!("{name} utilization"),
        );
        inside_999(c.get(Metric::T), t, &format!("{name} T"));
        let lq = c.get(Metric::L).mean - c.get(Metric::Utilization).mean;
        assert!((c.get(Metric::Lq).mean - lq).abs() < 1e-9, "{name} Lq");
    }
    // Theory says the same per class (by hand above), and the mixture's M/G/1-PS overall.
    let theory = predict(&s);
    assert_eq!(system(&theory).model, "M/G/1-PS");
    assert!((system(&theory).measures.t - (0.8 * 0.5 + 0.2 * 5.0) / 0.3).abs() < 1e-12);
    for (k, (load, t)) in [(0.2, 0.5 / 0.3), (0.5, 5.0 / 0.3)].into_iter().enumerate() {
        let m = &theory.classes[k].as_ref().unwrap().measures;
        assert!((m.t - t).abs() < 1e-12 && (m.utilization - load).abs() < 1e-12);
        assert!((m.lq - (m.l - load)).abs() < 1e-12);
    }
    // The shares add up to the consumer's busy time in every replication, so the means do.
    let shares: f64 = r
        .classes
        .iter()
        .map(|c| c.get(Metric::Utilization).mean)
        .sum();
    let busy = r.system.get(Metric::Utilization).mean;
    assert!((shares - busy).abs() < 1e-9 * busy, "{shares} vs {busy}");
}
