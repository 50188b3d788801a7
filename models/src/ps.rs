//! M/G/1-PS: Poisson arrivals, general service, one consumer shared equally (processor sharing).

use crate::{Measures, ModelError, positive, stable};

/// The M/G/1 processor-sharing queue: all messages present are served at once, each at rate
/// 1/n of the consumer's speed.
///
/// Source: Kleinrock, *Queueing Systems, Vol. 2: Computer Applications* (1976), §4.4
/// (processor sharing); M. Harchol-Balter, *Performance Modeling and Design of Computer
/// Systems* (2013), ch. 22 (M/G/1/PS): the number in system is geometric, P(n) = (1−ρ)ρⁿ,
/// whatever the service distribution (insensitivity), so L = ρ/(1−ρ), T = E[S]/(1−ρ), and a
/// message of size x spends x/(1−ρ) in the system on average.
///
/// Nobody queues before service starts under PS. To keep `Measures` comparable with FIFO
/// models, `wq` is reported as the mean delay beyond the service time, T − E[S] =
/// ρE[S]/(1−ρ), and `lq` = L − ρ as its Little's-law counterpart; `p_wait` is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MG1Ps {
    lambda: f64,
    mean: f64,
}

impl MG1Ps {
    /// An M/G/1-PS queue with arrival rate `lambda` and mean service time `mean_service`.
    pub fn new(lambda: f64, mean_service: f64) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mean = positive("mean_service", mean_service)?;
        stable(lambda * mean)?;
        Ok(Self { lambda, mean })
    }

    /// Mean sojourn time of a message needing `x` time units of service: x/(1−ρ).
    pub fn conditional_sojourn(&self, x: f64) -> f64 {
        x / (1.0 - self.lambda * self.mean)
    }

    /// Steady-state measures of one class of the messages served: a Poisson stream of
    /// `rate` (part of λ) whose mean service is `mean_service`. Each of its messages spends
    /// E[S_k]/(1−ρ) on average, whatever the distributions (insensitivity, as
    /// [`MG1Ps::conditional_sojourn`]); `utilization` is its part of the consumer's busy
    /// time, λ_k·E[S_k], and `lq` = L_k less that part, as `lq` = L − ρ for the whole.
    pub fn class_measures(&self, rate: f64, mean_service: f64) -> Measures {
        let t = self.conditional_sojourn(mean_service);
        let l = rate * t;
        let busy = rate * mean_service;
        Measures {
            t,
            wq: t - mean_service,
            l,
            lq: l - busy,
            utilization: busy,
            throughput: rate,
            p_wait: None,
            p_loss: 0.0,
        }
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let rho = self.lambda * self.mean;
        let t = self.mean / (1.0 - rho);
        let l = rho / (1.0 - rho);
        Measures {
            t,
            wq: t - self.mean,
            l,
            lq: l - rho,
            utilization: rho,
            throughput: self.lambda,
            p_wait: None,
            p_loss: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MM1;
    use crate::testkit::solve;

    /// With exponential service, PS and FIFO have the same number-in-system process, so the
    /// mean T equals the M/M/1 value.
    #[test]
    fn exponential_service_matches_mm1_mean() {
        let a = MG1Ps::new(0.7, 0.5).unwrap().measures();
        let b = MM1::new(0.7, 2.0).unwrap().measures();
        assert!((a.t - b.t).abs() < 1e-12 * b.t);
        assert!((a.l - b.l).abs() < 1e-12 * b.l);
    }

    /// Insensitivity checked numerically: M/H2/1-PS as a CTMC on (n1, n2) = messages in each
    /// hyperexponential phase, each served at rate μ_i / (n1 + n2); solved by Gauss–Seidel and
    /// truncated where the geometric tail is below 1e-13. Per-class mean T must be
    /// x/(1−ρ) averaged over each phase's mean size.
    #[test]
    fn hyperexponential_service_by_ctmc() {
        let (lambda, p1, mu1, mu2) = (0.5f64, 0.2f64, 0.25f64, 4.0f64);
        let mean = p1 / mu1 + (1.0 - p1) / mu2; // 0.8 + 0.2 = 1.0, ρ = 0.5
        let cap = 50u32;
        let (states, pi) = solve((0u32, 0u32), |&(a, b)| {
            let mut out = Vec::new();
            if a + b < cap {
                out.push(((a + 1, b), lambda * p1));
                out.push(((a, b + 1), lambda * (1.0 - p1)));
            }
            let n = f64::from(a + b);
            if a > 0 {
                out.push(((a - 1, b), mu1 * f64::from(a) / n));
            }
            if b > 0 {
                out.push(((a, b - 1), mu2 * f64::from(b) / n));
            }
            out
        });
        let (l1, l2) = crate::testkit::mean_counts(&states, &pi);
        let q = MG1Ps::new(lambda, mean).unwrap();
        let m = q.measures();
        assert!(
            (l1 + l2 - m.l).abs() < 1e-9 * m.l,
            "L {} vs {}",
            l1 + l2,
            m.l
        );
        // Class 1 (mean size 1/μ1): T1 = L1/(λ p1) = (1/μ1)/(1−ρ).
        let t1 = l1 / (lambda * p1);
        assert!((t1 - q.conditional_sojourn(1.0 / mu1)).abs() < 1e-9 * t1);
        // Each phase as a class of its own: L_k from the chain.
        for (l_k, rate, mean_k) in [
            (l1, lambda * p1, 1.0 / mu1),
            (l2, lambda * (1.0 - p1), 1.0 / mu2),
        ] {
            let c = q.class_measures(rate, mean_k);
            assert!((c.l - l_k).abs() < 1e-9 * l_k, "L_k {} vs {l_k}", c.l);
            assert!((c.lq - (l_k - rate * mean_k)).abs() < 1e-9 * l_k);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MG1Ps::new(2.0, 0.5),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            MG1Ps::new(-2.0, 0.5),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
