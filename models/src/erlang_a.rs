//! M/M/c+M (Erlang-A): M/M/c whose waiting messages abandon after an exponential patience;
//! and the M/M/c+G approximation that runs Erlang-A on a rate fitted to a general patience.

use crate::{Measures, ModelError, positive, servers};

/// Largest number of states the truncated chain may use before giving up.
pub const MAX_STATES: usize = 20_000_000;

/// Tail mass left out of the truncated chain (checked by a geometric bound).
pub const TAIL: f64 = 1e-12;

/// The Erlang-A queue M/M/c+M: Poisson arrivals at rate λ, exponential service at rate μ on
/// c consumers sharing one FIFO queue, and a patience Exp(θ) per message: a message still
/// waiting (not yet taken by a consumer) when its patience runs out abandons.
///
/// Source: C. Palm, "Research on telephone traffic carried by full availability groups",
/// *Tele* 1 (1957; Swedish original 1946) — the model is Palm's; A. Mandelbaum and S. Zeltyn,
/// "Service engineering in action: the Palm/Erlang-A queue, with applications to call
/// centers", in *Advances in Services Innovations* (Springer, 2007), 17–45; O. Garnett,
/// A. Mandelbaum and M. Reiman, "Designing a call center with impatient customers",
/// *Manufacturing & Service Operations Management* 4(3), 2002, 208–227. The number in system
/// is a birth–death chain with birth rate λ and death rate min(n, c)μ + max(n − c, 0)θ; its
/// stationary distribution is solved exactly (product form, in log space) and truncated
/// where the left-out tail mass is below [`TAIL`] (bounded geometrically, since the death
/// rate grows without bound above c). By Little's law and PASTA: P(abandon) = θ·Lq/λ,
/// Wq (all arrivals) = Lq/λ, T (all arrivals, served and abandoned) = L/λ, P(wait) =
/// P(N ≥ c). A message finding i others waiting advances one place at rate cμ + iθ and
/// abandons at rate θ, so it is served with probability cμ/(cμ + (i + 1)θ) (the product
/// telescopes) after a mean wait Σ_{j=0}^{i} 1/(cμ + (j + 1)θ) on that path: this gives
/// the mean wait and sojourn of served messages. Stable for every λ when θ > 0.
#[derive(Debug, Clone, PartialEq)]
pub struct ErlangA {
    lambda: f64,
    mu: f64,
    c: u32,
    theta: f64,
    /// Stationary probabilities p_0..p_N of the number in system (tail beyond N < [`TAIL`]).
    p: Vec<f64>,
}

/// Measures of Erlang-A beyond the common [`Measures`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangAMeasures {
    /// The common measures: `t` and `wq` are means over ALL arrivals (an abandoned message
    /// counts its wait until it left), `throughput` is the served rate λ(1 − P(abandon)),
    /// `p_loss` is 0 (abandonment is not loss at arrival; see `p_abandon`).
    pub all: Measures,
    /// Probability that an arriving message abandons, θ·Lq/λ.
    pub p_abandon: f64,
    /// Mean wait of the messages that are served.
    pub wq_served: f64,
    /// Mean sojourn (wait + service) of the messages that are served.
    pub t_served: f64,
    /// Mean time an abandoning message waited before leaving.
    pub wq_abandoned: f64,
}

impl ErlangA {
    /// An Erlang-A queue: rates λ, μ, θ positive, c ≥ 1.
    pub fn new(lambda: f64, mu: f64, c: u32, theta: f64) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        let theta = positive("theta", theta)?;
        let p = stationary(lambda, mu, c, theta)?;
        Ok(Self {
            lambda,
            mu,
            c,
            theta,
            p,
        })
    }

    /// Stationary probabilities p_0..p_N of the number in system (the tail beyond N is below
    /// [`TAIL`]).
    pub fn distribution(&self) -> &[f64] {
        &self.p
    }

    /// Probability that an arriving message must wait (finds every consumer busy).
    pub fn p_wait(&self) -> f64 {
        self.p.iter().skip(self.c as usize).sum()
    }

    /// Steady-state measures.
    pub fn measures(&self) -> ErlangAMeasures {
        let c = self.c as usize;
        let cmu = self.c as f64 * self.mu;
        let l: f64 = self.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        let lq: f64 = self
            .p
            .iter()
            .enumerate()
            .skip(c)
            .map(|(n, x)| (n - c) as f64 * x)
            .sum();
        let p_abandon = self.theta * lq / self.lambda;
        // Served messages: those finding n < c (no wait) and those finding i = n − c waiting
        // who win the race against their patience.
        let mut p_served = self.p[..c].iter().sum::<f64>();
        let mut wait_served = 0.0;
        let mut path_time = 0.0;
        for (i, pn) in self.p[c..].iter().enumerate() {
            let r = cmu + (i as f64 + 1.0) * self.theta;
            path_time += 1.0 / r;
            let served = cmu / r;
            p_served += pn * served;
            wait_served += pn * served * path_time;
        }
        let wq_served = if p_served > 0.0 {
            wait_served / p_served
        } else {
            0.0
        };
        let wq = lq / self.lambda;
        let wq_abandoned = if p_abandon > 0.0 {
            (wq - wait_served) / p_abandon
        } else {
            0.0
        };
        let throughput = self.lambda * (1.0 - p_abandon);
        let busy: f64 = self
            .p
            .iter()
            .enumerate()
            .map(|(n, x)| n.min(c) as f64 * x)
            .sum();
        ErlangAMeasures {
            all: Measures {
                t: l / self.lambda,
                wq,
                l,
                lq,
                utilization: busy / self.c as f64,
                throughput,
                p_wait: Some(self.p_wait()),
                p_loss: 0.0,
            },
            p_abandon,
            wq_served,
            t_served: wq_served + 1.0 / self.mu,
            wq_abandoned,
        }
    }
}

/// Death rate out of level n: min(n, c)μ + max(n − c, 0)θ.
fn death(mu: f64, c: u32, theta: f64, n: usize) -> f64 {
    let c = c as usize;
    n.min(c) as f64 * mu + n.saturating_sub(c) as f64 * theta
}

/// The product-form stationary distribution, truncated where the tail is below [`TAIL`].
fn stationary(lambda: f64, mu: f64, c: u32, theta: f64) -> Result<Vec<f64>, ModelError> {
    // Log-weights, so that a large load cannot overflow before the mode.
    let mut logw = vec![0.0f64];
    let mut max = 0.0f64;
    let mut n = 0usize;
    loop {
        n += 1;
        if n > MAX_STATES {
            return Err(ModelError::InvalidParameter {
                name: "lambda",
                value: lambda,
                reason: "Erlang-A chain needs more than 2·10^7 states: load too high for θ",
            });
        }
        let w = logw[n - 1] + (lambda / death(mu, c, theta, n)).ln();
        logw.push(w);
        max = max.max(w);
        // Above c the ratio r_k = λ/death(k + 1) decreases in k, so the tail beyond n is at
        // most p_n · r/(1 − r) with r = λ/death(n + 1) (a geometric bound).
        let r = lambda / death(mu, c, theta, n + 1);
        if n >= c as usize && r < 1.0 {
            let tail = (w - max).exp() * r / (1.0 - r);
            // Relative to the total mass, which is at least the mode's (weight 1 here).
            if tail < TAIL {
                break;
            }
        }
    }
    let mut p: Vec<f64> = logw.iter().map(|w| (w - max).exp()).collect();
    let z: f64 = p.iter().sum();
    p.iter_mut().for_each(|x| *x /= z);
    Ok(p)
}

/// How a general patience distribution is summarised by one abandonment rate θ for the
/// M/M/c+G approximation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PatienceFit {
    /// θ = the patience density at 0 (its hazard rate at 0): right when waits are short,
    /// as in a well-staffed (quality- or QED-driven) system, where only the patience near 0
    /// matters (Mandelbaum & Zeltyn 2004).
    HazardAtZero(f64),
    /// θ = 1/E[patience]: the crude fit by the mean.
    MeanPatience(f64),
}

/// The M/M/c+G queue approximated by Erlang-A (an **approximation**: exact only for an
/// exponential patience, when both fits give its rate).
///
/// Source: A. Mandelbaum and S. Zeltyn, "The impact of customers' patience on delay and
/// abandonment: some empirically-driven experiments with the M/M/n+G queue", *OR Spectrum*
/// 26(3), 2004, 377–411 (when waits are short, P(abandon) ≈ g(0)·E[W] and M/M/n+G behaves
/// like M/M/n+M with θ = g(0)); W. Whitt, "Engineering solution of a basic call-center
/// model", *Management Science* 51(2), 2005, 221–235 (M/M/n+GI approximated through
/// Erlang-A). `fit` gives the rate θ used.
pub fn mmc_g(lambda: f64, mu: f64, c: u32, fit: PatienceFit) -> Result<ErlangA, ModelError> {
    let theta = match fit {
        PatienceFit::HazardAtZero(h) => positive("patience hazard at 0", h)?,
        PatienceFit::MeanPatience(m) => 1.0 / positive("mean patience", m)?,
    };
    ErlangA::new(lambda, mu, c, theta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmc::erlang_c;
    use crate::testkit::stationary as gauss_seidel;

    /// θ = μ: every message in system leaves at rate μ, so the chain is M/M/∞'s and the
    /// number in system is Poisson(λ/μ).
    #[test]
    fn theta_equal_to_mu_is_mminf() {
        let (lambda, mu, c) = (7.0, 1.5, 3);
        let q = ErlangA::new(lambda, mu, c, mu).unwrap();
        let a = lambda / mu;
        let mut term = (-a).exp();
        for (n, p) in q.distribution().iter().enumerate().take(40) {
            assert!((p - term).abs() < 1e-13, "p_{n} = {p} vs {term}");
            term *= a / (n as f64 + 1.0);
        }
        let m = q.measures();
        assert!((m.all.l - a).abs() < 1e-10);
        // Lq = E[(N − c)+] for N ~ Poisson(a), summed independently.
        let mut lq = 0.0;
        let mut t = (-a).exp();
        for n in 0..200 {
            if n > c as usize {
                lq += (n - c as usize) as f64 * t;
            }
            t *= a / (n as f64 + 1.0);
        }
        assert!((m.all.lq - lq).abs() < 1e-10);
        assert!((m.p_abandon - mu * lq / lambda).abs() < 1e-12);
    }

    /// θ → 0 approaches Erlang C (λ < cμ): P(wait) and Wq converge to M/M/c's.
    #[test]
    fn small_theta_approaches_erlang_c() {
        let (lambda, mu, c) = (3.6, 1.0, 4);
        let pw = erlang_c(c, lambda / mu);
        let wq = pw / (c as f64 * mu - lambda);
        let q = ErlangA::new(lambda, mu, c, 1e-7).unwrap().measures();
        assert!((q.all.p_wait.unwrap() - pw).abs() < 1e-5, "{:?}", q);
        assert!((q.all.wq - wq).abs() / wq < 1e-4);
        assert!(q.p_abandon < 1e-5);
    }

    /// Second method: Gauss–Seidel on the generator of the truncated chain (the testkit
    /// solver), independent of the product form.
    #[test]
    fn agrees_with_gauss_seidel_on_the_generator() {
        for &(lambda, mu, c, theta) in
            &[(9.0, 1.0, 8, 0.5), (20.0, 1.0, 15, 2.0), (4.0, 2.0, 1, 0.1)]
        {
            let q = ErlangA::new(lambda, mu, c, theta).unwrap();
            let n = q.distribution().len() + 50;
            let mut tr = Vec::new();
            for i in 0..n - 1 {
                tr.push((i, i + 1, lambda));
                tr.push((i + 1, i, death(mu, c, theta, i + 1)));
            }
            let pi = gauss_seidel(n, &tr);
            for (a, b) in q.distribution().iter().zip(&pi) {
                assert!((a - b).abs() < 1e-11, "{a} vs {b}");
            }
            let lq: f64 = pi
                .iter()
                .enumerate()
                .skip(c as usize)
                .map(|(k, x)| (k - c as usize) as f64 * x)
                .sum();
            let m = q.measures();
            assert!((m.p_abandon - theta * lq / lambda).abs() < 1e-10);
        }
    }

    /// P(abandon) two ways: θ·Lq/λ (Little) and the tagged message's race against its
    /// patience, Σ p_n (1 − cμ/(cμ + (n − c + 1)θ)); and the served/abandoned waits add up
    /// to the mean wait of all arrivals.
    #[test]
    fn abandonment_by_little_and_by_the_tagged_message_agree() {
        for &(lambda, mu, c, theta) in &[(12.0, 1.0, 10, 0.3), (30.0, 1.0, 20, 3.0)] {
            let q = ErlangA::new(lambda, mu, c, theta).unwrap();
            let cmu = c as f64 * mu;
            let tagged: f64 = q
                .distribution()
                .iter()
                .enumerate()
                .skip(c as usize)
                .map(|(n, p)| p * (1.0 - cmu / (cmu + (n - c as usize + 1) as f64 * theta)))
                .sum();
            let m = q.measures();
            assert!(
                (m.p_abandon - tagged).abs() < 1e-12,
                "{} vs {tagged}",
                m.p_abandon
            );
            let total = (1.0 - m.p_abandon) * m.wq_served + m.p_abandon * m.wq_abandoned;
            assert!((total - m.all.wq).abs() < 1e-12);
            // Served throughput equals the busy consumers' completion rate.
            assert!((m.all.throughput - m.all.utilization * cmu).abs() < 1e-9);
        }
    }

    /// Overload is fine: with λ > cμ the abandonment carries the excess, and for heavy
    /// overload P(abandon) → 1 − cμ/λ (the fluid limit of Whitt 2006; the error is of
    /// order 1/√λ).
    #[test]
    fn overload_is_stable_and_sheds_the_excess() {
        let q = ErlangA::new(2000.0, 1.0, 1000, 0.5).unwrap().measures();
        assert!((q.p_abandon - 0.5).abs() < 0.02, "{}", q.p_abandon);
        assert!(q.all.utilization > 0.99);
    }

    #[test]
    fn patience_fits() {
        // Exponential patience of mean 2: both fits give θ = 0.5, exactly Erlang-A.
        let exact = ErlangA::new(5.0, 1.0, 5, 0.5).unwrap();
        assert_eq!(
            mmc_g(5.0, 1.0, 5, PatienceFit::HazardAtZero(0.5)).unwrap(),
            exact
        );
        assert_eq!(
            mmc_g(5.0, 1.0, 5, PatienceFit::MeanPatience(2.0)).unwrap(),
            exact
        );
        assert!(mmc_g(5.0, 1.0, 5, PatienceFit::HazardAtZero(0.0)).is_err());
        assert!(ErlangA::new(1.0, 1.0, 0, 1.0).is_err());
        assert!(ErlangA::new(1.0, 1.0, 1, 0.0).is_err());
    }
}
