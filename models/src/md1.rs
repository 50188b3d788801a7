//! M/D/1: Poisson arrivals, constant service time, one consumer.

use crate::{Measures, ModelError, positive, stable};

/// The M/D/1 queue.
///
/// Source: the Pollaczek–Khinchine mean-value formula, Kleinrock, *Queueing Systems, Vol. 1*
/// (1975), eq. 5.72: Wq = λ·E[S²] / (2(1−ρ)). With a constant service time d, E[S²] = d²,
/// so Wq = ρ·d / (2(1−ρ)), T = Wq + d, and L, Lq by Little's law.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MD1 {
    lambda: f64,
    d: f64,
}

impl MD1 {
    /// An M/D/1 queue with arrival rate `lambda` and constant service time `d`.
    pub fn new(lambda: f64, d: f64) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let d = positive("d", d)?;
        stable(lambda * d)?;
        Ok(Self { lambda, d })
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let rho = self.lambda * self.d;
        let wq = rho * self.d / (2.0 * (1.0 - rho));
        Measures::from_wait(self.lambda, self.d, wq, rho, Some(rho))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gross & Harris, *Fundamentals of Queueing Theory* (4th ed.), M/D/1 with ρ = 0.5:
    /// Lq = ρ²/(2(1−ρ)) = 0.25; and half the M/M/1 Lq at the same load (8.1 / 2 at ρ = 0.9).
    #[test]
    fn textbook_values() {
        let m = MD1::new(0.5, 1.0).unwrap().measures();
        assert!((m.lq - 0.25).abs() < 1e-12);
        let m = MD1::new(0.9, 1.0).unwrap().measures();
        assert!((m.lq - 4.05).abs() < 1e-12);
        assert!((m.t - 5.5).abs() < 1e-12);
    }

    #[test]
    fn rejects_overload() {
        assert!(matches!(
            MD1::new(2.0, 0.5),
            Err(ModelError::Unstable { .. })
        ));
    }
}
