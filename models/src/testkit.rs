//! Test-only numerical references: a stationary solver for finite continuous-time Markov chains.
//!
//! Model tests compare closed forms with the numerical stationary distribution of the
//! underlying (truncated) CTMC, an independent route to the same numbers.

/// Stationary distribution of a finite CTMC given as `(from, to, rate)` transitions, by
/// Gauss–Seidel sweeps on πQ = 0 until the largest change is below 1e-15 (relative).
pub(crate) fn stationary(n: usize, transitions: &[(usize, usize, f64)]) -> Vec<f64> {
    let mut incoming: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut out_rate = vec![0.0; n];
    for &(i, j, r) in transitions {
        if i != j && r > 0.0 {
            incoming[j].push((i, r));
            out_rate[i] += r;
        }
    }
    let mut pi = vec![1.0 / n as f64; n];
    for _ in 0..200_000 {
        let mut change: f64 = 0.0;
        for j in 0..n {
            if out_rate[j] == 0.0 {
                continue;
            }
            let new = incoming[j].iter().map(|&(i, r)| pi[i] * r).sum::<f64>() / out_rate[j];
            change = change.max((new - pi[j]).abs());
            pi[j] = new;
        }
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        let max = pi.iter().cloned().fold(0.0, f64::max);
        if change <= 1e-15 * max * total {
            break;
        }
    }
    pi
}

/// Indexes the states of a CTMC described by arbitrary keys.
pub(crate) struct StateSpace<K> {
    index: std::collections::HashMap<K, usize>,
    /// The keys, in index order.
    pub keys: Vec<K>,
}

impl<K: std::hash::Hash + Eq + Clone> StateSpace<K> {
    /// An empty state space.
    pub fn new() -> Self {
        Self {
            index: std::collections::HashMap::new(),
            keys: Vec::new(),
        }
    }

    /// The index of `key`, adding it if new.
    pub fn id(&mut self, key: K) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.keys.len();
        self.index.insert(key.clone(), i);
        self.keys.push(key);
        i
    }
}

/// Builds and solves a CTMC from an initial state and a successor function
/// `next(state) -> [(state', rate)]`, exploring every reachable state.
pub(crate) fn solve<K, F>(start: K, next: F) -> (Vec<K>, Vec<f64>)
where
    K: std::hash::Hash + Eq + Clone,
    F: Fn(&K) -> Vec<(K, f64)>,
{
    let mut space = StateSpace::new();
    space.id(start);
    let mut transitions = Vec::new();
    let mut i = 0;
    while i < space.keys.len() {
        let key = space.keys[i].clone();
        for (to, rate) in next(&key) {
            let j = space.id(to);
            transitions.push((i, j, rate));
        }
        i += 1;
    }
    let pi = stationary(space.keys.len(), &transitions);
    (space.keys, pi)
}

/// The mean of each count in a two-count chain's states, weighted by `pi`.
pub(crate) fn mean_counts(states: &[(u32, u32)], pi: &[f64]) -> (f64, f64) {
    let weighted = states.iter().zip(pi);
    weighted.fold((0.0, 0.0), |(a, b), (s, p)| {
        (a + f64::from(s.0) * p, b + f64::from(s.1) * p)
    })
}

/// An exponential variate of mean `mean`, as the oracle takes it.
pub(crate) fn exp(mean: f64) -> crate::VariateSpec {
    crate::VariateSpec {
        mean,
        scv: 1.0,
        shape: crate::Shape::Exponential,
    }
}
