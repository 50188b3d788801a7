//! Fits to values recorded at a resolution: a value at or below the resolution δ says only
//! that the true one lies in [0, δ] (whether the log rounded or truncated), so it enters the
//! likelihood as F(δ), every other value as its density f(x) — the interval-censored
//! likelihood (J. P. Klein & M. L. Moeschberger, *Survival Analysis*, 2nd ed., Springer,
//! 2003, §3.5). Every family is refitted by maximising it with Nelder–Mead over
//! unconstrained coordinates, from the family's closed-form or iterative fit to the values
//! above δ; standard errors come from the inverse of the numerical Hessian there.

use statrs::function::erf::erfc;
use statrs::function::gamma::{checked_gamma_lr, ln_gamma};

use super::families::finish;
use super::{Fit, FitError, Param};
use crate::dist::DistSpec;

/// A family whose likelihood can be censored: its density and CDF in its natural
/// parameters, as [`crate::fit`] names them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Law {
    Exponential,
    Gamma,
    LogNormal,
    Weibull,
    HyperExponential,
    /// With x_m below the resolution: z ↦ x_m = δ·σ(z).
    Pareto {
        below: f64,
    },
}

impl Law {
    fn of(kind: &str, below: f64) -> Option<Law> {
        Some(match kind {
            "exponential" => Law::Exponential,
            "gamma" => Law::Gamma,
            "lognormal" => Law::LogNormal,
            "weibull" => Law::Weibull,
            "hyperexponential" => Law::HyperExponential,
            "pareto" => Law::Pareto { below },
            _ => return None,
        })
    }

    /// Natural parameters from unconstrained coordinates.
    fn natural(self, z: &[f64]) -> Vec<f64> {
        match self {
            Law::LogNormal => vec![z[0], z[1].exp()],
            Law::HyperExponential => vec![sigmoid(z[0]), z[1].exp(), z[2].exp()],
            Law::Pareto { below } => vec![z[0].exp(), below * sigmoid(z[1])],
            _ => z.iter().map(|v| v.exp()).collect(),
        }
    }

    /// Unconstrained coordinates of natural parameters (the inverse of [`Law::natural`]).
    fn free(self, p: &[f64]) -> Vec<f64> {
        match self {
            Law::LogNormal => vec![p[0], p[1].ln()],
            Law::HyperExponential => vec![logit(p[0]), p[1].ln(), p[2].ln()],
            Law::Pareto { below } => vec![p[0].ln(), logit((p[1] / below).min(0.5))],
            _ => p.iter().map(|v| v.ln()).collect(),
        }
    }

    fn ln_pdf(self, p: &[f64], x: f64) -> f64 {
        match self {
            Law::Exponential => p[0].ln() - p[0] * x,
            Law::Gamma => {
                let (k, s) = (p[0], p[1]);
                (k - 1.0) * x.ln() - x / s - k * s.ln() - ln_gamma(k)
            }
            Law::LogNormal => {
                let (mu, sigma) = (p[0], p[1]);
                let z = (x.ln() - mu) / sigma;
                -x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z
            }
            Law::Weibull => {
                let (k, s) = (p[0], p[1]);
                k.ln() - s.ln() + (k - 1.0) * (x / s).ln() - (x / s).powf(k)
            }
            Law::HyperExponential => {
                let (q, r1, r2) = (p[0], p[1], p[2]);
                (q * r1 * (-r1 * x).exp() + (1.0 - q) * r2 * (-r2 * x).exp()).ln()
            }
            Law::Pareto { .. } => {
                let (a, xm) = (p[0], p[1]);
                if x < xm {
                    f64::NEG_INFINITY
                } else {
                    a.ln() + a * xm.ln() - (a + 1.0) * x.ln()
                }
            }
        }
    }

    fn cdf(self, p: &[f64], x: f64) -> f64 {
        match self {
            Law::Exponential => -(-p[0] * x).exp_m1(),
            Law::Gamma => checked_gamma_lr(p[0], x / p[1]).unwrap_or(f64::NAN),
            Law::LogNormal => 0.5 * erfc(-(x.ln() - p[0]) / (p[1] * std::f64::consts::SQRT_2)),
            Law::Weibull => -(-(x / p[1]).powf(p[0])).exp_m1(),
            Law::HyperExponential => {
                1.0 - p[0] * (-p[1] * x).exp() - (1.0 - p[0]) * (-p[2] * x).exp()
            }
            Law::Pareto { .. } => {
                if x < p[1] {
                    0.0
                } else {
                    1.0 - (p[1] / x).powf(p[0])
                }
            }
        }
    }

    /// The fitted distribution as a scenario writes it.
    fn spec(self, kind: &'static str, p: &[f64]) -> DistSpec {
        let base = DistSpec::of_kind(kind);
        match self {
            Law::Exponential => DistSpec {
                rate: Some(p[0]),
                ..base
            },
            Law::LogNormal => DistSpec {
                mu: Some(p[0]),
                sigma: Some(p[1]),
                ..base
            },
            Law::HyperExponential => DistSpec {
                probs: Some(vec![p[0], 1.0 - p[0]]),
                rates: Some(vec![p[1], p[2]]),
                ..base
            },
            Law::Gamma | Law::Weibull | Law::Pareto { .. } => DistSpec {
                shape: Some(p[0]),
                scale: Some(p[1]),
                ..base
            },
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// The censored log-likelihood: every value of `exact` by its density, `censored` values by
/// F(`below`).
fn loglik(law: Law, p: &[f64], exact: &[f64], censored: usize, below: f64) -> f64 {
    let dens: f64 = exact.iter().map(|&x| law.ln_pdf(p, x)).sum();
    let ll = dens + censored as f64 * law.cdf(p, below).ln();
    if ll.is_nan() { f64::NEG_INFINITY } else { ll }
}

/// `start`, a family's fit to the values above `below`, refitted to all of them (`sorted`,
/// `censored` of which lie at or below `below`) by the censored likelihood.
pub(super) fn refit(
    start: &Fit,
    sorted: &[f64],
    censored: usize,
    below: f64,
) -> Result<Fit, FitError> {
    let law = Law::of(start.kind, below).ok_or(FitError::Censoring(start.kind))?;
    let exact = &sorted[censored..];
    let mut p0: Vec<f64> = start.params.iter().map(|p| p.value).collect();
    if let Law::Pareto { .. } = law {
        // x_m must fall below the resolution for the censored values to be possible.
        p0[1] = p0[1].min(below / 2.0);
    }
    let f = |z: &[f64]| -loglik(law, &law.natural(z), exact, censored, below);
    let z = nelder_mead(&f, &law.free(&p0));
    let p = law.natural(&z);
    let ll = -f(&z);
    let se = standard_errors(law, &f, &z);
    let params = start
        .params
        .iter()
        .zip(p.iter().zip(se))
        .map(|(old, (&value, se))| Param {
            name: old.name,
            value,
            se,
        })
        .collect();
    finish(
        start.kind,
        params,
        law.spec(start.kind, &p),
        ll,
        sorted,
        |t| law.cdf(&p, t),
    )
}

/// Minimises `f` from `start` by Nelder–Mead (reflection 1, expansion 2, contraction ½,
/// shrink ½; J. A. Nelder & R. Mead, *Computer Journal* 7(4), 1965), until the simplex's
/// values agree to 1e-12 relative or 5000 iterations.
fn nelder_mead(f: &impl Fn(&[f64]) -> f64, start: &[f64]) -> Vec<f64> {
    let n = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=n)
        .map(|i| {
            let mut x = start.to_vec();
            if i > 0 {
                x[i - 1] += if x[i - 1] == 0.0 {
                    0.1
                } else {
                    0.1 * x[i - 1].abs()
                };
            }
            let v = f(&x);
            (x, v)
        })
        .collect();
    let point = |c: &[f64], w: &[f64], t: f64| -> Vec<f64> {
        c.iter().zip(w).map(|(a, b)| a + t * (b - a)).collect()
    };
    for _ in 0..5000 {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= 1e-12 * best.abs().max(1e-300) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let reflected = point(&centroid, &simplex[n].0, -1.0);
        let fr = f(&reflected);
        if fr < best {
            let expanded = point(&centroid, &simplex[n].0, -2.0);
            let fe = f(&expanded);
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = point(&centroid, &simplex[n].0, 0.5);
            let fc = f(&contracted);
            if fc < worst {
                simplex[n] = (contracted, fc);
            } else {
                let anchor = simplex[0].0.clone();
                for (x, v) in &mut simplex[1..] {
                    *x = point(&anchor, x, 0.5);
                    *v = f(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

/// Standard errors of the natural parameters at the optimum `z` of the negative
/// log-likelihood `f`: the inverse of its central-difference Hessian in `z`, carried to the
/// natural parameters by the delta method (each depends on its own coordinate). NaN where
/// the Hessian is singular.
fn standard_errors(law: Law, f: &impl Fn(&[f64]) -> f64, z: &[f64]) -> Vec<f64> {
    let n = z.len();
    let h: Vec<f64> = z.iter().map(|v| 1e-4 * v.abs().max(1.0)).collect();
    let at = |d: &[(usize, f64)]| {
        let mut x = z.to_vec();
        for &(i, s) in d {
            x[i] += s * h[i];
        }
        f(&x)
    };
    let mut hess = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            hess[i][j] = if i == j {
                (at(&[(i, 1.0)]) - 2.0 * at(&[]) + at(&[(i, -1.0)])) / (h[i] * h[i])
            } else {
                (at(&[(i, 1.0), (j, 1.0)])
                    - at(&[(i, 1.0), (j, -1.0)])
                    - at(&[(i, -1.0), (j, 1.0)])
                    + at(&[(i, -1.0), (j, -1.0)]))
                    / (4.0 * h[i] * h[j])
            };
        }
    }
    let Some(cov) = kendall_models::linalg::inverse(&hess) else {
        return vec![f64::NAN; n];
    };
    let p = law.natural(z);
    (0..n)
        .map(|i| {
            let mut moved = z.to_vec();
            moved[i] += h[i];
            let slope = (law.natural(&moved)[i] - p[i]) / h[i];
            slope.abs() * cov[i][i].max(0.0).sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2) + 2.0;
        let x = nelder_mead(&f, &[0.0, 0.0]);
        assert!(
            (x[0] - 3.0).abs() < 1e-5 && (x[1] + 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn coordinates_round_trip() {
        let cases = [
            (Law::Gamma, vec![0.7, 2.0]),
            (Law::LogNormal, vec![-0.3, 1.2]),
            (Law::HyperExponential, vec![0.3, 0.5, 4.0]),
            (Law::Pareto { below: 1e-3 }, vec![2.5, 2e-4]),
        ];
        for (law, p) in cases {
            let back = law.natural(&law.free(&p));
            for (a, b) in p.iter().zip(&back) {
                assert!(
                    (a - b).abs() < 1e-12 * a.abs().max(1.0),
                    "{law:?}: {p:?} {back:?}"
                );
            }
        }
    }

    #[test]
    fn densities_integrate_to_their_cdfs() {
        // ∫₀ˣ f = F(x) by the trapezoidal rule on a fine grid, for each law.
        let cases = [
            (Law::Exponential, vec![1.5]),
            (Law::Gamma, vec![2.5, 0.8]),
            (Law::LogNormal, vec![0.2, 0.6]),
            (Law::Weibull, vec![1.7, 1.3]),
            (Law::HyperExponential, vec![0.4, 0.5, 3.0]),
            (Law::Pareto { below: 1.0 }, vec![3.0, 0.5]),
        ];
        for (law, p) in cases {
            let (lo, hi, n) = (
                if let Law::Pareto { .. } = law {
                    0.5
                } else {
                    1e-9
                },
                2.0,
                200_000,
            );
            let dx = (hi - lo) / n as f64;
            let mut area = 0.0;
            for i in 0..n {
                let (a, b) = (lo + i as f64 * dx, lo + (i + 1) as f64 * dx);
                area += 0.5 * dx * (law.ln_pdf(&p, a).exp() + law.ln_pdf(&p, b).exp());
            }
            let want = law.cdf(&p, hi) - law.cdf(&p, lo);
            assert!((area - want).abs() < 1e-6, "{law:?}: {area} vs {want}");
        }
    }
}
