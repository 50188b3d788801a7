//! `[expected]`: the values a validation scenario's measures are known to take, and where
//! they come from (a published table, a textbook's closed form, a second method). `kendall
//! run` ignores the table; `kendall validate-theory` checks both the oracle and the
//! simulation against it, so that a wrong oracle cannot pass by agreeing with itself.

use crate::error::{InvalidKey, KeyPath};
use crate::stats::Metric;
use crate::suggest::suggest;

/// Whether the stated values are the true answer or a named approximation's own answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedKind {
    /// The values are exact: the simulation must agree with them within its interval.
    Exact,
    /// The values are an approximation's: the oracle must reproduce them, the simulation's
    /// gap to them is the approximation's error and is only reported.
    Approximation,
}

impl ExpectedKind {
    /// The word used in the file and in output: "exact" or "approximation".
    pub fn label(self) -> &'static str {
        match self {
            ExpectedKind::Exact => "exact",
            ExpectedKind::Approximation => "approximation",
        }
    }
}

/// A validated `[expected]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Where the values come from, in words (a citation, a formula, a method).
    pub source: String,
    /// Exact values or an approximation's.
    pub kind: ExpectedKind,
    /// The stated values, in [`Metric::ALL`] order, system-wide (end to end).
    pub values: Vec<(Metric, f64)>,
}

/// The keys `[expected]` accepts besides the metric names.
const KEYS: &[&str] = &["source", "kind"];

/// Checks the `[expected]` table at `path`: a non-empty `source`, `kind` "exact" (the
/// default) or "approximation", and at least one metric, each named as in the JSON output
/// (`T`, `Wq`, `L`, `Lq`, `utilization`, `throughput`, `p_wait`, `p_loss`, `T_p50`, …) with a
/// finite value ≥ 0. Any other key is an error.
pub fn validate(table: &toml::Table, path: &KeyPath) -> Result<Expected, InvalidKey> {
    let names: Vec<&str> = KEYS
        .iter()
        .copied()
        .chain(Metric::ALL.iter().map(|m| m.name()))
        .collect();
    let mut values = Vec::new();
    for (key, value) in table {
        if KEYS.contains(&key.as_str()) {
            continue;
        }
        let Some(metric) = Metric::ALL.iter().copied().find(|m| m.name() == key) else {
            return Err(InvalidKey::new(
                path.key(key),
                format!("unknown key `{key}` in [expected]{}", suggest(key, &names)),
            ));
        };
        let x = match value {
            toml::Value::Float(x) => *x,
            toml::Value::Integer(n) => *n as f64,
            other => {
                return Err(InvalidKey::new(
                    path.key(key),
                    format!("an expected value is a number, not {other}"),
                ));
            }
        };
        if !(x.is_finite() && x >= 0.0) {
            return Err(InvalidKey::new(
                path.key(key),
                format!("an expected value is finite and at least 0, not {x}"),
            ));
        }
        values.push((metric, x));
    }
    values.sort_by_key(|(m, _)| *m as usize);
    let source = match table.get("source") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(toml::Value::String(_)) => {
            return Err(InvalidKey::new(
                path.key("source"),
                "say where the expected values come from",
            ));
        }
        Some(other) => {
            return Err(InvalidKey::new(
                path.key("source"),
                format!("`source` is a string, not {other}"),
            ));
        }
        None => {
            return Err(InvalidKey::new(
                path.clone(),
                "[expected] needs `source`: where the values come from (a table, a textbook's \
                 formula, a second method)",
            ));
        }
    };
    let kind = match table.get("kind") {
        None => ExpectedKind::Exact,
        Some(toml::Value::String(s)) if s == "exact" => ExpectedKind::Exact,
        Some(toml::Value::String(s)) if s == "approximation" => ExpectedKind::Approximation,
        Some(other) => {
            let word = other.as_str().map_or(other.to_string(), str::to_string);
            return Err(InvalidKey::new(
                path.key("kind"),
                format!(
                    "unknown kind `{word}`{}",
                    suggest(&word, &["exact", "approximation"])
                ),
            ));
        }
    };
    if values.is_empty() {
        return Err(InvalidKey::new(
            path.clone(),
            "[expected] states no value: give at least `T`",
        ));
    }
    Ok(Expected {
        source,
        kind,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Expected, InvalidKey> {
        validate(&text.parse::<toml::Table>().unwrap(), &KeyPath::default())
    }

    #[test]
    fn reads_metrics_in_output_order() {
        let e = check("source = \"Kleinrock\"\np_loss = 0.25\nT = 2\nT_p99 = 9.2\n").unwrap();
        assert_eq!(e.kind, ExpectedKind::Exact);
        assert_eq!(
            e.values,
            vec![(Metric::T, 2.0), (Metric::PLoss, 0.25), (Metric::TP99, 9.2)]
        );
        let e = check("source = \"Kingman\"\nkind = \"approximation\"\nT = 2.75\n").unwrap();
        assert_eq!(e.kind, ExpectedKind::Approximation);
    }

    #[test]
    fn rejects_what_is_not_a_stated_value() {
        let err = |text: &str| check(text).unwrap_err();
        let InvalidKey { key, message } = err("source = \"x\"\nutilisation = 0.5\n");
        assert_eq!(key.to_string(), "utilisation");
        assert!(message.contains("did you mean `utilization`"), "{message}");
        assert!(err("T = 1.0\n").message.contains("needs `source`"));
        assert!(
            err("source = \"\"\nT = 1.0\n")
                .message
                .contains("say where")
        );
        assert!(err("source = \"x\"\n").message.contains("no value"));
        assert!(
            err("source = \"x\"\nT = \"1\"\n")
                .message
                .contains("is a number")
        );
        assert!(
            err("source = \"x\"\nT = -1.0\n")
                .message
                .contains("at least 0")
        );
        assert!(
            err("source = \"x\"\nkind = \"approx\"\nT = 1.0\n")
                .message
                .contains("one of `exact`, `approximation`")
        );
    }
}
