//! Every value the validation scenarios state in their `[expected]` tables, recomputed here
//! by a second method that shares nothing with the models crate (this test calls none
//! of it): a generic CTMC solver for the Markovian cases, numerical integration of the service
//! density into Pollaczek–Khinchine for M/G/1, Illinois regula falsi for the GI/M/1 root,
//! embedded chains for D/M/c and M/D/c, and the approximations' published formulas written
//! out. The values in the files were computed apart (scripts/validation_expected.py, closed
//! forms at 25 digits); `kendall validate-theory` then holds the oracle to them.
//!
//! Parameters are read from each scenario as the simulator loads it, so a value cannot
//! drift from the file it belongs to.

mod ctmc;
mod numeric;
mod second;

use std::path::{Path, PathBuf};

use kendall_broker::{Discipline, DispatchKind};
use kendall_sim::Scenario;
use kendall_sim::dist::Distribution;
use kendall_sim::expected::ExpectedKind;
use kendall_sim::scenario::Producer;

use second::{NetStation, Values};

const DIR: &str = "scenarios/validation";
/// Largest relative difference allowed between a stated value and its second method.
const TOLERANCE: f64 = 1e-9;

/// The families of second method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Birth–death chains and the other Markovian CTMCs (priority, PS, round-robin, E_k).
    Markov,
    /// Pollaczek–Khinchine with integrated moments; GI/M/1 roots; embedded chains.
    General,
    /// Jackson networks: whole-network CTMC (up to two stations) and product form.
    Network,
    /// Kingman, Allen–Cunneen, mean-field JSQ and power-of-d.
    Approximation,
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// A producer's inter-arrival distribution (validation scenarios replay no trace).
fn renewal(p: &Producer) -> &Distribution {
    p.interarrival
        .renewal()
        .expect("validation scenarios have renewal arrivals")
}

fn arrival_rate(s: &Scenario) -> f64 {
    s.producers
        .iter()
        .map(|p| 1.0 / numeric::moments(renewal(p)).0)
        .sum()
}

fn exponential_rate(d: &Distribution) -> f64 {
    match d {
        Distribution::Exponential(_, rate) => *rate,
        other => panic!("expected exponential service, got {other:?}"),
    }
}

/// The family and the recomputed values of one validation file.
fn recompute(file: &str, s: &Scenario) -> (Family, Values) {
    let q = &s.queues[0];
    let c = q.consumers;
    let lambda = arrival_rate(s);
    let service = &q.service[0];
    let gaps = renewal(&s.producers[0]);
    let all_poisson = s
        .producers
        .iter()
        .all(|p| matches!(renewal(p), Distribution::Exponential(..)));
    if file.starts_with("approx_") {
        let es = numeric::moments(service).0;
        let v = match q.dispatch {
            DispatchKind::Jsq => second::power_of_d(lambda * es / f64::from(c), es, None),
            DispatchKind::PowerOfD { d } => {
                second::power_of_d(lambda * es / f64::from(c), es, Some(d as u32))
            }
            _ if c == 1 => second::kingman(gaps, service),
            _ => second::allen_cunneen(gaps, service, c),
        };
        return (Family::Approximation, v);
    }
    if s.queues.len() > 1 || !q.routes.is_empty() {
        let stations: Vec<NetStation> = (0..s.queues.len())
            .map(|i| NetStation {
                external: s
                    .producers
                    .iter()
                    .filter(|p| p.queue == i)
                    .map(|p| 1.0 / numeric::moments(renewal(p)).0)
                    .sum(),
                mu: exponential_rate(&s.queues[i].service[0]),
                c: s.queues[i].consumers,
            })
            .collect();
        let routes: Vec<Vec<(usize, f64)>> = s.queues.iter().map(|q| q.routes.clone()).collect();
        let product = second::jackson_product_form(&stations, &routes);
        if stations.len() <= 2 {
            // The whole network as one chain must agree with the product form.
            let whole = second::network_ctmc(&stations, &routes);
            for (k, v) in &product {
                let w = whole[k];
                assert!(
                    (w - v).abs() <= TOLERANCE * v.abs(),
                    "{file} {k}: whole {w} product {v}"
                );
            }
        }
        return (Family::Network, product);
    }
    if s.classes.len() > 1 {
        let mut rates = [0.0; 2];
        let mut mus = [0.0; 2];
        let mut order: Vec<usize> = (0..2).collect();
        order.sort_by_key(|&k| s.classes[k].priority);
        for p in &s.producers {
            let rank = order.iter().position(|&k| k == p.class).unwrap();
            rates[rank] += 1.0 / numeric::moments(renewal(p)).0;
            mus[rank] = exponential_rate(&q.service[p.class]);
        }
        let preemptive = q.discipline == Discipline::PriorityPreemptive;
        return (Family::Markov, second::priority(rates, mus, preemptive));
    }
    if q.sharing {
        let Distribution::Hyperexponential { probs, rates, .. } = service else {
            panic!("{file}: processor sharing is checked for hyperexponential service")
        };
        return (
            Family::Markov,
            second::processor_sharing(lambda, probs, rates),
        );
    }
    let exponential = matches!(service, Distribution::Exponential(..));
    match (q.dispatch.clone(), gaps, exponential) {
        (DispatchKind::RoundRobin, Distribution::Exponential(..), true) => {
            // One consumer sees every c-th arrival: phases of the Poisson stream.
            let one = second::erlang_arrivals(lambda, c, exponential_rate(service), 1);
            (Family::Markov, second::copies(one, c))
        }
        (DispatchKind::Random, _, true) if all_poisson => {
            let one = second::markov_station(
                lambda / f64::from(c),
                exponential_rate(service),
                1,
                None,
                true,
            );
            (Family::Markov, second::copies(one, c))
        }
        (DispatchKind::Random, _, false) if all_poisson => {
            let one = second::pollaczek_khinchine(lambda / f64::from(c), service);
            (Family::General, second::copies(one, c))
        }
        (DispatchKind::Shared, _, true) if all_poisson => {
            let capacity = q.capacity.map(|k| k as u32);
            let p99 = capacity.is_none();
            (
                Family::Markov,
                second::markov_station(lambda, exponential_rate(service), c, capacity, p99),
            )
        }
        (DispatchKind::Shared, _, false) if all_poisson && c == 1 => (
            Family::General,
            second::pollaczek_khinchine(lambda, service),
        ),
        (DispatchKind::Shared, _, false) if all_poisson => {
            let Distribution::Deterministic(d) = service else {
                panic!("{file}: several consumers and non-exponential service: only M/D/c")
            };
            (Family::General, second::m_d_c(lambda, *d, c))
        }
        (DispatchKind::Shared, Distribution::Erlang { k, .. }, true) => {
            // Erlang gaps: the CTMC on (messages, arrival phase), for one or several consumers.
            let phase_rate = lambda * f64::from(*k);
            (
                Family::Markov,
                second::erlang_arrivals(phase_rate, *k, exponential_rate(service), c),
            )
        }
        (DispatchKind::Shared, Distribution::Deterministic(_), true) if c == 1 => (
            Family::General,
            second::gi_m_1(gaps, exponential_rate(service)),
        ),
        (DispatchKind::Shared, Distribution::Deterministic(d), true) => (
            Family::General,
            second::d_m_c(*d, exponential_rate(service), c),
        ),
        other => panic!("{file}: no second method for {other:?}"),
    }
}

/// The family of a file, told without computing anything (each test recomputes only its own).
fn family_of(file: &str, s: &Scenario) -> Family {
    let q = &s.queues[0];
    if file.starts_with("approx_") {
        Family::Approximation
    } else if s.queues.len() > 1 || !q.routes.is_empty() {
        Family::Network
    } else if s.classes.len() > 1
        || q.sharing
        || (matches!(q.service[0], Distribution::Exponential(..))
            && !matches!(renewal(&s.producers[0]), Distribution::Deterministic(_)))
    {
        Family::Markov
    } else {
        Family::General
    }
}

/// Recomputes every file of `family` and compares each stated value; returns how many
/// values were checked.
fn check_family(family: Family) -> usize {
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in files() {
        let file = name(&path);
        let s = Scenario::load(&path).unwrap();
        if family_of(&file, &s) != family {
            continue;
        }
        let (f, values) = recompute(&file, &s);
        assert_eq!(f, family, "{file}: family");
        let expected = s
            .expected
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no [expected]"));
        assert_eq!(
            expected.kind == ExpectedKind::Approximation,
            family == Family::Approximation,
            "{file}: kind"
        );
        for &(metric, stated) in &expected.values {
            let Some(&second) = values.get(metric.name()) else {
                failures.push(format!("{file}: {} is not recomputed", metric.name()));
                continue;
            };
            let err = (second - stated).abs() / stated.abs();
            checked += 1;
            if err.is_nan() || err > TOLERANCE {
                failures.push(format!(
                    "{file}: {} stated {stated}, second method {second} ({err:.2e})",
                    metric.name()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    checked
}

#[test]
fn markovian_values_match_their_chains() {
    assert!(check_family(Family::Markov) >= 80);
}

#[test]
fn general_values_match_integration_roots_and_embedded_chains() {
    assert!(check_family(Family::General) >= 60);
}

#[test]
fn network_values_match_the_whole_chain_and_the_product_form() {
    assert!(check_family(Family::Network) >= 25);
}

#[test]
fn approximation_values_match_their_published_formulas() {
    assert!(check_family(Family::Approximation) >= 11);
}

/// Every validation file states T (and its source), and its family is one of the above.
#[test]
fn every_file_states_values_with_a_source() {
    let all = files();
    assert_eq!(all.len(), 44, "the suite has 44 files");
    for path in all {
        let s = Scenario::load(&path).unwrap();
        let e = s.expected.expect("[expected]");
        assert!(e.source.len() > 20, "{}: a real source", name(&path));
        assert!(
            e.values.iter().any(|(m, _)| m.name() == "T"),
            "{}: T",
            name(&path)
        );
    }
}
