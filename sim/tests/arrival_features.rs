//! Arrivals that change (issue 19): a time-varying `rate` is a feature no steady-state model
//! admits, so theory names its key, alone and with other features; Poisson `batch`es and an
//! `mmpp` interarrival have exact models (M^X/M/c, MMPP/M/c) only where every other feature
//! is theirs; the arrival rate counts batches and long-run averages; and M^X/M/1 by
//! simulation agrees with its textbook mean.

mod common;

use common::scenario;
use kendall_models::{Exactness, Verdict};
use kendall_sim::theory::predict;
use kendall_sim::{Metric, run_experiment};

/// One queue `q` of `consumers` exponential consumers (mean 1), producer `push` with
/// `arrivals` (its arrival keys) and `extra` keys on the queue.
fn base(arrivals: &str, consumers: u32, extra: &str) -> String {
    format!(
        r#"
[[producers]]
name = "push"
{arrivals}
[[queues]]
name = "q"
consumers = {consumers}
service = {{ kind = "exponential", mean = 1.0 }}
{extra}
[run]
replications = 10
customers = 40000
seed = 5
"#
    )
}

/// The system verdict is no exact figure, and says which key made it so.
fn names_key(v: &Verdict, key: &str, what: &str) {
    match v {
        Verdict::NoModel { reason } => assert!(reason.contains(key), "{what}: {reason}"),
        Verdict::Predicted(p) => {
            assert_ne!(p.exactness, Exactness::Exact, "{what}: {p:?}");
            assert!(format!("{p:?}").contains(key), "{what}: {p:?}");
        }
        other => panic!("{what}: {other:?}"),
    }
}

const SINUSOID: &str =
    r#"rate = { kind = "sinusoid", mean = 0.6, amplitude = 0.3, period = 100.0 }"#;
const PIECEWISE: &str =
    r#"rate = { kind = "piecewise", at = [0, 50], values = [0.3, 0.9], repeat = 100 }"#;
const MMPP: &str =
    r#"interarrival = { kind = "mmpp", rates = [0.2, 1.4], mean_durations = [30.0, 10.0] }"#;
const POISSON: &str = r#"interarrival = { kind = "exponential", rate = 0.3 }"#;
const BATCH: &str = r#"batch = { kind = "geometric", mean = 2.0 }"#;

#[test]
fn each_new_arrival_feature_names_its_key() {
    for consumers in [1, 3] {
        for (arrivals, key) in [
            (SINUSOID, "producers.push.rate"),
            (PIECEWISE, "producers.push.rate"),
        ] {
            let s = scenario(&base(arrivals, consumers, ""));
            names_key(
                &predict(&s).system,
                key,
                &format!("{arrivals}, c = {consumers}"),
            );
        }
    }
}

/// An MMPP into a shared FIFO queue of exponential consumers is MMPP/M/c, exact (checked by
/// simulation in mmpp_theory.rs); with general service, or batches, no model admits it and
/// the MMPP is named.
#[test]
fn an_mmpp_is_exact_alone_and_named_with_general_service_or_batches() {
    for consumers in [1, 3] {
        match &predict(&scenario(&base(MMPP, consumers, ""))).system {
            Verdict::Predicted(p) => {
                assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
                assert_eq!(p.model, "MMPP/M/c");
            }
            other => panic!("c = {consumers}: {other:?}"),
        }
        let gamma = base(MMPP, consumers, "").replace(
            r#"service = { kind = "exponential", mean = 1.0 }"#,
            r#"service = { kind = "gamma", mean = 1.0, scv = 0.5 }"#,
        );
        // (Batches of mean 2 double the load: one more consumer keeps it below 1.)
        let batched = base(&format!("{MMPP}\n{BATCH}"), consumers + 1, "");
        for text in [gamma, batched] {
            names_key(
                &predict(&scenario(&text)).system,
                "producers.push.interarrival",
                &text,
            );
        }
    }
}

/// An MMPP into one Erlang or hyperexponential consumer is MMPP/PH/1, exact (checked by
/// simulation in mmpp_theory.rs), beside a Poisson producer too; with two consumers, retried
/// failures (service no longer phase-type), a time to live or a batch it is not, and the key
/// that made it so is named.
#[test]
fn an_mmpp_into_one_phase_type_consumer_is_exact_only_with_its_own_features() {
    let erlang = r#"service = { kind = "erlang", k = 3, mean = 1.0 }"#;
    let h2 = r#"service = { kind = "hyperexponential", mean = 1.0, scv = 3.0 }"#;
    let with = |text: String, service: &str| {
        text.replace(r#"service = { kind = "exponential", mean = 1.0 }"#, service)
    };
    for (service, model) in [(erlang, "MMPP/E3/1"), (h2, "MMPP/H2/1")] {
        for arrivals in [MMPP.to_string(), format!("{MMPP}\n{POISSON}")] {
            let arrivals = arrivals.replace(
                POISSON,
                &format!("[[producers]]\nname = \"steady\"\n{POISSON}"),
            );
            match &predict(&scenario(&with(base(&arrivals, 1, ""), service))).system {
                Verdict::Predicted(p) => {
                    assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
                    assert_eq!(p.model, model);
                    assert!(p.t_quantiles.is_some() && p.wq_quantiles.is_some());
                }
                other => panic!("{service}: {other:?}"),
            }
        }
        for (text, key) in [
            (
                with(base(MMPP, 2, ""), service),
                "producers.push.interarrival",
            ),
            (
                with(base(MMPP, 1, "fail = 0.1"), service),
                "producers.push.interarrival",
            ),
            (with(base(MMPP, 1, "ttl = 5.0"), service), "queues.q.ttl"),
            (
                // (Batches of mean 2 double the load: half the service keeps it below 1.)
                with(
                    base(&format!("{MMPP}\n{BATCH}"), 1, ""),
                    &service.replace("mean = 1.0", "mean = 0.5"),
                ),
                "producers.push.batch",
            ),
        ] {
            names_key(&predict(&scenario(&text)).system, key, &text);
        }
    }
}

/// Poisson batches into a shared FIFO queue are M^X/M/1 or M^X/M/c, exact (their figures
/// are checked by simulation in batch_theory.rs); with a patience, no model admits them and
/// the batch key is named.
#[test]
fn poisson_batches_are_exact_alone_and_named_with_patience() {
    for consumers in [1, 3] {
        let s = scenario(&base(&format!("{POISSON}\n{BATCH}"), consumers, ""));
        match &predict(&s).system {
            Verdict::Predicted(p) => {
                assert_eq!(p.exactness, Exactness::Exact, "{p:?}");
                assert!(p.model.starts_with("M^X/M/"), "{p:?}");
            }
            other => panic!("c = {consumers}: {other:?}"),
        }
        let patient = base(
            &format!("{POISSON}\n{BATCH}"),
            consumers,
            r#"patience = { kind = "exponential", mean = 2.0 }"#,
        );
        names_key(
            &predict(&scenario(&patient)).system,
            "producers.push.batch",
            &format!("batch with patience, c = {consumers}"),
        );
    }
}

#[test]
fn arrival_features_combine_with_queue_features() {
    // A rate with several consumers that fail; an MMPP with a time to live (MMPP/M/c fits
    // all but the time to live); a batch with a sinusoid: every key named.
    let cases = [
        (base(SINUSOID, 3, "fail = 0.1"), vec!["producers.push.rate"]),
        (base(MMPP, 2, "ttl = 5.0"), vec!["queues.q.ttl"]),
        (
            base(&format!("{SINUSOID}\n{BATCH}"), 2, ""),
            vec!["producers.push.rate", "producers.push.batch"],
        ),
    ];
    for (text, keys) in cases {
        let t = predict(&scenario(&text));
        for key in keys {
            names_key(&t.system, key, &text);
        }
    }
    // A bounded queue has a model only for Poisson arrivals: none (its reason, as for any
    // non-Poisson arrivals there, names no key).
    for arrivals in [SINUSOID, MMPP, &format!("{POISSON}\n{BATCH}")] {
        let t = predict(&scenario(&base(arrivals, 2, "capacity = 10")));
        assert!(
            matches!(t.system, Verdict::NoModel { .. }),
            "{arrivals}: {:?}",
            t.system
        );
    }
    // Batches from one class of two under priority: the batch is named, for the system and
    // for the classes.
    let text = r#"
[[classes]]
name = "gold"
priority = 0
[[classes]]
name = "bronze"
priority = 1
[[producers]]
name = "vip"
class = "gold"
interarrival = { kind = "exponential", rate = 0.1 }
batch = { kind = "deterministic", value = 3 }
[[producers]]
name = "rest"
class = "bronze"
interarrival = { kind = "exponential", rate = 0.3 }
[[queues]]
name = "q"
consumers = 1
discipline = "priority"
service = { kind = "exponential", mean = 1.0 }
"#;
    let t = predict(&scenario(text));
    names_key(&t.system, "producers.vip.batch", "priority + batch");
    assert!(
        t.classes
            .iter()
            .all(|c| c.as_ref().is_none_or(|p| p.exactness != Exactness::Exact))
    );
}

#[test]
fn arrival_rate_counts_batches_and_long_run_averages() {
    let s = scenario(&base(&format!("{POISSON}\n{BATCH}"), 1, ""));
    assert!((s.arrival_rate() - 0.6).abs() < 1e-12);
    let s = scenario(&base(PIECEWISE, 1, ""));
    assert!((s.arrival_rate() - 0.6).abs() < 1e-12);
    let s = scenario(&base(MMPP, 1, ""));
    // π = (0.75, 0.25): 0.15 + 0.35.
    assert!((s.arrival_rate() - 0.5).abs() < 1e-12);
    let scaled = scenario(&base(&format!("{SINUSOID}\n{BATCH}"), 1, "")).with_load_scaled(1.5);
    assert!((scaled.arrival_rate() - 1.8).abs() < 1e-12);
}

/// M^X/M/1 (Gross & Harris, "Fundamentals of Queueing Theory", 4th ed., §3.2.1):
/// L = ρ/(1 − ρ)·(E[X²] + E[X])/(2E[X]), ρ = λE[X]/μ. Deterministic batches of 3 at λ = 0.2
/// (ρ = 0.6, E[X²] = 9): L = 1.5·12/6 = 3; geometric batches of mean 2 at λ = 0.3 (ρ = 0.6,
/// E[X²] = m(2m − 1) = 6): L = 1.5·8/4 = 3. Little: T = L/(λE[X]) = 5.
#[test]
fn batch_poisson_single_server_matches_the_textbook_mean() {
    for arrivals in [
        r#"interarrival = { kind = "exponential", rate = 0.2 }
batch = { kind = "deterministic", value = 3 }"#,
        r#"interarrival = { kind = "exponential", rate = 0.3 }
batch = { kind = "geometric", mean = 2.0 }"#,
    ] {
        let s = scenario(&base(arrivals, 1, ""));
        let r = run_experiment(&s).unwrap();
        for (m, expected) in [
            (Metric::L, 3.0),
            (Metric::T, 5.0),
            (Metric::Utilization, 0.6),
        ] {
            let got = r.system.get(m);
            assert!(
                got.contains_at(expected, 0.999),
                "{arrivals}: {} {got:?} vs {expected}",
                m.name()
            );
        }
    }
}

/// A network fed by arrivals that are not Poisson — an MMPP, a time-varying rate, batches —
/// has no decomposition (it takes every external stream as Poisson) and no Jackson network:
/// theory is none, naming the producer's key, and no queue gets an exact figure. The
/// decomposition used to take them as Poisson and call the first queue's M/M/c exact (found
/// by the generated scenarios once they drew MMPP producers).
#[test]
fn networks_fed_by_changing_arrivals_have_no_model() {
    for (arrivals, key) in [
        (MMPP, "producers.push.interarrival"),
        (SINUSOID, "producers.push.rate"),
        (&format!("{POISSON}\n{BATCH}"), "producers.push.batch"),
    ] {
        let text = format!(
            r#"
[[producers]]
name = "push"
to = "a"
{arrivals}
[[queues]]
name = "a"
consumers = 2
service = {{ kind = "exponential", mean = 1.0 }}
route = [{{ to = "b", p = 0.5 }}]
[[queues]]
name = "b"
consumers = 1
service = {{ kind = "exponential", mean = 0.5 }}
"#
        );
        let t = predict(&scenario(&text));
        names_key(&t.system, key, arrivals);
        assert!(
            t.queues
                .iter()
                .all(|q| q.as_ref().is_none_or(|p| p.exactness != Exactness::Exact)),
            "{arrivals}: {:?}",
            t.queues
        );
    }
}
