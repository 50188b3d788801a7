//! A producer's `batch`: how many messages each arrival publishes at once (a compound, or
//! batch, arrival process; Gross & Harris, "Fundamentals of Queueing Theory", §3.2, M^X/M/1).

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Geometric};
use serde::Deserialize;

use crate::error::{InvalidKey, KeyPath};

/// A `batch = { kind = … }` table as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSpec {
    /// "deterministic", "geometric" or "empirical".
    pub kind: String,
    /// Deterministic: messages per arrival (a positive integer).
    pub value: Option<f64>,
    /// Geometric: the mean (≥ 1) of a batch size on 1, 2, …
    pub mean: Option<f64>,
    /// Empirical: the possible sizes (positive integers).
    pub values: Option<Vec<f64>>,
    /// Empirical: their relative weights (≥ 0, not all 0; default all equal).
    pub weights: Option<Vec<f64>>,
}

/// How many messages one arrival publishes, validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Batch {
    /// Always `k`.
    Deterministic(u32),
    /// P(X = k) = (1 − p)^(k−1)·p for k = 1, 2, …, mean 1/p.
    Geometric {
        /// The mean, 1/p.
        mean: f64,
        /// Failures before the first success, to which 1 is added.
        dist: Geometric,
    },
    /// `values[i]` with probability weights[i] / Σ weights.
    Empirical {
        /// The sizes.
        values: Vec<u32>,
        /// Cumulative probabilities (the last is 1).
        cumulative: Vec<f64>,
    },
}

fn positive_integer(path: KeyPath, v: f64) -> Result<u32, InvalidKey> {
    if v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX) {
        Ok(v as u32)
    } else {
        Err(InvalidKey::new(
            path,
            format!("must be a positive integer (messages per arrival), not {v}"),
        ))
    }
}

impl Batch {
    /// Validates `spec`, found at `path` (`producers[0].batch`).
    pub fn from_spec(spec: &BatchSpec, path: &KeyPath) -> Result<Self, InvalidKey> {
        let only = |allowed: &[&str]| {
            let set = [
                ("value", spec.value.is_some()),
                ("mean", spec.mean.is_some()),
                ("values", spec.values.is_some()),
                ("weights", spec.weights.is_some()),
            ];
            match set.iter().find(|(k, s)| *s && !allowed.contains(k)) {
                Some((k, _)) => Err(InvalidKey::new(
                    path.key(k),
                    format!(
                        "does not apply to a {} batch (it takes {})",
                        spec.kind,
                        allowed.join(", ")
                    ),
                )),
                None => Ok(()),
            }
        };
        let needs = |key: &str| {
            InvalidKey::new(path.clone(), format!("a {} batch needs `{key}`", spec.kind))
        };
        match spec.kind.as_str() {
            "deterministic" => {
                only(&["value"])?;
                let v = spec.value.ok_or_else(|| needs("value"))?;
                Ok(Batch::Deterministic(positive_integer(
                    path.key("value"),
                    v,
                )?))
            }
            "geometric" => {
                only(&["mean"])?;
                let mean = spec.mean.ok_or_else(|| needs("mean"))?;
                if !(mean.is_finite() && mean >= 1.0) {
                    return Err(InvalidKey::new(
                        path.key("mean"),
                        format!("must be at least 1 (batches have 1, 2, … messages), not {mean}"),
                    ));
                }
                let dist = Geometric::new(1.0 / mean)
                    .map_err(|e| InvalidKey::new(path.key("mean"), e.to_string()))?;
                Ok(Batch::Geometric { mean, dist })
            }
            "empirical" => {
                only(&["values", "weights"])?;
                let raw = spec.values.as_ref().ok_or_else(|| needs("values"))?;
                if raw.is_empty() {
                    return Err(InvalidKey::new(
                        path.key("values"),
                        "needs at least one size",
                    ));
                }
                let values = (raw.iter().enumerate())
                    .map(|(i, &v)| positive_integer(path.key("values").index(i), v))
                    .collect::<Result<Vec<_>, _>>()?;
                let weights = match &spec.weights {
                    None => vec![1.0; values.len()],
                    Some(w) if w.len() != values.len() => {
                        return Err(InvalidKey::new(
                            path.key("weights"),
                            format!(
                                "needs one weight per size of `values` ({}), not {}",
                                values.len(),
                                w.len()
                            ),
                        ));
                    }
                    Some(w) => {
                        if let Some(i) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
                            return Err(InvalidKey::new(
                                path.key("weights").index(i),
                                format!("must be a weight ≥ 0, not {}", w[i]),
                            ));
                        }
                        w.clone()
                    }
                };
                let total: f64 = weights.iter().sum();
                if total <= 0.0 {
                    return Err(InvalidKey::new(path.key("weights"), "must not all be 0"));
                }
                let mut acc = 0.0;
                let mut cumulative: Vec<f64> = weights
                    .iter()
                    .map(|w| {
                        acc += w / total;
                        acc
                    })
                    .collect();
                if let Some(last) = cumulative.last_mut() {
                    *last = 1.0;
                }
                Ok(Batch::Empirical { values, cumulative })
            }
            other => Err(InvalidKey::new(
                path.key("kind"),
                format!(
                    "unknown batch kind `{other}` (it is \"deterministic\", \"geometric\" or \
                     \"empirical\")"
                ),
            )),
        }
    }

    /// The probability of each size with positive probability, (size, probability); a
    /// geometric's up to where the tail is below 10⁻¹⁵.
    fn pmf(&self) -> Vec<(f64, f64)> {
        match self {
            Batch::Deterministic(k) => vec![(f64::from(*k), 1.0)],
            Batch::Geometric { mean, .. } => {
                let p = 1.0 / mean;
                let mut out = Vec::new();
                let (mut k, mut pk) = (1.0, p);
                while pk > 1e-15 || k < 2.0 {
                    out.push((k, pk));
                    k += 1.0;
                    pk *= 1.0 - p;
                    if p == 1.0 {
                        break;
                    }
                }
                out
            }
            Batch::Empirical { values, cumulative } => {
                let mut before = 0.0;
                (values.iter().zip(cumulative))
                    .map(|(&v, &c)| {
                        let p = c - before;
                        before = c;
                        (f64::from(v), p)
                    })
                    .collect()
            }
        }
    }

    /// E[X], messages per arrival.
    pub fn mean(&self) -> f64 {
        match self {
            Batch::Deterministic(k) => f64::from(*k),
            Batch::Geometric { mean, .. } => *mean,
            Batch::Empirical { .. } => self.pmf().iter().map(|(k, p)| k * p).sum(),
        }
    }

    /// E[X²].
    pub fn second_moment(&self) -> f64 {
        match self {
            Batch::Deterministic(k) => f64::from(*k).powi(2),
            // Var = (1 − p)/p², so E[X²] = (2 − p)/p² = m(2m − 1).
            Batch::Geometric { mean, .. } => mean * (2.0 * mean - 1.0),
            Batch::Empirical { .. } => self.pmf().iter().map(|(k, p)| k * k * p).sum(),
        }
    }

    /// Draws a batch size (≥ 1).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        match self {
            Batch::Deterministic(k) => *k,
            Batch::Geometric { dist, .. } => {
                1 + u32::try_from(dist.sample(rng)).unwrap_or(u32::MAX - 1)
            }
            Batch::Empirical { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }
}
