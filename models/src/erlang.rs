//! M/M/c/c: Erlang's loss system (no queue; a message finding every consumer busy is lost).

use crate::mmc::erlang_b;
use crate::{Measures, ModelError, positive, servers};

/// The M/M/c/c loss system (Erlang B).
///
/// Source: Kleinrock, *Queueing Systems, Vol. 1* (1975), §3.7 (M/M/m/m, Erlang's loss
/// formula B(c, a) = (aᶜ/c!) / Σ_{k=0}^{c} aᵏ/k!, a = λ/μ); Gross & Harris, *Fundamentals of
/// Queueing Theory* (4th ed., 2008), §2.6, computed by the recursion in
/// [`erlang_b`]. By PASTA the loss probability is B; accepted messages never wait, so
/// T = 1/μ, Wq = Lq = 0 and L = a(1 − B). The blocking probability is insensitive to the
/// service distribution beyond its mean (Sevastyanov's theorem, 1957), so this also covers
/// M/G/c/c. Any λ > 0 is allowed: a loss system is always stable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangB {
    lambda: f64,
    mu: f64,
    c: u32,
}

impl ErlangB {
    /// A loss system with arrival rate `lambda`, service rate `mu` and `c` ≥ 1 consumers.
    pub fn new(lambda: f64, mu: f64, c: u32) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        Ok(Self { lambda, mu, c })
    }

    /// Blocking probability B(c, λ/μ).
    pub fn p_loss(&self) -> f64 {
        erlang_b(self.c, self.lambda / self.mu)
    }

    /// Steady-state measures (T and Wq of accepted messages).
    pub fn measures(&self) -> Measures {
        let b = self.p_loss();
        let throughput = self.lambda * (1.0 - b);
        let l = throughput / self.mu;
        Measures {
            t: 1.0 / self.mu,
            wq: 0.0,
            l,
            lq: 0.0,
            utilization: l / f64::from(self.c),
            throughput,
            p_wait: Some(0.0),
            p_loss: b,
        }
    }

    /// The p-quantile of the sojourn time of accepted messages: their Exp(μ) service.
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        -(1.0 - p).ln() / self.mu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct evaluation of Erlang's formula as a sum of terms aᵏ/k! (the textbook form).
    fn erlang_b_direct(c: u32, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=c {
            term *= a / f64::from(k);
            sum += term;
        }
        term / sum
    }

    /// Hand value: a = 2, c = 3: B = (8/6)/(1 + 2 + 2 + 8/6) = 4/19.
    #[test]
    fn hand_value_and_direct_sum() {
        let q = ErlangB::new(2.0, 1.0, 3).unwrap();
        assert!((q.p_loss() - 4.0 / 19.0).abs() < 1e-15);
        for &(c, a) in &[(1u32, 0.3), (10, 4.46), (25, 30.0), (60, 50.0)] {
            let b = ErlangB::new(a, 1.0, c).unwrap().p_loss();
            assert!((b - erlang_b_direct(c, a)).abs() < 1e-12 * b);
        }
    }

    /// Standard published Erlang B tables (offered traffic at a 1 % grade of service): the
    /// traffic offered at 1 % blocking is 1.361 erlangs on 5 lines, 4.461 on 10 and 12.031
    /// on 20. The table rounds a to 3 decimals, so B is checked to ±0.3 % of 1 %.
    #[test]
    fn published_table_at_one_percent() {
        for &(c, a) in &[(5u32, 1.361), (10, 4.461), (20, 12.031)] {
            let b = ErlangB::new(a, 1.0, c).unwrap().p_loss();
            assert!((b - 0.01).abs() < 3e-5, "c = {c}: B = {b}");
        }
    }

    #[test]
    fn measures_by_littles_law() {
        let q = ErlangB::new(6.0, 2.0, 4).unwrap();
        let m = q.measures();
        let b = erlang_b(4, 3.0);
        assert!((m.l - 3.0 * (1.0 - b)).abs() < 1e-14);
        assert!((m.l - m.throughput * m.t).abs() < 1e-14);
        assert!((q.sojourn_quantile(0.5) - std::f64::consts::LN_2 / 2.0).abs() < 1e-15);
        // Overload is allowed: a loss system is always stable.
        assert!(ErlangB::new(100.0, 1.0, 2).is_ok());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            ErlangB::new(1.0, 1.0, 0),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            ErlangB::new(0.0, 1.0, 2),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
