//! Join the shortest queue over consumers with exponential services, each of its own speed:
//! Poisson arrivals join the consumer holding the fewest messages (ties broken uniformly at
//! random), and each consumer serves its own FIFO queue. Solved exactly (to the truncation) as
//! the CTMC on the numbers each consumer holds. Reference values: Flatto & McKean, "Two queues
//! in parallel", *Comm. Pure Appl. Math.* 30 (1977), for two equal consumers; Adan, Wessels &
//! Zijm, "Analysis of the symmetric shortest queue problem", *Stochastic Models* 6 (1990).

use super::{CtmcError, Markov, Stationary, stationary};

/// JSQ with arrival rate `lambda` over consumers serving at `rates`.
#[derive(Debug, Clone, PartialEq)]
pub struct Jsq {
    /// Poisson arrival rate.
    pub lambda: f64,
    /// Each consumer's exponential service rate.
    pub rates: Vec<f64>,
}

/// JSQ's stationary figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsqFigures {
    /// Mean number in system.
    pub l: f64,
    /// Mean sojourn (Little: L / λ).
    pub t: f64,
    /// Mean waiting time: T minus the mean service a message gets.
    pub wq: f64,
    /// Mean busy consumers over the consumers.
    pub utilization: f64,
    /// States of the truncated chain.
    pub states: usize,
}

impl Markov for Jsq {
    type State = Vec<u32>;

    fn initial(&self) -> Vec<u32> {
        vec![0; self.rates.len()]
    }

    fn transitions(&self, s: &Vec<u32>, bound: u32, out: &mut Vec<(Vec<u32>, f64)>) {
        let shortest = *s.iter().min().expect("at least one consumer");
        let ties = s.iter().filter(|&&n| n == shortest).count() as f64;
        for (k, &n) in s.iter().enumerate() {
            if n == shortest && n < bound {
                let mut t = s.clone();
                t[k] += 1;
                out.push((t, self.lambda / ties));
            }
            if n > 0 {
                let mut t = s.clone();
                t[k] -= 1;
                out.push((t, self.rates[k]));
            }
        }
    }

    fn at_boundary(&self, s: &Vec<u32>, bound: u32) -> bool {
        s.iter().min().is_some_and(|&n| n >= bound)
    }
}

impl Jsq {
    /// The exact figures, or why they could not be had (a chain beyond `limit` states).
    pub fn solve(&self, limit: usize) -> Result<JsqFigures, CtmcError> {
        let sol: Stationary<Vec<u32>> = stationary(self, 16, limit)?;
        let l = sol.mean(|s| s.iter().map(|&n| f64::from(n)).sum());
        let busy = sol.mean(|s| s.iter().filter(|&&n| n > 0).count() as f64);
        // The work done per unit time is λ; the mean service a message gets is the busy
        // consumers' share of it: Σ_k P(k busy) / λ.
        let t = l / self.lambda;
        Ok(JsqFigures {
            l,
            t,
            wq: t - busy / self.lambda,
            utilization: busy / self.rates.len() as f64,
            states: sol.states.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    /// Flatto–McKean's two equal consumers: λ = 1.62, μ = 0.97 gives T = 3.601138.
    #[test]
    fn two_equal_consumers_match_flatto_mckean() {
        let f = Jsq {
            lambda: 1.62,
            rates: vec![0.97, 0.97],
        }
        .solve(1_000_000)
        .unwrap();
        assert!((f.t - 3.601138).abs() < 1e-6, "T = {}", f.t);
        assert!((f.utilization - 1.62 / 1.94).abs() < 1e-9);
    }

    /// One consumer is M/M/1: T = 1 / (μ − λ).
    #[test]
    fn one_consumer_is_mm1() {
        let f = Jsq {
            lambda: 0.8,
            rates: vec![1.0],
        }
        .solve(100_000)
        .unwrap();
        assert!((f.t - 5.0).abs() < 1e-8, "T = {}", f.t);
        assert!((f.wq - 4.0).abs() < 1e-8, "Wq = {}", f.wq);
    }

    /// Three consumers of unequal speeds against the same chain written out by hand on a
    /// fixed grid and solved by the test kit's dense Gauss–Seidel.
    #[test]
    fn unequal_speeds_match_a_chain_written_independently() {
        let (lambda, mu) = (2.0, [0.5, 1.0, 1.5]);
        let f = Jsq {
            lambda,
            rates: mu.to_vec(),
        }
        .solve(1_000_000)
        .unwrap();
        let n = 40usize;
        let idx = |a: usize, b: usize, c: usize| (a * n + b) * n + c;
        let mut tr = Vec::new();
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    let s = [a, b, c];
                    let m = *s.iter().min().unwrap();
                    let ties: Vec<usize> = (0..3).filter(|&k| s[k] == m).collect();
                    for &k in &ties {
                        if s[k] + 1 < n {
                            let mut t = s;
                            t[k] += 1;
                            tr.push((
                                idx(a, b, c),
                                idx(t[0], t[1], t[2]),
                                lambda / ties.len() as f64,
                            ));
                        }
                    }
                    for k in 0..3 {
                        if s[k] > 0 {
                            let mut t = s;
                            t[k] -= 1;
                            tr.push((idx(a, b, c), idx(t[0], t[1], t[2]), mu[k]));
                        }
                    }
                }
            }
        }
        let pi = testkit::stationary(n * n * n, &tr);
        let mut l = 0.0;
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    l += pi[idx(a, b, c)] * (a + b + c) as f64;
                }
            }
        }
        assert!(
            (f.t - l / lambda).abs() < 1e-6,
            "T = {} vs {}",
            f.t,
            l / lambda
        );
    }
}
