//! Arrival-rate functions λ(t) of a non-homogeneous Poisson process, with exact integrals.

use std::f64::consts::TAU;

use crate::ModelError;

/// An arrival rate that changes with time, as a scenario's `rate = { kind = ... }` gives it.
/// Simulated time starts at t = 0 with an empty system, so λ(t) = 0 for t < 0.
#[derive(Debug, Clone, PartialEq)]
pub enum RateFn {
    /// A constant rate (a homogeneous Poisson process).
    Constant(f64),
    /// λ(t) = mean + amplitude·sin(2π·t/period + phase), phase in radians.
    Sinusoid {
        /// Mean rate (> 0).
        mean: f64,
        /// Amplitude, 0 ≤ amplitude ≤ mean.
        amplitude: f64,
        /// Period (> 0).
        period: f64,
        /// Phase in radians.
        phase: f64,
    },
    /// λ(t) = values[i] for at[i] ≤ (t mod repeat) < at[i + 1]; without `repeat` the last
    /// value holds for ever.
    Piecewise {
        /// Start of each piece: strictly increasing, at[0] = 0.
        at: Vec<f64>,
        /// The rate on each piece (≥ 0, not all 0).
        values: Vec<f64>,
        /// Cycle length (greater than the last `at`), if the schedule repeats.
        repeat: Option<f64>,
    },
    /// λ(t) = Σ parts[i](t): the superposition of independent non-homogeneous Poisson
    /// processes (several producers feeding one queue) is Poisson with the summed rate.
    Sum(Vec<RateFn>),
}

fn invalid(name: &'static str, value: f64, reason: &'static str) -> ModelError {
    ModelError::InvalidParameter {
        name,
        value,
        reason,
    }
}

impl RateFn {
    /// A sinusoid; errors unless mean > 0, 0 ≤ amplitude ≤ mean, period > 0, phase finite.
    pub fn sinusoid(
        mean: f64,
        amplitude: f64,
        period: f64,
        phase: f64,
    ) -> Result<Self, ModelError> {
        let mean = crate::positive("mean", mean)?;
        if !(0.0..=mean).contains(&amplitude) {
            return Err(invalid(
                "amplitude",
                amplitude,
                "must satisfy 0 <= amplitude <= mean",
            ));
        }
        let period = crate::positive("period", period)?;
        if !phase.is_finite() {
            return Err(invalid("phase", phase, "must be finite"));
        }
        Ok(RateFn::Sinusoid {
            mean,
            amplitude,
            period,
            phase,
        })
    }

    /// A piecewise-constant schedule; errors unless `at` starts at 0 and strictly increases,
    /// `values` has the same length with entries ≥ 0 not all 0, and `repeat` (if any)
    /// exceeds the last `at`.
    pub fn piecewise(
        at: Vec<f64>,
        values: Vec<f64>,
        repeat: Option<f64>,
    ) -> Result<Self, ModelError> {
        if at.is_empty() || at.len() != values.len() {
            return Err(invalid(
                "values",
                values.len() as f64,
                "needs one value per entry of at",
            ));
        }
        if at[0] != 0.0 {
            return Err(invalid("at", at[0], "must start at 0"));
        }
        if let Some(w) = at.windows(2).find(|w| w[1] <= w[0] || !w[1].is_finite()) {
            return Err(invalid(
                "at",
                w[1],
                "must be finite and strictly increasing",
            ));
        }
        if let Some(&v) = values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(invalid("values", v, "must be finite and >= 0"));
        }
        if values.iter().all(|&v| v == 0.0) {
            return Err(invalid("values", 0.0, "must not all be 0"));
        }
        if let Some(r) = repeat
            && !(r.is_finite() && r > *at.last().unwrap())
        {
            return Err(invalid("repeat", r, "must exceed the last at"));
        }
        Ok(RateFn::Piecewise { at, values, repeat })
    }

    /// The sum of `parts` (at least one): a single part is returned as it is.
    pub fn sum(mut parts: Vec<RateFn>) -> Result<Self, ModelError> {
        match parts.len() {
            0 => Err(invalid("parts", 0.0, "a sum needs at least one rate")),
            1 => Ok(parts.pop().unwrap()),
            _ => Ok(RateFn::Sum(parts)),
        }
    }

    /// Whether λ is constant between the points [`RateFn::breakpoints`] gives (a constant,
    /// a piecewise schedule, or a sum of those).
    pub fn is_step(&self) -> bool {
        match self {
            RateFn::Constant(_) | RateFn::Piecewise { .. } => true,
            RateFn::Sinusoid { .. } => false,
            RateFn::Sum(parts) => parts.iter().all(RateFn::is_step),
        }
    }

    /// λ(t); 0 for t < 0.
    pub fn rate(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 0.0;
        }
        match self {
            RateFn::Constant(l) => *l,
            RateFn::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => mean + amplitude * (TAU * t / period + phase).sin(),
            RateFn::Piecewise { at, values, repeat } => {
                let x = repeat.map_or(t, |r| t.rem_euclid(r));
                values[at.partition_point(|&a| a <= x) - 1]
            }
            RateFn::Sum(parts) => parts.iter().map(|p| p.rate(t)).sum(),
        }
    }

    /// Whether λ jumps somewhere (a piecewise schedule, alone or in a sum).
    pub fn has_jumps(&self) -> bool {
        match self {
            RateFn::Piecewise { .. } => true,
            RateFn::Sum(parts) => parts.iter().any(RateFn::has_jumps),
            _ => false,
        }
    }

    /// Λ(0, t) = ∫_0^t λ, exactly; 0 for t ≤ 0.
    pub fn cumulative(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        match self {
            RateFn::Constant(l) => l * t,
            RateFn::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => {
                let w = TAU / period;
                mean * t - amplitude / w * ((w * t + phase).cos() - phase.cos())
            }
            RateFn::Piecewise { at, values, repeat } => match repeat {
                None => within(at, values, f64::INFINITY, t),
                Some(r) => {
                    let cycles = (t / r).floor();
                    cycles * within(at, values, *r, *r) + within(at, values, *r, t - cycles * r)
                }
            },
            RateFn::Sum(parts) => parts.iter().map(|p| p.cumulative(t)).sum(),
        }
    }

    /// Λ(a, b) = ∫_a^b λ, exactly (0 below t = 0).
    pub fn integrated(&self, a: f64, b: f64) -> f64 {
        self.cumulative(b) - self.cumulative(a)
    }

    /// The largest rate λ(t) takes over all t ≥ 0; for a [`RateFn::Sum`], the sum of its
    /// parts' largest rates (an upper bound, reached when the parts peak together).
    pub fn max_rate(&self) -> f64 {
        match self {
            RateFn::Constant(l) => *l,
            RateFn::Sinusoid {
                mean, amplitude, ..
            } => mean + amplitude,
            RateFn::Piecewise { values, .. } => values.iter().cloned().fold(0.0, f64::max),
            RateFn::Sum(parts) => parts.iter().map(RateFn::max_rate).sum(),
        }
    }

    /// The largest rate λ(t) takes for t in [a, b] (b > a ≥ 0). For a [`RateFn::Sum`]:
    /// exact when at most one part is a sinusoid (between jumps the sum is then a constant
    /// plus one sinusoid, largest at an end or at the sinusoid's peak); with several
    /// sinusoids, the largest value found at those points and on a grid of 1024 steps
    /// (a lower bound).
    pub fn max_on(&self, a: f64, b: f64) -> f64 {
        match self {
            RateFn::Sum(parts) => {
                let mut points = vec![a, b];
                let jumps = self.breakpoints(a, b);
                for &x in &jumps {
                    points.push(x);
                    // The piece before the jump, just short of it.
                    points.push(x - 1e-9 * (b - a));
                }
                let mut sinusoids = 0;
                for p in parts {
                    if let RateFn::Sinusoid { period, phase, .. } = *p {
                        sinusoids += 1;
                        let w = TAU / period;
                        let mut k = ((w * a + phase - std::f64::consts::FRAC_PI_2) / TAU).ceil();
                        loop {
                            let peak = (std::f64::consts::FRAC_PI_2 + TAU * k - phase) / w;
                            if peak > b {
                                break;
                            }
                            points.push(peak);
                            k += 1.0;
                        }
                    }
                }
                if sinusoids > 1 {
                    points.extend((1..1024).map(|i| a + (b - a) * f64::from(i) / 1024.0));
                }
                points
                    .into_iter()
                    .filter(|&t| t >= a && t <= b)
                    .map(|t| self.rate(t))
                    .fold(0.0, f64::max)
            }
            RateFn::Constant(l) => *l,
            RateFn::Sinusoid {
                mean,
                amplitude,
                period,
                phase,
            } => {
                // sin peaks where 2πt/period + phase = π/2 + 2πk.
                let w = TAU / period;
                let k = ((w * a + phase - std::f64::consts::FRAC_PI_2) / TAU).ceil();
                let peak = (std::f64::consts::FRAC_PI_2 + TAU * k - phase) / w;
                if peak <= b {
                    mean + amplitude
                } else {
                    self.rate(a).max(self.rate(b))
                }
            }
            RateFn::Piecewise { .. } => {
                let mut m = self.rate(a).max(self.rate(b));
                for x in self.breakpoints(a, b) {
                    m = m.max(self.rate(x));
                }
                m
            }
        }
    }

    /// The long-run mean rate.
    pub fn mean_rate(&self) -> f64 {
        match self {
            RateFn::Constant(l) => *l,
            RateFn::Sinusoid { mean, .. } => *mean,
            RateFn::Piecewise { at, values, repeat } => match repeat {
                None => *values.last().unwrap(),
                Some(r) => within(at, values, *r, *r) / r,
            },
            RateFn::Sum(parts) => parts.iter().map(RateFn::mean_rate).sum(),
        }
    }

    /// The points in (a, b) where λ jumps (the starts of pieces of a piecewise schedule).
    pub fn breakpoints(&self, a: f64, b: f64) -> Vec<f64> {
        if let RateFn::Sum(parts) = self {
            let mut out: Vec<f64> = parts.iter().flat_map(|p| p.breakpoints(a, b)).collect();
            out.sort_by(f64::total_cmp);
            out.dedup();
            return out;
        }
        let RateFn::Piecewise { at, repeat, .. } = self else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let (lo, hi) = (a.max(0.0), b);
        match repeat {
            None => out.extend(at.iter().copied().filter(|&x| x > lo && x < hi)),
            Some(r) => {
                let mut base = (lo / r).floor() * r;
                while base < hi {
                    out.extend(at.iter().map(|x| base + x).filter(|&x| x > lo && x < hi));
                    base += r;
                }
            }
        }
        out
    }
}

/// ∫_0^x of one cycle of a piecewise schedule whose last piece ends at `end`, x ≤ end.
fn within(at: &[f64], values: &[f64], end: f64, x: f64) -> f64 {
    let mut sum = 0.0;
    for (i, (&start, &v)) in at.iter().zip(values).enumerate() {
        if start >= x {
            break;
        }
        let stop = at.get(i + 1).copied().unwrap_or(end).min(x);
        sum += v * (stop - start);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_varying::quad::integrate;

    #[test]
    fn integrals_match_quadrature() {
        let rates = [
            RateFn::sinusoid(5.0, 3.0, 7.0, 0.4).unwrap(),
            RateFn::piecewise(vec![0.0, 2.0, 3.5], vec![1.0, 4.0, 0.5], Some(6.0)).unwrap(),
            RateFn::piecewise(vec![0.0, 2.0], vec![1.0, 3.0], None).unwrap(),
            RateFn::Constant(2.5),
            RateFn::sum(vec![
                RateFn::sinusoid(5.0, 3.0, 7.0, 0.4).unwrap(),
                RateFn::piecewise(vec![0.0, 2.0, 3.5], vec![1.0, 4.0, 0.5], Some(6.0)).unwrap(),
                RateFn::Constant(0.5),
            ])
            .unwrap(),
        ];
        for r in &rates {
            for &(a, b) in &[(0.0, 1.3), (0.7, 19.9), (5.0, 6.0), (12.0, 30.25)] {
                let kinks = r.breakpoints(a, b);
                let q = integrate(&|t| r.rate(t), a, b, &kinks, 1e-12);
                assert!((r.integrated(a, b) - q).abs() < 1e-9, "{r:?} on [{a}, {b}]");
            }
        }
    }

    #[test]
    fn hand_values() {
        let p = RateFn::piecewise(vec![0.0, 2.0, 3.5], vec![1.0, 4.0, 0.5], Some(6.0)).unwrap();
        // One cycle: 2·1 + 1.5·4 + 2.5·0.5 = 9.25.
        assert!((p.integrated(0.0, 6.0) - 9.25).abs() < 1e-12);
        assert!((p.integrated(6.0, 14.0) - (9.25 + 2.0)).abs() < 1e-12);
        assert_eq!(p.rate(8.5), 4.0);
        assert!((p.mean_rate() - 9.25 / 6.0).abs() < 1e-15);
        assert_eq!(p.max_on(9.6, 13.0), 1.0);
        assert_eq!(p.max_on(9.6, 14.0), 4.0);
        let s = RateFn::sinusoid(5.0, 3.0, 8.0, 0.0).unwrap();
        // One full period integrates to mean·period.
        assert!((s.integrated(1.0, 9.0) - 40.0).abs() < 1e-12);
        assert_eq!(s.max_on(1.0, 3.0), 8.0);
        assert!((s.max_on(3.0, 5.0) - s.rate(3.0)).abs() < 1e-15);
        assert_eq!(s.rate(-1.0), 0.0);
    }

    /// A sum by hand: its rate, integral, mean, jumps and largest value on an interval,
    /// the latter against a fine grid (an independent search).
    #[test]
    fn sum_by_hand() {
        let step = RateFn::piecewise(vec![0.0, 2.0, 3.5], vec![1.0, 4.0, 0.5], Some(6.0)).unwrap();
        let wave = RateFn::sinusoid(5.0, 3.0, 8.0, 0.0).unwrap();
        let s = RateFn::sum(vec![step.clone(), wave.clone()]).unwrap();
        assert_eq!(s.rate(2.5), 4.0 + wave.rate(2.5));
        // One cycle of the step (9.25) plus a full period of the sinusoid (40).
        assert!(
            (s.integrated(0.0, 6.0) + s.integrated(6.0, 8.0) - (9.25 + 2.0 + 40.0)).abs() < 1e-12
        );
        assert!((s.mean_rate() - (9.25 / 6.0 + 5.0)).abs() < 1e-12);
        assert_eq!(s.breakpoints(1.0, 9.0), vec![2.0, 3.5, 6.0, 8.0]);
        assert!(!s.is_step());
        assert!(
            RateFn::sum(vec![step.clone(), RateFn::Constant(1.0)])
                .unwrap()
                .is_step()
        );
        assert_eq!(RateFn::sum(vec![step.clone()]).unwrap(), step);
        assert!(RateFn::sum(Vec::new()).is_err());
        for &(a, b) in &[(0.0, 6.0), (2.1, 3.4), (3.6, 5.9), (0.5, 17.0)] {
            let grid = (0..=200_000)
                .map(|i| s.rate(a + (b - a) * f64::from(i) / 200_000.0))
                .fold(0.0, f64::max);
            let m = s.max_on(a, b);
            assert!(
                m >= grid - 1e-9 && m <= grid + 1e-3,
                "[{a}, {b}]: {m} vs {grid}"
            );
        }
        assert_eq!(s.max_rate(), 4.0 + 8.0);
    }

    /// A sum is its parts added: rates, integrals (against quadrature), jumps, means.
    #[test]
    fn sums_add_their_parts() {
        let a = RateFn::piecewise(vec![0.0, 2.0, 3.5], vec![1.0, 4.0, 0.5], Some(6.0)).unwrap();
        let b = RateFn::sinusoid(5.0, 3.0, 7.0, 0.4).unwrap();
        let c = RateFn::piecewise(vec![0.0, 3.5, 5.0], vec![2.0, 0.0, 1.0], None).unwrap();
        let s = RateFn::sum(vec![a.clone(), b.clone(), c.clone()]).unwrap();
        assert!(s.has_jumps() && !b.has_jumps());
        for t in [0.0, 1.9, 2.0, 3.6, 11.0] {
            assert_eq!(s.rate(t), a.rate(t) + b.rate(t) + c.rate(t));
        }
        // Hand value: a at 2.5 is 4, c is 2, b is 5 + 3·sin(2π·2.5/7 + 0.4).
        let hand = 4.0 + 2.0 + 5.0 + 3.0 * (TAU * 2.5 / 7.0 + 0.4).sin();
        assert!((s.rate(2.5) - hand).abs() < 1e-12);
        for &(lo, hi) in &[(0.0, 1.3), (0.7, 19.9), (12.0, 30.25)] {
            let kinks = s.breakpoints(lo, hi);
            let q = integrate(&|t| s.rate(t), lo, hi, &kinks, 1e-12);
            assert!((s.integrated(lo, hi) - q).abs() < 1e-9, "[{lo}, {hi}]");
        }
        // 3.5 is a jump of both a and c: listed once.
        assert_eq!(s.breakpoints(3.0, 4.0), vec![3.5]);
        assert!((s.mean_rate() - (9.25 / 6.0 + 5.0 + 1.0)).abs() < 1e-12);
        assert_eq!(s.max_rate(), 4.0 + 8.0 + 2.0);
        assert!(RateFn::sum(Vec::new()).is_err());
        assert_eq!(RateFn::sum(vec![b.clone()]).unwrap(), b);
    }

    #[test]
    fn rejects_bad_schedules() {
        assert!(RateFn::sinusoid(1.0, 2.0, 1.0, 0.0).is_err());
        assert!(RateFn::piecewise(vec![1.0], vec![1.0], None).is_err());
        assert!(RateFn::piecewise(vec![0.0, 0.0], vec![1.0, 1.0], None).is_err());
        assert!(RateFn::piecewise(vec![0.0, 1.0], vec![0.0, 0.0], None).is_err());
        assert!(RateFn::piecewise(vec![0.0, 1.0], vec![1.0, 2.0], Some(1.0)).is_err());
    }
}
