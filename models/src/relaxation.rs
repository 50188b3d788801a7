//! How long a queue that starts empty takes to settle (its relaxation time), and the bias the
//! start leaves in a simulation's averages when the warm-up and the run are short beside it.
//!
//! A simulation starts with no message in the system. Near saturation, and in large fleets run
//! close to their capacity, the queue takes far longer to build up than the mean sojourn time
//! suggests; averages taken before it has are biased low, and every replication shares that
//! bias, so no confidence interval shows it.

use statrs::function::erf::erfc;

use crate::{ModelError, positive};

/// The relaxation time τ of a queue with arrival rate `lambda` and `capacity` (messages per
/// time unit with every consumer busy: c/E[S] for c consumers of unit speed), scaled by
/// `variability` = (c_a² + c_s²)/2 (1 for Poisson arrivals and exponential service): the time
/// constant of its queue's last approach to steady state. `Ok(None)` when the queue is not
/// stable (capacity ≤ λ): it never settles.
///
/// Source: P. M. Morse, "Stochastic properties of waiting lines", *Operations Research* 3(3),
/// 1955, 255–261: the M/M/1 queue approaches equilibrium like e^{−t/τ} with
/// τ = 1/(√μ − √λ)² = 1/(μ(1 − √ρ)²) — used here exactly for M/M/1. Two extensions are
/// approximations, for the heavy traffic where the bias matters:
/// - c consumers that are all busy drain the queue like one server of rate cμ, so μ becomes
///   the capacity cμ;
/// - in heavy traffic a queue behaves like a reflected Brownian motion whose variance is
///   proportional to c_a² + c_s², and its relaxation time scales with that variance over the
///   squared drift (J. Abate, W. Whitt, "Transient behavior of regulated Brownian motion, I:
///   starting at the origin", *Advances in Applied Probability* 19(3), 1987, 560–598), so τ is
///   multiplied by (c_a² + c_s²)/2 — the factor Kingman's formula applies to the wait.
///
/// Morse's τ for M/M/1 matches the Brownian one, 2σ²/θ² with σ² = λ + μ and θ = μ − λ, as
/// ρ → 1: both are 4/(μ(1 − ρ)²) to first order.
pub fn relaxation_time(
    lambda: f64,
    capacity: f64,
    variability: f64,
) -> Result<Option<f64>, ModelError> {
    let lambda = positive("lambda", lambda)?;
    let capacity = positive("capacity", capacity)?;
    if variability.is_nan() || variability < 0.0 {
        return Err(ModelError::InvalidParameter {
            name: "variability",
            value: variability,
            reason: "must be a non-negative number",
        });
    }
    if capacity <= lambda {
        return Ok(None);
    }
    Ok(Some(
        variability / (capacity.sqrt() - lambda.sqrt()).powi(2),
    ))
}

/// Estimate of the relative bias an empty start leaves in the time-average number in system,
/// measured over `window` time units after a warm-up of `warmup`, for a queue of relaxation
/// time `tau` whose service takes `mean_service` on average, and of which a share
/// `queued` = Lq/L of the messages present wait rather than being served (None when no
/// model gives it). Capped at 1: the average may be all start-up. An estimate, not an exact
/// bias: it tells a run that has settled (well under 1%) from one that has not.
///
/// The bias is the deficit's area left after the warm-up, over the steady-state level L times
/// the window. Two deficits add up, each on its part of L:
/// - **the queue (Lq):** in heavy traffic the queue is a reflected Brownian motion, whose
///   mean from empty approaches its limit as 1 − H₁(t) with
///   H₁(t) = 2[(1 + t)Φᶜ(√t) − √t·φ(√t)] in units of σ²/θ² = τ/2 (J. Abate, W. Whitt,
///   "Transient behavior of regulated Brownian motion, I: starting at the origin", *Advances
///   in Applied Probability* 19(3), 1987, 560–598). The area left after the warm-up is
///   Lq·(τ/2)·∫ H₁ from 2·warmup/τ on; from warmup 0 that is Lq·τ/4. For M/M/1 the same
///   estimate on L falls short of the exact area ρ/(μ(1 − ρ)³) by 10% at ρ = 0.8 and 2.5% at
///   0.95 (J. Abate, W. Whitt, "Transient behavior of the M/M/1 queue: starting at the
///   origin", *Queueing Systems* 2, 1987, 41–65; this module's tests compare the estimate after
///   several warm-ups with M/M/1 solved by uniformization);
/// - **the messages in service (L − Lq):** the consumers fill like an infinite-server queue,
///   whose mean number in system from empty is a·(1 − e^{−t/E[S]}): area
///   a·E[S]·e^{−warmup/E[S]}, exactly.
///
/// Without `queued`, the larger of the two terms counts for all of L, which is never less.
pub fn startup_bias(
    tau: f64,
    mean_service: f64,
    queued: Option<f64>,
    warmup: f64,
    window: f64,
) -> f64 {
    if window.is_nan() || window <= 0.0 {
        return 1.0;
    }
    let queue = tau / 2.0 * h1_tail(2.0 * warmup / tau);
    let fill = mean_service * (-warmup / mean_service).exp();
    let area = match queued {
        Some(share) => {
            let share = share.clamp(0.0, 1.0);
            share * queue + (1.0 - share) * fill
        }
        None => queue.max(fill),
    };
    (area / window).min(1.0)
}

/// Abate and Whitt's H₁(t) = 1 − E[R(t)]/E[R(∞)] for the canonical reflected Brownian motion
/// R (drift −1, variance 1) started at 0.
fn h1(t: f64) -> f64 {
    let r = t.sqrt();
    let tail = 0.5 * erfc(r / std::f64::consts::SQRT_2);
    let density = (-t / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (2.0 * ((1.0 + t) * tail - r * density)).max(0.0)
}

/// ∫ H₁ from `u` to ∞ (1/2 from 0), by Simpson's rule in s = √(t − u), which smooths the
/// square root at 0; H₁ is below 10⁻¹⁶ beyond t = u + 160.
fn h1_tail(u: f64) -> f64 {
    const STEPS: usize = 4_000;
    let (end, u) = (160f64.sqrt(), u.max(0.0));
    let h = end / STEPS as f64;
    let f = |s: f64| 2.0 * s * h1(u + s * s);
    let inner: f64 = (1..STEPS)
        .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(0.0) + inner + f(end)) * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm1_is_morse() {
        // M/M/1 at ρ = 0.9, μ = 1: τ = 1/(1 − √0.9)² = 379.737 (Morse's formula by hand:
        // √0.9 = 0.9486833, 1 − that = 0.0513167, squared 0.00263340).
        let tau = relaxation_time(0.9, 1.0, 1.0).unwrap().unwrap();
        assert!((tau - 379.737).abs() < 0.001, "{tau}");
        // The same queue in other units: λ and μ ten times larger, τ ten times smaller.
        let fast = relaxation_time(9.0, 10.0, 1.0).unwrap().unwrap();
        assert!((fast - tau / 10.0).abs() < 1e-9, "{fast}");
        // Near saturation it is 4/(μ(1 − ρ)²) to first order (the Brownian limit).
        let near = relaxation_time(0.999, 1.0, 1.0).unwrap().unwrap();
        assert!(
            (near * 0.001f64.powi(2) / 4.0 - 1.0).abs() < 0.002,
            "{near}"
        );
    }

    #[test]
    fn pooled_fleets_and_variability() {
        // 3,009 consumers of mean service 1 at λ = 3,000: √3009 = 54.854353, √3000 =
        // 54.772256, the gap squared 0.0067399, so τ = 148.37.
        let tau = relaxation_time(3000.0, 3009.0, 1.0).unwrap().unwrap();
        assert!((tau - 148.37).abs() < 0.01, "{tau}");
        // Deterministic service halves it.
        let d = relaxation_time(3000.0, 3009.0, 0.5).unwrap().unwrap();
        assert!((d - tau / 2.0).abs() < 1e-9);
        // At or past capacity it never settles; bad parameters are errors.
        assert_eq!(relaxation_time(2.0, 2.0, 1.0).unwrap(), None);
        assert!(relaxation_time(-1.0, 2.0, 1.0).is_err());
        assert!(relaxation_time(1.0, 2.0, f64::NAN).is_err());
    }

    /// ∫ from `warmup` on of (L − E[N(t)]) dt for M/M/1 (μ = 1) started empty, by
    /// uniformization: the chain moves at the epochs of a Poisson process of rate Λ = λ + 1,
    /// and ∫_W^∞ P(k epochs by t) dt = P(Poisson(ΛW) ≤ k)/Λ, so the area is
    /// Σ_k (L − E[N_k])·P(Poisson(ΛW) ≤ k)/Λ over the embedded chain's steps k.
    fn mm1_deficit_after(lambda: f64, warmup: f64, steps: usize) -> f64 {
        let rate = lambda + 1.0;
        let (up, down) = (lambda / rate, 1.0 / rate);
        let l = lambda / (1.0 - lambda);
        let mut p = vec![0.0; 700];
        p[0] = 1.0;
        let (mut area, mut cdf, mut log_term) = (0.0, 0.0, -rate * warmup);
        for k in 0..steps {
            cdf += log_term.exp();
            log_term += (rate * warmup).ln() - ((k + 1) as f64).ln();
            let mean: f64 = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
            area += (l - mean) / rate * cdf.min(1.0);
            let mut next = vec![0.0; p.len()];
            for (n, &x) in p.iter().enumerate() {
                let d = if n > 0 { down } else { 0.0 };
                next[(n + 1).min(p.len() - 1)] += x * up;
                next[n.saturating_sub(1)] += x * d;
                next[n] += x * (1.0 - up - d);
            }
            p = next;
        }
        area
    }

    #[test]
    fn deficit_from_empty_is_abate_whitt() {
        // From warmup 0 the whole area, ρ/(μ(1 − ρ)³) (Abate and Whitt's M/M/1 paper).
        for rho in [0.8, 0.9] {
            let area = mm1_deficit_after(rho, 0.0, 20_000);
            let exact = rho / (1.0 - rho).powi(3);
            assert!(
                (area / exact - 1.0).abs() < 1e-6,
                "ρ {rho}: {area} vs {exact}"
            );
        }
    }

    #[test]
    fn brownian_tail_matches_mm1_after_any_warmup() {
        assert!((h1(0.0) - 1.0).abs() < 1e-15);
        // ∫ H₁ = 1/2; values at 1 and 5 from an independent trapezoid sum (200,000 steps).
        assert!((h1_tail(0.0) - 0.5).abs() < 1e-5, "{}", h1_tail(0.0));
        assert!((h1_tail(1.0) - 0.166_63).abs() < 1e-4, "{}", h1_tail(1.0));
        assert!((h1_tail(5.0) - 0.008_445).abs() < 1e-5, "{}", h1_tail(5.0));
        // M/M/1 at ρ = 0.95: the deficit left after a warm-up of 0, 0.2, 1 and 3 relaxation
        // times, exact against the estimate L·(τ/2)·∫H₁ (within 5%; 3% when computed).
        let rho = 0.95;
        let l = rho / (1.0 - rho);
        let tau = relaxation_time(rho, 1.0, 1.0).unwrap().unwrap();
        for w in [0.0, 0.2, 1.0, 3.0] {
            let exact = mm1_deficit_after(rho, w * tau, 40_000);
            let estimate = l * tau / 2.0 * h1_tail(2.0 * w);
            assert!(
                (estimate / exact - 1.0).abs() < 0.05,
                "warm-up {w} τ: {estimate} vs {exact}"
            );
        }
    }

    #[test]
    fn bias_falls_with_warmup_and_window() {
        // Queue term from no warm-up: τ/4 over the window.
        assert!((startup_bias(40.0, 1.0, None, 0.0, 1000.0) - 0.01).abs() < 1e-6);
        // A warm-up of 2.5 τ (u = 5) leaves (τ/2)·0.008445 of it.
        let later = startup_bias(40.0, 1e-3, None, 100.0, 1000.0);
        assert!((later - 20.0 * 0.008_445 / 1000.0).abs() < 1e-6, "{later}");
        // Fill term: one mean service time over the window when the queue settles at once.
        assert!((startup_bias(0.1, 2.0, None, 0.0, 100.0) - 0.02).abs() < 1e-12);
        // With the queued share known, each term counts for its part: a quarter queued.
        let mixed = startup_bias(40.0, 2.0, Some(0.25), 0.0, 1000.0);
        let want = (0.25 * 40.0 / 4.0 + 0.75 * 2.0) / 1000.0;
        assert!((mixed - want).abs() < 1e-6, "{mixed}");
        assert!(mixed < startup_bias(40.0, 2.0, None, 0.0, 1000.0));
        assert_eq!(startup_bias(40.0, 1.0, None, 0.0, 1.0), 1.0);
        assert_eq!(startup_bias(40.0, 1.0, None, 0.0, 0.0), 1.0);
    }
}
