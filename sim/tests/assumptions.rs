//! The assumption table at work: every feature combination of the issue that printed
//! "exact" figures far from the truth now gets an exact figure that the simulation confirms,
//! or an honest label — an approximation that says what it ignores, or none, naming the key.
//! Each extension of a model in the table has a scenario here whose exact figures the
//! simulation must confirm at 99.9%; the expected values are worked out by hand in the
//! comments, independently of the models crate.

mod common;

use common::{exact_figures_agree, no_model, scenario, system};
use kendall_models::{Exactness, Model, Verdict};
use kendall_sim::theory::predict;

const LEVEL: f64 = 0.999;

/// Two queues in tandem, Poisson 0.5 into `a` (mean service 1), then `b` (mean 1); `extra`
/// is added to `a`.
fn tandem(extra: &str) -> String {
    format!(
        r#"
name = "tandem"
[[producers]]
name = "p"
to = "a"
interarrival = {{ kind = "exponential", rate = 0.5 }}
[[queues]]
name = "a"
consumers = 1
service = {{ kind = "exponential", mean = 1.0 }}
route = [{{ to = "b", p = 1.0 }}]
{extra}
[[queues]]
name = "b"
consumers = 1
service = {{ kind = "exponential", mean = 1.0 }}
[run]
replications = 10
customers = 40000
seed = 17
"#
    )
}

/// One queue of one consumer fed at `rate`, exponential service of mean 1, with `extra`.
fn single(rate: f64, extra: &str) -> String {
    format!(
        r#"
name = "single"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {rate} }}
[[queues]]
name = "q"
consumers = 1
service = {{ kind = "exponential", mean = 1.0 }}
{extra}
[run]
replications = 10
customers = 40000
seed = 23
"#
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs()
}

#[test]
fn a_crash_in_a_network_has_no_model() {
    let s = scenario(&tandem(
        r#"crash = { mtbf = { kind = "exponential", mean = 50.0 }, mttr = { kind = "exponential", mean = 3.0 } }"#,
    ));
    let t = predict(&s);
    assert!(no_model(&t).contains("queues.a.crash"), "{t:?}");
    assert!(t.queues.iter().all(Option::is_none));
}

/// Retries at the first queue: its input is the external Poisson stream, so it is exactly
/// M/G/1 on S·N (S ~ Exp(1), fail 0.2: E[S·N] = 1.25, E[(S·N)²] = 2·1.2/0.64 = 3.75,
/// ρ = 0.625, Wq = 0.5·3.75/(2·0.375) = 2.5, T = 3.75). Its output is not Poisson, so the
/// network is a labelled decomposition and the second queue an approximation.
#[test]
fn retries_in_a_network_are_a_labelled_decomposition() {
    let s = scenario(&tandem("fail = 0.2"));
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Approximation);
    assert!(p.model.starts_with("decomposition"), "{}", p.model);
    assert!(p.reason.contains("Poisson"), "{}", p.reason);
    let a = t.queues[0].as_ref().unwrap();
    assert_eq!(a.exactness, Exactness::Exact);
    assert!(close(a.measures.t, 3.75), "{}", a.measures.t);
    let b = t.queues[1].as_ref().unwrap();
    assert_eq!(b.exactness, Exactness::Approximation);
}

/// A consumer twice as fast at the first queue: Jackson with μ = 2 there,
/// T = 1/(2 − 0.5) + 1/(1 − 0.5) = 2.6667.
#[test]
fn speeds_in_a_network_are_exact() {
    let s = scenario(&tandem("speeds = [2.0]"));
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 1.0 / 1.5 + 2.0), "{}", p.measures.t);
    assert!(p.reason.contains("queues.a.speeds"), "{}", p.reason);
}

#[test]
fn a_time_to_live_in_a_network_has_no_model() {
    let t = predict(&scenario(&tandem("ttl = 2.0")));
    assert!(no_model(&t).contains("queues.a.ttl"), "{t:?}");
}

/// Retries under non-preemptive priority: a more urgent message may be served between a
/// message's attempts, which Cobham's formula on S·N ignores: an approximation saying so,
/// for the system and for each class.
#[test]
fn retries_under_priority_are_a_labelled_approximation() {
    let s = scenario(
        r#"
[[classes]]
name = "urgent"
priority = 0
[[classes]]
name = "bulk"
priority = 1
[[producers]]
name = "u"
class = "urgent"
interarrival = { kind = "exponential", rate = 0.1 }
[[producers]]
name = "b"
class = "bulk"
interarrival = { kind = "exponential", rate = 0.1 }
[[queues]]
name = "q"
consumers = 1
discipline = "priority"
fail = 0.5
service = { kind = "exponential", mean = 1.0 }
"#,
    );
    let t = predict(&s);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Approximation);
    assert!(p.reason.contains("queues.q.fail"), "{}", p.reason);
    for c in t.classes.iter() {
        assert_eq!(c.as_ref().unwrap().exactness, Exactness::Approximation);
    }
}

#[test]
fn retries_with_a_time_to_live_have_no_model() {
    let t = predict(&scenario(&single(0.5, "fail = 0.2\nttl = 2.0")));
    assert!(no_model(&t).contains("queues.q.ttl"), "{t:?}");
}

/// A consumer of speed 0.5 serves exponential work of mean 1 at rate 0.5: M/M/1 with
/// λ = 0.3, μ = 0.5, T = 1/(0.5 − 0.3) = 5.
#[test]
fn one_consumer_at_another_speed_is_exact() {
    let s = scenario(&single(0.3, "speeds = [0.5]"));
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 5.0), "{}", p.measures.t);
}

/// LIFO keeps M/M/1's means (λ = 0.5: T = 2) and gives no quantiles.
#[test]
fn lifo_keeps_fifo_means() {
    let s = scenario(&single(0.5, r#"discipline = "lifo""#));
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 2.0));
    assert!(p.t_quantiles.is_none());
}

/// Random dispatch over two consumers with retries: each consumer is M/G/1 on S·N with
/// λ = 0.4: ρ = 0.5, Wq = 0.4·3.75/(2·0.5) = 1.5, T = 2.75.
#[test]
fn retries_under_a_random_split_are_exact() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 0.8 }
[[queues]]
name = "q"
consumers = 2
dispatch = "random"
fail = 0.2
service = { kind = "exponential", mean = 1.0 }
[run]
replications = 10
customers = 40000
seed = 5
"#,
    );
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 2.75), "{}", p.measures.t);
}

/// Processor sharing with retries of constant work 1: total work per message 1.25 on
/// average, ρ = 0.625, T = 1.25/(1 − 0.625) = 3.3333 (M/G/1-PS depends on the mean only).
#[test]
fn retries_under_processor_sharing_are_exact() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 0.5 }
[[queues]]
name = "q"
consumers = 1
discipline = "ps"
fail = 0.2
service = { kind = "deterministic", value = 1.0 }
[run]
replications = 10
customers = 40000
seed = 7
"#,
    );
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 1.25 / 0.375), "{}", p.measures.t);
}

/// Two classes of different exponential service (means 0.5 and 2, rates 0.3 and 0.2) split
/// at random over two consumers: each is M/G/1 at λ = 0.25 on the mixture, E[S] = 1.1,
/// E[S²] = (0.3·0.5 + 0.2·8)/0.5 = 3.5, ρ = 0.275, Wq = 0.25·3.5/(2·0.725) = 0.603448;
/// T = Wq + 0.5 and Wq + 2 per class.
#[test]
fn classes_under_a_random_split_are_exact() {
    let s = scenario(
        r#"
[[classes]]
name = "small"
[[classes]]
name = "large"
[[producers]]
name = "s"
class = "small"
interarrival = { kind = "exponential", rate = 0.3 }
[[producers]]
name = "l"
class = "large"
interarrival = { kind = "exponential", rate = 0.2 }
[[queues]]
name = "q"
consumers = 2
dispatch = "random"
service = { kind = "exponential", mean = 0.5 }
service_by_class = { large = { kind = "exponential", mean = 2.0 } }
[run]
replications = 10
customers = 40000
seed = 9
"#,
    );
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let wq = 0.25 * 3.5 / (2.0 * 0.725);
    let class = |k: usize| t.classes[k].as_ref().unwrap();
    assert_eq!(class(0).exactness, Exactness::Exact);
    assert!(close(class(0).measures.t, wq + 0.5));
    assert!(close(class(1).measures.t, wq + 2.0));
}

/// Priorities and LIFO in a Jackson network with one exponential service for all classes:
/// the order of service does not change how many messages each station holds, so the
/// totals are Jackson's (T = 4); no per-class figure is given.
#[test]
fn order_of_service_keeps_jackson_totals() {
    let s = scenario(
        r#"
[[classes]]
name = "urgent"
priority = 0
[[classes]]
name = "bulk"
priority = 1
[[producers]]
name = "u"
to = "a"
class = "urgent"
interarrival = { kind = "exponential", rate = 0.2 }
[[producers]]
name = "b"
to = "a"
class = "bulk"
interarrival = { kind = "exponential", rate = 0.3 }
[[queues]]
name = "a"
consumers = 1
discipline = "priority"
service = { kind = "exponential", mean = 1.0 }
route = [{ to = "b", p = 1.0 }]
[[queues]]
name = "b"
consumers = 1
discipline = "lifo"
service = { kind = "exponential", mean = 1.0 }
[run]
replications = 10
customers = 40000
seed = 11
"#,
    );
    let (t, _) = exact_figures_agree(&s, LEVEL);
    let p = system(&t);
    assert_eq!(p.exactness, Exactness::Exact);
    assert!(close(p.measures.t, 4.0));
    assert!(t.classes.iter().all(Option::is_none));
}

/// Features no model admits, alone on an M/M/c base, name their key; the load-aware
/// strategies keep their labelled approximations.
#[test]
fn features_without_a_model_name_their_key() {
    let base = |extra: &str| {
        format!(
            r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 1.2 }}
[[queues]]
name = "q"
consumers = 2
service = {{ kind = "exponential", mean = 1.0 }}
{extra}
"#
        )
    };
    for (extra, key) in [
        ("visibility_timeout = 3.0", "queues.q.visibility_timeout"),
        ("fail = 0.1\nmax_attempts = 2", "queues.q.max_attempts"),
        (
            "capacity = 5\noverflow = \"drop-oldest\"",
            "queues.q.overflow",
        ),
        (
            "crash = { mtbf = { kind = \"exponential\", mean = 50.0 }, mttr = { kind = \"exponential\", mean = 1.0 } }",
            "queues.q.crash",
        ),
        ("dispatch = \"key-hash\"", "queues.q.dispatch"),
        ("ttl = 4.0", "queues.q.ttl"),
    ] {
        let t = predict(&scenario(&base(extra)));
        match &t.system {
            Verdict::NoModel { reason } => assert!(reason.contains(key), "{extra}: {reason}"),
            other => panic!("{extra}: {other:?}"),
        }
    }
    // Least-work's choice depends on work sizes, not counts: an approximation. Unequal
    // speeds, jsq and power-of-d are memoryless: the Markov chain makes them exact.
    let t = predict(&scenario(&base("dispatch = \"least-work\"")));
    assert_eq!(system(&t).exactness, Exactness::Approximation);
    for extra in [
        "speeds = [1.0, 2.0]",
        "dispatch = \"jsq\"",
        "dispatch = \"power-of-d\"\nd = 2",
    ] {
        let t = predict(&scenario(&base(extra)));
        assert_eq!(system(&t).family, Model::MarkovChain, "{extra}");
        assert_eq!(system(&t).exactness, Exactness::Exact, "{extra}");
    }
}
