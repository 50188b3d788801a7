//! Closed workloads (a producer's `clients` and `think`): the simulation against the exact
//! figures — the finite-source queue M/M/c//N in closed form, for exponential and for
//! lognormal and deterministic think times (insensitivity), and exact MVA for a routed
//! network of two queues — every fate releasing its client, and the gate naming the keys
//! no model admits.

mod common;

use std::path::Path;

use common::{exact_figures_agree, no_model, scenario, system};
use kendall_models::{ClosedNetwork, Exactness, MachineRepair, Model, Servers, Station, exact_mva};
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;
use kendall_sim::{ExperimentResult, Scenario, run_experiment};

/// scenarios/closed.toml: 20 clients thinking an exponential second, 2 consumers serving in
/// an exponential 0.125.
fn example() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/closed.toml");
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The same system with its think time written as `think` and `customers` per replication.
fn with_think(think: &str, customers: u64, seed: u64) -> Scenario {
    scenario(&format!(
        r#"
name = "closed"
[[producers]]
name = "users"
clients = 20
think = {think}
[[queues]]
name = "service"
consumers = 2
service = {{ kind = "exponential", mean = 0.125 }}
[run]
replications = 10
customers = {customers}
seed = {seed}
"#
    ))
}

/// Asserts that the 95% interval of T, throughput and utilisation contains the figure
/// of `want`'s closed form.
fn contains(r: &ExperimentResult, want: &kendall_models::Measures, what: &str) {
    for (m, v) in [
        (Metric::T, want.t),
        (Metric::Throughput, want.throughput),
        (Metric::Utilization, want.utilization),
    ] {
        let sim = r.system.get(m);
        assert!(
            sim.contains_at(v, 0.95),
            "{what}: {} {v} not within {sim:?}",
            m.name()
        );
    }
}

/// The machine-repairman model M/M/2//20 (Kleinrock 1975 §3.10), its closed form computed
/// here: T = 0.351167, X = 14.8020, U = 0.925126. The simulation's 95% intervals contain
/// T, throughput and utilisation, and theory picks the same model, exact.
#[test]
fn the_machine_repairman_matches_its_closed_form() {
    let s = example();
    let want = MachineRepair::new(20, 1.0, 8.0, 2).unwrap().measures();
    assert!((want.t - 0.351167).abs() < 1e-6 && (want.throughput - 14.8020).abs() < 1e-4);
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!(
        (p.family, p.exactness),
        (Model::MachineRepair, Exactness::Exact)
    );
    assert!((p.measures.t - want.t).abs() < 1e-12);
    let (_, r) = exact_figures_agree(&s, 0.99);
    contains(&r, &want, "exponential think");
}

/// With exponential service the finite-source queue is insensitive to the think-time
/// distribution (BCMP 1975, type-3 station): lognormal think times of SCV 4 and constant
/// ones give the same T, throughput and utilisation, and theory stays exact, naming the
/// extension.
#[test]
fn any_think_time_distribution_gives_the_same_figures() {
    let want = MachineRepair::new(20, 1.0, 8.0, 2).unwrap().measures();
    for (think, seed) in [
        (r#"{ kind = "lognormal", mean = 1.0, scv = 4.0 }"#, 31),
        (r#"{ kind = "deterministic", value = 1.0 }"#, 37),
    ] {
        let s = with_think(think, 50_000, seed);
        let theory = predict(&s);
        let p = system(&theory);
        assert_eq!(p.exactness, Exactness::Exact, "{think}");
        assert!(p.reason.contains("infinite-server"), "{}", p.reason);
        let r = run_experiment(&s).unwrap();
        contains(&r, &want, think);
    }
}

/// Two queues: every message visits `front` (2 consumers, exponential 0.1), then goes on to
/// `db` (1 consumer, exponential 0.15) with probability 0.6, else leaves; 30 clients think
/// an exponential 2. Exact MVA (Reiser & Lavenberg 1980) on visits 1 and 0.6, computed
/// here: the simulation's 95% intervals contain T end to end, the throughput, and each
/// queue's utilisation.
#[test]
fn a_routed_closed_network_matches_exact_mva() {
    let s = scenario(
        r#"
name = "closed network"
[[producers]]
name = "users"
to = "front"
clients = 30
think = { kind = "exponential", mean = 2.0 }
[[queues]]
name = "front"
consumers = 2
service = { kind = "exponential", mean = 0.1 }
route = [{ to = "db", p = 0.6 }]
[[queues]]
name = "db"
consumers = 1
service = { kind = "exponential", mean = 0.15 }
[run]
replications = 10
customers = 50000
seed = 41
"#,
    );
    let station = |visits, service, c| Station {
        visits,
        service,
        scv: 1.0,
        servers: Servers::Queue(c),
    };
    let want = exact_mva(&ClosedNetwork {
        clients: 30,
        think: 2.0,
        stations: vec![station(1.0, 0.1, 2), station(0.6, 0.15, 1)],
    })
    .unwrap();
    let theory = predict(&s);
    let p = system(&theory);
    assert_eq!((p.family, p.exactness), (Model::Mva, Exactness::Exact));
    assert!((p.measures.throughput - want.throughput).abs() < 1e-9);
    let r = run_experiment(&s).unwrap();
    for (m, v) in [
        (Metric::T, want.response),
        (Metric::Throughput, want.throughput),
    ] {
        let sim = r.system.get(m);
        assert!(
            sim.contains_at(v, 0.95),
            "{}: {v} not within {sim:?}",
            m.name()
        );
    }
    for (j, st) in want.stations.iter().enumerate() {
        let sim = r.queues[j].get(Metric::Utilization);
        assert!(
            sim.contains_at(st.utilization, 0.95),
            "queue {j} utilisation {} not within {sim:?}",
            st.utilization
        );
    }
}

/// Every fate releases its client: with room for 2 messages (the rest refused), a time to
/// live of 0.05 (waiting messages expire), failures dead-lettered out of the system after
/// one attempt, or a patience (waiting messages abandon), the 5 clients keep sending. By
/// Little's law on the clients, each of whom is either thinking (mean Z = 0.1) or has one
/// message in the system, they send at (N − L)/Z per time unit; every message sent is
/// processed, lost or abandoned, so that rate is also X/(1 − p_loss − p_abandon). A client
/// left hanging by some fate breaks the equality (it neither thinks nor has a message in
/// the system). The two sides must agree within twice the sum of their 95% half-widths.
#[test]
fn every_fate_releases_its_client() {
    for extra in [
        "capacity = 2",
        "ttl = 0.05",
        "fail = 0.5\nmax_attempts = 1",
        "patience = { kind = \"exponential\", mean = 0.05 }",
    ] {
        let s = scenario(&format!(
            r#"
name = "fates"
[[producers]]
name = "users"
clients = 5
think = {{ kind = "exponential", mean = 0.1 }}
[[queues]]
name = "q"
consumers = 1
service = {{ kind = "exponential", mean = 0.1 }}
{extra}
[run]
replications = 4
customers = 5000
seed = 5
"#
        ));
        let r = run_experiment(&s).unwrap();
        let get = |m: Metric| r.system.get(m);
        let (l, x, loss) = (get(Metric::L), get(Metric::Throughput), get(Metric::PLoss));
        let abandon = get(Metric::PAbandon);
        let (ab, ab_hw) = if abandon.mean.is_finite() {
            (abandon.mean, abandon.half_width)
        } else {
            (0.0, 0.0)
        };
        let kept = 1.0 - loss.mean - ab;
        let by_clients = (5.0 - l.mean) / 0.1;
        let by_fates = x.mean / kept;
        let slack = 2.0
            * (l.half_width / 0.1
                + x.half_width / kept
                + x.mean * (loss.half_width + ab_hw) / (kept * kept));
        assert!(
            (by_clients - by_fates).abs() <= slack,
            "{extra}: clients send at {by_clients} by Little's law, {by_fates} by the fates \
             (slack {slack}): a client hangs"
        );
        assert!(loss.mean + ab > 0.05, "{extra}: the fate never happened");
        // No model admits these features with clients: the gate names the queue's key.
        let theory = predict(&s);
        let key = extra.split([' ', '\n']).next().unwrap();
        assert!(
            no_model(&theory).contains(&format!("queues.q.{key}")),
            "{extra}"
        );
    }
}

/// Features in combination: an open producer beside a closed one gets no model, naming
/// `clients`; non-exponential service gets Linearizer, labelled an approximation; a
/// dispatch strategy other than the shared queue gets none, naming `dispatch`.
#[test]
fn the_gate_names_what_no_closed_model_admits() {
    let base = r#"
name = "mix"
[[producers]]
name = "users"
clients = 10
think = { kind = "exponential", mean = 1.0 }
[[queues]]
name = "q"
consumers = 2
service = { kind = "exponential", mean = 0.1 }
"#;
    let open = format!(
        "{base}[[producers]]\nname = \"batch\"\nto = \"q\"\ninterarrival = {{ kind = \"exponential\", rate = 1.0 }}\n"
    );
    assert!(no_model(&predict(&scenario(&open))).contains("producers.users.clients"));
    let lognormal = base.replace(
        r#"service = { kind = "exponential", mean = 0.1 }"#,
        r#"service = { kind = "lognormal", mean = 0.1, scv = 2.0 }"#,
    );
    let theory = predict(&scenario(&lognormal));
    let p = system(&theory);
    assert_eq!(
        (p.family, p.exactness),
        (Model::Linearizer, Exactness::Approximation)
    );
    assert!(p.reason.contains("queues.q.service"), "{}", p.reason);
    let jsq = base.replace("consumers = 2", "consumers = 2\ndispatch = \"jsq\"");
    assert!(no_model(&predict(&scenario(&jsq))).contains("queues.q.dispatch"));
}
