//! The checks every kind makes of its table: which parameters it takes, which form they
//! are given in, and that numbers are in range. Each error names the key at fault.

use super::error::{DistError, DistProblem};
use super::spec::{DistSpec, PARAMS};
use crate::error::KeyPath;

/// Parameter checks for one [`DistSpec`] found at `path` in the scenario.
pub(crate) struct Params<'a> {
    /// The table.
    pub spec: &'a DistSpec,
    /// Where it is.
    pub path: &'a KeyPath,
}

impl Params<'_> {
    /// An error about key `name` of the table.
    pub fn at(&self, name: &str, problem: DistProblem) -> DistError {
        DistError {
            path: self.path.key(name),
            problem,
        }
    }

    /// An error about the table as a whole.
    pub fn at_table(&self, problem: DistProblem) -> DistError {
        DistError {
            path: self.path.clone(),
            problem,
        }
    }

    /// The numeric parameter `name`, which must be set.
    pub fn num(&self, name: &'static str) -> Result<f64, DistError> {
        self.spec.number(name).ok_or_else(|| {
            self.at_table(DistProblem::Missing {
                name,
                a_kind: self.a_kind(),
            })
        })
    }

    /// The numeric parameter `name`, which must be set and a positive finite number.
    pub fn positive_num(&self, name: &'static str) -> Result<f64, DistError> {
        self.positive(name, self.num(name)?)
    }

    /// Errors on any parameter that is set but not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), DistError> {
        match PARAMS
            .iter()
            .find(|name| self.spec.is_set(name) && !allowed.contains(name))
        {
            Some(name) => Err(self.at(
                name,
                DistProblem::DoesNotApply {
                    name,
                    a_kind: self.a_kind(),
                    takes: allowed.join(", "),
                },
            )),
            None => Ok(()),
        }
    }

    /// Which of the parameter sets `forms` the spec gives exactly; an error naming a
    /// parameter that does not fit, or the table if one is missing.
    pub fn form(&self, forms: &[&[&str]]) -> Result<usize, DistError> {
        let set: Vec<&'static str> = PARAMS
            .iter()
            .copied()
            .filter(|n| self.spec.is_set(n))
            .collect();
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
        // The form that shares the most parameters with what was given.
        let best = forms
            .iter()
            .rev()
            .max_by_key(|f| f.iter().filter(|n| set.contains(n)).count())
            .copied()
            .unwrap_or(&[]);
        if let Some(extra) = set.iter().find(|n| !best.contains(n)) {
            Err(self.at(
                extra,
                DistProblem::DoesNotGoWith {
                    name: extra,
                    a_kind: self.a_kind(),
                    forms: described,
                },
            ))
        } else {
            let missing: Vec<String> = best
                .iter()
                .filter(|n| !set.contains(n))
                .map(|n| format!("`{n}`"))
                .collect();
            Err(self.at_table(DistProblem::Incomplete {
                a_kind: self.a_kind(),
                forms: described,
                missing: missing.join(" and "),
            }))
        }
    }

    /// "an exponential", "a gamma": the kind with its article, for messages.
    pub fn a_kind(&self) -> String {
        let kind = &self.spec.kind;
        let vowel = kind.starts_with(['a', 'e', 'i', 'o']); // not 'u': "a uniform"
        format!("{} {kind}", if vowel { "an" } else { "a" })
    }

    /// For a family whose SCV is fixed (exponential 1, deterministic 0): a given `scv` must
    /// be that value.
    pub fn pinned_scv(&self, scv: f64) -> Result<(), DistError> {
        match self.spec.scv {
            Some(given) if given != scv => Err(self.at(
                "scv",
                DistProblem::FixedScv {
                    a_kind: self.a_kind(),
                    fixed: scv,
                    given,
                },
            )),
            _ => Ok(()),
        }
    }

    /// `v`, the value of parameter `name`, if it is a positive finite number.
    pub fn positive(&self, name: &str, v: f64) -> Result<f64, DistError> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(self.at(name, DistProblem::NotPositive(v)))
        }
    }

    /// The `file` parameter, which must be set (`missing` says so otherwise).
    pub fn file(&self, missing: DistProblem) -> Result<&str, DistError> {
        self.spec
            .file
            .as_deref()
            .ok_or_else(|| self.at_table(missing))
    }
}
