//! A Markov-modulated Poisson process (MMPP): Poisson arrivals at rate λᵢ while a background
//! continuous-time Markov chain is in state i.
//!
//! State i lasts an exponential time of mean `mean_durations[i]`, then the chain moves to
//! each other state with equal probability (with two states, to the other); the chain starts
//! in its stationary distribution, πᵢ ∝ mean_durations[i] (the jump chain is uniform over the
//! other states, so it spends equal numbers of visits in each). The mean rate is Σ πᵢλᵢ.
//! Moments of the gaps in the stationary interval process follow Fischer & Meier-Hellstern,
//! "The Markov-modulated Poisson process (MMPP) cookbook", Performance Evaluation 18(2), 1993:
//! a gap is phase-type with generator D₀ = Q − Λ and initial vector πΛ/(πλ), so
//! E[Xᵏ] = k!·(πΛ/πλ)·(−D₀)⁻ᵏ·1.

use kendall_models::linalg::solve;
use rand::Rng;
use rand_distr::{Distribution as _, Exp1};

use crate::dist::{DistError, DistProblem, DistSpec, Params};
use crate::error::KeyPath;

/// A validated MMPP: each state's arrival rate and mean sojourn.
#[derive(Debug, Clone, PartialEq)]
pub struct Mmpp {
    rates: Vec<f64>,
    mean_durations: Vec<f64>,
    /// Stationary probability of each state.
    stationary: Vec<f64>,
}

impl Mmpp {
    /// Validates a `kind = "mmpp"` table (found at `path`): `rates` (≥ 0, not all 0) and
    /// `mean_durations` (> 0), one of each per state, at least two states.
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, DistError> {
        let p = Params { spec, path };
        p.only(&["rates", "mean_durations"])?;
        let (Some(rates), Some(durations)) = (&spec.rates, &spec.mean_durations) else {
            let name = if spec.rates.is_none() {
                "rates"
            } else {
                "mean_durations"
            };
            return Err(p.at_table(DistProblem::Missing {
                name,
                a_kind: p.a_kind(),
            }));
        };
        let at = |key: &str, i: usize, problem| DistError {
            path: path.key(key).index(i),
            problem,
        };
        if rates.len() < 2 {
            return Err(p.at("rates", DistProblem::MmppStates(rates.len())));
        }
        if durations.len() != rates.len() {
            return Err(p.at(
                "mean_durations",
                DistProblem::MmppDurations {
                    durations: durations.len(),
                    rates: rates.len(),
                },
            ));
        }
        if let Some(i) = rates.iter().position(|r| !(r.is_finite() && *r >= 0.0)) {
            return Err(at("rates", i, DistProblem::Negative(rates[i])));
        }
        if rates.iter().all(|&r| r == 0.0) {
            return Err(p.at("rates", DistProblem::MmppAllZero));
        }
        if let Some(i) = durations.iter().position(|d| !(d.is_finite() && *d > 0.0)) {
            return Err(at(
                "mean_durations",
                i,
                DistProblem::NotPositive(durations[i]),
            ));
        }
        Ok(Mmpp::new(rates.clone(), durations.clone()))
    }

    /// The MMPP with these rates and mean durations (as validated by [`Mmpp::from_spec`]).
    pub fn new(rates: Vec<f64>, mean_durations: Vec<f64>) -> Self {
        let total: f64 = mean_durations.iter().sum();
        let stationary = mean_durations.iter().map(|d| d / total).collect();
        Mmpp {
            rates,
            mean_durations,
            stationary,
        }
    }

    /// Each state's arrival rate.
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// Each state's mean duration.
    pub fn mean_durations(&self) -> &[f64] {
        &self.mean_durations
    }

    /// Stationary probability of each state of the background chain.
    pub fn stationary(&self) -> &[f64] {
        &self.stationary
    }

    /// Long-run arrival rate Σ πᵢλᵢ.
    pub fn mean_rate(&self) -> f64 {
        self.stationary
            .iter()
            .zip(&self.rates)
            .map(|(p, r)| p * r)
            .sum()
    }

    /// The switching chain's generator Q.
    pub fn generator(&self) -> Vec<Vec<f64>> {
        let n = self.rates.len();
        (0..n)
            .map(|i| {
                let out = 1.0 / self.mean_durations[i];
                (0..n)
                    .map(|j| if i == j { -out } else { out / (n - 1) as f64 })
                    .collect()
            })
            .collect()
    }

    /// −D₀ = Λ − Q: the matrix whose inverse gives the gaps' moments, as a Markovian arrival
    /// process (D₀, D₁) = (Q − Λ, Λ).
    fn minus_d0(&self) -> Vec<Vec<f64>> {
        let n = self.rates.len();
        let q = self.generator();
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { self.rates[i] } else { 0.0 } - q[i][j])
                    .collect()
            })
            .collect()
    }

    /// First and second moments of a gap in the stationary interval process (Fischer &
    /// Meier-Hellstern 1993); the first equals 1/mean rate.
    pub fn gap_moments(&self) -> (f64, f64) {
        let n = self.rates.len();
        let minus_d0 = self.minus_d0();
        // −D₀ is non-singular when some rate is positive (validated); NaN moments otherwise.
        let nan = || vec![f64::NAN; n];
        let x = solve(&minus_d0, &vec![1.0; n]).unwrap_or_else(nan);
        let y = solve(&minus_d0, &x).unwrap_or_else(nan);
        let lambda = self.mean_rate();
        let start: Vec<f64> = (0..n)
            .map(|i| self.stationary[i] * self.rates[i] / lambda)
            .collect();
        let dot = |v: &[f64]| start.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
        (dot(&x), 2.0 * dot(&y))
    }

    /// The SCV of a gap in the stationary interval process.
    pub fn gap_scv(&self) -> f64 {
        let (m1, m2) = self.gap_moments();
        m2 / (m1 * m1) - 1.0
    }

    /// The lag-`k` autocorrelation of the gaps in the stationary interval process (k ≥ 1).
    ///
    /// As a Markovian arrival process (D₀, D₁) = (Q − Λ, Λ), successive gaps are
    /// correlated through the phase at each arrival: with P = (−D₀)⁻¹D₁ and φ = θΛ/λ̄ the
    /// phase just after an arrival, E[X₀X_k] = φ(−D₀)⁻¹P^k(−D₀)⁻¹1, so
    /// ρ_k = (φ(−D₀)⁻¹P^k(−D₀)⁻¹1 − m₁²)/(m₂ − m₁²), m₁ and m₂ as in [`Mmpp::gap_moments`]
    /// (Fischer & Meier-Hellstern 1993, §2; M. F. Neuts, "A versatile Markovian point
    /// process", *J. Applied Probability* 16(4), 1979). NaN when the gaps do not vary.
    pub fn gap_autocorrelation(&self, k: u32) -> f64 {
        let n = self.rates.len();
        let minus_d0 = self.minus_d0();
        let nan = || vec![f64::NAN; n];
        // u = (−D₀)⁻¹1, then P^k u, then (−D₀)⁻¹ of it.
        let mut u = solve(&minus_d0, &vec![1.0; n]).unwrap_or_else(nan);
        for _ in 0..k {
            let lu: Vec<f64> = u.iter().zip(&self.rates).map(|(x, r)| x * r).collect();
            u = solve(&minus_d0, &lu).unwrap_or_else(nan);
        }
        let w = solve(&minus_d0, &u).unwrap_or_else(nan);
        let lambda = self.mean_rate();
        let joint: f64 = (0..n)
            .map(|i| self.stationary[i] * self.rates[i] / lambda * w[i])
            .sum();
        let (m1, m2) = self.gap_moments();
        (joint - m1 * m1) / (m2 - m1 * m1)
    }

    /// The index of dispersion of counts over an infinitely long window, lim Var N(t)/E N(t):
    /// for two states, 1 + 2·r₁r₂(λ₁ − λ₂)² / ((r₁ + r₂)²·(λ₁r₂ + λ₂r₁)), rᵢ = 1/mean
    /// durationᵢ (Heffes & Lucantoni 1986, eq. for the MMPP(2) IDC); None for more states.
    pub fn idc_limit(&self) -> Option<f64> {
        let [l1, l2] = self.rates[..] else {
            return None;
        };
        let (r1, r2) = (1.0 / self.mean_durations[0], 1.0 / self.mean_durations[1]);
        Some(1.0 + 2.0 * r1 * r2 * (l1 - l2).powi(2) / ((r1 + r2).powi(2) * (l1 * r2 + l2 * r1)))
    }

    /// The same switching with every rate multiplied by `factor`.
    pub fn rates_scaled(&self, factor: f64) -> Self {
        Mmpp::new(
            self.rates.iter().map(|r| r * factor).collect(),
            self.mean_durations.clone(),
        )
    }
}

/// Where an MMPP is: its state and the time left in it (None before the first arrival, when
/// the state is drawn from the stationary distribution).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MmppState {
    state: Option<(usize, f64)>,
}

impl MmppState {
    /// The gap to the next arrival.
    #[inline]
    pub(super) fn next_gap<R: Rng + ?Sized>(&mut self, m: &Mmpp, rng: &mut R) -> f64 {
        use rand::RngExt;
        let n = m.rates.len();
        let (mut state, mut left) = match self.state {
            Some(s) => s,
            None => {
                let mut u: f64 = rng.random();
                let mut s = n - 1;
                for (i, p) in m.stationary.iter().enumerate() {
                    if u < *p {
                        s = i;
                        break;
                    }
                    u -= p;
                }
                let e: f64 = Exp1.sample(rng);
                (s, e * m.mean_durations[s])
            }
        };
        let mut gap = 0.0;
        loop {
            let e: f64 = Exp1.sample(rng);
            let next = e / m.rates[state]; // infinite at rate 0
            if next < left {
                left -= next;
                gap += next;
                break;
            }
            gap += left;
            // Move to another state, each with equal probability.
            let k = if n == 2 { 0 } else { rng.random_range(..n - 1) };
            state = if k >= state { k + 1 } else { k };
            let e: f64 = Exp1.sample(rng);
            left = e * m.mean_durations[state];
        }
        self.state = Some((state, left));
        gap
    }
}
