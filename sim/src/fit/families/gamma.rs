//! The gamma: Newton on the shape, ln k − ψ(k) = ln(mean) − mean(ln x), from Minka's start.

use statrs::function::gamma::{digamma, gamma_lr, ln_gamma};

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

/// ψ'(x), the trigamma function (x > 0): recurrence up to 10, then the asymptotic series
/// 1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1) (error below 1e-15 there).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // Bernoulli numbers B2..B12.
    let b = [
        1.0 / 6.0,
        -1.0 / 30.0,
        1.0 / 42.0,
        -1.0 / 30.0,
        5.0 / 66.0,
        -691.0 / 2730.0,
    ];
    let mut term = r * r2;
    let mut series = 0.0;
    for bk in b {
        series += bk * term;
        term *= r2;
    }
    acc + r + r2 / 2.0 + series
}

pub(super) fn fit_gamma(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let s = mean.ln() - sum_ln / n;
    if s.is_nan() || s <= 0.0 {
        return Err(FitError::GammaNoSpread);
    }
    // Minka's starting point, then Newton on f(k) = ln k − ψ(k) − s (f decreasing, convex).
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let mut next = k - f / df;
        if next.is_nan() || next <= 0.0 {
            next = k / 2.0;
        }
        let done = (next - k).abs() <= 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    let scale = mean / k;
    let loglik = (k - 1.0) * sum_ln - n * mean / scale - n * k * scale.ln() - n * ln_gamma(k);
    let tg = trigamma(k);
    let d = n * (k * tg - 1.0);
    finish(
        "gamma",
        vec![
            Param {
                name: "shape",
                value: k,
                se: (k / d).sqrt(),
            },
            Param {
                name: "scale",
                value: scale,
                se: (scale * scale * tg / d).sqrt(),
            },
        ],
        DistSpec {
            shape: Some(k),
            scale: Some(scale),
            ..DistSpec::of_kind("gamma")
        },
        loglik,
        x,
        |t| gamma_lr(k, t / scale),
    )
}
