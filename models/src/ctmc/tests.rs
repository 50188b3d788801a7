//! The station chain against closed forms and against chains written out independently here.

use super::station::{Level, Order, Phases, Routing, Station};
use super::{ChainFigures, solve_station};
use crate::{ErlangA, GiM1, MG1, MMc, MMcK, NonPreemptivePriority, PriorityClass, testkit};

fn station(rate: f64, service: Phases, speeds: &[f64], routing: Routing) -> Station {
    Station {
        levels: vec![Level { rate, service }],
        speeds: speeds.to_vec(),
        routing,
        order: Order::Fifo,
        capacity: None,
        patience: None,
    }
}

fn solve(s: Station) -> ChainFigures {
    solve_station(s, 2_000_000).expect("the chain solves")
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} against {b}");
}

/// Flatto & McKean (1977): JSQ over two consumers at λ = 1.62, μ = 0.97 has T = 3.601138.
#[test]
fn jsq_over_two_matches_flatto_mckean() {
    let f = solve(station(
        1.62,
        Phases::exponential(1.0 / 0.97),
        &[1.0, 1.0],
        Routing::Jsq,
    ));
    close(f.system.t, 3.601138, 1e-6, "T");
    close(f.system.utilization, 1.62 / 1.94, 1e-9, "utilisation");
}

/// JSQ over three consumers of speeds 0.5, 1, 1.5 against the chain on the three held counts
/// written out on a fixed grid and solved by the test kit.
#[test]
fn jsq_over_unequal_speeds_matches_a_chain_written_here() {
    let (lambda, mu) = (2.0, [0.5, 1.0, 1.5]);
    let f = solve(station(lambda, Phases::exponential(1.0), &mu, Routing::Jsq));
    let n = 40usize;
    let idx = |s: [usize; 3]| (s[0] * n + s[1]) * n + s[2];
    let mut tr = Vec::new();
    for code in 0..n * n * n {
        let s = [code / (n * n), code / n % n, code % n];
        let m = *s.iter().min().unwrap();
        let ties: Vec<usize> = (0..3).filter(|&k| s[k] == m).collect();
        for &k in &ties {
            if s[k] + 1 < n {
                let mut t = s;
                t[k] += 1;
                tr.push((idx(s), idx(t), lambda / ties.len() as f64));
            }
        }
        for k in 0..3 {
            if s[k] > 0 {
                let mut t = s;
                t[k] -= 1;
                tr.push((idx(s), idx(t), mu[k]));
            }
        }
    }
    let pi = testkit::stationary(n * n * n, &tr);
    let l: f64 = (0..n * n * n)
        .map(|code| pi[code] * (code / (n * n) + code / n % n + code % n) as f64)
        .sum();
    close(f.system.t, l / lambda, 1e-6, "T");
}

/// Power-of-2 over six alike consumers against the chain on how many consumers hold each
/// count: an arrival joins a consumer holding j when the least of its sample is j, with
/// probability [C(a_j, 2) − C(a_{j+1}, 2)] / C(6, 2), a_j consumers holding at least j.
#[test]
fn power_of_two_over_six_matches_a_chain_written_here() {
    let (lambda, mu, cap) = (6.0 * 0.7, 1.0, 16u8);
    let f = solve(station(
        lambda,
        Phases::exponential(1.0 / mu),
        &[1.0; 6],
        Routing::PowerOfD(2),
    ));
    let pairs = |a: usize| (a * a.saturating_sub(1) / 2) as f64;
    let (states, pi) = testkit::solve([0u8; 6], |s: &[u8; 6]| {
        let at_least = |j: u8| s.iter().filter(|&&h| h >= j).count();
        let mut out = Vec::new();
        let mut held: Vec<u8> = s.to_vec();
        held.dedup();
        for &j in &held {
            let p = (pairs(at_least(j)) - pairs(at_least(j + 1))) / pairs(6);
            let k = s.iter().position(|&h| h == j).unwrap();
            if p > 0.0 && j < cap {
                let mut t = *s;
                t[k] += 1;
                t.sort_unstable();
                out.push((t, lambda * p));
            }
            if j > 0 {
                let mut t = *s;
                t[k] -= 1;
                t.sort_unstable();
                let count = s.iter().filter(|&&h| h == j).count() as f64;
                out.push((t, mu * count));
            }
        }
        out
    });
    let l: f64 = states
        .iter()
        .zip(&pi)
        .map(|(s, p)| p * s.iter().map(|&h| f64::from(h)).sum::<f64>())
        .sum();
    close(f.system.t, l / lambda, 1e-6, "T");
}

/// Alike consumers sharing a queue are M/M/c (Erlang C); with a capacity, M/M/c/K; one
/// consumer with Erlang or hyperexponential service, M/G/1 (Pollaczek–Khinchine).
#[test]
fn shared_queues_match_the_closed_forms() {
    let f = solve(station(
        3.2,
        Phases::exponential(1.0),
        &[1.0; 4],
        Routing::Shared,
    ));
    let mmc = MMc::new(3.2, 1.0, 4).unwrap().measures();
    close(f.system.t, mmc.t, 1e-7, "M/M/4 T");
    close(
        f.system.p_wait.unwrap(),
        mmc.p_wait.unwrap(),
        1e-8,
        "M/M/4 p_wait",
    );
    let mut bounded = station(3.5, Phases::exponential(1.0), &[1.0; 3], Routing::Shared);
    bounded.capacity = Some(8);
    let f = solve(bounded);
    let mmck = MMcK::new(3.5, 1.0, 3, 8).unwrap().measures();
    close(f.system.t, mmck.t, 1e-9, "M/M/3/8 T");
    close(f.system.p_loss, mmck.p_loss, 1e-10, "M/M/3/8 p_loss");
    for (service, scv) in [
        (Phases::erlang(3, 1.0), 1.0 / 3.0),
        (Phases::hyperexponential(&[0.2, 0.8], &[0.4, 1.6]), {
            let m2 = 2.0 * (0.2 / 0.16 + 0.8 / 2.56);
            m2 - 1.0
        }),
    ] {
        assert!((service.mean() - 1.0).abs() < 1e-12);
        let f = solve(station(0.7, service, &[1.0], Routing::Shared));
        close(
            f.system.t,
            MG1::new(0.7, 1.0, scv).unwrap().measures().t,
            1e-7,
            "M/G/1 T",
        );
    }
}

/// Consumers of nearly equal speeds are tracked one by one (and which idle one is woken
/// matters): the figures must tend to M/M/c/K's.
#[test]
fn consumers_tracked_one_by_one_tend_to_mmck() {
    let mut s = station(
        2.5,
        Phases::exponential(1.0),
        &[1.0, 1.0, 1.0 + 1e-9],
        Routing::Shared,
    );
    s.capacity = Some(8);
    let f = solve(s);
    let mmck = MMcK::new(2.5, 1.0, 3, 8).unwrap().measures();
    close(f.system.t, mmck.t, 1e-7, "T");
    close(f.system.p_loss, mmck.p_loss, 1e-8, "p_loss");
}

/// Random dispatch is c independent M/M/1 queues; round-robin over two is E2/M/1.
#[test]
fn splits_match_their_closed_forms() {
    let f = solve(station(
        1.6,
        Phases::exponential(1.0),
        &[1.0, 1.0],
        Routing::Random,
    ));
    close(f.system.t, 1.0 / (1.0 - 0.8), 1e-7, "random T");
    let f = solve(station(
        1.6,
        Phases::exponential(1.0),
        &[1.0, 1.0],
        Routing::RoundRobin,
    ));
    let rr = GiM1::round_robin(1.6, 1.0, 2).unwrap().measures();
    close(f.system.t, rr.t, 1e-7, "round-robin T");
}

/// Exponential patience on a shared queue is Erlang-A.
#[test]
fn patience_matches_erlang_a() {
    let mut s = station(4.0, Phases::exponential(1.0), &[1.0; 3], Routing::Shared);
    s.patience = Some(0.5);
    let f = solve(s);
    let a = ErlangA::new(4.0, 1.0, 3, 0.5).unwrap().measures();
    close(f.system.t, a.all.t, 1e-7, "T");
    close(f.system.wq, a.all.wq, 1e-7, "Wq");
    close(f.p_abandon.unwrap(), a.p_abandon, 1e-8, "p_abandon");
    close(f.system.throughput, a.all.throughput, 1e-7, "throughput");
}

/// Priorities: non-preemptive over one consumer is Cobham's formula; preemptive over two
/// alike consumers with equal service leaves the urgent class an M/M/2 of its own and the
/// total an M/M/2 (the order does not change the number in system).
#[test]
fn priorities_match_their_closed_forms() {
    let levels = |a: f64, b: f64| {
        vec![
            Level {
                rate: a,
                service: Phases::exponential(1.0),
            },
            Level {
                rate: b,
                service: Phases::exponential(1.0),
            },
        ]
    };
    let mut s = station(0.0, Phases::exponential(1.0), &[1.0], Routing::Shared);
    s.levels = levels(0.3, 0.5);
    s.order = Order::Priority;
    let f = solve(s);
    let class = |rate| PriorityClass {
        rate,
        mean_service: 1.0,
        scv_service: 1.0,
    };
    let cobham = NonPreemptivePriority::new(&[class(0.3), class(0.5)])
        .unwrap()
        .class_measures();
    for (l, m) in cobham.iter().enumerate() {
        close(f.levels[l].unwrap().measures.wq, m.wq, 1e-7, "Cobham Wq");
    }
    let mut s = station(0.0, Phases::exponential(1.0), &[1.0; 2], Routing::Shared);
    s.levels = levels(0.6, 1.0);
    s.order = Order::Preemptive;
    let f = solve(s);
    let urgent = MMc::new(0.6, 1.0, 2).unwrap().measures();
    let total = MMc::new(1.6, 1.0, 2).unwrap().measures();
    close(f.levels[0].unwrap().measures.t, urgent.t, 1e-7, "urgent T");
    let bulk = (1.6 * total.t - 0.6 * urgent.t) / 1.0;
    close(f.levels[1].unwrap().measures.t, bulk, 1e-6, "bulk T");
}

/// A chain larger than the limit is refused, not truncated short.
#[test]
fn a_chain_beyond_the_limit_is_refused() {
    let s = station(7.9, Phases::exponential(1.0), &[1.0; 8], Routing::Jsq);
    assert!(matches!(
        solve_station(s, 1000),
        Err(super::CtmcError::TooLarge { limit: 1000 })
    ));
}
