//! Random variates for inter-arrival, service, and crash and repair times.
//!
//! Every distribution kind of the scenario contract (README.md and docs/scenarios.md) is
//! here: exponential, deterministic, uniform, erlang, gamma, lognormal, weibull,
//! hyperexponential, pareto and empirical. Each is validated once by [`Distribution::from_spec`] (errors name the key and
//! say what is wrong) and then sampled without allocating.
//!
//! A `trace` is written as a distribution table but is not one: it replays recorded arrival
//! times in order, which needs a cursor. It lives in [`crate::arrivals`], as one of the two
//! things a producer's `interarrival` may be; nothing here can draw from it.

mod data;
mod error;
mod from_spec;
mod moments;
mod params;
mod sample;
mod spec;
#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;

use rand_distr::{Exp, Gamma, LogNormal, Pareto, Uniform, Weibull};

pub use error::{DataFileError, DistError, DistProblem};
pub use spec::{DistSpec, KINDS};

pub(crate) use data::read_timestamps;
pub(crate) use moments::mean_scv;
pub(crate) use params::Params;

/// A validated distribution that knows its mean and SCV.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Exponential with the given rate.
    Exponential(Exp<f64>, f64),
    /// Always the same value.
    Deterministic(f64),
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
        /// The sampler.
        dist: Uniform<f64>,
    },
    /// Erlang: the sum of `k` exponentials, sampled as Gamma(k, mean/k).
    Erlang {
        /// Number of phases.
        k: u32,
        /// Mean of the sum.
        mean: f64,
        /// The sampler.
        dist: Gamma<f64>,
    },
    /// Gamma with shape and scale (mean = shape·scale).
    Gamma {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
        /// The sampler.
        dist: Gamma<f64>,
    },
    /// exp(N(mu, sigma²)).
    LogNormal {
        /// Mean of the underlying normal.
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
        /// The sampler.
        dist: LogNormal<f64>,
    },
    /// Weibull with shape k and scale λ: P(X > x) = exp(−(x/λ)^k).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ.
        scale: f64,
        /// The sampler.
        dist: Weibull<f64>,
    },
    /// A mixture of exponentials: phase i with probability `probs[i]`, then Exp(`rates[i]`).
    Hyperexponential {
        /// Phase probabilities (they add up to 1).
        probs: Arc<[f64]>,
        /// Phase rates.
        rates: Arc<[f64]>,
        /// Running sums of `probs`, the last set to exactly 1.
        cumulative: Arc<[f64]>,
    },
    /// Classical Pareto: P(X > x) = (scale/x)^shape for x ≥ scale.
    ///
    /// The mean is infinite for shape ≤ 1 and the SCV for shape ≤ 2; [`Distribution::mean`]
    /// and [`Distribution::scv`] then report `f64::INFINITY`.
    Pareto {
        /// Shape α.
        shape: f64,
        /// Scale x_m (the minimum).
        scale: f64,
        /// The sampler.
        dist: Pareto<f64>,
    },
    /// Resamples the values of a data file uniformly.
    Empirical {
        /// The samples.
        samples: Arc<[f64]>,
        /// Their mean.
        mean: f64,
        /// Their SCV (population variance / mean²), the SCV of uniform resampling.
        scv: f64,
    },
}

/// The sampling library's refusal of parameters, in its words.
fn sampler(e: impl std::fmt::Display) -> DistProblem {
    DistProblem::Sampler(e.to_string())
}

impl Distribution {
    fn exponential(rate: f64) -> Result<Self, DistProblem> {
        let exp = Exp::new(rate).map_err(sampler)?;
        Ok(Distribution::Exponential(exp, rate))
    }

    fn uniform(low: f64, high: f64) -> Result<Self, DistProblem> {
        let dist = Uniform::new(low, high).map_err(sampler)?;
        Ok(Distribution::Uniform { low, high, dist })
    }

    fn erlang(k: u32, mean: f64) -> Result<Self, DistProblem> {
        let dist = Gamma::new(f64::from(k), mean / f64::from(k)).map_err(sampler)?;
        Ok(Distribution::Erlang { k, mean, dist })
    }

    fn gamma(shape: f64, scale: f64) -> Result<Self, DistProblem> {
        let dist = Gamma::new(shape, scale).map_err(sampler)?;
        Ok(Distribution::Gamma { shape, scale, dist })
    }

    fn lognormal(mu: f64, sigma: f64) -> Result<Self, DistProblem> {
        let dist = LogNormal::new(mu, sigma).map_err(sampler)?;
        Ok(Distribution::LogNormal { mu, sigma, dist })
    }

    fn weibull(shape: f64, scale: f64) -> Result<Self, DistProblem> {
        // rand_distr's order is (scale, shape).
        let dist = Weibull::new(scale, shape).map_err(sampler)?;
        Ok(Distribution::Weibull { shape, scale, dist })
    }

    fn pareto(shape: f64, scale: f64) -> Result<Self, DistProblem> {
        // rand_distr's order is (scale, shape).
        let dist = Pareto::new(scale, shape).map_err(sampler)?;
        Ok(Distribution::Pareto { shape, scale, dist })
    }

    /// A hyperexponential of checked phases: as many rates as probabilities (at least one),
    /// probabilities adding up to 1.
    fn hyperexponential(probs: &[f64], rates: &[f64]) -> Self {
        debug_assert!(!probs.is_empty() && probs.len() == rates.len());
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = probs
            .iter()
            .map(|p| {
                acc += p;
                acc
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Distribution::Hyperexponential {
            probs: probs.into(),
            rates: rates.into(),
            cumulative: cumulative.into(),
        }
    }

    fn empirical(samples: Arc<[f64]>) -> Result<Self, DistProblem> {
        let (mean, scv) = mean_scv(&samples);
        if !(mean > 0.0 && mean.is_finite()) {
            return Err(DistProblem::SamplesMean(mean));
        }
        Ok(Distribution::Empirical { samples, mean, scv })
    }

    /// The same distribution with every value multiplied by `factor` (> 0).
    ///
    /// # Panics
    /// If `factor` is not a positive finite number (or the scaled parameters overflow).
    pub fn scaled(&self, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor > 0.0,
            "scale factor must be positive, not {factor}"
        );
        let scaled = match self {
            Distribution::Exponential(_, rate) => Self::exponential(rate / factor),
            Distribution::Deterministic(v) => Ok(Distribution::Deterministic(v * factor)),
            Distribution::Uniform { low, high, .. } => Self::uniform(low * factor, high * factor),
            Distribution::Erlang { k, mean, .. } => Self::erlang(*k, mean * factor),
            Distribution::Gamma { shape, scale, .. } => Self::gamma(*shape, scale * factor),
            Distribution::LogNormal { mu, sigma, .. } => Self::lognormal(mu + factor.ln(), *sigma),
            Distribution::Weibull { shape, scale, .. } => Self::weibull(*shape, scale * factor),
            Distribution::Hyperexponential { probs, rates, .. } => {
                let rates: Vec<f64> = rates.iter().map(|r| r / factor).collect();
                Ok(Self::hyperexponential(probs, &rates))
            }
            Distribution::Pareto { shape, scale, .. } => Self::pareto(*shape, scale * factor),
            Distribution::Empirical { samples, .. } => {
                Self::empirical(samples.iter().map(|x| x * factor).collect())
            }
        };
        scaled.expect("scaling a valid distribution by a positive factor")
    }
}
