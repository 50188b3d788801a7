//! Each family's maximum-likelihood fit to sorted data, and what every fit shares: its mean
//! and SCV as [`crate::dist`] computes them, its AIC and its KS statistic.

mod deterministic;
mod exponential;
mod gamma;
mod hyperexponential;
mod lognormal;
mod pareto;
mod weibull;

pub use gamma::trigamma;

pub(super) use deterministic::fit_deterministic;

use super::goodness::{ks_p_value, ks_statistic};
use super::{Fit, FitError, Param};
use crate::dist::{DistSpec, Distribution};
use crate::error::KeyPath;

/// A family's fit to sorted data.
type FitFn = fn(&[f64]) -> Result<Fit, FitError>;

/// The families fitted when the data are not constant, in the order they are tried, each
/// with whether it needs every value > 0 (its support excludes 0).
pub(super) const FAMILIES: [(&str, FitFn, bool); 6] = [
    ("exponential", exponential::fit_exponential, false),
    ("gamma", gamma::fit_gamma, true),
    ("lognormal", lognormal::fit_lognormal, true),
    ("weibull", weibull::fit_weibull, true),
    (
        "hyperexponential",
        hyperexponential::fit_hyperexponential,
        false,
    ),
    ("pareto", pareto::fit_pareto, true),
];

/// Builds the [`Fit`] of `spec`: mean and SCV from [`crate::dist`], AIC, and KS against `cdf`.
pub(super) fn finish(
    kind: &'static str,
    params: Vec<Param>,
    spec: DistSpec,
    loglik: f64,
    sorted: &[f64],
    cdf: impl Fn(f64) -> f64,
) -> Result<Fit, FitError> {
    if !loglik.is_finite() {
        return Err(FitError::LogLikelihood(loglik));
    }
    let dist =
        Distribution::from_spec(&spec, &KeyPath::default()).map_err(FitError::InvalidParameters)?;
    let n_params = params.len();
    let ks = ks_statistic(sorted, cdf);
    Ok(Fit {
        kind,
        params,
        spec,
        mean: dist.mean(),
        scv: dist.scv(),
        loglik,
        n_params,
        aic: 2.0 * n_params as f64 - 2.0 * loglik,
        ks,
        ks_p: ks_p_value(ks, sorted.len()),
    })
}
