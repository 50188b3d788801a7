//! The distribution of a sojourn time as far as a run's reported percentiles describe it.

/// A distribution of sojourn times T known by its percentiles: the survival S(t) = P(T > t)
/// runs through (0, 1) and through (sₚ, 1 − p) for each percentile sₚ, log-linear in
/// between (exponential within each stretch), and exponential beyond the last percentile with
/// the last stretch's mean excess (at the last percentile if the last two are equal). Two
/// equal percentiles hold the probability between them at one point. Exact for an
/// exponential T; for any other, an interpolation that keeps every reported percentile and
/// follows the reported tail.
#[derive(Debug, Clone, PartialEq)]
pub struct SojournTail {
    /// (t, S(t)) from (0, 1): t nondecreasing, S decreasing.
    knots: Vec<(f64, f64)>,
    /// Mean excess beyond the last knot (0: its probability sits at the knot).
    tail_scale: f64,
}

/// One stretch between two knots: from (a, S_a) to (b, S_b), with mean excess `scale`
/// ((b − a)/ln(S_a/S_b), 0 for a point).
#[derive(Debug, Clone, Copy)]
struct Stretch {
    a: f64,
    b: f64,
    s_a: f64,
    s_b: f64,
    scale: f64,
}

impl SojournTail {
    /// The distribution through `percentiles`, each (p, sₚ) with p in (0, 1) increasing and
    /// sₚ ≥ 0 nondecreasing. None if they are not (a scope no message reached has NaN
    /// percentiles) or if there are none.
    pub fn new(percentiles: &[(f64, f64)]) -> Option<Self> {
        let mut knots = vec![(0.0, 1.0)];
        for &(p, s) in percentiles {
            let &(t, survival) = knots.last()?;
            let ok = p > 0.0 && p < 1.0 && 1.0 - p < survival && s.is_finite() && s >= t;
            if !ok {
                return None;
            }
            knots.push((s, 1.0 - p));
        }
        if knots.len() < 2 {
            return None;
        }
        let mut tail = Self {
            knots,
            tail_scale: 0.0,
        };
        tail.tail_scale = tail.stretches().last().map_or(0.0, |s| s.scale);
        Some(tail)
    }

    /// The stretches between consecutive knots.
    fn stretches(&self) -> impl Iterator<Item = Stretch> + '_ {
        self.knots.windows(2).map(|w| {
            let ((a, s_a), (b, s_b)) = (w[0], w[1]);
            Stretch {
                a,
                b,
                s_a,
                s_b,
                scale: if b > a {
                    (b - a) / (s_a / s_b).ln()
                } else {
                    0.0
                },
            }
        })
    }

    /// The last knot (t, S(t)).
    fn last(&self) -> (f64, f64) {
        *self.knots.last().expect("at least two knots")
    }

    /// The partial moments of T over (`from`, `to`]: P(from < T ≤ to), E[T; from < T ≤ to]
    /// and E[T²; from < T ≤ to], in closed form (`to` may be infinite). Any expectation of a
    /// piecewise quadratic function of T is a sum of these.
    pub fn moments(&self, from: f64, to: f64) -> [f64; 3] {
        let mut sum = [0.0; 3];
        let mut add = |m: [f64; 3]| {
            for (s, x) in sum.iter_mut().zip(m) {
                *s += x;
            }
        };
        let (t_last, s_last) = self.last();
        let tail = Stretch {
            a: t_last,
            b: f64::INFINITY,
            s_a: s_last,
            s_b: 0.0,
            scale: self.tail_scale,
        };
        for s in self.stretches().chain(std::iter::once(tail)) {
            if s.scale == 0.0 {
                // A point holding S_a − S_b.
                if from < s.a && s.a <= to {
                    let mass = s.s_a - s.s_b;
                    add([mass, mass * s.a, mass * s.a * s.a]);
                }
                continue;
            }
            let (l, r) = (from.max(s.a), to.min(s.b));
            if l < r {
                // ∫ tᵏ (S_a/m)e^(−(t − a)/m) dt from l to r, k = 0, 1, 2.
                let m = s.scale;
                let at = |t: f64| {
                    if t.is_infinite() {
                        return [0.0; 3];
                    }
                    let survival = s.s_a * (-(t - s.a) / m).exp();
                    [
                        survival,
                        (t + m) * survival,
                        (t * t + 2.0 * m * t + 2.0 * m * m) * survival,
                    ]
                };
                let (left, right) = (at(l), at(r));
                add([left[0] - right[0], left[1] - right[1], left[2] - right[2]]);
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// S(t) = P(T > t), from the partial moments.
    fn survival(d: &SojournTail, t: f64) -> f64 {
        d.moments(t, f64::INFINITY)[0]
    }

    /// The percentiles of an exponential distribution of mean `m`.
    fn exponential(m: f64) -> SojournTail {
        let points: Vec<(f64, f64)> = [0.5, 0.9, 0.99, 0.999]
            .iter()
            .map(|&p: &f64| (p, -m * (1.0 - p).ln()))
            .collect();
        SojournTail::new(&points).unwrap()
    }

    #[test]
    fn an_exponential_is_recovered_exactly() {
        let e = exponential(2.0);
        for t in [0.0f64, 0.3, 1.386, 5.0, 13.8, 20.0, 40.0] {
            let want = (-t / 2.0).exp();
            assert!(
                (survival(&e, t) - want).abs() < 1e-12 * want.max(1e-300),
                "S({t})"
            );
        }
        // Moments against their closed forms: E[T] = 2, E[T²] = 8, P(T > 5) = e^(−5/2),
        // E[T; 1 < T ≤ 5] = (1 + 2)e^(−1/2) − (5 + 2)e^(−5/2).
        let inf = f64::INFINITY;
        let [p, m1, m2] = e.moments(-1.0, inf);
        assert!((p - 1.0).abs() < 1e-12 && (m1 - 2.0).abs() < 1e-12 && (m2 - 8.0).abs() < 1e-12);
        assert!((e.moments(5.0, inf)[0] - (-2.5f64).exp()).abs() < 1e-15);
        let want = 3.0 * (-0.5f64).exp() - 7.0 * (-2.5f64).exp();
        assert!((e.moments(1.0, 5.0)[1] - want).abs() < 1e-12);
    }

    #[test]
    fn equal_percentiles_hold_a_point_mass() {
        // Every percentile at 3: T = 3 for the probability above the median, and the
        // median's lower half spread exponentially below it.
        let d = SojournTail::new(&[(0.5, 3.0), (0.9, 3.0), (0.99, 3.0), (0.999, 3.0)]).unwrap();
        assert_eq!(survival(&d, 3.0), 0.0);
        assert!((survival(&d, 2.999) - 0.5).abs() < 1e-3);
        // E[T; T > 2.5]: the point's 0.5 at 3, plus the stretch from 2.5 to 3.
        let scale = 3.0 / 2f64.ln();
        let stretch = |t: f64| (-t / scale).exp();
        let want = 1.5 + (2.5 + scale) * stretch(2.5) - (3.0 + scale) * stretch(3.0);
        assert!((d.moments(2.5, f64::INFINITY)[1] - want).abs() < 1e-12);
        // Nothing lies beyond the point.
        assert_eq!(d.moments(3.0, f64::INFINITY), [0.0; 3]);
    }

    #[test]
    fn moments_add_up_over_pieces() {
        // A second method: Simpson's rule on t·f(t) over a stretch, against the closed form.
        let d = SojournTail::new(&[(0.5, 1.0), (0.9, 4.0), (0.99, 4.0), (0.999, 9.0)]).unwrap();
        let n = 20_000;
        let (a, b) = (1.5, 3.5);
        let h = (b - a) / n as f64;
        let density = |t: f64| (survival(&d, t - 1e-7) - survival(&d, t + 1e-7)) / 2e-7;
        let simpson: f64 = (0..=n)
            .map(|i| {
                let t = a + h * i as f64;
                let w = if i == 0 || i == n {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * t * density(t)
            })
            .sum::<f64>()
            * h
            / 3.0;
        assert!((d.moments(a, b)[1] - simpson).abs() < 1e-6, "{simpson}");
        // Pieces sum to the whole, the point at 4 (0.09) included once.
        let inf = f64::INFINITY;
        let whole = d.moments(-1.0, inf);
        let split = [
            d.moments(-1.0, 4.0),
            d.moments(4.0, 6.0),
            d.moments(6.0, inf),
        ];
        for k in 0..3 {
            let parts: f64 = split.iter().map(|m| m[k]).sum();
            assert!((parts - whole[k]).abs() < 1e-12 * whole[k]);
        }
        assert!((d.moments(3.9, 4.0)[0] - 0.09 - (survival(&d, 3.9) - 0.1)).abs() < 1e-12);
    }

    #[test]
    fn bad_percentiles_are_refused() {
        assert!(SojournTail::new(&[]).is_none());
        assert!(SojournTail::new(&[(0.5, f64::NAN)]).is_none());
        assert!(SojournTail::new(&[(0.5, 2.0), (0.9, 1.0)]).is_none());
        assert!(SojournTail::new(&[(0.9, 2.0), (0.5, 3.0)]).is_none());
        assert!(SojournTail::new(&[(0.5, -1.0)]).is_none());
    }
}
