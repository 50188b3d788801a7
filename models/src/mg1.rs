//! M/G/1: Poisson arrivals, general service times, one consumer (Pollaczek–Khinchine).

use crate::{Measures, ModelError, positive, stable};

/// Checks that a squared coefficient of variation is finite and non-negative.
pub(crate) fn scv(name: &'static str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ModelError::InvalidParameter {
            name,
            value,
            reason: "squared coefficient of variation must be finite and >= 0",
        })
    }
}

/// The M/G/1 FIFO queue, known through the mean and SCV of its service time.
///
/// Source: the Pollaczek–Khinchine mean-value formula, Kleinrock, *Queueing Systems, Vol. 1*
/// (1975), eq. 5.72: Wq = λ·E[S²] / (2(1−ρ)), with E[S²] = E[S]²(1 + c_s²) and ρ = λE[S];
/// T = Wq + E[S], L and Lq by Little's law, P(wait) = ρ (PASTA, the server is busy a fraction
/// ρ of the time). Means are exact for any service distribution with these two moments;
/// quantiles depend on the whole distribution and are not given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MG1 {
    lambda: f64,
    mean: f64,
    scv: f64,
}

impl MG1 {
    /// An M/G/1 queue with arrival rate `lambda`, mean service time `mean_service` and service
    /// squared coefficient of variation `scv_service` (0 for constant, 1 for exponential).
    pub fn new(lambda: f64, mean_service: f64, scv_service: f64) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mean = positive("mean_service", mean_service)?;
        let scv = scv("scv_service", scv_service)?;
        stable(lambda * mean)?;
        Ok(Self { lambda, mean, scv })
    }

    /// Second moment of the service time, E[S²].
    pub fn second_moment(&self) -> f64 {
        self.mean * self.mean * (1.0 + self.scv)
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let rho = self.lambda * self.mean;
        let wq = self.lambda * self.second_moment() / (2.0 * (1.0 - rho));
        Measures::from_wait(self.lambda, self.mean, wq, rho, Some(rho))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MD1, MM1};

    /// Special cases: SCV = 1 is M/M/1, SCV = 0 is M/D/1.
    #[test]
    fn special_cases() {
        for rho in [0.1, 0.5, 0.9, 0.99] {
            let a = MG1::new(rho, 1.0, 1.0).unwrap().measures();
            let b = MM1::new(rho, 1.0).unwrap().measures();
            assert!((a.t - b.t).abs() < 1e-12 * b.t);
            assert!((a.lq - b.lq).abs() < 1e-12 * b.lq);
            let a = MG1::new(rho / 2.0, 2.0, 0.0).unwrap().measures();
            let b = MD1::new(rho / 2.0, 2.0).unwrap().measures();
            assert!((a.t - b.t).abs() < 1e-12 * b.t);
        }
    }

    /// Independent method: Erlang's method of stages for M/E_k/1. The number of service
    /// stages j left in the system is a Markov chain (an arrival adds k stages, stages finish
    /// at rate kμ); its cut equations kμ·p_{j+1} = λ·Σ_{i=j−k+1}^{j} p_i give the distribution,
    /// and the number of messages is ⌈j/k⌉ (Kleinrock Vol. 1, §4.3).
    #[test]
    fn erlang_service_by_method_of_stages() {
        for &(lambda, k) in &[(0.6, 2usize), (0.8, 4), (0.3, 7)] {
            let mu = 1.0;
            let n = 20_000;
            let mut p = vec![0.0f64; n];
            p[0] = 1.0;
            for j in 0..n - 1 {
                let lo = (j + 1).saturating_sub(k);
                let s: f64 = p[lo..=j].iter().sum();
                p[j + 1] = lambda * s / (k as f64 * mu);
            }
            let z: f64 = p.iter().sum();
            let l: f64 = p
                .iter()
                .enumerate()
                .map(|(j, x)| j.div_ceil(k) as f64 * x)
                .sum::<f64>()
                / z;
            let m = MG1::new(lambda, 1.0 / mu, 1.0 / k as f64)
                .unwrap()
                .measures();
            assert!((m.l - l).abs() < 1e-9 * l, "k={k}: L {} vs {l}", m.l);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            MG1::new(1.0, 1.0, 0.5),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            MG1::new(0.5, 1.0, -0.1),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            MG1::new(0.5, 0.0, 1.0),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
