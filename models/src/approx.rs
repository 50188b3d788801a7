//! Labelled approximations. Every function here returns an **approximation**, not an exact
//! result: the oracle must report it as such, and the simulation is the truth.

use crate::mg1::scv;
use crate::{MMc, Measures, ModelError, positive, stable};

/// The inputs of a two-moment approximation, checked: λ and E[S] positive, both SCVs valid.
fn two_moments(
    lambda: f64,
    mean_service: f64,
    scv_arrival: f64,
    scv_service: f64,
) -> Result<(f64, f64, f64, f64), ModelError> {
    Ok((
        positive("lambda", lambda)?,
        positive("mean_service", mean_service)?,
        scv("scv_arrival", scv_arrival)?,
        scv("scv_service", scv_service)?,
    ))
}

/// Kingman's G/G/1 approximation (an approximation, exact for M/G/1).
///
/// Source: J. F. C. Kingman, "The single server queue in heavy traffic", *Proc. Cambridge
/// Philosophical Society* 57(4), 1961, 902–904: Wq ≈ ρ/(1−ρ) · (c_a² + c_s²)/2 · E[S], with
/// c_a², c_s² the SCVs of inter-arrival and service times. Asymptotically exact as ρ → 1 and
/// exact when c_a² = 1 (Pollaczek–Khinchine). T = Wq + E[S]; L, Lq by Little's law;
/// `p_wait` is `None`.
pub fn kingman(
    lambda: f64,
    mean_service: f64,
    scv_arrival: f64,
    scv_service: f64,
) -> Result<Measures, ModelError> {
    let (lambda, es, ca2, cs2) = two_moments(lambda, mean_service, scv_arrival, scv_service)?;
    let rho = lambda * es;
    stable(rho)?;
    let wq = rho / (1.0 - rho) * (ca2 + cs2) / 2.0 * es;
    Ok(Measures::from_wait(lambda, es, wq, rho, None))
}

/// The Allen–Cunneen G/G/c approximation (an approximation, exact for M/M/c).
///
/// Source: A. O. Allen, *Probability, Statistics, and Queueing Theory* (2nd ed., Academic
/// Press, 1990), the Allen–Cunneen approximation for GI/G/c; also G. Bolch et al., *Queueing
/// Networks and Markov Chains* (2nd ed., Wiley, 2006), ch. 6 (GI/G/m approximations):
/// Wq ≈ Wq(M/M/c) · (c_a² + c_s²)/2, Wq(M/M/c) from Erlang C with the same λ, E[S] and c.
/// `p_wait` is `None`.
pub fn allen_cunneen(
    lambda: f64,
    mean_service: f64,
    c: u32,
    scv_arrival: f64,
    scv_service: f64,
) -> Result<Measures, ModelError> {
    let (lambda, es, ca2, cs2) = two_moments(lambda, mean_service, scv_arrival, scv_service)?;
    let mmc = MMc::new(lambda, 1.0 / es, c)?.measures();
    let wq = mmc.wq * (ca2 + cs2) / 2.0;
    Ok(Measures::from_wait(lambda, es, wq, mmc.utilization, None))
}

/// Power-of-d choices (the "supermarket model"), mean-field limit (an approximation for a
/// finite number of consumers).
///
/// Source: M. Mitzenmacher, "The power of two choices in randomized load balancing", *IEEE
/// Trans. Parallel and Distributed Systems* 12(10), 2001, 1094–1104; N. D. Vvedenskaya,
/// R. L. Dobrushin, F. I. Karpelevich, *Problems of Information Transmission* 32(1), 1996.
/// n consumers, each with its own FIFO queue and exponential service, Poisson arrivals at
/// total rate nλ; each message samples d queues uniformly and joins the shortest. As n → ∞
/// the fraction of queues with at least i messages is s_i = ρ^{(dⁱ−1)/(d−1)} (s_i = ρⁱ for
/// d = 1) with ρ = λE[S], and T = E[S] · Σ_{i≥1} s_i / ρ. P(wait) = ρ^d (all d sampled
/// queues busy). Exponential service only; for finite n the true T is larger.
///
/// `lambda` is the arrival rate **per consumer**; the returned L, Lq and throughput are
/// per consumer (multiply by n for the station), T and Wq are every message's.
pub fn power_of_d(lambda: f64, mean_service: f64, d: u32) -> Result<Measures, ModelError> {
    let lambda = positive("lambda", lambda)?;
    let es = positive("mean_service", mean_service)?;
    if d == 0 {
        return Err(ModelError::InvalidParameter {
            name: "d",
            value: 0.0,
            reason: "must sample at least one queue",
        });
    }
    let rho = lambda * es;
    stable(rho)?;
    let l: f64 = supermarket_tail(rho, d).iter().sum();
    let t = l / lambda;
    Ok(Measures {
        t,
        wq: t - es,
        l,
        lq: l - rho,
        utilization: rho,
        throughput: lambda,
        p_wait: Some(rho.powi(d as i32)),
        p_loss: 0.0,
    })
}

/// s_1, s_2, … of the supermarket model until they fall below 1e-300.
fn supermarket_tail(rho: f64, d: u32) -> Vec<f64> {
    let d = f64::from(d);
    let mut out = Vec::new();
    let mut exponent = 1.0; // (dⁱ − 1)/(d − 1) = 1 + d + … + d^{i−1}
    loop {
        let s = (exponent * rho.ln()).exp();
        if s < 1e-300 || out.len() > 100_000 {
            break;
        }
        out.push(s);
        exponent = exponent * d + 1.0;
    }
    out
}

/// Join-the-shortest-queue, mean-field limit (an approximation: optimistic for any finite
/// number of consumers).
///
/// What it is: the n → ∞ limit, at fixed load ρ = λE[S] < 1 per consumer, of n exponential
/// consumers with separate queues where each message joins a shortest queue — equivalently
/// the d → ∞ limit of [`power_of_d`] (s_1 = ρ, s_i = 0 for i ≥ 2). In that limit an idle
/// consumer can always be found, so nobody waits: T = E[S], Wq = 0, L = ρ per consumer.
/// Source: the d → ∞ limit of Mitzenmacher (2001), see [`power_of_d`]. For finite n, JSQ
/// waits are positive (and at least those of M/M/n with a shared queue), so this is a lower
/// bound on T, close only for many consumers at moderate load.
///
/// `lambda` is the arrival rate per consumer; L, Lq and throughput are per consumer.
pub fn jsq_mean_field(lambda: f64, mean_service: f64) -> Result<Measures, ModelError> {
    let lambda = positive("lambda", lambda)?;
    let es = positive("mean_service", mean_service)?;
    let rho = lambda * es;
    stable(rho)?;
    Ok(Measures::from_wait(lambda, es, 0.0, rho, Some(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GiM1, Interarrival, MG1, MM1};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// Kingman with Poisson arrivals is Pollaczek–Khinchine, for any service SCV.
    #[test]
    fn kingman_exact_for_poisson_arrivals() {
        for cs2 in [0.0, 0.5, 1.0, 4.0] {
            let k = kingman(0.8, 1.1, 1.0, cs2).unwrap();
            let pk = MG1::new(0.8, 1.1, cs2).unwrap().measures();
            assert!(close(k.wq, pk.wq, 1e-12));
            assert!(close(k.l, pk.l, 1e-12));
        }
    }

    /// Kingman's heavy-traffic limit against the exact GI/M/1 (E_2/M/1, c_a² = 1/2): the ratio
    /// tends to 1 as ρ → 1, and is clearly off at moderate load (it is an approximation).
    #[test]
    fn kingman_heavy_traffic_against_exact_gim1() {
        let exact = |rho: f64| {
            GiM1::new(Interarrival::Erlang { k: 2, mean: 1.0 }, 1.0 / rho)
                .unwrap()
                .measures()
                .wq
        };
        let approx = |rho: f64| kingman(1.0, rho, 0.5, 1.0).unwrap().wq;
        assert!(close(approx(0.999), exact(0.999), 2e-3));
        assert!(!close(approx(0.5), exact(0.5), 2e-2));
    }

    /// Allen–Cunneen is exact for M/M/c and reduces to Kingman for c = 1.
    #[test]
    fn allen_cunneen_special_cases() {
        let a = allen_cunneen(3.6, 1.0, 4, 1.0, 1.0).unwrap();
        let m = MMc::new(3.6, 1.0, 4).unwrap().measures();
        assert!(close(a.wq, m.wq, 1e-12));
        assert!(close(a.t, m.t, 1e-12));
        let a = allen_cunneen(0.7, 1.0, 1, 0.3, 2.0).unwrap();
        let k = kingman(0.7, 1.0, 0.3, 2.0).unwrap();
        assert!(close(a.wq, k.wq, 1e-12));
    }

    /// d = 1 (random assignment) is M/M/1 per consumer.
    #[test]
    fn power_of_one_is_mm1() {
        let p = power_of_d(0.9, 1.0, 1).unwrap();
        let m = MM1::new(0.9, 1.0).unwrap().measures();
        assert!(close(p.t, m.t, 1e-12));
        assert!(close(p.l, m.l, 1e-12));
        assert!(close(p.p_wait.unwrap(), 0.9, 1e-15));
    }

    /// Independent check: the tail s_i is the fixed point of the mean-field equations
    /// ds_i/dt = λ(s_{i−1}^d − s_i^d) − μ(s_i − s_{i+1}), s_0 = 1 (Mitzenmacher 2001, §3), and
    /// it is reached by integrating those equations from an empty system.
    #[test]
    fn supermarket_tail_is_the_mean_field_fixed_point() {
        for &(rho, d) in &[(0.9, 2u32), (0.7, 3), (0.95, 2)] {
            let s = supermarket_tail(rho, d);
            let at = |i: usize| {
                if i == 0 {
                    1.0
                } else {
                    s.get(i - 1).copied().unwrap_or(0.0)
                }
            };
            for i in 1..s.len() {
                let drift =
                    rho * (at(i - 1).powi(d as i32) - at(i).powi(d as i32)) - (at(i) - at(i + 1));
                assert!(drift.abs() < 1e-14, "rho={rho} d={d} i={i}: {drift}");
            }
            // Euler integration of the ODE (μ = 1) from empty, then compare T.
            let n = 60;
            let mut x = vec![0.0f64; n + 2];
            x[0] = 1.0;
            let h = 0.01;
            for _ in 0..400_000 {
                let mut dx = vec![0.0; n + 2];
                for i in 1..=n {
                    dx[i] =
                        rho * (x[i - 1].powi(d as i32) - x[i].powi(d as i32)) - (x[i] - x[i + 1]);
                }
                for i in 1..=n {
                    x[i] += h * dx[i];
                }
            }
            let t_ode: f64 = x[1..=n].iter().sum::<f64>() / rho;
            let t = power_of_d(rho, 1.0, d).unwrap().t;
            assert!(close(t, t_ode, 1e-6), "rho={rho} d={d}: {t} vs {t_ode}");
        }
    }

    /// JSQ mean field is the d → ∞ limit of power-of-d; service time scales T.
    #[test]
    fn jsq_is_limit_of_power_of_d() {
        let j = jsq_mean_field(0.3, 2.0).unwrap();
        let p = power_of_d(0.45, 2.0, 400).unwrap();
        let j2 = jsq_mean_field(0.45, 2.0).unwrap();
        assert!(close(p.t, j2.t, 1e-12));
        assert!(close(j.t, 2.0, 1e-15));
        assert_eq!(j.wq, 0.0);
        // Time scaling: E[S] = 2 doubles T at the same ρ.
        let a = power_of_d(0.9, 1.0, 2).unwrap();
        let b = power_of_d(0.45, 2.0, 2).unwrap();
        assert!(close(b.t, 2.0 * a.t, 1e-12));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            kingman(1.0, 1.0, 1.0, 1.0),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            kingman(0.5, 1.0, -1.0, 1.0),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            allen_cunneen(5.0, 1.0, 4, 1.0, 1.0),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            power_of_d(0.5, 1.0, 0),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            jsq_mean_field(1.5, 1.0),
            Err(ModelError::Unstable { .. })
        ));
    }
}
