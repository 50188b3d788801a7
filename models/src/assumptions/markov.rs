//! The row of the assumption table for the numerical Markov-chain oracle
//! ([`crate::ctmc`]): every feature whose dynamics stay memoryless.

use super::Admitted::{Assumed, Extended};
use super::Feature as F;
use super::{Assumptions, Model, SEVERAL};

/// A station solved as a continuous-time Markov chain, truncated below 1e-9.
pub(super) const MARKOV_CHAIN: Assumptions = Assumptions {
    model: Model::MarkovChain,
    exact: true,
    admits: &[
        SEVERAL,
        Extended(
            F::GeneralService,
            "Erlang and hyperexponential service are phase-type: the chain follows each \
             message's phase (any other service has no chain)",
        ),
        Assumed(F::ClassServices),
        Assumed(F::UniformSpeed),
        Assumed(F::UnequalSpeeds),
        Assumed(F::RandomDispatch),
        Assumed(F::RoundRobinDispatch),
        Assumed(F::JsqDispatch),
        Assumed(F::PowerOfDDispatch),
        Assumed(F::JiqDispatch),
        Assumed(F::Priority),
        Assumed(F::PriorityPreemptive),
        Assumed(F::Capacity),
        Assumed(F::ExponentialPatience),
    ],
    ignores: &[],
};
