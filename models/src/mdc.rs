//! M/D/c: Poisson arrivals, constant service time, c consumers sharing one FIFO queue.

use crate::{Measures, ModelError, positive, servers, stable};

/// The M/D/c queue, solved numerically through Crommelin's embedded chain.
///
/// Source: C. D. Crommelin, "Delay probability formulae when the holding times are
/// constant", *Post Office Electrical Engineers Journal* 25, 1932, 41–50; H. C. Tijms, *A First
/// Course in Stochastic Models* (Wiley, 2003), §9.6 (the M/D/c queue). Look at the number in
/// system Q at times t, t + D, t + 2D, … (D the service time): every message in service at t
/// and the next ones up to c in all have left by t + D, and every arrival in (t, t + D] is
/// still there, so Q(t + D) = max(Q(t) − c, 0) + A with A ~ Poisson(λD). The stationary law
/// {p_j} of that chain is the time-average law of the number in system (the grid may start
/// anywhere). Lq = Σ_{j>c} (j − c) p_j, Wq = Lq/λ (Little), P(wait) = Σ_{j≥c} p_j (PASTA).
///
/// Numerical method: the chain is truncated at N states (arrivals beyond N are lumped into
/// N) and solved by the Grassmann–Taksar–Heyman state reduction (W. K. Grassmann, M. I.
/// Taksar, D. P. Heyman, *Operations Research* 33(5), 1985, 1107–1116), which involves no
/// subtractions and is accurate to rounding. N is doubled until the stationary mass in the
/// upper half of the states is below 1e-13; the tail is geometric, so the neglected mass
/// beyond N is then below 1e-13 too — well under the stated precision of 1e-12 on the
/// probabilities. Cost O(N²c) time, O(N²) memory; loads with λD > 700 or needing more than
/// 4096 states (ρ extremely close to 1) are refused.
#[derive(Debug, Clone, PartialEq)]
pub struct MDc {
    lambda: f64,
    d: f64,
    c: u32,
    p: Vec<f64>,
}

/// Largest truncation level tried.
const MAX_STATES: usize = 4096;

impl MDc {
    /// An M/D/c queue with arrival rate `lambda`, constant service time `d` and `c`
    /// consumers. Errors unless λ, d > 0, c ≥ 1, λd < c (and see the limits above).
    pub fn new(lambda: f64, d: f64, c: u32) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let d = positive("d", d)?;
        let c = servers(c)?;
        stable(lambda * d / f64::from(c))?;
        let a = lambda * d;
        if a > 700.0 {
            return Err(ModelError::InvalidParameter {
                name: "lambda*d",
                value: a,
                reason: "the M/D/c solver handles offered loads up to 700 erlangs",
            });
        }
        let mut n = (2 * c as usize + 64).next_power_of_two();
        loop {
            let p = solve_chain(a, c as usize, n);
            let upper: f64 = p[n / 2..].iter().sum();
            if upper < 1e-13 {
                return Ok(Self { lambda, d, c, p });
            }
            if n >= MAX_STATES {
                return Err(ModelError::InvalidParameter {
                    name: "rho",
                    value: a / f64::from(c),
                    reason: "too close to 1 for the M/D/c solver's state-space limit",
                });
            }
            n *= 2;
        }
    }

    /// Stationary probability of `j` messages in the system (time average).
    pub fn p(&self, j: usize) -> f64 {
        self.p.get(j).copied().unwrap_or(0.0)
    }

    /// Probability that an arriving message has to wait: P(Q ≥ c).
    pub fn p_wait(&self) -> f64 {
        self.p[self.c as usize..].iter().sum()
    }

    /// Mean number waiting.
    pub fn lq(&self) -> f64 {
        let c = self.c as usize;
        self.p
            .iter()
            .enumerate()
            .skip(c + 1)
            .map(|(j, p)| (j - c) as f64 * p)
            .sum()
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let wq = self.lq() / self.lambda;
        let utilization = self.lambda * self.d / f64::from(self.c);
        Measures::from_wait(self.lambda, self.d, wq, utilization, Some(self.p_wait()))
    }
}

/// Poisson(a) probabilities a_0 … a_{m−1} and their upper tails Σ_{k≥n} a_k.
fn poisson(a: f64, m: usize) -> (Vec<f64>, Vec<f64>) {
    // Far enough that the terms beyond are below 1e-300 of the total.
    let top = m.max((a + 40.0 * a.sqrt() + 60.0) as usize);
    let mut pmf = Vec::with_capacity(top + 1);
    let mut term = (-a).exp();
    pmf.push(term);
    for k in 1..=top {
        term *= a / k as f64;
        pmf.push(term);
    }
    let mut tail = vec![0.0; top + 2];
    for k in (0..=top).rev() {
        tail[k] = tail[k + 1] + pmf[k];
    }
    pmf.truncate(m);
    tail.truncate(m + 1);
    (pmf, tail)
}

/// Stationary law of Q' = max(Q − c, 0) + Poisson(a) on {0, …, n−1}, overflow lumped in n−1,
/// by GTH state reduction.
fn solve_chain(a: f64, c: usize, n: usize) -> Vec<f64> {
    let (pmf, tail) = poisson(a, n);
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        let base = i.saturating_sub(c);
        for j in base..n - 1 {
            m[i * n + j] = pmf[j - base];
        }
        m[i * n + n - 1] = tail[n - 1 - base];
    }
    let mut s = vec![0.0; n];
    for k in (1..n).rev() {
        let lo = k.saturating_sub(c);
        let sk: f64 = m[k * n + lo..k * n + k].iter().sum();
        s[k] = sk;
        for i in 0..k {
            let f = m[i * n + k] / sk;
            if f != 0.0 {
                for j in lo..k {
                    m[i * n + j] += f * m[k * n + j];
                }
            }
        }
    }
    let mut p = vec![0.0; n];
    p[0] = 1.0;
    for k in 1..n {
        p[k] = (0..k).map(|i| p[i] * m[i * n + k]).sum::<f64>() / s[k];
    }
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= total);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MD1, MMc};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// One consumer: Pollaczek–Khinchine's M/D/1.
    #[test]
    fn one_consumer_is_md1() {
        for rho in [0.1, 0.5, 0.8, 0.95, 0.99] {
            let q = MDc::new(rho / 2.0, 2.0, 1).unwrap().measures();
            let pk = MD1::new(rho / 2.0, 2.0).unwrap().measures();
            assert!(close(q.wq, pk.wq, 1e-9), "rho {rho}: {} vs {}", q.wq, pk.wq);
            assert!(close(q.l, pk.l, 1e-9));
            assert!(close(q.p_wait.unwrap(), rho, 1e-9));
        }
    }

    /// The mean number busy is λD (a check of the whole distribution), and the wait lies
    /// between half the M/M/c wait and the M/M/c wait (deterministic service is less
    /// variable; for c = 1 the ratio is exactly 1/2, and it grows towards 1 with c).
    #[test]
    fn consistent_and_between_mmc_bounds() {
        for &(c, rho) in &[(2u32, 0.5), (3, 0.9), (5, 0.8), (10, 0.95), (20, 0.7)] {
            let lambda = rho * f64::from(c);
            let q = MDc::new(lambda, 1.0, c).unwrap();
            let busy: f64 = (0..q.p.len())
                .map(|j| j.min(c as usize) as f64 * q.p(j))
                .sum();
            assert!(close(busy, lambda, 1e-11), "c={c}: busy {busy}");
            let m = q.measures();
            let mmc = MMc::new(lambda, 1.0, c).unwrap().measures();
            assert!(m.wq > 0.5 * mmc.wq && m.wq < mmc.wq, "c={c}: {}", m.wq);
            assert!(m.p_wait.unwrap() < mmc.p_wait.unwrap());
        }
    }

    /// Independent method for c = 2: Crommelin's root solution. With P(z) the generating
    /// function of Q, P(z)(z^c − A(z)) = A(z) Σ_{k<c} p_k (z^c − z^k), A(z) = e^{λD(z−1)}.
    /// The root z₁ ∈ (−1, 0) of z² = A(z) and P(1) = 1 give p_0, p_1:
    /// p_0(z₁² − 1) + p_1(z₁² − z₁) = 0 and 2p_0 + p_1 = 2 − λD; L'Hôpital twice at z = 1 gives
    /// E[Q] = (N''D' − N'D'')/(2D'²) with N = A·B, D = z^c − A, B = Σ p_k (z^c − z^k).
    #[test]
    fn two_consumers_match_crommelin_roots() {
        for a in [0.4, 1.2, 1.8, 1.96] {
            let f = |z: f64| z + (a * (z - 1.0) / 2.0).exp();
            let (mut lo, mut hi) = (-1.0, 0.0);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if f(mid) < 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let z = 0.5 * (lo + hi);
            // p0 (z² − 1) + p1 (z² − z) = 0  ⇒  p1 = p0 (1 − z²)/(z² − z).
            let r = (1.0 - z * z) / (z * z - z);
            let p0 = (2.0 - a) / (2.0 + r);
            let p1 = r * p0;
            let b1 = 2.0 * p0 + p1;
            let b2 = 2.0 * p0 + 2.0 * p1; // Σ p_k (c(c−1) − k(k−1))
            let (d1, d2) = (2.0 - a, 2.0 - a * a);
            let (n1, n2) = (b1, 2.0 * a * b1 + b2);
            let eq = (n2 * d1 - n1 * d2) / (2.0 * d1 * d1);
            let q = MDc::new(a, 1.0, 2).unwrap();
            assert!(close(q.p(0), p0, 1e-9), "a={a}: p0 {} vs {p0}", q.p(0));
            assert!(close(q.p(1), p1, 1e-9), "a={a}: p1 {} vs {p1}", q.p(1));
            assert!(
                close(q.lq(), eq - a, 1e-8),
                "a={a}: Lq {} vs {}",
                q.lq(),
                eq - a
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MDc::new(2.0, 1.0, 2),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            MDc::new(1.0, 1.0, 0),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
