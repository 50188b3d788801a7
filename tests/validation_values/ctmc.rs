//! A small generic Markov-chain solver: states found by breadth-first search from a start
//! state through a transition function, the stationary law found by the Grassmann–Taksar–
//! Heyman state reduction (W. K. Grassmann, M. I. Taksar, D. P. Heyman, *Operations Research*
//! 33(5), 1985), which subtracts nothing and is accurate to rounding. Breadth-first order
//! keeps every transition within a band of the state list, and the reduction works inside
//! that band, so a chain of n states and bandwidth w costs n·w² operations.

use std::collections::HashMap;
use std::hash::Hash;

/// A solved chain: its states and their stationary probabilities.
pub struct Solved<S> {
    /// The states, in breadth-first order from the start.
    pub states: Vec<S>,
    /// Stationary probabilities, summing to 1.
    pub pi: Vec<f64>,
    /// Stationary mass of the states that had a transition cut off by the truncation.
    pub cut_mass: f64,
}

impl<S> Solved<S> {
    /// The stationary mean of `f(state)`.
    pub fn mean(&self, f: impl Fn(&S) -> f64) -> f64 {
        self.states
            .iter()
            .zip(&self.pi)
            .map(|(s, p)| p * f(s))
            .sum()
    }
}

/// The stationary law of the continuous-time chain reached from `start`. `next(s)` lists
/// (state, rate) pairs, or None for a transition cut off by the truncation (counted in
/// [`Solved::cut_mass`], which the caller bounds). Rates to the state itself are ignored.
pub fn solve_ctmc<S, F>(start: S, next: F) -> Solved<S>
where
    S: Clone + Eq + Hash,
    F: Fn(&S) -> Vec<Option<(S, f64)>>,
{
    let mut index: HashMap<S, usize> = HashMap::new();
    let mut states = vec![start.clone()];
    index.insert(start, 0);
    let mut edges: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut cut = Vec::new();
    let mut at = 0;
    while at < states.len() {
        let s = states[at].clone();
        let mut out = Vec::new();
        let mut was_cut = false;
        for t in next(&s) {
            let Some((t, rate)) = t else {
                was_cut = true;
                continue;
            };
            let j = *index.entry(t.clone()).or_insert_with(|| {
                states.push(t);
                states.len() - 1
            });
            if j != at && rate > 0.0 {
                out.push((j, rate));
            }
        }
        edges.push(out);
        cut.push(was_cut);
        at += 1;
    }
    let pi = gth(&edges);
    let cut_mass = pi
        .iter()
        .zip(&cut)
        .filter(|(_, c)| **c)
        .map(|(p, _)| p)
        .sum();
    Solved {
        states,
        pi,
        cut_mass,
    }
}

/// The stationary law of the discrete-time chain with transition probabilities `p` (rows
/// sum to 1): GTH works on the off-diagonal entries alone, as for rates.
pub fn solve_dtmc(p: &[Vec<f64>]) -> Vec<f64> {
    let edges: Vec<Vec<(usize, f64)>> = p
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .filter(|&(j, &x)| j != i && x > 0.0)
                .map(|(j, &x)| (j, x))
                .collect()
        })
        .collect();
    gth(&edges)
}

/// Grassmann–Taksar–Heyman reduction on a banded rate matrix given by its edges.
fn gth(edges: &[Vec<(usize, f64)>]) -> Vec<f64> {
    let n = edges.len();
    let bw = edges
        .iter()
        .enumerate()
        .flat_map(|(i, e)| e.iter().map(move |&(j, _)| i.abs_diff(j)))
        .max()
        .unwrap_or(0);
    let w = 2 * bw + 1;
    let mut r = vec![0.0; n * w];
    let at = |i: usize, j: usize| i * w + (j + bw - i);
    for (i, e) in edges.iter().enumerate() {
        for &(j, x) in e {
            r[at(i, j)] += x;
        }
    }
    let mut out_rate = vec![0.0; n];
    for k in (1..n).rev() {
        let lo = k.saturating_sub(bw);
        let s: f64 = (lo..k).map(|j| r[at(k, j)]).sum();
        assert!(
            s > 0.0,
            "state {k} cannot reach the states before it: not irreducible"
        );
        out_rate[k] = s;
        for i in lo..k {
            let a = r[at(i, k)];
            if a == 0.0 {
                continue;
            }
            let f = a / s;
            for j in lo..k {
                if j != i {
                    r[at(i, j)] += f * r[at(k, j)];
                }
            }
        }
    }
    let mut pi = vec![0.0; n];
    pi[0] = 1.0;
    for k in 1..n {
        let lo = k.saturating_sub(bw);
        pi[k] = (lo..k).map(|i| pi[i] * r[at(i, k)]).sum::<f64>() / out_rate[k];
    }
    let total: f64 = pi.iter().sum();
    pi.iter().map(|p| p / total).collect()
}
