//! A numerical oracle for Markovian systems: the continuous-time Markov chain of a system,
//! explored from its initial state on a truncated state space, and its stationary distribution
//! solved by Gauss–Seidel sweeps on a sparse generator (Stewart, *Introduction to the Numerical
//! Solution of Markov Chains*, Princeton 1994, §3.2).
//!
//! A model ([`Markov`]) says which states follow a state and at what rates, within a bound it
//! is given. [`stationary`] explores the chain within a bound, solves it, and doubles the bound
//! until the stationary mass on the boundary (the states whose outgoing transitions the bound
//! cut) is below [`TRUNCATION`]: the figures are then exact to that truncation.

pub mod jsq;

use std::collections::HashMap;
use std::hash::Hash;

use sprs::{CsMat, TriMat};
use thiserror::Error;

/// Largest stationary mass allowed on the truncation boundary.
pub const TRUNCATION: f64 = 1e-9;

/// Gauss–Seidel stops when no probability changes by more than this in a sweep.
const TOLERANCE: f64 = 1e-16;

/// A continuous-time Markov chain, described by its transitions.
pub trait Markov {
    /// A state of the chain.
    type State: Clone + Eq + Hash;
    /// The state the exploration starts from (any state of the recurrent class).
    fn initial(&self) -> Self::State;
    /// The states `s` moves to and their rates, leaving out those beyond `bound`.
    fn transitions(&self, s: &Self::State, bound: u32, out: &mut Vec<(Self::State, f64)>);
    /// Whether `bound` cut some transition out of `s`.
    fn at_boundary(&self, s: &Self::State, bound: u32) -> bool;
}

/// Why a chain could not be solved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CtmcError {
    /// The truncated chain needed to hold the boundary mass below [`TRUNCATION`] is larger
    /// than allowed.
    #[error("the chain needs more than {limit} states to hold its truncation below 1e-9")]
    TooLarge {
        /// The state limit.
        limit: usize,
    },
    /// Gauss–Seidel did not settle.
    #[error("Gauss-Seidel did not converge in {sweeps} sweeps (last change {change:e})")]
    NotConverged {
        /// Sweeps made.
        sweeps: usize,
        /// The last sweep's largest change.
        change: f64,
    },
}

/// A solved chain: its states and their stationary probabilities.
#[derive(Debug, Clone)]
pub struct Stationary<S> {
    /// The states explored, in exploration order.
    pub states: Vec<S>,
    /// Their stationary probabilities (summing to 1).
    pub pi: Vec<f64>,
    /// The bound the solution was found with.
    pub bound: u32,
    /// Stationary mass on the boundary: below [`TRUNCATION`].
    pub boundary_mass: f64,
    /// Gauss–Seidel sweeps of the last solve.
    pub sweeps: usize,
}

impl<S> Stationary<S> {
    /// The stationary mean of `f`.
    pub fn mean(&self, f: impl Fn(&S) -> f64) -> f64 {
        self.states
            .iter()
            .zip(&self.pi)
            .map(|(s, p)| p * f(s))
            .sum()
    }
}

/// The stationary distribution of `m`, truncated at a bound from `bound` up (doubled until
/// the boundary mass is below [`TRUNCATION`]), with at most `limit` states.
pub fn stationary<M: Markov>(
    m: &M,
    mut bound: u32,
    limit: usize,
) -> Result<Stationary<M::State>, CtmcError> {
    loop {
        let (states, incoming, out_rate) = explore(m, bound, limit)?;
        let (pi, sweeps) = solve(&incoming, &out_rate)?;
        let boundary_mass = states
            .iter()
            .zip(&pi)
            .filter(|(s, _)| m.at_boundary(s, bound))
            .map(|(_, p)| p)
            .sum::<f64>();
        if boundary_mass < TRUNCATION {
            return Ok(Stationary {
                states,
                pi,
                bound,
                boundary_mass,
                sweeps,
            });
        }
        bound = bound.saturating_mul(2);
    }
}

/// The states reachable from `m`'s initial state within `bound`, the generator's off-diagonal
/// transposed (row j holds the rates into j) and each state's total outgoing rate.
#[allow(clippy::type_complexity)]
fn explore<M: Markov>(
    m: &M,
    bound: u32,
    limit: usize,
) -> Result<(Vec<M::State>, CsMat<f64>, Vec<f64>), CtmcError> {
    let mut index: HashMap<M::State, usize> = HashMap::new();
    let mut states = vec![m.initial()];
    index.insert(m.initial(), 0);
    let mut triplets: Vec<(usize, usize, f64)> = Vec::new();
    let mut out_rate = Vec::new();
    let mut next = Vec::new();
    let mut i = 0;
    while i < states.len() {
        next.clear();
        m.transitions(&states[i], bound, &mut next);
        let mut total = 0.0;
        for (t, rate) in next.drain(..) {
            if rate <= 0.0 {
                continue;
            }
            let j = match index.get(&t) {
                Some(&j) => j,
                None => {
                    if states.len() == limit {
                        return Err(CtmcError::TooLarge { limit });
                    }
                    index.insert(t.clone(), states.len());
                    states.push(t);
                    states.len() - 1
                }
            };
            if j != i {
                triplets.push((j, i, rate));
                total += rate;
            }
        }
        out_rate.push(total);
        i += 1;
    }
    let n = states.len();
    let mut tri = TriMat::with_capacity((n, n), triplets.len());
    for (j, i, r) in triplets {
        tri.add_triplet(j, i, r);
    }
    Ok((states, tri.to_csr(), out_rate))
}

/// π with πQ = 0 and Σπ = 1, by Gauss–Seidel sweeps: π_j = Σ_i π_i q_ij / q_j.
fn solve(incoming: &CsMat<f64>, out_rate: &[f64]) -> Result<(Vec<f64>, usize), CtmcError> {
    let n = out_rate.len();
    let mut pi = vec![1.0 / n as f64; n];
    let max_sweeps = 1_000_000;
    let mut change = f64::INFINITY;
    for sweep in 1..=max_sweeps {
        change = 0.0;
        for (j, row) in incoming.outer_iterator().enumerate() {
            if out_rate[j] == 0.0 {
                continue;
            }
            let new = row.iter().map(|(i, &r)| pi[i] * r).sum::<f64>() / out_rate[j];
            change = change.max((new - pi[j]).abs());
            pi[j] = new;
        }
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        if change < TOLERANCE {
            return Ok((pi, sweep));
        }
    }
    Err(CtmcError::NotConverged {
        sweeps: max_sweeps,
        change,
    })
}
