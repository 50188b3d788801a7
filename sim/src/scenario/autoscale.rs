//! A queue's autoscaler (`autoscale = { metric, target, min, max, interval, startup,
//! stabilization, tolerance }`): the file's table and its validation. The algorithm is the
//! Kubernetes Horizontal Pod Autoscaler's, fed as KEDA's queue-length scaler feeds it
//! (docs/scenarios.md); the replication runs it in `replication::autoscale`.

use serde::Deserialize;

use crate::error::{InvalidKey, KeyPath};

/// `autoscale = { … }` as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSpec {
    /// "backlog" (messages waiting per consumer) or "utilization" (busy / consumers).
    pub metric: String,
    /// The metric's desired value.
    pub target: f64,
    /// Fewest consumers (default 1).
    pub min: Option<i64>,
    /// Most consumers: the fleet's size.
    pub max: i64,
    /// Time between evaluations (default 15).
    pub interval: Option<f64>,
    /// Time a new consumer takes before it pulls (default 0).
    pub startup: Option<f64>,
    /// Scale-down stabilisation window (default 300).
    pub stabilization: Option<f64>,
    /// No change while |metric / target − 1| is at most this (default 0.1).
    pub tolerance: Option<f64>,
}

/// What the autoscaler reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleMetric {
    /// Messages waiting in the queue (not in service) per consumer of the fleet.
    Backlog,
    /// Busy consumers of the fleet over the fleet.
    Utilization,
}

impl ScaleMetric {
    /// The metric's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            ScaleMetric::Backlog => "backlog",
            ScaleMetric::Utilization => "utilization",
        }
    }
}

/// A validated autoscaler.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscale {
    /// What it reads.
    pub metric: ScaleMetric,
    /// The metric's desired value (> 0; at most 1 for utilisation).
    pub target: f64,
    /// Fewest consumers, and the fleet at time 0.
    pub min: u32,
    /// Most consumers: the queue's `consumers`.
    pub max: u32,
    /// Time between evaluations; the first is at `interval`.
    pub interval: f64,
    /// Time from a scale-up decision until the new consumers pull.
    pub startup: f64,
    /// A scale-down keeps the largest recommendation of this much time back.
    pub stabilization: f64,
    /// No change while |ratio − 1| ≤ tolerance.
    pub tolerance: f64,
}

impl Autoscale {
    /// True when the autoscaler can never change the fleet (`min = max`): the queue is one
    /// of `max` consumers throughout.
    pub fn is_fixed(&self) -> bool {
        self.min == self.max
    }

    /// Validates `spec`, the `autoscale` of the queue at `queue`, whose `consumers` is
    /// given (if it is).
    pub fn from_spec(
        spec: &AutoscaleSpec,
        queue: &KeyPath,
        consumers: Option<u32>,
    ) -> Result<Autoscale, InvalidKey> {
        let path = &queue.key("autoscale");
        let bad = |key: &str, message: String| Err(InvalidKey::new(path.key(key), message));
        let metric = match spec.metric.as_str() {
            "backlog" => ScaleMetric::Backlog,
            "utilization" => ScaleMetric::Utilization,
            other => {
                return bad(
                    "metric",
                    format!(
                        "unknown autoscale metric `{other}`{}",
                        crate::suggest::suggest(other, &["backlog", "utilization"])
                    ),
                );
            }
        };
        let target = spec.target;
        if !(target.is_finite() && target > 0.0) {
            return bad("target", format!("must be positive, not {target}"));
        }
        if metric == ScaleMetric::Utilization && target > 1.0 {
            return bad(
                "target",
                format!("a utilization target is a fraction in (0, 1], not {target}"),
            );
        }
        let max = match u32::try_from(spec.max) {
            Ok(m) if m >= 1 => m,
            _ => return bad("max", format!("must be at least 1, not {}", spec.max)),
        };
        let min = match spec.min.map(u32::try_from) {
            None => 1.min(max),
            Some(Ok(m)) if m <= max => m,
            Some(Ok(m)) => {
                return bad("min", format!("must be at most `max` ({max}), not {m}"));
            }
            Some(Err(_)) => {
                return bad(
                    "min",
                    format!("must be at least 0, not {}", spec.min.unwrap_or(0)),
                );
            }
        };
        let time = |key: &str, v: Option<f64>, default: f64, zero: bool| {
            let x = v.unwrap_or(default);
            let ok = x.is_finite() && (x > 0.0 || (zero && x == 0.0));
            if ok {
                Ok(x)
            } else {
                let what = if zero { "0 or more" } else { "positive" };
                Err(InvalidKey::new(
                    path.key(key),
                    format!("must be a finite time, {what}, not {x}"),
                ))
            }
        };
        let interval = time("interval", spec.interval, 15.0, false)?;
        let startup = time("startup", spec.startup, 0.0, true)?;
        let stabilization = time("stabilization", spec.stabilization, 300.0, true)?;
        let tolerance = spec.tolerance.unwrap_or(0.1);
        if !(0.0..1.0).contains(&tolerance) {
            return bad("tolerance", format!("must be in [0, 1), not {tolerance}"));
        }
        if let Some(c) = consumers
            && c != max
        {
            return Err(InvalidKey::new(
                queue.key("consumers"),
                format!(
                    "with `autoscale`, `consumers` is the fleet's size and must equal \
                     autoscale's `max` ({max}), not {c} (or leave it out)"
                ),
            ));
        }
        Ok(Autoscale {
            metric,
            target,
            min,
            max,
            interval,
            startup,
            stabilization,
            tolerance,
        })
    }
}
