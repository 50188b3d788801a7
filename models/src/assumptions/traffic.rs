//! Rows of the assumption table for issue 19's time-varying traffic: patience, batches and
//! time-varying rates (models in `erlang_a`, `bulk` and `time_varying`).

use super::Admitted::{Assumed, Extended};
use super::Feature as F;
use super::{Assumptions, DET, GENERAL, Model, SEVERAL, SPEED};

/// Erlang-A: exponential patience, several consumers.
pub(super) const ERLANG_A: Assumptions = Assumptions {
    model: Model::ErlangA,
    exact: true,
    admits: &[Assumed(F::ExponentialPatience), SEVERAL, SPEED],
    ignores: &[],
};

/// M/M/c+G through Erlang-A: any patience, by nature an approximation.
pub(super) const MMC_G: Assumptions = Assumptions {
    model: Model::MmcG,
    exact: false,
    admits: &[
        Assumed(F::GeneralPatience),
        Assumed(F::ExponentialPatience),
        SEVERAL,
        SPEED,
    ],
    ignores: &[],
};

/// M^X/M/1: batch arrivals, one consumer.
pub(super) const MX_M1: Assumptions = Assumptions {
    model: Model::MxM1,
    exact: true,
    admits: &[Assumed(F::BatchArrivals), SPEED],
    ignores: &[],
};

/// M^X/M/c: batch arrivals, several consumers.
pub(super) const MX_MC: Assumptions = Assumptions {
    model: Model::MxMc,
    exact: true,
    admits: &[Assumed(F::BatchArrivals), SEVERAL, SPEED],
    ignores: &[],
};

/// MMPP/M/c: Markov-modulated Poisson arrivals, several consumers (exact numerics).
pub(super) const MMPP_MC: Assumptions = Assumptions {
    model: Model::MmppMc,
    exact: true,
    admits: &[
        Assumed(F::MmppArrivals),
        SEVERAL,
        SPEED,
        Extended(
            F::MergedArrivals,
            "independent MMPP and Poisson producers superpose into one MMPP on the product \
             of their phases (the Kronecker sum of their generators)",
        ),
    ],
    ignores: &[],
};

/// M_t/G/∞: a time-varying rate, any service, a consumer for every message.
pub(super) const MT_G_INF: Assumptions = Assumptions {
    model: Model::MtGInf,
    exact: true,
    admits: &[
        Assumed(F::TimeVaryingRate),
        DET,
        GENERAL,
        SPEED,
        Extended(
            F::SeveralConsumers,
            "M_t/G/∞ has a consumer for every message: it is exact for c consumers only \
             while all c are never busy at once, so it may be chosen only where the \
             Poisson number in system (mean m(t)) exceeds c - 1 with negligible probability",
        ),
    ],
    ignores: &[],
};

/// PSA/SIPP for M_t/M/c_t: ignores the lag behind the rate and consumer changes.
pub(super) const POINTWISE_STATIONARY: Assumptions = Assumptions {
    model: Model::PointwiseStationary,
    exact: false,
    admits: &[SEVERAL, SPEED],
    ignores: &[
        (
            F::TimeVaryingRate,
            "each instant (PSA) or window (SIPP) is taken as the stationary M/M/c at its \
             own rate, ignoring how far the queue lags behind the rate",
        ),
        (
            F::ConsumerSchedule,
            "each window is taken with its own consumer count as if it had always had \
             it, ignoring the backlog carried over a change",
        ),
    ],
};

/// MOL for M_t/M/c_t: ignores the queue's own lag and consumer changes.
pub(super) const MODIFIED_OFFERED_LOAD: Assumptions = Assumptions {
    model: Model::ModifiedOfferedLoad,
    exact: false,
    admits: &[SEVERAL, SPEED],
    ignores: &[
        (
            F::TimeVaryingRate,
            "each instant is the stationary M/M/c at the offered load of M_t/M/∞, which \
             carries the load's lag behind the rate but not the queue's own lag",
        ),
        (
            F::ConsumerSchedule,
            "each window is taken with its own consumer count as if it had always had \
             it, ignoring the backlog carried over a change",
        ),
    ],
};

/// M_t/M/c+M from empty by its forward equations: a time-varying rate, exponential
/// patience, a constant consumer count (a schedule: an approximation at its drops).
pub(super) const MT_MC_FORWARD: Assumptions = Assumptions {
    model: Model::MtMcForward,
    exact: true,
    admits: &[
        Assumed(F::TimeVaryingRate),
        Assumed(F::ExponentialPatience),
        SEVERAL,
        SPEED,
    ],
    ignores: &[(
        F::ConsumerSchedule,
        "the chain takes the new consumer count at once, so when it drops the surplus \
         services stop there, while a leaving consumer finishes its message first",
    )],
};

/// MMPP/PH/1: Markov-modulated Poisson arrivals, phase-type service (the oracle chooses it
/// for exponential, Erlang and hyperexponential service only), one consumer (exact numerics).
pub(super) const MMPP_PH1: Assumptions = Assumptions {
    model: Model::MmppPh1,
    exact: true,
    admits: &[
        Assumed(F::MmppArrivals),
        GENERAL,
        SPEED,
        Extended(
            F::MergedArrivals,
            "independent MMPP and Poisson producers superpose into one MMPP on the product \
             of their phases (the Kronecker sum of their generators)",
        ),
    ],
    ignores: &[],
};
