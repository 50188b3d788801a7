//! What a producer's `interarrival` describes: a renewal process, whose gaps are drawn
//! independently from a [`Distribution`], or the replay of a recorded [`Trace`] in order.
//!
//! Both are written as a distribution table in the scenario; keeping the trace out of
//! [`Distribution`] means nothing can draw a trace's gaps as if they were independent.
//! [`ArrivalProcess`] is one producer's arrivals in one replication.

mod process;
#[cfg(test)]
mod tests;
mod trace;

use kendall_models::{Shape, VariateSpec};

use crate::dist::{DistError, DistSpec, Distribution};
use crate::error::KeyPath;

pub use process::ArrivalProcess;
pub use trace::Trace;

/// A producer's inter-arrival times, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Interarrival {
    /// Independent gaps, each drawn from the distribution.
    Renewal(Distribution),
    /// A recorded trace, replayed in order.
    Trace(Trace),
}

impl Interarrival {
    /// Validates `spec` (found at `path` in the scenario): a trace for `kind = "trace"`, else
    /// a distribution.
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, DistError> {
        if spec.kind == "trace" {
            Trace::from_spec(spec, path).map(Interarrival::Trace)
        } else {
            Distribution::from_spec(spec, path).map(Interarrival::Renewal)
        }
    }

    /// The distribution of the gaps, for renewal arrivals (None for a trace).
    pub fn renewal(&self) -> Option<&Distribution> {
        match self {
            Interarrival::Renewal(d) => Some(d),
            Interarrival::Trace(_) => None,
        }
    }

    /// The mean gap (`f64::INFINITY` for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match self {
            Interarrival::Renewal(d) => d.mean(),
            Interarrival::Trace(t) => t.mean(),
        }
    }

    /// The gaps' squared coefficient of variation (a trace's: of its recorded gaps).
    pub fn scv(&self) -> f64 {
        match self {
            Interarrival::Renewal(d) => d.scv(),
            Interarrival::Trace(t) => t.scv(),
        }
    }

    /// What the queueing models take of these arrivals: a trace is its gaps' mean and SCV
    /// with shape General, as if they were renewal (which a trace is not).
    pub fn to_variate_spec(&self) -> VariateSpec {
        match self {
            Interarrival::Renewal(d) => d.to_variate_spec(),
            Interarrival::Trace(t) => VariateSpec {
                mean: t.mean(),
                scv: t.scv(),
                shape: Shape::General,
            },
        }
    }

    /// The same arrivals with every gap multiplied by `factor` (> 0), at 1/`factor` times
    /// the rate.
    ///
    /// # Panics
    /// If `factor` is not a positive finite number.
    pub fn scaled(&self, factor: f64) -> Self {
        match self {
            Interarrival::Renewal(d) => Interarrival::Renewal(d.scaled(factor)),
            Interarrival::Trace(t) => Interarrival::Trace(t.scaled(factor)),
        }
    }
}
