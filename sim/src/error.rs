//! The simulator's errors: a scenario that cannot be loaded (located in its file, line,
//! column and key), a value validation finds wrong (named by its key path, located later),
//! and a run that fails.

use std::path::PathBuf;

use kendall_broker::BrokerError;
use thiserror::Error;

mod locate;
pub use locate::{KeyPath, Locator, Segment, plain_words};

/// A scenario that cannot be loaded, located in its file.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    /// A `--set` given on the command line does not fit the scenario.
    #[error("{}: {message}", file.display())]
    CommandLine {
        /// The scenario file.
        file: PathBuf,
        /// What is wrong with the setting.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Io {
        /// The file.
        file: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The file was read but something in it is wrong.
    #[error("{}:{line}:{column}: {}{message}", file.display(), key_prefix(key))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line of the offending key (or of the table that lacks it).
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted path of the key, e.g. `producers[0].interarrival.rate`.
        key: String,
        /// What is wrong and, where it helps, what would be right.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("key `{key}`: ")
    }
}

impl ScenarioError {
    /// The dotted key the error is about (empty for I/O errors or top-level syntax).
    pub fn key(&self) -> &str {
        match self {
            ScenarioError::Io { .. } | ScenarioError::CommandLine { .. } => "",
            ScenarioError::Invalid { key, .. } => key,
        }
    }
}

/// A value of a scenario that validation finds wrong, named by its key path: the loader
/// locates it in the file ([`Locator::at_path`]) or on the command line.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{key}: {message}")]
pub struct InvalidKey {
    /// Dotted path of the key, e.g. `queues[0].capacity`.
    pub key: KeyPath,
    /// What is wrong and, where it helps, what would be right.
    pub message: String,
}

impl InvalidKey {
    /// The value at `key` is wrong, for the reason `message`.
    pub fn new(key: KeyPath, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

/// A simulated run that fails: the broker refused a call the simulator made, which is a bug
/// in the simulator (back-pressure and the broker's own decisions are handled, not errors).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimError {
    /// The broker refused a call.
    #[error(transparent)]
    Broker(#[from] BrokerError),
}
