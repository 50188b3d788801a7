//! Tests of [`super`]: exact MVA against published tables and an independently solved
//! Markov chain; the approximations against exact MVA.

use super::*;
use crate::MachineRepair;

/// The stationary distribution of a small CTMC by Gaussian elimination on πQ = 0, Σπ = 1
/// (Gauss–Seidel sweeps converge too slowly on this cyclic chain).
fn dense_stationary(n: usize, transitions: &[(usize, usize, f64)]) -> Vec<f64> {
    let mut a = vec![vec![0.0; n]; n];
    for &(i, j, r) in transitions {
        a[j][i] += r;
        a[i][i] -= r;
    }
    a[n - 1] = vec![1.0; n];
    let mut b = vec![0.0; n];
    b[n - 1] = 1.0;
    crate::linalg::solve(&a, &b).expect("an irreducible chain")
}

fn queue(visits: f64, service: f64, c: u32) -> Station {
    Station {
        visits,
        service,
        scv: 1.0,
        servers: Servers::Queue(c),
    }
}

fn assert_near(what: &str, got: &[f64], want: &[f64], tol: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{what}[{i}]: {g} vs the table's {w}");
    }
}

/// R. Jain, *The Art of Computer Systems Performance Analysis* (Wiley, 1991), Example 34.2
/// (p. 577): a timesharing system of 20 users, think time 4 s; CPU S = 0.125 s with 16 visits,
/// disk A S = 0.3 s with 10 visits, disk B S = 0.2 s with 5 visits. The book's table at N =
/// 20: response per visit 0.373, 4.854, 0.300 s; queue lengths 1.991, 16.177, 0.500 (the
/// values as transcribed in the test suite of M. Marzolla's Octave `queueing` package,
/// qncsmva.m). Three decimals: tolerance 1e-3.
fn jain() -> ClosedNetwork {
    ClosedNetwork {
        clients: 20,
        think: 4.0,
        stations: vec![
            queue(16.0, 0.125, 1),
            queue(10.0, 0.3, 1),
            queue(5.0, 0.2, 1),
        ],
    }
}

#[test]
fn exact_mva_matches_jain_example_34_2() {
    let m = exact_mva(&jain()).unwrap();
    let r: Vec<f64> = m.stations.iter().map(|s| s.response).collect();
    let q: Vec<f64> = m.stations.iter().map(|s| s.queue).collect();
    assert_near("R", &r, &[0.373, 4.854, 0.300], 1e-3);
    assert_near("Q", &q, &[1.991, 16.177, 0.500], 1e-3);
}

/// G. Bolch, S. Greiner, H. de Meer & K. S. Trivedi, *Queueing Networks and Markov Chains*
/// (Wiley, 1998), Example 8.4 (p. 333): N = 3; station 1 has 2 servers of S = 0.5, stations
/// 2 and 3 one server of S = 0.6 and 0.8, station 4 is an infinite server of S = 1; visits
/// 1, 0.5, 0.5, 1. The book's results: Q = 0.624, 0.473, 0.686, 1.217; X = 1.218, 0.609,
/// 0.609, 1.218; utilisations of stations 1–3 0.304, 0.365, 0.487 (as transcribed in the
/// Octave `queueing` package's tests; the same network is Example 8.7, p. 349, with
/// R = 0.512, 0.776, 1.127, 1).
#[test]
fn exact_mva_matches_bolch_example_8_4() {
    let net = ClosedNetwork {
        clients: 3,
        think: 0.0,
        stations: vec![
            queue(1.0, 0.5, 2),
            queue(0.5, 0.6, 1),
            queue(0.5, 0.8, 1),
            Station {
                visits: 1.0,
                service: 1.0,
                scv: 1.0,
                servers: Servers::Delay,
            },
        ],
    };
    let m = exact_mva(&net).unwrap();
    let get = |f: fn(&StationMeasures) -> f64| m.stations.iter().map(f).collect::<Vec<f64>>();
    assert_near("Q", &get(|s| s.queue), &[0.624, 0.473, 0.686, 1.217], 1e-3);
    assert_near(
        "X",
        &get(|s| s.throughput),
        &[1.218, 0.609, 0.609, 1.218],
        1e-3,
    );
    assert_near(
        "U",
        &get(|s| s.utilization)[..3],
        &[0.304, 0.365, 0.487],
        1e-3,
    );
    assert_near("R", &get(|s| s.response), &[0.512, 0.776, 1.127, 1.0], 1e-3);
}

/// Bolch et al. (1998), Example 8.1 (p. 318), solved there by convolution: N = 3; station 1
/// has 2 servers of rate 0.8, station 2 three of rate 0.6, station 3 one of rate 0.4; visits
/// 1, 0.667, 0.2. The book's results: X = 0.945, 0.630, 0.189; Q = 1.290, 1.050, 0.660;
/// R = 1.366, 1.667, 3.496 (Octave `queueing`, qncsconvld.m's tests).
#[test]
fn exact_mva_matches_bolch_example_8_1() {
    let net = ClosedNetwork {
        clients: 3,
        think: 0.0,
        stations: vec![
            queue(1.0, 1.0 / 0.8, 2),
            queue(0.667, 1.0 / 0.6, 3),
            queue(0.2, 1.0 / 0.4, 1),
        ],
    };
    let m = exact_mva(&net).unwrap();
    let get = |f: fn(&StationMeasures) -> f64| m.stations.iter().map(f).collect::<Vec<f64>>();
    assert_near("X", &get(|s| s.throughput), &[0.945, 0.630, 0.189], 1e-3);
    assert_near("Q", &get(|s| s.queue), &[1.290, 1.050, 0.660], 1e-3);
    assert_near("R", &get(|s| s.response), &[1.366, 1.667, 3.496], 1e-3);
}

/// A think station, a 2-server station and a 1-server station in tandem (every message
/// visits station 1 then station 2, V = 1, 1), with N = 6: the Markov chain of (n₁, n₂)
/// built transition by transition and solved numerically — a route independent of MVA.
#[test]
fn exact_mva_matches_the_markov_chain_of_a_tandem() {
    let (n, z, s1, s2) = (6usize, 2.0, 0.7, 0.4);
    // States a + b ≤ n only, numbered in order.
    let index = |a: usize, b: usize| a * (n + 1) - a * (a.saturating_sub(1)) / 2 + b;
    let mut t = Vec::new();
    for a in 0..=n {
        for b in 0..=n - a {
            let thinking = n - a - b;
            if thinking > 0 {
                t.push((index(a, b), index(a + 1, b), thinking as f64 / z));
            }
            if a > 0 {
                t.push((index(a, b), index(a - 1, b + 1), a.min(2) as f64 / s1));
            }
            if b > 0 {
                t.push((index(a, b), index(a, b - 1), 1.0 / s2));
            }
        }
    }
    let pi = dense_stationary((n + 1) * (n + 2) / 2, &t);
    let (mut q1, mut q2, mut busy2) = (0.0, 0.0, 0.0);
    for a in 0..=n {
        for b in 0..=n - a {
            let p = pi[index(a, b)];
            q1 += a as f64 * p;
            q2 += b as f64 * p;
            busy2 += if b > 0 { p } else { 0.0 };
        }
    }
    let x = busy2 / s2;
    let net = ClosedNetwork {
        clients: n as u32,
        think: z,
        stations: vec![queue(1.0, s1, 2), queue(1.0, s2, 1)],
    };
    let m = exact_mva(&net).unwrap();
    assert!(
        (m.throughput - x).abs() < 1e-9 * x,
        "{} vs {x}",
        m.throughput
    );
    assert!((m.stations[0].queue - q1).abs() < 1e-9);
    assert!((m.stations[1].queue - q2).abs() < 1e-9);
}

/// The machine-repairman closed form (Kleinrock §3.10) is the two-station network of the
/// think time and one c-server queue: both routes agree, N up to 200 (at a utilisation
/// of about 0.8; near saturation with many clients the subtraction p(0 | n) = 1 − Σ p(j | n) of
/// load-dependent MVA loses digits — Bolch et al. 1998 §8.2.4 — so the single-queue
/// theory uses the closed form).
#[test]
fn exact_mva_agrees_with_the_machine_repairman_closed_form() {
    for &(n, z, s, c) in &[
        (20u32, 1.0, 0.125, 2u32),
        (200, 1.0, 0.02, 5),
        (7, 0.3, 1.0, 3),
    ] {
        let net = ClosedNetwork {
            clients: n,
            think: z,
            stations: vec![queue(1.0, s, c)],
        };
        let m = exact_mva(&net).unwrap();
        let r = MachineRepair::new(n, z, 1.0 / s, c).unwrap().measures();
        assert!((m.throughput - r.throughput).abs() < 1e-9 * r.throughput);
        assert!((m.response - r.t).abs() < 1e-9 * r.t);
        assert!((m.stations[0].utilization - r.utilization).abs() < 1e-9);
    }
}

/// Bard–Schweitzer within 5% of exact MVA in throughput and 20% in each queue length on
/// Jain's example (bounds fixed before the numbers were seen: its errors are usually a few
/// percent, Lazowska et al. 1984 §6.4.2), and Linearizer closer than it on every figure.
/// (They give X = 0.32976 and 0.33279 against the exact 0.33325: 1.05% and 0.14% low.)
#[test]
fn approximations_are_close_and_linearizer_closer() {
    let net = jain();
    let exact = exact_mva(&net).unwrap();
    let bs = bard_schweitzer(&net).unwrap();
    let lin = linearizer(&net).unwrap();
    let rel = |a: f64, b: f64| (a - b).abs() / b;
    let x_bs = rel(bs.throughput, exact.throughput);
    let x_lin = rel(lin.throughput, exact.throughput);
    assert!(x_bs < 0.05, "Bard–Schweitzer X off by {x_bs}");
    assert!(
        x_lin < x_bs,
        "Linearizer X off by {x_lin}, Bard–Schweitzer {x_bs}"
    );
    for k in 0..3 {
        let (e, b, l) = (
            exact.stations[k].queue,
            bs.stations[k].queue,
            lin.stations[k].queue,
        );
        assert!(rel(b, e) < 0.2, "station {k}: Bard–Schweitzer Q {b} vs {e}");
        assert!(
            rel(l, e) < rel(b, e),
            "station {k}: Linearizer Q {l}, BS {b}, exact {e}"
        );
    }
}

/// With one client nothing ever waits: every method gives X = 1/(Z + ΣD).
#[test]
fn one_client_is_exact_everywhere() {
    let net = ClosedNetwork {
        clients: 1,
        ..jain()
    };
    let want = 1.0 / (4.0 + 16.0 * 0.125 + 3.0 + 1.0);
    for m in [
        exact_mva(&net).unwrap(),
        bard_schweitzer(&net).unwrap(),
        linearizer(&net).unwrap(),
    ] {
        assert!((m.throughput - want).abs() < 1e-9);
    }
}

/// A multi-server station makes exact MVA O(N²): beyond 10⁴ clients it refuses, naming N,
/// rather than run for hours; single-server networks take any N.
#[test]
fn exact_mva_refuses_too_many_clients_at_a_multi_server_station() {
    let net = |servers, clients| ClosedNetwork {
        clients,
        think: 1.0,
        stations: vec![Station {
            visits: 1.0,
            service: 0.1,
            scv: 1.0,
            servers,
        }],
    };
    assert!(matches!(
        exact_mva(&net(Servers::Queue(2), 20_000)),
        Err(ModelError::InvalidParameter { name: "N", .. })
    ));
    assert!(exact_mva(&net(Servers::Queue(2), 10_000)).is_ok());
    assert!(exact_mva(&net(Servers::Queue(1), 1_000_000)).is_ok());
}
