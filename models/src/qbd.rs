//! The shared machinery of the quasi-birth–death (QBD) models: the minimal solutions G and R
//! of a level-independent QBD, and the small vector helpers the matrix-analytic models use
//! ([`crate::mmpp_mc`], [`crate::mmpp_ph1`]).
//!
//! Source: a QBD whose levels from some n on repeat, with blocks A₀ (one level up), A₁
//! (within the level) and A₂ (one level down), has π_{n+k} = π_n R^k, R the minimal
//! non-negative solution of A₀ + R A₁ + R² A₂ = 0 (M. F. Neuts, *Matrix-Geometric Solutions
//! in Stochastic Models*, Johns Hopkins, 1981, ch. 3). R comes from the matrix G, the minimal
//! solution of A₂ + A₁G + A₀G² = 0, found by the logarithmic reduction algorithm (G. Latouche
//! & V. Ramaswami, "A logarithmic reduction algorithm for quasi-birth-death processes",
//! *J. Applied Probability* 30(3), 1993), as R = A₀(−A₁ − A₀G)⁻¹ (Latouche & Ramaswami,
//! *Introduction to Matrix Analytic Methods in Stochastic Modeling*, SIAM, 1999, Thm 6.2.9).

use crate::ModelError;
use crate::linalg::{Matrix, add_scaled, inverse, mul, scaled_identity};

/// Convergence of the logarithmic reduction: 1 − G·1 below this in every row.
const G_TOLERANCE: f64 = 1e-14;
/// Near saturation rounding keeps 1 − G·1 above [`G_TOLERANCE`]: the reduction also stops
/// when the defect no longer falls and is below this.
const G_FLOOR: f64 = 1e-11;

/// R, the rate matrix of a positive-recurrent QBD's repeating levels, from its blocks `up`
/// (A₀), `local` (A₁) and `down` (A₂); None when a block is singular or the reduction does
/// not converge.
pub(crate) fn rate_matrix(
    up: &[Vec<f64>],
    local: &[Vec<f64>],
    down: &[Vec<f64>],
) -> Option<Matrix> {
    let g = log_reduction(up, local, down)?;
    let u = add_scaled(local, 1.0, &mul(up, &g));
    Some(mul(up, &inverse(&negate(&u))?))
}

/// The dot product.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// −A.
pub(crate) fn negate(a: &[Vec<f64>]) -> Matrix {
    a.iter().map(|r| r.iter().map(|x| -x).collect()).collect()
}

/// The Kronecker product A ⊗ B.
pub(crate) fn kron(a: &[Vec<f64>], b: &[Vec<f64>]) -> Matrix {
    let (ra, rb) = (a.len(), b.len());
    let (ca, cb) = (a.first().map_or(0, Vec::len), b.first().map_or(0, Vec::len));
    (0..ra * rb)
        .map(|r| {
            (0..ca * cb)
                .map(|c| a[r / rb][c / cb] * b[r % rb][c % cb])
                .collect()
        })
        .collect()
}

/// Checks a Markov-modulated Poisson process — arrival rate `rates[i]` in phase i of the
/// switching chain of generator `generator` — and gives its long-run arrival rate θ·λ, θ the
/// chain's stationary vector. Errors name the parameter at fault, as every model's do.
pub(crate) fn modulated_rate(rates: &[f64], generator: &[Vec<f64>]) -> Result<f64, ModelError> {
    let m = rates.len();
    let invalid = |name, value, reason| ModelError::InvalidParameter {
        name,
        value,
        reason,
    };
    if m == 0 || generator.len() != m || generator.iter().any(|r| r.len() != m) {
        return Err(invalid(
            "Q",
            m as f64,
            "one generator row and column per arrival rate",
        ));
    }
    if let Some(&r) = rates.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
        return Err(invalid("lambda_i", r, "must be finite and >= 0"));
    }
    let theta = phase_stationary(generator).ok_or(invalid(
        "Q",
        m as f64,
        "the switching chain must be irreducible",
    ))?;
    let lambda = dot(&theta, rates);
    if lambda <= 0.0 {
        return Err(invalid(
            "lambda",
            lambda,
            "the long-run arrival rate must be > 0",
        ));
    }
    Ok(lambda)
}

/// The stationary distribution θ of generator `q` (θQ = 0, θ1 = 1); None if not unique.
pub(crate) fn phase_stationary(q: &[Vec<f64>]) -> Option<Vec<f64>> {
    let theta = left_null_vector(q)?;
    theta.iter().all(|&t| t > 0.0).then_some(theta)
}

/// The row vector x with x·A = 0 and x·1 = 1 (A singular of rank n − 1): the transposed
/// system with its last equation replaced by the normalisation.
pub(crate) fn left_null_vector(a: &[Vec<f64>]) -> Option<Vec<f64>> {
    let n = a.len();
    let mut t: Matrix = (0..n).map(|i| (0..n).map(|j| a[j][i]).collect()).collect();
    t[n - 1] = vec![1.0; n];
    let mut b = vec![0.0; n];
    b[n - 1] = 1.0;
    let x = crate::linalg::solve(&t, &b)?;
    let total: f64 = x.iter().sum();
    Some(x.iter().map(|v| v / total).collect())
}

/// G, the minimal solution of A₂ + A₁G + A₀G² = 0 (`up` = A₀, `local` = A₁, `down` = A₂), by
/// logarithmic reduction, to 1e-14 in 1 − G·1 (or to its rounding floor, when that is below
/// 1e-11); None if a block is singular or it does not converge.
fn log_reduction(up: &[Vec<f64>], local: &[Vec<f64>], down: &[Vec<f64>]) -> Option<Matrix> {
    let m = up.len();
    let minus_local_inv = inverse(&negate(local))?;
    let mut h = mul(&minus_local_inv, up);
    let mut l = mul(&minus_local_inv, down);
    let mut g = l.clone();
    let mut t = h.clone();
    let id = scaled_identity(m, 1.0);
    let mut last = f64::INFINITY;
    for _ in 0..100 {
        let u = add_scaled(&mul(&h, &l), 1.0, &mul(&l, &h));
        let k = inverse(&add_scaled(&id, -1.0, &u))?;
        h = mul(&k, &mul(&h, &h));
        l = mul(&k, &mul(&l, &l));
        g = add_scaled(&g, 1.0, &mul(&t, &l));
        t = mul(&t, &h);
        let defect = g
            .iter()
            .map(|row| (1.0 - row.iter().sum::<f64>()).abs())
            .fold(0.0, f64::max);
        if defect < G_TOLERANCE || (defect >= last && defect < G_FLOOR) {
            return Some(g);
        }
        last = defect;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronecker_product_by_hand() {
        let a = vec![vec![1.0, 2.0]];
        let b = vec![vec![0.0, 1.0], vec![1.0, 0.0]];
        assert_eq!(
            kron(&a, &b),
            vec![vec![0.0, 1.0, 0.0, 2.0], vec![1.0, 0.0, 2.0, 0.0]]
        );
    }

    #[test]
    fn rate_matrix_of_the_birth_death_chain_is_rho() {
        // M/M/1 as a one-phase QBD: R = λ/μ.
        let r = rate_matrix(&[vec![0.6]], &[vec![-1.6]], &[vec![1.0]]).unwrap();
        assert!((r[0][0] - 0.6).abs() < 1e-14, "{r:?}");
    }
}
