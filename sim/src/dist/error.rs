//! Why a distribution table (or the data file it names) describes no distribution.

use thiserror::Error;

use crate::error::{InvalidKey, KeyPath};
use crate::number_column::Line;

/// A distribution table that cannot be built: the key at fault and what is wrong with it.
///
/// The scenario loader turns the key into a file, line and column; shown alone, the error
/// names the key first (`key `service.rate`: must be a positive number, not -1`).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{}{problem}", key_prefix(path))]
pub struct DistError {
    /// The key the problem is about (`service.rate`), or the table when a parameter is
    /// missing from it.
    pub path: KeyPath,
    /// What is wrong, in the words a scenario author reads.
    pub problem: DistProblem,
}

fn key_prefix(path: &KeyPath) -> String {
    if path.0.is_empty() {
        String::new()
    } else {
        format!("key `{path}`: ")
    }
}

impl From<DistError> for InvalidKey {
    /// The key and message scenario validation reports.
    fn from(e: DistError) -> Self {
        InvalidKey::new(e.path, e.problem.to_string())
    }
}

/// What is wrong with a distribution table; each message is what the scenario error shows.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DistProblem {
    /// `kind` names no distribution.
    #[error("unknown distribution kind `{kind}`{suggestion}")]
    UnknownKind {
        /// What the table says.
        kind: String,
        /// " (did you mean …?)", or empty.
        suggestion: String,
    },
    /// A trace where a distribution to draw from is needed (a service time, a crash time).
    #[error(
        "a trace replays recorded arrival times in order: it is a producer's `interarrival`, \
         not a distribution to draw values from (`empirical` resamples a file's values)"
    )]
    TraceIsNotADistribution,
    /// A parameter the kind does not take.
    #[error("`{name}` does not apply to {a_kind} distribution (it takes {takes})")]
    DoesNotApply {
        /// The parameter.
        name: &'static str,
        /// The kind with its article ("an exponential").
        a_kind: String,
        /// The parameters the kind takes, comma-separated.
        takes: String,
    },
    /// A parameter the chosen form needs is not set.
    #[error("{a_kind} distribution needs `{name}`")]
    Missing {
        /// The parameter.
        name: &'static str,
        /// The kind with its article.
        a_kind: String,
    },
    /// A parameter that belongs to none of the kind's forms together with the others given.
    #[error("`{name}` does not go with the other parameters: {a_kind} takes {forms}")]
    DoesNotGoWith {
        /// The parameter.
        name: &'static str,
        /// The kind with its article.
        a_kind: String,
        /// The kind's forms ("`shape` + `scale`, or `mean` + `scv`").
        forms: String,
    },
    /// Part of a form is given, the rest missing.
    #[error("{a_kind} needs {forms} ({missing} missing)")]
    Incomplete {
        /// The kind with its article.
        a_kind: String,
        /// The kind's forms.
        forms: String,
        /// The missing parameters ("`high`", "`shape` and `scale`").
        missing: String,
    },
    /// `scv` given for a family whose SCV is fixed, with another value.
    #[error("{a_kind} has scv = {fixed}, not {given}")]
    FixedScv {
        /// The kind with its article.
        a_kind: String,
        /// The family's SCV.
        fixed: f64,
        /// The SCV given.
        given: f64,
    },
    /// A parameter that must be a positive finite number.
    #[error("must be a positive number, not {0}")]
    NotPositive(f64),
    /// A parameter that must be a finite number ≥ 0.
    #[error("must be a non-negative number, not {0}")]
    Negative(f64),
    /// A parameter that must be finite.
    #[error("must be a number, not {0}")]
    NotFinite(f64),
    /// A uniform's `high` at or below its `low`.
    #[error("must be greater than low = {low}, not {high}")]
    HighNotAboveLow {
        /// The lower end.
        low: f64,
        /// The upper end given.
        high: f64,
    },
    /// A uniform's SCV outside (0, 1/3].
    #[error("a uniform on [low, high] with 0 ≤ low < high has 0 < scv ≤ 1/3, not {0}")]
    UniformScv(f64),
    /// An erlang's `k` that is not a positive integer.
    #[error("k must be a positive integer, not {0}")]
    ErlangPhases(f64),
    /// An erlang's SCV that is not 1/k for an integer k.
    #[error(
        "an erlang has scv = 1/k for a positive integer k, and 1/{scv} = {inverse} is not one \
         (gamma takes any scv)"
    )]
    ErlangScv {
        /// The SCV given.
        scv: f64,
        /// 1/scv.
        inverse: f64,
    },
    /// A weibull's SCV outside the range its shape bounds allow.
    #[error(
        "a weibull's scv must be between {lowest:.3e} and {highest:.3e} (shape between \
         {min_shape} and {max_shape}), not {scv}"
    )]
    WeibullScv {
        /// The SCV given.
        scv: f64,
        /// The SCV at the largest shape.
        lowest: f64,
        /// The SCV at the smallest shape.
        highest: f64,
        /// The smallest shape searched.
        min_shape: f64,
        /// The largest shape searched.
        max_shape: f64,
    },
    /// A two-phase hyperexponential asked for an SCV of at most 1.
    #[error(
        "a two-phase hyperexponential needs scv > 1, not {0} (erlang, gamma or uniform give \
         scv < 1)"
    )]
    HyperexponentialScv(f64),
    /// A hyperexponential with no phase.
    #[error("needs at least one phase probability")]
    NoPhases,
    /// A hyperexponential with a different number of rates and probabilities.
    #[error("has {rates} entries but probs has {probs}: give one rate per phase")]
    RatesPerPhase {
        /// Rates given.
        rates: usize,
        /// Probabilities given.
        probs: usize,
    },
    /// A phase probability outside [0, 1].
    #[error("must be a probability in [0, 1], not {0}")]
    NotAProbability(f64),
    /// Phase probabilities that do not add up to 1.
    #[error("probs must add up to 1, not {0}")]
    ProbsSum(f64),
    /// An empirical table without `file`.
    #[error("empirical needs `file`")]
    EmpiricalNeedsFile,
    /// A trace table without `file`.
    #[error("a trace needs `file` (arrival times)")]
    TraceNeedsFile,
    /// A trace's `at_end` that is neither "loop" nor "stop".
    #[error("at_end must be \"loop\" or \"stop\", not \"{0}\"")]
    AtEnd(String),
    /// Empirical samples whose mean is not positive (all zeros).
    #[error("the samples' mean must be positive, not {0}")]
    SamplesMean(f64),
    /// A trace whose arrivals are all at one time.
    #[error("the trace's mean gap must be positive, not {0} (all arrivals at one time?)")]
    TraceMeanGap(f64),
    /// An MMPP with fewer than two states.
    #[error("an mmpp needs at least two states (one rate each), not {0}")]
    MmppStates(usize),
    /// An MMPP with a different number of mean durations and rates.
    #[error("has {durations} entries but rates has {rates}: give one mean duration per state")]
    MmppDurations {
        /// Mean durations given.
        durations: usize,
        /// Rates given.
        rates: usize,
    },
    /// An MMPP whose rates are all 0.
    #[error("must not all be 0: the producer would never publish")]
    MmppAllZero,
    /// An MMPP where a distribution to draw from is needed.
    #[error(
        "an mmpp's gaps are not independent: it is a producer's `interarrival`, not a \
         distribution to draw values from"
    )]
    MmppIsNotADistribution,
    /// The data file named by `file`.
    #[error(transparent)]
    File(#[from] DataFileError),
    /// The sampling library refused parameters that passed the checks (its own words).
    #[error("{0}")]
    Sampler(String),
}

/// A data file (empirical samples, trace arrival times) that cannot be used: the file, the
/// 1-based line where it has one, and what is wrong.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DataFileError {
    /// The file could not be read.
    #[error("cannot read {file}: {reason}")]
    CannotRead {
        /// The file.
        file: String,
        /// What the operating system said.
        reason: String,
    },
    /// A line that is not a number.
    #[error("{file} line {line}: `{text}` is not a number (one {per_line} per line)")]
    NotANumber {
        /// The file.
        file: String,
        /// The line.
        line: Line,
        /// What the line says.
        text: String,
        /// What each line holds: "sample" or "arrival time".
        per_line: &'static str,
    },
    /// A negative or non-finite sample.
    #[error("{file} line {line}: a sample must be a non-negative number, not {value}")]
    BadSample {
        /// The file.
        file: String,
        /// The line.
        line: Line,
        /// The value.
        value: f64,
    },
    /// A file without samples.
    #[error("{file} has no samples")]
    NoSamples {
        /// The file.
        file: String,
    },
    /// An infinite or NaN arrival time.
    #[error("{file} line {line}: {value} is not a finite time")]
    NotFiniteTime {
        /// The file.
        file: String,
        /// The line.
        line: Line,
        /// The value.
        value: f64,
    },
    /// An arrival time before the one above it.
    #[error("{file} line {line}: arrival times must be sorted, and {time} comes after {previous}")]
    Unsorted {
        /// The file.
        file: String,
        /// The line.
        line: Line,
        /// The time on this line.
        time: f64,
        /// The time on the line before.
        previous: f64,
    },
    /// Fewer than two arrival times.
    #[error("{file} has {count} arrival time(s): a trace needs at least two")]
    TooFewTimes {
        /// The file.
        file: String,
        /// Arrival times found.
        count: usize,
    },
}
