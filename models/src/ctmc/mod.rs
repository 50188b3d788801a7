//! A numerical oracle for Markovian systems: the continuous-time Markov chain of a system,
//! explored from its initial state on a truncated state space, and its stationary distribution
//! solved by Gauss–Seidel sweeps on a sparse generator (Stewart, *Introduction to the Numerical
//! Solution of Markov Chains*, Princeton 1994, §3.2).
//!
//! A model ([`Markov`]) says which states follow a state and at what rates, within a bound it
//! is given. [`stationary`] explores the chain within a bound, solves it, and raises the bound by half
//! until the stationary mass on the boundary (the states whose outgoing transitions the bound
//! cut) is below [`TRUNCATION`]: the figures are then exact to that truncation.

mod aggregation;
mod figures;
pub mod station;

pub use figures::{ChainFigures, LevelFigures, solve_station};

use std::collections::HashMap;
use std::hash::Hash;

use aggregation::Levels;
use sprs::{CsMat, TriMat};
use thiserror::Error;

/// Largest stationary mass allowed on the truncation boundary.
pub const TRUNCATION: f64 = 1e-9;

/// Gauss–Seidel stops when no probability changes by more than this share of the largest in
/// a sweep.
const TOLERANCE: f64 = 1e-13;

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
    /// The level of `s` (the number in system, say), for aggregation between sweeps; None
    /// (the default) to solve by Gauss–Seidel alone.
    fn level(&self, s: &Self::State) -> Option<u32> {
        let _ = s;
        None
    }
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
    /// The station has a feature the chain does not model.
    #[error("no chain for this station: {reason}")]
    Unsupported {
        /// What is missing.
        reason: String,
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

/// The stationary distribution of `m`, truncated at a bound from `bound` up (raised by half until
/// the boundary mass is below [`TRUNCATION`]), with at most `limit` states.
pub fn stationary<M: Markov>(
    m: &M,
    mut bound: u32,
    limit: usize,
) -> Result<Stationary<M::State>, CtmcError> {
    let mut previous: Option<(Index<M::State>, Vec<f64>)> = None;
    let mut last: Option<Attempt> = None;
    loop {
        let (solution, index) = solve_at(m, bound, limit, previous.as_ref())?;
        if solution.boundary_mass < TRUNCATION {
            return Ok(solution);
        }
        let attempt = Attempt {
            bound,
            states: solution.states.len(),
            mass: solution.boundary_mass,
        };
        if last.is_some_and(|l| attempt.needs_more_than(&l, limit)) {
            return Err(CtmcError::TooLarge { limit });
        }
        last = Some(attempt);
        // Half as far again: doubling overshoots the state limit of chains whose size grows
        // as a high power of the bound.
        bound = bound.saturating_add(bound.div_ceil(2));
        previous = Some((index, solution.pi));
    }
}

/// The stationary distribution of `m` truncated at `bound` exactly, whatever the mass on its
/// boundary (which it reports): one exploration and one solve, as [`stationary`] makes for
/// each bound it tries. For benchmarks and fixed truncations.
pub fn stationary_at<M: Markov>(
    m: &M,
    bound: u32,
    limit: usize,
) -> Result<Stationary<M::State>, CtmcError> {
    solve_at(m, bound, limit, None).map(|(solution, _)| solution)
}

/// Explores and solves `m` within `bound`, starting from `previous` (a solution at a smaller
/// bound, by state) if given.
fn solve_at<M: Markov>(
    m: &M,
    bound: u32,
    limit: usize,
    previous: Option<&(Index<M::State>, Vec<f64>)>,
) -> Result<Solved<M::State>, CtmcError> {
    let (states, index, incoming, out_rate) = explore(m, bound, limit)?;
    // Start from the last bound's solution: the new states start empty.
    let start = previous.map(|(old, pi)| {
        states
            .iter()
            .map(|s| old.get(s).map_or(0.0, |&i| pi[i]))
            .collect::<Vec<f64>>()
    });
    let levels = states
        .iter()
        .map(|s| m.level(s))
        .collect::<Option<Vec<u32>>>()
        .and_then(|of| Levels::new(of, &incoming));
    let (pi, sweeps) = solve(&incoming, &out_rate, start, levels.as_ref())?;
    let boundary_mass = states
        .iter()
        .zip(&pi)
        .filter(|(s, _)| m.at_boundary(s, bound))
        .map(|(_, p)| p)
        .sum::<f64>();
    let solution = Stationary {
        states,
        pi,
        bound,
        boundary_mass,
        sweeps,
    };
    Ok((solution, index))
}

/// A solution and the index of its states (to start the next bound from).
type Solved<S> = (Stationary<S>, Index<S>);

/// One truncation tried: its bound, its size and the mass on its boundary.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    bound: u32,
    states: usize,
    mass: f64,
}

impl Attempt {
    /// Whether, from this attempt and the `last` one, the chain will need more than `limit`
    /// states: the boundary mass falling geometrically in the bound and the states growing
    /// as a power of it, the bound that takes the mass below [`TRUNCATION`] has more states
    /// than allowed (or the mass does not fall at all). Saves exploring up to the limit only
    /// to fail there.
    fn needs_more_than(&self, last: &Attempt, limit: usize) -> bool {
        if self.mass >= last.mass {
            return true;
        }
        let widen = f64::from(self.bound) / f64::from(last.bound);
        let fall = (self.mass / last.mass).ln() / f64::from(self.bound - last.bound);
        let needed = f64::from(self.bound) + (TRUNCATION / self.mass).ln() / fall;
        let power = (self.states as f64 / last.states as f64).ln() / widen.ln();
        let states = self.states as f64 * (needed / f64::from(self.bound)).powf(power);
        // Twice the limit: a mass that falls faster than geometrically (power-of-d) needs a
        // smaller bound than the extrapolation says.
        states > 2.0 * limit as f64
    }
}

/// The index of each explored state.
type Index<S> = HashMap<S, usize, foldhash::fast::RandomState>;

/// The states reachable from `m`'s initial state within `bound`, the generator's off-diagonal
/// transposed (row j holds the rates into j) and each state's total outgoing rate.
#[allow(clippy::type_complexity)]
fn explore<M: Markov>(
    m: &M,
    bound: u32,
    limit: usize,
) -> Result<(Vec<M::State>, Index<M::State>, CsMat<f64>, Vec<f64>), CtmcError> {
    let mut index: Index<M::State> = HashMap::default();
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
    Ok((states, index, tri.to_csr(), out_rate))
}

/// π with πQ = 0 and Σπ = 1, by Gauss–Seidel sweeps: π_j = Σ_i π_i q_ij / q_j, from
/// `start` (uniform without).
fn solve(
    incoming: &CsMat<f64>,
    out_rate: &[f64],
    start: Option<Vec<f64>>,
    levels: Option<&Levels>,
) -> Result<(Vec<f64>, usize), CtmcError> {
    let n = out_rate.len();
    let mut pi = start.unwrap_or_else(|| vec![1.0 / n as f64; n]);
    let max_sweeps = 1_000_000;
    let mut change = f64::INFINITY;
    let update = |j: usize, pi: &mut [f64]| -> f64 {
        if out_rate[j] == 0.0 {
            return 0.0;
        }
        let row = incoming.outer_view(j).expect("a row per state");
        let new = row.iter().map(|(i, &r)| pi[i] * r).sum::<f64>() / out_rate[j];
        let change = (new - pi[j]).abs();
        pi[j] = new;
        change
    };
    for sweep in 1..=max_sweeps {
        // Lumping costs as much as a sweep: before every second forward sweep.
        if let Some(levels) = levels.filter(|_| sweep % 4 == 1) {
            levels.rescale(incoming, &mut pi);
        }
        // Forward and backward in turn (symmetric Gauss–Seidel): exploration order runs from
        // the empty station up, so arrivals propagate on the way up and services on the way
        // down.
        change = if sweep % 2 == 1 {
            (0..n).fold(0.0, |c, j| c.max(update(j, &mut pi)))
        } else {
            (0..n).rev().fold(0.0, |c, j| c.max(update(j, &mut pi)))
        };
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        if change < TOLERANCE * pi.iter().fold(0.0, |m: f64, &p| m.max(p)) {
            return Ok((pi, sweep));
        }
    }
    Err(CtmcError::NotConverged {
        sweeps: max_sweeps,
        change,
    })
}

#[cfg(test)]
mod tests;
