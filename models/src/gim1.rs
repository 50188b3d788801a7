//! GI/M/1 and GI/M/c: renewal arrivals, exponential service, FIFO.
//!
//! Both hinge on σ, the root in (0, 1) of σ = A*(cμ(1 − σ)), where A* is the
//! Laplace–Stieltjes transform (LST) of the inter-arrival time. An arriving message finds
//! n ≥ c − 1 messages with probability ∝ σⁿ, and its wait, when it waits, is exponential with
//! rate cμ(1 − σ).

use crate::exp_tail::{ExpTailQueue, ExpTailWait};
use crate::{Measures, ModelError, positive, servers, stable};

/// An inter-arrival time distribution known through its LST.
#[derive(Debug, Clone, PartialEq)]
pub enum Interarrival {
    /// Exponential with the given rate (Poisson arrivals).
    Exponential {
        /// Arrival rate λ.
        rate: f64,
    },
    /// Constant inter-arrival time.
    Deterministic {
        /// The inter-arrival time.
        value: f64,
    },
    /// Erlang with `k` phases and the given mean (SCV 1/k).
    Erlang {
        /// Number of phases, ≥ 1.
        k: u32,
        /// Mean inter-arrival time.
        mean: f64,
    },
    /// Exponential with rate `rates[i]` with probability `probs[i]`.
    Hyperexponential {
        /// Branch probabilities (non-negative, summing to 1).
        probs: Vec<f64>,
        /// Branch rates (positive).
        rates: Vec<f64>,
    },
    /// Uniform on [low, high].
    Uniform {
        /// Lower end, ≥ 0.
        low: f64,
        /// Upper end, > low.
        high: f64,
    },
    /// Gamma with the given shape k and scale θ (mean kθ, SCV 1/k).
    Gamma {
        /// Shape parameter.
        shape: f64,
        /// Scale parameter.
        scale: f64,
    },
}

fn invalid(name: &'static str, value: f64, reason: &'static str) -> ModelError {
    ModelError::InvalidParameter {
        name,
        value,
        reason,
    }
}

impl Interarrival {
    /// Checks the parameters; models call this in their constructors.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            Self::Exponential { rate } => positive("rate", *rate).map(|_| ()),
            Self::Deterministic { value } => positive("value", *value).map(|_| ()),
            Self::Erlang { k, mean } => {
                if *k == 0 {
                    return Err(invalid("k", 0.0, "needs at least one phase"));
                }
                positive("mean", *mean).map(|_| ())
            }
            Self::Hyperexponential { probs, rates } => {
                if probs.is_empty() || probs.len() != rates.len() {
                    return Err(invalid(
                        "probs",
                        probs.len() as f64,
                        "needs as many probabilities as rates, at least one",
                    ));
                }
                for &p in probs {
                    if !(p.is_finite() && p >= 0.0) {
                        return Err(invalid("probs", p, "probabilities must be >= 0"));
                    }
                }
                let total: f64 = probs.iter().sum();
                if (total - 1.0).abs() > 1e-9 {
                    return Err(invalid("probs", total, "probabilities must sum to 1"));
                }
                for &r in rates {
                    positive("rates", r)?;
                }
                Ok(())
            }
            Self::Uniform { low, high } => {
                if !(low.is_finite() && *low >= 0.0) {
                    return Err(invalid("low", *low, "must be finite and >= 0"));
                }
                if !(high.is_finite() && high > low) {
                    return Err(invalid("high", *high, "must be finite and > low"));
                }
                Ok(())
            }
            Self::Gamma { shape, scale } => {
                positive("shape", *shape)?;
                positive("scale", *scale).map(|_| ())
            }
        }
    }

    /// Mean inter-arrival time.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Exponential { rate } => 1.0 / rate,
            Self::Deterministic { value } => *value,
            Self::Erlang { mean, .. } => *mean,
            Self::Hyperexponential { probs, rates } => {
                probs.iter().zip(rates).map(|(p, r)| p / r).sum()
            }
            Self::Uniform { low, high } => 0.5 * (low + high),
            Self::Gamma { shape, scale } => shape * scale,
        }
    }

    /// Squared coefficient of variation, Var/mean².
    pub fn scv(&self) -> f64 {
        match self {
            Self::Exponential { .. } => 1.0,
            Self::Deterministic { .. } => 0.0,
            Self::Erlang { k, .. } => 1.0 / f64::from(*k),
            Self::Hyperexponential { probs, rates } => {
                let m2: f64 = probs
                    .iter()
                    .zip(rates)
                    .map(|(p, r)| 2.0 * p / (r * r))
                    .sum();
                let m = self.mean();
                m2 / (m * m) - 1.0
            }
            Self::Uniform { low, high } => {
                let m = self.mean();
                (high - low) * (high - low) / 12.0 / (m * m)
            }
            Self::Gamma { shape, .. } => 1.0 / shape,
        }
    }

    /// The LST A*(s) = E[e^{−sA}], s ≥ 0.
    pub fn lst(&self, s: f64) -> f64 {
        match self {
            Self::Exponential { rate } => rate / (rate + s),
            Self::Deterministic { value } => (-s * value).exp(),
            Self::Erlang { k, mean } => {
                let beta = f64::from(*k) / mean;
                (beta / (beta + s)).powi(*k as i32)
            }
            Self::Hyperexponential { probs, rates } => {
                probs.iter().zip(rates).map(|(p, r)| p * r / (r + s)).sum()
            }
            Self::Uniform { low, high } => {
                let w = (high - low) * s;
                if w == 0.0 {
                    (-s * low).exp()
                } else {
                    (-s * low).exp() * (-(-w).exp_m1()) / w
                }
            }
            Self::Gamma { shape, scale } => (1.0 + scale * s).powf(-shape),
        }
    }

    /// The derivative dA*/ds = −E[A e^{−sA}].
    pub fn lst_derivative(&self, s: f64) -> f64 {
        match self {
            Self::Exponential { rate } => -rate / ((rate + s) * (rate + s)),
            Self::Deterministic { value } => -value * (-s * value).exp(),
            Self::Erlang { k, mean } => {
                let beta = f64::from(*k) / mean;
                -f64::from(*k) / (beta + s) * self.lst(s)
            }
            Self::Hyperexponential { probs, rates } => probs
                .iter()
                .zip(rates)
                .map(|(p, r)| -p * r / ((r + s) * (r + s)))
                .sum(),
            Self::Uniform { low, high } => {
                // −(1/w)∫_low^high x e^{−sx} dx; the antiderivative of x e^{−sx} is
                // −e^{−sx}(x/s + 1/s²).
                let w = high - low;
                if s * w < 1e-6 {
                    return -self.mean() * (-s * self.mean()).exp();
                }
                let f = |x: f64| -(-s * x).exp() * (x / s + 1.0 / (s * s));
                -(f(*high) - f(*low)) / w
            }
            Self::Gamma { shape, scale } => -shape * scale * (1.0 + scale * s).powf(-shape - 1.0),
        }
    }
}

/// The root σ in (0, 1) of σ = A*(θ(1 − σ)), for a load 1/(E[A]θ) < 1: bisection on the
/// sign of A*(θ(1−σ)) − σ (positive below the root, negative between it and 1), then
/// fixed-point iterations, which contract near the root, to polish its relative precision.
fn solve_sigma(a: &Interarrival, theta: f64) -> f64 {
    let f = |x: f64| a.lst(theta * (1.0 - x)) - x;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= f64::EPSILON * hi {
            break;
        }
    }
    let mut sigma = 0.5 * (lo + hi);
    for _ in 0..100 {
        let next = a.lst(theta * (1.0 - sigma));
        if (next - sigma).abs() <= 1e-17 * sigma.max(f64::MIN_POSITIVE) {
            sigma = next;
            break;
        }
        sigma = next;
    }
    sigma
}

/// The GI/M/1 queue.
///
/// Source: Kleinrock, *Queueing Systems, Vol. 1* (1975), §6.4 (the queue G/M/1: σ, the
/// arrival-epoch distribution and the waiting time). σ is the unique root in (0, 1) of
/// σ = A*(μ − μσ); an arrival finds n messages with probability (1−σ)σⁿ, so P(wait) = σ, the FIFO sojourn time is
/// exponential with rate μ(1−σ): T = 1/(μ(1−σ)), Wq = σ/(μ(1−σ)), and P(Wq > t) =
/// σ·e^{−μ(1−σ)t}. L and Lq by Little's law with λ = 1/E[A].
#[derive(Debug, Clone, PartialEq)]
pub struct GiM1 {
    interarrival: Interarrival,
    mu: f64,
    sigma: f64,
}

impl GiM1 {
    /// A GI/M/1 queue with the given inter-arrival distribution and service rate `mu`;
    /// errors on invalid parameters or ρ = 1/(E[A]μ) ≥ 1.
    pub fn new(interarrival: Interarrival, mu: f64) -> Result<Self, ModelError> {
        interarrival.validate()?;
        let mu = positive("mu", mu)?;
        stable(1.0 / (interarrival.mean() * mu))?;
        let sigma = solve_sigma(&interarrival, mu);
        Ok(Self {
            interarrival,
            mu,
            sigma,
        })
    }

    /// One of `c` exponential consumers fed round-robin from a Poisson stream of rate
    /// `lambda_total`: each consumer receives every c-th arrival, so its inter-arrival time
    /// is the sum of c exponentials, Erlang(c) with mean c/λ — an E_c/M/1 queue. The measures
    /// are those of one consumer (its L, Lq and throughput are 1/c of the station's; T, Wq
    /// and the quantiles are every message's).
    pub fn round_robin(lambda_total: f64, mu: f64, c: u32) -> Result<Self, ModelError> {
        let lambda_total = positive("lambda_total", lambda_total)?;
        let c = servers(c)?;
        Self::new(
            Interarrival::Erlang {
                k: c,
                mean: f64::from(c) / lambda_total,
            },
            mu,
        )
    }

    /// The root σ (also the probability that an arrival waits).
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let lambda = 1.0 / self.interarrival.mean();
        let wq = self.sigma / (self.mu * (1.0 - self.sigma));
        Measures::from_wait(
            lambda,
            1.0 / self.mu,
            wq,
            lambda / self.mu,
            Some(self.sigma),
        )
    }

    /// The p-quantile of the FIFO sojourn time, Exp(μ(1−σ)).
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        -(1.0 - p).ln() / (self.mu * (1.0 - self.sigma))
    }

    /// The p-quantile of the FIFO waiting time: P(Wq > t) = σ·e^{−μ(1−σ)t}.
    pub fn wait_quantile(&self, p: f64) -> f64 {
        let tail = ExpTailWait::new(self.sigma, self.mu * (1.0 - self.sigma), self.mu);
        tail.wait_quantile(p)
    }
}

/// The GI/M/c queue: renewal arrivals, c exponential consumers sharing one FIFO queue.
///
/// Source: Takács's solution as given in Kleinrock, *Queueing Systems, Vol. 1* (1975), §6.5
/// (the queue G/M/m); L. Takács, *Introduction to the Theory of Queues* (1962). With σ the root in (0, 1) of
/// σ = A*(cμ(1−σ)), g_j = A*(jμ) and C_j = Π_{i=1}^{j} g_i/(1−g_i), an arrival finds
/// n ≥ c messages with probability J·σ^{n−c}, where
/// J⁻¹ = 1/(1−σ) + Σ_{j=1}^{c} binom(c, j)/(C_j(1−g_j)) · (c(1−g_j) − j)/(c(1−σ) − j).
/// Then P(wait) = J/(1−σ), P(Wq > t) = P(wait)·e^{−cμ(1−σ)t}, Wq = J/(cμ(1−σ)²),
/// T = Wq + 1/μ. The ratio (c(1−g_j) − j)/(c(1−σ) − j) is 0/0 when j = c(1−σ); it equals
/// 1 + cμ·(A*(s₀) − A*(s₁))/(s₀ − s₁) with s₀ = cμ(1−σ), s₁ = jμ, evaluated with the exact
/// derivative A*′ when s₀ ≈ s₁ (relative gap below 10⁻⁵; error there ~10⁻¹¹).
#[derive(Debug, Clone, PartialEq)]
pub struct GiMc {
    interarrival: Interarrival,
    mu: f64,
    c: u32,
    sigma: f64,
    j: f64,
}

impl GiMc {
    /// A GI/M/c queue; errors on invalid parameters, c = 0 or ρ = 1/(E[A]cμ) ≥ 1.
    pub fn new(interarrival: Interarrival, mu: f64, c: u32) -> Result<Self, ModelError> {
        interarrival.validate()?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        let cf = f64::from(c);
        stable(1.0 / (interarrival.mean() * cf * mu))?;
        let sigma = solve_sigma(&interarrival, cf * mu);
        let s0 = cf * mu * (1.0 - sigma);
        let mut inv = 1.0 / (1.0 - sigma);
        let mut cj = 1.0;
        let mut binom = 1.0;
        for j in 1..=c {
            let jf = f64::from(j);
            let g = interarrival.lst(jf * mu);
            cj *= g / (1.0 - g);
            binom *= (cf - jf + 1.0) / jf;
            let s1 = jf * mu;
            let slope = if (s0 - s1).abs() > 1e-5 * s0.max(s1) {
                (interarrival.lst(s0) - interarrival.lst(s1)) / (s0 - s1)
            } else {
                interarrival.lst_derivative(0.5 * (s0 + s1))
            };
            inv += binom / (cj * (1.0 - g)) * (1.0 + cf * mu * slope);
        }
        Ok(Self {
            interarrival,
            mu,
            c,
            sigma,
            j: 1.0 / inv,
        })
    }

    /// The root σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Probability that an arrival finds all consumers busy, J/(1−σ).
    pub fn p_wait(&self) -> f64 {
        self.j / (1.0 - self.sigma)
    }

    /// Rate of the exponential waiting-time tail, cμ(1−σ).
    fn theta(&self) -> f64 {
        f64::from(self.c) * self.mu * (1.0 - self.sigma)
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let lambda = 1.0 / self.interarrival.mean();
        let pw = self.p_wait();
        let wq = pw / self.theta();
        let utilization = lambda / (f64::from(self.c) * self.mu);
        Measures::from_wait(lambda, 1.0 / self.mu, wq, utilization, Some(pw))
    }
}

impl ExpTailQueue for GiMc {
    fn exp_tail(&self) -> ExpTailWait {
        ExpTailWait::new(self.p_wait(), self.theta(), self.mu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{solve, stationary};
    use crate::{MM1, MMc};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    fn all_kinds() -> Vec<Interarrival> {
        vec![
            Interarrival::Exponential { rate: 0.8 },
            Interarrival::Deterministic { value: 1.25 },
            Interarrival::Erlang { k: 3, mean: 1.25 },
            Interarrival::Hyperexponential {
                probs: vec![0.3, 0.7],
                rates: vec![0.3, 2.0],
            },
            Interarrival::Uniform {
                low: 0.5,
                high: 2.0,
            },
            Interarrival::Gamma {
                shape: 2.5,
                scale: 0.5,
            },
        ]
    }

    /// Density of each distribution (Deterministic excepted), for numerical checks.
    fn density(a: &Interarrival, x: f64) -> f64 {
        use statrs::function::gamma::ln_gamma;
        match a {
            Interarrival::Exponential { rate } => rate * (-rate * x).exp(),
            Interarrival::Erlang { k, mean } => {
                let (k, b) = (f64::from(*k), f64::from(*k) / mean);
                (k * b.ln() + (k - 1.0) * x.ln() - b * x - ln_gamma(k)).exp()
            }
            Interarrival::Hyperexponential { probs, rates } => probs
                .iter()
                .zip(rates)
                .map(|(p, r)| p * r * (-r * x).exp())
                .sum(),
            Interarrival::Uniform { low, high } => {
                if x >= *low && x <= *high {
                    1.0 / (high - low)
                } else {
                    0.0
                }
            }
            Interarrival::Gamma { shape, scale } => {
                ((shape - 1.0) * x.ln() - x / scale - ln_gamma(*shape) - shape * scale.ln()).exp()
            }
            Interarrival::Deterministic { .. } => unreachable!(),
        }
    }

    /// The LST, its derivative, the mean and the SCV against numerical integration of the
    /// density (midpoint rule on a fine grid).
    #[test]
    fn lst_mean_scv_match_numerical_integration() {
        for a in all_kinds() {
            if matches!(a, Interarrival::Deterministic { .. }) {
                continue;
            }
            a.validate().unwrap();
            let n = 400_000;
            let top = 80.0;
            let h = top / n as f64;
            let (mut m0, mut m1, mut m2, mut l, mut dl) = (0.0, 0.0, 0.0, 0.0, 0.0);
            let s = 0.9;
            for i in 0..n {
                let x = (i as f64 + 0.5) * h;
                let f = density(&a, x) * h;
                m0 += f;
                m1 += x * f;
                m2 += x * x * f;
                l += (-s * x).exp() * f;
                dl -= x * (-s * x).exp() * f;
            }
            assert!((m0 - 1.0).abs() < 1e-6, "{a:?}: mass {m0}");
            assert!(close(a.mean(), m1, 1e-6), "{a:?}: mean");
            assert!(close(a.scv(), m2 / (m1 * m1) - 1.0, 1e-5), "{a:?}: scv");
            assert!(close(a.lst(s), l, 1e-6), "{a:?}: lst");
            assert!(close(a.lst_derivative(s), dl, 1e-6), "{a:?}: lst'");
        }
        let d = Interarrival::Deterministic { value: 2.0 };
        assert_eq!(d.lst(0.5), (-1.0f64).exp());
        assert_eq!(d.scv(), 0.0);
    }

    /// Exponential inter-arrivals: GI/M/1 is M/M/1 (σ = ρ) and GI/M/c is M/M/c, including the
    /// 0/0 case j = c(1−σ) (c = 50, ρ = 0.9 hits j = 5 exactly).
    #[test]
    fn poisson_arrivals_give_mm1_and_mmc() {
        let q = GiM1::new(Interarrival::Exponential { rate: 0.7 }, 1.0).unwrap();
        let r = MM1::new(0.7, 1.0).unwrap();
        assert!(close(q.sigma(), 0.7, 1e-14));
        assert!(close(q.measures().t, r.measures().t, 1e-13));
        for p in [0.5, 0.9, 0.999] {
            assert!(close(q.sojourn_quantile(p), r.sojourn_quantile(p), 1e-13));
            assert!((q.wait_quantile(p) - r.wait_quantile(p)).abs() < 1e-12);
        }
        for &(lambda, c) in &[
            (1.5, 2u32),
            (3.6, 4),
            (1.0, 2),
            (45.0, 50),
            (450.0, 500),
            (5.0, 50),
        ] {
            let g = GiMc::new(Interarrival::Exponential { rate: lambda }, 1.0, c).unwrap();
            let m = MMc::new(lambda, 1.0, c).unwrap();
            let (gm, mm) = (g.measures(), m.measures());
            assert!(
                close(gm.p_wait.unwrap(), mm.p_wait.unwrap(), 1e-10),
                "c={c}"
            );
            assert!(close(gm.wq, mm.wq, 1e-10));
            assert!(close(
                g.sojourn_quantile(0.99),
                m.sojourn_quantile(0.99),
                1e-9
            ));
        }
    }

    /// GI/M/c with c = 1 is GI/M/1, for every kind of inter-arrival time.
    #[test]
    fn one_server_gimc_is_gim1() {
        for a in all_kinds() {
            let one = GiM1::new(a.clone(), 1.0).unwrap();
            let c = GiMc::new(a, 1.0, 1).unwrap();
            assert!(close(c.measures().t, one.measures().t, 1e-12));
            assert!(close(c.p_wait(), one.sigma(), 1e-12));
        }
    }

    /// Independent method: E_k/M/c and H2/M/c as CTMCs on (number in system, arrival phase),
    /// solved numerically; arrival-epoch probabilities are the arrival-rate-weighted state
    /// probabilities. Checks P(wait), Wq and L.
    #[test]
    fn phase_type_arrivals_match_ctmc() {
        let cap = 400usize;
        // (inter-arrival time, c, μ)
        let cases: Vec<(Interarrival, u32, f64)> = vec![
            (Interarrival::Erlang { k: 3, mean: 0.5 }, 3, 0.8), // ρ = 0.833
            (Interarrival::Erlang { k: 2, mean: 1.0 }, 1, 1.25), // ρ = 0.8
            (Interarrival::Erlang { k: 4, mean: 0.25 }, 5, 1.0), // ρ = 0.8
            (
                Interarrival::Hyperexponential {
                    probs: vec![0.25, 0.75],
                    rates: vec![0.2, 1.8],
                },
                2,
                1.0,
            ), // mean 1.25+0.4167 = 1.667, ρ = 0.3
        ];
        for (a, c, mu) in cases {
            // Phases: Erlang has k serial phases; H2 has two alternative phases.
            let (phase_rate, start): (Vec<f64>, Vec<f64>) = match &a {
                Interarrival::Erlang { k, mean } => {
                    let mut st = vec![0.0; *k as usize];
                    st[0] = 1.0;
                    (vec![f64::from(*k) / mean; *k as usize], st)
                }
                Interarrival::Hyperexponential { probs, rates } => (rates.clone(), probs.clone()),
                _ => unreachable!(),
            };
            let serial = matches!(a, Interarrival::Erlang { .. });
            let nph = phase_rate.len();
            let (states, pi) = solve((0usize, 0usize), |&(n, ph)| {
                let mut out = Vec::new();
                let r = phase_rate[ph];
                if serial && ph + 1 < nph {
                    out.push(((n, ph + 1), r));
                } else {
                    // An arrival (lost beyond the truncation level), then a new inter-arrival.
                    let n2 = (n + 1).min(cap);
                    for (q, &p) in start.iter().enumerate() {
                        if p > 0.0 {
                            out.push(((n2, q), r * p));
                        }
                    }
                }
                if n > 0 {
                    out.push(((n - 1, ph), mu * (n.min(c as usize)) as f64));
                }
                out
            });
            let mut arrival = vec![0.0; cap + 1];
            let (mut l, mut lq) = (0.0, 0.0);
            for (&(n, ph), &p) in states.iter().zip(&pi) {
                if !serial || ph + 1 == nph {
                    arrival[n] += p * phase_rate[ph];
                }
                l += n as f64 * p;
                lq += n.saturating_sub(c as usize) as f64 * p;
            }
            let z: f64 = arrival.iter().sum();
            let pw: f64 = arrival[c as usize..].iter().sum::<f64>() / z;
            let q = GiMc::new(a.clone(), mu, c).unwrap();
            let m = q.measures();
            assert!(
                close(m.p_wait.unwrap(), pw, 1e-8),
                "{a:?}: P(wait) {} vs {pw}",
                m.p_wait.unwrap()
            );
            assert!(close(m.lq, lq, 1e-8), "{a:?}: Lq {} vs {lq}", m.lq);
            assert!(close(m.l, l, 1e-8), "{a:?}: L {} vs {l}", m.l);
        }
    }

    /// Independent method for deterministic arrivals (D/M/c): the embedded Markov chain at
    /// arrival epochs. Between arrivals the system is a pure-death process (rate min(n, c)μ)
    /// run for time d, computed by uniformisation; the chain is solved numerically.
    #[test]
    fn deterministic_arrivals_match_embedded_chain() {
        for &(d, mu, c) in &[(1.0, 1.25, 1u32), (0.5, 0.6, 4), (0.2, 1.0, 6)] {
            let n_max = 300usize;
            let lam_u = f64::from(c) * mu;
            let x = lam_u * d;
            let k_max = (x + 40.0 * x.sqrt() + 60.0) as usize;
            let mut pois = Vec::new();
            let mut lp = -x;
            for k in 0..=k_max {
                if k > 0 {
                    lp += x.ln() - (k as f64).ln();
                }
                pois.push(lp.exp());
            }
            let mut transitions = Vec::new();
            for i in 0..n_max {
                let start = (i + 1).min(n_max - 1);
                let mut v = vec![0.0; n_max];
                v[start] = 1.0;
                let mut out = vec![0.0; n_max];
                for pk in &pois {
                    for (o, vv) in out.iter_mut().zip(&v) {
                        *o += pk * vv;
                    }
                    // One uniformised step of the pure-death chain.
                    let mut w = vec![0.0; n_max];
                    for n in 0..n_max {
                        let death = mu * n.min(c as usize) as f64 / lam_u;
                        w[n] += v[n] * (1.0 - death);
                        if n > 0 {
                            w[n - 1] += v[n] * death;
                        }
                    }
                    v = w;
                }
                for (j, &p) in out.iter().enumerate() {
                    if p > 0.0 {
                        transitions.push((i, j, p));
                    }
                }
            }
            let q = stationary(n_max, &transitions);
            let pw: f64 = q[c as usize..].iter().sum();
            let g = GiMc::new(Interarrival::Deterministic { value: d }, mu, c).unwrap();
            assert!(close(g.p_wait(), pw, 1e-9), "c={c}: {} vs {pw}", g.p_wait());
            if c == 1 {
                // GI/M/1 arrival-epoch law (1−σ)σⁿ.
                let s = g.sigma();
                for n in [0usize, 1, 5] {
                    assert!(close(q[n], (1.0 - s) * s.powi(n as i32), 1e-9));
                }
            }
        }
    }

    /// Independent method for round-robin dispatch: the real two-consumer system as a CTMC on
    /// (queue at consumer 1, queue at consumer 2, whose turn it is), Poisson arrivals.
    #[test]
    fn round_robin_matches_two_consumer_ctmc() {
        let (lambda, mu) = (1.4, 1.0);
        let cap = 90u32;
        let (states, pi) = solve((0u32, 0u32, 0u8), |&(a, b, turn)| {
            let mut out = Vec::new();
            if turn == 0 {
                out.push(((a.saturating_add(1).min(cap), b, 1), lambda));
            } else {
                out.push(((a, b.saturating_add(1).min(cap), 0), lambda));
            }
            if a > 0 {
                out.push(((a - 1, b, turn), mu));
            }
            if b > 0 {
                out.push(((a, b - 1, turn), mu));
            }
            out
        });
        let l: f64 = states
            .iter()
            .zip(&pi)
            .map(|(s, p)| f64::from(s.0 + s.1) * p)
            .sum();
        let q = GiM1::round_robin(lambda, mu, 2).unwrap();
        let m = q.measures();
        assert!(close(2.0 * m.l, l, 1e-8), "L {} vs {l}", 2.0 * m.l);
        assert!(close(m.t, l / lambda, 1e-8));
        // One consumer: round robin is M/M/1.
        let one = GiM1::round_robin(0.6, 1.0, 1).unwrap().measures();
        assert!(close(
            one.t,
            MM1::new(0.6, 1.0).unwrap().measures().t,
            1e-13
        ));
    }

    #[test]
    fn rejects_bad_input() {
        let bad = [
            Interarrival::Exponential { rate: 0.0 },
            Interarrival::Erlang { k: 0, mean: 1.0 },
            Interarrival::Hyperexponential {
                probs: vec![0.5, 0.4],
                rates: vec![1.0, 2.0],
            },
            Interarrival::Hyperexponential {
                probs: vec![1.0],
                rates: vec![1.0, 2.0],
            },
            Interarrival::Uniform {
                low: 2.0,
                high: 1.0,
            },
            Interarrival::Gamma {
                shape: -1.0,
                scale: 1.0,
            },
        ];
        for a in bad {
            assert!(matches!(
                GiM1::new(a, 1.0),
                Err(ModelError::InvalidParameter { .. })
            ));
        }
        assert!(matches!(
            GiM1::new(Interarrival::Deterministic { value: 1.0 }, 1.0),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            GiMc::new(Interarrival::Deterministic { value: 0.2 }, 1.0, 4),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            GiM1::round_robin(3.0, 1.0, 2),
            Err(ModelError::Unstable { .. })
        ));
    }
}
