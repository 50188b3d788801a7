//! The finite-source queue M/M/c//N (the machine-repairman model): N clients that each think,
//! send one message and wait for it; c consumers serve the messages.

use crate::{Measures, ModelError, positive, servers};

/// Largest number of clients N accepted (the distribution of the number in the system is
/// stored, one f64 per state).
pub const MAX_CLIENTS: u32 = 10_000_000;

/// The M/M/c//N queue: N clients each think for a time of mean Z = 1/λ, then send a message
/// and wait until it has been served; c consumers serve the messages FIFO in exponential
/// times of mean 1/μ.
///
/// Source: L. Kleinrock, *Queueing Systems, Vol. 1: Theory* (Wiley, 1975), §3.10 (the
/// finite-customer-population, "machine-repairman" system, M/M/1//N and M/M/m//N); D. Gross
/// & C. M. Harris, *Fundamentals of Queueing Theory* (3rd ed., Wiley, 1998), §2.8
/// ("finite-source queues"). The number n in the system is a birth–death chain with birth
/// rate (N − n)λ and death rate min(n, c)μ, so
/// p_n = p_0 · C(N, n) · (λ/μ)ⁿ for n ≤ c, p_n = p_0 · C(N, n) · n!/(c! c^{n−c}) · (λ/μ)ⁿ
/// for n > c. The throughput is X = μ·Σ min(n, c) p_n = λ(N − L); T = L/X and Wq = Lq/X
/// by Little's law; a message waits when it finds n ≥ c in the system, and an arriving
/// message sees the distribution (N − n)p_n / (N − L) (the arrival theorem for a finite
/// source: Kleinrock §3.10).
///
/// Insensitivity: with exponential service the stationary distribution of n, hence every
/// mean here, is the same for any think-time distribution of mean Z — the clients thinking
/// form an infinite-server station, whose product-form solution depends on its service time
/// only through its mean (Baskett, Chandy, Muntz & Palacios, "Open, closed and mixed networks
/// of queues with different classes of customers", *JACM* 22(2), 1975, station type 3;
/// Gross & Harris §2.8 state it for the finite-source queue).
#[derive(Debug, Clone, PartialEq)]
pub struct MachineRepair {
    think: f64,
    mu: f64,
    c: u32,
    n: u32,
    /// Stationary distribution p_0..p_N of the number in the system.
    p: Vec<f64>,
}

impl MachineRepair {
    /// N = `clients` clients of mean think time `think` (> 0), c = `consumers` consumers of
    /// rate `mu`; errors unless the numbers are positive and 1 ≤ N ≤ [`MAX_CLIENTS`].
    pub fn new(clients: u32, think: f64, mu: f64, consumers: u32) -> Result<Self, ModelError> {
        let think = positive("Z", think)?;
        let mu = positive("mu", mu)?;
        let c = servers(consumers)?;
        if clients == 0 || clients > MAX_CLIENTS {
            return Err(ModelError::InvalidParameter {
                name: "N",
                value: f64::from(clients),
                reason: "the number of clients must satisfy 1 <= N <= 10^7",
            });
        }
        let lambda = 1.0 / think;
        // Unnormalised log-weights: p_{n}/p_{n−1} = (N − n + 1)λ / (min(n, c)μ).
        let mut logw = Vec::with_capacity(clients as usize + 1);
        logw.push(0.0);
        for k in 1..=clients {
            let up = f64::from(clients - k + 1) * lambda;
            let down = f64::from(k.min(c)) * mu;
            let prev = logw[k as usize - 1];
            logw.push(prev + (up / down).ln());
        }
        let max = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut p: Vec<f64> = logw.iter().map(|w| (w - max).exp()).collect();
        let z: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= z);
        Ok(Self {
            think,
            mu,
            c,
            n: clients,
            p,
        })
    }

    /// Stationary probabilities p_0..p_N of the number of messages in the system.
    pub fn distribution(&self) -> &[f64] {
        &self.p
    }

    /// Steady-state measures: T, Wq, L, Lq, utilisation of each consumer, throughput X, and
    /// the probability that a message finds every consumer busy. Nothing is lost.
    pub fn measures(&self) -> Measures {
        let c = self.c as usize;
        let l: f64 = self.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        let lq: f64 = (self.p.iter().enumerate())
            .skip(c)
            .map(|(n, x)| (n - c) as f64 * x)
            .sum();
        let busy: f64 = (self.p.iter().enumerate())
            .map(|(n, x)| n.min(c) as f64 * x)
            .sum();
        let throughput = self.mu * busy;
        let n = f64::from(self.n);
        // Arrivals see (N − n) p_n / (N − L).
        let p_wait = (self.p.iter().enumerate())
            .skip(c)
            .map(|(k, x)| (n - k as f64) * x)
            .sum::<f64>()
            / (n - l);
        Measures {
            t: l / throughput,
            wq: lq / throughput,
            l,
            lq,
            utilization: busy / f64::from(self.c),
            throughput,
            p_wait: Some(p_wait.clamp(0.0, 1.0)),
            p_loss: 0.0,
        }
    }

    /// The mean think time Z.
    pub fn think(&self) -> f64 {
        self.think
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::stationary;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// The birth–death chain of the number in the system, built transition by transition and
    /// solved numerically (Gauss–Seidel): an independent route to the distribution.
    fn chain(n: u32, think: f64, mu: f64, c: u32) -> Vec<f64> {
        let mut t = Vec::new();
        for k in 0..n {
            t.push((k as usize, k as usize + 1, f64::from(n - k) / think));
        }
        for k in 1..=n {
            t.push((k as usize, k as usize - 1, f64::from(k.min(c)) * mu));
        }
        stationary(n as usize + 1, &t)
    }

    #[test]
    fn matches_the_birth_death_chain_solved_numerically() {
        for &(n, z, mu, c) in &[
            (20u32, 1.0, 8.0, 2u32),
            (5, 2.0, 1.0, 1),
            (30, 0.5, 1.0, 4),
            (3, 10.0, 0.2, 3),
        ] {
            let m = MachineRepair::new(n, z, mu, c).unwrap();
            let p = chain(n, z, mu, c);
            for (a, b) in m.distribution().iter().zip(&p) {
                assert!((a - b).abs() < 1e-10, "N={n} c={c}: {a} vs {b}");
            }
            // Throughput two ways: the consumers' completions and the clients' sends.
            let x = m.measures();
            assert!(close(x.throughput, (f64::from(n) - x.l) / z, 1e-12));
            assert!(close(x.t, x.wq + 1.0 / mu, 1e-12));
        }
    }

    /// Kleinrock (1975) §3.10, M/M/1//N: p_0 = [Σ_{k=0}^{N} N!/(N−k)! (λ/μ)^k]^{-1} and the
    /// throughput μ(1 − p_0). With N = 2, λ = μ = 1: weights 1, 2, 2, so p_0 = 1/5, X = 4/5,
    /// L = (2 + 4)/5 = 6/5 and T = L/X = 3/2 (by hand).
    #[test]
    fn two_clients_one_consumer_by_hand() {
        let m = MachineRepair::new(2, 1.0, 1.0, 1).unwrap();
        let x = m.measures();
        assert!(close(m.distribution()[0], 0.2, 1e-12));
        assert!(close(x.throughput, 0.8, 1e-12));
        assert!(close(x.l, 1.2, 1e-12));
        assert!(close(x.t, 1.5, 1e-12));
        // An arrival finds the other client's message with probability (1·p_1)/(2 − L) =
        // 0.4/0.8 = 1/2, and it waits when it does.
        assert!(close(x.p_wait.unwrap(), 0.5, 1e-12));
    }

    /// One client never waits: T = 1/μ, X = 1/(Z + 1/μ).
    #[test]
    fn one_client_never_waits() {
        let x = MachineRepair::new(1, 3.0, 2.0, 1).unwrap().measures();
        assert!(close(x.t, 0.5, 1e-12));
        assert!(close(x.throughput, 1.0 / 3.5, 1e-12));
        assert_eq!(x.wq, 0.0);
    }

    #[test]
    fn refuses_bad_parameters() {
        assert!(MachineRepair::new(0, 1.0, 1.0, 1).is_err());
        assert!(MachineRepair::new(3, 0.0, 1.0, 1).is_err());
        assert!(MachineRepair::new(3, 1.0, -1.0, 1).is_err());
        assert!(MachineRepair::new(3, 1.0, 1.0, 0).is_err());
    }
}
