//! Random variates for inter-arrival and service times.
//!
//! Every kind of the scenario contract (the README) is here: exponential, deterministic,
//! uniform, erlang, gamma, lognormal, weibull, hyperexponential, pareto, empirical and trace.
//! Each is validated once by [`Distribution::from_spec`] (errors name the key and say what is
//! wrong) and then sampled without allocating.
//!
//! A `trace` is not a renewal distribution: it replays recorded arrival times in order, which
//! needs a cursor. [`ArrivalProcess`] keeps that cursor per producer and per replication;
//! [`Distribution::sample`] on a trace resamples its gaps independently (a renewal
//! approximation, for callers that keep no cursor).

use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp, Exp1, Gamma, LogNormal, Pareto, Uniform, Weibull};
use serde::Deserialize;
use statrs::function::gamma::ln_gamma;

use crate::error::KeyPath;
use kendall_models::{Shape, VariateSpec};

/// A distribution as written in a scenario file: `kind` and its parameters.
///
/// Every parameter any kind takes is listed here so that a misspelt key is an error; which
/// ones a kind accepts is checked by [`Distribution::from_spec`].
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
}

impl DistSpec {
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
}

/// A validated distribution that knows its mean and SCV.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Exponential with the given rate.
    Exponential(Exp<f64>, f64),
    /// Always the same value.
    Deterministic(f64),
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
        /// The sampler.
        dist: Uniform<f64>,
    },
    /// Erlang: the sum of `k` exponentials, sampled as Gamma(k, mean/k).
    Erlang {
        /// Number of phases.
        k: u32,
        /// Mean of the sum.
        mean: f64,
        /// The sampler.
        dist: Gamma<f64>,
    },
    /// Gamma with shape and scale (mean = shape·scale).
    Gamma {
        /// Shape.
        shape: f64,
        /// Scale.
        scale: f64,
        /// The sampler.
        dist: Gamma<f64>,
    },
    /// exp(N(mu, sigma²)).
    LogNormal {
        /// Mean of the underlying normal.
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
        /// The sampler.
        dist: LogNormal<f64>,
    },
    /// Weibull with shape k and scale λ: P(X > x) = exp(−(x/λ)^k).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ.
        scale: f64,
        /// The sampler.
        dist: Weibull<f64>,
    },
    /// A mixture of exponentials: phase i with probability `probs[i]`, then Exp(`rates[i]`).
    Hyperexponential {
        /// Phase probabilities (they add up to 1).
        probs: Arc<[f64]>,
        /// Phase rates.
        rates: Arc<[f64]>,
        /// Running sums of `probs`, the last set to exactly 1.
        cumulative: Arc<[f64]>,
    },
    /// Classical Pareto: P(X > x) = (scale/x)^shape for x ≥ scale.
    ///
    /// The mean is infinite for shape ≤ 1 and the SCV for shape ≤ 2; [`Distribution::mean`]
    /// and [`Distribution::scv`] then report `f64::INFINITY`.
    Pareto {
        /// Shape α.
        shape: f64,
        /// Scale x_m (the minimum).
        scale: f64,
        /// The sampler.
        dist: Pareto<f64>,
    },
    /// Resamples the values of a data file uniformly.
    Empirical {
        /// The samples.
        samples: Arc<[f64]>,
        /// Their mean.
        mean: f64,
        /// Their SCV (population variance / mean²), the SCV of uniform resampling.
        scv: f64,
    },
    /// Replays recorded arrival times (through an [`ArrivalProcess`]): the first arrival at
    /// 0, then the recorded gaps in order; with `at_end = "loop"` a gap of `wrap` (the mean
    /// gap, so the period is n mean gaps for n timestamps) and the gaps again, for ever; with
    /// `"stop"` the producer stops after the last recorded arrival.
    Trace {
        /// Gaps between consecutive recorded arrival times, in order.
        gaps: Arc<[f64]>,
        /// Gap from the last arrival of one pass to the first of the next (loop).
        wrap: f64,
        /// Stop at the end of the trace instead of looping.
        stop: bool,
        /// Mean gap.
        mean: f64,
        /// SCV of the gaps (population variance / mean²).
        scv: f64,
    },
}

/// The distribution kinds kendall knows, for error messages and suggestions.
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
];

/// A parameter problem: where in the file, and what is wrong.
pub type Invalid = (KeyPath, String);

/// Every parameter name of [`DistSpec`] (besides `kind`), in declaration order.
const PARAMS: &[&str] = &[
    "rate", "mean", "scv", "value", "low", "high", "k", "shape", "scale", "mu", "sigma", "probs",
    "rates", "file", "at_end",
];

impl Distribution {
    /// Validates `spec` (found at `path` in the scenario) and builds the distribution.
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, Invalid> {
        let params = Params { spec, path };
        match spec.kind.as_str() {
            "exponential" => {
                params.only(&["rate", "mean", "scv"])?;
                params.pinned_scv(1.0)?;
                let forms: &[&[&str]] = &[&["rate"], &["mean"], &["rate", "scv"], &["mean", "scv"]];
                let rate = match params.form(forms)? {
                    0 | 2 => params.positive("rate", params.num("rate")?)?,
                    _ => 1.0 / params.positive("mean", params.num("mean")?)?,
                };
                let exp = Exp::new(rate).map_err(|e| (path.key("rate"), e.to_string()))?;
                Ok(Distribution::Exponential(exp, rate))
            }
            "deterministic" => {
                params.only(&["value", "mean", "scv"])?;
                params.pinned_scv(0.0)?;
                let forms: &[&[&str]] =
                    &[&["value"], &["mean"], &["value", "scv"], &["mean", "scv"]];
                let value = match params.form(forms)? {
                    0 | 2 => params.positive("value", params.num("value")?)?,
                    _ => params.positive("mean", params.num("mean")?)?,
                };
                Ok(Distribution::Deterministic(value))
            }
            "uniform" => {
                params.only(&["low", "high", "mean", "scv"])?;
                let (low, high) = match params.form(&[&["low", "high"], &["mean", "scv"]])? {
                    0 => {
                        let low = params.num("low")?;
                        if !(low.is_finite() && low >= 0.0) {
                            return Err((
                                path.key("low"),
                                format!("must be a non-negative number, not {low}"),
                            ));
                        }
                        let high = params.positive("high", params.num("high")?)?;
                        if high <= low {
                            return Err((
                                path.key("high"),
                                format!("must be greater than low = {low}, not {high}"),
                            ));
                        }
                        (low, high)
                    }
                    _ => {
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.num("scv")?;
                        if !(scv > 0.0 && scv <= 1.0 / 3.0) {
                            return Err((
                                path.key("scv"),
                                format!(
                                    "a uniform on [low, high] with 0 ≤ low < high has \
                                     0 < scv ≤ 1/3, not {scv}"
                                ),
                            ));
                        }
                        let half = mean * (3.0 * scv).sqrt();
                        ((mean - half).max(0.0), mean + half)
                    }
                };
                Self::uniform(low, high).map_err(|e| (path.clone(), e))
            }
            "erlang" => {
                params.only(&["k", "mean", "scv"])?;
                let which = params.form(&[&["k", "mean"], &["mean", "scv"]])?;
                let mean = params.positive("mean", params.num("mean")?)?;
                let k = if which == 0 {
                    let k = params.num("k")?;
                    if !(k >= 1.0 && k <= f64::from(u32::MAX) && k.fract() == 0.0) {
                        return Err((
                            path.key("k"),
                            format!("k must be a positive integer, not {k}"),
                        ));
                    }
                    k as u32
                } else {
                    let scv = params.positive("scv", params.num("scv")?)?;
                    let inv = 1.0 / scv;
                    let k = inv.round();
                    if !(k >= 1.0 && k <= f64::from(u32::MAX) && (inv - k).abs() <= 1e-9 * k) {
                        return Err((
                            path.key("scv"),
                            format!(
                                "an erlang has scv = 1/k for a positive integer k, and 1/{scv} \
                                 = {inv} is not one (gamma takes any scv)"
                            ),
                        ));
                    }
                    k as u32
                };
                Self::erlang(k, mean).map_err(|e| (path.clone(), e))
            }
            "gamma" => {
                params.only(&["shape", "scale", "mean", "scv"])?;
                let (shape, scale) = match params.form(&[&["shape", "scale"], &["mean", "scv"]])? {
                    0 => (
                        params.positive("shape", params.num("shape")?)?,
                        params.positive("scale", params.num("scale")?)?,
                    ),
                    _ => {
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.positive("scv", params.num("scv")?)?;
                        (1.0 / scv, mean * scv)
                    }
                };
                Self::gamma(shape, scale).map_err(|e| (path.clone(), e))
            }
            "lognormal" => {
                params.only(&["mu", "sigma", "mean", "scv"])?;
                let (mu, sigma) = match params.form(&[&["mean", "scv"], &["mu", "sigma"]])? {
                    0 => {
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.positive("scv", params.num("scv")?)?;
                        let s2 = scv.ln_1p();
                        (mean.ln() - s2 / 2.0, s2.sqrt())
                    }
                    _ => {
                        let mu = params.num("mu")?;
                        if !mu.is_finite() {
                            return Err((path.key("mu"), format!("must be a number, not {mu}")));
                        }
                        (mu, params.positive("sigma", params.num("sigma")?)?)
                    }
                };
                Self::lognormal(mu, sigma).map_err(|e| (path.clone(), e))
            }
            "weibull" => {
                params.only(&["shape", "scale", "mean", "scv"])?;
                let (shape, scale) = match params.form(&[&["shape", "scale"], &["mean", "scv"]])? {
                    0 => (
                        params.positive("shape", params.num("shape")?)?,
                        params.positive("scale", params.num("scale")?)?,
                    ),
                    _ => {
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.positive("scv", params.num("scv")?)?;
                        let shape = weibull_shape_for_scv(scv).map_err(|e| (path.key("scv"), e))?;
                        (shape, mean / ln_gamma(1.0 + 1.0 / shape).exp())
                    }
                };
                Self::weibull(shape, scale).map_err(|e| (path.clone(), e))
            }
            "hyperexponential" => {
                params.only(&["probs", "rates", "mean", "scv"])?;
                let (probs, rates) = match params.form(&[&["mean", "scv"], &["probs", "rates"]])? {
                    0 => {
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.num("scv")?;
                        if !(scv.is_finite() && scv > 1.0) {
                            return Err((
                                path.key("scv"),
                                format!(
                                    "a two-phase hyperexponential needs scv > 1, not {scv} \
                                     (erlang, gamma or uniform give scv < 1)"
                                ),
                            ));
                        }
                        let p1 = (1.0 + ((scv - 1.0) / (scv + 1.0)).sqrt()) / 2.0;
                        let p2 = 1.0 - p1;
                        (vec![p1, p2], vec![2.0 * p1 / mean, 2.0 * p2 / mean])
                    }
                    _ => {
                        let probs = spec.probs.clone().unwrap_or_default();
                        let rates = spec.rates.clone().unwrap_or_default();
                        if probs.is_empty() {
                            return Err((
                                path.key("probs"),
                                "needs at least one phase probability".into(),
                            ));
                        }
                        if rates.len() != probs.len() {
                            return Err((
                                path.key("rates"),
                                format!(
                                    "has {} entries but probs has {}: give one rate per phase",
                                    rates.len(),
                                    probs.len()
                                ),
                            ));
                        }
                        for (i, &p) in probs.iter().enumerate() {
                            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                                return Err((
                                    path.key("probs").index(i),
                                    format!("must be a probability in [0, 1], not {p}"),
                                ));
                            }
                        }
                        let sum: f64 = probs.iter().sum();
                        if (sum - 1.0).abs() > 1e-9 {
                            return Err((
                                path.key("probs"),
                                format!("probs must add up to 1, not {sum}"),
                            ));
                        }
                        for (i, &r) in rates.iter().enumerate() {
                            if !(r.is_finite() && r > 0.0) {
                                return Err((
                                    path.key("rates").index(i),
                                    format!("must be a positive number, not {r}"),
                                ));
                            }
                        }
                        (probs, rates)
                    }
                };
                Self::hyperexponential(&probs, &rates).map_err(|e| (path.clone(), e))
            }
            "pareto" => {
                params.only(&["shape", "scale", "mean", "scv"])?;
                let (shape, scale) = match params.form(&[&["shape", "scale"], &["mean", "scv"]])? {
                    0 => (
                        params.positive("shape", params.num("shape")?)?,
                        params.positive("scale", params.num("scale")?)?,
                    ),
                    _ => {
                        // scv = 1/(α(α−2)) for α > 2, so α = 1 + sqrt(1 + 1/scv).
                        let mean = params.positive("mean", params.num("mean")?)?;
                        let scv = params.positive("scv", params.num("scv")?)?;
                        let shape = 1.0 + (1.0 + 1.0 / scv).sqrt();
                        (shape, mean * (shape - 1.0) / shape)
                    }
                };
                Self::pareto(shape, scale).map_err(|e| (path.clone(), e))
            }
            "empirical" => {
                params.only(&["file"])?;
                let Some(file) = spec.file.as_deref() else {
                    return Err((path.clone(), "empirical needs `file`".into()));
                };
                let samples = load_samples(file).map_err(|e| (path.key("file"), e))?;
                Self::empirical(samples.into()).map_err(|e| (path.key("file"), e))
            }
            "trace" => {
                params.only(&["file", "at_end"])?;
                let Some(file) = spec.file.as_deref() else {
                    return Err((path.clone(), "a trace needs `file` (arrival times)".into()));
                };
                let stop = match spec.at_end.as_deref() {
                    None | Some("loop") => false,
                    Some("stop") => true,
                    Some(other) => {
                        return Err((
                            path.key("at_end"),
                            format!("at_end must be \"loop\" or \"stop\", not \"{other}\""),
                        ));
                    }
                };
                let times = load_timestamps(file).map_err(|e| (path.key("file"), e))?;
                let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
                Self::trace(gaps.into(), stop).map_err(|e| (path.key("file"), e))
            }
            other => Err((
                path.key("kind"),
                format!(
                    "unknown distribution kind `{other}`{}",
                    crate::suggest::suggest(other, KINDS)
                ),
            )),
        }
    }

    fn uniform(low: f64, high: f64) -> Result<Self, String> {
        let dist = Uniform::new(low, high).map_err(|e| e.to_string())?;
        Ok(Distribution::Uniform { low, high, dist })
    }

    fn erlang(k: u32, mean: f64) -> Result<Self, String> {
        let dist = Gamma::new(f64::from(k), mean / f64::from(k)).map_err(|e| e.to_string())?;
        Ok(Distribution::Erlang { k, mean, dist })
    }

    fn gamma(shape: f64, scale: f64) -> Result<Self, String> {
        let dist = Gamma::new(shape, scale).map_err(|e| e.to_string())?;
        Ok(Distribution::Gamma { shape, scale, dist })
    }

    fn lognormal(mu: f64, sigma: f64) -> Result<Self, String> {
        let dist = LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
        Ok(Distribution::LogNormal { mu, sigma, dist })
    }

    fn weibull(shape: f64, scale: f64) -> Result<Self, String> {
        // rand_distr's order is (scale, shape).
        let dist = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Distribution::Weibull { shape, scale, dist })
    }

    fn pareto(shape: f64, scale: f64) -> Result<Self, String> {
        // rand_distr's order is (scale, shape).
        let dist = Pareto::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Distribution::Pareto { shape, scale, dist })
    }

    fn hyperexponential(probs: &[f64], rates: &[f64]) -> Result<Self, String> {
        if probs.is_empty() || probs.len() != rates.len() {
            return Err("one rate per phase, and at least one phase".into());
        }
        let mut acc = 0.0;
        let mut cumulative: Vec<f64> = probs
            .iter()
            .map(|p| {
                acc += p;
                acc
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        Ok(Distribution::Hyperexponential {
            probs: probs.into(),
            rates: rates.into(),
            cumulative: cumulative.into(),
        })
    }

    fn empirical(samples: Arc<[f64]>) -> Result<Self, String> {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        if !(mean > 0.0 && mean.is_finite()) {
            return Err(format!("the samples' mean must be positive, not {mean}"));
        }
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        Ok(Distribution::Empirical {
            samples,
            mean,
            scv: var / (mean * mean),
        })
    }

    fn trace(gaps: Arc<[f64]>, stop: bool) -> Result<Self, String> {
        let (mean, scv) = mean_scv(&gaps);
        if !(mean > 0.0 && mean.is_finite()) {
            return Err(format!(
                "the trace's mean gap must be positive, not {mean} (all arrivals at one time?)"
            ));
        }
        Ok(Distribution::Trace {
            gaps,
            wrap: mean,
            stop,
            mean,
            scv,
        })
    }

    /// Draws one value.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The commonest kind is drawn inline; the others behind one call.
        match self {
            Distribution::Exponential(exp, _) => exp.sample(rng),
            _ => self.sample_other(rng),
        }
    }

    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential(exp, _) => exp.sample(rng),
            Distribution::Deterministic(v) => *v,
            Distribution::Uniform { dist, .. } => dist.sample(rng),
            Distribution::Erlang { dist, .. } | Distribution::Gamma { dist, .. } => {
                dist.sample(rng)
            }
            Distribution::LogNormal { dist, .. } => dist.sample(rng),
            Distribution::Weibull { dist, .. } => dist.sample(rng),
            Distribution::Hyperexponential {
                rates, cumulative, ..
            } => {
                let u: f64 = rng.random();
                let last = rates.len() - 1;
                let phase = cumulative[..last]
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(last);
                let e: f64 = Exp1.sample(rng);
                e / rates[phase]
            }
            Distribution::Pareto { dist, .. } => dist.sample(rng),
            Distribution::Empirical { samples, .. } => samples[rng.random_range(..samples.len())],
            Distribution::Trace { gaps, .. } => gaps[rng.random_range(..gaps.len())],
        }
    }

    /// The mean (`f64::INFINITY` for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Exponential(_, rate) => 1.0 / rate,
            Distribution::Deterministic(v) => *v,
            Distribution::Uniform { low, high, .. } => (low + high) / 2.0,
            Distribution::Erlang { mean, .. } => *mean,
            Distribution::Gamma { shape, scale, .. } => shape * scale,
            Distribution::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Weibull { shape, scale, .. } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
            Distribution::Hyperexponential { probs, rates, .. } => {
                probs.iter().zip(rates.iter()).map(|(p, r)| p / r).sum()
            }
            Distribution::Pareto { shape, scale, .. } => {
                if *shape > 1.0 {
                    shape * scale / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
            Distribution::Empirical { mean, .. } | Distribution::Trace { mean, .. } => *mean,
        }
    }

    /// The squared coefficient of variation, Var/mean² (`f64::INFINITY` for a Pareto with
    /// shape ≤ 2, whose variance does not exist).
    pub fn scv(&self) -> f64 {
        match self {
            Distribution::Exponential(..) => 1.0,
            Distribution::Deterministic(_) => 0.0,
            Distribution::Uniform { low, high, .. } => {
                let m = (low + high) / 2.0;
                (high - low).powi(2) / 12.0 / (m * m)
            }
            Distribution::Erlang { k, .. } => 1.0 / f64::from(*k),
            Distribution::Gamma { shape, .. } => 1.0 / shape,
            Distribution::LogNormal { sigma, .. } => (sigma * sigma).exp_m1(),
            Distribution::Weibull { shape, .. } => weibull_log_second_moment_ratio(*shape).exp_m1(),
            Distribution::Hyperexponential { probs, rates, .. } => {
                let m = self.mean();
                let m2: f64 = probs
                    .iter()
                    .zip(rates.iter())
                    .map(|(p, r)| 2.0 * p / (r * r))
                    .sum();
                m2 / (m * m) - 1.0
            }
            Distribution::Pareto { shape, .. } => {
                if *shape > 2.0 {
                    1.0 / (shape * (shape - 2.0))
                } else {
                    f64::INFINITY
                }
            }
            Distribution::Empirical { scv, .. } | Distribution::Trace { scv, .. } => *scv,
        }
    }

    /// What the queueing models need to know of this distribution.
    pub fn to_variate_spec(&self) -> VariateSpec {
        let shape = match self {
            Distribution::Exponential(..) => Shape::Exponential,
            Distribution::Deterministic(_) => Shape::Deterministic,
            Distribution::Erlang { k: 1, .. } => Shape::Exponential,
            Distribution::Erlang { k, .. } => Shape::Erlang { k: *k },
            Distribution::Gamma { shape, .. } if *shape == 1.0 => Shape::Exponential,
            Distribution::Gamma { shape, .. } => Shape::Gamma { shape: *shape },
            Distribution::Uniform { low, high, .. } => Shape::Uniform {
                low: *low,
                high: *high,
            },
            Distribution::Hyperexponential { probs, rates, .. } => {
                Shape::hyperexponential(probs, rates)
            }
            _ => Shape::General,
        };
        VariateSpec {
            mean: self.mean(),
            scv: self.scv(),
            shape,
        }
    }

    /// The same distribution with every value multiplied by `factor` (> 0).
    ///
    /// # Panics
    /// If `factor` is not a positive finite number (or the scaled parameters overflow).
    pub fn scaled(&self, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor > 0.0,
            "scale factor must be positive, not {factor}"
        );
        let scaled = match self {
            Distribution::Exponential(_, rate) => {
                let rate = rate / factor;
                Ok(Distribution::Exponential(
                    Exp::new(rate).expect("positive rate"),
                    rate,
                ))
            }
            Distribution::Deterministic(v) => Ok(Distribution::Deterministic(v * factor)),
            Distribution::Uniform { low, high, .. } => Self::uniform(low * factor, high * factor),
            Distribution::Erlang { k, mean, .. } => Self::erlang(*k, mean * factor),
            Distribution::Gamma { shape, scale, .. } => Self::gamma(*shape, scale * factor),
            Distribution::LogNormal { mu, sigma, .. } => Self::lognormal(mu + factor.ln(), *sigma),
            Distribution::Weibull { shape, scale, .. } => Self::weibull(*shape, scale * factor),
            Distribution::Hyperexponential { probs, rates, .. } => {
                let rates: Vec<f64> = rates.iter().map(|r| r / factor).collect();
                Self::hyperexponential(probs, &rates)
            }
            Distribution::Pareto { shape, scale, .. } => Self::pareto(*shape, scale * factor),
            Distribution::Empirical { samples, .. } => {
                Self::empirical(samples.iter().map(|x| x * factor).collect())
            }
            Distribution::Trace { gaps, stop, .. } => {
                Self::trace(gaps.iter().map(|x| x * factor).collect(), *stop)
            }
        };
        scaled.expect("scaling a valid distribution by a positive factor")
    }
}

/// ln(E[X²]/E[X]²) = ln Γ(1+2/k) − 2 ln Γ(1+1/k) for a Weibull of shape k; 1 + scv = its exp.
fn weibull_log_second_moment_ratio(shape: f64) -> f64 {
    ln_gamma(1.0 + 2.0 / shape) - 2.0 * ln_gamma(1.0 + 1.0 / shape)
}

/// The Weibull shape with the given SCV, by bisection on ln(shape) (the SCV falls as the
/// shape grows).
fn weibull_shape_for_scv(scv: f64) -> Result<f64, String> {
    const LO: f64 = 0.02;
    const HI: f64 = 1e4;
    let target = scv.ln_1p();
    let f = |ln_k: f64| weibull_log_second_moment_ratio(ln_k.exp()) - target;
    let (mut a, mut b) = (LO.ln(), HI.ln());
    if !(f(a) >= 0.0 && f(b) <= 0.0) {
        return Err(format!(
            "a weibull's scv must be between {:.3e} and {:.3e} (shape between {LO} and {HI}), \
             not {scv}",
            weibull_log_second_moment_ratio(HI).exp_m1(),
            weibull_log_second_moment_ratio(LO).exp_m1(),
        ));
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if f(m) > 0.0 {
            a = m;
        } else {
            b = m;
        }
        if b - a < 1e-15 {
            break;
        }
    }
    Ok((0.5 * (a + b)).exp())
}

/// Reads a column of samples: one number per line, `#` starts a comment, blank lines are
/// skipped. Errors name the file and the 1-based line.
fn load_samples(file: &str) -> Result<Vec<f64>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let x: f64 = content.parse().map_err(|_| {
            format!(
                "{file} line {}: `{content}` is not a number (one sample per line)",
                i + 1
            )
        })?;
        if !(x.is_finite() && x >= 0.0) {
            return Err(format!(
                "{file} line {}: a sample must be a non-negative number, not {x}",
                i + 1
            ));
        }
        samples.push(x);
    }
    if samples.is_empty() {
        return Err(format!("{file} has no samples"));
    }
    Ok(samples)
}

/// Population mean and SCV (variance / mean²) of `xs`.
fn mean_scv(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var / (mean * mean))
}

/// Reads a column of arrival times (same format as [`load_samples`], any sign), which must
/// be sorted; at least two.
fn load_timestamps(file: &str) -> Result<Vec<f64>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut times: Vec<f64> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let t: f64 = content.parse().map_err(|_| {
            format!(
                "{file} line {}: `{content}` is not a number (one arrival time per line)",
                i + 1
            )
        })?;
        if !t.is_finite() {
            return Err(format!("{file} line {}: {t} is not a finite time", i + 1));
        }
        if let Some(&last) = times.last()
            && t < last
        {
            return Err(format!(
                "{file} line {}: arrival times must be sorted, and {t} comes after {last}",
                i + 1
            ));
        }
        times.push(t);
    }
    if times.len() < 2 {
        return Err(format!(
            "{file} has {} arrival time(s): a trace needs at least two",
            times.len()
        ));
    }
    Ok(times)
}

/// The arrivals of one producer in one replication: a renewal process drawing each gap from
/// its distribution, or the replay of a trace with its cursor.
///
/// The replication keeps one per producer; it draws from the producer's own stream exactly
/// as [`Distribution::sample`] does for every kind but `trace` (which draws nothing), so
/// results stay deterministic per (seed, replication).
#[derive(Debug, Clone)]
pub struct ArrivalProcess {
    dist: Distribution,
    /// Gaps returned so far.
    cursor: usize,
}

impl ArrivalProcess {
    /// The arrivals of a producer whose inter-arrival times follow `dist`.
    pub fn new(dist: &Distribution) -> Self {
        ArrivalProcess {
            dist: dist.clone(),
            cursor: 0,
        }
    }

    /// Time from the previous arrival (or from 0, for the first) to the next one; None when
    /// the producer publishes no more (a trace with `at_end = "stop"` that has run out).
    #[inline]
    pub fn next_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<f64> {
        let Distribution::Trace {
            gaps, wrap, stop, ..
        } = &self.dist
        else {
            return Some(self.dist.sample(rng));
        };
        let k = self.cursor;
        self.cursor += 1;
        if k == 0 {
            return Some(0.0);
        }
        let k = k - 1;
        if *stop {
            return gaps.get(k).copied();
        }
        let i = k % (gaps.len() + 1);
        Some(gaps.get(i).copied().unwrap_or(*wrap))
    }
}

/// Parameter checks for one [`DistSpec`].
struct Params<'a> {
    spec: &'a DistSpec,
    path: &'a KeyPath,
}

impl Params<'_> {
    fn is_set(&self, name: &str) -> bool {
        let s = self.spec;
        match name {
            "probs" => s.probs.is_some(),
            "rates" => s.rates.is_some(),
            "file" => s.file.is_some(),
            "at_end" => s.at_end.is_some(),
            _ => self.get(name).is_some(),
        }
    }

    fn get(&self, name: &str) -> Option<f64> {
        let s = self.spec;
        match name {
            "rate" => s.rate,
            "mean" => s.mean,
            "scv" => s.scv,
            "value" => s.value,
            "low" => s.low,
            "high" => s.high,
            "k" => s.k,
            "shape" => s.shape,
            "scale" => s.scale,
            "mu" => s.mu,
            "sigma" => s.sigma,
            _ => None,
        }
    }

    /// The numeric parameter `name`, which must be set.
    fn num(&self, name: &str) -> Result<f64, Invalid> {
        self.get(name).ok_or_else(|| {
            (
                self.path.clone(),
                format!("{} distribution needs `{name}`", self.a_kind()),
            )
        })
    }

    /// Errors on any parameter that is set but not in `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), Invalid> {
        match PARAMS
            .iter()
            .find(|name| self.is_set(name) && !allowed.contains(name))
        {
            Some(name) => Err((
                self.path.key(name),
                format!(
                    "`{name}` does not apply to {} distribution (it takes {})",
                    self.a_kind(),
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    /// Which of the parameter sets `forms` the spec gives exactly; an error naming a
    /// parameter that does not fit, or the table if one is missing.
    fn form(&self, forms: &[&[&str]]) -> Result<usize, Invalid> {
        let set: Vec<&str> = PARAMS.iter().copied().filter(|n| self.is_set(n)).collect();
        if let Some(i) = forms
            .iter()
            .position(|f| f.len() == set.len() && f.iter().all(|n| set.contains(n)))
        {
            return Ok(i);
        }
        let described = forms
            .iter()
            .map(|f| {
                f.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join(", or ");
        let kind = self.a_kind();
        // The form that shares the most parameters with what was given.
        let best = forms
            .iter()
            .rev()
            .max_by_key(|f| f.iter().filter(|n| set.contains(n)).count())
            .copied()
            .unwrap_or(&[]);
        if let Some(extra) = set.iter().find(|n| !best.contains(n)) {
            Err((
                self.path.key(extra),
                format!(
                    "`{extra}` does not go with the other parameters: {kind} takes {described}"
                ),
            ))
        } else {
            let missing: Vec<String> = best
                .iter()
                .filter(|n| !set.contains(n))
                .map(|n| format!("`{n}`"))
                .collect();
            Err((
                self.path.clone(),
                format!(
                    "{kind} needs {described} ({} missing)",
                    missing.join(" and ")
                ),
            ))
        }
    }

    /// "an exponential", "a gamma": the kind with its article, for messages.
    fn a_kind(&self) -> String {
        let kind = &self.spec.kind;
        let vowel = kind.starts_with(['a', 'e', 'i', 'o']); // not 'u': "a uniform"
        format!("{} {kind}", if vowel { "an" } else { "a" })
    }

    /// For a family whose SCV is fixed (exponential 1, deterministic 0): a given `scv` must
    /// be that value.
    fn pinned_scv(&self, scv: f64) -> Result<(), Invalid> {
        match self.spec.scv {
            Some(given) if given != scv => Err((
                self.path.key("scv"),
                format!("{} has scv = {scv}, not {given}", self.a_kind()),
            )),
            _ => Ok(()),
        }
    }

    fn positive(&self, name: &str, v: f64) -> Result<f64, Invalid> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err((
                self.path.key(name),
                format!("must be a positive number, not {v}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;

    fn spec(kind: &str) -> DistSpec {
        DistSpec {
            kind: kind.into(),
            ..DistSpec::default()
        }
    }

    fn build(s: DistSpec) -> Distribution {
        Distribution::from_spec(&s, &KeyPath::default()).unwrap()
    }

    /// The error for `s` at `service`: (key path, message).
    fn err(s: DistSpec) -> (String, String) {
        let (p, m) = Distribution::from_spec(&s, &KeyPath::default().key("service")).unwrap_err();
        (p.to_string(), m)
    }

    fn assert_err(s: DistSpec, path: &str, needle: &str) {
        let (p, m) = err(s);
        assert_eq!(p, path, "{m}");
        assert!(m.contains(needle), "`{m}` lacks `{needle}`");
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Sample mean and variance against the analytic ones; the tolerance is 5 standard errors
    /// of each estimator (the variance estimator's standard error uses the 4th moment).
    fn check_moments(d: &Distribution, mean: f64, var: f64, fourth_central: f64) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 400_000;
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se_mean = (var / n as f64).sqrt();
        let se_var = ((fourth_central - var * var) / n as f64).sqrt();
        assert!(
            (m - mean).abs() <= 5.0 * se_mean + 1e-12,
            "mean {m} vs {mean}"
        );
        assert!((v - var).abs() <= 5.0 * se_var + 1e-12, "var {v} vs {var}");
    }

    /// [`check_moments`] from the first four raw moments E[X], E[X²], E[X³], E[X⁴].
    fn check_raw(d: &Distribution, [m1, m2, m3, m4]: [f64; 4]) {
        let var = m2 - m1 * m1;
        let mu4 = m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1.powi(4);
        check_moments(d, m1, var, mu4);
    }

    fn gamma_fn(x: f64) -> f64 {
        ln_gamma(x).exp()
    }

    /// The first four raw moments of `d`, analytically from its stored parameters (the
    /// per-kind tests check those parameters against the spec separately).
    fn raw_moments(d: &Distribution) -> [f64; 4] {
        let by = |f: &dyn Fn(i32) -> f64| [f(1), f(2), f(3), f(4)];
        match d {
            Distribution::Exponential(_, rate) => {
                by(&|n| gamma_fn(f64::from(n) + 1.0) / rate.powi(n))
            }
            Distribution::Deterministic(v) => by(&|n| v.powi(n)),
            Distribution::Uniform { low, high, .. } => {
                by(&|n| (high.powi(n + 1) - low.powi(n + 1)) / (f64::from(n + 1) * (high - low)))
            }
            Distribution::Erlang { k, mean, .. } => {
                let (k, theta) = (f64::from(*k), mean / f64::from(*k));
                by(&|n| theta.powi(n) * (0..n).map(|i| k + f64::from(i)).product::<f64>())
            }
            Distribution::Gamma { shape, scale, .. } => {
                by(&|n| scale.powi(n) * (0..n).map(|i| shape + f64::from(i)).product::<f64>())
            }
            Distribution::LogNormal { mu, sigma, .. } => by(&|n| {
                let n = f64::from(n);
                (n * mu + n * n * sigma * sigma / 2.0).exp()
            }),
            Distribution::Weibull { shape, scale, .. } => {
                by(&|n| scale.powi(n) * gamma_fn(1.0 + f64::from(n) / shape))
            }
            Distribution::Hyperexponential { probs, rates, .. } => by(&|n| {
                probs
                    .iter()
                    .zip(rates.iter())
                    .map(|(p, r)| p * gamma_fn(f64::from(n) + 1.0) / r.powi(n))
                    .sum()
            }),
            Distribution::Pareto { shape, scale, .. } => {
                assert!(*shape > 4.0, "4th moment needs shape > 4");
                by(&|n| shape * scale.powi(n) / (shape - f64::from(n)))
            }
            Distribution::Empirical { samples, .. } => {
                by(&|n| samples.iter().map(|x| x.powi(n)).sum::<f64>() / samples.len() as f64)
            }
            Distribution::Trace { gaps, .. } => {
                by(&|n| gaps.iter().map(|x| x.powi(n)).sum::<f64>() / gaps.len() as f64)
            }
        }
    }

    #[test]
    fn exponential_by_rate_or_mean() {
        let by_rate = build(DistSpec {
            rate: Some(2.0),
            ..spec("exponential")
        });
        let by_mean = build(DistSpec {
            mean: Some(0.5),
            ..spec("exponential")
        });
        assert_eq!(by_rate, by_mean);
        assert_eq!((by_rate.mean(), by_rate.scv()), (0.5, 1.0));
        // Exp(2): variance 1/4, fourth central moment 9/λ⁴.
        check_moments(&by_rate, 0.5, 0.25, 9.0 / 16.0);
    }

    #[test]
    fn deterministic_is_constant() {
        let d = build(DistSpec {
            value: Some(0.7),
            ..spec("deterministic")
        });
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        assert!((0..100).all(|_| d.sample(&mut rng) == 0.7));
        assert_eq!((d.mean(), d.scv()), (0.7, 0.0));
    }

    #[test]
    fn uniform_low_high() {
        let d = build(DistSpec {
            low: Some(1.0),
            high: Some(3.0),
            ..spec("uniform")
        });
        assert_eq!(d.mean(), 2.0);
        assert!(close(d.scv(), (4.0 / 12.0) / 4.0, 1e-12));
        // Central moments of U(1, 3): var = w²/12, μ4 = w⁴/80 with w = 2.
        check_moments(&d, 2.0, 4.0 / 12.0, 16.0 / 80.0);
    }

    #[test]
    fn erlang_k_mean() {
        let d = build(DistSpec {
            k: Some(3.0),
            mean: Some(1.5),
            ..spec("erlang")
        });
        assert_eq!((d.mean(), d.scv()), (1.5, 1.0 / 3.0));
        // Gamma(k, θ): var = kθ², μ4 = 3k(k+2)θ⁴; θ = 0.5.
        let (k, t) = (3.0_f64, 0.5_f64);
        check_moments(&d, 1.5, k * t * t, 3.0 * k * (k + 2.0) * t.powi(4));
    }

    #[test]
    fn gamma_shape_scale() {
        let d = build(DistSpec {
            shape: Some(0.5),
            scale: Some(3.0),
            ..spec("gamma")
        });
        assert_eq!((d.mean(), d.scv()), (1.5, 2.0));
        let (k, t) = (0.5_f64, 3.0_f64);
        check_moments(&d, 1.5, k * t * t, 3.0 * k * (k + 2.0) * t.powi(4));
    }

    #[test]
    fn lognormal_mu_sigma() {
        let (mu, sigma) = (0.2_f64, 0.5_f64);
        let d = build(DistSpec {
            mu: Some(mu),
            sigma: Some(sigma),
            ..spec("lognormal")
        });
        assert!(close(d.mean(), (mu + sigma * sigma / 2.0).exp(), 1e-12));
        assert!(close(d.scv(), (sigma * sigma).exp() - 1.0, 1e-12));
        let raw = |n: f64| (n * mu + n * n * sigma * sigma / 2.0).exp();
        check_raw(&d, [raw(1.0), raw(2.0), raw(3.0), raw(4.0)]);
    }

    /// Raw moments λⁿ Γ(1 + n/k) of a Weibull with shape k and scale λ.
    fn weibull_raw(k: f64, l: f64) -> [f64; 4] {
        [1.0, 2.0, 3.0, 4.0].map(|n| l.powf(n) * gamma_fn(1.0 + n / k))
    }

    #[test]
    fn weibull_shape_scale() {
        let d = build(DistSpec {
            shape: Some(1.5),
            scale: Some(2.0),
            ..spec("weibull")
        });
        let [m1, m2, ..] = weibull_raw(1.5, 2.0);
        assert!(close(d.mean(), m1, 1e-12));
        assert!(close(d.scv(), m2 / (m1 * m1) - 1.0, 1e-10));
        check_raw(&d, weibull_raw(1.5, 2.0));
    }

    /// The moment check has power: a Weibull sampled with shape and scale swapped (the
    /// rand_distr argument-order trap) fails it.
    #[test]
    fn moment_check_catches_swapped_weibull_parameters() {
        let swapped = Distribution::Weibull {
            shape: 1.5,
            scale: 2.0,
            dist: Weibull::new(1.5, 2.0).unwrap(),
        };
        let caught = std::panic::catch_unwind(|| check_raw(&swapped, weibull_raw(1.5, 2.0)));
        assert!(caught.is_err());
    }

    #[test]
    fn hyperexponential_probs_rates() {
        let (p, r) = ([0.2, 0.5, 0.3], [0.5, 2.0, 4.0]);
        let d = build(DistSpec {
            probs: Some(p.to_vec()),
            rates: Some(r.to_vec()),
            ..spec("hyperexponential")
        });
        let raw = |n: i32| -> f64 {
            let fact = (1..=n).product::<i32>() as f64;
            p.iter().zip(r).map(|(p, r)| p * fact / r.powi(n)).sum()
        };
        assert!(close(d.mean(), raw(1), 1e-12));
        assert!(close(d.scv(), raw(2) / raw(1).powi(2) - 1.0, 1e-12));
        check_raw(&d, [raw(1), raw(2), raw(3), raw(4)]);
    }

    #[test]
    fn pareto_shape_scale() {
        let (a, xm) = (6.0_f64, 2.0_f64);
        let d = build(DistSpec {
            shape: Some(a),
            scale: Some(xm),
            ..spec("pareto")
        });
        assert!(close(d.mean(), a * xm / (a - 1.0), 1e-12));
        assert!(close(d.scv(), 1.0 / (a * (a - 2.0)), 1e-12));
        let raw = |n: f64| a * xm.powf(n) / (a - n);
        check_raw(&d, [raw(1.0), raw(2.0), raw(3.0), raw(4.0)]);
    }

    #[test]
    fn pareto_reports_infinite_moments() {
        let d = build(DistSpec {
            shape: Some(1.5),
            scale: Some(1.0),
            ..spec("pareto")
        });
        assert_eq!((d.mean(), d.scv()), (3.0, f64::INFINITY));
        let d = build(DistSpec {
            shape: Some(0.8),
            scale: Some(1.0),
            ..spec("pareto")
        });
        assert_eq!((d.mean(), d.scv()), (f64::INFINITY, f64::INFINITY));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        assert!((0..1000).all(|_| d.sample(&mut rng) >= 1.0));
    }

    /// A file in the temp directory that is removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, text: &str) -> Self {
            let path = std::env::temp_dir()
                .join(format!("kendall-dist-{}-{name}.txt", std::process::id()));
            std::fs::write(&path, text).unwrap();
            TempFile(path)
        }
        fn spec(&self) -> DistSpec {
            DistSpec {
                file: Some(self.0.to_str().unwrap().into()),
                ..spec("empirical")
            }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn empirical_resamples_the_file() {
        let f = TempFile::new("good", "# service times\n1\n2.0   # a comment\n\n3\n4e0\n");
        let d = build(f.spec());
        assert_eq!(d.mean(), 2.5);
        // Population variance of {1,2,3,4} is 1.25.
        assert!(close(d.scv(), 1.25 / 6.25, 1e-12));
        let raw = |n: i32| {
            [1.0_f64, 2.0, 3.0, 4.0]
                .iter()
                .map(|x| x.powi(n))
                .sum::<f64>()
                / 4.0
        };
        check_raw(&d, [raw(1), raw(2), raw(3), raw(4)]);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        assert!((0..1000).all(|_| [1.0, 2.0, 3.0, 4.0].contains(&d.sample(&mut rng))));
    }

    #[test]
    fn empirical_errors_name_the_line() {
        let f = TempFile::new("bad", "1\n# fine\n2\nabc\n");
        assert_err(f.spec(), "service.file", "line 4: `abc` is not a number");
        let f = TempFile::new("negative", "1\n-2\n");
        assert_err(
            f.spec(),
            "service.file",
            "line 2: a sample must be a non-negative",
        );
        let f = TempFile::new("empty", "# nothing\n\n");
        assert_err(f.spec(), "service.file", "has no samples");
        assert_err(
            DistSpec {
                file: Some("/nonexistent/kendall/samples.txt".into()),
                ..spec("empirical")
            },
            "service.file",
            "cannot read",
        );
        assert_err(spec("empirical"), "service", "needs `file`");
    }

    #[test]
    fn trace_replays_gaps_in_order() {
        let f = TempFile::new("trace", "# arrival times\n10\n11\n13\n\n16\n");
        let spec = DistSpec {
            kind: "trace".into(),
            ..f.spec()
        };
        let d = build(spec.clone());
        // Gaps 1, 2, 3: mean 2, population variance 2/3.
        assert_eq!(d.mean(), 2.0);
        assert!(close(d.scv(), (2.0 / 3.0) / 4.0, 1e-12));
        assert_eq!(d.to_variate_spec().shape, Shape::General);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut looped = ArrivalProcess::new(&d);
        let got: Vec<f64> = (0..10)
            .map(|_| looped.next_gap(&mut rng).unwrap())
            .collect();
        // First at 0, the gaps, the wrap gap (the mean), the gaps again.
        assert_eq!(got, [0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
        let stop = build(DistSpec {
            at_end: Some("stop".into()),
            ..spec
        });
        let mut stopping = ArrivalProcess::new(&stop);
        let got: Vec<Option<f64>> = (0..6).map(|_| stopping.next_gap(&mut rng)).collect();
        assert_eq!(
            got,
            [Some(0.0), Some(1.0), Some(2.0), Some(3.0), None, None]
        );
        let scaled = d.scaled(2.0);
        assert_eq!(scaled.mean(), 4.0);
        let mut p = ArrivalProcess::new(&scaled);
        let got: Vec<f64> = (0..3).map(|_| p.next_gap(&mut rng).unwrap()).collect();
        assert_eq!(got, [0.0, 2.0, 4.0]);
    }

    #[test]
    fn renewal_processes_draw_like_sample() {
        let d = build(DistSpec {
            mean: Some(2.0),
            scv: Some(3.0),
            ..spec("hyperexponential")
        });
        let (mut a, mut b) = (
            Xoshiro256PlusPlus::seed_from_u64(9),
            Xoshiro256PlusPlus::seed_from_u64(9),
        );
        let mut p = ArrivalProcess::new(&d);
        for _ in 0..100 {
            assert_eq!(p.next_gap(&mut a), Some(d.sample(&mut b)));
        }
    }

    #[test]
    fn trace_errors_name_the_line() {
        let t = |name: &str, text: &str| {
            let f = TempFile::new(name, text);
            let s = DistSpec {
                kind: "trace".into(),
                ..f.spec()
            };
            (f, s)
        };
        let (_f, s) = t("unsorted", "1\n2\n1.5\n");
        assert_err(s, "service.file", "line 3: arrival times must be sorted");
        let (_f, s) = t("nan", "1\nx\n");
        assert_err(s, "service.file", "line 2: `x` is not a number");
        let (_f, s) = t("one", "1\n");
        assert_err(s, "service.file", "at least two");
        let (_f, s) = t("same", "1\n1\n");
        assert_err(s, "service.file", "mean gap must be positive");
        let (_f, s) = t("atend", "1\n2\n");
        assert_err(
            DistSpec {
                at_end: Some("repeat".into()),
                ..s
            },
            "service.at_end",
            "\"loop\" or \"stop\"",
        );
    }

    #[test]
    fn relative_files_resolve_against_a_directory() {
        let mut s = DistSpec {
            file: Some("data/x.txt".into()),
            ..spec("empirical")
        };
        s.resolve_file(std::path::Path::new("scenarios"));
        assert_eq!(
            s.file.as_deref(),
            Some(
                std::path::Path::new("scenarios")
                    .join("data/x.txt")
                    .to_str()
                    .unwrap()
            )
        );
        let mut abs = DistSpec {
            file: Some("/abs/x.txt".into()),
            ..spec("empirical")
        };
        abs.resolve_file(std::path::Path::new("scenarios"));
        assert_eq!(abs.file.as_deref(), Some("/abs/x.txt"));
    }

    /// `mean` + `scv` gives the asked mean and SCV, analytically and by sampling.
    #[test]
    fn mean_scv_forms_hit_their_targets() {
        let cases: &[(&str, f64)] = &[
            ("exponential", 1.0),
            ("deterministic", 0.0),
            ("uniform", 0.2),
            ("uniform", 1.0 / 3.0),
            ("erlang", 0.25),
            ("gamma", 0.3),
            ("gamma", 4.0),
            ("lognormal", 0.5),
            ("lognormal", 2.0),
            ("weibull", 0.1),
            ("weibull", 1.0),
            ("weibull", 3.0),
            ("hyperexponential", 2.0),
            ("hyperexponential", 5.0),
            ("pareto", 0.1),
        ];
        for &(kind, scv) in cases {
            let d = build(DistSpec {
                mean: Some(2.0),
                scv: Some(scv),
                ..spec(kind)
            });
            assert!(close(d.mean(), 2.0, 1e-9), "{kind}: mean {}", d.mean());
            assert!(
                (d.scv() - scv).abs() <= 1e-9 * scv.max(1.0),
                "{kind}: scv {} vs {scv}",
                d.scv()
            );
            let raw = raw_moments(&d);
            assert!(close(raw[0], 2.0, 1e-9), "{kind}");
            assert!(close(raw[1], 4.0 * (1.0 + scv), 1e-9), "{kind}");
            if scv > 0.0 {
                check_raw(&d, raw);
            }
        }
    }

    #[test]
    fn weibull_mean_scv_of_one_is_exponential() {
        let d = build(DistSpec {
            mean: Some(2.0),
            scv: Some(1.0),
            ..spec("weibull")
        });
        let Distribution::Weibull { shape, scale, .. } = d else {
            panic!("{d:?}")
        };
        assert!(close(shape, 1.0, 1e-9) && close(scale, 2.0, 1e-9));
    }

    #[test]
    fn other_forms_agree() {
        // erlang by k and by scv = 1/k are the same distribution.
        let by_k = build(DistSpec {
            k: Some(4.0),
            mean: Some(2.0),
            ..spec("erlang")
        });
        let by_scv = build(DistSpec {
            scv: Some(0.25),
            mean: Some(2.0),
            ..spec("erlang")
        });
        assert_eq!(by_k, by_scv);
        // A one-phase hyperexponential is an exponential.
        let h = build(DistSpec {
            probs: Some(vec![1.0]),
            rates: Some(vec![0.5]),
            ..spec("hyperexponential")
        });
        assert_eq!((h.mean(), h.scv()), (2.0, 1.0));
    }

    #[test]
    fn scaling_keeps_the_family() {
        let d = build(DistSpec {
            rate: Some(2.0),
            ..spec("exponential")
        });
        assert_eq!(d.scaled(3.0).mean(), 1.5);
        for (kind, scv) in [
            ("uniform", 0.2),
            ("erlang", 0.5),
            ("gamma", 2.0),
            ("lognormal", 1.5),
            ("weibull", 0.7),
            ("hyperexponential", 3.0),
            ("pareto", 0.4),
        ] {
            let d = build(DistSpec {
                mean: Some(2.0),
                scv: Some(scv),
                ..spec(kind)
            });
            let s = d.scaled(3.0);
            assert!(close(s.mean(), 6.0, 1e-9), "{kind}: {}", s.mean());
            assert!(close(s.scv(), scv, 1e-9), "{kind}: {}", s.scv());
            assert_eq!(
                std::mem::discriminant(&s),
                std::mem::discriminant(&d),
                "{kind}"
            );
        }
        let f = TempFile::new("scaled", "1\n3\n");
        let e = build(f.spec()).scaled(2.0);
        assert_eq!((e.mean(), e.scv()), (4.0, 0.25));
    }

    #[test]
    fn variate_spec_shapes() {
        let g = build(DistSpec {
            mean: Some(2.0),
            scv: Some(0.5),
            ..spec("gamma")
        });
        let v = g.to_variate_spec();
        assert_eq!(v.shape, Shape::Gamma { shape: 2.0 });
        assert!(close(v.mean, 2.0, 1e-12) && close(v.scv, 0.5, 1e-12));
        let e = build(DistSpec {
            k: Some(3.0),
            mean: Some(1.5),
            ..spec("erlang")
        });
        assert_eq!(e.to_variate_spec().shape, Shape::Erlang { k: 3 });
        let l = build(DistSpec {
            mean: Some(2.0),
            scv: Some(0.5),
            ..spec("lognormal")
        });
        assert_eq!(l.to_variate_spec().shape, Shape::General);
    }

    #[test]
    fn bad_parameters_are_named() {
        let (p, m) = err(DistSpec {
            rate: Some(-1.0),
            ..spec("exponential")
        });
        assert_eq!(p, "service.rate");
        assert!(m.contains("positive"), "{m}");
        let (p, _) = err(DistSpec {
            value: Some(1.0),
            ..spec("exponential")
        });
        assert_eq!(p, "service.value");
        let (p, m) = err(spec("exponentail"));
        assert_eq!(p, "service.kind");
        assert!(m.contains("did you mean `exponential`"), "{m}");
        let (p, _) = err(spec("deterministic"));
        assert_eq!(p, "service");
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(0.5),
                ..spec("exponential")
            },
            "service.scv",
            "scv = 1",
        );
        assert_err(
            DistSpec {
                value: Some(1.0),
                scv: Some(0.5),
                ..spec("deterministic")
            },
            "service.scv",
            "scv = 0",
        );
        let (_, m) = err(spec("weibul"));
        assert!(m.contains("did you mean `weibull`"), "{m}");
    }

    #[test]
    fn bad_uniform() {
        let u = |low: f64, high: f64| DistSpec {
            low: Some(low),
            high: Some(high),
            ..spec("uniform")
        };
        assert_err(u(2.0, 1.0), "service.high", "greater than low = 2");
        assert_err(u(-1.0, 1.0), "service.low", "non-negative");
        assert_err(u(1.0, f64::INFINITY), "service.high", "positive number");
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(0.5),
                ..spec("uniform")
            },
            "service.scv",
            "scv ≤ 1/3",
        );
        assert_err(
            DistSpec {
                low: Some(1.0),
                ..spec("uniform")
            },
            "service",
            "`high` missing",
        );
        assert_err(
            DistSpec {
                low: Some(1.0),
                high: Some(2.0),
                mean: Some(1.5),
                ..spec("uniform")
            },
            "service.mean",
            "does not go with",
        );
        assert_err(
            DistSpec {
                rate: Some(1.0),
                ..spec("uniform")
            },
            "service.rate",
            "does not apply to a uniform",
        );
    }

    #[test]
    fn bad_erlang() {
        assert_err(
            DistSpec {
                k: Some(2.5),
                mean: Some(1.0),
                ..spec("erlang")
            },
            "service.k",
            "k must be a positive integer, not 2.5",
        );
        assert_err(
            DistSpec {
                k: Some(0.0),
                mean: Some(1.0),
                ..spec("erlang")
            },
            "service.k",
            "positive integer",
        );
        assert_err(
            DistSpec {
                scv: Some(0.3),
                mean: Some(1.0),
                ..spec("erlang")
            },
            "service.scv",
            "scv = 1/k",
        );
        assert_err(
            DistSpec {
                k: Some(2.0),
                mean: Some(0.0),
                ..spec("erlang")
            },
            "service.mean",
            "must be a positive number, not 0",
        );
        assert_err(
            DistSpec {
                shape: Some(2.0),
                ..spec("erlang")
            },
            "service.shape",
            "does not apply to an erlang",
        );
    }

    #[test]
    fn bad_gamma() {
        assert_err(
            DistSpec {
                shape: Some(-2.0),
                scale: Some(1.0),
                ..spec("gamma")
            },
            "service.shape",
            "must be a positive number, not -2",
        );
        assert_err(
            DistSpec {
                shape: Some(2.0),
                scale: Some(f64::NAN),
                ..spec("gamma")
            },
            "service.scale",
            "positive number",
        );
        assert_err(
            DistSpec {
                shape: Some(2.0),
                scv: Some(1.0),
                ..spec("gamma")
            },
            "service.scv",
            "a gamma takes `shape` + `scale`, or `mean` + `scv`",
        );
        assert_err(spec("gamma"), "service", "a gamma needs");
    }

    #[test]
    fn bad_lognormal() {
        assert_err(
            DistSpec {
                mu: Some(0.0),
                sigma: Some(0.0),
                ..spec("lognormal")
            },
            "service.sigma",
            "positive number",
        );
        assert_err(
            DistSpec {
                mu: Some(f64::INFINITY),
                sigma: Some(1.0),
                ..spec("lognormal")
            },
            "service.mu",
            "must be a number",
        );
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(-1.0),
                ..spec("lognormal")
            },
            "service.scv",
            "positive number",
        );
    }

    #[test]
    fn bad_weibull() {
        assert_err(
            DistSpec {
                shape: Some(0.0),
                scale: Some(1.0),
                ..spec("weibull")
            },
            "service.shape",
            "positive number",
        );
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(1e40),
                ..spec("weibull")
            },
            "service.scv",
            "a weibull's scv must be between",
        );
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(1e-12),
                ..spec("weibull")
            },
            "service.scv",
            "a weibull's scv must be between",
        );
    }

    #[test]
    fn bad_hyperexponential() {
        let h = |p: &[f64], r: &[f64]| DistSpec {
            probs: Some(p.to_vec()),
            rates: Some(r.to_vec()),
            ..spec("hyperexponential")
        };
        assert_err(
            h(&[0.5, 0.4], &[1.0, 2.0]),
            "service.probs",
            "probs must add up to 1, not 0.9",
        );
        assert_err(
            h(&[0.5, 0.5], &[1.0]),
            "service.rates",
            "has 1 entries but probs has 2",
        );
        assert_err(
            h(&[1.5, -0.5], &[1.0, 2.0]),
            "service.probs[0]",
            "probability in [0, 1]",
        );
        assert_err(
            h(&[0.5, 0.5], &[1.0, 0.0]),
            "service.rates[1]",
            "positive number",
        );
        assert_err(h(&[], &[]), "service.probs", "at least one phase");
        assert_err(
            DistSpec {
                mean: Some(1.0),
                scv: Some(0.5),
                ..spec("hyperexponential")
            },
            "service.scv",
            "needs scv > 1, not 0.5",
        );
    }

    #[test]
    fn toml_tables_parse() {
        let s: DistSpec = toml::from_str("kind = \"erlang\"\nk = 3\nmean = 1").unwrap();
        assert_eq!(build(s).scv(), 1.0 / 3.0);
        let s: DistSpec =
            toml::from_str("kind = \"hyperexponential\"\nprobs = [0.5, 0.5]\nrates = [1, 3]")
                .unwrap();
        assert!(close(build(s).mean(), 0.5 + 0.5 / 3.0, 1e-12));
        assert!(toml::from_str::<DistSpec>("kind = \"gamma\"\nshap = 1").is_err());
    }

    #[test]
    fn bad_pareto() {
        assert_err(
            DistSpec {
                shape: Some(2.0),
                scale: Some(-1.0),
                ..spec("pareto")
            },
            "service.scale",
            "positive number",
        );
        assert_err(
            DistSpec {
                shape: Some(0.0),
                scale: Some(1.0),
                ..spec("pareto")
            },
            "service.shape",
            "positive number",
        );
        assert_err(
            DistSpec {
                shape: Some(3.0),
                mean: Some(1.0),
                ..spec("pareto")
            },
            "service.mean",
            "does not go with",
        );
    }
}
