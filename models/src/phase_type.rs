//! Phase-type (PH) distributions: the time to absorption of a finite continuous-time Markov
//! chain started in phase i with probability αᵢ and moving among its transient phases by the
//! sub-generator S, leaving to absorption at rates s⁰ = −S·1 (M. F. Neuts, *Matrix-Geometric
//! Solutions in Stochastic Models*, Johns Hopkins, 1981, ch. 2). Exponential, Erlang-k and
//! hyperexponential service are PH, which lets the matrix-analytic models take them.

use crate::linalg::Matrix;
use crate::{Shape, VariateSpec};

/// A phase-type distribution (α, S), α a probability vector (no mass at 0).
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseType {
    /// Initial probabilities of the phases.
    pub alpha: Vec<f64>,
    /// The sub-generator among the phases.
    pub s: Matrix,
}

impl PhaseType {
    /// Exponential of mean `mean`: one phase.
    pub fn exponential(mean: f64) -> Self {
        PhaseType {
            alpha: vec![1.0],
            s: vec![vec![-1.0 / mean]],
        }
    }

    /// Erlang with `k` phases in series, each Exp(k/mean).
    pub fn erlang(k: u32, mean: f64) -> Self {
        let k = k.max(1) as usize;
        let rate = k as f64 / mean;
        let s = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| match j {
                        _ if j == i => -rate,
                        _ if j == i + 1 => rate,
                        _ => 0.0,
                    })
                    .collect()
            })
            .collect();
        let mut alpha = vec![0.0; k];
        alpha[0] = 1.0;
        PhaseType { alpha, s }
    }

    /// A hyperexponential: with probability `probs[i]` an Exp(`rates[i]`).
    pub fn hyperexponential(probs: &[f64], rates: &[f64]) -> Self {
        let n = probs.len();
        let s = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { -rates[i] } else { 0.0 })
                    .collect()
            })
            .collect();
        PhaseType {
            alpha: probs.to_vec(),
            s,
        }
    }

    /// The PH form of an exponential, Erlang or hyperexponential variate; None for the other
    /// families.
    pub fn of(v: &VariateSpec) -> Option<Self> {
        match v.shape {
            Shape::Exponential => Some(Self::exponential(v.mean)),
            Shape::Erlang { k } => Some(Self::erlang(k, v.mean)),
            Shape::Hyperexponential {
                phases,
                probs,
                rates,
            } => Some(Self::hyperexponential(
                &probs[..phases as usize],
                &rates[..phases as usize],
            )),
            _ => None,
        }
    }

    /// Number of phases.
    pub fn phases(&self) -> usize {
        self.alpha.len()
    }

    /// The exit rates s⁰ = −S·1.
    pub fn exit(&self) -> Vec<f64> {
        self.s.iter().map(|row| -row.iter().sum::<f64>()).collect()
    }

    /// The mean, α(−S)⁻¹1; NaN if S is singular.
    pub fn mean(&self) -> f64 {
        let minus: Matrix = crate::qbd::negate(&self.s);
        let t: Matrix = (0..self.phases())
            .map(|i| (0..self.phases()).map(|j| minus[j][i]).collect())
            .collect();
        // (−S)ᵀ y = αᵀ gives y = α(−S)⁻¹ as a column; its sum is the mean.
        crate::linalg::solve(&t, &self.alpha).map_or(f64::NAN, |y| y.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_of_the_three_families() {
        assert!((PhaseType::exponential(2.0).mean() - 2.0).abs() < 1e-14);
        let e3 = PhaseType::erlang(3, 1.5);
        assert!((e3.mean() - 1.5).abs() < 1e-14);
        assert_eq!(e3.exit(), vec![0.0, 0.0, 2.0]);
        // 0.3·(1/3) + 0.7·(1/0.5) = 0.1 + 1.4.
        let h2 = PhaseType::hyperexponential(&[0.3, 0.7], &[3.0, 0.5]);
        assert!((h2.mean() - 1.5).abs() < 1e-14);
        let spec = VariateSpec {
            mean: 1.5,
            scv: 1.0 / 3.0,
            shape: Shape::Erlang { k: 3 },
        };
        assert_eq!(PhaseType::of(&spec), Some(e3));
        let general = VariateSpec {
            shape: Shape::General,
            ..spec
        };
        assert_eq!(PhaseType::of(&general), None);
    }
}
