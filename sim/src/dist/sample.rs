//! Drawing values: on the simulator's hot path, without allocating.

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp1};

use super::Distribution;

impl Distribution {
    /// Draws one value.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The commonest kind is drawn inline; the others behind one call.
        match self {
            Distribution::Exponential(exp, _) => exp.sample(rng),
            _ => self.sample_other(rng),
        }
    }

    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential(exp, _) => exp.sample(rng),
            Distribution::Deterministic(v) => *v,
            Distribution::Uniform { dist, .. } => dist.sample(rng),
            Distribution::Erlang { dist, .. } | Distribution::Gamma { dist, .. } => {
                dist.sample(rng)
            }
            Distribution::LogNormal { dist, .. } => dist.sample(rng),
            Distribution::Weibull { dist, .. } => dist.sample(rng),
            Distribution::Hyperexponential {
                rates, cumulative, ..
            } => {
                let u: f64 = rng.random();
                let last = rates.len() - 1;
                let phase = cumulative[..last]
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(last);
                let e: f64 = Exp1.sample(rng);
                e / rates[phase]
            }
            Distribution::Pareto { dist, .. } => dist.sample(rng),
            Distribution::Empirical { samples, .. } => samples[rng.random_range(..samples.len())],
        }
    }
}
