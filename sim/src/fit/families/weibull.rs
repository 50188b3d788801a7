//! The weibull: safeguarded Newton (bisection fallback) on the shape.

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

pub(super) fn fit_weibull(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    // Scale-free: fit y = x/mean, whose logs are moderate.
    let ly: Vec<f64> = x.iter().map(|v| (v / mean).ln()).collect();
    let mean_ly = ly.iter().sum::<f64>() / n;
    // g(k) = 1/k + mean(ln y) − Σ y^k ln y / Σ y^k, decreasing in k; its root is the MLE.
    let g = |k: f64| {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &l in &ly {
            let w = (k * l).exp();
            s0 += w;
            s1 += w * l;
            s2 += w * l * l;
        }
        let (a, b) = (s1 / s0, s2 / s0);
        (1.0 / k + mean_ly - a, -1.0 / (k * k) - (b - a * a))
    };
    let sd_ly = (ly.iter().map(|l| (l - mean_ly).powi(2)).sum::<f64>() / n).sqrt();
    let mut k = (1.2 / sd_ly).clamp(1e-3, 1e3);
    let (mut lo, mut hi) = (k, k);
    while g(lo).0 < 0.0 {
        lo /= 2.0;
        if lo < 1e-6 {
            return Err(FitError::WeibullShapeTooSmall);
        }
    }
    while g(hi).0 > 0.0 {
        hi *= 2.0;
        if hi > 1e6 {
            return Err(FitError::WeibullShapeTooLarge);
        }
    }
    for _ in 0..200 {
        let (f, df) = g(k);
        if f > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let mut next = k - f / df;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        let done = (next - k).abs() <= 1e-12 * k || hi - lo <= 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    let mean_yk = ly.iter().map(|l| (k * l).exp()).sum::<f64>() / n;
    let scale = mean * mean_yk.powf(1.0 / k);
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let loglik = n * k.ln() - n * k * scale.ln() + (k - 1.0) * sum_ln
        - x.iter().map(|v| (v / scale).powf(k)).sum::<f64>();
    // Inverse Fisher information: Var k = 6k²/(π² n); Var λ = λ²((1−γ)² + π²/6)/(k² π²/6 n).
    let euler = 0.577_215_664_901_532_9_f64;
    let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
    finish(
        "weibull",
        vec![
            Param {
                name: "shape",
                value: k,
                se: k / (pi2_6 * n).sqrt(),
            },
            Param {
                name: "scale",
                value: scale,
                se: scale / k * (((1.0 - euler).powi(2) + pi2_6) / (pi2_6 * n)).sqrt(),
            },
        ],
        DistSpec {
            shape: Some(k),
            scale: Some(scale),
            ..DistSpec::of_kind("weibull")
        },
        loglik,
        x,
        |t| -(-(t / scale).powf(k)).exp_m1(),
    )
}
