//! `--set KEY=V1,V2,…`: changing scenario keys from the command line, by dotted path.
//!
//! A path walks the scenario's TOML: table keys by name, and arrays of tables (`queues`,
//! `producers`, `classes`) by an element's `name` or its index, e.g.
//! `queues.orders.consumers` or `producers.web.interarrival.rate`.

use thiserror::Error;
use toml::{Table, Value};

/// A `--set` that cannot be applied.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("--set {key}: {message}")]
pub struct OverrideError {
    /// The dotted key as given.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// One `--set`: a dotted key and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The dotted path, e.g. `queues.orders.consumers`.
    pub key: String,
    /// Values, each a TOML value (numbers and booleans as such, anything else a string).
    pub values: Vec<Value>,
}

impl Override {
    /// Parses `KEY=V1,V2,…` where a value may also be a numeric range `FROM..TO[:STEP]`
    /// (inclusive of TO, step 1 by default).
    pub fn parse(arg: &str) -> Result<Override, OverrideError> {
        let err = |key: &str, message: String| OverrideError {
            key: key.to_string(),
            message,
        };
        let Some((key, list)) = arg.split_once('=') else {
            return Err(err(arg, "expected KEY=V1,V2,...".into()));
        };
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(err(
                key,
                "the key must be a dotted path such as queues.orders.consumers".into(),
            ));
        }
        let mut values = Vec::new();
        for item in list.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(err(key, format!("an empty value in `{list}`")));
            }
            match range(item) {
                Some(Ok(mut r)) => values.append(&mut r),
                Some(Err(m)) => return Err(err(key, m)),
                None => values.push(scalar(item)),
            }
        }
        Ok(Override {
            key: key.to_string(),
            values,
        })
    }
}

/// A TOML scalar from command-line text: integer, float, boolean, else a string.
fn scalar(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        Value::Integer(i)
    } else if let Ok(f) = text.parse::<f64>() {
        Value::Float(f)
    } else if let Ok(b) = text.parse::<bool>() {
        Value::Boolean(b)
    } else {
        Value::String(text.to_string())
    }
}

/// `FROM..TO[:STEP]` expanded, or None when `text` is not a range.
fn range(text: &str) -> Option<Result<Vec<Value>, String>> {
    let (from, rest) = text.split_once("..")?;
    let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
    let nums = (
        from.trim().parse::<f64>(),
        to.trim().parse::<f64>(),
        step.trim().parse::<f64>(),
    );
    let (Ok(from), Ok(to), Ok(step)) = nums else {
        return Some(Err(format!(
            "`{text}` is not a range FROM..TO[:STEP] of numbers"
        )));
    };
    if step.is_nan() || step <= 0.0 || to < from {
        return Some(Err(format!("`{text}`: needs FROM <= TO and STEP > 0")));
    }
    let n = ((to - from) / step + 1e-9).floor() as u64 + 1;
    if n > 100_000 {
        return Some(Err(format!("`{text}` has {n} values; at most 100000")));
    }
    let integral = [from, step].iter().all(|x| x.fract() == 0.0);
    Some(Ok((0..n)
        .map(|i| {
            // Computed from the start each time, so no error accumulates along the range.
            let x = from + i as f64 * step;
            if integral {
                Value::Integer(x as i64)
            } else {
                Value::Float((x * 1e12).round() / 1e12)
            }
        })
        .collect()))
}

/// Sets the value at dotted `key` in the scenario document `doc`.
///
/// Every part of the path but the last must exist; the last key may be new (serde then
/// rejects it if the scenario format has no such key).
pub fn apply(doc: &mut Table, key: &str, value: Value) -> Result<(), OverrideError> {
    let err = |message: String| OverrideError {
        key: key.to_string(),
        message,
    };
    let parts: Vec<&str> = key.split('.').collect();
    let (last, walk) = parts.split_last().expect("a non-empty key");
    let mut table = doc;
    let mut here = String::new();
    let mut i = 0;
    while i < walk.len() {
        let part = walk[i];
        here = if here.is_empty() {
            part.to_string()
        } else {
            format!("{here}.{part}")
        };
        let next = table
            .get_mut(part)
            .ok_or_else(|| err(format!("the scenario has no `{here}`")))?;
        table = match next {
            Value::Table(t) => t,
            Value::Array(items) => {
                let Some(&name) = walk.get(i + 1).or((i + 1 == walk.len()).then_some(last)) else {
                    return Err(err(format!("`{here}` is a list: name an element")));
                };
                if i + 1 == walk.len() {
                    return Err(err(format!(
                        "`{here}.{name}` names an element, not a key in it"
                    )));
                }
                i += 1;
                let position = items
                    .iter()
                    .position(|v| v.get("name").and_then(Value::as_str) == Some(name))
                    .or_else(|| name.parse::<usize>().ok().filter(|&n| n < items.len()));
                let Some(position) = position else {
                    return Err(err(format!("`{here}` has no element named `{name}`")));
                };
                here = format!("{here}.{name}");
                match &mut items[position] {
                    Value::Table(t) => t,
                    _ => return Err(err(format!("`{here}` is not a table"))),
                }
            }
            _ => return Err(err(format!("`{here}` is a value, not a table"))),
        };
        i += 1;
    }
    table.insert(last.to_string(), value);
    Ok(())
}

/// Every combination of the overrides' values (the first override varies slowest), each as
/// (key, value) pairs in the overrides' order.
pub fn grid(overrides: &[Override]) -> Vec<Vec<(String, Value)>> {
    let mut points: Vec<Vec<(String, Value)>> = vec![Vec::new()];
    for o in overrides {
        points = points
            .into_iter()
            .flat_map(|p| {
                o.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((o.key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        let o = Override::parse("queues.orders.consumers=2,4,8").unwrap();
        assert_eq!(
            o.values,
            vec![Value::Integer(2), Value::Integer(4), Value::Integer(8)]
        );
        let o = Override::parse("producers.web.interarrival.rate=1..2:0.25").unwrap();
        let want: Vec<Value> = [1.0, 1.25, 1.5, 1.75, 2.0].map(Value::Float).to_vec();
        assert_eq!(o.values, want);
        let o = Override::parse("queues.q.dispatch=jsq,random").unwrap();
        assert_eq!(o.values[0], Value::String("jsq".into()));
        assert_eq!(Override::parse("x=1..3").unwrap().values.len(), 3);
        assert!(Override::parse("nokey").is_err());
        assert!(Override::parse("a=3..1").is_err());
        assert!(Override::parse("a=1,,2").is_err());
    }

    #[test]
    fn applies_by_name_and_index() {
        let mut doc: Table = toml::from_str(
            "[[queues]]\nname = \"a\"\nconsumers = 1\n[[queues]]\nname = \"b\"\nconsumers = 1\n[run]\nseed = 1\n",
        )
        .unwrap();
        apply(&mut doc, "queues.b.consumers", Value::Integer(7)).unwrap();
        apply(&mut doc, "queues.0.capacity", Value::Integer(9)).unwrap();
        apply(&mut doc, "run.seed", Value::Integer(3)).unwrap();
        let q = doc["queues"].as_array().unwrap();
        assert_eq!(q[1]["consumers"].as_integer(), Some(7));
        assert_eq!(q[0]["capacity"].as_integer(), Some(9));
        assert_eq!(doc["run"]["seed"].as_integer(), Some(3));
        let e = apply(&mut doc, "queues.c.consumers", Value::Integer(1)).unwrap_err();
        assert!(e.message.contains("no element named `c`"), "{e}");
        assert!(apply(&mut doc, "nothing.here", Value::Integer(1)).is_err());
        assert!(apply(&mut doc, "queues.a", Value::Integer(1)).is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product() {
        let a = Override::parse("a=1,2").unwrap();
        let b = Override::parse("b=x,y,z").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[1],
            vec![
                ("a".into(), Value::Integer(1)),
                ("b".into(), Value::String("y".into()))
            ]
        );
    }
}
