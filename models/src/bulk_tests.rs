use super::*;
use crate::{MM1, MMc};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

/// Batches of one are M/M/1 and M/M/c.
#[test]
fn single_messages_are_mm1_and_mmc() {
    let one = BatchSize::deterministic(1).unwrap();
    let a = MxM1::new(0.7, 1.0, one.clone()).unwrap().measures();
    let b = MM1::new(0.7, 1.0).unwrap().measures();
    assert!(close(a.l, b.l, 1e-14) && close(a.wq, b.wq, 1e-13));
    assert!(close(a.p_wait.unwrap(), 0.7, 1e-14));
    let chain = MxMc::new(3.6, 1.0, 4, one).unwrap().measures();
    let erlang = MMc::new(3.6, 1.0, 4).unwrap().measures();
    assert!(
        close(chain.l, erlang.l, 1e-10),
        "{} vs {}",
        chain.l,
        erlang.l
    );
    assert!(close(chain.wq, erlang.wq, 1e-10));
    assert!(close(chain.p_wait.unwrap(), erlang.p_wait.unwrap(), 1e-10));
}

/// The M^X/M/1 formula against the level chain with one consumer (two methods).
#[test]
fn formula_against_the_chain() {
    for batch in [
        BatchSize::geometric(3.0).unwrap(),
        BatchSize::deterministic(4).unwrap(),
        BatchSize::empirical(&[1, 2, 2, 5]).unwrap(),
    ] {
        let lambda = 0.85 / batch.mean();
        let f = MxM1::new(lambda, 1.0, batch.clone()).unwrap().measures();
        let q = MxMc::new(lambda, 1.0, 1, batch.clone()).unwrap();
        let c = q.measures();
        for (x, y) in [(f.l, c.l), (f.t, c.t), (f.wq, c.wq), (f.lq, c.lq)] {
            assert!(close(x, y, 1e-9), "{batch:?}: {x} vs {y}");
        }
        assert!(close(f.p_wait.unwrap(), c.p_wait.unwrap(), 1e-10));
        assert!(close(q.distribution()[0], 0.15, 1e-10), "p_0 = 1 − ρ");
    }
}

/// Geometric batches (P(X = k) = (1 − α)α^{k−1}) have a geometric distribution in system:
/// the M^X/M/1 generating function P(z) = (1 − ρ)(1 − z)/((1 − z) − z(1 − X(z))λ/μ)
/// (Gross et al. §3.1) with X(z) = (1 − α)z/(1 − αz) reduces by hand to
/// (1 − ρ)(1 − αz)/(1 − βz), β = α + λ/μ, so p_n = (1 − ρ)(λ/μ)β^{n−1} for n ≥ 1.
#[test]
fn geometric_batches_by_generating_function() {
    let (lambda, mu, mean) = (0.2, 1.0, 4.0);
    let alpha = 1.0 - 1.0 / mean;
    let rho = lambda * mean / mu;
    let beta = alpha + lambda / mu;
    let q = MxMc::new(lambda, mu, 1, BatchSize::geometric(mean).unwrap()).unwrap();
    let p = q.distribution();
    assert!(close(p[0], 1.0 - rho, 1e-12));
    for (n, pn) in p.iter().enumerate().take(60).skip(1) {
        let exact = (1.0 - rho) * lambda / mu * beta.powi(n as i32 - 1);
        assert!(close(*pn, exact, 1e-10), "p_{n} = {pn} vs {exact}");
    }
    // The tail left out is below 1e-12.
    assert!(1.0 - p.iter().sum::<f64>() < 1e-12);
}

/// Stationary distribution of a finite CTMC `(from, to, rate)` by uniformised power
/// iteration, π ← π(I + Q/U), until no entry moves by more than 1e-17. (The testkit's
/// Gauss–Seidel stops too early on these slowly mixing chains: its per-sweep change falls
/// below its threshold long before it has converged.)
fn power_iteration(n: usize, tr: &[(usize, usize, f64)]) -> Vec<f64> {
    let mut out = vec![0.0; n];
    tr.iter().for_each(|&(i, _, r)| out[i] += r);
    let u = out.iter().cloned().fold(0.0, f64::max) * 1.01;
    let mut p = vec![1.0 / n as f64; n];
    for _ in 0..2_000_000 {
        let mut next: Vec<f64> = (0..n).map(|i| p[i] * (1.0 - out[i] / u)).collect();
        tr.iter().for_each(|&(i, j, r)| next[j] += p[i] * r / u);
        let d = next
            .iter()
            .zip(&p)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        p = next;
        if d < 1e-17 {
            break;
        }
    }
    p
}

/// Second method: uniformised power iteration on the generator of the truncated chain
/// (every batch an explicit jump n → n + k), independent of the level-crossing recursion.
#[test]
fn agrees_with_power_iteration_on_the_generator() {
    for (lambda, c, batch) in [
        (0.9, 3, BatchSize::deterministic(3).unwrap()),
        (0.8, 2, BatchSize::empirical(&[1, 3]).unwrap()),
        (1.0, 4, BatchSize::geometric(2.5).unwrap()),
    ] {
        let q = MxMc::new(lambda, 1.0, c, batch.clone()).unwrap();
        let n = q.distribution().len() + 60;
        let mut tr = Vec::new();
        for i in 0..n {
            for k in 1..=(n - 1 - i) as u32 {
                let pk = batch.pmf(k);
                if pk > 0.0 {
                    tr.push((i, i + k as usize, lambda * pk));
                }
            }
            if i > 0 {
                tr.push((i, i - 1, i.min(c as usize) as f64));
            }
        }
        let pi = power_iteration(n, &tr);
        for (a, b) in q.distribution().iter().zip(&pi) {
            assert!((a - b).abs() < 1e-10, "{batch:?}: {a} vs {b}");
        }
        let l: f64 = pi.iter().enumerate().map(|(k, x)| k as f64 * x).sum();
        assert!(close(q.measures().l, l, 1e-9));
    }
}

/// A batch of n on n idle consumers never waits: with c = n and deterministic batches of
/// n, a message waits exactly when its batch finds anyone in system, so P(wait) = 1 − p_0.
#[test]
fn p_wait_by_hand() {
    let q = MxMc::new(0.5, 1.0, 3, BatchSize::deterministic(3).unwrap()).unwrap();
    let p0 = q.distribution()[0];
    // Positions 1..3 of a batch finding n ≥ 1: the third (at least) waits; count by hand.
    let p = q.distribution();
    let no_wait = p0 + p[1] * 2.0 / 3.0 + p[2] / 3.0;
    assert!(close(q.measures().p_wait.unwrap(), 1.0 - no_wait, 1e-14));
}

#[test]
fn batch_sizes_and_errors() {
    let e = BatchSize::empirical(&[2, 1, 2, 5]).unwrap();
    assert_eq!(
        e,
        BatchSize::Empirical(vec![(1, 0.25), (2, 0.5), (5, 0.25)])
    );
    assert!(close(e.mean(), 2.5, 1e-15) && close(e.second_moment(), 8.5, 1e-15));
    let g = BatchSize::geometric(3.0).unwrap();
    let (m1, m2): (f64, f64) = (1..2000)
        .map(|k| (k as f64 * g.pmf(k), (k * k) as f64 * g.pmf(k)))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(close(m1, 3.0, 1e-12) && close(m2, g.second_moment(), 1e-12));
    assert!(close(g.tail(2), 1.0 - g.pmf(1) - g.pmf(2), 1e-14));
    assert!(BatchSize::deterministic(0).is_err());
    assert!(BatchSize::geometric(0.5).is_err());
    assert!(BatchSize::empirical(&[0, 1]).is_err());
    assert!(matches!(
        MxMc::new(0.5, 1.0, 1, BatchSize::deterministic(2).unwrap()),
        Err(ModelError::Unstable { .. })
    ));
    assert!(MxM1::new(0.3, 1.0, BatchSize::deterministic(4).unwrap()).is_err());
}
