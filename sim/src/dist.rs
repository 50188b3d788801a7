//! Random variates for inter-arrival and service times.

use rand::Rng;
use rand_distr::{Distribution as _, Exp};
use serde::Deserialize;

use crate::error::KeyPath;
use kendall_models::{Shape, VariateSpec};

/// A distribution as written in a scenario file: `kind` and its parameters.
///
/// Every parameter any kind takes is listed here so that a misspelt key is an error; which
/// ones a kind accepts is checked by [`Distribution::from_spec`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
}

/// A validated distribution that knows its mean and SCV.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Exponential with the given rate.
    Exponential(Exp<f64>, f64),
    /// Always the same value.
    Deterministic(f64),
}

/// The distribution kinds kendall knows, for error messages and suggestions.
pub const KINDS: &[&str] = &["exponential", "deterministic"];

/// A parameter problem: where in the file, and what is wrong.
pub type Invalid = (KeyPath, String);

impl Distribution {
    /// Validates `spec` (found at `path` in the scenario) and builds the distribution.
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, Invalid> {
        let params = Params { spec, path };
        match spec.kind.as_str() {
            "exponential" => {
                params.only(&["rate", "mean", "scv"])?;
                if let Some(scv) = spec.scv
                    && scv != 1.0
                {
                    return Err((
                        path.key("scv"),
                        format!("an exponential has scv = 1, not {scv}"),
                    ));
                }
                let rate = match (spec.rate, spec.mean) {
                    (Some(rate), None) => params.positive("rate", rate)?,
                    (None, Some(mean)) => 1.0 / params.positive("mean", mean)?,
                    (Some(_), Some(_)) => {
                        return Err((path.key("mean"), "give `rate` or `mean`, not both".into()));
                    }
                    (None, None) => {
                        return Err((path.clone(), "exponential needs `rate` or `mean`".into()));
                    }
                };
                let exp = Exp::new(rate).map_err(|e| (path.key("rate"), e.to_string()))?;
                Ok(Distribution::Exponential(exp, rate))
            }
            "deterministic" => {
                params.only(&["value", "mean", "scv"])?;
                if let Some(scv) = spec.scv
                    && scv != 0.0
                {
                    return Err((
                        path.key("scv"),
                        format!("a deterministic value has scv = 0, not {scv}"),
                    ));
                }
                let value = match (spec.value, spec.mean) {
                    (Some(v), None) => params.positive("value", v)?,
                    (None, Some(m)) => params.positive("mean", m)?,
                    (Some(_), Some(_)) => {
                        return Err((path.key("mean"), "give `value` or `mean`, not both".into()));
                    }
                    (None, None) => {
                        return Err((path.clone(), "deterministic needs `value`".into()));
                    }
                };
                Ok(Distribution::Deterministic(value))
            }
            other => Err((
                path.key("kind"),
                format!(
                    "unknown distribution kind `{other}`{}",
                    crate::suggest::did_you_mean(other, KINDS)
                ),
            )),
        }
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Distribution::Exponential(exp, _) => exp.sample(rng),
            Distribution::Deterministic(v) => *v,
        }
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match self {
            Distribution::Exponential(_, rate) => 1.0 / rate,
            Distribution::Deterministic(v) => *v,
        }
    }

    /// The squared coefficient of variation, Var/mean².
    pub fn scv(&self) -> f64 {
        match self {
            Distribution::Exponential(..) => 1.0,
            Distribution::Deterministic(_) => 0.0,
        }
    }

    /// What the queueing models need to know of this distribution.
    pub fn to_variate_spec(&self) -> VariateSpec {
        let shape = match self {
            Distribution::Exponential(..) => Shape::Exponential,
            Distribution::Deterministic(_) => Shape::Deterministic,
        };
        VariateSpec {
            mean: self.mean(),
            scv: self.scv(),
            shape,
        }
    }

    /// The same distribution with every value multiplied by `factor` (> 0).
    pub fn scaled(&self, factor: f64) -> Self {
        match self {
            Distribution::Exponential(_, rate) => {
                let rate = rate / factor;
                Distribution::Exponential(Exp::new(rate).expect("positive rate"), rate)
            }
            Distribution::Deterministic(v) => Distribution::Deterministic(v * factor),
        }
    }
}

/// Parameter checks for one [`DistSpec`].
struct Params<'a> {
    spec: &'a DistSpec,
    path: &'a KeyPath,
}

impl Params<'_> {
    /// Errors on any parameter that is set but not in `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), Invalid> {
        let s = self.spec;
        let set = [
            ("rate", s.rate.is_some()),
            ("mean", s.mean.is_some()),
            ("scv", s.scv.is_some()),
            ("value", s.value.is_some()),
        ];
        match set
            .iter()
            .find(|(name, is_set)| *is_set && !allowed.contains(name))
        {
            Some((name, _)) => Err((
                self.path.key(name),
                format!(
                    "`{name}` does not apply to a {} distribution (it takes {})",
                    s.kind,
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
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
            rate: None,
            mean: None,
            scv: None,
            value: None,
        }
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

    #[test]
    fn exponential_by_rate_or_mean() {
        let by_rate = Distribution::from_spec(
            &DistSpec {
                rate: Some(2.0),
                ..spec("exponential")
            },
            &KeyPath::default(),
        )
        .unwrap();
        let by_mean = Distribution::from_spec(
            &DistSpec {
                mean: Some(0.5),
                ..spec("exponential")
            },
            &KeyPath::default(),
        )
        .unwrap();
        assert_eq!(by_rate, by_mean);
        assert_eq!((by_rate.mean(), by_rate.scv()), (0.5, 1.0));
        // Exp(2): variance 1/4, fourth central moment 9/λ⁴.
        check_moments(&by_rate, 0.5, 0.25, 9.0 / 16.0);
    }

    #[test]
    fn deterministic_is_constant() {
        let d = Distribution::from_spec(
            &DistSpec {
                value: Some(0.7),
                ..spec("deterministic")
            },
            &KeyPath::default(),
        )
        .unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        assert!((0..100).all(|_| d.sample(&mut rng) == 0.7));
        assert_eq!((d.mean(), d.scv()), (0.7, 0.0));
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = |s: DistSpec| {
            Distribution::from_spec(&s, &KeyPath::default().key("service")).unwrap_err()
        };
        let (p, m) = err(DistSpec {
            rate: Some(-1.0),
            ..spec("exponential")
        });
        assert_eq!(p.to_string(), "service.rate");
        assert!(m.contains("positive"), "{m}");
        let (p, _) = err(DistSpec {
            value: Some(1.0),
            ..spec("exponential")
        });
        assert_eq!(p.to_string(), "service.value");
        let (p, m) = err(spec("exponentail"));
        assert_eq!(p.to_string(), "service.kind");
        assert!(m.contains("did you mean `exponential`"), "{m}");
        let (p, _) = err(spec("deterministic"));
        assert_eq!(p.to_string(), "service");
    }

    #[test]
    fn scaling_keeps_the_family() {
        let d = Distribution::from_spec(
            &DistSpec {
                rate: Some(2.0),
                ..spec("exponential")
            },
            &KeyPath::default(),
        )
        .unwrap();
        assert_eq!(d.scaled(3.0).mean(), 1.5);
    }
}
