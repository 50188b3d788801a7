//! A consumer schedule (`consumers = { at, values, repeat }`): the count on duty as a step
//! function of simulated time, validated from the file.

use crate::error::{InvalidKey, KeyPath};
use crate::scenario::file::ScheduleSpec;

/// A queue's consumer count as a step function of time: `values[i]` from `at[i]` until the
/// next boundary; with `repeat` the pattern restarts every `repeat` time units, without it
/// the last value holds for ever. `at[0]` is 0.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerSchedule {
    /// Boundaries within one period, strictly increasing, from 0.
    pub at: Vec<f64>,
    /// The count from each boundary on.
    pub values: Vec<u32>,
    /// The period, longer than the last boundary.
    pub repeat: Option<f64>,
}

/// Where a schedule stands: boundary `index` of period `cycle` (always 0 without `repeat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    /// The period.
    pub cycle: u64,
    /// The boundary within it.
    pub index: usize,
}

impl ConsumerSchedule {
    /// The most consumers the schedule ever has on duty.
    pub fn max(&self) -> u32 {
        self.values.iter().copied().max().unwrap_or(0)
    }

    /// The time of boundary `b`.
    pub fn time_of(&self, b: Boundary) -> f64 {
        b.cycle as f64 * self.repeat.unwrap_or(0.0) + self.at[b.index]
    }

    /// The count from boundary `b` on.
    pub fn value(&self, b: Boundary) -> u32 {
        self.values[b.index]
    }

    /// The boundary after `b`, if the schedule changes again.
    pub fn next(&self, b: Boundary) -> Option<Boundary> {
        if b.index + 1 < self.at.len() {
            return Some(Boundary {
                index: b.index + 1,
                ..b
            });
        }
        self.repeat.map(|_| Boundary {
            cycle: b.cycle + 1,
            index: 0,
        })
    }

    /// The count at time `t` ≥ 0.
    pub fn value_at(&self, t: f64) -> u32 {
        let u = self.repeat.map_or(t, |r| t.rem_euclid(r));
        let i = self.at.partition_point(|&a| a <= u).max(1) - 1;
        self.values[i]
    }

    /// The time-average count over `[from, to)` (`from < to`), exactly: the integral of the
    /// step function divided by the span.
    pub fn mean_over(&self, from: f64, to: f64) -> f64 {
        // Walk the boundaries in order from the one in force at `from`.
        let mut b = Boundary { cycle: 0, index: 0 };
        let mut area = 0.0;
        let mut t = from;
        if let Some(r) = self.repeat {
            b.cycle = (from / r).floor().max(0.0) as u64;
        }
        while let Some(n) = self.next(b).filter(|&n| self.time_of(n) <= t) {
            b = n;
        }
        loop {
            let end = self.next(b).map_or(f64::INFINITY, |n| self.time_of(n));
            let stop = end.min(to);
            area += f64::from(self.value(b)) * (stop - t);
            if end >= to {
                break;
            }
            t = end;
            b = self.next(b).expect("a boundary before `to`");
        }
        area / (to - from)
    }

    /// Validates `spec`, found at `path`.
    pub fn from_spec(spec: &ScheduleSpec, path: &KeyPath) -> Result<Self, InvalidKey> {
        let at_key = path.key("at");
        if spec.at.is_empty() {
            return Err(InvalidKey::new(
                at_key,
                "a schedule needs at least one boundary",
            ));
        }
        if spec.at[0] != 0.0 {
            return Err(InvalidKey::new(
                at_key.index(0),
                format!("a schedule starts at 0, not {}", spec.at[0]),
            ));
        }
        for (i, pair) in spec.at.windows(2).enumerate() {
            let increasing = pair[1].partial_cmp(&pair[0]) == Some(std::cmp::Ordering::Greater);
            if !increasing || !pair[1].is_finite() {
                return Err(InvalidKey::new(
                    at_key.index(i + 1),
                    format!(
                        "boundaries must be strictly increasing: {} after {}",
                        pair[1], pair[0]
                    ),
                ));
            }
        }
        if spec.values.len() != spec.at.len() {
            return Err(InvalidKey::new(
                path.key("values"),
                format!(
                    "{} values for {} boundaries in `at`: give one per boundary",
                    spec.values.len(),
                    spec.at.len()
                ),
            ));
        }
        let mut values = Vec::with_capacity(spec.values.len());
        for (i, &v) in spec.values.iter().enumerate() {
            match u32::try_from(v) {
                Ok(v) => values.push(v),
                Err(_) => {
                    return Err(InvalidKey::new(
                        path.key("values").index(i),
                        format!("a consumer count must be a whole number ≥ 0, not {v}"),
                    ));
                }
            }
        }
        if values.iter().all(|&v| v == 0) {
            return Err(InvalidKey::new(
                path.key("values"),
                "every value is 0: no consumer would ever work",
            ));
        }
        let last = spec.at[spec.at.len() - 1];
        if let Some(r) = spec.repeat
            && !(r > last && r.is_finite())
        {
            return Err(InvalidKey::new(
                path.key("repeat"),
                format!("the period must exceed the last boundary {last}, not {r}"),
            ));
        }
        Ok(ConsumerSchedule {
            at: spec.at.clone(),
            values,
            repeat: spec.repeat,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(at: &[f64], values: &[u32], repeat: Option<f64>) -> ConsumerSchedule {
        ConsumerSchedule {
            at: at.to_vec(),
            values: values.to_vec(),
            repeat,
        }
    }

    #[test]
    fn steps_repeat_and_average() {
        let s = schedule(&[0.0, 480.0, 1080.0], &[2, 8, 4], Some(1440.0));
        assert_eq!(s.value_at(0.0), 2);
        assert_eq!(s.value_at(479.9), 2);
        assert_eq!(s.value_at(480.0), 8);
        assert_eq!(s.value_at(1439.0), 4);
        assert_eq!(s.value_at(1440.0 + 500.0), 8);
        assert_eq!(s.max(), 8);
        // A whole day: (2·480 + 8·600 + 4·360) / 1440 = 7200 / 1440 = 5.
        assert!((s.mean_over(0.0, 1440.0) - 5.0).abs() < 1e-12);
        // [400, 500): 80 at 2 and 20 at 8: 3.2.
        assert!((s.mean_over(400.0, 500.0) - 3.2).abs() < 1e-12);
        assert!((s.mean_over(1440.0 + 400.0, 1440.0 + 500.0) - 3.2).abs() < 1e-9);
        let b = Boundary { cycle: 0, index: 2 };
        let n = s.next(b).unwrap();
        assert_eq!((n, s.time_of(n)), (Boundary { cycle: 1, index: 0 }, 1440.0));
    }

    #[test]
    fn without_repeat_the_last_value_holds() {
        let s = schedule(&[0.0, 10.0], &[1, 3], None);
        assert_eq!(s.value_at(1e9), 3);
        assert_eq!(s.next(Boundary { cycle: 0, index: 1 }), None);
        assert!((s.mean_over(5.0, 15.0) - 2.0).abs() < 1e-12);
    }
}
