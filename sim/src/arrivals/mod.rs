//! What a producer's `interarrival` (or `rate`) describes: a renewal process, whose gaps are
//! drawn independently from a [`Distribution`], the replay of a recorded [`Trace`] in order,
//! a Markov-modulated Poisson process ([`Mmpp`]), or a Poisson process of time-varying rate
//! ([`RateFunction`]); and how many messages each arrival publishes ([`Batch`]).
//!
//! Traces and MMPPs are written as distribution tables in the scenario; keeping them out of
//! [`Distribution`] means nothing can draw their gaps as if they were independent.
//! [`ArrivalProcess`] is one producer's arrivals in one replication.

mod batch;
mod mmpp;
mod process;
mod rate;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_varying;
mod trace;

use kendall_models::{Shape, VariateSpec};

use crate::dist::{DistError, DistSpec, Distribution};
use crate::error::KeyPath;

pub use batch::{Batch, BatchSpec};
pub use mmpp::Mmpp;
pub use process::ArrivalProcess;
pub use rate::{RateFunction, RateSpec, Schedule};
pub use trace::Trace;

/// A producer's inter-arrival times, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Interarrival {
    /// Independent gaps, each drawn from the distribution.
    Renewal(Distribution),
    /// A recorded trace, replayed in order.
    Trace(Trace),
    /// A Markov-modulated Poisson process (`kind = "mmpp"`).
    Mmpp(Mmpp),
    /// A Poisson process of time-varying rate (the producer's `rate`, not `interarrival`).
    Rate(RateFunction),
}

impl Interarrival {
    /// Validates `spec` (found at `path` in the scenario): a trace for `kind = "trace"`, else
    /// a distribution.
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, DistError> {
        match spec.kind.as_str() {
            "trace" => Trace::from_spec(spec, path).map(Interarrival::Trace),
            "mmpp" => Mmpp::from_spec(spec, path).map(Interarrival::Mmpp),
            _ => Distribution::from_spec(spec, path).map(Interarrival::Renewal),
        }
    }

    /// The scenario key of a producer that writes these arrivals: `rate` for a time-varying
    /// rate, else `interarrival`.
    pub fn key(&self) -> &'static str {
        match self {
            Interarrival::Rate(_) => "rate",
            _ => "interarrival",
        }
    }

    /// The distribution of the gaps, for renewal arrivals (None for the others).
    pub fn renewal(&self) -> Option<&Distribution> {
        match self {
            Interarrival::Renewal(d) => Some(d),
            _ => None,
        }
    }

    /// The arrivals' rate as the time-varying models take it — a constant, a sinusoid or a
    /// piecewise schedule — when they are Poisson (exponential gaps or a `rate`); None for
    /// any other process.
    pub fn poisson_rate(&self) -> Option<kendall_models::RateFn> {
        use kendall_models::RateFn;
        match self {
            Interarrival::Renewal(Distribution::Exponential(_, rate)) => {
                Some(RateFn::Constant(*rate))
            }
            Interarrival::Rate(RateFunction::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            }) => RateFn::sinusoid(*mean, *amplitude, *period, *phase).ok(),
            Interarrival::Rate(RateFunction::Piecewise(s)) => {
                RateFn::piecewise(s.at.clone(), s.values.clone(), s.repeat).ok()
            }
            _ => None,
        }
    }

    /// The mean gap (`f64::INFINITY` for a Pareto with shape ≤ 1): for an MMPP and a
    /// time-varying rate, 1 / the long-run rate ([`Mmpp::mean_rate`],
    /// [`RateFunction::mean_rate`]).
    pub fn mean(&self) -> f64 {
        match self {
            Interarrival::Renewal(d) => d.mean(),
            Interarrival::Trace(t) => t.mean(),
            Interarrival::Mmpp(m) => 1.0 / m.mean_rate(),
            Interarrival::Rate(f) => 1.0 / f.mean_rate(),
        }
    }

    /// The gaps' squared coefficient of variation (a trace's: of its recorded gaps; an
    /// MMPP's: in its stationary interval process; a time-varying rate's: its slow-variation
    /// approximation, [`RateFunction::slow_scv`]).
    pub fn scv(&self) -> f64 {
        match self {
            Interarrival::Renewal(d) => d.scv(),
            Interarrival::Trace(t) => t.scv(),
            Interarrival::Mmpp(m) => m.gap_scv(),
            Interarrival::Rate(f) => f.slow_scv(),
        }
    }

    /// What the queueing models take of these arrivals: a trace, an MMPP and a time-varying
    /// rate are their gaps' mean and SCV ([`Interarrival::scv`]) with shape General, as if
    /// they were renewal (which they are not).
    pub fn to_variate_spec(&self) -> VariateSpec {
        match self {
            Interarrival::Renewal(d) => d.to_variate_spec(),
            _ => VariateSpec {
                mean: self.mean(),
                scv: self.scv(),
                shape: Shape::General,
            },
        }
    }

    /// The same arrivals at 1/`factor` times the rate (`factor` > 0): a renewal's and a
    /// trace's gaps multiplied by `factor`; an MMPP's and a time-varying rate's rates divided
    /// by it, their clock (state durations, schedule, period) kept.
    ///
    /// # Panics
    /// If `factor` is not a positive finite number.
    pub fn scaled(&self, factor: f64) -> Self {
        match self {
            Interarrival::Renewal(d) => Interarrival::Renewal(d.scaled(factor)),
            Interarrival::Trace(t) => Interarrival::Trace(t.scaled(factor)),
            Interarrival::Mmpp(m) => Interarrival::Mmpp(m.rates_scaled(1.0 / factor)),
            Interarrival::Rate(f) => Interarrival::Rate(f.rates_scaled(1.0 / factor)),
        }
    }
}
