//! Queueing theory for message-processing systems: numbers in, numbers out.
//!
//! Every model is a small type whose constructor validates its parameters (returning a
//! [`ModelError`] rather than panicking, as statrs does for distributions) and which reports
//! its steady-state [`Measures`]. Each model's doc comment cites the source of its formulas.
//! [`oracle`] picks the most exact model that matches a station described by a
//! [`StationSpec`]; the simulator builds that description from a scenario.

pub mod approx;
pub mod assumptions;
pub mod bulk;
pub mod classes;
pub mod ctmc;
pub mod erlang;
pub mod erlang_a;
pub mod exp_tail;
pub mod gim1;
pub mod jackson;
pub mod linalg;
pub mod machine_repair;
pub mod md1;
pub mod mdc;
pub mod mg1;
pub mod mm1;
pub mod mmc;
pub mod mmck;
pub mod mminf;
pub mod mmpp_mc;
pub mod mmpp_ph1;
pub mod mva;
pub mod oracle;
pub mod phase_type;
pub mod priority;
pub mod ps;
pub(crate) mod qbd;
pub mod relaxation;
pub mod retry_fluid;
#[cfg(test)]
mod testkit;
pub mod time_varying;

pub use assumptions::{ASSUMPTIONS, Admitted, Assumptions, Feature, Features, Fit, Model, judge};
pub use bulk::{BatchSize, MxM1, MxMc};
pub use classes::{
    ClassStream, ClassVerdicts, MultiClassSpec, Order, non_preemptive_priority_prediction,
    predict_classes, preemptive_priority_prediction,
};
pub use erlang::ErlangB;
pub use erlang_a::{ErlangA, ErlangAMeasures, PatienceFit, mmc_g};
pub use exp_tail::{ExpTailQueue, ExpTailWait};
pub use gim1::{GiM1, GiMc, Interarrival};
pub use jackson::{JacksonNetwork, JacksonStation};
pub use machine_repair::MachineRepair;
pub use md1::MD1;
pub use mdc::MDc;
pub use mg1::MG1;
pub use mm1::MM1;
pub use mmc::MMc;
pub use mmck::MMcK;
pub use mminf::MMInf;
pub use mmpp_mc::{MmppMc, superpose};
pub use mmpp_ph1::{MmppPh1, WaitingTimes};
pub use mva::{
    ClosedMeasures, ClosedNetwork, Servers, Station, StationMeasures, bard_schweitzer, exact_mva,
    linearizer,
};
pub use oracle::{
    DispatchKind, Exactness, Numerical, PERCENTILES, Prediction, Shape, StationSpec, VariateSpec,
    Verdict, judged, predict_impatient, predict_station,
};
pub use phase_type::PhaseType;
pub use priority::{NonPreemptivePriority, PreemptiveResumePriority, PriorityClass};
pub use ps::MG1Ps;
pub use relaxation::{relaxation_time, startup_bias};
pub use time_varying::{
    MtGInf, MtMc, MtMcTransient, PoissonCount, RateFn, ServiceLaw, Target, TransientWindow,
    WindowMethod,
};

use thiserror::Error;

/// Why a model cannot give a steady-state answer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A parameter is outside its domain (a rate that is not positive, zero servers, …).
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the model's formula.
        name: &'static str,
        /// The offending value.
        value: f64,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// Offered load per server is at least 1: queues grow without bound, no steady state.
    #[error("unstable: utilisation rho = {rho:.4} >= 1, the queue grows without bound")]
    Unstable {
        /// Offered load per server, λ·E[S]/c.
        rho: f64,
    },
}

/// Steady-state measures of a station, all in the scenario's time unit.
///
/// `utilization` is the fraction of time one consumer is busy; `throughput` the rate of
/// messages accepted (equal to the arrival rate for a stable loss-free station).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Mean sojourn time T (publish → processing finished).
    pub t: f64,
    /// Mean waiting time Wq (publish → processing started).
    pub wq: f64,
    /// Time-averaged number in system L.
    pub l: f64,
    /// Time-averaged number waiting Lq.
    pub lq: f64,
    /// Fraction of time each consumer is busy.
    pub utilization: f64,
    /// Accepted messages per time unit.
    pub throughput: f64,
    /// Probability that an arriving message has to wait (None where the model does not say).
    pub p_wait: Option<f64>,
    /// Probability that an arriving message is lost (0 for unbounded queues).
    pub p_loss: f64,
}

impl Measures {
    /// The measures of a loss-free station from its mean wait: T = Wq + E[S], and L = λT,
    /// Lq = λWq by Little's law (Little, *Operations Research* 9(3), 1961).
    pub fn from_wait(
        lambda: f64,
        mean_service: f64,
        wq: f64,
        utilization: f64,
        p_wait: Option<f64>,
    ) -> Self {
        let t = wq + mean_service;
        Measures {
            t,
            wq,
            l: lambda * t,
            lq: lambda * wq,
            utilization,
            throughput: lambda,
            p_wait,
            p_loss: 0.0,
        }
    }
}

/// Checks that a station has at least one consumer.
pub(crate) fn servers(c: u32) -> Result<u32, ModelError> {
    if c == 0 {
        Err(ModelError::InvalidParameter {
            name: "c",
            value: 0.0,
            reason: "needs at least one consumer",
        })
    } else {
        Ok(c)
    }
}

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ModelError::InvalidParameter {
            name,
            value,
            reason: "must be finite and > 0",
        })
    }
}

/// Checks that a utilisation is below 1.
pub(crate) fn stable(rho: f64) -> Result<(), ModelError> {
    if rho < 1.0 {
        Ok(())
    } else {
        Err(ModelError::Unstable { rho })
    }
}

/// Inverts a continuous, non-increasing survival function `sf` (P(X > t)) by bisection:
/// the smallest t with `sf(t) <= 1 - p`, to a relative precision of 1e-13.
pub(crate) fn invert_survival(p: f64, sf: impl Fn(f64) -> f64) -> f64 {
    let target = 1.0 - p;
    if sf(0.0) <= target {
        return 0.0;
    }
    let mut hi = 1.0;
    while sf(hi) > target {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if sf(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}
