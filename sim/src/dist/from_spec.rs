//! From a scenario's distribution table to a [`Distribution`]: one function per kind, each
//! checking which parameters it was given (errors name the key and say what is wrong).

use statrs::function::gamma::ln_gamma;

use super::Distribution;
use super::data::read_samples;
use super::error::{DistError, DistProblem};
use super::moments::weibull_shape_for_scv;
use super::params::Params;
use super::spec::{DistSpec, KINDS};
use crate::error::KeyPath;

impl Distribution {
    /// Validates `spec` (found at `path` in the scenario) and builds the distribution.
    ///
    /// A `trace` is refused: it replays arrival times in order and is no distribution to
    /// draw from ([`crate::arrivals::Interarrival`] takes it, for a producer).
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, DistError> {
        let p = Params { spec, path };
        match spec.kind.as_str() {
            "exponential" => exponential(&p),
            "deterministic" => deterministic(&p),
            "uniform" => uniform(&p),
            "erlang" => erlang(&p),
            "gamma" => gamma(&p),
            "lognormal" => lognormal(&p),
            "weibull" => weibull(&p),
            "hyperexponential" => hyperexponential(&p),
            "pareto" => pareto(&p),
            "empirical" => empirical(&p),
            "trace" => Err(p.at("kind", DistProblem::TraceIsNotADistribution)),
            "mmpp" => Err(p.at("kind", DistProblem::MmppIsNotADistribution)),
            other => Err(p.at(
                "kind",
                DistProblem::UnknownKind {
                    kind: other.to_string(),
                    suggestion: crate::suggest::suggest(other, KINDS),
                },
            )),
        }
    }
}

/// A constructor's refusal, reported against the whole table.
fn refused(p: &Params<'_>) -> impl Fn(DistProblem) -> DistError {
    |problem| p.at_table(problem)
}

fn exponential(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["rate", "mean", "scv"])?;
    p.pinned_scv(1.0)?;
    let forms: &[&[&str]] = &[&["rate"], &["mean"], &["rate", "scv"], &["mean", "scv"]];
    let rate = match p.form(forms)? {
        0 | 2 => p.positive_num("rate")?,
        _ => 1.0 / p.positive_num("mean")?,
    };
    Distribution::exponential(rate).map_err(|e| p.at("rate", e))
}

fn deterministic(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["value", "mean", "scv"])?;
    p.pinned_scv(0.0)?;
    let forms: &[&[&str]] = &[&["value"], &["mean"], &["value", "scv"], &["mean", "scv"]];
    let value = match p.form(forms)? {
        0 | 2 => p.positive_num("value")?,
        _ => p.positive_num("mean")?,
    };
    Ok(Distribution::Deterministic(value))
}

fn uniform(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["low", "high", "mean", "scv"])?;
    let (low, high) = match p.form(&[&["low", "high"], &["mean", "scv"]])? {
        0 => {
            let low = p.num("low")?;
            if !(low.is_finite() && low >= 0.0) {
                return Err(p.at("low", DistProblem::Negative(low)));
            }
            let high = p.positive_num("high")?;
            if high <= low {
                return Err(p.at("high", DistProblem::HighNotAboveLow { low, high }));
            }
            (low, high)
        }
        _ => {
            let mean = p.positive_num("mean")?;
            let scv = p.num("scv")?;
            if !(scv > 0.0 && scv <= 1.0 / 3.0) {
                return Err(p.at("scv", DistProblem::UniformScv(scv)));
            }
            let half = mean * (3.0 * scv).sqrt();
            ((mean - half).max(0.0), mean + half)
        }
    };
    Distribution::uniform(low, high).map_err(refused(p))
}

fn erlang(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["k", "mean", "scv"])?;
    let which = p.form(&[&["k", "mean"], &["mean", "scv"]])?;
    let mean = p.positive_num("mean")?;
    let k = if which == 0 {
        let k = p.num("k")?;
        if !(k >= 1.0 && k <= f64::from(u32::MAX) && k.fract() == 0.0) {
            return Err(p.at("k", DistProblem::ErlangPhases(k)));
        }
        k as u32
    } else {
        let scv = p.positive_num("scv")?;
        let inverse = 1.0 / scv;
        let k = inverse.round();
        if !(k >= 1.0 && k <= f64::from(u32::MAX) && (inverse - k).abs() <= 1e-9 * k) {
            return Err(p.at("scv", DistProblem::ErlangScv { scv, inverse }));
        }
        k as u32
    };
    Distribution::erlang(k, mean).map_err(refused(p))
}

/// The `shape` and `scale` of a two-parameter family, given as such or as `mean` and `scv`
/// (each positive), which `from_moments` turns into them.
fn shape_and_scale(
    p: &Params<'_>,
    from_moments: impl FnOnce(f64, f64) -> Result<(f64, f64), DistError>,
) -> Result<(f64, f64), DistError> {
    p.only(&["shape", "scale", "mean", "scv"])?;
    match p.form(&[&["shape", "scale"], &["mean", "scv"]])? {
        0 => Ok((p.positive_num("shape")?, p.positive_num("scale")?)),
        _ => from_moments(p.positive_num("mean")?, p.positive_num("scv")?),
    }
}

fn gamma(p: &Params<'_>) -> Result<Distribution, DistError> {
    let (shape, scale) = shape_and_scale(p, |mean, scv| Ok((1.0 / scv, mean * scv)))?;
    Distribution::gamma(shape, scale).map_err(refused(p))
}

fn lognormal(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["mu", "sigma", "mean", "scv"])?;
    let (mu, sigma) = match p.form(&[&["mean", "scv"], &["mu", "sigma"]])? {
        0 => {
            let mean = p.positive_num("mean")?;
            let scv = p.positive_num("scv")?;
            let s2 = scv.ln_1p();
            (mean.ln() - s2 / 2.0, s2.sqrt())
        }
        _ => {
            let mu = p.num("mu")?;
            if !mu.is_finite() {
                return Err(p.at("mu", DistProblem::NotFinite(mu)));
            }
            (mu, p.positive_num("sigma")?)
        }
    };
    Distribution::lognormal(mu, sigma).map_err(refused(p))
}

fn weibull(p: &Params<'_>) -> Result<Distribution, DistError> {
    let (shape, scale) = shape_and_scale(p, |mean, scv| {
        let shape = weibull_shape_for_scv(scv).map_err(|e| p.at("scv", e))?;
        Ok((shape, mean / ln_gamma(1.0 + 1.0 / shape).exp()))
    })?;
    Distribution::weibull(shape, scale).map_err(refused(p))
}

fn hyperexponential(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["probs", "rates", "mean", "scv"])?;
    let (probs, rates) = match p.form(&[&["mean", "scv"], &["probs", "rates"]])? {
        0 => {
            let mean = p.positive_num("mean")?;
            let scv = p.num("scv")?;
            if !(scv.is_finite() && scv > 1.0) {
                return Err(p.at("scv", DistProblem::HyperexponentialScv(scv)));
            }
            let p1 = (1.0 + ((scv - 1.0) / (scv + 1.0)).sqrt()) / 2.0;
            let p2 = 1.0 - p1;
            (vec![p1, p2], vec![2.0 * p1 / mean, 2.0 * p2 / mean])
        }
        _ => phases(p)?,
    };
    Ok(Distribution::hyperexponential(&probs, &rates))
}

/// A hyperexponential's `probs` and `rates`, checked: one rate per phase, probabilities in
/// [0, 1] adding up to 1, positive rates.
fn phases(p: &Params<'_>) -> Result<(Vec<f64>, Vec<f64>), DistError> {
    let probs = p.spec.probs.clone().unwrap_or_default();
    let rates = p.spec.rates.clone().unwrap_or_default();
    if probs.is_empty() {
        return Err(p.at("probs", DistProblem::NoPhases));
    }
    if rates.len() != probs.len() {
        return Err(p.at(
            "rates",
            DistProblem::RatesPerPhase {
                rates: rates.len(),
                probs: probs.len(),
            },
        ));
    }
    let element = |key: &str, i: usize, problem| DistError {
        path: p.path.key(key).index(i),
        problem,
    };
    for (i, &x) in probs.iter().enumerate() {
        if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
            return Err(element("probs", i, DistProblem::NotAProbability(x)));
        }
    }
    let sum: f64 = probs.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(p.at("probs", DistProblem::ProbsSum(sum)));
    }
    for (i, &r) in rates.iter().enumerate() {
        if !(r.is_finite() && r > 0.0) {
            return Err(element("rates", i, DistProblem::NotPositive(r)));
        }
    }
    Ok((probs, rates))
}

fn pareto(p: &Params<'_>) -> Result<Distribution, DistError> {
    let (shape, scale) = shape_and_scale(p, |mean, scv| {
        // scv = 1/(α(α−2)) for α > 2, so α = 1 + sqrt(1 + 1/scv).
        let shape = 1.0 + (1.0 + 1.0 / scv).sqrt();
        Ok((shape, mean * (shape - 1.0) / shape))
    })?;
    Distribution::pareto(shape, scale).map_err(refused(p))
}

fn empirical(p: &Params<'_>) -> Result<Distribution, DistError> {
    p.only(&["file"])?;
    let file = p.file(DistProblem::EmpiricalNeedsFile)?;
    let samples = read_samples(file).map_err(|e| p.at("file", e.into()))?;
    Distribution::empirical(samples.into()).map_err(|e| p.at("file", e))
}
