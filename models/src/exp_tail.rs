//! The FIFO waiting and sojourn laws shared by M/M/c and GI/M/c: a wait that is zero with
//! probability 1 − pw and otherwise exponential with rate θ, then an independent Exp(μ)
//! service (Kleinrock, *Queueing Systems, Vol. 1*, 1975, §3.5 and §6.4).

/// A wait with an atom at zero and an exponential tail, and the exponential service after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpTailWait {
    /// P(wait > 0).
    pub pw: f64,
    /// Rate of the wait's exponential tail.
    pub theta: f64,
    /// Service rate.
    pub mu: f64,
}

impl ExpTailWait {
    /// The law with P(wait > 0) = `pw`, tail rate `theta` and service rate `mu`.
    pub fn new(pw: f64, theta: f64, mu: f64) -> Self {
        ExpTailWait { pw, theta, mu }
    }

    /// The p-quantile of the wait: 0 when 1 − p ≥ pw, else ln(pw/(1−p))/θ.
    pub fn wait_quantile(self, p: f64) -> f64 {
        if 1.0 - p >= self.pw {
            0.0
        } else {
            (self.pw / (1.0 - p)).ln() / self.theta
        }
    }

    /// P(W + S > t): with probability pw the hypoexponential Exp(θ) + Exp(μ) (Erlang-2 in the
    /// θ = μ limit), else the service alone.
    pub fn sojourn_survival(self, t: f64) -> f64 {
        let (pw, theta, mu) = (self.pw, self.theta, self.mu);
        let both = if (theta - mu).abs() < 1e-9 * mu {
            (1.0 + mu * t) * (-mu * t).exp()
        } else {
            (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
        };
        (1.0 - pw) * (-mu * t).exp() + pw * both
    }
}

/// A FIFO queue whose wait has an atom at zero and an exponential tail, with exponential
/// service (M/M/c, GI/M/c): its waiting and sojourn percentiles come from [`ExpTailWait`].
pub trait ExpTailQueue {
    /// The queue's wait law and service rate.
    fn exp_tail(&self) -> ExpTailWait;

    /// The p-quantile of the FIFO waiting time.
    fn wait_quantile(&self, p: f64) -> f64 {
        self.exp_tail().wait_quantile(p)
    }

    /// P(T > t) for the FIFO sojourn time T = Wq + S, S ~ Exp(μ) independent of Wq.
    fn sojourn_survival(&self, t: f64) -> f64 {
        self.exp_tail().sojourn_survival(t)
    }

    /// The p-quantile of the FIFO sojourn time, by bisection on its survival function.
    fn sojourn_quantile(&self, p: f64) -> f64 {
        let tail = self.exp_tail();
        crate::invert_survival(p, |t| tail.sojourn_survival(t))
    }
}
