//! From observed data to a distribution: maximum-likelihood fits, their ranking by AIC and
//! the Kolmogorov–Smirnov statistic, and a burstiness check of inter-arrival times.
//!
//! Families fitted (parameter names as [`crate::dist`] accepts them):
//! - exponential `{rate}`: closed form, λ = 1/mean;
//! - gamma `{shape, scale}`: Newton on the shape, ln k − ψ(k) = ln(mean) − mean(ln x);
//! - lognormal `{mu, sigma}`: closed form (mean and population s.d. of ln x);
//! - weibull `{shape, scale}`: safeguarded Newton (bisection fallback) on the shape;
//! - hyperexponential `{probs, rates}`: two phases, by EM;
//! - pareto `{shape, scale}`: classical, x_m = min, α = n / Σ ln(x/x_m);
//! - deterministic `{value}`: alone, when the spread is negligible (SCV < [`DETERMINISTIC_SCV`]).
//!
//! Standard errors come from the inverse Fisher information at the estimate (expected
//! information for the closed-form families, the outer product of the scores for the
//! hyperexponential). Pareto's x_m = min converges at rate 1/n, not 1/√n: its "SE" is the
//! bias x_m/(nα − 1) of the minimum.
//!
//! Ranking: by AIC = 2p − 2 ln L, except that a fit with fewer parameters whose AIC is within
//! [`AIC_TIE`] of the best goes first (ΔAIC < 2 is "no real support" for the extra parameters,
//! Burnham & Anderson 2002, §2.6): exponential data fitted by gamma or weibull would otherwise
//! win on noise about one time in six. KS p-values use the asymptotic Kolmogorov distribution
//! with Stephens' small-sample correction; with parameters estimated from the same data they
//! are conservative (too large), so read them as a ranking, not a test.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::ContinuousCDF;
use statrs::function::erf::erfc;
use statrs::function::gamma::{digamma, gamma_lr, ln_gamma};

use crate::dist::{DistSpec, Distribution};
use crate::error::KeyPath;

/// Below this SCV the data are treated as constant: only `deterministic` is fitted.
pub const DETERMINISTIC_SCV: f64 = 1e-6;
/// ΔAIC within which the fit with fewer parameters is preferred.
pub const AIC_TIE: f64 = 2.0;

/// One fitted parameter and its standard error.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name (as in [`crate::dist`], except `p`, `rate1`, `rate2` for the hyperexponential's
    /// `probs = [p, 1 − p]`, `rates = [rate1, rate2]`).
    pub name: &'static str,
    /// Estimate.
    pub value: f64,
    /// Standard error (NaN where none is available).
    pub se: f64,
}

/// One family fitted to the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The family, a `kind` of [`crate::dist`].
    pub kind: &'static str,
    /// Estimates and standard errors.
    pub params: Vec<Param>,
    /// The fitted distribution as a scenario would write it.
    pub spec: DistSpec,
    /// Mean of the fitted distribution (may be infinite: pareto).
    pub mean: f64,
    /// SCV of the fitted distribution (may be infinite: pareto).
    pub scv: f64,
    /// Maximised log-likelihood (NaN for deterministic).
    pub loglik: f64,
    /// Number of free parameters.
    pub n_params: usize,
    /// Akaike information criterion 2p − 2 ln L (NaN for deterministic).
    pub aic: f64,
    /// Kolmogorov–Smirnov statistic sup |F_n − F|.
    pub ks: f64,
    /// Asymptotic KS p-value (NaN for deterministic).
    pub ks_p: f64,
}

impl Fit {
    /// The estimate of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// P(X ≤ x) under the fitted distribution, with the fitted parameters: statrs' CDFs for
    /// exponential, gamma, lognormal, weibull and pareto; 1 − Σ pᵢ e^(−rᵢ x) for the
    /// hyperexponential; a unit step at the value for deterministic. NaN for a NaN `x`, or
    /// when [`Fit::spec`] is not a valid distribution of [`Fit::kind`] (a hand-made `Fit`:
    /// [`fit_all`]'s are always valid).
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

/// Every fit, best first, and the families that could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Observations.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample SCV (population variance / mean²).
    pub scv: f64,
    /// Fits, best first.
    pub fits: Vec<Fit>,
    /// (family, why it was not fitted).
    pub skipped: Vec<(&'static str, String)>,
}

impl FitReport {
    /// The best fit.
    pub fn best(&self) -> &Fit {
        &self.fits[0]
    }
}

/// Fits every family to `data` (non-negative, finite, at least two values) and ranks them.
pub fn fit_all(data: &[f64]) -> Result<FitReport, String> {
    if data.len() < 2 {
        return Err(format!(
            "{} value(s): fitting needs at least two",
            data.len()
        ));
    }
    if let Some(x) = data.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return Err(format!("values must be non-negative numbers, not {x}"));
    }
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return Err("every value is 0: nothing to fit".into());
    }
    let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let scv = var / (mean * mean);
    let mut report = FitReport {
        n: sorted.len(),
        mean,
        scv,
        fits: Vec::new(),
        skipped: Vec::new(),
    };
    if scv < DETERMINISTIC_SCV {
        let spec = DistSpec {
            kind: "deterministic".into(),
            value: Some(mean),
            ..DistSpec::default()
        };
        // KS against a unit step at the mean: F_n below it, 1 − F_n from it on.
        let below = sorted.partition_point(|&x| x < mean) as f64 / n;
        let above = 1.0 - sorted.partition_point(|&x| x <= mean) as f64 / n;
        report.fits.push(Fit {
            kind: "deterministic",
            params: vec![Param {
                name: "value",
                value: mean,
                se: (var / n).sqrt(),
            }],
            spec,
            mean,
            scv: 0.0,
            loglik: f64::NAN,
            n_params: 1,
            aic: f64::NAN,
            ks: below.max(above),
            ks_p: f64::NAN,
        });
        return Ok(report);
    }
    let positive = sorted[0] > 0.0;
    let mut add = |r: Result<Fit, String>, kind: &'static str| match r {
        Ok(f) => report.fits.push(f),
        Err(e) => report.skipped.push((kind, e)),
    };
    add(fit_exponential(&sorted), "exponential");
    let need_positive = || Err("needs every value > 0 (the data has zeros)".to_string());
    for (kind, f) in [
        ("gamma", fit_gamma as fn(&[f64]) -> Result<Fit, String>),
        ("lognormal", fit_lognormal),
        ("weibull", fit_weibull),
    ] {
        add(
            if positive {
                f(&sorted)
            } else {
                need_positive()
            },
            kind,
        );
    }
    add(fit_hyperexponential(&sorted), "hyperexponential");
    add(
        if positive {
            fit_pareto(&sorted)
        } else {
            need_positive()
        },
        "pareto",
    );
    rank(&mut report.fits);
    Ok(report)
}

/// Sorts by AIC, then moves forward the fit with fewest parameters within [`AIC_TIE`].
fn rank(fits: &mut [Fit]) {
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let Some(best) = fits.first().map(|f| f.aic) else {
        return;
    };
    let pick = fits
        .iter()
        .enumerate()
        .filter(|(_, f)| f.aic <= best + AIC_TIE)
        .min_by_key(|(_, f)| f.n_params)
        .map(|(i, _)| i)
        .unwrap_or(0);
    fits[..=pick].rotate_right(1);
}

/// Builds the [`Fit`] of `spec`: mean and SCV from [`crate::dist`], AIC, and KS against `cdf`.
fn finish(
    kind: &'static str,
    params: Vec<Param>,
    spec: DistSpec,
    loglik: f64,
    sorted: &[f64],
    cdf: impl Fn(f64) -> f64,
) -> Result<Fit, String> {
    if !loglik.is_finite() {
        return Err(format!("the log-likelihood is {loglik}"));
    }
    let dist = Distribution::from_spec(&spec, &KeyPath::default())
        .map_err(|(_, e)| format!("fitted parameters are not valid: {e}"))?;
    let n_params = params.len();
    let ks = ks_statistic(sorted, cdf);
    Ok(Fit {
        kind,
        params,
        spec,
        mean: dist.mean(),
        scv: dist.scv(),
        loglik,
        n_params,
        aic: 2.0 * n_params as f64 - 2.0 * loglik,
        ks,
        ks_p: ks_p_value(ks, sorted.len()),
    })
}

fn spec(kind: &str) -> DistSpec {
    DistSpec {
        kind: kind.into(),
        ..DistSpec::default()
    }
}

fn fit_exponential(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let sum: f64 = x.iter().sum();
    let rate = n / sum;
    let loglik = n * rate.ln() - rate * sum;
    finish(
        "exponential",
        vec![Param {
            name: "rate",
            value: rate,
            se: rate / n.sqrt(),
        }],
        DistSpec {
            rate: Some(rate),
            ..spec("exponential")
        },
        loglik,
        x,
        |t| -(-rate * t).exp_m1(),
    )
}

/// ψ'(x), the trigamma function (x > 0): recurrence up to 10, then the asymptotic series
/// 1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1) (error below 1e-15 there).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    // Bernoulli numbers B2..B12.
    let b = [
        1.0 / 6.0,
        -1.0 / 30.0,
        1.0 / 42.0,
        -1.0 / 30.0,
        5.0 / 66.0,
        -691.0 / 2730.0,
    ];
    let mut term = r * r2;
    let mut series = 0.0;
    for bk in b {
        series += bk * term;
        term *= r2;
    }
    acc + r + r2 / 2.0 + series
}

fn fit_gamma(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let s = mean.ln() - sum_ln / n;
    if s.is_nan() || s <= 0.0 {
        return Err("ln(mean) − mean(ln x) is not positive".into());
    }
    // Minka's starting point, then Newton on f(k) = ln k − ψ(k) − s (f decreasing, convex).
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let mut next = k - f / df;
        if next.is_nan() || next <= 0.0 {
            next = k / 2.0;
        }
        let done = (next - k).abs() <= 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    let scale = mean / k;
    let loglik = (k - 1.0) * sum_ln - n * mean / scale - n * k * scale.ln() - n * ln_gamma(k);
    let tg = trigamma(k);
    let d = n * (k * tg - 1.0);
    finish(
        "gamma",
        vec![
            Param {
                name: "shape",
                value: k,
                se: (k / d).sqrt(),
            },
            Param {
                name: "scale",
                value: scale,
                se: (scale * scale * tg / d).sqrt(),
            },
        ],
        DistSpec {
            shape: Some(k),
            scale: Some(scale),
            ..spec("gamma")
        },
        loglik,
        x,
        |t| gamma_lr(k, t / scale),
    )
}

fn fit_lognormal(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let mu = sum_ln / n;
    let sigma = (x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>() / n).sqrt();
    if sigma.is_nan() || sigma <= 0.0 {
        return Err("ln x has no spread".into());
    }
    let loglik = -sum_ln - n * sigma.ln() - n / 2.0 * (2.0 * std::f64::consts::PI).ln() - n / 2.0;
    finish(
        "lognormal",
        vec![
            Param {
                name: "mu",
                value: mu,
                se: sigma / n.sqrt(),
            },
            Param {
                name: "sigma",
                value: sigma,
                se: sigma / (2.0 * n).sqrt(),
            },
        ],
        DistSpec {
            mu: Some(mu),
            sigma: Some(sigma),
            ..spec("lognormal")
        },
        loglik,
        x,
        |t| 0.5 * erfc(-(t.ln() - mu) / (sigma * std::f64::consts::SQRT_2)),
    )
}

fn fit_weibull(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    // Scale-free: fit y = x/mean, whose logs are moderate.
    let ly: Vec<f64> = x.iter().map(|v| (v / mean).ln()).collect();
    let mean_ly = ly.iter().sum::<f64>() / n;
    // g(k) = 1/k + mean(ln y) − Σ y^k ln y / Σ y^k, decreasing in k; its root is the MLE.
    let g = |k: f64| {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &l in &ly {
            let w = (k * l).exp();
            s0 += w;
            s1 += w * l;
            s2 += w * l * l;
        }
        let (a, b) = (s1 / s0, s2 / s0);
        (1.0 / k + mean_ly - a, -1.0 / (k * k) - (b - a * a))
    };
    let sd_ly = (ly.iter().map(|l| (l - mean_ly).powi(2)).sum::<f64>() / n).sqrt();
    let mut k = (1.2 / sd_ly).clamp(1e-3, 1e3);
    let (mut lo, mut hi) = (k, k);
    while g(lo).0 < 0.0 {
        lo /= 2.0;
        if lo < 1e-6 {
            return Err("no shape found (below 1e-6)".into());
        }
    }
    while g(hi).0 > 0.0 {
        hi *= 2.0;
        if hi > 1e6 {
            return Err("no shape found (above 1e6)".into());
        }
    }
    for _ in 0..200 {
        let (f, df) = g(k);
        if f > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let mut next = k - f / df;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        let done = (next - k).abs() <= 1e-12 * k || hi - lo <= 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    let mean_yk = ly.iter().map(|l| (k * l).exp()).sum::<f64>() / n;
    let scale = mean * mean_yk.powf(1.0 / k);
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let loglik = n * k.ln() - n * k * scale.ln() + (k - 1.0) * sum_ln
        - x.iter().map(|v| (v / scale).powf(k)).sum::<f64>();
    // Inverse Fisher information: Var k = 6k²/(π² n); Var λ = λ²((1−γ)² + π²/6)/(k² π²/6 n).
    let euler = 0.577_215_664_901_532_9_f64;
    let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
    finish(
        "weibull",
        vec![
            Param {
                name: "shape",
                value: k,
                se: k / (pi2_6 * n).sqrt(),
            },
            Param {
                name: "scale",
                value: scale,
                se: scale / k * (((1.0 - euler).powi(2) + pi2_6) / (pi2_6 * n)).sqrt(),
            },
        ],
        DistSpec {
            shape: Some(k),
            scale: Some(scale),
            ..spec("weibull")
        },
        loglik,
        x,
        |t| -(-(t / scale).powf(k)).exp_m1(),
    )
}

fn fit_hyperexponential(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let scv = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n / (mean * mean);
    // Start from the balanced-means two-moment match (scv > 1), or two nearby rates.
    let (mut p, mut r1, mut r2) = if scv > 1.05 {
        let p1 = (1.0 + ((scv - 1.0) / (scv + 1.0)).sqrt()) / 2.0;
        (p1, 2.0 * p1 / mean, 2.0 * (1.0 - p1) / mean)
    } else {
        (0.5, 1.5 / mean, 0.75 / mean)
    };
    // EM; each E-step also gives the log-likelihood at the current parameters.
    let mut ll = f64::NEG_INFINITY;
    for _ in 0..1000 {
        let (mut w_sum, mut wx_sum, mut vx_sum, mut ll_now) = (0.0, 0.0, 0.0, 0.0);
        for &v in x {
            let a = p * r1 * (-r1 * v).exp();
            let b = (1.0 - p) * r2 * (-r2 * v).exp();
            ll_now += (a + b).ln();
            let w = if a + b > 0.0 {
                a / (a + b)
            } else if r1 < r2 {
                1.0
            } else {
                0.0
            };
            w_sum += w;
            wx_sum += w * v;
            vx_sum += (1.0 - w) * v;
        }
        let gain = ll_now - ll;
        ll = ll_now;
        if gain.abs() <= 1e-9 * n {
            break;
        }
        let (np, nr1, nr2) = (w_sum / n, w_sum / wx_sum, (n - w_sum) / vx_sum);
        if !(np > 0.0 && np < 1.0 && nr1.is_finite() && nr2.is_finite()) {
            break;
        }
        (p, r1, r2) = (np, nr1, nr2);
    }
    // Phase 1 is the slow one (smaller rate), as the data generator writes it.
    if r1 > r2 {
        (p, r1, r2) = (1.0 - p, r2, r1);
    }
    // Standard errors: inverse of the outer product of the per-observation scores.
    let mut j = [[0.0; 3]; 3];
    for &v in x {
        let (e1, e2) = ((-r1 * v).exp(), (-r2 * v).exp());
        let f = p * r1 * e1 + (1.0 - p) * r2 * e2;
        let s = [
            (r1 * e1 - r2 * e2) / f,
            p * e1 * (1.0 - r1 * v) / f,
            (1.0 - p) * e2 * (1.0 - r2 * v) / f,
        ];
        for a in 0..3 {
            for b in 0..3 {
                j[a][b] += s[a] * s[b];
            }
        }
    }
    let se = invert3(&j).map_or([f64::NAN; 3], |c| {
        [c[0][0].sqrt(), c[1][1].sqrt(), c[2][2].sqrt()]
    });
    finish(
        "hyperexponential",
        vec![
            Param {
                name: "p",
                value: p,
                se: se[0],
            },
            Param {
                name: "rate1",
                value: r1,
                se: se[1],
            },
            Param {
                name: "rate2",
                value: r2,
                se: se[2],
            },
        ],
        DistSpec {
            probs: Some(vec![p, 1.0 - p]),
            rates: Some(vec![r1, r2]),
            ..spec("hyperexponential")
        },
        ll,
        x,
        |t| 1.0 - p * (-r1 * t).exp() - (1.0 - p) * (-r2 * t).exp(),
    )
}

/// The inverse of a symmetric 3×3 matrix, None when singular.
fn invert3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if !(det.abs() > 0.0 && det.is_finite()) {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = c(j, i) / det;
        }
    }
    Some(inv)
}

fn fit_pareto(x: &[f64]) -> Result<Fit, String> {
    let n = x.len() as f64;
    let xm = x[0];
    let sum_ln: f64 = x.iter().map(|v| (v / xm).ln()).sum();
    if sum_ln.is_nan() || sum_ln <= 0.0 {
        return Err("every value equals the minimum".into());
    }
    let alpha = n / sum_ln;
    let loglik = n * alpha.ln() + n * alpha * xm.ln()
        - (alpha + 1.0) * x.iter().map(|v| v.ln()).sum::<f64>();
    finish(
        "pareto",
        vec![
            Param {
                name: "shape",
                value: alpha,
                se: alpha / n.sqrt(),
            },
            Param {
                name: "scale",
                value: xm,
                se: xm / (n * alpha - 1.0).max(1.0),
            },
        ],
        DistSpec {
            shape: Some(alpha),
            scale: Some(xm),
            ..spec("pareto")
        },
        loglik,
        x,
        |t| {
            if t < xm {
                0.0
            } else {
                1.0 - (xm / t).powf(alpha)
            }
        },
    )
}

/// sup |F_n − F| over sorted data.
pub fn ks_statistic(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

/// P(K > λ) for the Kolmogorov distribution: Σ (−1)^(j−1) 2 e^(−2j²λ²) for λ ≥ 1.18, else 1
/// minus the Jacobi-theta form √(2π)/λ Σ e^(−(2j−1)²π²/(8λ²)) (both converge fast there).
pub fn kolmogorov_q(lambda: f64) -> f64 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 1.18 {
        let pi2 = std::f64::consts::PI.powi(2);
        let s: f64 = (1..=20)
            .map(|j| {
                let m = f64::from(2 * j - 1);
                (-m * m * pi2 / (8.0 * lambda * lambda)).exp()
            })
            .sum();
        (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s).clamp(0.0, 1.0)
    } else {
        let s: f64 = (1..=100)
            .map(|j| {
                let sign = if j % 2 == 1 { 1.0 } else { -1.0 };
                sign * (-2.0 * f64::from(j * j) * lambda * lambda).exp()
            })
            .sum();
        (2.0 * s).clamp(0.0, 1.0)
    }
}

/// Asymptotic p-value of a KS statistic `d` on `n` observations (Stephens' correction).
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    kolmogorov_q((sn + 0.12 + 0.11 / sn) * d)
}

/// The fit as a scenario line, e.g. `interarrival = { kind = "gamma", shape = 2.0, scale = 0.5 }`.
pub fn snippet(key: &str, spec: &DistSpec) -> String {
    let mut parts = vec![format!("kind = \"{}\"", spec.kind)];
    for (name, v) in spec.fitted_params() {
        if let Some(v) = v {
            parts.push(format!("{name} = {v:?}"));
        }
    }
    let list = |v: &[f64]| {
        let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    if let Some(p) = &spec.probs {
        parts.push(format!("probs = {}", list(p)));
    }
    if let Some(r) = &spec.rates {
        parts.push(format!("rates = {}", list(r)));
    }
    format!("{key} = {{ {} }}", parts.join(", "))
}

/// Where a value of a log came from: 1-based line of the file.
pub type Line = usize;

/// Reads a log: with `column`, a CSV with a header row naming it; without, one number per
/// line (`#` comments and blank lines skipped). Values with their line numbers.
pub fn read_log(text: &str, column: Option<&str>) -> Result<Vec<(Line, f64)>, String> {
    let parse = |s: &str, line: Line| -> Result<f64, String> {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("line {line}: `{}` is not a number", s.trim()))?;
        if !v.is_finite() {
            return Err(format!("line {line}: {v} is not a finite number"));
        }
        Ok(v)
    };
    let mut out = Vec::new();
    match column {
        None => {
            for (i, raw) in text.lines().enumerate() {
                let content = raw.split('#').next().unwrap_or("").trim();
                if content.is_empty() {
                    continue;
                }
                let v = parse(content, i + 1).map_err(|e| {
                    if out.is_empty() {
                        format!("{e} (a CSV with a header? name the column with --column)")
                    } else {
                        e
                    }
                })?;
                out.push((i + 1, v));
            }
        }
        Some(name) => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .comment(Some(b'#'))
                .from_reader(text.as_bytes());
            let headers = reader
                .headers()
                .map_err(|e| format!("line 1: cannot read the CSV header: {e}"))?
                .clone();
            let Some(col) = headers.iter().position(|h| h == name) else {
                let names: Vec<&str> = headers.iter().collect();
                return Err(format!(
                    "line 1: no column named `{name}` (the header has: {}){}",
                    names.join(", "),
                    crate::suggest::did_you_mean(name, &names)
                ));
            };
            for record in reader.records() {
                let record = record.map_err(|e| {
                    let line = e.position().map_or(0, |p| p.line());
                    format!("line {line}: {e}")
                })?;
                let line = record.position().map_or(0, |p| p.line() as usize);
                let Some(field) = record.get(col) else {
                    return Err(format!("line {line}: no field for column `{name}`"));
                };
                if field.is_empty() {
                    return Err(format!("line {line}: column `{name}` is empty"));
                }
                out.push((line, parse(field, line)?));
            }
        }
    }
    if out.is_empty() {
        return Err("the log has no values".into());
    }
    Ok(out)
}

/// Durations: every value must be non-negative.
pub fn durations(values: &[(Line, f64)]) -> Result<Vec<f64>, String> {
    values
        .iter()
        .map(|&(line, v)| {
            if v < 0.0 {
                Err(format!(
                    "line {line}: a duration must be non-negative, not {v}"
                ))
            } else {
                Ok(v)
            }
        })
        .collect()
}

/// Inter-arrival times from sorted arrival times (at least two).
pub fn gaps_from_timestamps(values: &[(Line, f64)]) -> Result<Vec<f64>, String> {
    if values.len() < 2 {
        return Err(format!(
            "{} timestamp(s): inter-arrival times need at least two",
            values.len()
        ));
    }
    values
        .windows(2)
        .map(|w| {
            let ((_, a), (line, b)) = (w[0], w[1]);
            if b < a {
                Err(format!(
                    "line {line}: timestamps must be sorted, and {b} comes after {a}"
                ))
            } else {
                Ok(b - a)
            }
        })
        .collect()
}

/// Dependence in inter-arrival times: what a renewal (independent gaps) model would miss.
#[derive(Debug, Clone, PartialEq)]
pub struct Burstiness {
    /// Gaps examined.
    pub n: usize,
    /// Lag-1 autocorrelation of the gaps.
    pub lag1: f64,
    /// 3/√n: beyond it the lag-1 autocorrelation is not noise.
    pub lag1_limit: f64,
    /// Window width, in time units (10 mean gaps).
    pub window: f64,
    /// Windows counted.
    pub windows: usize,
    /// Index of dispersion of counts, Var/mean of arrivals per window.
    pub idc: f64,
    /// The same for the gaps shuffled (a renewal process with the same marginal): what an
    /// independent model of these gaps predicts.
    pub idc_renewal: f64,
    /// Why a renewal model is a poor fit (empty when it is fine).
    pub warnings: Vec<String>,
}

/// Mean gaps per counting window.
pub const WINDOW_GAPS: f64 = 10.0;
/// Fewest windows for the dispersion comparison.
pub const MIN_WINDOWS: usize = 20;
/// The dispersion differs "far" from the renewal model's beyond this ratio (either way).
pub const IDC_RATIO: f64 = 2.0;

/// The burstiness check of inter-arrival times `gaps` (None below 20 gaps).
pub fn burstiness(gaps: &[f64]) -> Option<Burstiness> {
    let n = gaps.len();
    if n < 20 {
        return None;
    }
    let nf = n as f64;
    let mean = gaps.iter().sum::<f64>() / nf;
    let ss: f64 = gaps.iter().map(|g| (g - mean).powi(2)).sum();
    let lag1 = if ss > 0.0 {
        gaps.windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>()
            / ss
    } else {
        0.0
    };
    let lag1_limit = 3.0 / nf.sqrt();
    let window = WINDOW_GAPS * mean;
    let (idc, windows) = dispersion(gaps, window);
    // Four shuffles with fixed seeds: the dispersion of a renewal process with these gaps.
    let mut shuffled = gaps.to_vec();
    let idc_renewal = (0..4)
        .map(|seed| {
            shuffled.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
            dispersion(&shuffled, window).0
        })
        .sum::<f64>()
        / 4.0;
    let mut warnings = Vec::new();
    if lag1.abs() > lag1_limit {
        warnings.push(format!(
            "inter-arrival times are correlated: lag-1 autocorrelation {lag1:.3} (|r| > 3/sqrt(n) = {lag1_limit:.3} for n = {n}), so they are not independent"
        ));
    }
    if windows >= MIN_WINDOWS
        && idc_renewal > 0.0
        && (idc > IDC_RATIO * idc_renewal || idc < idc_renewal / IDC_RATIO)
    {
        warnings.push(format!(
            "arrival counts are {} than a renewal process with these gaps: index of dispersion {idc:.2} over windows of {WINDOW_GAPS} mean gaps, against {idc_renewal:.2} with the gaps shuffled (1 for Poisson)",
            if idc > idc_renewal { "burstier" } else { "smoother" }
        ));
    }
    if !warnings.is_empty() {
        warnings.push(
            "a renewal model (Poisson or any fitted inter-arrival distribution) is a poor fit: \
             theory built on it (M/…, GI/…) misleads here; replay the arrivals with \
             kind = \"trace\""
                .into(),
        );
    }
    Some(Burstiness {
        n,
        lag1,
        lag1_limit,
        window,
        windows,
        idc,
        idc_renewal,
        warnings,
    })
}

/// Warnings about one producer's arrivals: for a trace, the burstiness check of its gaps
/// and, with `at_end = "stop"`, that it stops. Empty for every other kind.
pub fn producer_warnings(p: &crate::scenario::Producer) -> Vec<String> {
    let Distribution::Trace { gaps, stop, .. } = &p.interarrival else {
        return Vec::new();
    };
    let mut out: Vec<String> = burstiness(gaps)
        .map(|b| b.warnings)
        .unwrap_or_default()
        .into_iter()
        .map(|w| format!("producer {} (trace): {w}", p.name))
        .collect();
    out.push(format!(
        "producer {} replays a trace: its arrivals are the same in every replication (the \
         intervals reflect service and dispatch only), and theory treats its gaps as renewal \
         (shape General), which a trace is not",
        p.name
    ));
    if *stop {
        out.push(format!(
            "producer {} stops after {} arrivals (at_end = \"stop\"): a replication ends when \
             no producer can publish and the system has drained",
            p.name,
            gaps.len() + 1
        ));
    }
    out
}

/// Var/mean of arrivals per window of width `w` over the whole windows the gaps span.
fn dispersion(gaps: &[f64], w: f64) -> (f64, usize) {
    let total: f64 = gaps.iter().sum();
    let m = (total / w).floor() as usize;
    if m < 2 {
        return (f64::NAN, m);
    }
    let mut counts = vec![0.0_f64; m];
    let mut t = 0.0;
    for g in gaps {
        t += g;
        let i = (t / w) as usize;
        if i < m {
            counts[i] += 1.0;
        }
    }
    let mf = m as f64;
    let mean = counts.iter().sum::<f64>() / mf;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (mf - 1.0);
    (var / mean, m)
}

#[cfg(test)]
mod tests {
    use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Pareto, Weibull};

    use super::*;

    const N: usize = 100_000;

    fn draw(d: impl rand_distr::Distribution<f64>, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..N).map(|_| d.sample(&mut rng)).collect()
    }

    /// The true family ranks first and each parameter lies within 4 standard errors (from
    /// the Fisher information at the estimate) of its true value.
    fn check(data: &[f64], kind: &str, truth: &[(&str, f64)]) {
        let r = fit_all(data).unwrap();
        let ranking: Vec<(&str, f64)> = r.fits.iter().map(|f| (f.kind, f.aic)).collect();
        let best = r.best();
        assert_eq!(best.kind, kind, "ranking {ranking:?}");
        for &(name, value) in truth {
            let p = best.param(name).unwrap();
            assert!(
                p.se > 0.0 && (p.value - value).abs() <= 4.0 * p.se,
                "{kind}.{name} = {} ± {} vs {value}",
                p.value,
                p.se
            );
            // The SE is that of n = 1e5 observations: tight, not a blanket tolerance.
            assert!(p.se < 0.02 * value.abs(), "{kind}.{name} se {}", p.se);
        }
    }

    #[test]
    fn exponential_is_recovered() {
        check(
            &draw(Exp::new(2.5).unwrap(), 11),
            "exponential",
            &[("rate", 2.5)],
        );
    }

    #[test]
    fn gamma_is_recovered() {
        let d = Gamma::new(2.5, 0.4).unwrap();
        check(&draw(d, 12), "gamma", &[("shape", 2.5), ("scale", 0.4)]);
    }

    #[test]
    fn lognormal_is_recovered() {
        let d = LogNormal::new(0.3, 0.8).unwrap();
        check(&draw(d, 13), "lognormal", &[("mu", 0.3), ("sigma", 0.8)]);
    }

    #[test]
    fn weibull_is_recovered() {
        // rand_distr's order is (scale, shape).
        let d = Weibull::new(1.7, 0.6).unwrap();
        check(&draw(d, 14), "weibull", &[("shape", 0.6), ("scale", 1.7)]);
    }

    #[test]
    fn pareto_is_recovered() {
        // rand_distr's order is (scale, shape).
        let d = Pareto::new(0.5, 2.8).unwrap();
        check(&draw(d, 15), "pareto", &[("shape", 2.8), ("scale", 0.5)]);
    }

    #[test]
    fn hyperexponential_is_recovered() {
        let (p, r1, r2) = (0.3, 0.25, 3.0);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(16);
        let (slow, fast) = (Exp::new(r1).unwrap(), Exp::new(r2).unwrap());
        let data: Vec<f64> = (0..N)
            .map(|_| {
                if rand::RngExt::random::<f64>(&mut rng) < p {
                    slow.sample(&mut rng)
                } else {
                    fast.sample(&mut rng)
                }
            })
            .collect();
        check(
            &data,
            "hyperexponential",
            &[("p", p), ("rate1", r1), ("rate2", r2)],
        );
    }

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

    #[test]
    fn constant_data_is_deterministic() {
        let r = fit_all(&[2.0; 50]).unwrap();
        assert_eq!(r.fits.len(), 1);
        assert_eq!(r.best().kind, "deterministic");
        assert_eq!(r.best().spec.value, Some(2.0));
        // The data are exactly the step: no KS distance.
        assert_eq!(r.best().ks, 0.0);
        // A tiny spread still counts as constant; a real one does not.
        let mut v = vec![2.0; 50];
        v[0] = 2.0 + 1e-6;
        assert_eq!(fit_all(&v).unwrap().best().kind, "deterministic");
        v[0] = 3.0;
        assert_ne!(fit_all(&v).unwrap().best().kind, "deterministic");
    }

    #[test]
    fn zeros_skip_the_positive_families() {
        let r = fit_all(&[0.0, 1.0, 2.0, 0.5, 3.0]).unwrap();
        let kinds: Vec<&str> = r.skipped.iter().map(|s| s.0).collect();
        assert_eq!(kinds, ["gamma", "lognormal", "weibull", "pareto"]);
        assert!(r.fits.iter().any(|f| f.kind == "exponential"));
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ'(1) = π²/6, ψ'(1/2) = π²/2, ψ'(x) − ψ'(x+1) = 1/x².
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-12);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
        assert!((trigamma(7.3) - trigamma(8.3) - 1.0 / (7.3 * 7.3)).abs() < 1e-14);
    }

    #[test]
    fn kolmogorov_tail_matches_tables() {
        // Critical values of the Kolmogorov distribution: P(K > 1.3581) = 0.05,
        // P(K > 1.6276) = 0.01, P(K > 1.2238) = 0.10; both series agree at the switch.
        assert!((kolmogorov_q(1.3581) - 0.05).abs() < 1e-4);
        assert!((kolmogorov_q(1.6276) - 0.01).abs() < 1e-4);
        assert!((kolmogorov_q(1.2238) - 0.10).abs() < 1e-4);
        assert!((kolmogorov_q(0.8276) - 0.5).abs() < 1e-3);
        let (a, b) = (kolmogorov_q(1.18 - 1e-12), kolmogorov_q(1.18));
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn ks_of_exact_fit_is_small_and_of_wrong_fit_large() {
        let data = draw(Exp::new(1.0).unwrap(), 21);
        let r = fit_all(&data).unwrap();
        let exp = r.fits.iter().find(|f| f.kind == "exponential").unwrap();
        assert!(exp.ks < 0.01 && exp.ks_p > 0.01, "{} {}", exp.ks, exp.ks_p);
        let pareto = r.fits.iter().find(|f| f.kind == "pareto").unwrap();
        assert!(pareto.ks > 0.2 && pareto.ks_p < 1e-10);
    }

    #[test]
    fn snippet_round_trips_through_the_scenario_parser() {
        let data = draw(Gamma::new(2.0, 1.5).unwrap(), 31);
        let r = fit_all(&data[..2000]).unwrap();
        for f in &r.fits {
            let line = snippet("interarrival", &f.spec);
            let t: toml::Table = toml::from_str(&line).unwrap();
            let back: DistSpec = t["interarrival"].clone().try_into().unwrap();
            assert_eq!(back, f.spec, "{line}");
        }
    }

    #[test]
    fn logs_parse_with_lines_in_errors() {
        let v = read_log("# gaps\n1.5\n\n2\n", None).unwrap();
        assert_eq!(v, [(2, 1.5), (4, 2.0)]);
        let csv = "time,size\n1.0,3\n2.5,4\n";
        assert_eq!(read_log(csv, Some("size")).unwrap(), [(2, 3.0), (3, 4.0)]);
        let e = read_log(csv, Some("sise")).unwrap_err();
        assert!(
            e.contains("line 1: no column named `sise`") && e.contains("size"),
            "{e}"
        );
        let e = read_log("time\n1\nabc\n", Some("time")).unwrap_err();
        assert!(e.starts_with("line 3: `abc` is not a number"), "{e}");
        let e = read_log("1\n2\nx\n", None).unwrap_err();
        assert!(e.starts_with("line 3: `x` is not a number"), "{e}");
        assert!(
            read_log("time\n", Some("time"))
                .unwrap_err()
                .contains("no values")
        );
        assert!(read_log("", None).unwrap_err().contains("no values"));
        let e = durations(&read_log("1\n-2\n", None).unwrap()).unwrap_err();
        assert!(
            e.starts_with("line 2: a duration must be non-negative"),
            "{e}"
        );
        let e = gaps_from_timestamps(&read_log("1\n3\n2\n", None).unwrap()).unwrap_err();
        assert!(e.starts_with("line 3: timestamps must be sorted"), "{e}");
        let g = gaps_from_timestamps(&read_log("1\n3\n3.5\n", None).unwrap()).unwrap();
        assert_eq!(g, [2.0, 0.5]);
    }

    /// Gaps of a two-state Markov-modulated Poisson process: rate 4 for Exp(mean 20) time
    /// units, then rate 0.4 for Exp(mean 50), and so on: bursty and not renewal.
    fn mmpp_gaps(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let states = [(4.0, 20.0), (0.4, 50.0)];
        let (mut t, mut last, mut state, mut gaps) = (0.0, 0.0, 0, Vec::with_capacity(n));
        while gaps.len() < n {
            let (rate, hold) = states[state];
            let end = t + Exp::new(1.0 / hold).unwrap().sample(&mut rng);
            let exp = Exp::new(rate).unwrap();
            loop {
                t += exp.sample(&mut rng);
                if t >= end || gaps.len() == n {
                    break;
                }
                gaps.push(t - last);
                last = t;
            }
            t = end;
            state = 1 - state;
        }
        gaps
    }

    #[test]
    fn burstiness_flags_on_off_arrivals_not_poisson() {
        let poisson = draw(Exp::new(1.0).unwrap(), 41);
        let b = burstiness(&poisson[..20_000]).unwrap();
        assert!(b.warnings.is_empty(), "{b:?}");
        assert!((b.idc - 1.0).abs() < 0.2, "{b:?}");
        let gaps = mmpp_gaps(42, 20_000);
        let b = burstiness(&gaps).unwrap();
        assert!(b.idc > IDC_RATIO * b.idc_renewal, "{b:?}");
        assert!(b.warnings.iter().any(|w| w.contains("burstier")), "{b:?}");
        assert!(b.lag1 > b.lag1_limit, "{b:?}");
        assert!(b.warnings.iter().any(|w| w.contains("trace")), "{b:?}");
    }
}
