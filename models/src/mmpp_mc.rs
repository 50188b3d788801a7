//! MMPP/M/c: Markov-modulated Poisson arrivals into c consumers sharing one FIFO queue, with
//! exponential service — solved exactly (to numerical precision) by the matrix-geometric
//! method.
//!
//! Source: the number in system and the arrival phase form a quasi-birth–death process
//! whose levels from c up repeat, so π_{c+k} = π_c R^k with R the minimal non-negative
//! solution of A₀ + R A₁ + R² A₂ = 0 (M. F. Neuts, *Matrix-Geometric Solutions in Stochastic
//! Models*, Johns Hopkins, 1981, ch. 3). R comes from the matrix G of the logarithmic
//! reduction algorithm (G. Latouche & V. Ramaswami, "A logarithmic reduction algorithm for
//! quasi-birth-death processes", *J. Applied Probability* 30(3), 1993), R = A₀(−A₁ − A₀G)⁻¹
//! (the QBD solver shared with MMPP/PH/1, `qbd.rs`); the levels below c by linear level
//! reduction (Latouche & Ramaswami, *Introduction to Matrix Analytic Methods in Stochastic
//! Modeling*, SIAM, 1999, §10.2). Waiting time of an
//! arrival that finds n ≥ c messages: Erlang(n − c + 1, cμ), the arrival-stationary
//! distribution being π_n Λ 1 / λ̄ (arrivals in phase i at rate λᵢ).

use crate::linalg::{Matrix, add_scaled, diagonal, inverse, mul, row_times, scaled_identity};
use crate::qbd::{dot, left_null_vector, modulated_rate, negate, rate_matrix};
use crate::{Measures, ModelError};

/// An MMPP/M/c queue, solved.
#[derive(Debug, Clone)]
pub struct MmppMc {
    rates: Vec<f64>,
    mu: f64,
    c: u32,
    /// Long-run arrival rate θ·λ.
    lambda: f64,
    /// π_0 … π_c, unnormalised rows of phase probabilities per level.
    levels: Vec<Vec<f64>>,
    /// The rate matrix of the repeating levels.
    r: Matrix,
    /// (I − R)⁻¹.
    tail: Matrix,
    /// The normalising constant of `levels`.
    total: f64,
}

impl MmppMc {
    /// The queue with arrival rate `rates[i]` in phase i of the switching chain whose
    /// generator is `generator` (irreducible, rows summing to 0), `c` consumers of service
    /// rate `mu`. Errors on invalid parameters, and `Unstable` when the long-run rate reaches
    /// cμ.
    pub fn new(rates: &[f64], generator: &[Vec<f64>], mu: f64, c: u32) -> Result<Self, ModelError> {
        let m = rates.len();
        let lambda = modulated_rate(rates, generator)?;
        let invalid = |name, value, reason| {
            Err(ModelError::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        if !(mu.is_finite() && mu > 0.0) {
            return invalid("mu", mu, "must be finite and > 0");
        }
        if c == 0 {
            return invalid("c", 0.0, "needs at least one consumer");
        }
        let rho = lambda / (f64::from(c) * mu);
        if rho >= 1.0 {
            return Err(ModelError::Unstable { rho });
        }
        let up = diagonal(rates);
        // The local block of level n: Q − Λ − min(n, c)μ I.
        let local = |n: u32| {
            add_scaled(
                &add_scaled(generator, -1.0, &up),
                -f64::from(n.min(c)) * mu,
                &scaled_identity(m, 1.0),
            )
        };
        let down = |n: u32| scaled_identity(m, f64::from(n.min(c)) * mu);
        let singular = ModelError::InvalidParameter {
            name: "Q",
            value: m as f64,
            reason: "the chain's blocks are singular",
        };
        let r = rate_matrix(&up, &local(c), &down(c)).ok_or(singular.clone())?;
        // Linear level reduction from c down: R_n = Λ(−L_n − R_{n+1}D_{n+1})⁻¹, so that
        // π_n = π_{n−1} R_n; π_0 solves π_0 (L_0 + R_1 D_1) = 0.
        let mut rs = vec![Matrix::new(); c as usize + 1];
        let mut next = r.clone();
        for n in (1..=c).rev() {
            let a = add_scaled(&local(n), 1.0, &mul(&next, &down(n + 1)));
            let rn = mul(&up, &inverse(&negate(&a)).ok_or(singular.clone())?);
            rs[n as usize] = rn.clone();
            next = rn;
        }
        let zero = add_scaled(&local(0), 1.0, &mul(&rs[1], &down(1)));
        let pi0 = left_null_vector(&zero).ok_or(singular.clone())?;
        let mut levels = vec![pi0];
        for n in 1..=c as usize {
            let next = row_times(&levels[n - 1], &rs[n]);
            levels.push(next);
        }
        let tail = inverse(&add_scaled(&scaled_identity(m, 1.0), -1.0, &r)).ok_or(singular)?;
        let below: f64 = levels[..c as usize].iter().flatten().sum();
        let above: f64 = row_times(&levels[c as usize], &tail).iter().sum();
        Ok(MmppMc {
            rates: rates.to_vec(),
            mu,
            c,
            lambda,
            levels,
            r,
            tail,
            total: below + above,
        })
    }

    /// The long-run arrival rate λ̄ = θ·λ.
    pub fn mean_rate(&self) -> f64 {
        self.lambda
    }

    /// P(N = n) for n ≤ c (the levels below the repeating ones, and the first of them).
    pub fn p_n(&self, n: usize) -> f64 {
        if n <= self.c as usize {
            return self.levels[n].iter().sum::<f64>() / self.total;
        }
        let mut v = self.levels[self.c as usize].clone();
        for _ in self.c as usize..n {
            v = row_times(&v, &self.r);
        }
        v.iter().sum::<f64>() / self.total
    }

    /// Steady-state measures (per message).
    pub fn measures(&self) -> Measures {
        let c = self.c as usize;
        let pc = &self.levels[c];
        // Σ_{k≥0} k π_c R^k = π_c R (I − R)⁻², and Σ_{k≥0} π_c R^k = π_c (I − R)⁻¹.
        let at_or_above = row_times(pc, &self.tail);
        let lq = row_times(&row_times(&row_times(pc, &self.r), &self.tail), &self.tail)
            .iter()
            .sum::<f64>()
            / self.total;
        let wq = lq / self.lambda;
        let s = 1.0 / self.mu;
        // An arrival waits when it finds all c consumers busy: arrivals come at rate λᵢ in
        // phase i, so the chance is Σ_{n≥c} π_n λ / λ̄.
        let p_wait = dot(&at_or_above, &self.rates) / (self.total * self.lambda);
        Measures {
            t: wq + s,
            wq,
            l: lq + self.lambda * s,
            lq,
            utilization: self.lambda * s / f64::from(self.c),
            throughput: self.lambda,
            p_wait: Some(p_wait),
            p_loss: 0.0,
        }
    }

    /// P(Wq > x) for an arriving message: Σ_{j≥0} Poisson(j; cμx)·P(it finds ≥ c + j),
    /// where finding c + k means waiting for k + 1 service completions at rate cμ.
    pub fn wait_survival(&self, x: f64) -> f64 {
        if x < 0.0 {
            return 1.0;
        }
        let rate = f64::from(self.c) * self.mu;
        let mean = rate * x;
        // (I − R)⁻¹λ / (total λ̄): dotted with π_c R^j it gives P(finds ≥ c + j).
        let w: Vec<f64> = self
            .tail
            .iter()
            .map(|row| dot(row, &self.rates) / (self.total * self.lambda))
            .collect();
        let mut v = self.levels[self.c as usize].clone();
        let mut log_term = -mean; // ln Poisson(j; mean), from j = 0
        let mut sum = 0.0;
        let mut j = 0u64;
        loop {
            let found = dot(&v, &w);
            let term = log_term.exp() * found;
            sum += term;
            j += 1;
            if (j as f64 > mean && term < 1e-17) || found < 1e-300 || j > 10_000_000 {
                break;
            }
            log_term += mean.ln() - (j as f64).ln();
            v = row_times(&v, &self.r);
        }
        sum.min(1.0)
    }

    /// The p-quantile of Wq (0 while P(Wq > 0) ≤ 1 − p), by bisection on [`Self::wait_survival`].
    pub fn wait_quantile(&self, p: f64) -> f64 {
        let target = 1.0 - p;
        if self.wait_survival(0.0) <= target {
            return 0.0;
        }
        let mut hi = 1.0 / (f64::from(self.c) * self.mu);
        while self.wait_survival(hi) > target {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.wait_survival(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
        }
        0.5 * (lo + hi)
    }
}

/// The superposition of two independent MMPPs (arrival rates per phase, generator), itself an
/// MMPP on the product of their phases: rates λ_a ⊗ 1 + 1 ⊗ λ_b and generator Q_a ⊕ Q_b, the
/// Kronecker sum (W. Fischer & K. Meier-Hellstern, "The Markov-modulated Poisson process
/// (MMPP) cookbook", *Performance Evaluation* 18(2), 1993, §3.4). A Poisson stream of rate
/// λ is the one-phase MMPP ([λ], [[0]]).
pub fn superpose(a: (&[f64], &[Vec<f64>]), b: (&[f64], &[Vec<f64>])) -> (Vec<f64>, Matrix) {
    let (na, nb) = (a.0.len(), b.0.len());
    let rates = (0..na * nb).map(|s| a.0[s / nb] + b.0[s % nb]).collect();
    let generator = (0..na * nb)
        .map(|s| {
            (0..na * nb)
                .map(|t| {
                    let (i, k, j, l) = (s / nb, s % nb, t / nb, t % nb);
                    let from_a = if k == l { a.1[i][j] } else { 0.0 };
                    let from_b = if i == j { b.1[k][l] } else { 0.0 };
                    from_a + from_b
                })
                .collect()
        })
        .collect();
    (rates, generator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MMc;
    use crate::testkit::stationary as gauss_seidel;

    fn two_state(l1: f64, l2: f64, d1: f64, d2: f64) -> (Vec<f64>, Matrix) {
        (
            vec![l1, l2],
            vec![vec![-1.0 / d1, 1.0 / d1], vec![1.0 / d2, -1.0 / d2]],
        )
    }

    #[test]
    fn equal_rates_are_erlang_c() {
        // Both phases at rate 3: the arrivals are Poisson(3), and MMPP/M/4 is M/M/4.
        let (rates, q) = two_state(3.0, 3.0, 10.0, 2.0);
        let m = MmppMc::new(&rates, &q, 1.0, 4).unwrap().measures();
        let e = MMc::new(3.0, 1.0, 4).unwrap().measures();
        for (a, b) in [(m.t, e.t), (m.wq, e.wq), (m.l, e.l), (m.lq, e.lq)] {
            assert!((a - b).abs() < 1e-10 * b.max(1.0), "{m:?} vs {e:?}");
        }
        assert!((m.p_wait.unwrap() - e.p_wait.unwrap()).abs() < 1e-10);
    }

    /// The truncated CTMC of (number in system, phase), solved by Gauss–Seidel: an
    /// independent route to L, Lq and P(wait).
    fn truncated(rates: &[f64], q: &Matrix, mu: f64, c: usize, levels: usize) -> (f64, f64, f64) {
        let m = rates.len();
        let id = |n: usize, i: usize| n * m + i;
        let mut tr = Vec::new();
        for n in 0..levels {
            for i in 0..m {
                if n + 1 < levels {
                    tr.push((id(n, i), id(n + 1, i), rates[i]));
                }
                if n > 0 {
                    tr.push((id(n, i), id(n - 1, i), n.min(c) as f64 * mu));
                }
                for (j, &rate) in q[i].iter().enumerate() {
                    if j != i {
                        tr.push((id(n, i), id(n, j), rate));
                    }
                }
            }
        }
        let pi = gauss_seidel(levels * m, &tr);
        let lambda: f64 = (0..levels * m).map(|s| pi[s] * rates[s % m]).sum();
        let (mut l, mut lq, mut wait) = (0.0, 0.0, 0.0);
        for n in 0..levels {
            for i in 0..m {
                let p = pi[id(n, i)];
                l += n as f64 * p;
                lq += n.saturating_sub(c) as f64 * p;
                if n >= c {
                    wait += p * rates[i] / lambda;
                }
            }
        }
        (l, lq, wait)
    }

    #[test]
    fn agrees_with_the_truncated_chain() {
        // Bursty: 0.5 for mean 30, then 5 for mean 6 (λ̄ = (15 + 30)/36 = 1.25) on c = 2, μ = 1
        // (ρ = 0.625; the bursts overload the consumers for a while).
        for (c, (rates, q)) in [
            (2, two_state(0.5, 5.0, 30.0, 6.0)),
            (1, two_state(0.2, 1.5, 20.0, 5.0)),
        ] {
            let model = MmppMc::new(&rates, &q, 1.0, c).unwrap();
            let m = model.measures();
            // 1000 levels: the mass beyond (π_n decays as sp(R)^n, ≈ 0.96^n here) is below 1e-16.
            let (l, lq, wait) = truncated(&rates, &q, 1.0, c as usize, 1000);
            assert!(
                (m.l - l).abs() < 1e-7 * l,
                "c = {c}: L {} vs chain {l}",
                m.l
            );
            assert!(
                (m.lq - lq).abs() < 1e-7 * lq,
                "c = {c}: Lq {} vs chain {lq}",
                m.lq
            );
            assert!(
                (m.p_wait.unwrap() - wait).abs() < 1e-8,
                "c = {c}: P(wait) {m:?} vs {wait}"
            );
            let p: f64 = (0..=c as usize).map(|n| model.p_n(n)).sum::<f64>()
                + (c as usize + 1..3000).map(|n| model.p_n(n)).sum::<f64>();
            assert!((p - 1.0).abs() < 1e-9, "probabilities sum to {p}");
        }
    }

    #[test]
    fn wait_quantiles_match_erlang_c_for_poisson_arrivals() {
        // M/M/c: P(Wq > x) = C(c, a) e^{−(cμ − λ)x}.
        let (rates, q) = two_state(3.0, 3.0, 1.0, 1.0);
        let model = MmppMc::new(&rates, &q, 1.0, 4).unwrap();
        let pw = MMc::new(3.0, 1.0, 4).unwrap().p_wait();
        for x in [0.0, 0.5, 2.0, 5.0] {
            let want: f64 = pw * (-(4.0_f64 - 3.0) * x).exp();
            let got = model.wait_survival(x);
            assert!((got - want).abs() < 1e-12, "x = {x}: {got} vs {want}");
        }
        let x99 = model.wait_quantile(0.99);
        assert!((x99 - (pw / 0.01).ln()).abs() < 1e-9, "{x99}");
        assert_eq!(model.wait_quantile(0.1), 0.0);
    }

    #[test]
    fn superposing_a_poisson_stream_adds_its_rate_in_every_phase() {
        let (rates, q) = two_state(0.5, 5.0, 30.0, 6.0);
        let (r, g) = superpose((&rates, &q), (&[2.0], &[vec![0.0]]));
        assert_eq!((r, g), (vec![2.5, 7.0], q.clone()));
        // Two MMPPs: four phases, rows summing to 0, long-run rates adding up.
        let (r, g) = superpose((&rates, &q), (&rates, &q));
        assert_eq!(r, vec![1.0, 5.5, 5.5, 10.0]);
        assert!(g.iter().all(|row| row.iter().sum::<f64>().abs() < 1e-15));
        assert_eq!(g[0][1], 1.0 / 30.0);
        assert_eq!(g[0][2], 1.0 / 30.0);
        assert_eq!(g[0][3], 0.0);
        let one = MmppMc::new(&rates, &q, 1.0, 4).unwrap().mean_rate();
        let two = MmppMc::new(&r, &g, 1.0, 4).unwrap().mean_rate();
        assert!((two - 2.0 * one).abs() < 1e-12, "{one} {two}");
    }

    #[test]
    fn refuses_bad_parameters_and_overload() {
        let (rates, q) = two_state(0.5, 5.0, 30.0, 6.0);
        assert!(matches!(
            MmppMc::new(&rates, &q, 1.0, 1),
            Err(ModelError::Unstable { rho }) if (rho - 1.25).abs() < 1e-12
        ));
        assert!(MmppMc::new(&rates, &q, 0.0, 2).is_err());
        assert!(MmppMc::new(&rates, &q, 1.0, 0).is_err());
        assert!(MmppMc::new(&[1.0], &q, 1.0, 2).is_err());
    }
}
