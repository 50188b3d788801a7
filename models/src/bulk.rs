//! Bulk (batch) Poisson arrivals: M^X/M/1 in closed form and M^X/M/c by its level chain.

use crate::{Measures, ModelError, positive, servers, stable};

/// Largest number of levels the truncated M^X/M/c chain may use.
pub const MAX_LEVELS: usize = 5_000_000;

/// Tail mass left out of the truncated chain (estimated from the geometric decay of the
/// stationary probabilities and checked against flow balance).
pub const TAIL: f64 = 1e-12;

/// The number of messages per arrival: a distribution on the positive integers.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchSize {
    /// Always `n` ≥ 1 messages.
    Deterministic(u32),
    /// Geometric on {1, 2, …} with the given mean m ≥ 1: P(X = k) = (1/m)(1 − 1/m)^{k−1}.
    Geometric {
        /// E[X].
        mean: f64,
    },
    /// A finite pmf: (size ≥ 1, probability) pairs, sizes distinct, probabilities summing to 1.
    Empirical(Vec<(u32, f64)>),
}

impl BatchSize {
    /// Deterministic batches of `n` ≥ 1.
    pub fn deterministic(n: u32) -> Result<Self, ModelError> {
        if n == 0 {
            return Err(invalid("batch", 0.0, "a batch holds at least one message"));
        }
        Ok(BatchSize::Deterministic(n))
    }

    /// Geometric batches on {1, 2, …} with mean ≥ 1.
    pub fn geometric(mean: f64) -> Result<Self, ModelError> {
        if !(mean.is_finite() && mean >= 1.0) {
            return Err(invalid("batch mean", mean, "must be finite and >= 1"));
        }
        Ok(BatchSize::Geometric { mean })
    }

    /// The empirical distribution of `samples` (each equally likely; repeats add weight).
    pub fn empirical(samples: &[u32]) -> Result<Self, ModelError> {
        if samples.is_empty() {
            return Err(invalid("batch", 0.0, "an empirical batch needs values"));
        }
        if samples.contains(&0) {
            return Err(invalid("batch", 0.0, "a batch holds at least one message"));
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let mut pmf: Vec<(u32, f64)> = Vec::new();
        let w = 1.0 / samples.len() as f64;
        for s in sorted {
            match pmf.last_mut() {
                Some((k, p)) if *k == s => *p += w,
                _ => pmf.push((s, w)),
            }
        }
        Ok(BatchSize::Empirical(pmf))
    }

    /// P(X = k).
    pub fn pmf(&self, k: u32) -> f64 {
        match self {
            BatchSize::Deterministic(n) => f64::from(u8::from(k == *n)),
            BatchSize::Geometric { mean } => {
                if k == 0 {
                    0.0
                } else {
                    (1.0 - 1.0 / mean).powi(k as i32 - 1) / mean
                }
            }
            BatchSize::Empirical(pmf) => pmf.iter().find(|(s, _)| *s == k).map_or(0.0, |x| x.1),
        }
    }

    /// P(X > k).
    pub fn tail(&self, k: u32) -> f64 {
        match self {
            BatchSize::Deterministic(n) => f64::from(u8::from(*n > k)),
            BatchSize::Geometric { mean } => (1.0 - 1.0 / mean).powi(k as i32),
            BatchSize::Empirical(pmf) => pmf.iter().filter(|(s, _)| *s > k).map(|x| x.1).sum(),
        }
    }

    /// The largest batch, if bounded.
    pub fn max(&self) -> Option<u32> {
        match self {
            BatchSize::Deterministic(n) => Some(*n),
            BatchSize::Geometric { mean } if *mean == 1.0 => Some(1),
            BatchSize::Geometric { .. } => None,
            BatchSize::Empirical(pmf) => pmf.last().map(|x| x.0),
        }
    }

    /// E[X].
    pub fn mean(&self) -> f64 {
        match self {
            BatchSize::Deterministic(n) => f64::from(*n),
            BatchSize::Geometric { mean } => *mean,
            BatchSize::Empirical(pmf) => pmf.iter().map(|(k, p)| f64::from(*k) * p).sum(),
        }
    }

    /// E[X²].
    pub fn second_moment(&self) -> f64 {
        match self {
            BatchSize::Deterministic(n) => f64::from(*n).powi(2),
            // Var = (1 − p)/p² with p = 1/m: E[X²] = m²(1 − 1/m) + m² = 2m² − m.
            BatchSize::Geometric { mean } => 2.0 * mean * mean - mean,
            BatchSize::Empirical(pmf) => pmf.iter().map(|(k, p)| f64::from(*k).powi(2) * p).sum(),
        }
    }
}

fn invalid(name: &'static str, value: f64, reason: &'static str) -> ModelError {
    ModelError::InvalidParameter {
        name,
        value,
        reason,
    }
}

/// M^X/M/1: batches arrive as a Poisson process of rate λ, each of X messages (i.i.d.),
/// served one at a time in FIFO order, exponential service at rate μ.
///
/// Source: D. Gross, J. F. Shortle, J. M. Thompson and C. M. Harris, *Fundamentals of
/// Queueing Theory* (4th ed., Wiley, 2008), §3.1 "Bulk input (M^[X]/M/1)": with
/// ρ = λE[X]/μ < 1, L = ρ(E[X²] + E[X])/(2E[X](1 − ρ)), p_0 = 1 − ρ; T = L/(λE[X]) and
/// Wq = T − 1/μ by Little's law for messages. A message starts at once only if its batch
/// finds the system empty (probability 1 − ρ, PASTA) and it is the batch's first (probability
/// 1/E[X] for a random message), so P(wait) = 1 − (1 − ρ)/E[X].
#[derive(Debug, Clone, PartialEq)]
pub struct MxM1 {
    lambda: f64,
    mu: f64,
    batch: BatchSize,
}

impl MxM1 {
    /// M^X/M/1 with batch rate `lambda`; errors unless rates are positive and ρ < 1.
    pub fn new(lambda: f64, mu: f64, batch: BatchSize) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        stable(lambda * batch.mean() / mu)?;
        Ok(Self { lambda, mu, batch })
    }

    /// Steady-state measures (per message).
    pub fn measures(&self) -> Measures {
        let (ex, ex2) = (self.batch.mean(), self.batch.second_moment());
        let rho = self.lambda * ex / self.mu;
        let l = rho * (ex2 + ex) / (2.0 * ex * (1.0 - rho));
        let rate = self.lambda * ex;
        let t = l / rate;
        let wq = t - 1.0 / self.mu;
        Measures {
            t,
            wq,
            l,
            lq: rate * wq,
            utilization: rho,
            throughput: rate,
            p_wait: Some(1.0 - (1.0 - rho) / ex),
            p_loss: 0.0,
        }
    }
}

/// M^X/M/c: batches arrive as a Poisson process of rate λ, each of X messages, c consumers
/// share one FIFO queue, exponential service at rate μ; solved numerically.
///
/// Source: the level-crossing equations of the number in system (Gross, Shortle, Thompson
/// & Harris, *Fundamentals of Queueing Theory*, 4th ed., 2008, §3.1, whose balance
/// equations for M^[X]/M/1 extend to c consumers by the death rate min(n, c)μ; P. H. Brill,
/// *Level Crossing Methods in Stochastic Models*, Springer, 2008): the rate of crossing
/// down from n + 1 to n equals the rate of crossing up past n,
/// min(n + 1, c)μ·p_{n+1} = λ Σ_{k=0}^{n} p_k P(X > n − k). The recursion is truncated
/// where the remaining tail mass is below [`TAIL`] (estimated from the decay of the last
/// blocks of probabilities and checked by the flow balance Σ min(n, c)μ p_n = λE[X]).
/// T = L/(λE[X]), Wq = Lq/(λE[X]) by Little's law; a message in position j of a batch that
/// finds n messages starts at once iff n + j ≤ c, and a random message is in position j with
/// probability P(X ≥ j)/E[X], which gives P(wait).
#[derive(Debug, Clone, PartialEq)]
pub struct MxMc {
    lambda: f64,
    mu: f64,
    c: u32,
    batch: BatchSize,
    p: Vec<f64>,
}

impl MxMc {
    /// M^X/M/c with batch rate `lambda`; errors unless rates are positive, c ≥ 1, ρ =
    /// λE[X]/(cμ) < 1, and the chain fits in [`MAX_LEVELS`] levels.
    pub fn new(lambda: f64, mu: f64, c: u32, batch: BatchSize) -> Result<Self, ModelError> {
        let lambda = positive("lambda", lambda)?;
        let mu = positive("mu", mu)?;
        let c = servers(c)?;
        let rate = lambda * batch.mean();
        stable(rate / (f64::from(c) * mu))?;
        let p = levels(lambda, mu, c, &batch)?;
        let q = Self {
            lambda,
            mu,
            c,
            batch,
            p,
        };
        // Flow balance: completions equal arrivals of messages, up to the truncation.
        let done: f64 =
            q.p.iter()
                .enumerate()
                .map(|(n, x)| n.min(c as usize) as f64 * x)
                .sum::<f64>()
                * mu;
        if ((done - rate) / rate).abs() > 1e-9 {
            return Err(invalid(
                "lambda",
                lambda,
                "M^X/M/c chain failed its flow-balance check",
            ));
        }
        Ok(q)
    }

    /// Stationary probabilities p_0..p_N of the number in system.
    pub fn distribution(&self) -> &[f64] {
        &self.p
    }

    /// Steady-state measures (per message).
    pub fn measures(&self) -> Measures {
        let c = self.c as usize;
        let ex = self.batch.mean();
        let rate = self.lambda * ex;
        let l: f64 = self.p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
        let lq: f64 = self
            .p
            .iter()
            .enumerate()
            .skip(c)
            .map(|(n, x)| (n - c) as f64 * x)
            .sum();
        // P(no wait) = Σ_{n<c} p_n Σ_{j=1}^{c−n} P(X ≥ j)/E[X].
        let at_least: Vec<f64> = (1..=self.c).map(|j| self.batch.tail(j - 1)).collect();
        let no_wait: f64 = self.p[..c.min(self.p.len())]
            .iter()
            .enumerate()
            .map(|(n, pn)| pn * at_least[..c - n].iter().sum::<f64>() / ex)
            .sum();
        Measures {
            t: l / rate,
            wq: lq / rate,
            l,
            lq,
            utilization: rate / (f64::from(self.c) * self.mu),
            throughput: rate,
            p_wait: Some(1.0 - no_wait),
            p_loss: 0.0,
        }
    }
}

/// The level-crossing recursion, normalised and truncated.
fn levels(lambda: f64, mu: f64, c: u32, batch: &BatchSize) -> Result<Vec<f64>, ModelError> {
    let max = batch.max();
    let block = max.unwrap_or(1).max(1) as usize;
    let geometric_ratio = match batch {
        BatchSize::Geometric { mean } => Some(1.0 - 1.0 / mean),
        _ => None,
    };
    // P(X > m) for m < block (finite support) — looked up, not recomputed.
    let tails: Vec<f64> = (0..block as u32).map(|m| batch.tail(m)).collect();
    let mut p = vec![1.0f64];
    let mut z = 1.0;
    let mut running = 1.0; // Σ_k p_k α^{n−k} for geometric batches.
    loop {
        let n = p.len() - 1;
        let up = match geometric_ratio {
            Some(_) => running,
            None => {
                let lo = (n + 1).saturating_sub(block);
                (lo..=n).map(|k| p[k] * tails[n - k]).sum()
            }
        };
        let next = lambda * up / ((n + 1).min(c as usize) as f64 * mu);
        p.push(next);
        z += next;
        if let Some(alpha) = geometric_ratio {
            running = alpha * running + next;
        }
        if z > 1e250 {
            p.iter_mut().for_each(|x| *x *= 1e-250);
            running *= 1e-250;
            z *= 1e-250;
        }
        let len = p.len();
        if len > MAX_LEVELS {
            return Err(invalid(
                "lambda",
                lambda,
                "M^X/M/c chain needs more than 5·10^6 levels",
            ));
        }
        // Past the consumers and two blocks: compare the last two blocks' masses.
        if len > c as usize + 2 * block + 1 {
            let last: f64 = p[len - block..].iter().sum();
            let prev: f64 = p[len - 2 * block..len - block].iter().sum();
            let r = last / prev;
            if r < 1.0 && last * r / (1.0 - r) < TAIL * z && last < TAIL * z {
                break;
            }
        }
    }
    p.iter_mut().for_each(|x| *x /= z);
    Ok(p)
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
