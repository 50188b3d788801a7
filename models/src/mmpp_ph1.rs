//! MMPP/PH/1: Markov-modulated Poisson arrivals (any number of phases) into one consumer with
//! phase-type service (exponential, Erlang-k, hyperexponential), FIFO — solved exactly (to
//! numerical precision) by the matrix-geometric method, with the distribution of the wait
//! and the sojourn of an arriving message.
//!
//! Source: the number in system n, the arrival phase i and the phase j of the service under
//! way form a quasi-birth–death process (M. F. Neuts, *Matrix-Geometric Solutions in
//! Stochastic Models*, Johns Hopkins, 1981, §3.2, the MMPP/PH/1 and, more generally,
//! MAP/PH/1 queue; G. Latouche & V. Ramaswami, *Introduction to Matrix Analytic Methods in
//! Stochastic Modeling*, SIAM, 1999, §3.5 and ch. 6). With D₀ = Q − Λ, D₁ = Λ and service
//! (α, S), s⁰ = −S1, the levels n ≥ 1 repeat with blocks A₀ = D₁ ⊗ I (an arrival),
//! A₁ = D₀ ⊕ S (phase changes) and A₂ = I ⊗ s⁰α (a completion, the next service starting by
//! α); level 0 has B₀₀ = D₀, B₀₁ = D₁ ⊗ α, B₁₀ = I ⊗ s⁰. Then π_n = π₁R^{n−1} for n ≥ 1, R
//! from the logarithmic reduction (the shared solver, `qbd.rs`), and (π₀, π₁) solve the
//! boundary equations π₀B₀₀ + π₁B₁₀ = 0, π₀B₀₁ + π₁(A₁ + RA₂) = 0.
//!
//! The wait: an arrival in phase i (rate λᵢ) finds level n and service phase j with
//! probability π_{n,(i,j)}λᵢ/λ̄. FIFO with one consumer, it waits for the rest of the service
//! under way and the n − 1 services ahead of it, whatever arrives later: the time to
//! absorption of the "countdown" chain on (services left ℓ, phase j), which moves by S within
//! a level and by s⁰α from ℓ to ℓ − 1 (Neuts 1981, §3.9: the waiting time of the MAP/PH/1
//! queue is of phase type). Its survival function is computed by uniformisation (Grassmann,
//! "Transient solutions in Markovian queueing systems", *Computers & OR* 4(1), 1977): with
//! θ ≥ every exit rate of a phase, P(W > x) = Σ_r Poisson(r; θx)·P(not absorbed after r steps
//! of the chain I + S/θ, s⁰/θ). The found levels are truncated where their tail mass falls
//! below [`LEVEL_TAIL`], the steps where the mass left falls below [`STEP_TAIL`]; the sojourn
//! is the same countdown with the message's own service added.

use crate::linalg::{Matrix, add_scaled, diagonal, inverse, mul, row_times, scaled_identity};
use crate::phase_type::PhaseType;
use crate::qbd::{dot, kron, left_null_vector, modulated_rate, negate, rate_matrix};
use crate::{Measures, ModelError, invert_survival};
use statrs::function::gamma::ln_gamma;

/// Mass of the found levels left out of the waiting-time distribution.
pub const LEVEL_TAIL: f64 = 1e-12;
/// Mass left unabsorbed at which the uniformised countdown stops.
pub const STEP_TAIL: f64 = 1e-12;
/// The most found levels × steps × phases² the waiting-time distribution may cost; beyond
/// it (an extreme load) the model gives the means only.
pub const MAX_WORK: f64 = 1e9;

/// An MMPP/PH/1 queue, solved.
#[derive(Debug, Clone)]
pub struct MmppPh1 {
    rates: Vec<f64>,
    service: PhaseType,
    mean_service: f64,
    /// Long-run arrival rate θ·λ.
    lambda: f64,
    /// π₀ (one entry per arrival phase), normalised.
    pi0: Vec<f64>,
    /// π₁ (arrival phase × service phase), normalised.
    pi1: Vec<f64>,
    /// The rate matrix of the levels from 1 up.
    r: Matrix,
    /// (I − R)⁻¹.
    tail: Matrix,
}

impl MmppPh1 {
    /// The queue with arrival rate `rates[i]` in phase i of the switching chain whose
    /// generator is `generator` (irreducible, rows summing to 0) and phase-type `service`.
    /// Errors on invalid parameters, and `Unstable` when λ̄·E[S] reaches 1.
    pub fn new(
        rates: &[f64],
        generator: &[Vec<f64>],
        service: &PhaseType,
    ) -> Result<Self, ModelError> {
        let m = rates.len();
        let lambda = modulated_rate(rates, generator)?;
        let invalid = |name, value, reason| {
            Err(ModelError::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        let k = service.phases();
        let alpha_sum: f64 = service.alpha.iter().sum();
        if k == 0
            || service.s.len() != k
            || service.alpha.iter().any(|a| !(a.is_finite() && *a >= 0.0))
            || (alpha_sum - 1.0).abs() > 1e-9
        {
            return invalid(
                "alpha",
                alpha_sum,
                "a probability vector, one entry per phase",
            );
        }
        let mean_service = service.mean();
        if !(mean_service.is_finite() && mean_service > 0.0) {
            return invalid("E[S]", mean_service, "must be finite and > 0");
        }
        let rho = lambda * mean_service;
        if rho >= 1.0 {
            return Err(ModelError::Unstable { rho });
        }
        let singular = ModelError::InvalidParameter {
            name: "Q",
            value: m as f64,
            reason: "the chain's blocks are singular",
        };
        let d1 = diagonal(rates);
        let d0 = add_scaled(generator, -1.0, &d1);
        let (id_m, id_k) = (scaled_identity(m, 1.0), scaled_identity(k, 1.0));
        let exit = service.exit();
        let exit_col: Matrix = exit.iter().map(|&e| vec![e]).collect();
        let alpha_row = vec![service.alpha.clone()];
        let up = kron(&d1, &id_k);
        let local = add_scaled(&kron(&d0, &id_k), 1.0, &kron(&id_m, &service.s));
        let down = kron(&id_m, &mul(&exit_col, &alpha_row));
        let r = rate_matrix(&up, &local, &down).ok_or(singular.clone())?;
        // π₁ = π₀B₀₁(−(A₁ + RA₂))⁻¹, and π₀(B₀₀ + B₀₁(−(A₁ + RA₂))⁻¹B₁₀) = 0.
        let b01 = kron(&d1, &alpha_row);
        let b10 = kron(&id_m, &exit_col);
        let n1 =
            inverse(&negate(&add_scaled(&local, 1.0, &mul(&r, &down)))).ok_or(singular.clone())?;
        let to_one = mul(&b01, &n1);
        let zero = add_scaled(&d0, 1.0, &mul(&to_one, &b10));
        let pi0 = left_null_vector(&zero).ok_or(singular.clone())?;
        let pi1 = row_times(&pi0, &to_one);
        let tail = inverse(&add_scaled(&scaled_identity(m * k, 1.0), -1.0, &r)).ok_or(singular)?;
        let total: f64 = pi0.iter().sum::<f64>() + row_times(&pi1, &tail).iter().sum::<f64>();
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite() && *x >= 0.0);
        if !(total.is_finite() && total > 0.0 && finite(&pi0) && finite(&pi1)) {
            return invalid(
                "rho",
                rho,
                "too close to 1 for the matrix-geometric solution's precision",
            );
        }
        Ok(MmppPh1 {
            rates: rates.to_vec(),
            service: service.clone(),
            mean_service,
            lambda,
            pi0: pi0.iter().map(|p| p / total).collect(),
            pi1: pi1.iter().map(|p| p / total).collect(),
            r,
            tail,
        })
    }

    /// The long-run arrival rate λ̄ = θ·λ.
    pub fn mean_rate(&self) -> f64 {
        self.lambda
    }

    /// P(N = n).
    pub fn p_n(&self, n: usize) -> f64 {
        if n == 0 {
            return self.pi0.iter().sum();
        }
        let mut v = self.pi1.clone();
        for _ in 1..n {
            v = row_times(&v, &self.r);
        }
        v.iter().sum()
    }

    /// Steady-state measures (per message).
    pub fn measures(&self) -> Measures {
        // Σ_{n≥1} n π₁R^{n−1} = π₁(I − R)⁻².
        let at_least_one = row_times(&self.pi1, &self.tail);
        let l: f64 = row_times(&at_least_one, &self.tail).iter().sum();
        let t = l / self.lambda;
        let wq = t - self.mean_service;
        let p_wait = dot(&at_least_one, &self.arrival_weights()) / self.lambda;
        Measures {
            t,
            wq,
            l,
            lq: self.lambda * wq,
            utilization: 1.0 - self.pi0.iter().sum::<f64>(),
            throughput: self.lambda,
            p_wait: Some(p_wait),
            p_loss: 0.0,
        }
    }

    /// λ_i for every state (i, j) of a level.
    fn arrival_weights(&self) -> Vec<f64> {
        let k = self.service.phases();
        (0..self.rates.len() * k)
            .map(|s| self.rates[s / k])
            .collect()
    }

    /// The distributions of the wait and the sojourn of an arriving message; None when
    /// computing them would cost more than [`MAX_WORK`] (a load very near 1).
    pub fn waiting_times(&self) -> Option<WaitingTimes> {
        let k = self.service.phases();
        let weights = self.arrival_weights();
        // found[ℓ − 1][j]: P(an arrival finds ℓ ≥ 1 messages, the one in service in phase j).
        let mut found: Vec<Vec<f64>> = Vec::new();
        let mut level = self.pi1.clone();
        let mut left = row_times(&self.pi1, &self.tail)
            .iter()
            .zip(&weights)
            .map(|(p, w)| p * w)
            .sum::<f64>()
            / self.lambda;
        while left > LEVEL_TAIL {
            let mut y = vec![0.0; k];
            for (s, p) in level.iter().enumerate() {
                y[s % k] += p * weights[s] / self.lambda;
            }
            let mass: f64 = y.iter().sum();
            found.push(y);
            left -= mass;
            if mass <= 0.0 || found.len() > 1_000_000 {
                break;
            }
            level = row_times(&level, &self.r);
        }
        let theta = self
            .service
            .s
            .iter()
            .enumerate()
            .map(|(j, row)| -row[j])
            .fold(0.0, f64::max);
        // Steps to absorb from the top found level: about its services' mean × θ, with room.
        let steps = 4.0 * (found.len() + 1) as f64 * theta * self.mean_service + 100.0;
        if (found.len() + 1) as f64 * steps * (k * k) as f64 > MAX_WORK {
            return None;
        }
        let empty: f64 = self
            .pi0
            .iter()
            .zip(&self.rates)
            .map(|(p, r)| p * r)
            .sum::<f64>()
            / self.lambda;
        // The sojourn: the wait's countdown one level higher, and an arrival to an empty
        // system starts its own service by α.
        let mut with_own = vec![self.service.alpha.iter().map(|a| a * empty).collect()];
        with_own.extend(found.iter().cloned());
        Some(WaitingTimes {
            theta,
            wait: countdown(&self.service, theta, found)?,
            sojourn: countdown(&self.service, theta, with_own)?,
        })
    }
}

/// The wait and sojourn distributions of an MMPP/PH/1 queue, as the mass left unabsorbed
/// after each step of the uniformised countdown chain (see the module doc).
#[derive(Debug, Clone)]
pub struct WaitingTimes {
    theta: f64,
    wait: Vec<f64>,
    sojourn: Vec<f64>,
}

impl WaitingTimes {
    /// P(Wq > x) for an arriving message.
    pub fn wait_survival(&self, x: f64) -> f64 {
        mixed(&self.wait, self.theta, x)
    }

    /// P(T > x) for an arriving message.
    pub fn sojourn_survival(&self, x: f64) -> f64 {
        mixed(&self.sojourn, self.theta, x)
    }

    /// The p-quantile of Wq (0 while P(Wq > 0) ≤ 1 − p).
    pub fn wait_quantile(&self, p: f64) -> f64 {
        invert_survival(p, |x| self.wait_survival(x))
    }

    /// The p-quantile of T.
    pub fn sojourn_quantile(&self, p: f64) -> f64 {
        invert_survival(p, |x| self.sojourn_survival(x))
    }

    /// E[Wq] from the distribution: the mean number of uniformised steps before absorption
    /// over θ (a check on the distribution against the means of the chain).
    pub fn wait_mean(&self) -> f64 {
        self.wait.iter().sum::<f64>() / self.theta
    }

    /// E[T] from the distribution, as [`Self::wait_mean`].
    pub fn sojourn_mean(&self) -> f64 {
        self.sojourn.iter().sum::<f64>() / self.theta
    }
}

/// The mass left unabsorbed after r = 0, 1, … steps of the countdown chain uniformised at
/// `theta`, started with mass `start[ℓ − 1][j]` on (ℓ services left, phase j), until it falls
/// below [`STEP_TAIL`]; None if that would cost more than [`MAX_WORK`].
fn countdown(service: &PhaseType, theta: f64, start: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let k = service.phases();
    let step: Matrix = add_scaled(&scaled_identity(k, 1.0), 1.0 / theta, &service.s);
    let exit: Vec<f64> = service.exit().iter().map(|e| e / theta).collect();
    let mut left_now: f64 = start.iter().flatten().sum();
    let mut levels = start;
    let mut out = vec![left_now];
    let mut next = vec![vec![0.0; k]; levels.len()];
    while left_now > STEP_TAIL && !levels.is_empty() {
        for l in 0..levels.len() {
            let moved = row_times(&levels[l], &step);
            let down = levels.get(l + 1).map_or(0.0, |above| dot(above, &exit));
            for j in 0..k {
                next[l][j] = moved[j] + down * service.alpha[j];
            }
        }
        std::mem::swap(&mut levels, &mut next);
        // The top level empties once every service above it is done: drop empty tops.
        while levels.last().is_some_and(|v| v.iter().all(|&x| x <= 0.0)) {
            levels.pop();
            next.pop();
        }
        left_now = levels.iter().flatten().sum();
        out.push(left_now);
        if out.len() as f64 * ((levels.len() * k * k) as f64) > MAX_WORK {
            return None;
        }
    }
    Some(out)
}

/// Σ_r Poisson(r; θx)·left[r], the steps beyond the last counted at its (tiny) mass. Only
/// the steps within mean ± 40√mean + 40 are summed: the Poisson weight outside is below
/// 1e-300, except beyond the end of `left`, whose weight is counted at the last mass.
fn mixed(left: &[f64], theta: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return left[0];
    }
    let mean = theta * x;
    let spread = 40.0 * mean.sqrt() + 40.0;
    let first = ((mean - spread).max(0.0) as usize).min(left.len() - 1);
    let last = ((mean + spread) as usize).min(left.len() - 1);
    let ln_pmf = |r: usize| r as f64 * mean.ln() - mean - ln_gamma(r as f64 + 1.0);
    let mut log_term = ln_pmf(first);
    let (mut sum, mut weight) = (0.0, 0.0);
    for (r, &l) in left.iter().enumerate().take(last + 1).skip(first) {
        if r > first {
            log_term += mean.ln() - (r as f64).ln();
        }
        let p = log_term.exp();
        sum += p * l;
        weight += p;
    }
    sum + (1.0 - weight).max(0.0) * left[last]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::stationary as gauss_seidel;
    use crate::{MG1, MM1, MmppMc};

    fn two_state(l1: f64, l2: f64, d1: f64, d2: f64) -> (Vec<f64>, Matrix) {
        (
            vec![l1, l2],
            vec![vec![-1.0 / d1, 1.0 / d1], vec![1.0 / d2, -1.0 / d2]],
        )
    }

    fn poisson(rate: f64) -> (Vec<f64>, Matrix) {
        (vec![rate], vec![vec![0.0]])
    }

    #[test]
    fn one_phase_and_exponential_service_is_mm1() {
        // M/M/1 at λ = 0.6, μ = 1: T = 1/(μ − λ) = 2.5, P(Wq > x) = ρe^{−(μ−λ)x},
        // T ~ Exp(μ − λ).
        let (rates, q) = poisson(0.6);
        let model = MmppPh1::new(&rates, &q, &PhaseType::exponential(1.0)).unwrap();
        let m = model.measures();
        let e = MM1::new(0.6, 1.0).unwrap().measures();
        for (a, b) in [(m.t, e.t), (m.wq, e.wq), (m.l, e.l), (m.lq, e.lq)] {
            assert!((a - b).abs() < 1e-10, "{m:?} vs {e:?}");
        }
        assert!((m.p_wait.unwrap() - 0.6).abs() < 1e-10);
        assert!((m.utilization - 0.6).abs() < 1e-12);
        let w = model.waiting_times().unwrap();
        for x in [0.0_f64, 0.5, 2.0, 10.0] {
            let want = 0.6 * (-0.4 * x).exp();
            assert!((w.wait_survival(x) - want).abs() < 1e-9, "x = {x}");
            let want = (-0.4 * x).exp();
            assert!((w.sojourn_survival(x) - want).abs() < 1e-9, "x = {x}");
        }
        for p in [0.5_f64, 0.9, 0.99, 0.999] {
            let t = -(1.0 - p).ln() / 0.4;
            assert!((w.sojourn_quantile(p) / t - 1.0).abs() < 1e-7, "p = {p}");
            let wq = (0.6 / (1.0 - p)).ln() / 0.4;
            assert!((w.wait_quantile(p) / wq - 1.0).abs() < 1e-7, "p = {p}");
        }
        assert!((w.wait_mean() - e.wq).abs() < 1e-9);
        assert!((w.sojourn_mean() - e.t).abs() < 1e-9);
    }

    /// e^{A} by scaling and squaring a Taylor series: a reference written for the test.
    fn expm(a: &[Vec<f64>]) -> Matrix {
        let n = a.len();
        let norm = a
            .iter()
            .map(|r| r.iter().map(|x| x.abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let squarings = (norm.max(1.0).log2().ceil() as i32 + 4).max(0);
        let scaled: Matrix = a
            .iter()
            .map(|r| r.iter().map(|x| x / 2f64.powi(squarings)).collect())
            .collect();
        let mut sum = scaled_identity(n, 1.0);
        let mut term = scaled_identity(n, 1.0);
        for i in 1..30 {
            term = mul(&term, &scaled)
                .iter()
                .map(|r| r.iter().map(|x| x / i as f64).collect())
                .collect();
            sum = add_scaled(&sum, 1.0, &term);
        }
        for _ in 0..squarings {
            sum = mul(&sum, &sum);
        }
        sum
    }

    /// The M/PH/1 wait by the other route: Wq is PH(ρα_e, S + ρs⁰α_e), α_e = α(−S)⁻¹/E[S]
    /// the equilibrium residual's start (a geometric number of residual services:
    /// Asmussen, *Applied Probability and Queues*, 2nd ed., 2003, Cor. VIII.5.7).
    fn m_ph_1_wait_survival(lambda: f64, ph: &PhaseType, x: f64) -> f64 {
        let es = ph.mean();
        let rho = lambda * es;
        let inv = inverse(&negate(&ph.s)).unwrap();
        let alpha_e: Vec<f64> = row_times(&ph.alpha, &inv).iter().map(|v| v / es).collect();
        let exit = ph.exit();
        let k = ph.phases();
        let generator: Matrix = (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| ph.s[i][j] + rho * exit[i] * alpha_e[j])
                    .collect()
            })
            .collect();
        let e = expm(
            &generator
                .iter()
                .map(|r| r.iter().map(|v| v * x).collect())
                .collect::<Matrix>(),
        );
        rho * row_times(&alpha_e, &e).iter().sum::<f64>()
    }

    #[test]
    fn poisson_arrivals_are_m_g_1() {
        // M/E3/1 and M/H2/1 at ρ = 0.8: Pollaczek–Khinchine's mean, and the distribution of
        // the wait against the M/PH/1 formula.
        let h2 = PhaseType::hyperexponential(&[0.2, 0.8], &[0.25, 2.0]); // E[S] = 1.2
        for (ph, scv) in [(PhaseType::erlang(3, 1.0), 1.0 / 3.0), (h2, 0.0)] {
            let es = ph.mean();
            let lambda = 0.8 / es;
            let model = MmppPh1::new(&[lambda], &[vec![0.0]], &ph).unwrap();
            let m = model.measures();
            let scv = if scv > 0.0 {
                scv
            } else {
                // H2: E[S²] = Σ 2pᵢ/μᵢ² = 2(0.2·16 + 0.8·0.25) = 6.8.
                6.8 / (es * es) - 1.0
            };
            let pk = MG1::new(lambda, es, scv).unwrap().measures();
            assert!((m.wq / pk.wq - 1.0).abs() < 1e-9, "{m:?} vs {pk:?}");
            assert!((m.l / pk.l - 1.0).abs() < 1e-9, "{m:?} vs {pk:?}");
            assert!((m.p_wait.unwrap() - 0.8).abs() < 1e-9, "{m:?}");
            let w = model.waiting_times().unwrap();
            for x in [0.0, 0.3, 1.0, 4.0, 15.0] {
                let want = m_ph_1_wait_survival(lambda, &ph, x);
                let got = w.wait_survival(x);
                assert!((got - want).abs() < 1e-9, "x = {x}: {got} vs {want}");
            }
            assert!((w.wait_mean() / pk.wq - 1.0).abs() < 1e-8);
            assert!((w.sojourn_mean() / pk.t - 1.0).abs() < 1e-8);
        }
    }

    #[test]
    fn exponential_service_matches_mmpp_m_1() {
        // Bursty MMPP(2) into one exponential consumer: the Erlang-sum route of MMPP/M/c.
        let (rates, q) = two_state(0.2, 1.5, 20.0, 5.0);
        let model = MmppPh1::new(&rates, &q, &PhaseType::exponential(1.0)).unwrap();
        let other = MmppMc::new(&rates, &q, 1.0, 1).unwrap();
        let (m, e) = (model.measures(), other.measures());
        for (a, b) in [(m.t, e.t), (m.wq, e.wq), (m.l, e.l)] {
            assert!((a / b - 1.0).abs() < 1e-9, "{m:?} vs {e:?}");
        }
        assert!((m.p_wait.unwrap() - e.p_wait.unwrap()).abs() < 1e-10);
        let w = model.waiting_times().unwrap();
        for p in [0.5, 0.9, 0.99, 0.999] {
            let (a, b) = (w.wait_quantile(p), other.wait_quantile(p));
            assert!((a - b).abs() < 1e-7 * b.max(1.0), "p = {p}: {a} vs {b}");
        }
    }

    /// The truncated CTMC of (number in system, arrival phase, service phase), solved by
    /// Gauss–Seidel: L and P(wait) by an independent route.
    // The phases index several arrays at once: plain index loops read as the chain does.
    #[allow(clippy::needless_range_loop)]
    fn truncated(rates: &[f64], q: &Matrix, ph: &PhaseType, levels: usize) -> (f64, f64) {
        let (m, k) = (rates.len(), ph.phases());
        let exit = ph.exit();
        // State of level 0: its arrival phase; of level n ≥ 1: m + (n − 1)mk + ik + j.
        let id = |n: usize, i: usize, j: usize| {
            if n == 0 {
                i
            } else {
                m + (n - 1) * m * k + i * k + j
            }
        };
        let mut tr = Vec::new();
        for i in 0..m {
            for (i2, &rate) in q[i].iter().enumerate() {
                if i2 != i {
                    tr.push((id(0, i, 0), id(0, i2, 0), rate));
                }
            }
            for j in 0..k {
                tr.push((id(0, i, 0), id(1, i, j), rates[i] * ph.alpha[j]));
            }
        }
        for n in 1..levels {
            for i in 0..m {
                for j in 0..k {
                    let s = id(n, i, j);
                    if n + 1 < levels {
                        tr.push((s, id(n + 1, i, j), rates[i]));
                    }
                    for (i2, &rate) in q[i].iter().enumerate() {
                        if i2 != i {
                            tr.push((s, id(n, i2, j), rate));
                        }
                    }
                    for (j2, &rate) in ph.s[j].iter().enumerate() {
                        if j2 != j {
                            tr.push((s, id(n, i, j2), rate));
                        }
                    }
                    if n == 1 {
                        tr.push((s, id(0, i, 0), exit[j]));
                    } else {
                        for j2 in 0..k {
                            tr.push((s, id(n - 1, i, j2), exit[j] * ph.alpha[j2]));
                        }
                    }
                }
            }
        }
        let size = m + (levels - 1) * m * k;
        let pi = gauss_seidel(size, &tr);
        let lambda: f64 = (0..m).map(|i| pi[i] * rates[i]).sum::<f64>()
            + (m..size)
                .map(|s| pi[s] * rates[(s - m) / k % m])
                .sum::<f64>();
        let (mut l, mut wait) = (0.0, 0.0);
        for s in m..size {
            let (n, i) = ((s - m) / (m * k) + 1, (s - m) / k % m);
            l += n as f64 * pi[s];
            wait += pi[s] * rates[i] / lambda;
        }
        (l, wait)
    }

    #[test]
    fn mmpp_erlang_2_agrees_with_the_truncated_chain() {
        // Quiet 0.3 for mean 20, bursts of 1.6 for mean 5 (λ̄ = (6 + 8)/25 = 0.56), E2 of mean
        // 1 (ρ = 0.56; the bursts overload the consumer), and a three-phase MMPP into H2.
        let h2 = PhaseType::hyperexponential(&[0.25, 0.75], &[0.5, 2.0]); // E[S] = 0.875
        let three = (
            vec![0.1, 0.6, 2.0],
            vec![
                vec![-0.1, 0.08, 0.02],
                vec![0.05, -0.1, 0.05],
                vec![0.2, 0.2, -0.4],
            ],
        );
        for ((rates, q), ph) in [
            (two_state(0.3, 1.6, 20.0, 5.0), PhaseType::erlang(2, 1.0)),
            (three, h2),
        ] {
            let model = MmppPh1::new(&rates, &q, &ph).unwrap();
            let m = model.measures();
            let (l, wait) = truncated(&rates, &q, &ph, 400);
            assert!((m.l / l - 1.0).abs() < 1e-7, "L {} vs chain {l}", m.l);
            assert!(
                (m.p_wait.unwrap() - wait).abs() < 1e-8,
                "P(wait) {m:?} vs {wait}"
            );
            assert!((m.utilization - model.mean_rate() * ph.mean()).abs() < 1e-10);
            let total: f64 = (0..2000).map(|n| model.p_n(n)).sum();
            assert!((total - 1.0).abs() < 1e-9, "{total}");
            // The distributions' means are the chain's (Little: Wq = L/λ̄ − E[S]).
            let w = model.waiting_times().unwrap();
            assert!(
                (w.wait_mean() / m.wq - 1.0).abs() < 1e-8,
                "{} {}",
                w.wait_mean(),
                m.wq
            );
            assert!((w.sojourn_mean() / m.t - 1.0).abs() < 1e-8);
            assert!((w.wait_survival(0.0) - wait).abs() < 1e-8);
            // Quantiles increase, and T's lie above Wq's.
            let wq: Vec<f64> = [0.5, 0.9, 0.99, 0.999].map(|p| w.wait_quantile(p)).to_vec();
            let t: Vec<f64> = [0.5, 0.9, 0.99, 0.999]
                .map(|p| w.sojourn_quantile(p))
                .to_vec();
            assert!(wq.windows(2).all(|p| p[0] <= p[1]) && t.windows(2).all(|p| p[0] < p[1]));
            assert!(wq.iter().zip(&t).all(|(a, b)| a < b), "{wq:?} {t:?}");
        }
    }

    #[test]
    fn near_saturation_gives_the_means_without_the_distributions_or_refuses() {
        // Near ρ = 1 the found levels reach tens of thousands, beyond MAX_WORK; at ρ = 0.9999
        // the blocks are numerically singular and the model says so rather than give NaN.
        let (rates, q) = two_state(0.3, 1.6, 20.0, 5.0);
        for rho in [0.99, 0.995, 0.998, 0.9999] {
            match MmppPh1::new(&rates, &q, &PhaseType::erlang(2, rho / 0.56)) {
                Ok(model) => {
                    let m = model.measures();
                    assert!(m.wq.is_finite() && m.wq > 100.0, "{rho}: {m:?}");
                    assert!(model.waiting_times().is_none(), "{rho}");
                }
                Err(e) => assert!(
                    rho > 0.999 && matches!(e, ModelError::InvalidParameter { .. }),
                    "{rho}: {e}"
                ),
            }
        }
    }

    #[test]
    fn refuses_bad_parameters_and_overload() {
        let (rates, q) = two_state(0.3, 1.6, 20.0, 5.0);
        assert!(matches!(
            MmppPh1::new(&rates, &q, &PhaseType::erlang(2, 2.0)),
            Err(ModelError::Unstable { rho }) if (rho - 1.12).abs() < 1e-12
        ));
        let bad = PhaseType {
            alpha: vec![0.5, 0.2],
            s: vec![vec![-1.0, 0.0], vec![0.0, -1.0]],
        };
        assert!(MmppPh1::new(&rates, &q, &bad).is_err());
        assert!(MmppPh1::new(&[1.0], &q, &PhaseType::exponential(0.5)).is_err());
    }
}
