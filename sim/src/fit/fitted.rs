//! The fitted distribution's CDF and quantiles, rebuilt from a [`Fit`]'s spec: for the KS
//! statistic's check, the `--plot` charts and Q-Q plots.

use statrs::distribution::ContinuousCDF;

use super::Fit;

impl Fit {
    /// P(X ≤ x) under the fitted distribution, with the fitted parameters: statrs' CDFs for
    /// exponential, gamma, lognormal, weibull and pareto; 1 − Σ pᵢ e^(−rᵢ x) for the
    /// hyperexponential; a unit step at the value for deterministic. NaN for a NaN `x`, or
    /// when [`Fit::spec`] is not a valid distribution of [`Fit::kind`] (a hand-made `Fit`:
    /// [`super::fit_all`]'s are always valid).
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        match self.fitted() {
            Some(Fitted::Continuous(d)) => d.cdf(x),
            Some(Fitted::Hyperexponential(h)) => h.cdf(x),
            Some(Fitted::Deterministic(v)) => {
                if x >= v {
                    1.0
                } else {
                    0.0
                }
            }
            None => f64::NAN,
        }
    }

    /// The p-quantile, inf { x : F(x) ≥ p }, of the fitted distribution: statrs' inverse
    /// CDFs where statrs has one, bisection on the CDF for the hyperexponential. NaN unless
    /// 0 ≤ p ≤ 1, or when the spec is not valid (as for [`Fit::cdf`]).
    ///
    /// statrs' answer is checked against its own CDF and, when F(Q(p)) misses p by more than
    /// [`quantile_tolerance`], polished by bisection: statrs 0.19's gamma inverse stops early
    /// for shape < 1 at small p (F(Q(10⁻⁶)) came out 3.5·10⁻⁶ for shape 0.6), where Q-Q
    /// plots of bursty data need it.
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        match self.fitted() {
            Some(Fitted::Continuous(d)) => {
                let q = d.inverse_cdf(p);
                if p == 0.0 || p == 1.0 {
                    return q;
                }
                polish(|x| d.cdf(x), p, q)
            }
            Some(Fitted::Hyperexponential(h)) => h.quantile(p),
            Some(Fitted::Deterministic(v)) => v,
            None => f64::NAN,
        }
    }

    /// The fitted distribution, rebuilt from [`Fit::spec`]; None if the spec is not valid.
    fn fitted(&self) -> Option<Fitted> {
        use statrs::distribution::{Exp, Gamma, LogNormal, Pareto, Weibull};
        let s = &self.spec;
        let d: Box<dyn ContinuousCDF<f64, f64>> = match self.kind {
            "deterministic" => return s.value.filter(|v| v.is_finite()).map(Fitted::Deterministic),
            "hyperexponential" => {
                let (probs, rates) = (s.probs.clone()?, s.rates.clone()?);
                let valid = !rates.is_empty()
                    && probs.len() == rates.len()
                    && rates.iter().all(|r| r.is_finite() && *r > 0.0)
                    && probs.iter().all(|p| (0.0..=1.0).contains(p))
                    && (probs.iter().sum::<f64>() - 1.0).abs() < 1e-9;
                return valid.then_some(Fitted::Hyperexponential(Hyper { probs, rates }));
            }
            "exponential" => Box::new(Exp::new(s.rate?).ok()?),
            // statrs' gamma takes a rate, the scenario a scale.
            "gamma" => Box::new(Gamma::new(s.shape?, 1.0 / s.scale?).ok()?),
            "lognormal" => Box::new(LogNormal::new(s.mu?, s.sigma?).ok()?),
            "weibull" => Box::new(Weibull::new(s.shape?, s.scale?).ok()?),
            // statrs' order is (scale x_m, shape α).
            "pareto" => Box::new(Pareto::new(s.scale?, s.shape?).ok()?),
            _ => return None,
        };
        Some(Fitted::Continuous(d))
    }
}

/// Relative accuracy (in probability) that [`Fit::quantile`] aims at: |F(Q(p)) − p| is at
/// most this times min(p, 1 − p), plus [`f64::EPSILON`] — the floor of CDFs computed as
/// 1 − e^(…) (statrs' exponential among them), which cannot resolve a small p any finer.
pub const QUANTILE_TOLERANCE: f64 = 1e-12;

/// The tolerance of [`QUANTILE_TOLERANCE`] at probability `p`.
pub fn quantile_tolerance(p: f64) -> f64 {
    QUANTILE_TOLERANCE * p.min(1.0 - p) + f64::EPSILON
}

/// `q` if F(q) is within [`QUANTILE_TOLERANCE`] of `p` (0 < p < 1), else the quantile found
/// by bisection on ln x from a bracket around `q` (F continuous and increasing on x > 0).
fn polish(cdf: impl Fn(f64) -> f64, p: f64, q: f64) -> f64 {
    let tol = quantile_tolerance(p);
    if q.is_finite() && q > 0.0 && (cdf(q) - p).abs() <= tol {
        return q;
    }
    let start = if q.is_finite() && q > 0.0 { q } else { 1.0 };
    let (mut lo, mut hi) = (start, start);
    // F(lo) < p ≤ F(hi), widening by factors of 2 (2¹⁰⁰⁰ spans every positive double).
    for _ in 0..1100 {
        if cdf(lo) < p {
            break;
        }
        lo /= 2.0;
    }
    for _ in 0..1100 {
        if cdf(hi) >= p {
            break;
        }
        hi *= 2.0;
    }
    if !(cdf(lo) < p && cdf(hi) >= p) {
        return q;
    }
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if mid <= lo || mid >= hi {
            break;
        }
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// A fitted distribution, for its CDF and quantiles.
enum Fitted {
    Continuous(Box<dyn ContinuousCDF<f64, f64>>),
    Hyperexponential(Hyper),
    Deterministic(f64),
}

/// A mixture of exponentials: phase i with probability `probs[i]`, rate `rates[i]`.
struct Hyper {
    probs: Vec<f64>,
    rates: Vec<f64>,
}

impl Hyper {
    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let survival: f64 = self
            .probs
            .iter()
            .zip(&self.rates)
            .map(|(p, r)| p * (-r * x).exp())
            .sum();
        (1.0 - survival).clamp(0.0, 1.0)
    }

    /// Bisection on the CDF. With r_min and r_max the smallest and largest rates,
    /// 1 − e^(−r_max x) ≥ F(x) ≥ 1 − e^(−r_min x), so the quantile lies between
    /// −ln(1 − p)/r_max and −ln(1 − p)/r_min: a bracket that needs no search.
    fn quantile(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        if p >= 1.0 {
            return f64::INFINITY;
        }
        let tail = -(-p).ln_1p();
        let (r_min, r_max) = self
            .rates
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &r| {
                (lo.min(r), hi.max(r))
            });
        let (mut lo, mut hi) = (tail / r_max, tail / r_min);
        // Each step halves the bracket: 200 steps reach adjacent doubles from any start.
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if self.cdf(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Pareto, Weibull};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;
    use crate::dist::DistSpec;
    use crate::fit::tests::{N, draw};
    use crate::fit::{fit_all, ks_statistic};

    /// A fit of `kind` with the given spec parameters (the other fields do not matter here).
    fn fit_of(kind: &'static str, spec: DistSpec) -> Fit {
        Fit {
            kind,
            params: Vec::new(),
            spec: DistSpec {
                kind: kind.into(),
                ..spec
            },
            mean: f64::NAN,
            scv: f64::NAN,
            loglik: f64::NAN,
            n_params: 0,
            aic: f64::NAN,
            ks: f64::NAN,
            ks_p: f64::NAN,
        }
    }

    /// Each family's CDF at points where it has a closed form, written out here rather than
    /// taken from any library.
    #[test]
    fn cdfs_match_closed_forms() {
        let e = std::f64::consts::E;
        // statrs' erfc is good to a few 1e-11 (Φ(1) comes out 1.4e-11 low), the other
        // forms to rounding: 1e-10 catches any mix-up of parameters (rate for scale, …).
        let close = |got: f64, want: f64, what: &str| {
            assert!((got - want).abs() < 1e-10, "{what}: {got} vs {want}");
        };
        // Exponential at its mean: 1 − 1/e.
        let exp = fit_of(
            "exponential",
            DistSpec {
                rate: Some(2.5),
                ..DistSpec::default()
            },
        );
        close(exp.cdf(0.4), 1.0 - 1.0 / e, "exponential");
        close(exp.cdf(0.0), 0.0, "exponential at 0");
        // Gamma with shape 2 (Erlang-2): F(x) = 1 − e^(−x/θ)(1 + x/θ); at the mean 2θ, 1 − 3/e².
        let gamma = fit_of(
            "gamma",
            DistSpec {
                shape: Some(2.0),
                scale: Some(0.7),
                ..DistSpec::default()
            },
        );
        close(gamma.cdf(1.4), 1.0 - 3.0 / (e * e), "gamma");
        // Lognormal: the median is e^mu, and F(e^(mu+sigma)) = Φ(1).
        let lognormal = fit_of(
            "lognormal",
            DistSpec {
                mu: Some(0.3),
                sigma: Some(0.8),
                ..DistSpec::default()
            },
        );
        close(lognormal.cdf(0.3_f64.exp()), 0.5, "lognormal median");
        close(
            lognormal.cdf(1.1_f64.exp()),
            0.841_344_746_068_542_9,
            "lognormal at mu + sigma",
        );
        // Weibull at its scale: 1 − 1/e whatever the shape.
        let weibull = fit_of(
            "weibull",
            DistSpec {
                shape: Some(0.6),
                scale: Some(1.7),
                ..DistSpec::default()
            },
        );
        close(weibull.cdf(1.7), 1.0 - 1.0 / e, "weibull");
        // Pareto: 0 below x_m, 1 − 2^(−α) at 2 x_m.
        let pareto = fit_of(
            "pareto",
            DistSpec {
                shape: Some(2.8),
                scale: Some(0.5),
                ..DistSpec::default()
            },
        );
        close(pareto.cdf(0.4), 0.0, "pareto below x_m");
        close(pareto.cdf(1.0), 1.0 - 2f64.powf(-2.8), "pareto");
        // Hyperexponential with rates ln 2 and 2 ln 2: at 1, 1 − ½·½ − ½·¼ = 5/8.
        let ln2 = std::f64::consts::LN_2;
        let hyper = fit_of(
            "hyperexponential",
            DistSpec {
                probs: Some(vec![0.5, 0.5]),
                rates: Some(vec![ln2, 2.0 * ln2]),
                ..DistSpec::default()
            },
        );
        close(hyper.cdf(1.0), 0.625, "hyperexponential");
        // Deterministic: a unit step at the value.
        let det = fit_of(
            "deterministic",
            DistSpec {
                value: Some(2.0),
                ..DistSpec::default()
            },
        );
        close(det.cdf(1.999), 0.0, "deterministic below");
        close(det.cdf(2.0), 1.0, "deterministic at");
        assert_eq!(det.quantile(0.3), 2.0);
        // A hand-made fit whose spec is not a distribution has NaN, not a panic.
        let broken = [
            fit_of("gamma", DistSpec::default()),
            fit_of(
                "exponential",
                DistSpec {
                    rate: Some(-1.0),
                    ..DistSpec::default()
                },
            ),
            fit_of(
                "hyperexponential",
                DistSpec {
                    probs: Some(vec![0.5, 0.4]),
                    rates: Some(vec![1.0, 2.0]),
                    ..DistSpec::default()
                },
            ),
            fit_of("uniform", DistSpec::default()),
        ];
        for f in broken {
            assert!(
                f.cdf(1.0).is_nan() && f.quantile(0.5).is_nan(),
                "{}",
                f.kind
            );
        }
    }

    /// Fits of every family (each to data of its own kind, so the parameters are typical):
    /// the quantile inverts the CDF, F(Q(p)) = p and Q(F(x)) = x, and the CDF is the one the
    /// KS statistic was computed with.
    #[test]
    fn quantiles_invert_the_cdf_for_every_family() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(51);
        let (slow, fast) = (Exp::new(0.25).unwrap(), Exp::new(3.0).unwrap());
        let samples: Vec<Vec<f64>> = vec![
            draw(Exp::new(2.0).unwrap(), 52),
            draw(Gamma::new(0.6, 2.0).unwrap(), 53),
            draw(LogNormal::new(-0.5, 1.2).unwrap(), 54),
            draw(Weibull::new(1.7, 2.5).unwrap(), 55),
            draw(Pareto::new(0.5, 1.6).unwrap(), 56),
            (0..N)
                .map(|_| {
                    if rand::RngExt::random::<f64>(&mut rng) < 0.3 {
                        slow.sample(&mut rng)
                    } else {
                        fast.sample(&mut rng)
                    }
                })
                .collect(),
        ];
        let ps = [
            1e-6,
            1e-3,
            0.01,
            0.1,
            0.25,
            0.5,
            0.75,
            0.9,
            0.99,
            0.999,
            1.0 - 1e-6,
        ];
        let mut seen = std::collections::BTreeSet::new();
        for data in &samples {
            let data = &data[..5000];
            let r = fit_all(data).unwrap();
            let mut sorted = data.to_vec();
            sorted.sort_by(f64::total_cmp);
            for f in &r.fits {
                seen.insert(f.kind);
                for p in ps {
                    let q = f.quantile(p);
                    assert!(q.is_finite() && q >= 0.0, "{} Q({p}) = {q}", f.kind);
                    let back = f.cdf(q);
                    assert!(
                        (back - p).abs() <= quantile_tolerance(p),
                        "{} F(Q({p})) = {back}",
                        f.kind
                    );
                }
                // Q(F(x)) = x where the density is not negligible (the central 98% of data).
                for &x in &sorted[50..sorted.len() - 50] {
                    let back = f.quantile(f.cdf(x));
                    assert!(
                        (back - x).abs() <= 1e-7 * x,
                        "{} Q(F({x})) = {back}",
                        f.kind
                    );
                }
                // Q(0) is the bottom of the support: x_m for pareto, else 0.
                let bottom = if f.kind == "pareto" {
                    f.spec.scale.unwrap()
                } else {
                    0.0
                };
                assert_eq!(f.quantile(0.0), bottom, "{} Q(0)", f.kind);
                assert!(f.quantile(1.0).is_infinite(), "{} Q(1)", f.kind);
                assert!(f.quantile(1.5).is_nan() && f.quantile(-0.1).is_nan());
                // The KS statistic of the fit used the same CDF.
                let ks = ks_statistic(&sorted, |x| f.cdf(x));
                assert!((ks - f.ks).abs() < 1e-9, "{}: KS {ks} vs {}", f.kind, f.ks);
            }
        }
        let all = [
            "exponential",
            "gamma",
            "lognormal",
            "weibull",
            "hyperexponential",
            "pareto",
        ];
        assert!(all.iter().all(|k| seen.contains(k)), "{seen:?}");
    }
}
