//! The classical pareto: x_m = min, α = n / Σ ln(x/x_m).

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

pub(super) fn fit_pareto(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let xm = x[0];
    let sum_ln: f64 = x.iter().map(|v| (v / xm).ln()).sum();
    if sum_ln.is_nan() || sum_ln <= 0.0 {
        return Err(FitError::AllAtMinimum);
    }
    let alpha = n / sum_ln;
    let loglik = n * alpha.ln() + n * alpha * xm.ln()
        - (alpha + 1.0) * x.iter().map(|v| v.ln()).sum::<f64>();
    finish(
        "pareto",
        vec![
            Param {
                name: "shape",
                value: alpha,
                se: alpha / n.sqrt(),
            },
            Param {
                name: "scale",
                value: xm,
                se: xm / (n * alpha - 1.0).max(1.0),
            },
        ],
        DistSpec {
            shape: Some(alpha),
            scale: Some(xm),
            ..DistSpec::of_kind("pareto")
        },
        loglik,
        x,
        |t| {
            if t < xm {
                0.0
            } else {
                1.0 - (xm / t).powf(alpha)
            }
        },
    )
}
