//! What a distribution's parameters say about it: its mean, its SCV, and the summary the
//! queueing models take.

use statrs::function::gamma::ln_gamma;

use super::Distribution;
use super::error::DistProblem;
use kendall_models::{Shape, VariateSpec};

impl Distribution {
    /// The mean (`f64::INFINITY` for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Exponential(_, rate) => 1.0 / rate,
            Distribution::Deterministic(v) => *v,
            Distribution::Uniform { low, high, .. } => (low + high) / 2.0,
            Distribution::Erlang { mean, .. } => *mean,
            Distribution::Gamma { shape, scale, .. } => shape * scale,
            Distribution::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Weibull { shape, scale, .. } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
            Distribution::Hyperexponential { probs, rates, .. } => {
                probs.iter().zip(rates.iter()).map(|(p, r)| p / r).sum()
            }
            Distribution::Pareto { shape, scale, .. } => {
                if *shape > 1.0 {
                    shape * scale / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
            Distribution::Empirical { mean, .. } => *mean,
        }
    }

    /// The squared coefficient of variation, Var/mean² (`f64::INFINITY` for a Pareto with
    /// shape ≤ 2, whose variance does not exist).
    pub fn scv(&self) -> f64 {
        match self {
            Distribution::Exponential(..) => 1.0,
            Distribution::Deterministic(_) => 0.0,
            Distribution::Uniform { low, high, .. } => {
                let m = (low + high) / 2.0;
                (high - low).powi(2) / 12.0 / (m * m)
            }
            Distribution::Erlang { k, .. } => 1.0 / f64::from(*k),
            Distribution::Gamma { shape, .. } => 1.0 / shape,
            Distribution::LogNormal { sigma, .. } => (sigma * sigma).exp_m1(),
            Distribution::Weibull { shape, .. } => weibull_log_second_moment_ratio(*shape).exp_m1(),
            Distribution::Hyperexponential { probs, rates, .. } => {
                let m = self.mean();
                let m2: f64 = probs
                    .iter()
                    .zip(rates.iter())
                    .map(|(p, r)| 2.0 * p / (r * r))
                    .sum();
                m2 / (m * m) - 1.0
            }
            Distribution::Pareto { shape, .. } => {
                if *shape > 2.0 {
                    1.0 / (shape * (shape - 2.0))
                } else {
                    f64::INFINITY
                }
            }
            Distribution::Empirical { scv, .. } => *scv,
        }
    }

    /// What the queueing models need to know of this distribution.
    pub fn to_variate_spec(&self) -> VariateSpec {
        let shape = match self {
            Distribution::Exponential(..) => Shape::Exponential,
            Distribution::Deterministic(_) => Shape::Deterministic,
            Distribution::Erlang { k: 1, .. } => Shape::Exponential,
            Distribution::Erlang { k, .. } => Shape::Erlang { k: *k },
            Distribution::Gamma { shape, .. } if *shape == 1.0 => Shape::Exponential,
            Distribution::Gamma { shape, .. } => Shape::Gamma { shape: *shape },
            Distribution::Uniform { low, high, .. } => Shape::Uniform {
                low: *low,
                high: *high,
            },
            Distribution::Hyperexponential { probs, rates, .. } => {
                Shape::hyperexponential(probs, rates)
            }
            _ => Shape::General,
        };
        VariateSpec {
            mean: self.mean(),
            scv: self.scv(),
            shape,
        }
    }
}

/// Population mean and SCV (variance / mean²) of `xs`: those of resampling them uniformly.
pub(crate) fn mean_scv(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var / (mean * mean))
}

/// ln(E[X²]/E[X]²) = ln Γ(1+2/k) − 2 ln Γ(1+1/k) for a Weibull of shape k; 1 + scv = its exp.
fn weibull_log_second_moment_ratio(shape: f64) -> f64 {
    ln_gamma(1.0 + 2.0 / shape) - 2.0 * ln_gamma(1.0 + 1.0 / shape)
}

/// The Weibull shape with the given SCV, by bisection on ln(shape) (the SCV falls as the
/// shape grows).
pub(super) fn weibull_shape_for_scv(scv: f64) -> Result<f64, DistProblem> {
    const LO: f64 = 0.02;
    const HI: f64 = 1e4;
    let target = scv.ln_1p();
    let f = |ln_k: f64| weibull_log_second_moment_ratio(ln_k.exp()) - target;
    let (mut a, mut b) = (LO.ln(), HI.ln());
    if !(f(a) >= 0.0 && f(b) <= 0.0) {
        return Err(DistProblem::WeibullScv {
            scv,
            lowest: weibull_log_second_moment_ratio(HI).exp_m1(),
            highest: weibull_log_second_moment_ratio(LO).exp_m1(),
            min_shape: LO,
            max_shape: HI,
        });
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if f(m) > 0.0 {
            a = m;
        } else {
            b = m;
        }
        if b - a < 1e-15 {
            break;
        }
    }
    Ok((0.5 * (a + b)).exp())
}
