//! What each model assumes: one table, consulted for every prediction.
//!
//! A scenario is described to the models as the set of [`Feature`]s it uses at a station (or
//! in a network); each model family ([`Model`]) lists in [`ASSUMPTIONS`] the features it
//! admits — those among its own assumptions, and those it extends to with a stated argument
//! — and the features an approximation of it may ignore, saying what is ignored. [`judge`]
//! turns a prediction into an honest verdict: **exact** only when every feature used is
//! admitted, an **approximation** that says what it ignores, or **none**, naming the
//! features no model admits. The oracle calls it for single queues, for each class and for
//! networks alike, so that no code path can call a figure exact behind the table's back.
//!
//! The baseline every model shares, and which is therefore not a feature: Poisson arrivals
//! (any number of Poisson producers, which superpose into one Poisson stream: Ross,
//! *Introduction to Probability Models*, §5.3), exponential service, one consumer of speed 1,
//! FIFO order, no capacity, every message processed once, one queue.

use std::fmt;

mod closed;
mod markov;
mod set;
mod traffic;

pub use set::Features;

/// A scenario feature that a model may or may not assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Feature {
    /// Renewal arrivals other than Poisson whose transform is known: deterministic, Erlang,
    /// gamma, uniform, hyperexponential.
    RenewalArrivals,
    /// Renewal arrivals known only by their mean and SCV (lognormal, Weibull, Pareto,
    /// empirical resampling).
    GeneralArrivals,
    /// Arrivals replayed from a trace, in order: not a renewal process.
    TraceArrivals,
    /// Several producers, not all Poisson, feed one queue: the superposition of renewal
    /// streams is not a renewal stream.
    MergedArrivals,
    /// Constant service time.
    DeterministicService,
    /// Service neither exponential nor constant.
    GeneralService,
    /// Classes with different service times at one queue.
    ClassServices,
    /// More than one consumer at a queue.
    SeveralConsumers,
    /// Every consumer of a queue runs at the same speed, other than 1.
    UniformSpeed,
    /// Consumers of one queue run at different speeds.
    UnequalSpeeds,
    /// Consumers crash and recover; a crash hands back what they held, which is redone.
    Crash,
    /// Random dispatch over several consumers.
    RandomDispatch,
    /// Round-robin dispatch over several consumers.
    RoundRobinDispatch,
    /// Weighted round-robin dispatch.
    WeightedRoundRobinDispatch,
    /// Join-the-shortest-queue dispatch.
    JsqDispatch,
    /// Power-of-d dispatch.
    PowerOfDDispatch,
    /// Least-work dispatch.
    LeastWorkDispatch,
    /// Join-idle-queue dispatch.
    JiqDispatch,
    /// Key-hash dispatch.
    KeyHashDispatch,
    /// Last in, first out.
    Lifo,
    /// Non-preemptive priority among classes of different priorities.
    Priority,
    /// Preemptive-resume priority among classes of different priorities.
    PriorityPreemptive,
    /// Processor sharing.
    ProcessorSharing,
    /// A bounded queue that rejects what it cannot hold.
    Capacity,
    /// A bounded queue that drops its oldest waiting message to make room.
    DropOldest,
    /// Processing fails with some probability and the message is retried, repeating the
    /// same work.
    Fail,
    /// An attempt limit, after which a failing message is dead-lettered.
    MaxAttempts,
    /// A dead-letter queue receives messages out of attempts.
    DeadLetter,
    /// A message in service too long is taken back and redelivered.
    VisibilityTimeout,
    /// A waiting message expires after its time to live.
    Ttl,
    /// Several queues, or routes between them.
    Network,
    /// An arrival rate that changes with time (`rate = { kind = "sinusoid" | "piecewise" }`):
    /// a non-homogeneous Poisson process.
    TimeVaryingRate,
    /// Several messages per arrival (`batch`).
    BatchArrivals,
    /// Markov-modulated Poisson arrivals (`interarrival = { kind = "mmpp" }`).
    MmppArrivals,
    /// A consumer count that changes with time (`consumers = { at, values }`).
    ConsumerSchedule,
    /// Waiting messages abandon after an exponential patience.
    ExponentialPatience,
    /// Waiting messages abandon after a non-exponential patience.
    GeneralPatience,
    /// A failed attempt is redelivered only after a backoff delay.
    RetryBackoff,
    /// A consumer count an autoscaler changes with the queue's backlog or utilisation
    /// (`autoscale`), unless its `min` equals its `max`.
    Autoscale,
    /// Senders that time out and publish copies of their messages again (a producer's
    /// `retries`): the arrival stream depends on the waits it causes.
    ClientRetries,
    /// A closed workload (`clients`): clients that each wait for their message, then think.
    ClosedClients,
    /// The clients of a closed workload think for times that are not exponential (`think`).
    GeneralThink,
}

impl Feature {
    /// Every feature, in declaration order.
    pub const ALL: [Feature; 42] = [
        Feature::RenewalArrivals,
        Feature::GeneralArrivals,
        Feature::TraceArrivals,
        Feature::MergedArrivals,
        Feature::DeterministicService,
        Feature::GeneralService,
        Feature::ClassServices,
        Feature::SeveralConsumers,
        Feature::UniformSpeed,
        Feature::UnequalSpeeds,
        Feature::Crash,
        Feature::RandomDispatch,
        Feature::RoundRobinDispatch,
        Feature::WeightedRoundRobinDispatch,
        Feature::JsqDispatch,
        Feature::PowerOfDDispatch,
        Feature::LeastWorkDispatch,
        Feature::JiqDispatch,
        Feature::KeyHashDispatch,
        Feature::Lifo,
        Feature::Priority,
        Feature::PriorityPreemptive,
        Feature::ProcessorSharing,
        Feature::Capacity,
        Feature::DropOldest,
        Feature::Fail,
        Feature::MaxAttempts,
        Feature::DeadLetter,
        Feature::VisibilityTimeout,
        Feature::Ttl,
        Feature::Network,
        Feature::TimeVaryingRate,
        Feature::BatchArrivals,
        Feature::MmppArrivals,
        Feature::ConsumerSchedule,
        Feature::ExponentialPatience,
        Feature::GeneralPatience,
        Feature::RetryBackoff,
        Feature::Autoscale,
        Feature::ClientRetries,
        Feature::ClosedClients,
        Feature::GeneralThink,
    ];

    /// The feature in plain words, for reasons printed to users.
    pub fn describe(self) -> &'static str {
        match self {
            Feature::RenewalArrivals => "non-Poisson renewal arrivals",
            Feature::GeneralArrivals => "arrivals known only by their mean and variability",
            Feature::TraceArrivals => "arrivals replayed from a trace, not a renewal process",
            Feature::MergedArrivals => "several producers, not all Poisson, into one queue",
            Feature::DeterministicService => "constant service",
            Feature::GeneralService => "non-exponential service",
            Feature::ClassServices => "classes with different service times",
            Feature::SeveralConsumers => "several consumers",
            Feature::UniformSpeed => "consumers of speed other than 1",
            Feature::UnequalSpeeds => "consumers of different speeds",
            Feature::Crash => "consumers that crash and redo what they held",
            Feature::RandomDispatch => "random dispatch",
            Feature::RoundRobinDispatch => "round-robin dispatch",
            Feature::WeightedRoundRobinDispatch => "weighted round-robin dispatch",
            Feature::JsqDispatch => "join-the-shortest-queue dispatch",
            Feature::PowerOfDDispatch => "power-of-d dispatch",
            Feature::LeastWorkDispatch => "least-work dispatch",
            Feature::JiqDispatch => "join-idle-queue dispatch",
            Feature::KeyHashDispatch => "key-hash dispatch",
            Feature::Lifo => "LIFO order",
            Feature::Priority => "non-preemptive priorities",
            Feature::PriorityPreemptive => "preemptive priorities",
            Feature::ProcessorSharing => "processor sharing",
            Feature::Capacity => "a bounded queue",
            Feature::DropOldest => "drop-oldest overflow",
            Feature::Fail => "failed attempts that are retried",
            Feature::MaxAttempts => "an attempt limit",
            Feature::DeadLetter => "dead-lettering",
            Feature::VisibilityTimeout => "a visibility timeout",
            Feature::Ttl => "a time to live: messages expire while waiting",
            Feature::Network => "several queues or routes between them",
            Feature::TimeVaryingRate => "an arrival rate that changes with time",
            Feature::BatchArrivals => "several messages per arrival",
            Feature::MmppArrivals => "Markov-modulated arrivals",
            Feature::ConsumerSchedule => "a consumer count that changes with time",
            Feature::ExponentialPatience => "exponential patience: waiting messages abandon",
            Feature::GeneralPatience => "non-exponential patience: waiting messages abandon",
            Feature::RetryBackoff => "a backoff delay before a failed message is redelivered",
            Feature::Autoscale => "a consumer count an autoscaler changes",
            Feature::ClientRetries => "senders that time out and retry",
            Feature::ClosedClients => "a closed workload: clients that wait for each message",
            Feature::GeneralThink => "non-exponential think times of a closed workload",
        }
    }

    fn bit(self) -> u64 {
        1 << self as u8
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A family of models: the row of [`ASSUMPTIONS`] a prediction is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// M/M/1.
    MM1,
    /// M/M/c (Erlang C).
    MMc,
    /// M/D/1.
    MD1,
    /// M/D/c.
    MDc,
    /// M/G/1 (Pollaczek–Khinchine).
    MG1,
    /// GI/M/1.
    GiM1,
    /// GI/M/c.
    GiMc,
    /// M/M/c/K (and Erlang B, M/M/1/K).
    MMcK,
    /// c independent M/G/1 queues fed by a random split.
    RandomSplit,
    /// c independent E_c/M/1 queues fed by round-robin.
    RoundRobinSplit,
    /// M/G/1 with processor sharing (one consumer, or a random split over several).
    MG1Ps,
    /// M/G/1 FIFO over a mixture of class service times.
    ClassMixture,
    /// Cobham's non-preemptive priority formula.
    NonPreemptivePriority,
    /// The M/G/1 preemptive-resume priority formula.
    PreemptiveResumePriority,
    /// Classes at an M/G/1-PS queue.
    PsClasses,
    /// An open Jackson network.
    Jackson,
    /// Kingman's G/G/1 approximation.
    Kingman,
    /// The Allen–Cunneen G/G/c approximation.
    AllenCunneen,
    /// JSQ's mean-field limit.
    JsqMeanField,
    /// Power-of-d's mean-field limit.
    PowerOfDMeanField,
    /// Least-work approximated by the shared queue.
    LeastWorkShared,
    /// A network decomposed into independent stations with Poisson inputs.
    Decomposition,
    /// Erlang-A, M/M/c+M: exponential patience.
    ErlangA,
    /// M/M/c+G approximated by Erlang-A.
    MmcG,
    /// M^X/M/1: batch Poisson arrivals, one consumer.
    MxM1,
    /// M^X/M/c: batch Poisson arrivals, c consumers.
    MxMc,
    /// MMPP/M/c: Markov-modulated Poisson arrivals, c consumers (matrix-geometric).
    MmppMc,
    /// M_t/G/∞ from an empty start: a time-varying rate, a consumer for every message.
    MtGInf,
    /// M_t/M/c_t by the pointwise-stationary approximation (PSA, or SIPP per window).
    PointwiseStationary,
    /// M_t/M/c_t by the modified-offered-load approximation (MOL).
    ModifiedOfferedLoad,
    /// M_t/M/c+M from an empty start, by its forward equations (window figures).
    MtMcForward,
    /// A Markovian station solved numerically as a continuous-time Markov chain.
    MarkovChain,
    /// M/M/c//N: the finite-source (machine-repairman) queue of a closed workload.
    MachineRepair,
    /// Exact mean value analysis of a closed product-form network (Reiser & Lavenberg).
    Mva,
    /// Bard–Schweitzer approximate mean value analysis of a closed network.
    BardSchweitzer,
    /// Linearizer approximate mean value analysis of a closed network (Chandy & Neuse).
    Linearizer,
    /// MMPP/PH/1: Markov-modulated Poisson arrivals, phase-type service, one consumer
    /// (matrix-geometric).
    MmppPh1,
}

impl Model {
    /// The family's name, as the docs and reasons print it.
    pub fn name(self) -> &'static str {
        match self {
            Model::MM1 => "M/M/1",
            Model::MMc => "M/M/c (Erlang C)",
            Model::MD1 => "M/D/1",
            Model::MDc => "M/D/c",
            Model::MG1 => "M/G/1 (Pollaczek–Khinchine)",
            Model::GiM1 => "GI/M/1",
            Model::GiMc => "GI/M/c",
            Model::MMcK => "M/M/c/K (and Erlang B)",
            Model::RandomSplit => "c × M/G/1 (random split)",
            Model::RoundRobinSplit => "c × E_c/M/1 (round-robin)",
            Model::MG1Ps => "M/G/1-PS",
            Model::ClassMixture => "M/G/1 on the classes' service mixture",
            Model::NonPreemptivePriority => "non-preemptive priority (Cobham)",
            Model::PreemptiveResumePriority => "preemptive-resume priority",
            Model::PsClasses => "classes at M/G/1-PS",
            Model::Jackson => "open Jackson network",
            Model::Kingman => "G/G/1 (Kingman)",
            Model::AllenCunneen => "G/G/c (Allen–Cunneen)",
            Model::JsqMeanField => "JSQ mean-field limit",
            Model::PowerOfDMeanField => "power-of-d mean-field limit",
            Model::LeastWorkShared => "least-work as the shared queue",
            Model::Decomposition => "network decomposition",
            Model::ErlangA => "M/M/c+M (Erlang-A)",
            Model::MmcG => "M/M/c+G as Erlang-A",
            Model::MxM1 => "M^X/M/1 (batch arrivals)",
            Model::MxMc => "M^X/M/c (batch arrivals)",
            Model::MmppMc => "MMPP/M/c (Markov-modulated arrivals)",
            Model::MtGInf => "M_t/G/∞ (time-varying rate)",
            Model::PointwiseStationary => "M_t/M/c_t pointwise-stationary (PSA, SIPP)",
            Model::ModifiedOfferedLoad => "M_t/M/c_t modified offered load (MOL)",
            Model::MtMcForward => "M_t/M/c+M from empty (forward equations)",
            Model::MarkovChain => "Markov chain (numerical, truncation < 1e-9)",
            Model::MachineRepair => "M/M/c//N (finite source, machine repairman)",
            Model::Mva => "closed network, exact MVA",
            Model::BardSchweitzer => "closed network, Bard–Schweitzer approximate MVA",
            Model::Linearizer => "closed network, Linearizer approximate MVA",
            Model::MmppPh1 => "MMPP/PH/1 (Markov-modulated arrivals, phase-type service)",
        }
    }
}

/// A feature a model admits, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admitted {
    /// Among the model's own assumptions.
    Assumed(Feature),
    /// Not among its assumptions, but the model extends to it by the argument given.
    Extended(Feature, &'static str),
}

impl Admitted {
    /// The feature admitted.
    pub fn feature(self) -> Feature {
        match self {
            Admitted::Assumed(f) | Admitted::Extended(f, _) => f,
        }
    }
}

/// One row of the table: what a model family assumes, extends to and may ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assumptions {
    /// The family.
    pub model: Model,
    /// A closed form or a numerical method exact to the stated precision, or by nature an
    /// approximation.
    pub exact: bool,
    /// The features it admits beyond the shared baseline.
    pub admits: &'static [Admitted],
    /// Features whose presence leaves a labelled approximation rather than no model, with
    /// what the approximation then ignores.
    pub ignores: &'static [(Feature, &'static str)],
}

impl Assumptions {
    /// The features admitted.
    pub fn admitted(&self) -> Features {
        self.admits.iter().map(|a| a.feature()).collect()
    }

    /// The features that may be ignored.
    pub fn ignorable(&self) -> Features {
        self.ignores.iter().map(|(f, _)| *f).collect()
    }
}

use Admitted::{Assumed, Extended};
use Feature as F;

/// A consumer of speed s serves work S in S/s: every single-station model runs on S/s.
const SPEED: Admitted = Extended(
    F::UniformSpeed,
    "a consumer of speed s serves a message of size S in S/s: the model runs on S/s",
);
/// LIFO keeps FIFO's means.
const LIFO: Admitted = Extended(
    F::Lifo,
    "non-preemptive LIFO, blind to service times, has FIFO's means (the number in system \
     evolves alike: Kleinrock, Queueing Systems Vol. 2, 1976, §3.4); no quantiles are given",
);
/// Retries of the same work at the head of the queue.
const FAIL: Admitted = Extended(
    F::Fail,
    "a failed message is retried at once with the same work (it waits again at the head of \
     its buffer, and nothing can overtake it there), so it holds its consumer for S·N with \
     N ~ Geometric(1 − fail): the model runs on S·N, E[S·N] = E[S]/(1 − fail)",
);
const SEVERAL: Admitted = Assumed(F::SeveralConsumers);
const DET: Admitted = Assumed(F::DeterministicService);
const GENERAL: Admitted = Assumed(F::GeneralService);

/// The table: every model family, what it admits and what its approximation ignores.
pub const ASSUMPTIONS: &[Assumptions] = &[
    Assumptions {
        model: Model::MM1,
        exact: true,
        admits: &[SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MMc,
        exact: true,
        admits: &[SEVERAL, SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MD1,
        exact: true,
        admits: &[DET, SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MDc,
        exact: true,
        admits: &[DET, SEVERAL, SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MG1,
        exact: true,
        admits: &[DET, GENERAL, SPEED, LIFO, FAIL],
        ignores: &[],
    },
    Assumptions {
        model: Model::GiM1,
        exact: true,
        admits: &[Assumed(F::RenewalArrivals), SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::GiMc,
        exact: true,
        admits: &[Assumed(F::RenewalArrivals), SEVERAL, SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MMcK,
        exact: true,
        admits: &[Assumed(F::Capacity), SEVERAL, SPEED],
        ignores: &[],
    },
    Assumptions {
        model: Model::RandomSplit,
        exact: true,
        admits: &[
            SEVERAL,
            Assumed(F::RandomDispatch),
            DET,
            GENERAL,
            Extended(
                F::ClassServices,
                "a random split of Poisson classes leaves each consumer an M/G/1 queue on \
                 the classes' service mixture",
            ),
            SPEED,
            LIFO,
            FAIL,
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::RoundRobinSplit,
        exact: true,
        admits: &[SEVERAL, Assumed(F::RoundRobinDispatch), SPEED, LIFO],
        ignores: &[],
    },
    Assumptions {
        model: Model::MG1Ps,
        exact: true,
        admits: &[
            Assumed(F::ProcessorSharing),
            DET,
            GENERAL,
            SPEED,
            Extended(
                F::SeveralConsumers,
                "with random dispatch each consumer is its own M/G/1-PS queue",
            ),
            Assumed(F::RandomDispatch),
            Extended(
                F::Fail,
                "a failed message restarts its work at once; M/G/1-PS depends only on each \
                 message's total work S·N, whose mean is E[S]/(1 − fail)",
            ),
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::ClassMixture,
        exact: true,
        admits: &[
            Assumed(F::ClassServices),
            DET,
            GENERAL,
            SPEED,
            LIFO,
            FAIL,
            Extended(
                F::SeveralConsumers,
                "with random dispatch each consumer is its own M/G/1 queue",
            ),
            Assumed(F::RandomDispatch),
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::NonPreemptivePriority,
        exact: true,
        admits: &[
            Assumed(F::Priority),
            Assumed(F::ClassServices),
            DET,
            GENERAL,
            SPEED,
        ],
        ignores: &[(
            F::Fail,
            "Cobham's formula on each class's work S·N ignores that a more urgent message may \
             be served between a message's failed attempt and its retry",
        )],
    },
    Assumptions {
        model: Model::PreemptiveResumePriority,
        exact: true,
        admits: &[
            Assumed(F::PriorityPreemptive),
            Assumed(F::ClassServices),
            DET,
            GENERAL,
            SPEED,
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::PsClasses,
        exact: true,
        admits: &[
            Assumed(F::ProcessorSharing),
            Assumed(F::ClassServices),
            DET,
            GENERAL,
            SPEED,
            Extended(
                F::SeveralConsumers,
                "with random dispatch each consumer is its own M/G/1-PS queue",
            ),
            Assumed(F::RandomDispatch),
            Extended(
                F::Fail,
                "M/G/1-PS depends only on each message's total work S·N",
            ),
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::Jackson,
        exact: true,
        admits: &[
            Assumed(F::Network),
            SEVERAL,
            Extended(
                F::UniformSpeed,
                "consumers of speed s serve exponential work at rate μs",
            ),
            Extended(
                F::Lifo,
                "with exponential service the order of service does not change how many \
                 messages a station holds, so the means stand (whether a message waits at \
                 all is not given)",
            ),
            Extended(
                F::Priority,
                "with one exponential service time for all classes the order of service does \
                 not change how many messages a station holds: the totals' means stand, per \
                 class no figure is given",
            ),
            Extended(
                F::PriorityPreemptive,
                "with one exponential service time for all classes the order of service does \
                 not change how many messages a station holds: the totals' means stand, per \
                 class no figure is given",
            ),
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::Kingman,
        exact: false,
        admits: &[
            Assumed(F::RenewalArrivals),
            Assumed(F::GeneralArrivals),
            Assumed(F::TraceArrivals),
            DET,
            GENERAL,
            SPEED,
            LIFO,
            FAIL,
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::AllenCunneen,
        exact: false,
        admits: &[
            Assumed(F::RenewalArrivals),
            Assumed(F::GeneralArrivals),
            Assumed(F::TraceArrivals),
            DET,
            GENERAL,
            SEVERAL,
            SPEED,
            LIFO,
            FAIL,
        ],
        ignores: &[],
    },
    Assumptions {
        model: Model::JsqMeanField,
        exact: false,
        admits: &[SEVERAL, Assumed(F::JsqDispatch), SPEED],
        ignores: &[],
    },
    Assumptions {
        model: Model::PowerOfDMeanField,
        exact: false,
        admits: &[SEVERAL, Assumed(F::PowerOfDDispatch), SPEED],
        ignores: &[],
    },
    Assumptions {
        model: Model::LeastWorkShared,
        exact: false,
        admits: &[SEVERAL, Assumed(F::LeastWorkDispatch), SPEED],
        ignores: &[],
    },
    Assumptions {
        model: Model::Decomposition,
        exact: false,
        admits: &[Assumed(F::Network)],
        ignores: &[],
    },
    traffic::ERLANG_A,
    traffic::MMC_G,
    traffic::MX_M1,
    traffic::MX_MC,
    traffic::MMPP_MC,
    traffic::MT_G_INF,
    traffic::POINTWISE_STATIONARY,
    traffic::MODIFIED_OFFERED_LOAD,
    traffic::MT_MC_FORWARD,
    markov::MARKOV_CHAIN,
    closed::MACHINE_REPAIR,
    closed::MVA,
    closed::BARD_SCHWEITZER,
    closed::LINEARIZER,
    traffic::MMPP_PH1,
];

/// The row of `model`.
pub fn assumptions(model: Model) -> &'static Assumptions {
    ASSUMPTIONS
        .iter()
        .find(|a| a.model == model)
        .expect("every model family has a row")
}

/// How a model fits the features a scenario uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// Every feature used is admitted (and the model is exact): the extensions used, with
    /// their arguments.
    Exact {
        /// Features admitted by extension, with the argument.
        extensions: Vec<(Feature, &'static str)>,
    },
    /// An approximation: by nature, or because it ignores features it may ignore.
    Approximation {
        /// Features ignored, with what the approximation then ignores.
        ignored: Vec<(Feature, &'static str)>,
        /// Features admitted by extension, with the argument.
        extensions: Vec<(Feature, &'static str)>,
    },
    /// Some feature used is neither admitted nor ignorable.
    NoModel {
        /// The features the model cannot take.
        missing: Features,
    },
}

/// Judges `model` on the features `used`.
pub fn judge(model: Model, used: Features) -> Fit {
    let row = assumptions(model);
    let missing = used.minus(row.admitted()).minus(row.ignorable());
    if !missing.is_empty() {
        return Fit::NoModel { missing };
    }
    let extensions: Vec<(Feature, &'static str)> = row
        .admits
        .iter()
        .filter_map(|a| match a {
            Extended(f, why) if used.contains(*f) => Some((*f, *why)),
            _ => None,
        })
        .collect();
    let ignored: Vec<(Feature, &'static str)> = row
        .ignores
        .iter()
        .filter(|(f, _)| used.contains(*f) && !row.admitted().contains(*f))
        .copied()
        .collect();
    if row.exact && ignored.is_empty() {
        Fit::Exact { extensions }
    } else {
        Fit::Approximation {
            ignored,
            extensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_has_one_row_and_every_feature_is_listed() {
        for a in ASSUMPTIONS {
            assert_eq!(
                ASSUMPTIONS.iter().filter(|b| b.model == a.model).count(),
                1,
                "{:?}",
                a.model
            );
            // A feature is either admitted or ignorable, never both.
            assert!(a.admitted().intersection(a.ignorable()).is_empty());
        }
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "ALL is in declaration order");
        }
    }

    #[test]
    fn judging() {
        // The baseline fits M/M/1 exactly, with no extension.
        assert_eq!(
            judge(Model::MM1, Features::NONE),
            Fit::Exact { extensions: vec![] }
        );
        // A crash fits nothing.
        let crash = Features::of(&[F::Crash]);
        for a in ASSUMPTIONS {
            assert!(
                matches!(judge(a.model, crash), Fit::NoModel { missing } if missing == crash),
                "{:?}",
                a.model
            );
        }
        // Retries: M/G/1 by extension; M/M/1 not at all.
        let fail = Features::of(&[F::Fail, F::GeneralService]);
        assert!(
            matches!(judge(Model::MG1, fail), Fit::Exact { extensions } if extensions.len() == 1)
        );
        assert!(matches!(judge(Model::MM1, fail), Fit::NoModel { .. }));
        // Priorities with retries: Cobham, as an approximation that says what it ignores.
        let used = Features::of(&[F::Priority, F::ClassServices, F::Fail, F::GeneralService]);
        match judge(Model::NonPreemptivePriority, used) {
            Fit::Approximation { ignored, .. } => assert_eq!(ignored[0].0, F::Fail),
            other => panic!("{other:?}"),
        }
        // Issue 19's features, alone and in combination.
        let patience = Features::of(&[F::ExponentialPatience, F::SeveralConsumers]);
        assert_eq!(
            judge(Model::ErlangA, patience),
            Fit::Exact { extensions: vec![] }
        );
        let general_patience = Features::of(&[F::GeneralPatience, F::SeveralConsumers]);
        assert!(matches!(
            judge(Model::ErlangA, general_patience),
            Fit::NoModel { .. }
        ));
        assert!(matches!(
            judge(Model::MmcG, general_patience),
            Fit::Approximation { .. }
        ));
        // Patience with non-exponential service: only the Markov chain, which follows the
        // phases of Erlang and hyperexponential service (and refuses any other).
        let with_service = Features::of(&[F::ExponentialPatience, F::GeneralService]);
        for a in ASSUMPTIONS {
            assert_eq!(
                matches!(judge(a.model, with_service), Fit::NoModel { .. }),
                a.model != Model::MarkovChain,
                "{:?}",
                a.model
            );
        }
        let batches = Features::of(&[F::BatchArrivals, F::SeveralConsumers]);
        assert!(matches!(judge(Model::MxMc, batches), Fit::Exact { .. }));
        assert!(
            matches!(judge(Model::MxM1, batches), Fit::NoModel { missing } if missing == Features::of(&[F::SeveralConsumers]))
        );
        // MMPP arrivals: MMPP/M/c alone, and not with general service or batches.
        let mmpp = Features::of(&[F::MmppArrivals, F::SeveralConsumers]);
        for a in ASSUMPTIONS {
            let exact = matches!(judge(a.model, mmpp), Fit::Exact { .. });
            assert_eq!(exact, a.model == Model::MmppMc, "{:?}", a.model);
        }
        // MMPP arrivals into one consumer with non-exponential (phase-type) service:
        // MMPP/PH/1 alone; merged with Poisson producers it still is.
        for used in [
            Features::of(&[F::MmppArrivals, F::GeneralService]),
            Features::of(&[F::MmppArrivals, F::GeneralService, F::MergedArrivals]),
        ] {
            for a in ASSUMPTIONS {
                let exact = matches!(judge(a.model, used), Fit::Exact { .. });
                assert_eq!(exact, a.model == Model::MmppPh1, "{:?}", a.model);
            }
        }
        assert!(matches!(
            judge(
                Model::MmppPh1,
                Features::of(&[F::MmppArrivals, F::DeterministicService])
            ),
            Fit::NoModel { .. }
        ));
        // Batches with patience, or a time-varying rate with batches: nothing.
        for used in [
            Features::of(&[F::BatchArrivals, F::ExponentialPatience]),
            Features::of(&[F::BatchArrivals, F::TimeVaryingRate]),
            Features::of(&[F::MmppArrivals, F::GeneralService, F::SeveralConsumers]),
            Features::of(&[F::MmppArrivals, F::BatchArrivals]),
            Features::of(&[F::RetryBackoff, F::Fail]),
        ] {
            for a in ASSUMPTIONS {
                assert!(
                    matches!(judge(a.model, used), Fit::NoModel { .. }),
                    "{:?} {used:?}",
                    a.model
                );
            }
        }
        let day = Features::of(&[F::TimeVaryingRate, F::GeneralService, F::SeveralConsumers]);
        assert!(
            matches!(judge(Model::MtGInf, day), Fit::Exact { extensions } if extensions.len() == 1)
        );
        let staffed = Features::of(&[F::TimeVaryingRate, F::ConsumerSchedule, F::SeveralConsumers]);
        assert!(
            matches!(judge(Model::MtGInf, staffed), Fit::NoModel { missing } if missing == Features::of(&[F::ConsumerSchedule]))
        );
        for model in [Model::PointwiseStationary, Model::ModifiedOfferedLoad] {
            match judge(model, staffed) {
                Fit::Approximation { ignored, .. } => assert_eq!(ignored.len(), 2),
                other => panic!("{other:?}"),
            }
            // Non-exponential service is not admitted by the M/M/c stand-in.
            assert!(matches!(judge(model, day), Fit::NoModel { .. }));
        }
        // The forward equations: a time-varying rate with patience, but no consumer schedule.
        let impatient_day = Features::of(&[
            F::TimeVaryingRate,
            F::ExponentialPatience,
            F::SeveralConsumers,
        ]);
        assert!(matches!(
            judge(Model::MtMcForward, impatient_day),
            Fit::Exact { extensions } if extensions.is_empty()
        ));
        // A schedule: an approximation that says it ignores the finishing at drops.
        assert!(matches!(
            judge(Model::MtMcForward, staffed),
            Fit::Approximation { ignored, .. } if ignored.len() == 1 && ignored[0].0 == F::ConsumerSchedule
        ));
        // An approximation by nature stays one.
        assert!(matches!(
            judge(Model::Kingman, Features::of(&[F::GeneralArrivals])),
            Fit::Approximation { .. }
        ));
    }
}
