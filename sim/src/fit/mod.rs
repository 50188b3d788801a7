//! From observed data to a distribution: maximum-likelihood fits, their ranking by AIC and
//! the Kolmogorov–Smirnov statistic, and a burstiness check of inter-arrival times.
//!
//! Families fitted (parameter names as [`crate::dist`] accepts them):
//! - exponential `{rate}`: closed form, λ = 1/mean;
//! - gamma `{shape, scale}`: Newton on the shape, ln k − ψ(k) = ln(mean) − mean(ln x);
//! - lognormal `{mu, sigma}`: closed form (mean and population s.d. of ln x);
//! - weibull `{shape, scale}`: safeguarded Newton (bisection fallback) on the shape;
//! - hyperexponential `{probs, rates}`: two phases, by EM;
//! - pareto `{shape, scale}`: classical, x_m = min, α = n / Σ ln(x/x_m);
//! - deterministic `{value}`: alone, when the spread is negligible (SCV < [`DETERMINISTIC_SCV`]).
//!
//! Standard errors come from the inverse Fisher information at the estimate (expected
//! information for the closed-form families, the outer product of the scores for the
//! hyperexponential). Pareto's x_m = min converges at rate 1/n, not 1/√n: its "SE" is the
//! bias x_m/(nα − 1) of the minimum.
//!
//! Ranking: by AIC = 2p − 2 ln L, except that a fit with fewer parameters whose AIC is within
//! [`AIC_TIE`] of the best goes first (ΔAIC < 2 is "no real support" for the extra parameters,
//! Burnham & Anderson 2002, §2.6): exponential data fitted by gamma or weibull would otherwise
//! win on noise about one time in six. KS p-values use the asymptotic Kolmogorov distribution
//! with Stephens' small-sample correction; with parameters estimated from the same data they
//! are conservative (too large), so read them as a ranking, not a test.
//!
//! Values recorded at a resolution δ (a log written with six decimals has δ = 1e-6) may hold
//! zeros that are really small positive values: with δ given ([`fit_all_at`]), values at or
//! below it enter the likelihood as censored in [0, δ] and every family is refitted to all
//! the values by that likelihood (the `censored` module), so families with support x > 0 are
//! fitted too.
//!
//! Logs are read by [`read_log`], fitted and ranked by [`fit_all`] and written back as a
//! scenario line by [`snippet`]; [`burstiness`] says when no renewal model will do.

mod burstiness;
mod censored;
mod error;
mod families;
mod fitted;
mod goodness;
mod log;
mod mmpp_fit;
mod ranking;
mod scenario_line;
#[cfg(test)]
mod tests;

use crate::dist::DistSpec;

pub use burstiness::{
    Burstiness, IDC_RATIO, LAG1_REACH, MIN_WINDOWS, WINDOW_GAPS, burstiness, producer_warnings,
};
pub use error::{FitError, LogError};
pub use families::trigamma;
pub use fitted::{QUANTILE_TOLERANCE, quantile_tolerance};
pub use goodness::{kolmogorov_q, ks_p_value, ks_statistic};
pub use log::{durations, gaps_from_timestamps, read_log, resolution};
pub use mmpp_fit::{MIN_FIT_WINDOWS, MmppFit, fit_mmpp};
pub use ranking::{fit_all, fit_all_at};
pub use scenario_line::snippet;

/// Where a value of a log came from: 1-based line of the file.
pub use crate::number_column::Line;

/// Below this SCV the data are treated as constant: only `deterministic` is fitted.
pub const DETERMINISTIC_SCV: f64 = 1e-6;
/// ΔAIC within which the fit with fewer parameters is preferred.
pub const AIC_TIE: f64 = 2.0;

/// One fitted parameter and its standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name (as in [`crate::dist`], except `p`, `rate1`, `rate2` for the hyperexponential's
    /// `probs = [p, 1 − p]`, `rates = [rate1, rate2]`).
    pub name: &'static str,
    /// Estimate.
    pub value: f64,
    /// Standard error (NaN where none is available).
    pub se: f64,
}

/// One family fitted to the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The family, a `kind` of [`crate::dist`].
    pub kind: &'static str,
    /// Estimates and standard errors.
    pub params: Vec<Param>,
    /// The fitted distribution as a scenario would write it.
    pub spec: DistSpec,
    /// Mean of the fitted distribution (may be infinite: pareto).
    pub mean: f64,
    /// SCV of the fitted distribution (may be infinite: pareto).
    pub scv: f64,
    /// Maximised log-likelihood (NaN for deterministic).
    pub loglik: f64,
    /// Number of free parameters.
    pub n_params: usize,
    /// Akaike information criterion 2p − 2 ln L (NaN for deterministic).
    pub aic: f64,
    /// Kolmogorov–Smirnov statistic sup |F_n − F|.
    pub ks: f64,
    /// Asymptotic KS p-value (NaN for deterministic).
    pub ks_p: f64,
}

impl Fit {
    /// The estimate of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Every fit, best first, and the families that could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Observations.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample SCV (population variance / mean²).
    pub scv: f64,
    /// The resolution the values were recorded at, when given.
    pub resolution: Option<f64>,
    /// Values at or below the resolution, fitted as censored in [0, resolution].
    pub censored: usize,
    /// Fits, best first.
    pub fits: Vec<Fit>,
    /// The families that could not be fitted, in the order they were tried.
    pub skipped: Vec<Skipped>,
}

impl FitReport {
    /// The best fit.
    pub fn best(&self) -> &Fit {
        &self.fits[0]
    }
}

/// A family that was not fitted, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The family, a `kind` of [`crate::dist`].
    pub kind: &'static str,
    /// Why it was not fitted.
    pub reason: FitError,
}
