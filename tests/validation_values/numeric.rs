//! Numerical tools of the second methods: moments of a distribution by integrating its
//! density, a root finder (Illinois regula falsi), bisection, Poisson weights.

use kendall_sim::dist::Distribution;

/// The density of the simulator's distribution up to a constant factor (normalised
/// numerically by the callers, so that no Γ function is needed); None for a point mass or a
/// uniform, handled apart.
fn density(d: &Distribution) -> Option<Box<dyn Fn(f64) -> f64>> {
    Some(match d {
        Distribution::Deterministic(_) | Distribution::Uniform { .. } => return None,
        Distribution::Exponential(_, rate) => {
            let rate = *rate;
            Box::new(move |x| (-rate * x).exp())
        }
        Distribution::Erlang { k, mean, .. } => {
            let (k, r) = (f64::from(*k), f64::from(*k) / mean);
            Box::new(move |x| x.powf(k - 1.0) * (-r * x).exp())
        }
        Distribution::Gamma { shape, scale, .. } => {
            let (a, s) = (*shape, *scale);
            Box::new(move |x| x.powf(a - 1.0) * (-x / s).exp())
        }
        Distribution::LogNormal { mu, sigma, .. } => {
            let (m, s) = (*mu, *sigma);
            Box::new(move |x| (-(x.ln() - m).powi(2) / (2.0 * s * s)).exp() / x)
        }
        Distribution::Weibull { shape, scale, .. } => {
            let (k, l) = (*shape, *scale);
            Box::new(move |x| (x / l).powf(k - 1.0) * (-(x / l).powf(k)).exp())
        }
        Distribution::Hyperexponential { probs, rates, .. } => {
            let (p, r) = (probs.clone(), rates.clone());
            Box::new(move |x| {
                p.iter()
                    .zip(r.iter())
                    .map(|(p, r)| p * r * (-r * x).exp())
                    .sum()
            })
        }
        other => panic!("no density for {other:?}"),
    })
}

/// E[g(X)] for the simulator's distribution, by integrating its density numerically; exact
/// for the point mass, and by Simpson's rule for the uniform (exact for polynomials of
/// degree 3).
pub fn expect(d: &Distribution, g: &dyn Fn(f64) -> f64) -> f64 {
    match d {
        Distribution::Deterministic(v) => g(*v),
        Distribution::Uniform { low, high, .. } => {
            (g(*low) + 4.0 * g((low + high) / 2.0) + g(*high)) / 6.0
        }
        _ => {
            let f = density(d).expect("a density");
            half_line(&|x| g(x) * f(x)) / half_line(&|x| f(x))
        }
    }
}

/// (E[X], E[X²]) of the simulator's distribution, by [`expect`].
pub fn moments(d: &Distribution) -> (f64, f64) {
    (expect(d, &|x| x), expect(d, &|x| x * x))
}

/// The squared coefficient of variation, from [`moments`].
pub fn scv(d: &Distribution) -> f64 {
    let (m1, m2) = moments(d);
    m2 / (m1 * m1) - 1.0
}

/// ∫₀^∞ g(x) dx by the substitution x = e^y and the trapezoidal rule on the real line,
/// which converges geometrically for integrands analytic in a strip (here: densities times
/// powers, decaying at both ends). The range y ∈ [−120, 16] and step 1/256 leave errors far
/// below 1e-13 for the densities above (the slowest ends: x^(1/2) near 0 for the gamma of
/// shape 1/2, e^(−60) at y = −120; x³ times the lognormal at y = 16, below e^(−90)).
fn half_line(g: &dyn Fn(f64) -> f64) -> f64 {
    let h = 1.0 / 256.0;
    let (lo, hi) = (-120.0, 16.0);
    let n = ((hi - lo) / h) as usize;
    let f = |y: f64| {
        let x = f64::exp(y);
        let v = g(x) * x;
        if v.is_finite() { v } else { 0.0 }
    };
    let mut sum = 0.5 * (f(lo) + f(hi));
    for i in 1..n {
        sum += f(lo + i as f64 * h);
    }
    sum * h
}

/// The root of `f` in [a, b] (f(a), f(b) of opposite signs) by the Illinois variant of
/// regula falsi (Dowell & Jarratt, BIT 11, 1971), to full double precision.
pub fn illinois(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let (mut fa, mut fb) = (f(a), f(b));
    assert!(fa * fb < 0.0, "no sign change on [{a}, {b}]: {fa}, {fb}");
    let mut side = 0;
    for _ in 0..200 {
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = f(c);
        if fc == 0.0 || (b - a).abs() < 4.0 * f64::EPSILON * c.abs() {
            return c;
        }
        if fc * fb > 0.0 {
            b = c;
            fb = fc;
            if side == -1 {
                fa /= 2.0;
            }
            side = -1;
        } else {
            a = c;
            fa = fc;
            if side == 1 {
                fb /= 2.0;
            }
            side = 1;
        }
        if (b - a).abs() <= 1e-15 * a.abs().max(b.abs()) {
            return (a + b) / 2.0;
        }
    }
    (a + b) / 2.0
}

/// The t where the decreasing survival function `sf` equals `level`, by bisection.
pub fn invert(sf: impl Fn(f64) -> f64, level: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    while sf(hi) > level {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if sf(mid) > level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Poisson(mean) probabilities of 0..=n, computed in logs (no overflow for large means).
pub fn poisson(mean: f64, n: usize) -> Vec<f64> {
    let mut log = -mean;
    let mut out = Vec::with_capacity(n + 1);
    for k in 0..=n {
        if k > 0 {
            log += mean.ln() - (k as f64).ln();
        }
        out.push(log.exp());
    }
    out
}
