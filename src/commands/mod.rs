//! One module per use case. Each resolves its settings once (warm-up, overrides, sharding,
//! seeds), runs, and returns an [`Output`] for `main` to print, or an error for `main` to
//! turn into a message and an exit code.

pub mod batch;
pub mod compare;
pub mod fit;
pub mod live;
pub mod merge;
pub mod plan;
pub mod predict;
pub mod report;
pub mod run;
pub mod sweep;
pub mod validate;
pub mod validate_theory;

use std::fmt;

/// What a command prints, in order, and how it ends once printed.
#[derive(Debug)]
pub struct Output {
    /// Standard output and standard error text, in the order the command produced them.
    pub parts: Vec<Part>,
    /// `Ok` for success; an error (e.g. [`Interrupted`], a failed validation) that still
    /// comes after the printed parts.
    pub outcome: anyhow::Result<()>,
}

/// One piece of a command's output.
#[derive(Debug)]
pub enum Part {
    /// Bytes for standard output.
    Stdout(Vec<u8>),
    /// One line for standard error (no trailing newline).
    Stderr(String),
}

impl Output {
    /// Nothing printed yet; success.
    pub fn new() -> Self {
        Output {
            parts: Vec::new(),
            outcome: Ok(()),
        }
    }

    /// Adds text for standard output.
    pub fn out(&mut self, text: impl Into<Vec<u8>>) {
        self.parts.push(Part::Stdout(text.into()));
    }

    /// Adds a line for standard error.
    pub fn err(&mut self, line: impl Into<String>) {
        self.parts.push(Part::Stderr(line.into()));
    }

    /// Adds a document: its JSON with `--json`, else its table.
    pub fn document<D: serde::Serialize>(
        &mut self,
        json: bool,
        to_json: impl FnOnce() -> D,
        to_table: impl FnOnce() -> String,
    ) {
        if !json {
            self.out(to_table());
            return;
        }
        match serde_json::to_string_pretty(&to_json()) {
            Ok(text) => self.out(text + "\n"),
            Err(e) => self.outcome = Err(anyhow::anyhow!("cannot write the JSON document: {e}")),
        }
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

/// Ctrl-C stopped a long command: exit code 130, with what was (not) kept.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted: {}", self.0)
    }
}

impl std::error::Error for Interrupted {}
