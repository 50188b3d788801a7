//! M/M/1: Poisson arrivals, exponential service, one consumer, unbounded FIFO queue.

use crate::{Measures, ModelError, positive, stable};

/// The M/M/1 queue.
///
/// Source: L. Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.2 and §3.3:
/// with ρ = λ/μ < 1, L = ρ/(1−ρ), T = 1/(μ−λ), Wq = ρ/(μ−λ), Lq = ρ²/(1−ρ), P(wait) = ρ;
/// under FIFO the sojourn time is exponential with rate μ−λ (eq. 3.29 there), so its
/// p-quantile is −ln(1−p)/(μ−λ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MM1 {
    lambda: f64,
    mu: f64,
}

impl MM1 {
    /// An M/M/1 queue with arrival rate `lambda` and service rate `mu`; errors unless both are
    /// positive and λ < μ.
    pub fn new(lambda: f64, mu: f64) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        stable(lambda / mu)?;
        Ok(Self { lambda, mu })
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let rho = self.lambda / self.mu;
        let t = 1.0 / (self.mu - self.lambda);
        Measures {
            t,
            wq: rho * t,
            l: rho / (1.0 - rho),
            lq: rho * rho / (1.0 - rho),
            utilization: rho,
            throughput: self.lambda,
            p_wait: Some(rho),
            p_loss: 0.0,
        }
    }

    /// The p-quantile of the FIFO sojourn time (0 < p < 1).
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        -(1.0 - p).ln() / (self.mu - self.lambda)
    }

    /// The p-quantile of the FIFO waiting time: P(Wq > t) = ρ·e^{−(μ−λ)t}.
    pub fn wait_quantile(&self, p: f64) -> f64 {
        let rho = self.lambda / self.mu;
        if 1.0 - p >= rho {
            0.0
        } else {
            (rho / (1.0 - p)).ln() / (self.mu - self.lambda)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kleinrock's worked figures for λ = 0.9, μ = 1: T = 10, L = 9, Lq = 8.1, Wq = 9.
    #[test]
    fn textbook_values() {
        let m = MM1::new(0.9, 1.0).unwrap().measures();
        assert!((m.t - 10.0).abs() < 1e-12);
        assert!((m.l - 9.0).abs() < 1e-12);
        assert!((m.lq - 8.1).abs() < 1e-12);
        assert!((m.wq - 9.0).abs() < 1e-12);
        // Little's law as an independent cross-check.
        assert!((m.l - 0.9 * m.t).abs() < 1e-12);
    }

    #[test]
    fn quantiles_of_exponential_sojourn() {
        let q = MM1::new(0.5, 1.0).unwrap();
        // Median of Exp(0.5) is ln 2 / 0.5.
        assert!((q.sojourn_quantile(0.5) - 2.0 * std::f64::consts::LN_2).abs() < 1e-12);
        // P(Wq > 0) = ρ = 0.5, so the median wait is 0 and p90 solves 0.5 e^{-0.5 t} = 0.1.
        assert_eq!(q.wait_quantile(0.5), 0.0);
        assert!((q.wait_quantile(0.9) - 2.0 * 5f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MM1::new(1.0, 1.0),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            MM1::new(-1.0, 1.0),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
