//! M/M/c/K: Poisson arrivals, exponential service, c consumers, room for K messages in all.

use crate::{Measures, ModelError, invert_survival, positive, servers};

/// Largest system capacity K accepted (the stationary distribution is stored, one f64 per state).
pub const MAX_CAPACITY: u32 = 10_000_000;

/// The M/M/c/K queue: a message arriving to find K messages in the system (waiting or in
/// service) is lost.
///
/// Source: D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris, *Fundamentals of Queueing
/// Theory* (4th ed., Wiley, 2008), §2.5 "Queues with truncation" (M/M/1/K and M/M/c/K);
/// also Kleinrock, *Queueing Systems, Vol. 1* (1975), §3.6. With a = λ/μ,
/// p_n = p_0·aⁿ/n! for n ≤ c and p_n = p_0·aⁿ/(c!·c^{n−c}) for c < n ≤ K; the loss probability is p_K (PASTA), the accepted rate λ(1 − p_K), and
/// T, Wq follow from L, Lq by Little's law applied to accepted messages. A finite system
/// always has a steady state, so any λ > 0 is allowed (ρ = λ/(cμ) may exceed 1).
///
/// The FIFO waiting time of an accepted message that finds n ≥ c messages is Erlang(n − c + 1,
/// cμ) (Gross & Harris §2.5); the sojourn time adds an independent
/// Exp(μ) service. Both distributions are evaluated exactly by uniformisation at rate cμ.
#[derive(Debug, Clone, PartialEq)]
pub struct MMcK {
    lambda: f64,
    mu: f64,
    c: u32,
    k: u32,
    /// Stationary distribution p_0..p_K of the number in system.
    p: Vec<f64>,
}

impl MMcK {
    /// An M/M/c/K queue; errors unless the rates are positive, c ≥ 1 and c ≤ K ≤
    /// [`MAX_CAPACITY`].
    pub fn new(lambda: f64, mu: f64, c: u32, k: u32) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        if k < c || k > MAX_CAPACITY {
            return Err(ModelError::InvalidParameter {
                name: "K",
                value: f64::from(k),
                reason: "system capacity must satisfy c <= K <= 10^7",
            });
        }
        // Unnormalised log-weights, so that ρ > 1 with large K cannot overflow.
        let mut logw = Vec::with_capacity(k as usize + 1);
        logw.push(0.0);
        for n in 1..=k {
            let servers = f64::from(n.min(c));
            let prev = logw[n as usize - 1];
            logw.push(prev + (lambda / (servers * mu)).ln());
        }
        let max = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut p: Vec<f64> = logw.iter().map(|w| (w - max).exp()).collect();
        let z: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= z);
        Ok(Self {
            lambda,
            mu,
            c,
            k,
            p,
        })
    }

    /// Stationary probabilities p_0..p_K of the number of messages in the system.
    pub fn distribution(&self) -> &[f64] {
        &self.p
    }

    /// Probability that an arriving message is lost, p_K.
    pub fn p_loss(&self) -> f64 {
        self.p[self.k as usize]
    }

    /// Steady-state measures; T, Wq and `p_wait` are those of accepted messages.
    pub fn measures(&self) -> Measures {
        let c = self.c as usize;
        let l: f64 = self.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        let lq: f64 = self.p[c..]
            .iter()
            .enumerate()
            .map(|(i, x)| i as f64 * x)
            .sum();
        let p_loss = self.p_loss();
        let throughput = self.lambda * (1.0 - p_loss);
        let k = self.k as usize;
        let p_wait = self.p[c..k].iter().sum::<f64>() / (1.0 - p_loss);
        Measures {
            t: l / throughput,
            wq: lq / throughput,
            l,
            lq,
            utilization: throughput / (f64::from(self.c) * self.mu),
            throughput,
            p_wait: Some(p_wait),
            p_loss,
        }
    }

    /// a_j: probability that an accepted message must wait for j service completions
    /// (it found c − 1 + j messages, j ≥ 1; j = 0 means it found a free consumer).
    fn phases(&self) -> Vec<f64> {
        let (c, k) = (self.c as usize, self.k as usize);
        let accepted = 1.0 - self.p_loss();
        let mut a = vec![0.0; k - c + 1];
        a[0] = self.p[..c].iter().sum::<f64>() / accepted;
        for n in c..k {
            a[n - c + 1] = self.p[n] / accepted;
        }
        a
    }

    /// Poisson(x) probabilities for j = 0..=j_max, computed in log space.
    fn poisson(x: f64, j_max: usize) -> Vec<f64> {
        if x == 0.0 {
            let mut v = vec![0.0; j_max + 1];
            v[0] = 1.0;
            return v;
        }
        let lx = x.ln();
        let mut logp = -x;
        let mut v = Vec::with_capacity(j_max + 1);
        for j in 0..=j_max {
            if j > 0 {
                logp += lx - (j as f64).ln();
            }
            v.push(logp.exp());
        }
        v
    }

    /// P(Wq > t) for an accepted message under FIFO.
    pub fn wait_survival(&self, t: f64) -> f64 {
        let a = self.phases();
        let x = f64::from(self.c) * self.mu * t.max(0.0);
        // Wq > t iff fewer than j completions of the Poisson(cμ) clock by t.
        let pois = Self::poisson(x, a.len());
        let mut tail = 0.0; // Σ_{j > i} a_j
        let mut total = 0.0;
        for i in (0..a.len()).rev() {
            total += pois[i] * tail;
            tail += a[i];
        }
        total
    }

    /// P(T > t) for an accepted message under FIFO (wait plus an independent Exp(μ) service).
    pub fn sojourn_survival(&self, t: f64) -> f64 {
        let a = self.phases();
        let x = f64::from(self.c) * self.mu * t.max(0.0);
        // Uniformised at rate cμ, the final Exp(μ) phase ends at each tick with probability
        // 1/c, so T > t iff N(t) < j + G with G ~ Geometric(1/c) on {1, 2, …}.
        let r = 1.0 - 1.0 / f64::from(self.c);
        let j_max = a.len().max((x + 40.0 * x.sqrt() + 60.0).ceil() as usize);
        let pois = Self::poisson(x, j_max);
        let mut upper: f64 = 1.0; // Σ_{i ≥ j} a_i
        let mut below = 0.0; // Σ_{i < j} a_i r^{j−i}
        let mut total = 0.0;
        for (j, pj) in pois.iter().enumerate() {
            if j > 0 {
                let aj = a.get(j - 1).copied().unwrap_or(0.0);
                below = r * (below + aj);
                upper -= aj;
            }
            total += pj * (upper.max(0.0) + below);
        }
        total.min(1.0)
    }

    /// The p-quantile of the FIFO waiting time of accepted messages.
    pub fn wait_quantile(&self, p: f64) -> f64 {
        invert_survival(p, |t| self.wait_survival(t))
    }

    /// The p-quantile of the FIFO sojourn time of accepted messages.
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        invert_survival(p, |t| self.sojourn_survival(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExpTailQueue;
    use crate::MMc;
    use crate::mmc::erlang_b;
    use statrs::function::gamma::gamma_ur;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Gross & Harris (4th ed.), §2.5, M/M/1/K closed forms:
    /// p_K = (1−ρ)ρ^K/(1−ρ^{K+1}), L = ρ/(1−ρ) − (K+1)ρ^{K+1}/(1−ρ^{K+1}).
    #[test]
    fn mm1k_closed_form() {
        for &(lambda, k) in &[(0.8, 5u32), (1.5, 7), (0.3, 1), (0.95, 40)] {
            let rho: f64 = lambda;
            let q = MMcK::new(lambda, 1.0, 1, k).unwrap();
            let m = q.measures();
            let kk = f64::from(k);
            let pk = (1.0 - rho) * rho.powf(kk) / (1.0 - rho.powf(kk + 1.0));
            let l =
                rho / (1.0 - rho) - (kk + 1.0) * rho.powf(kk + 1.0) / (1.0 - rho.powf(kk + 1.0));
            assert!(close(m.p_loss, pk, 1e-12), "p_K {} vs {pk}", m.p_loss);
            assert!(close(m.l, l, 1e-12), "L {} vs {l}", m.l);
            assert!(close(m.throughput, lambda * (1.0 - pk), 1e-12));
            // One server: utilisation = 1 − p_0.
            assert!(close(m.utilization, 1.0 - q.distribution()[0], 1e-12));
        }
    }

    /// Hand computation, λ = 2, μ = 1, c = 1, K = 3 (ρ = 2, overloaded but finite):
    /// p ∝ (1, 2, 4, 8)/15, so p_loss = 8/15, throughput = 14/15, L = 34/15, Lq = 20/15.
    #[test]
    fn overloaded_finite_system_by_hand() {
        let m = MMcK::new(2.0, 1.0, 1, 3).unwrap().measures();
        assert!(close(m.p_loss, 8.0 / 15.0, 1e-14));
        assert!(close(m.throughput, 14.0 / 15.0, 1e-14));
        assert!(close(m.l, 34.0 / 15.0, 1e-14));
        assert!(close(m.lq, 20.0 / 15.0, 1e-14));
        assert!(close(m.t, 34.0 / 14.0, 1e-14));
        // Accepted arrivals see 1 or 2 in system (4/7 + ... ): (2 + 4)/7 of them wait.
        assert!(close(m.p_wait.unwrap(), 6.0 / 7.0, 1e-14));
    }

    /// Special case: K = c is Erlang's loss system, p_loss = Erlang B.
    #[test]
    fn k_equal_c_is_erlang_b() {
        for &(a, c) in &[(2.0, 3u32), (4.46, 10), (30.0, 25)] {
            let m = MMcK::new(a, 1.0, c, c).unwrap().measures();
            assert!(close(m.p_loss, erlang_b(c, a), 1e-12));
            assert_eq!(m.wq, 0.0);
            assert!(close(m.t, 1.0, 1e-12));
        }
    }

    /// Limit: with K far beyond any plausible queue, M/M/c/K is M/M/c (including quantiles).
    #[test]
    fn large_k_is_mmc() {
        for &(lambda, c) in &[(3.6, 4u32), (0.7, 1), (8.0, 10)] {
            let a = MMcK::new(lambda, 1.0, c, 3000).unwrap();
            let b = MMc::new(lambda, 1.0, c).unwrap();
            let (ma, mb) = (a.measures(), b.measures());
            assert!(ma.p_loss < 1e-100);
            assert!(close(ma.t, mb.t, 1e-10), "T {} vs {}", ma.t, mb.t);
            assert!(close(ma.wq, mb.wq, 1e-10));
            assert!(close(ma.l, mb.l, 1e-10));
            assert!(close(ma.p_wait.unwrap(), mb.p_wait.unwrap(), 1e-10));
            for p in [0.5, 0.9, 0.99, 0.999] {
                assert!(
                    close(a.wait_quantile(p), b.wait_quantile(p), 1e-9)
                        || b.wait_quantile(p) == 0.0 && a.wait_quantile(p) < 1e-12
                );
                assert!(close(a.sojourn_quantile(p), b.sojourn_quantile(p), 1e-9));
            }
        }
    }

    /// The uniformised survival functions against a direct evaluation: P(Wq > t) as a mixture
    /// of Erlang tails (regularised incomplete gamma), and P(T > t) by numerically convolving
    /// the waiting-time density with the Exp(μ) service.
    #[test]
    fn survival_functions_match_direct_evaluation() {
        let (lambda, mu, c, k) = (5.0, 1.5, 3u32, 12u32);
        let q = MMcK::new(lambda, mu, c, k).unwrap();
        let p = q.distribution();
        let acc = 1.0 - p[k as usize];
        let theta = f64::from(c) * mu;
        // Weights of "must wait for j completions", j ≥ 1.
        let waits: Vec<(f64, f64)> = (c..k)
            .map(|n| (f64::from(n - c + 1), p[n as usize] / acc))
            .collect();
        let no_wait: f64 = p[..c as usize].iter().sum::<f64>() / acc;
        for t in [0.1, 0.7, 2.0, 5.0] {
            let sf_w: f64 = waits.iter().map(|&(j, w)| w * gamma_ur(j, theta * t)).sum();
            assert!(close(q.wait_survival(t), sf_w, 1e-12));
            // P(T > t) = P(Wq > t) + ∫_0^t f_W(w) e^{−μ(t−w)} dw + P(no wait) e^{−μt}.
            let n = 200_000;
            let h = t / n as f64;
            let mut integral = 0.0;
            for i in 0..n {
                let w = (i as f64 + 0.5) * h;
                let dens: f64 = waits
                    .iter()
                    .map(|&(j, wt)| {
                        let ln = j * theta.ln() + (j - 1.0) * w.ln()
                            - theta * w
                            - statrs::function::gamma::ln_gamma(j);
                        wt * ln.exp()
                    })
                    .sum();
                integral += dens * (-mu * (t - w)).exp() * h;
            }
            let sf_t = sf_w + integral + no_wait * (-mu * t).exp();
            assert!(
                close(q.sojourn_survival(t), sf_t, 1e-8),
                "t={t}: {} vs {sf_t}",
                q.sojourn_survival(t)
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MMcK::new(1.0, 1.0, 3, 2),
            Err(ModelError::InvalidParameter { name: "K", .. })
        ));
        assert!(matches!(
            MMcK::new(1.0, 0.0, 1, 2),
            Err(ModelError::InvalidParameter { name: "mu", .. })
        ));
        assert!(matches!(
            MMcK::new(1.0, 1.0, 0, 2),
            Err(ModelError::InvalidParameter { name: "c", .. })
        ));
        assert!(matches!(
            MMcK::new(f64::NAN, 1.0, 1, 2),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
