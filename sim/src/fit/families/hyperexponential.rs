//! The two-phase hyperexponential, by EM; standard errors from the outer product of the
//! scores.

use super::finish;
use crate::dist::DistSpec;
use crate::fit::{Fit, FitError, Param};

pub(super) fn fit_hyperexponential(x: &[f64]) -> Result<Fit, FitError> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let scv = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n / (mean * mean);
    // Start from the balanced-means two-moment match (scv > 1), or two nearby rates.
    let (mut p, mut r1, mut r2) = if scv > 1.05 {
        let p1 = (1.0 + ((scv - 1.0) / (scv + 1.0)).sqrt()) / 2.0;
        (p1, 2.0 * p1 / mean, 2.0 * (1.0 - p1) / mean)
    } else {
        (0.5, 1.5 / mean, 0.75 / mean)
    };
    // EM; each E-step also gives the log-likelihood at the current parameters.
    let mut ll = f64::NEG_INFINITY;
    for _ in 0..1000 {
        let (mut w_sum, mut wx_sum, mut vx_sum, mut ll_now) = (0.0, 0.0, 0.0, 0.0);
        for &v in x {
            let a = p * r1 * (-r1 * v).exp();
            let b = (1.0 - p) * r2 * (-r2 * v).exp();
            ll_now += (a + b).ln();
            let w = if a + b > 0.0 {
                a / (a + b)
            } else if r1 < r2 {
                1.0
            } else {
                0.0
            };
            w_sum += w;
            wx_sum += w * v;
            vx_sum += (1.0 - w) * v;
        }
        let gain = ll_now - ll;
        ll = ll_now;
        if gain.abs() <= 1e-9 * n {
            break;
        }
        let (np, nr1, nr2) = (w_sum / n, w_sum / wx_sum, (n - w_sum) / vx_sum);
        if !(np > 0.0 && np < 1.0 && nr1.is_finite() && nr2.is_finite()) {
            break;
        }
        (p, r1, r2) = (np, nr1, nr2);
    }
    // Phase 1 is the slow one (smaller rate), as the data generator writes it.
    if r1 > r2 {
        (p, r1, r2) = (1.0 - p, r2, r1);
    }
    // Standard errors: inverse of the outer product of the per-observation scores.
    let mut j = [[0.0; 3]; 3];
    for &v in x {
        let (e1, e2) = ((-r1 * v).exp(), (-r2 * v).exp());
        let f = p * r1 * e1 + (1.0 - p) * r2 * e2;
        let s = [
            (r1 * e1 - r2 * e2) / f,
            p * e1 * (1.0 - r1 * v) / f,
            (1.0 - p) * e2 * (1.0 - r2 * v) / f,
        ];
        for a in 0..3 {
            for b in 0..3 {
                j[a][b] += s[a] * s[b];
            }
        }
    }
    let se = invert3(&j).map_or([f64::NAN; 3], |c| {
        [c[0][0].sqrt(), c[1][1].sqrt(), c[2][2].sqrt()]
    });
    finish(
        "hyperexponential",
        vec![
            Param {
                name: "p",
                value: p,
                se: se[0],
            },
            Param {
                name: "rate1",
                value: r1,
                se: se[1],
            },
            Param {
                name: "rate2",
                value: r2,
                se: se[2],
            },
        ],
        DistSpec {
            probs: Some(vec![p, 1.0 - p]),
            rates: Some(vec![r1, r2]),
            ..DistSpec::of_kind("hyperexponential")
        },
        ll,
        x,
        |t| 1.0 - p * (-r1 * t).exp() - (1.0 - p) * (-r2 * t).exp(),
    )
}

/// The inverse of a symmetric 3×3 matrix, None when singular.
fn invert3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if !(det.abs() > 0.0 && det.is_finite()) {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = c(j, i) / det;
        }
    }
    Some(inv)
}
