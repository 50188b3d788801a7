//! The exponential, in closed form: λ = 1/mean.

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

pub(super) fn fit_exponential(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let sum: f64 = x.iter().sum();
    let rate = n / sum;
    let loglik = n * rate.ln() - rate * sum;
    finish(
        "exponential",
        vec![Param {
            name: "rate",
            value: rate,
            se: rate / n.sqrt(),
        }],
        DistSpec {
            rate: Some(rate),
            ..DistSpec::of_kind("exponential")
        },
        loglik,
        x,
        |t| -(-rate * t).exp_m1(),
    )
}
