//! A distribution as a scenario file writes it: a `kind` and its parameters.

use serde::Deserialize;

/// A distribution as written in a scenario file: `kind` and its parameters.
///
/// Every parameter any kind takes is listed here so that a misspelt key is an error; which
/// ones a kind accepts is checked by [`super::Distribution::from_spec`] (and, for a trace,
/// by [`crate::arrivals::Interarrival::from_spec`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    /// The family: "exponential", "deterministic", …
    pub kind: String,
    /// Rate (exponential).
    pub rate: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Squared coefficient of variation.
    pub scv: Option<f64>,
    /// Constant value (deterministic).
    pub value: Option<f64>,
    /// Lower end (uniform).
    pub low: Option<f64>,
    /// Upper end (uniform).
    pub high: Option<f64>,
    /// Number of phases (erlang); a positive integer.
    pub k: Option<f64>,
    /// Shape (gamma, weibull, pareto).
    pub shape: Option<f64>,
    /// Scale (gamma, weibull; pareto's minimum x_m).
    pub scale: Option<f64>,
    /// Mean of the underlying normal (lognormal).
    pub mu: Option<f64>,
    /// Standard deviation of the underlying normal (lognormal).
    pub sigma: Option<f64>,
    /// Phase probabilities (hyperexponential).
    pub probs: Option<Vec<f64>>,
    /// Phase rates (hyperexponential).
    pub rates: Option<Vec<f64>>,
    /// Data file with one sample per line (empirical), or one arrival time per line (trace).
    /// A relative path is relative to the scenario file's directory
    /// ([`DistSpec::resolve_file`]).
    pub file: Option<String>,
    /// What a trace does when it runs out: "loop" (default) or "stop".
    pub at_end: Option<String>,
    /// Mean time in each state (mmpp, with `rates`).
    pub mean_durations: Option<Vec<f64>>,
}

/// The kinds a distribution table may name, for error messages and suggestions (`trace`
/// included: a producer's `interarrival` is written as a distribution table).
pub const KINDS: &[&str] = &[
    "exponential",
    "deterministic",
    "uniform",
    "erlang",
    "gamma",
    "lognormal",
    "weibull",
    "hyperexponential",
    "pareto",
    "empirical",
    "trace",
    "mmpp",
];

/// Every parameter name of [`DistSpec`] (besides `kind`), in declaration order.
pub(crate) const PARAMS: &[&str] = &[
    "rate",
    "mean",
    "scv",
    "value",
    "low",
    "high",
    "k",
    "shape",
    "scale",
    "mu",
    "sigma",
    "probs",
    "rates",
    "file",
    "at_end",
    "mean_durations",
];

impl DistSpec {
    /// A table of `kind` with no parameter set.
    pub fn of_kind(kind: &str) -> Self {
        DistSpec {
            kind: kind.into(),
            ..DistSpec::default()
        }
    }

    /// The single-number parameters a fit sets, by their scenario key, in the order a
    /// scenario line writes them (unset ones are `None`).
    pub fn fitted_params(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("rate", self.rate),
            ("value", self.value),
            ("shape", self.shape),
            ("scale", self.scale),
            ("mu", self.mu),
            ("sigma", self.sigma),
        ]
    }

    /// Makes a relative `file` relative to `dir` (the scenario file's directory).
    pub fn resolve_file(&mut self, dir: &std::path::Path) {
        if let Some(f) = &self.file
            && std::path::Path::new(f).is_relative()
            && !dir.as_os_str().is_empty()
        {
            self.file = Some(dir.join(f).to_string_lossy().into_owned());
        }
    }

    /// Whether parameter `name` (one of [`PARAMS`]) is set.
    pub(crate) fn is_set(&self, name: &str) -> bool {
        match name {
            "probs" => self.probs.is_some(),
            "rates" => self.rates.is_some(),
            "file" => self.file.is_some(),
            "at_end" => self.at_end.is_some(),
            "mean_durations" => self.mean_durations.is_some(),
            _ => self.number(name).is_some(),
        }
    }

    /// The single-number parameter `name`, if it is one and set.
    pub(crate) fn number(&self, name: &str) -> Option<f64> {
        match name {
            "rate" => self.rate,
            "mean" => self.mean,
            "scv" => self.scv,
            "value" => self.value,
            "low" => self.low,
            "high" => self.high,
            "k" => self.k,
            "shape" => self.shape,
            "scale" => self.scale,
            "mu" => self.mu,
            "sigma" => self.sigma,
            _ => None,
        }
    }
}
