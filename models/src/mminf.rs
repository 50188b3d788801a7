//! M/M/∞ (and M/G/∞ for means): every message finds a free consumer at once.

use crate::{Measures, ModelError, positive};

/// The M/M/∞ queue (infinitely many consumers).
///
/// Source: Kleinrock, *Queueing Systems, Vol. 1* (1975), §3.4; Gross & Harris (4th ed., 2008),
/// §2.7. The number in system
/// is Poisson with mean a = λ/μ, p_n = aⁿe^{−a}/n!; nobody waits, so T = 1/μ, L = a,
/// Wq = Lq = 0. The number in system is insensitive to the service distribution beyond its
/// mean (M/G/∞: S. M. Ross, *Introduction to Probability Models*, ch. 5, the infinite-server
/// Poisson queue), so the mean measures hold for any service law with mean 1/μ. Always stable for finite λ.
///
/// `utilization` is reported as 0: with infinitely many consumers the busy fraction of each is
/// zero; the mean number busy is L.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMInf {
    lambda: f64,
    mu: f64,
}

impl MMInf {
    /// An M/M/∞ queue with arrival rate `lambda` and service rate `mu`.
    pub fn new(lambda: f64, mu: f64) -> Result<Self, ModelError> {
        Ok(Self {
            lambda: positive("lambda", lambda)?,
            mu: positive("mu", mu)?,
        })
    }

    /// Probability of n messages in the system (Poisson with mean λ/μ).
    pub fn p_n(&self, n: u32) -> f64 {
        let a = self.lambda / self.mu;
        let n = f64::from(n);
        (n * a.ln() - a - statrs::function::gamma::ln_gamma(n + 1.0)).exp()
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        Measures {
            t: 1.0 / self.mu,
            wq: 0.0,
            l: self.lambda / self.mu,
            lq: 0.0,
            utilization: 0.0,
            throughput: self.lambda,
            p_wait: Some(0.0),
            p_loss: 0.0,
        }
    }

    /// The p-quantile of the sojourn time: the Exp(μ) service itself.
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        -(1.0 - p).ln() / self.mu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MMc;

    /// Independent reference: the birth–death chain with death rate nμ, solved numerically.
    #[test]
    fn poisson_occupancy_matches_birth_death_chain() {
        let (lambda, mu) = (7.0, 2.0);
        let q = MMInf::new(lambda, mu).unwrap();
        let mut p = vec![1.0f64; 200];
        for n in 1..200 {
            p[n] = p[n - 1] * lambda / (n as f64 * mu);
        }
        let z: f64 = p.iter().sum();
        for n in [0u32, 1, 3, 10] {
            let bd = p[n as usize] / z;
            assert!((q.p_n(n) - bd).abs() < 1e-12 * bd);
        }
        let l: f64 = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum::<f64>() / z;
        assert!((q.measures().l - l).abs() < 1e-12 * l);
    }

    /// Limit: M/M/c with c far above the load has (numerically) no waiting, T → 1/μ.
    #[test]
    fn many_servers_limit() {
        let m = MMc::new(5.0, 1.0, 200).unwrap().measures();
        let inf = MMInf::new(5.0, 1.0).unwrap().measures();
        assert!((m.t - inf.t).abs() < 1e-12);
        assert!((m.l - inf.l).abs() < 1e-12);
        assert!(
            (MMInf::new(5.0, 0.5).unwrap().sojourn_quantile(0.5) - 2.0 * std::f64::consts::LN_2)
                .abs()
                < 1e-15
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MMInf::new(1.0, -1.0),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
