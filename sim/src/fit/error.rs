//! Why a log cannot be read, or data or a family cannot be fitted.

use thiserror::Error;

use crate::dist::DistError;
use crate::number_column::{Line, NotANumber};

/// A log that does not give a column of numbers; each names the 1-based line where it has
/// one (the caller adds the file name).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LogError {
    /// A value that is not a number.
    #[error("{0}")]
    NotANumber(NotANumber),
    /// The first value of a log read without `--column` is not a finite number: perhaps a
    /// CSV header.
    #[error("{0} (a CSV with a header? name the column with --column)")]
    HeaderWithoutColumn(Box<LogError>),
    /// An infinite or NaN value.
    #[error("line {line}: {value} is not a finite number")]
    NotFinite {
        /// The line.
        line: Line,
        /// The value.
        value: f64,
    },
    /// The CSV header row could not be read.
    #[error("line 1: cannot read the CSV header: {0}")]
    CsvHeader(String),
    /// The header has no column of the name asked for.
    #[error("line 1: no column named `{name}` (the header has: {header}){suggestion}")]
    NoColumn {
        /// The column asked for.
        name: String,
        /// The header's names, comma-separated.
        header: String,
        /// ", did you mean …?", or empty.
        suggestion: String,
    },
    /// A CSV record that could not be read.
    #[error("line {line}: {reason}")]
    CsvRecord {
        /// The line (0 when the reader does not know it).
        line: u64,
        /// What the CSV reader said.
        reason: String,
    },
    /// A record too short to have the column.
    #[error("line {line}: no field for column `{name}`")]
    NoField {
        /// The line.
        line: Line,
        /// The column.
        name: String,
    },
    /// A record whose field in the column is empty.
    #[error("line {line}: column `{name}` is empty")]
    EmptyField {
        /// The line.
        line: Line,
        /// The column.
        name: String,
    },
    /// A log without values.
    #[error("the log has no values")]
    NoValues,
    /// A negative duration.
    #[error("line {line}: a duration must be non-negative, not {value}")]
    NegativeDuration {
        /// The line.
        line: Line,
        /// The value.
        value: f64,
    },
    /// Fewer than two timestamps.
    #[error("{0} timestamp(s): inter-arrival times need at least two")]
    TooFewTimestamps(usize),
    /// A timestamp before the one above it.
    #[error("line {line}: timestamps must be sorted, and {time} comes after {previous}")]
    UnsortedTimestamps {
        /// The line.
        line: Line,
        /// The timestamp on this line.
        time: f64,
        /// The timestamp before it.
        previous: f64,
    },
}

/// Data that cannot be fitted at all, or why one family was not fitted.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// Fewer than two values.
    #[error("{0} value(s): fitting needs at least two")]
    TooFewValues(usize),
    /// A negative, infinite or NaN value.
    #[error("values must be non-negative numbers, not {0}")]
    NotNonNegative(f64),
    /// Only zeros.
    #[error("every value is 0: nothing to fit")]
    AllZero,
    /// A family with support x > 0, and data with zeros.
    #[error(
        "needs every value > 0 (the data has zeros; give the log's resolution, --resolution, to fit zeros as censored)"
    )]
    NeedsPositive,
    /// A family the censored likelihood does not know.
    #[error("{0} cannot be fitted to censored values")]
    Censoring(&'static str),
    /// A resolution that is not a positive number.
    #[error("the resolution must be a positive number, not {0}")]
    Resolution(f64),
    /// The likelihood at the estimate is not a finite number.
    #[error("the log-likelihood is {0}")]
    LogLikelihood(f64),
    /// The estimate is not a valid distribution of the family.
    #[error("fitted parameters are not valid: {}", .0.problem)]
    InvalidParameters(DistError),
    /// Gamma: ln(mean) − mean(ln x) must be positive for the shape equation to have a root.
    #[error("ln(mean) − mean(ln x) is not positive")]
    GammaNoSpread,
    /// Lognormal: every ln x is the same.
    #[error("ln x has no spread")]
    LogNoSpread,
    /// Weibull: the shape equation has no root above the search's lower bound.
    #[error("no shape found (below 1e-6)")]
    WeibullShapeTooSmall,
    /// Weibull: the shape equation has no root below the search's upper bound.
    #[error("no shape found (above 1e6)")]
    WeibullShapeTooLarge,
    /// Pareto: every value equals the minimum x_m.
    #[error("every value equals the minimum")]
    AllAtMinimum,
}
