//! M_t/M/c_t window by window: pointwise-stationary (PSA), stationary-independent-period
//! (SIPP) and modified-offered-load (MOL) approximations, and MOL staffing.

use std::cell::Cell;

use super::infinite::{MtGInf, ServiceLaw};
use super::quad::integrate;
use super::rate::RateFn;
use crate::{ExpTailQueue, MMc, Measures, ModelError, positive, servers};

/// Relative accuracy asked of the window quadratures.
const TOL: f64 = 1e-9;

/// Which stationary M/M/c stands in for the time-varying queue inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowMethod {
    /// Pointwise-stationary approximation (Green & Kolesar 1991): at each t, M/M/c at the
    /// instantaneous rate λ(t); measures averaged over the window.
    Psa,
    /// Stationary independent period by period: one M/M/c at the window's mean rate
    /// Λ(a, b)/(b − a) (Green, Kolesar & Soares, *Operations Research* 49(4), 2001).
    Sipp,
    /// Modified offered load (Jennings, Mandelbaum, Massey & Whitt 1996): at each t, M/M/c
    /// at the offered load m(t) of M_t/M/∞ (arrival rate μ·m(t)); averaged over the window.
    Mol,
}

/// M_t/M/c_t, Poisson arrivals at rate λ(t) and exponential service at rate μ, started
/// empty at t = 0, seen through stationary M/M/c models (every figure is an
/// **approximation**).
///
/// Sources: L. V. Green and P. J. Kolesar, "The pointwise stationary approximation for
/// queues with nonstationary arrivals", *Management Science* 37(1), 1991, 84–97 (PSA: the
/// time average of the stationary measures at λ(t); asymptotically exact as the rate
/// changes slowly relative to service); W. A. Massey and W. Whitt / O. B. Jennings,
/// A. Mandelbaum, W. A. Massey and W. Whitt, "Server staffing to meet time-varying demand",
/// *Management Science* 42(10), 1996, 1383–1394 (MOL: the stationary M/M/c at the offered
/// load m(t) = E[number in M_t/M/∞], which carries the lag of the load behind the rate);
/// Erlang C through [`MMc`]. In a window [a, b) with c consumers: L and Lq are time averages
/// of L(t), Lq(t); the arrival-weighted means follow Little's law over the window, Wq =
/// ∫Lq/Λ(a, b) and T = ∫L/Λ(a, b); P(wait) = ∫λ(t)·C(t) dt/Λ(a, b) (PASTA at each t);
/// utilisation = ∫ E[min(N, c)]/c dt/(b − a); throughput = Λ(a, b)/(b − a). A window where
/// the stand-in M/M/c is unstable at some instant has no figure ([`ModelError::Unstable`]).
#[derive(Debug, Clone)]
pub struct MtMc {
    rate: RateFn,
    mu: f64,
    offered: MtGInf,
}

/// Per-instant measures of the stand-in M/M/c at arrival rate `lambda`: (L, Lq, P(wait),
/// busy consumers); None when unstable.
fn instant(lambda: f64, mu: f64, c: u32) -> Option<(f64, f64, f64, f64)> {
    if lambda <= 0.0 {
        return Some((0.0, 0.0, 0.0, 0.0));
    }
    let q = MMc::new(lambda, mu, c).ok()?;
    let m = q.measures();
    Some((m.l, m.lq, m.p_wait.unwrap_or(0.0), lambda / mu))
}

/// What a staffing rule must achieve at every instant of a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Mean wait Wq at most this.
    MeanWait(f64),
    /// Probability of waiting at most this.
    PWait(f64),
    /// The p-quantile of the wait at most `max`.
    WaitQuantile {
        /// The quantile's level, in (0, 1).
        p: f64,
        /// The largest allowed quantile.
        max: f64,
    },
    /// Mean sojourn T = Wq + service at most this.
    MeanSojourn(f64),
    /// The p-quantile of the FIFO sojourn time T = Wq + S at most `max` (the M/M/c law of
    /// [`ExpTailQueue::sojourn_quantile`]).
    SojournQuantile {
        /// The quantile's level, in (0, 1).
        p: f64,
        /// The largest allowed quantile.
        max: f64,
    },
}

impl Target {
    fn met(self, q: &MMc) -> bool {
        match self {
            Target::MeanWait(w) => q.measures().wq <= w,
            Target::PWait(p) => q.p_wait() <= p,
            Target::WaitQuantile { p, max } => q.wait_quantile(p) <= max,
            Target::MeanSojourn(t) => q.measures().t <= t,
            Target::SojournQuantile { p, max } => q.sojourn_quantile(p) <= max,
        }
    }
}

impl MtMc {
    /// The time-varying queue; errors unless μ > 0.
    pub fn new(rate: RateFn, mu: f64) -> Result<Self, ModelError> {
        let mu = positive("mu", mu)?;
        let offered = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 1.0 / mu })?;
        Ok(Self { rate, mu, offered })
    }

    /// The offered load m(t) of M_t/M/∞ (the MOL's load, in erlangs).
    pub fn offered_load(&self, t: f64) -> f64 {
        self.offered.mean(t)
    }

    /// The stand-in arrival rate at t for `method` (PSA: λ(t); MOL: μ·m(t)).
    fn stand_in(&self, method: WindowMethod, t: f64) -> f64 {
        match method {
            WindowMethod::Mol => self.mu * self.offered.mean(t),
            _ => self.rate.rate(t),
        }
    }

    /// The window [a, b) (0 ≤ a < b) with `c` consumers, approximated by `method`.
    pub fn window(
        &self,
        method: WindowMethod,
        a: f64,
        b: f64,
        c: u32,
    ) -> Result<Measures, ModelError> {
        let c = servers(c)?;
        let a = a.max(0.0);
        if b <= a || b.is_nan() {
            return Err(ModelError::InvalidParameter {
                name: "window",
                value: b - a,
                reason: "a window needs b > a >= 0",
            });
        }
        let w = b - a;
        let arrivals = self.rate.integrated(a, b);
        if method == WindowMethod::Sipp {
            let lambda = arrivals / w;
            let (l, lq, pw, busy) = instant(lambda, self.mu, c).ok_or(ModelError::Unstable {
                rho: lambda / (f64::from(c) * self.mu),
            })?;
            return Ok(summary(
                w,
                arrivals,
                l * w,
                lq * w,
                pw * arrivals,
                busy * w,
                c,
            ));
        }
        if method == WindowMethod::Psa {
            let peak = self.rate.max_on(a, b);
            let rho = peak / (f64::from(c) * self.mu);
            if rho >= 1.0 {
                return Err(ModelError::Unstable { rho });
            }
        }
        let worst = Cell::new(0.0f64);
        let part = |t: f64, k: usize| -> f64 {
            let lambda = self.stand_in(method, t);
            worst.set(worst.get().max(lambda / (f64::from(c) * self.mu)));
            match instant(lambda, self.mu, c) {
                Some(v) => [v.0, v.1, self.rate.rate(t) * v.2, v.3][k],
                None => 0.0,
            }
        };
        let kinks = self.rate.breakpoints(a, b);
        let tol = TOL * (1.0 + arrivals);
        let l = integrate(&|t| part(t, 0), a, b, &kinks, tol);
        if worst.get() >= 1.0 {
            return Err(ModelError::Unstable { rho: worst.get() });
        }
        let lq = integrate(&|t| part(t, 1), a, b, &kinks, tol);
        let pw = integrate(&|t| part(t, 2), a, b, &kinks, tol);
        let busy = integrate(&|t| part(t, 3), a, b, &kinks, tol);
        Ok(summary(w, arrivals, l, lq, pw, busy, c))
    }

    /// The fewest consumers c(t) meeting `target` at instant t by MOL: the stationary M/M/c
    /// at offered load m(t) (Feldman, Mandelbaum, Massey & Whitt, "Staffing of time-varying
    /// queues to achieve time-stable performance", *Management Science* 54(2), 2008,
    /// 324–338). At least 1.
    pub fn mol_staff_at(&self, t: f64, target: Target) -> u32 {
        let load = self.offered.mean(t);
        fewest(load * self.mu, self.mu, target)
    }

    /// Per window [a, b) of `windows`, the fewest constant consumers meeting `target` at
    /// every instant of the window by MOL: the largest c(t) over the window, found on a
    /// grid of 64 steps plus the rate's jumps and the window's ends.
    pub fn mol_staffing(
        &self,
        windows: &[(f64, f64)],
        target: Target,
    ) -> Result<Vec<u32>, ModelError> {
        check_target(target)?;
        // However many consumers, T is at least the service time: a target on T at or below
        // the service's own mean or quantile is met by none.
        let service_only = match target {
            Target::MeanSojourn(t) => Some((t, 1.0 / self.mu)),
            Target::SojournQuantile { p, max } => Some((max, -(1.0 - p).ln() / self.mu)),
            _ => None,
        };
        if let Some((bound, floor)) = service_only
            && bound <= floor
        {
            return Err(ModelError::InvalidParameter {
                name: "sojourn target",
                value: bound,
                reason: "at or below the service time's own figure: no staffing meets it",
            });
        }
        let mut out = Vec::with_capacity(windows.len());
        for &(a, b) in windows {
            let a = a.max(0.0);
            let mut points: Vec<f64> = (0..=64)
                .map(|k| a + (b - a) * f64::from(k) / 64.0)
                .collect();
            for x in self.rate.breakpoints(a, b) {
                points.push(x);
                // Just before the jump too (m is continuous, so this is a guard only).
                points.push(x - 1e-9 * (b - a));
            }
            out.push(
                points
                    .into_iter()
                    .map(|t| self.mol_staff_at(t, target))
                    .max()
                    .unwrap_or(1),
            );
        }
        Ok(out)
    }
}

fn check_target(target: Target) -> Result<(), ModelError> {
    let bad = |name, value| {
        Err(ModelError::InvalidParameter {
            name,
            value,
            reason: "out of range",
        })
    };
    match target {
        Target::MeanWait(w) if w.is_nan() || w <= 0.0 => bad("mean wait target", w),
        Target::PWait(p) if !(p > 0.0 && p < 1.0) => bad("P(wait) target", p),
        Target::WaitQuantile { p, .. } if !(p > 0.0 && p < 1.0) => bad("quantile level", p),
        Target::WaitQuantile { max, .. } if max.is_nan() || max <= 0.0 => {
            bad("wait quantile target", max)
        }
        Target::MeanSojourn(t) if t.is_nan() || t <= 0.0 => bad("mean sojourn target", t),
        Target::SojournQuantile { p, .. } if !(p > 0.0 && p < 1.0) => bad("quantile level", p),
        Target::SojournQuantile { max, .. } if max.is_nan() || max <= 0.0 => {
            bad("sojourn quantile target", max)
        }
        _ => Ok(()),
    }
}

/// The fewest c ≥ 1 whose stable M/M/c at rate `lambda` meets `target`.
fn fewest(lambda: f64, mu: f64, target: Target) -> u32 {
    if lambda <= 0.0 {
        return 1;
    }
    let mut c = ((lambda / mu).floor() as u32).max(1);
    loop {
        if let Ok(q) = MMc::new(lambda, mu, c)
            && target.met(&q)
        {
            return c;
        }
        c += 1;
    }
}

/// Window measures from the integrals ∫L, ∫Lq, ∫λ·C, ∫busy over a window of length `w`
/// receiving `arrivals` messages on average.
fn summary(w: f64, arrivals: f64, l: f64, lq: f64, pw: f64, busy: f64, c: u32) -> Measures {
    let per = |x: f64| if arrivals > 0.0 { x / arrivals } else { 0.0 };
    Measures {
        t: per(l),
        wq: per(lq),
        l: l / w,
        lq: lq / w,
        utilization: busy / w / f64::from(c),
        throughput: arrivals / w,
        p_wait: Some(per(pw)),
        p_loss: 0.0,
    }
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
