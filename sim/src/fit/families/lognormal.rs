//! The lognormal, in closed form: the mean and population s.d. of ln x.

use statrs::function::erf::erfc;

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

pub(super) fn fit_lognormal(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let mu = sum_ln / n;
    let sigma = (x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>() / n).sqrt();
    if sigma.is_nan() || sigma <= 0.0 {
        return Err(FitError::LogNoSpread);
    }
    let loglik = -sum_ln - n * sigma.ln() - n / 2.0 * (2.0 * std::f64::consts::PI).ln() - n / 2.0;
    finish(
        "lognormal",
        vec![
            Param {
                name: "mu",
                value: mu,
                se: sigma / n.sqrt(),
            },
            Param {
                name: "sigma",
                value: sigma,
                se: sigma / (2.0 * n).sqrt(),
            },
        ],
        DistSpec {
            mu: Some(mu),
            sigma: Some(sigma),
            ..DistSpec::of_kind("lognormal")
        },
        loglik,
        x,
        |t| 0.5 * erfc(-(t.ln() - mu) / (sigma * std::f64::consts::SQRT_2)),
    )
}
