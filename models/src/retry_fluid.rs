//! A fluid model of client timeouts and retries: when a backlog makes messages wait longer
//! than their senders' timeout, every sender publishes again, the offered load multiplies by
//! up to 1 + retries, and a queue that could carry the fresh load cannot carry the retried
//! one — so it stays overloaded after the burst that filled it has gone. This is the
//! *metastable failure* of N. Bronson, A. Aghayev, A. Charapko and T. Zhu, "Metastable
//! failures in distributed systems", HotOS 2021, and L. Huang et al., "Metastable failures
//! in the wild", OSDI 2022 (retry amplification as the sustaining effect).
//!
//! **The model (an approximation).** Messages are a deterministic fluid, as in the fluid
//! limits of many-server queues (W. Whitt, "Fluid models for multiserver queues with
//! abandonments", *Operations Research* 54(1), 2006): c consumers drain a FIFO backlog Q(t)
//! at c/E[S] while it is positive, so an attempt published at s waits W(s) = Q(s)·E[S]/c and
//! is processed at s + W(s) + E[S]. Its sender waits `timeout`; if W(s) + E[S] > timeout it
//! gives up on it at s + timeout and, with retries left, publishes attempt k + 1 after the
//! mean backoff b_{k+1}. The attempt it gave up on stays queued and is processed anyway
//! (wasted work). Attempt k's rate is therefore
//! a_k(t) = a_{k−1}(t − timeout − b_k)·1[W(t − timeout − b_k) + E[S] > timeout], with a_0 the
//! fresh rate λ(t), and Q' = Σ_k a_k − c/E[S] (Q ≥ 0). Goodput at t is the fresh rate of the
//! originals whose some attempt was processed within its timeout.
//!
//! The fluid has no variance: it switches every sender at once when the wait crosses the
//! timeout, where a stochastic queue sees some senders give up earlier. With exponential
//! service ([`RetryFluid::with_exponential_service`]) the fraction of attempts late at wait
//! W is P(W + S > timeout) = e^{−(timeout − W)/E[S]} instead, which brings the tipping
//! point closer to the stochastic queue's (the wait itself stays deterministic). Its two outputs are
//! what it is for: whether a load is *metastable* (λ < c/E[S] < λ·(1 + retries): stable
//! without retries, overloaded once every sender retries), and the *tipping point* — the
//! least burst that leaves the queue in the retrying state after the burst ends.

use crate::{ModelError, RateFn, positive};

/// Client timeouts and retries against a pool of consumers, as a fluid.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryFluid {
    consumers: f64,
    service: f64,
    timeout: f64,
    /// Mean delay before retry k (k = 1, …, retries), after the timeout.
    backoff: Vec<f64>,
    /// Service times are exponential: an attempt that waits W is late with probability
    /// e^{−(timeout − W)/E[S]} rather than when W + E[S] > timeout.
    exponential: bool,
}

/// A fluid path: what the model predicts at each step of its grid.
#[derive(Debug, Clone, PartialEq)]
pub struct FluidPath {
    /// Grid times.
    pub times: Vec<f64>,
    /// Backlog Q(t) (messages waiting).
    pub backlog: Vec<f64>,
    /// Attempts published per unit time (fresh and retried).
    pub attempts: Vec<f64>,
    /// Originals per unit time that some attempt served within its timeout, by the time
    /// they were published.
    pub goodput: Vec<f64>,
    /// Fresh messages per unit time.
    pub fresh: Vec<f64>,
}

impl FluidPath {
    /// Goodput over fresh load, averaged over the grid points in [a, b) (1 where no fresh
    /// load came).
    pub fn goodput_ratio(&self, a: f64, b: f64) -> f64 {
        let (mut good, mut fresh) = (0.0, 0.0);
        for ((&t, &g), &f) in self.times.iter().zip(&self.goodput).zip(&self.fresh) {
            if t >= a && t < b {
                good += g;
                fresh += f;
            }
        }
        if fresh > 0.0 { good / fresh } else { 1.0 }
    }
}

impl RetryFluid {
    /// `consumers` consumers of mean service time `service`; senders that wait `timeout`
    /// per attempt and retry after the mean backoffs `backoff` (one per retry: their count
    /// is the number of retries). Errors unless consumers, service and timeout are positive
    /// and every backoff is finite and ≥ 0.
    pub fn new(
        consumers: u32,
        service: f64,
        timeout: f64,
        backoff: Vec<f64>,
    ) -> Result<Self, ModelError> {
        positive("c", f64::from(consumers))?;
        positive("E[S]", service)?;
        positive("timeout", timeout)?;
        if let Some(&b) = backoff.iter().find(|b| !(b.is_finite() && **b >= 0.0)) {
            return Err(ModelError::InvalidParameter {
                name: "backoff",
                value: b,
                reason: "must be finite and at least 0",
            });
        }
        Ok(RetryFluid {
            consumers: f64::from(consumers),
            service,
            timeout,
            backoff,
            exponential: false,
        })
    }

    /// The same model with exponential service times: the fraction of attempts published
    /// at a wait W that time out is P(W + S > timeout) = e^{−(timeout − W)/E[S]} (1 once W
    /// reaches the timeout) — some senders give up before the backlog reaches
    /// [`RetryFluid::critical_backlog`], as in the stochastic queue.
    pub fn with_exponential_service(self) -> Self {
        RetryFluid {
            exponential: true,
            ..self
        }
    }

    /// The fraction of attempts that time out when the backlog is `q`.
    fn late(&self, q: f64) -> f64 {
        let wait = q * self.service / self.consumers;
        if self.exponential {
            if wait >= self.timeout {
                1.0
            } else {
                (-(self.timeout - wait) / self.service).exp()
            }
        } else if wait + self.service > self.timeout {
            1.0
        } else {
            0.0
        }
    }

    /// Messages the consumers process per unit time when busy, c/E[S].
    pub fn capacity(&self) -> f64 {
        self.consumers / self.service
    }

    /// The offered rate once every sender retries to the end: λ·(1 + retries).
    pub fn amplified(&self, rate: f64) -> f64 {
        rate * (1 + self.backoff.len()) as f64
    }

    /// A fresh rate the queue carries without retries but not with them:
    /// λ < c/E[S] < λ·(1 + retries). A backlog deep enough to time senders out then stays.
    pub fn metastable(&self, rate: f64) -> bool {
        rate < self.capacity() && self.amplified(rate) > self.capacity()
    }

    /// The backlog whose wait times every sender out: Q·E[S]/c + E[S] > timeout, i.e.
    /// Q > c·(timeout − E[S])/E[S] (0 when the service alone outlasts the timeout).
    pub fn critical_backlog(&self) -> f64 {
        (self.capacity() * (self.timeout - self.service)).max(0.0)
    }

    /// The fluid path under fresh rate `rate` over [0, horizon), from empty, on a grid of
    /// `steps` steps (Euler on the backlog; the delayed retries read the grid's history).
    pub fn path(&self, rate: &RateFn, horizon: f64, steps: usize) -> FluidPath {
        let dt = horizon / steps as f64;
        let mu = self.capacity();
        let k_max = self.backoff.len();
        // Lags, in steps, from an attempt's publication to its sender's next attempt.
        let lag: Vec<usize> = (self.backoff.iter())
            .map(|b| ((self.timeout + b) / dt).round().max(1.0) as usize)
            .collect();
        let mut a = vec![vec![0.0; steps]; k_max + 1];
        let mut late = vec![0.0f64; steps];
        let mut out = FluidPath {
            times: Vec::with_capacity(steps),
            backlog: Vec::with_capacity(steps),
            attempts: Vec::with_capacity(steps),
            goodput: vec![0.0; steps],
            fresh: Vec::with_capacity(steps),
        };
        let mut q = 0.0f64;
        for i in 0..steps {
            let t = i as f64 * dt;
            let fresh = rate.rate(t + 0.5 * dt);
            a[0][i] = fresh;
            for k in 1..=k_max {
                a[k][i] = i
                    .checked_sub(lag[k - 1])
                    .map_or(0.0, |j| a[k - 1][j] * late[j]);
            }
            late[i] = self.late(q);
            let inflow: f64 = a.iter().map(|ak| ak[i]).sum();
            out.times.push(t);
            out.backlog.push(q);
            out.attempts.push(inflow);
            out.fresh.push(fresh);
            // Originals served in time: those whose attempt k (published now) is the first
            // not to time out; credited to the fresh rate that started them.
            for k in 0..=k_max {
                let start = i.checked_sub(lag[..k].iter().sum::<usize>());
                if let Some(j) = start {
                    out.goodput[j] += a[k][i] * (1.0 - late[i]);
                }
            }
            q = (q + (inflow - mu) * dt).max(0.0);
        }
        out
    }

    /// The least duration D of a burst — fresh rate `burst` from `start` to `start + D`, the
    /// rate `base` before and after — for which goodput over the `settle` after the burst
    /// (from `start + D + timeout`, when the last fresh burst message's sender has waited
    /// out its timeout) stays below half the fresh load; found by bisection to 0.5% over
    /// (0, `longest`]. None when even the longest burst recovers; Some(0.0) when `base`
    /// alone collapses. Errors unless the rates are positive and the times positive.
    pub fn tipping_duration(
        &self,
        base: f64,
        burst: f64,
        start: f64,
        longest: f64,
        settle: f64,
    ) -> Result<Option<f64>, ModelError> {
        positive("base", base)?;
        positive("burst", burst)?;
        positive("start", start)?;
        positive("longest", longest)?;
        positive("settle", settle)?;
        let collapses = |d: f64| -> Result<bool, ModelError> {
            let end = start + d;
            let horizon = end + self.timeout + settle;
            let rate = if d > 0.0 {
                RateFn::piecewise(vec![0.0, start, end], vec![base, burst, base], None)?
            } else {
                RateFn::Constant(base)
            };
            let steps = ((horizon / self.step()).ceil() as usize).clamp(1_000, 2_000_000);
            let path = self.path(&rate, horizon, steps);
            Ok(path.goodput_ratio(end + self.timeout, horizon) < 0.5)
        };
        if collapses(0.0)? {
            return Ok(Some(0.0));
        }
        if !collapses(longest)? {
            return Ok(None);
        }
        let (mut lo, mut hi) = (0.0, longest);
        while hi - lo > 0.005 * hi {
            let mid = 0.5 * (lo + hi);
            if collapses(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Some(hi))
    }

    /// The grid step: a hundredth of the shortest of the service time, the timeout and the
    /// smallest positive backoff.
    fn step(&self) -> f64 {
        (self.backoff.iter().copied().filter(|&b| b > 0.0))
            .chain([self.service, self.timeout])
            .fold(f64::INFINITY, f64::min)
            / 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storm() -> RetryFluid {
        // 10 consumers of mean 1: capacity 10. Timeout 5, 3 retries after 1, 2, 4.
        RetryFluid::new(10, 1.0, 5.0, vec![1.0, 2.0, 4.0]).unwrap()
    }

    #[test]
    fn metastable_loads_lie_between_capacity_over_amplification_and_capacity() {
        let f = storm();
        assert_eq!(f.capacity(), 10.0);
        assert_eq!(f.amplified(3.0), 12.0);
        assert!(
            !f.metastable(2.0),
            "4 × 2 = 8 < 10: retries cannot sustain a backlog"
        );
        assert!(f.metastable(3.0) && f.metastable(9.0));
        assert!(!f.metastable(10.5), "overloaded without retries");
        // Q·E[S]/c + E[S] > 5 ⇔ Q > 40.
        assert_eq!(f.critical_backlog(), 40.0);
    }

    #[test]
    fn without_a_backlog_nobody_retries_and_goodput_is_the_fresh_load() {
        let f = storm();
        let p = f.path(&RateFn::Constant(8.0), 200.0, 20_000);
        assert!(p.backlog.iter().all(|&q| q == 0.0));
        assert!(p.attempts.iter().all(|&a| a == 8.0));
        assert!((p.goodput_ratio(0.0, 200.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_tipping_burst_fills_the_critical_backlog() {
        // Base 8 (metastable: 32 > 10), burst 20 from t = 100 for D. By hand, time from the
        // burst's start: the backlog grows at 10 per unit, so senders are late once it
        // passes 40, at 4; a burst of D ≤ 4 makes nobody late and recovers. For D > 4 the
        // backlog 10·D drains at 2 per unit after the burst, below 40 at 6·D − 20; the
        // retries of the late burst senders (published in (4, D)) come back timeout + 1 = 6
        // later, in (10, D + 6), at 20 per unit. With D ≥ 5 the backlog is still above 40
        // at 10, so the retries find it late again: collapse. With D = 4.5 it is 40 − 2·(30
        // − 6·4.5) = 34 at 10 and grows at 8 + 20 − 10 = 18 per unit for 0.5, to 43: late
        // again, collapse too. So D* lies in (4, 4.5].
        let f = storm();
        let d = f
            .tipping_duration(8.0, 20.0, 100.0, 200.0, 300.0)
            .unwrap()
            .unwrap();
        assert!(d > 4.0 && d <= 4.5 * 1.005, "tipping burst {d}");
        // Well below it the queue recovers and goodput is whole again; above it, it stays
        // collapsed to the end.
        let path = |dur: f64| {
            let r = RateFn::piecewise(vec![0.0, 100.0, 100.0 + dur], vec![8.0, 20.0, 8.0], None)
                .unwrap();
            f.path(&r, 600.0, 60_000)
        };
        assert!(path(0.8 * d).goodput_ratio(200.0, 600.0) > 0.99);
        let collapsed = path(1.2 * d);
        assert!(collapsed.goodput_ratio(200.0, 600.0) < 0.05);
        assert!(
            collapsed.backlog.last().unwrap() > &1000.0,
            "the backlog keeps growing"
        );
        // A load that is not metastable recovers from a burst that tips the metastable one
        // over, once its retried backlog has drained (it drains at 10 − 4·2 = 2 per unit).
        let r = RateFn::piecewise(vec![0.0, 100.0, 120.0], vec![2.0, 20.0, 2.0], None).unwrap();
        let p = f.path(&r, 1500.0, 150_000);
        assert!(p.goodput_ratio(1200.0, 1500.0) > 0.99);
        assert_eq!(p.backlog.last(), Some(&0.0));
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(RetryFluid::new(0, 1.0, 5.0, vec![]).is_err());
        assert!(RetryFluid::new(1, 1.0, -5.0, vec![]).is_err());
        assert!(RetryFluid::new(1, 1.0, 5.0, vec![f64::NAN]).is_err());
    }
}
