//! Iterative aggregation–disaggregation by level (Takahashi, 1975; Stewart, *Introduction to
//! the Numerical Solution of Markov Chains*, 1994, §6.3): Gauss–Seidel moves probability
//! between neighbouring states only, so in a loaded queue, where the slow mode is how much
//! mass sits at each number in system, it needs thousands of sweeps. Between sweeps the
//! chain is lumped by level (the number in system), the lumped chain — a birth–death chain
//! when every transition changes the level by at most one — is solved exactly, and each
//! level's states are rescaled to its mass. At the stationary distribution the lumped chain
//! is exact, so the fixed point is unchanged; only the way there is shorter.

use sprs::CsMat;

/// The level of every state, and how many levels there are.
pub(super) struct Levels {
    of: Vec<u32>,
    count: usize,
}

impl Levels {
    /// Levels for the states (None when some transition jumps more than one level: the
    /// lumped chain would not be birth–death, and the step is skipped).
    pub(super) fn new(of: Vec<u32>, incoming: &CsMat<f64>) -> Option<Levels> {
        for (j, row) in incoming.outer_iterator().enumerate() {
            if row.iter().any(|(i, _)| of[i].abs_diff(of[j]) > 1) {
                return None;
            }
        }
        let count = of.iter().max().map_or(0, |&m| m as usize + 1);
        Some(Levels { of, count })
    }

    /// Rescales `pi` so that each level holds the mass the lumped birth–death chain gives it.
    pub(super) fn rescale(&self, incoming: &CsMat<f64>, pi: &mut [f64]) {
        let n = self.count;
        let mut mass = vec![0.0; n];
        let (mut up, mut down) = (vec![0.0; n], vec![0.0; n]);
        for (j, row) in incoming.outer_iterator().enumerate() {
            let to = self.of[j] as usize;
            for (i, &r) in row.iter() {
                let from = self.of[i] as usize;
                if to == from + 1 {
                    up[from] += pi[i] * r;
                } else if from == to + 1 {
                    down[from] += pi[i] * r;
                }
            }
        }
        for (i, &p) in pi.iter().enumerate() {
            mass[self.of[i] as usize] += p;
        }
        // P(L + 1) / P(L) = (up flux out of L / P(L)) / (down flux out of L + 1 / P(L + 1)).
        let mut lumped = vec![0.0; n];
        lumped[0] = 1.0;
        for l in 0..n - 1 {
            let (u, d) = (up[l] / mass[l], down[l + 1] / mass[l + 1]);
            if !(u.is_finite() && d.is_finite() && d > 0.0) {
                return;
            }
            lumped[l + 1] = lumped[l] * u / d;
        }
        let total: f64 = lumped.iter().sum();
        let scale: Vec<f64> = (0..n).map(|l| lumped[l] / total / mass[l]).collect();
        if scale.iter().all(|s| s.is_finite()) {
            for (i, p) in pi.iter_mut().enumerate() {
                *p *= scale[self.of[i] as usize];
            }
        }
    }
}
