//! Goodness of fit: the Kolmogorov–Smirnov statistic and its asymptotic p-value.

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

#[cfg(test)]
mod tests {
    use rand_distr::Exp;

    use super::*;
    use crate::fit::fit_all;
    use crate::fit::tests::draw;

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
}
