//! Constant data: the deterministic fit, alone (no likelihood, so no AIC or KS p-value).

use crate::dist::DistSpec;
use crate::fit::{Fit, Param};

/// The deterministic fit of `sorted` data with sample `mean` and population `var`.
pub(in crate::fit) fn fit_deterministic(sorted: &[f64], mean: f64, var: f64) -> Fit {
    let n = sorted.len() as f64;
    // KS against a unit step at the mean: F_n below it, 1 − F_n from it on.
    let below = sorted.partition_point(|&x| x < mean) as f64 / n;
    let above = 1.0 - sorted.partition_point(|&x| x <= mean) as f64 / n;
    Fit {
        kind: "deterministic",
        params: vec![Param {
            name: "value",
            value: mean,
            se: (var / n).sqrt(),
        }],
        spec: DistSpec {
            value: Some(mean),
            ..DistSpec::of_kind("deterministic")
        },
        mean,
        scv: 0.0,
        loglik: f64::NAN,
        n_params: 1,
        aic: f64::NAN,
        ks: below.max(above),
        ks_p: f64::NAN,
    }
}
