//! M_t/M/c+M from an empty start, exactly (numerically): the forward equations of the
//! number in system, integrated window by window.

use super::rate::RateFn;
use crate::{ModelError, positive, servers};

/// Largest truncation level tried before giving up.
pub const MAX_LEVEL: usize = 200_000;

/// Probability mass allowed at the truncation level at any instant.
pub const EDGE: f64 = 1e-12;

/// RK4 steps per unit of the chain's largest total rate q: h·q = 1. The generator's
/// eigenvalues lie in [−2q, 0] (Gershgorin), well inside RK4's real stability interval
/// (−2.78, 0); the tests hold the closed forms to 10⁻⁷ with it.
const STEPS_PER_RATE: f64 = 1.0;

/// M_t/M/c+M started empty at t = 0: non-homogeneous Poisson arrivals at rate λ(t),
/// exponential service at rate μ on c consumers sharing one FIFO queue, and (if θ > 0)
/// exponential patience Exp(θ) for waiting messages.
///
/// Source: the Kolmogorov forward equations of the birth–death process N(t) with birth
/// rate λ(t) and death rate min(n, c)μ + max(n − c, 0)θ (W. J. Anderson, *Continuous-Time
/// Markov Chains*, Springer, 1991, §1.2; for their use with time-varying queues, Green &
/// Kolesar, *Management Science* 37(1), 1991, and Ingolfsson, Akhmetshina, Budge, Li & Wu,
/// "A survey and experimental comparison of service-level-approximation methods for
/// nonstationary M(t)/M/s(t) queueing systems", *INFORMS J. Computing* 19(2), 2007, who use
/// them as the exact reference). They are integrated by the classical fourth-order
/// Runge–Kutta method with 1 step per unit of the largest total rate (the window integrals
/// of L, Lq, the busy consumers and λ·P(wait) as extra components of the same steps), on a
/// chain truncated
/// at a level whose probability stays below [`EDGE`] throughout (raised until it does).
/// Exact per window (to the integration error): the time averages of L, Lq and of the busy
/// consumers, P(wait) = ∫λ(t)P(N(t) ≥ c) dt/Λ (PASTA at each instant), the expected
/// arrivals Λ and abandonments θ∫Lq; and, for the messages that *arrive* in the window, the
/// probability of abandoning and the mean wait, ∫λ(t)Σ_n P(N(t) = n)·f(n) dt/Λ with f the
/// tagged arrival's fate given the n it finds (PASTA again; FIFO makes the fate depend only
/// on the messages ahead, a first-step analysis solves it: see `tagged`). The fates assume
/// the consumer count stays as the arrival found it, so they are exact only for a constant
/// c. (Little's law over a finite window is not exact: the mean waits are not ∫Lq/Λ.)
///
/// A consumer count that changes with time ([`MtMcTransient::with_consumers`]) makes the
/// death rate min(n, c(t))μ + max(n − c(t), 0)θ: when c drops, the chain stops the surplus
/// services at once (the messages go back to the head of the queue, which exponential
/// service makes equivalent to a restart). A consumer that finishes its message before
/// leaving — as the simulated broker's does — keeps serving for an Exp(μ) time more, so the
/// figures with a schedule that ever drops are an **approximation** just after each drop
/// (exact while the count only rises or stays).
#[derive(Debug, Clone)]
pub struct MtMcTransient {
    rate: RateFn,
    mu: f64,
    c: u32,
    theta: f64,
    /// c(t) as a piecewise-constant function with integer values, if it changes.
    consumers: Option<RateFn>,
    /// The most level-steps (RK4 steps × chain levels, over all truncations tried) to
    /// spend before giving up.
    budget: f64,
}

/// One window's exact figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransientWindow {
    /// Window start.
    pub start: f64,
    /// Window end.
    pub end: f64,
    /// Time-averaged number in system.
    pub l: f64,
    /// Time-averaged number waiting.
    pub lq: f64,
    /// Time-averaged fraction of consumers busy: ∫busy / ∫c(t) over the window, as the
    /// simulation's per-window utilisation.
    pub utilization: f64,
    /// Probability that a message arriving in the window waits.
    pub p_wait: f64,
    /// Probability that a message arriving in the window abandons (exact with a constant
    /// consumer count: see [`MtMcTransient`]).
    pub abandon: f64,
    /// Mean wait (until service or abandonment) of the messages arriving in the window
    /// (exact with a constant consumer count).
    pub wait: f64,
    /// Expected arrivals in the window, Λ(start, end).
    pub arrivals: f64,
    /// Expected abandonments in the window, θ∫Lq.
    pub abandoned: f64,
    /// Expected service completions in the window, μ∫busy.
    pub completed: f64,
}

impl TransientWindow {
    /// Expected fraction of the window's arrivals that abandon, abandonments / arrivals
    /// (a ratio of expectations: abandonments counted in the window, arrivals too).
    pub fn p_abandon(&self) -> f64 {
        if self.arrivals > 0.0 {
            self.abandoned / self.arrivals
        } else {
            0.0
        }
    }
}

impl MtMcTransient {
    /// The queue; errors unless μ > 0, c ≥ 1 and θ ≥ 0 (0: no abandonment).
    pub fn new(rate: RateFn, mu: f64, c: u32, theta: f64) -> Result<Self, ModelError> {
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        if !(theta.is_finite() && theta >= 0.0) {
            return Err(ModelError::InvalidParameter {
                name: "theta",
                value: theta,
                reason: "must be finite and >= 0",
            });
        }
        Ok(Self {
            rate,
            mu,
            c,
            theta,
            consumers: None,
            budget: f64::INFINITY,
        })
    }

    /// The same queue with the consumer count c(t) = `schedule`'s value at t instead of a
    /// constant c: a piecewise-constant [`RateFn`] whose values are whole numbers (0 allowed,
    /// not all 0).
    pub fn with_consumers(mut self, schedule: RateFn) -> Result<Self, ModelError> {
        let RateFn::Piecewise { values, .. } = &schedule else {
            return Err(ModelError::InvalidParameter {
                name: "consumers",
                value: f64::NAN,
                reason: "a consumer schedule must be piecewise constant",
            });
        };
        if let Some(&v) = values.iter().find(|v| v.fract() != 0.0 || **v > 1e6) {
            return Err(ModelError::InvalidParameter {
                name: "consumers",
                value: v,
                reason: "consumer counts must be whole numbers up to 10^6",
            });
        }
        self.c = schedule.max_rate() as u32;
        self.consumers = Some(schedule);
        Ok(self)
    }

    /// The same queue, giving up (an error from [`MtMcTransient::windows`])
    /// once the integration would take more than `work` level-steps (RK4 steps times chain
    /// levels, about 60 floating-point operations each), so that a caller can fall back to
    /// a cheaper approximation on a long horizon.
    pub fn with_budget(mut self, work: f64) -> Self {
        self.budget = work;
        self
    }

    /// The consumers on duty at t.
    fn consumers_at(&self, t: f64) -> usize {
        match &self.consumers {
            Some(s) => s.rate(t) as usize,
            None => self.c as usize,
        }
    }

    /// The windows [k·w, (k + 1)·w) for k = 0, 1, … up to `horizon` (the last one may be
    /// shorter).
    pub fn windows(&self, horizon: f64, w: f64) -> Result<Vec<TransientWindow>, ModelError> {
        let horizon = positive("horizon", horizon)?;
        let w = positive("window", w)?;
        let mut level = self.c as usize + 64;
        let mut spent = 0.0;
        loop {
            // Give up before starting a truncation the budget cannot finish.
            if spent + horizon / self.step(level) * level as f64 > self.budget {
                return Err(ModelError::InvalidParameter {
                    name: "budget",
                    value: self.budget,
                    reason: "the forward equations need more level-steps than the budget",
                });
            }
            match self.solve(horizon, w, level, &mut spent) {
                Solved::Done(out) => return Ok(out),
                Solved::Overflow if level < MAX_LEVEL => level *= 2,
                Solved::Overflow => {
                    return Err(ModelError::InvalidParameter {
                        name: "horizon",
                        value: horizon,
                        reason: "the queue grows past 200000 messages: no truncation fits",
                    });
                }
                Solved::OverBudget => {
                    return Err(ModelError::InvalidParameter {
                        name: "budget",
                        value: self.budget,
                        reason: "the forward equations need more level-steps than the budget",
                    });
                }
            }
        }
    }

    /// The longest RK4 step on levels 0..n: 1/(STEPS_PER_RATE · the largest total rate).
    fn step(&self, n: usize) -> f64 {
        let top = n - 1;
        let c = self.c as usize;
        let death = top.min(c) as f64 * self.mu + top.saturating_sub(c) as f64 * self.theta;
        1.0 / (STEPS_PER_RATE * (self.rate.max_rate() + death))
    }

    /// Integrates on levels 0..n, adding the level-steps taken to `spent`: Overflow if the
    /// top level ever holds more than [`EDGE`], OverBudget once `spent` passes the budget.
    fn solve(&self, horizon: f64, w: f64, n: usize, spent: &mut f64) -> Solved {
        let (mu, theta) = (self.mu, self.theta);
        let deaths = |c: usize| -> Vec<f64> {
            (0..n)
                .map(|k| k.min(c) as f64 * mu + k.saturating_sub(c) as f64 * theta)
                .collect()
        };
        let h_max = self.step(n);
        let deriv = |death: &[f64], lam: f64, p: &[f64], out: &mut [f64]| {
            for k in 0..n {
                let up = if k + 1 < n { lam } else { 0.0 };
                let mut d = -(up + death[k]) * p[k];
                if k > 0 {
                    d += lam * p[k - 1];
                }
                if k + 1 < n {
                    d += death[k + 1] * p[k + 1];
                }
                out[k] = d;
            }
        };
        // (L, Lq, busy, λ·P(wait), λ·P(abandon), λ·E[wait]) at an instant, with c
        // consumers and the tagged arrival's fates by what it finds ([`tagged`]).
        let stats = |c: usize, lam: f64, p: &[f64], fate: &(Vec<f64>, Vec<f64>)| {
            let (mut l, mut lq, mut busy) = (0.0, 0.0, 0.0);
            for (k, x) in p.iter().enumerate() {
                l += k as f64 * x;
                lq += k.saturating_sub(c) as f64 * x;
                busy += k.min(c) as f64 * x;
            }
            let (mut wait, mut ab, mut wq) = (0.0, 0.0, 0.0);
            for (j, x) in p[c.min(n)..].iter().enumerate() {
                wait += x;
                ab += x * fate.0[j];
                wq += x * fate.1[j];
            }
            [l, lq, busy, lam * wait, lam * ab, lam * wq]
        };
        let mut p = vec![0.0; n];
        p[0] = 1.0;
        let mut bufs = vec![vec![0.0; n]; 5];
        let mut out = Vec::new();
        let mut start = 0.0;
        let piecewise = self.rate.is_step();
        let jumps = self.rate.has_jumps();
        while start < horizon {
            let end = (start + w).min(horizon);
            // ∫L, ∫Lq, ∫busy, ∫λ·P(wait), ∫λ·P(abandon), ∫λ·E[wait], ∫c.
            let mut acc = [0.0; 7];
            // Integrate piece by piece between the rate's and the consumer count's jumps, so
            // that no RK4 step straddles one; on a piece of a piecewise rate λ is that
            // piece's constant.
            let mut cuts = vec![start];
            cuts.extend(self.rate.breakpoints(start, end));
            if let Some(s) = &self.consumers {
                cuts.extend(s.breakpoints(start, end));
                cuts.sort_by(f64::total_cmp);
                cuts.dedup();
            }
            cuts.push(end);
            for seg in cuts.windows(2) {
                let (a, b) = (seg[0], seg[1]);
                let c = self.consumers_at(0.5 * (a + b));
                let death = deaths(c);
                let fate = tagged(c, mu, theta, n);
                let held = self.rate.rate(0.5 * (a + b));
                // A sum with jumps: λ just inside the piece at its right end.
                let last = b - 1e-9 * (b - a);
                let lam = |t: f64| match (piecewise, jumps) {
                    (true, _) => held,
                    (false, true) => self.rate.rate(t.min(last)),
                    _ => self.rate.rate(t),
                };
                let steps = ((b - a) / h_max).ceil().max(1.0) as usize;
                *spent += (steps * n) as f64;
                if *spent > self.budget {
                    return Solved::OverBudget;
                }
                let h = (b - a) / steps as f64;
                for s in 0..steps {
                    let t = a + s as f64 * h;
                    let (l0, lm, l1) = (lam(t), lam(t + 0.5 * h), lam(t + h));
                    let [k1, k2, k3, k4, tmp] = &mut bufs[..] else {
                        unreachable!()
                    };
                    // The window integrals ride along as extra components of the same RK4
                    // step (their derivative is the statistics of the stage's vector), so
                    // they are fourth order in h like the probabilities.
                    let s1 = stats(c, l0, &p, &fate);
                    deriv(&death, l0, &p, k1);
                    (0..n).for_each(|i| tmp[i] = p[i] + 0.5 * h * k1[i]);
                    let s2 = stats(c, lm, tmp, &fate);
                    deriv(&death, lm, tmp, k2);
                    (0..n).for_each(|i| tmp[i] = p[i] + 0.5 * h * k2[i]);
                    let s3 = stats(c, lm, tmp, &fate);
                    deriv(&death, lm, tmp, k3);
                    (0..n).for_each(|i| tmp[i] = p[i] + h * k3[i]);
                    let s4 = stats(c, l1, tmp, &fate);
                    deriv(&death, l1, tmp, k4);
                    (0..n).for_each(|i| {
                        p[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])
                    });
                    if p[n - 1] > EDGE {
                        return Solved::Overflow;
                    }
                    (0..6)
                        .for_each(|i| acc[i] += h / 6.0 * (s1[i] + 2.0 * (s2[i] + s3[i]) + s4[i]));
                }
                acc[6] += c as f64 * (b - a);
            }
            let span = end - start;
            let arrivals = self.rate.integrated(start, end);
            let per = |x: f64| if arrivals > 0.0 { x / arrivals } else { 0.0 };
            out.push(TransientWindow {
                start,
                end,
                l: acc[0] / span,
                lq: acc[1] / span,
                utilization: if acc[6] > 0.0 { acc[2] / acc[6] } else { 0.0 },
                p_wait: per(acc[3]),
                abandon: per(acc[4]),
                wait: per(acc[5]),
                arrivals,
                abandoned: theta * acc[1],
                completed: mu * acc[2],
            });
            start = end;
        }
        Solved::Done(out)
    }
}

/// The fates of a message that arrives to find c consumers busy and j messages waiting
/// ahead of it, j = 0..n, with c constant from then on: (P(it abandons), E[its wait]).
/// Under FIFO only the messages ahead of it matter: each event ahead — a service
/// completion (rate cμ), which lets the head in, or an abandonment ahead (jθ) — moves it one
/// place on, and its own patience ends at rate θ; from place 0 a completion takes it into
/// service. So a_j = (θ + (cμ + jθ)·a_{j−1}) / (cμ + (j + 1)θ) and
/// e_j = (1 + (cμ + jθ)·e_{j−1}) / (cμ + (j + 1)θ), with a_{−1} = e_{−1} = 0 (a first-step
/// analysis of the tagged message's absorbing chain; for θ = 0, e_j = (j + 1)/(cμ), the
/// Erlang-C wait). Infinite waits when nobody serves or abandons (c = 0, θ = 0).
fn tagged(c: usize, mu: f64, theta: f64, n: usize) -> (Vec<f64>, Vec<f64>) {
    let serve = c as f64 * mu;
    let (mut a, mut e) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut pa, mut pe) = (0.0, 0.0);
    for j in 0..n {
        let ahead = serve + j as f64 * theta;
        let out = ahead + theta;
        if out > 0.0 {
            pa = (theta + ahead * pa) / out;
            pe = (1.0 + ahead * pe) / out;
        } else {
            pe = f64::INFINITY;
        }
        a.push(pa);
        e.push(pe);
    }
    (a, e)
}

/// How one truncation's integration ended.
enum Solved {
    Done(Vec<TransientWindow>),
    Overflow,
    OverBudget,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_varying::{MtGInf, ServiceLaw};
    use crate::{ErlangA, MMc};

    /// Started empty, a constant rate settles to the stationary M/M/c and Erlang-A figures.
    #[test]
    fn settles_to_the_stationary_models() {
        let q = MtMcTransient::new(RateFn::Constant(3.0), 1.0, 4, 0.0).unwrap();
        // ρ = 0.75 relaxes in about 15 time units: the last window starts at 280.
        let last = *q.windows(300.0, 20.0).unwrap().last().unwrap();
        let m = MMc::new(3.0, 1.0, 4).unwrap().measures();
        assert!((last.l - m.l).abs() < 1e-6 * m.l, "{} vs {}", last.l, m.l);
        assert!((last.p_wait - m.p_wait.unwrap()).abs() < 1e-6);
        assert!((last.utilization - 0.75).abs() < 1e-6);
        assert!(
            (last.wait - m.wq).abs() < 1e-6 * m.wq,
            "{} vs {}",
            last.wait,
            m.wq
        );
        assert_eq!(last.abandon, 0.0);
        let q = MtMcTransient::new(RateFn::Constant(12.0), 1.0, 10, 0.3).unwrap();
        let last = *q.windows(300.0, 20.0).unwrap().last().unwrap();
        let a = ErlangA::new(12.0, 1.0, 10, 0.3).unwrap().measures();
        assert!((last.l - a.all.l).abs() < 1e-6 * a.all.l);
        assert!((last.p_abandon() - a.p_abandon).abs() < 1e-6);
        // The tagged arrival's fates against the closed forms (a second method): Erlang-A's
        // P(abandon) and mean wait over all arrivals, and Erlang C's wait.
        assert!(
            (last.abandon - a.p_abandon).abs() < 1e-6,
            "{last:?} vs {a:?}"
        );
        assert!(
            (last.wait - a.all.wq).abs() < 1e-6 * a.all.wq,
            "{last:?} vs {a:?}"
        );
        // Flow balance over a settled window: arrivals = completions + abandonments.
        assert!((last.arrivals - last.completed - last.abandoned).abs() < 1e-5 * last.arrivals);
    }

    /// With more consumers than messages can ever reach, the queue is M_t/M/∞: the window
    /// means equal M_t/G/∞'s closed form (and nobody waits).
    #[test]
    fn many_consumers_are_mt_m_inf() {
        let rate = RateFn::sinusoid(10.0, 8.0, 4.0, 0.3).unwrap();
        let q = MtMcTransient::new(rate.clone(), 0.5, 150, 0.0).unwrap();
        let inf = MtGInf::new(rate, ServiceLaw::Exponential { mean: 2.0 }).unwrap();
        for win in q.windows(12.0, 1.5).unwrap() {
            let exact = inf.window_mean(win.start, win.end);
            assert!(
                (win.l - exact).abs() < 1e-7 * exact.max(1.0),
                "{win:?} vs {exact}"
            );
            assert!(win.p_wait < 1e-12);
        }
    }

    /// θ = μ makes every message leave at rate μ whatever c: M_t/M/∞ again, with the
    /// abandonments θ∫Lq.
    #[test]
    fn patience_equal_to_service_is_mt_m_inf() {
        let rate = RateFn::piecewise(vec![0.0, 3.0], vec![20.0, 2.0], Some(6.0)).unwrap();
        let q = MtMcTransient::new(rate.clone(), 1.0, 5, 1.0).unwrap();
        let inf = MtGInf::new(rate, ServiceLaw::Exponential { mean: 1.0 }).unwrap();
        for win in q.windows(12.0, 3.0).unwrap() {
            let exact = inf.window_mean(win.start, win.end);
            assert!((win.l - exact).abs() < 1e-7 * exact, "{win:?} vs {exact}");
        }
    }

    /// A consumer schedule: with θ = μ every message leaves at rate μ whatever c(t) (M_t/M/∞
    /// again, drops included), and with consumers that messages never all occupy the
    /// schedule changes nothing either; the utilisation divides by the mean count on duty.
    #[test]
    fn consumer_schedules() {
        let rate = RateFn::sinusoid(6.0, 4.0, 10.0, 0.0).unwrap();
        let staff = RateFn::piecewise(vec![0.0, 2.5, 7.0], vec![3.0, 1.0, 0.0], Some(9.0)).unwrap();
        let q = MtMcTransient::new(rate.clone(), 1.0, 1, 1.0)
            .unwrap()
            .with_consumers(staff)
            .unwrap();
        let inf = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 1.0 }).unwrap();
        for win in q.windows(18.0, 2.0).unwrap() {
            let exact = inf.window_mean(win.start, win.end);
            assert!((win.l - exact).abs() < 1e-7 * exact, "{win:?} vs {exact}");
        }
        let many = RateFn::piecewise(vec![0.0, 5.0], vec![120.0, 90.0], Some(10.0)).unwrap();
        let q = MtMcTransient::new(rate.clone(), 0.5, 1, 0.0)
            .unwrap()
            .with_consumers(many)
            .unwrap();
        let inf = MtGInf::new(rate, ServiceLaw::Exponential { mean: 2.0 }).unwrap();
        for win in q.windows(20.0, 4.0).unwrap() {
            let exact = inf.window_mean(win.start, win.end);
            assert!((win.l - exact).abs() < 1e-7 * exact, "{win:?} vs {exact}");
            // Nobody waits, so busy = L; the mean count on duty over [0, 4), [4, 8), …
            // with 120 on [0, 5) and 90 on [5, 10) of each 10.
            let on_duty = [120.0, 97.5, 105.0, 112.5, 90.0][(win.start / 4.0) as usize];
            let u = exact / on_duty;
            assert!((win.utilization - u).abs() < 1e-7 * u, "{win:?} vs {u}");
        }
        assert!(
            MtMcTransient::new(RateFn::Constant(1.0), 1.0, 1, 0.0)
                .unwrap()
                .with_consumers(RateFn::piecewise(vec![0.0], vec![1.5], None).unwrap())
                .is_err()
        );
    }

    #[test]
    fn rejects_bad_input() {
        let r = RateFn::Constant(1.0);
        assert!(MtMcTransient::new(r.clone(), 1.0, 0, 0.0).is_err());
        assert!(MtMcTransient::new(r.clone(), 1.0, 1, -1.0).is_err());
        let q = MtMcTransient::new(r, 1.0, 1, 0.0).unwrap();
        assert!(q.windows(0.0, 1.0).is_err());
        assert!(q.windows(1.0, 0.0).is_err());
        // 1 step per unit of the top rate 0.5 + 1: a window of 10 is 15 steps, on 65 levels.
        let q = MtMcTransient::new(RateFn::Constant(0.5), 1.0, 1, 0.0).unwrap();
        let work = 10.0 * 15.0 * 65.0;
        assert!(
            q.clone()
                .with_budget(work - 1.0)
                .windows(100.0, 10.0)
                .is_err()
        );
        assert!(q.with_budget(work).windows(100.0, 10.0).is_ok());
    }
}
