//! A producer's `rate`: a time-varying Poisson rate λ(t) (a sinusoid or a piecewise-constant
//! schedule), validated, and the non-homogeneous Poisson arrivals it drives.
//!
//! Arrivals are generated as in Lewis & Shedler, "Simulation of nonhomogeneous Poisson
//! processes by thinning", Naval Research Logistics Quarterly 26(3), 1979: a sinusoid by
//! thinning (candidates at the maximum rate λmax = mean + amplitude, each kept with
//! probability λ(t)/λmax, so at least half of them are kept); a piecewise-constant schedule
//! by exact inversion of its integrated rate Λ(t) piece by piece (one unit exponential per
//! arrival, walked across the pieces: no candidate is wasted, whatever the peak).

use std::f64::consts::TAU;

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp1};
use serde::Deserialize;

use crate::error::{InvalidKey, KeyPath};

/// A `rate = { kind = … }` table as written: every key of both kinds, nothing validated.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSpec {
    /// "sinusoid" or "piecewise".
    pub kind: String,
    /// Sinusoid: the mean rate.
    pub mean: Option<f64>,
    /// Sinusoid: the amplitude (0 ≤ amplitude ≤ mean).
    pub amplitude: Option<f64>,
    /// Sinusoid: the period.
    pub period: Option<f64>,
    /// Sinusoid: the phase in radians (default 0).
    pub phase: Option<f64>,
    /// Piecewise: the start of each piece (strictly increasing, from 0).
    pub at: Option<Vec<f64>>,
    /// Piecewise: the rate of each piece (≥ 0, not all 0).
    pub values: Option<Vec<f64>>,
    /// Piecewise: the schedule repeats with this period (it must exceed the last `at`);
    /// without it the last value holds for ever.
    pub repeat: Option<f64>,
}

/// A validated time-varying rate λ(t), t in the scenario's time unit from 0.
#[derive(Debug, Clone, PartialEq)]
pub enum RateFunction {
    /// λ(t) = mean + amplitude·sin(2π·t/period + phase).
    Sinusoid {
        /// Mean rate (> 0).
        mean: f64,
        /// Amplitude (0 ≤ amplitude ≤ mean).
        amplitude: f64,
        /// Period (> 0).
        period: f64,
        /// Phase in radians.
        phase: f64,
    },
    /// λ(t) = values[i] for at[i] ≤ t mod repeat < at[i+1].
    Piecewise(Schedule),
}

/// A piecewise-constant rate: `values[i]` from `at[i]` on, repeating every `repeat` if set.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Start of each piece: strictly increasing, `at[0]` = 0.
    pub at: Vec<f64>,
    /// Rate of each piece (≥ 0, not all 0).
    pub values: Vec<f64>,
    /// Period of the repetition; None: the last value holds for ever.
    pub repeat: Option<f64>,
}

impl Schedule {
    /// End of piece `i` within its cycle (the cycle's end, or infinity, for the last).
    fn end_of(&self, i: usize) -> f64 {
        match self.at.get(i + 1) {
            Some(&e) => e,
            None => self.repeat.unwrap_or(f64::INFINITY),
        }
    }
}

fn rate_error(path: &KeyPath, key: &str, message: impl Into<String>) -> InvalidKey {
    InvalidKey::new(path.key(key), message)
}

fn finite_at(path: &KeyPath, key: &str, v: Option<f64>) -> Result<f64, InvalidKey> {
    match v {
        None => Err(InvalidKey::new(
            path.clone(),
            format!("this rate needs `{key}`"),
        )),
        Some(x) if x.is_finite() => Ok(x),
        Some(x) => Err(rate_error(
            path,
            key,
            format!("must be a finite number, not {x}"),
        )),
    }
}

impl RateFunction {
    /// Validates `spec`, found at `path` (`producers[0].rate`): errors name the key at fault.
    pub fn from_spec(spec: &RateSpec, path: &KeyPath) -> Result<Self, InvalidKey> {
        let set = |name: &str| match name {
            "mean" => spec.mean.is_some(),
            "amplitude" => spec.amplitude.is_some(),
            "period" => spec.period.is_some(),
            "phase" => spec.phase.is_some(),
            "at" => spec.at.is_some(),
            "values" => spec.values.is_some(),
            _ => spec.repeat.is_some(),
        };
        let only = |allowed: &[&str]| {
            const ALL: [&str; 7] = [
                "mean",
                "amplitude",
                "period",
                "phase",
                "at",
                "values",
                "repeat",
            ];
            match ALL.iter().find(|k| set(k) && !allowed.contains(k)) {
                Some(k) => Err(rate_error(
                    path,
                    k,
                    format!(
                        "does not apply to a {} rate (it takes {})",
                        spec.kind,
                        allowed.join(", ")
                    ),
                )),
                None => Ok(()),
            }
        };
        match spec.kind.as_str() {
            "sinusoid" => {
                only(&["mean", "amplitude", "period", "phase"])?;
                let mean = finite_at(path, "mean", spec.mean)?;
                if mean <= 0.0 {
                    return Err(rate_error(
                        path,
                        "mean",
                        format!("must be positive, not {mean}"),
                    ));
                }
                let amplitude = finite_at(path, "amplitude", spec.amplitude)?;
                if amplitude < 0.0 {
                    return Err(rate_error(
                        path,
                        "amplitude",
                        format!("must not be negative, not {amplitude}"),
                    ));
                }
                if amplitude > mean {
                    return Err(rate_error(
                        path,
                        "amplitude",
                        format!(
                            "must not exceed the mean ({mean}), or the rate would go negative, \
                             not {amplitude}"
                        ),
                    ));
                }
                let period = finite_at(path, "period", spec.period)?;
                if period <= 0.0 {
                    return Err(rate_error(
                        path,
                        "period",
                        format!("must be positive, not {period}"),
                    ));
                }
                let phase = match spec.phase {
                    None => 0.0,
                    p => finite_at(path, "phase", p)?,
                };
                Ok(RateFunction::Sinusoid {
                    mean,
                    amplitude,
                    period,
                    phase,
                })
            }
            "piecewise" => {
                only(&["at", "values", "repeat"])?;
                let (Some(at), Some(values)) = (&spec.at, &spec.values) else {
                    let missing = if spec.at.is_none() { "at" } else { "values" };
                    return Err(InvalidKey::new(
                        path.clone(),
                        format!("a piecewise rate needs `{missing}`"),
                    ));
                };
                if at.is_empty() {
                    return Err(rate_error(path, "at", "needs at least one time"));
                }
                if at[0] != 0.0 {
                    return Err(rate_error(
                        path,
                        "at",
                        format!("must start at 0, not {}", at[0]),
                    ));
                }
                if let Some(i) = (1..at.len()).find(|&i| !(at[i] > at[i - 1] && at[i].is_finite()))
                {
                    return Err(InvalidKey::new(
                        path.key("at").index(i),
                        format!(
                            "must be strictly increasing: {} follows {}",
                            at[i],
                            at[i - 1]
                        ),
                    ));
                }
                if values.len() != at.len() {
                    return Err(rate_error(
                        path,
                        "values",
                        format!(
                            "needs one value per time of `at` ({}), not {}",
                            at.len(),
                            values.len()
                        ),
                    ));
                }
                if let Some(i) = values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                    return Err(InvalidKey::new(
                        path.key("values").index(i),
                        format!("must be a rate ≥ 0, not {}", values[i]),
                    ));
                }
                if values.iter().all(|&v| v == 0.0) {
                    return Err(rate_error(path, "values", "must not all be 0"));
                }
                let last = at[at.len() - 1];
                if let Some(r) = spec.repeat
                    && !(r.is_finite() && r > last)
                {
                    return Err(rate_error(
                        path,
                        "repeat",
                        format!("must exceed the last time of `at` ({last}), not {r}"),
                    ));
                }
                Ok(RateFunction::Piecewise(Schedule {
                    at: at.clone(),
                    values: values.clone(),
                    repeat: spec.repeat,
                }))
            }
            other => Err(rate_error(
                path,
                "kind",
                format!("unknown rate kind `{other}` (it is \"sinusoid\" or \"piecewise\")"),
            )),
        }
    }

    /// λ(t).
    pub fn at(&self, t: f64) -> f64 {
        match self {
            RateFunction::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => mean + amplitude * (TAU * t / period + phase).sin(),
            RateFunction::Piecewise(s) => {
                let t = s.repeat.map_or(t, |r| t.rem_euclid(r));
                let i = s.at.partition_point(|&a| a <= t) - 1;
                s.values[i]
            }
        }
    }

    /// Λ(a, b) = ∫ₐᵇ λ(t) dt, the expected count of arrivals in [a, b) (0 ≤ a ≤ b).
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        match self {
            RateFunction::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => {
                let w = TAU / period;
                mean * (b - a) - amplitude / w * ((w * b + phase).cos() - (w * a + phase).cos())
            }
            RateFunction::Piecewise(s) => {
                // Λ(0, t), piece by piece.
                let from_zero = |t: f64| {
                    let (cycles, t) = match s.repeat {
                        Some(r) => ((t / r).floor(), t - (t / r).floor() * r),
                        None => (0.0, t),
                    };
                    let per_cycle = s.repeat.map_or(0.0, |_| self.integral_of_cycle(s));
                    let mut sum = cycles * per_cycle;
                    for i in 0..s.at.len() {
                        let end = s.end_of(i).min(t);
                        if end > s.at[i] {
                            sum += s.values[i] * (end - s.at[i]);
                        }
                    }
                    sum
                };
                from_zero(b) - from_zero(a)
            }
        }
    }

    fn integral_of_cycle(&self, s: &Schedule) -> f64 {
        (0..s.at.len())
            .map(|i| s.values[i] * (s.end_of(i) - s.at[i]))
            .sum()
    }

    /// The long-run average rate: the mean of a sinusoid; the average over one cycle of a
    /// repeating schedule; the last value of a schedule that does not repeat (it holds for
    /// ever after the last `at`).
    pub fn mean_rate(&self) -> f64 {
        match self {
            RateFunction::Sinusoid { mean, .. } => *mean,
            RateFunction::Piecewise(s) => match s.repeat {
                Some(r) => self.integral_of_cycle(s) / r,
                None => s.values[s.values.len() - 1],
            },
        }
    }

    /// The squared coefficient of variation of the gaps, when the rate varies slowly beside
    /// them (each gap exponential at the rate of its time, times weighted by arrivals):
    /// 2·λ̄·avg(1/λ) − 1, where avg(1/λ) of a sinusoid is 1/√(mean² − amplitude²) (infinite
    /// when the rate reaches 0). An approximation for the models' view only: these arrivals
    /// are not a renewal process.
    pub fn slow_scv(&self) -> f64 {
        let mean_inverse = match self {
            RateFunction::Sinusoid {
                mean, amplitude, ..
            } => 1.0 / (mean * mean - amplitude * amplitude).sqrt(),
            RateFunction::Piecewise(s) => match s.repeat {
                Some(r) => {
                    (0..s.at.len())
                        .map(|i| (s.end_of(i) - s.at[i]) / s.values[i])
                        .sum::<f64>()
                        / r
                }
                None => 1.0 / s.values[s.values.len() - 1],
            },
        };
        2.0 * self.mean_rate() * mean_inverse - 1.0
    }

    /// The same time structure with every rate multiplied by `factor` (> 0).
    pub fn rates_scaled(&self, factor: f64) -> Self {
        match self {
            RateFunction::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => RateFunction::Sinusoid {
                mean: mean * factor,
                amplitude: amplitude * factor,
                period: *period,
                phase: *phase,
            },
            RateFunction::Piecewise(s) => RateFunction::Piecewise(Schedule {
                values: s.values.iter().map(|v| v * factor).collect(),
                ..s.clone()
            }),
        }
    }
}

/// Where a non-homogeneous Poisson process is: the time of its last arrival and, for a
/// schedule, the piece it is in and the start of the current cycle.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Nhpp {
    /// Time of the last arrival (0 before the first).
    t: f64,
    /// Piece of the schedule `t` is in.
    piece: usize,
    /// Start of the schedule's current cycle.
    cycle_start: f64,
}

impl Nhpp {
    /// The gap to the next arrival of the process of rate `f`, or None when the rate is 0 for
    /// ever after (a schedule that ends on 0 and does not repeat).
    #[inline]
    pub(super) fn next_gap<R: Rng + ?Sized>(
        &mut self,
        f: &RateFunction,
        rng: &mut R,
    ) -> Option<f64> {
        let before = self.t;
        match f {
            RateFunction::Sinusoid {
                mean, amplitude, ..
            } => {
                let max = mean + amplitude;
                loop {
                    let e: f64 = Exp1.sample(rng);
                    self.t += e / max;
                    let u: f64 = rng.random();
                    if u * max <= f.at(self.t) {
                        break;
                    }
                }
            }
            RateFunction::Piecewise(s) => {
                // Invert Λ: a unit exponential of integrated rate, used up piece by piece.
                let mut e: f64 = Exp1.sample(rng);
                loop {
                    let v = s.values[self.piece];
                    let end = self.cycle_start + s.end_of(self.piece);
                    let room = v * (end - self.t);
                    if e < room {
                        self.t += e / v;
                        break;
                    }
                    if end == f64::INFINITY {
                        return None;
                    }
                    e -= room;
                    self.t = end;
                    self.piece += 1;
                    if self.piece == s.at.len() {
                        self.piece = 0;
                        self.cycle_start = end;
                    }
                }
            }
        }
        Some(self.t - before)
    }
}
