//! M_t/G/∞ from an empty start: the offered load of a time-varying arrival stream.

use std::fmt;
use std::sync::Arc;

use statrs::distribution::{Discrete, DiscreteCDF, Poisson};

use super::quad::integrate;
use super::rate::RateFn;
use crate::{ModelError, positive};

/// Relative accuracy asked of the quadratures.
const TOL: f64 = 1e-10;

/// The service-time law of an M_t/G/∞ station.
#[derive(Clone)]
pub enum ServiceLaw {
    /// Exponential with the given mean.
    Exponential {
        /// E[S].
        mean: f64,
    },
    /// Constant.
    Deterministic {
        /// The service time.
        time: f64,
    },
    /// Any law, given by its mean and survival function P(S > u).
    General {
        /// E[S].
        mean: f64,
        /// u ↦ P(S > u), non-increasing from 1 to 0.
        survival: Arc<dyn Fn(f64) -> f64 + Send + Sync>,
    },
}

impl fmt::Debug for ServiceLaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceLaw::Exponential { mean } => write!(f, "Exponential {{ mean: {mean} }}"),
            ServiceLaw::Deterministic { time } => write!(f, "Deterministic {{ time: {time} }}"),
            ServiceLaw::General { mean, .. } => write!(f, "General {{ mean: {mean}, .. }}"),
        }
    }
}

impl ServiceLaw {
    /// E[S].
    pub fn mean(&self) -> f64 {
        match self {
            ServiceLaw::Exponential { mean } | ServiceLaw::General { mean, .. } => *mean,
            ServiceLaw::Deterministic { time } => *time,
        }
    }

    /// P(S > u).
    pub fn survival(&self, u: f64) -> f64 {
        match self {
            ServiceLaw::Exponential { mean } => (-u / mean).exp(),
            ServiceLaw::Deterministic { time } => f64::from(u8::from(u < *time)),
            ServiceLaw::General { survival, .. } => survival(u),
        }
    }
}

/// The M_t/G/∞ queue started empty at t = 0: non-homogeneous Poisson arrivals at rate λ(t),
/// i.i.d. service times S, a consumer for every message (no waiting).
///
/// Source: S. G. Eick, W. A. Massey and W. Whitt, "The physics of the M_t/G/∞ queue",
/// *Operations Research* 41(4), 1993, 731–742, Theorem 1: the number in system at t is
/// Poisson with mean m(t) = ∫_0^t λ(t − u)·P(S > u) du = E[Λ(t − S, t)] (λ = 0 before 0).
/// Exponential service (rate μ) solves m' = λ − μm, in closed form for a sinusoid
/// (m(t) = mean(1 − e^{−μt})/μ + A(g(t) − e^{−μt}g(0)), g(t) = (μ sin(ωt+φ) − ω cos(ωt+φ))/
/// (μ² + ω²): EMW's periodic steady state as t → ∞) and piece by piece for a piecewise rate;
/// constant service s gives m(t) = Λ(t − s, t); a general law is integrated by adaptive
/// quadrature. The window average (1/w)∫_a^b m uses ∫_a^b m = (Λ(a, b) − m(b) + m(a))/μ for
/// exponential service and otherwise the exchange of integrals
/// ∫_a^b m = ∫_0^b P(S > u)·(Λ(0, b − u) − Λ(0, max(a − u, 0))) du.
#[derive(Debug, Clone)]
pub struct MtGInf {
    rate: RateFn,
    service: ServiceLaw,
}

/// The Poisson number in system of M_t/G/∞ at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonCount {
    /// Its mean (and variance), m(t).
    pub mean: f64,
}

impl PoissonCount {
    /// P(N = k).
    pub fn pmf(&self, k: u64) -> f64 {
        match Poisson::new(self.mean) {
            Ok(p) => p.pmf(k),
            Err(_) => f64::from(u8::from(k == 0)),
        }
    }

    /// P(N ≤ k).
    pub fn cdf(&self, k: u64) -> f64 {
        match Poisson::new(self.mean) {
            Ok(p) => p.cdf(k),
            Err(_) => 1.0,
        }
    }

    /// The smallest k with P(N ≤ k) ≥ p.
    pub fn quantile(&self, p: f64) -> u64 {
        match Poisson::new(self.mean) {
            Ok(d) => d.inverse_cdf(p),
            Err(_) => 0,
        }
    }
}

impl MtGInf {
    /// An M_t/G/∞ station; errors unless the service mean (or constant time) is positive.
    pub fn new(rate: RateFn, service: ServiceLaw) -> Result<Self, ModelError> {
        positive("mean_service", service.mean())?;
        Ok(Self { rate, service })
    }

    /// The arrival rate function.
    pub fn rate(&self) -> &RateFn {
        &self.rate
    }

    /// The service law.
    pub fn service(&self) -> &ServiceLaw {
        &self.service
    }

    /// m(t): the mean number in system at t (0 for t ≤ 0).
    pub fn mean(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        match &self.service {
            ServiceLaw::Exponential { mean } => exponential_mean(&self.rate, 1.0 / mean, t),
            ServiceLaw::Deterministic { time } => self.rate.integrated((t - time).max(0.0), t),
            ServiceLaw::General { survival, .. } => {
                let kinks: Vec<f64> = self
                    .rate
                    .breakpoints(0.0, t)
                    .iter()
                    .map(|x| t - x)
                    .collect();
                let f = |u: f64| self.rate.rate(t - u) * survival(u);
                integrate(
                    &f,
                    0.0,
                    t,
                    &kinks,
                    TOL * (1.0 + self.rate.integrated(0.0, t)),
                )
            }
        }
    }

    /// The number in system at t: Poisson with mean m(t).
    pub fn number_in_system(&self, t: f64) -> PoissonCount {
        PoissonCount { mean: self.mean(t) }
    }

    /// (1/(b − a))∫_a^b m(t) dt: the time-averaged number in system over the window [a, b),
    /// which a simulation's time-averaged L per window estimates. Needs 0 ≤ a < b.
    pub fn window_mean(&self, a: f64, b: f64) -> f64 {
        let a = a.max(0.0);
        if b <= a {
            return self.mean(a);
        }
        let integral = match &self.service {
            ServiceLaw::Exponential { mean } => {
                (self.rate.integrated(a, b) - self.mean(b) + self.mean(a)) * mean
            }
            _ => {
                let c = |x: f64| self.rate.cumulative(x);
                let f = |u: f64| {
                    let s = self.service.survival(u);
                    if s == 0.0 {
                        0.0
                    } else {
                        s * (c(b - u) - c((a - u).max(0.0)))
                    }
                };
                let mut kinks = vec![a];
                kinks.extend(
                    self.rate
                        .breakpoints(0.0, b)
                        .iter()
                        .flat_map(|x| [b - x, a - x]),
                );
                if let ServiceLaw::Deterministic { time } = self.service {
                    kinks.push(time);
                }
                let scale = 1.0 + self.rate.integrated(0.0, b) * (b - a);
                integrate(&f, 0.0, b, &kinks, TOL * scale)
            }
        };
        integral / (b - a)
    }
}

/// m(t) for exponential service at rate μ, solving m' = λ − μm from m(0) = 0.
fn exponential_mean(rate: &RateFn, mu: f64, t: f64) -> f64 {
    match rate {
        RateFn::Constant(l) => l / mu * (1.0 - (-mu * t).exp()),
        RateFn::Sinusoid {
            mean,
            amplitude,
            period,
            phase,
        } => {
            let w = std::f64::consts::TAU / period;
            let g = |s: f64| {
                (mu * (w * s + phase).sin() - w * (w * s + phase).cos()) / (mu * mu + w * w)
            };
            let decay = (-mu * t).exp();
            mean / mu * (1.0 - decay) + amplitude * (g(t) - decay * g(0.0))
        }
        // m' = λ − μm is linear in λ: the sum's m is the sum of the parts'.
        RateFn::Sum(parts) => parts.iter().map(|p| exponential_mean(p, mu, t)).sum(),
        RateFn::Piecewise { .. } => {
            // Constant λ on each piece: m relaxes towards λ/μ at rate μ.
            let mut points = vec![0.0];
            points.extend(rate.breakpoints(0.0, t));
            points.push(t);
            let mut m = 0.0;
            for pair in points.windows(2) {
                let (lo, hi) = (pair[0], pair[1]);
                let target = rate.rate(0.5 * (lo + hi)) / mu;
                m = target + (m - target) * (-mu * (hi - lo)).exp();
            }
            m
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp_general(mean: f64) -> ServiceLaw {
        ServiceLaw::General {
            mean,
            survival: Arc::new(move |u| (-u / mean).exp()),
        }
    }

    /// Independent reference: m(t) = ∫_0^t λ(t − u) P(S > u) du by a midpoint sum.
    fn riemann(rate: &RateFn, sf: &dyn Fn(f64) -> f64, t: f64, n: usize) -> f64 {
        let h = t / n as f64;
        (0..n)
            .map(|i| {
                let u = (i as f64 + 0.5) * h;
                rate.rate(t - u) * sf(u) * h
            })
            .sum()
    }

    /// A stationary rate gives λ·E[S] in the long run, for every service law.
    #[test]
    fn stationary_rate_gives_lambda_es() {
        let rate = RateFn::Constant(3.0);
        let erlang2 = ServiceLaw::General {
            mean: 2.0,
            survival: Arc::new(|u| (1.0 + u) * (-u).exp()),
        };
        for law in [
            ServiceLaw::Exponential { mean: 2.0 },
            ServiceLaw::Deterministic { time: 2.0 },
            erlang2,
        ] {
            let q = MtGInf::new(rate.clone(), law).unwrap();
            assert!(
                (q.mean(80.0) - 6.0).abs() < 1e-9,
                "{:?}: {}",
                q.service,
                q.mean(80.0)
            );
            assert!((q.window_mean(60.0, 80.0) - 6.0).abs() < 1e-8);
        }
    }

    /// The sinusoid's closed form against a midpoint sum, and against EMW's periodic steady
    /// state m(t) = mean/μ + A(μ sin(ωt+φ) − ω cos(ωt+φ))/(μ² + ω²) once the transient
    /// e^{−μt} has died out.
    #[test]
    fn sinusoid_exponential_closed_form() {
        let (mean, amp, period, phase, mu) = (10.0, 6.0, 5.0, 0.7, 0.8);
        let rate = RateFn::sinusoid(mean, amp, period, phase).unwrap();
        let q = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 1.0 / mu }).unwrap();
        for t in [0.3, 1.0, 2.5, 7.0, 13.3] {
            let r = riemann(&rate, &|u| (-mu * u).exp(), t, 400_000);
            assert!(
                (q.mean(t) - r).abs() < 1e-7,
                "t = {t}: {} vs {r}",
                q.mean(t)
            );
        }
        let w = std::f64::consts::TAU / period;
        for t in [60.0, 61.3, 62.9] {
            let emw = mean / mu
                + amp * (mu * (w * t + phase).sin() - w * (w * t + phase).cos())
                    / (mu * mu + w * w);
            assert!(
                (q.mean(t) - emw).abs() < 1e-12 * emw.max(1.0) + 1e-15 * mean,
                "{t}"
            );
        }
    }

    /// A sum of rates (several producers): the closed form (the parts' m added) against the
    /// general quadrature of ∫λ(t − u)·e^{−μu} du with the jumps as kinks (another method).
    #[test]
    fn sum_exponential_against_midpoint_sum() {
        let rate = RateFn::sum(vec![
            RateFn::sinusoid(3.0, 2.0, 5.0, 0.7).unwrap(),
            RateFn::piecewise(vec![0.0, 1.0, 2.5], vec![4.0, 0.0, 9.0], Some(4.0)).unwrap(),
        ])
        .unwrap();
        let mu = 0.8;
        let q = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 1.0 / mu }).unwrap();
        let general = MtGInf::new(rate, exp_general(1.0 / mu)).unwrap();
        for t in [0.3, 1.7, 7.0, 13.3] {
            let r = general.mean(t);
            assert!(
                (q.mean(t) - r).abs() < 1e-7,
                "t = {t}: {} vs {r}",
                q.mean(t)
            );
        }
    }

    /// Piecewise rates: the closed form per piece against the general quadrature with an
    /// exponential survival (two methods), and a hand value.
    #[test]
    fn piecewise_exponential_two_ways_and_by_hand() {
        let rate = RateFn::piecewise(vec![0.0, 1.0, 2.5], vec![4.0, 0.0, 9.0], Some(4.0)).unwrap();
        let closed = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 0.5 }).unwrap();
        let general = MtGInf::new(rate, exp_general(0.5)).unwrap();
        for t in [0.5, 1.0, 1.7, 3.0, 9.99, 22.4] {
            assert!((closed.mean(t) - general.mean(t)).abs() < 1e-8, "t = {t}");
        }
        for &(a, b) in &[(0.0, 2.0), (3.0, 11.0)] {
            let x = closed.window_mean(a, b);
            let y = general.window_mean(a, b);
            assert!((x - y).abs() < 1e-7, "[{a}, {b}]: {x} vs {y}");
        }
        // λ = 2 on [0, 1), 0 after, μ = 1: m(t) = 2(1 − e^{−1})e^{−(t − 1)} for t ≥ 1.
        let pulse = RateFn::piecewise(vec![0.0, 1.0], vec![2.0, 0.0], None).unwrap();
        let q = MtGInf::new(pulse, ServiceLaw::Exponential { mean: 1.0 }).unwrap();
        let hand = 2.0 * (1.0 - (-1.0f64).exp()) * (-1.5f64).exp();
        assert!((q.mean(2.5) - hand).abs() < 1e-14);
    }

    /// Deterministic service: Λ(t − s, t) against the general quadrature of a step survival.
    #[test]
    fn deterministic_against_general_quadrature() {
        let rate = RateFn::sinusoid(4.0, 3.0, 3.0, 0.0).unwrap();
        let det = MtGInf::new(rate.clone(), ServiceLaw::Deterministic { time: 1.2 }).unwrap();
        for t in [0.5f64, 1.2, 4.4] {
            // The step survival, summed only over [0, min(t, s)] where it is 1 (no jump).
            let (span, n) = (t.min(1.2), 1_000_000);
            let h = span / n as f64;
            let r: f64 = (0..n)
                .map(|i| rate.rate(t - (i as f64 + 0.5) * h) * h)
                .sum();
            assert!((det.mean(t) - r).abs() < 1e-6, "{t}");
        }
    }

    /// The window average against a midpoint sum of m(t), for each law.
    #[test]
    fn window_mean_against_a_sum_of_m() {
        let rate = RateFn::sinusoid(5.0, 4.0, 6.0, 1.0).unwrap();
        let laws = [
            ServiceLaw::Exponential { mean: 0.7 },
            ServiceLaw::Deterministic { time: 0.7 },
            ServiceLaw::General {
                mean: 0.7,
                survival: Arc::new(|u| (1.0 + u / 0.35) * (-u / 0.35).exp()),
            },
        ];
        for law in laws {
            let q = MtGInf::new(rate.clone(), law).unwrap();
            for &(a, b) in &[(0.0, 1.5), (2.0, 5.0)] {
                let n = 3000;
                let h = (b - a) / n as f64;
                let sum: f64 = (0..n)
                    .map(|i| q.mean(a + (i as f64 + 0.5) * h))
                    .sum::<f64>()
                    / n as f64;
                let w = q.window_mean(a, b);
                assert!(
                    (w - sum).abs() < 1e-6,
                    "{:?} [{a}, {b}]: {w} vs {sum}",
                    q.service
                );
            }
        }
    }

    #[test]
    fn poisson_number_in_system() {
        let q = MtGInf::new(
            RateFn::Constant(2.0),
            ServiceLaw::Deterministic { time: 1.5 },
        )
        .unwrap();
        let n = q.number_in_system(10.0);
        assert!((n.mean - 3.0).abs() < 1e-12);
        assert!((n.pmf(0) - (-3.0f64).exp()).abs() < 1e-15);
        assert!((n.cdf(1) - 4.0 * (-3.0f64).exp()).abs() < 1e-14);
        assert_eq!(n.quantile(0.5), 3);
        assert_eq!(q.number_in_system(0.0).cdf(0), 1.0);
    }
}
