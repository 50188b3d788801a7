//! Rows of the assumption table for closed workloads (issue 23): the finite-source queue
//! and mean value analysis (models in `machine_repair` and `mva`).

use super::Admitted::{Assumed, Extended};
use super::Feature as F;
use super::{Admitted, Assumptions, Model, SEVERAL, SPEED};

/// The clients' think time is an infinite-server station, insensitive to its distribution.
const THINK: Admitted = Extended(
    F::GeneralThink,
    "the thinking clients form an infinite-server station, whose product-form solution \
     depends on the think time only through its mean (Baskett, Chandy, Muntz & Palacios, \
     JACM 22(2), 1975, station type 3; Gross & Harris §2.8 for the finite-source queue)",
);

/// What the approximations ignore of non-exponential service.
const RESIDUAL: &str = "the arrival theorem, on which MVA rests, fails with non-exponential \
     FCFS service; the approximation takes the residual service of the message in service as \
     E[S²]/(2E[S]) (Reiser's heuristic, Lazowska et al. 1984 §8.4)";

/// M/M/c//N: one queue of c consumers, N clients.
pub(super) const MACHINE_REPAIR: Assumptions = Assumptions {
    model: Model::MachineRepair,
    exact: true,
    admits: &[Assumed(F::ClosedClients), THINK, SEVERAL, SPEED],
    ignores: &[],
};

/// Exact MVA: a closed product-form network of FCFS exponential stations.
pub(super) const MVA: Assumptions = Assumptions {
    model: Model::Mva,
    exact: true,
    admits: &[
        Assumed(F::ClosedClients),
        THINK,
        Assumed(F::Network),
        SEVERAL,
        Extended(
            F::UniformSpeed,
            "consumers of speed s serve exponential work at rate μs",
        ),
    ],
    ignores: &[],
};

/// What both approximate MVAs admit: MVA's own features.
const APPROXIMATE_ADMITS: &[Admitted] = &[
    Assumed(F::ClosedClients),
    THINK,
    Assumed(F::Network),
    SEVERAL,
    SPEED,
];

/// What both approximate MVAs ignore: that FCFS service is not exponential.
const APPROXIMATE_IGNORES: &[(F, &str)] = &[
    (F::GeneralService, RESIDUAL),
    (F::DeterministicService, RESIDUAL),
];

/// Bard–Schweitzer: by nature an approximation of MVA.
pub(super) const BARD_SCHWEITZER: Assumptions = Assumptions {
    model: Model::BardSchweitzer,
    exact: false,
    admits: APPROXIMATE_ADMITS,
    ignores: APPROXIMATE_IGNORES,
};

/// Linearizer: by nature an approximation of MVA, usually closer than Bard–Schweitzer.
pub(super) const LINEARIZER: Assumptions = Assumptions {
    model: Model::Linearizer,
    exact: false,
    admits: APPROXIMATE_ADMITS,
    ignores: APPROXIMATE_IGNORES,
};
