//! M/M/c: Poisson arrivals, exponential service, c consumers sharing one FIFO queue.

use crate::exp_tail::{ExpTailQueue, ExpTailWait};
use crate::{Measures, ModelError, positive, servers, stable};

/// The M/M/c queue (Erlang's delay system).
///
/// Source: Kleinrock, *Queueing Systems, Vol. 1* (1975), §3.5, eqs. 3.39–3.40 (Erlang's C
/// formula); the waiting-time distribution P(Wq > t) = C·e^{−(cμ−λ)t} is Gross & Harris,
/// *Fundamentals of Queueing Theory* (4th ed., 2008), eq. 2.42. The Erlang C probability is
/// computed through the numerically stable Erlang B recursion
/// B(0) = 1, B(k) = a·B(k−1)/(k + a·B(k−1)), C = B/(1 − ρ(1 − B)), with a = λ/μ, ρ = a/c.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MMc {
    lambda: f64,
    mu: f64,
    c: u32,
}

/// Erlang's B (loss) formula for `c` servers and offered load `a` erlangs, by recursion.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// Erlang's C formula: probability that an arrival waits in M/M/c with load `a` (< c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

impl MMc {
    /// An M/M/c queue; errors unless the rates are positive, c ≥ 1 and λ < cμ.
    pub fn new(lambda: f64, mu: f64, c: u32) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        stable(lambda / (f64::from(c) * mu))?;
        Ok(Self { lambda, mu, c })
    }

    /// Probability that an arriving message has to wait (Erlang C).
    pub fn p_wait(&self) -> f64 {
        erlang_c(self.c, self.lambda / self.mu)
    }

    /// Rate of the exponential tail of the waiting time, cμ − λ.
    fn theta(&self) -> f64 {
        f64::from(self.c) * self.mu - self.lambda
    }

    /// Steady-state measures.
    pub fn measures(&self) -> Measures {
        let pw = self.p_wait();
        let wq = pw / self.theta();
        let utilization = self.lambda / (f64::from(self.c) * self.mu);
        Measures::from_wait(self.lambda, 1.0 / self.mu, wq, utilization, Some(pw))
    }
}

impl ExpTailQueue for MMc {
    fn exp_tail(&self) -> ExpTailWait {
        ExpTailWait::new(self.p_wait(), self.theta(), self.mu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MM1;

    /// Independent reference: the birth–death chain of M/M/c solved numerically
    /// (truncated far into the tail), giving L and P(wait) without Erlang's formula.
    fn birth_death(lambda: f64, mu: f64, c: u32) -> (f64, f64) {
        let n_max = 20_000;
        let mut p = vec![1.0f64; n_max];
        for n in 1..n_max {
            let servers = (n as u32).min(c) as f64;
            p[n] = p[n - 1] * lambda / (servers * mu);
        }
        let z: f64 = p.iter().sum();
        let l = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum::<f64>() / z;
        let p_wait = p[c as usize..].iter().sum::<f64>() / z;
        (l, p_wait)
    }

    #[test]
    fn erlang_c_textbook_value() {
        // a = 2 erlangs on 3 servers: C = 4/9 (Kleinrock's example values).
        assert!((erlang_c(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
        // Erlang B for a = 1, c = 1 is 1/2; for a = 2, c = 2 is 2/5.
        assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-15);
        assert!((erlang_b(2, 2.0) - 0.4).abs() < 1e-15);
    }

    #[test]
    fn agrees_with_numerical_birth_death_chain() {
        for &(lambda, mu, c) in &[
            (3.6, 1.0, 4),
            (9.5, 1.0, 10),
            (0.5, 2.0, 2),
            (45.0, 1.0, 50),
        ] {
            let m = MMc::new(lambda, mu, c).unwrap().measures();
            let (l, pw) = birth_death(lambda, mu, c);
            assert!((m.l - l).abs() / l < 1e-9, "L {} vs {}", m.l, l);
            assert!((m.p_wait.unwrap() - pw).abs() / pw < 1e-9);
        }
    }

    #[test]
    fn one_server_is_mm1() {
        let a = MMc::new(0.7, 1.0, 1).unwrap();
        let b = MM1::new(0.7, 1.0).unwrap();
        assert!((a.measures().t - b.measures().t).abs() < 1e-12);
        for p in [0.5, 0.9, 0.99] {
            assert!((a.sojourn_quantile(p) - b.sojourn_quantile(p)).abs() < 1e-9);
            assert!((a.wait_quantile(p) - b.wait_quantile(p)).abs() < 1e-12);
        }
    }

    #[test]
    fn sojourn_survival_matches_numerical_integration() {
        // P(T > t) = ∫ f_W(w) P(S > t − w) dw checked by a fine Riemann sum.
        let q = MMc::new(3.6, 1.0, 4).unwrap();
        let (pw, theta, mu) = (q.p_wait(), q.theta(), 1.0);
        let t = 5.0;
        let n = 200_000;
        let h = t / n as f64;
        let mut integral = 0.0;
        for i in 0..n {
            let w = (i as f64 + 0.5) * h;
            integral += pw * theta * (-theta * w).exp() * (-mu * (t - w)).exp() * h;
        }
        let reference = (1.0 - pw) * (-mu * t).exp() + integral + pw * (-theta * t).exp();
        assert!((q.sojourn_survival(t) - reference).abs() < 1e-8);
    }
}
