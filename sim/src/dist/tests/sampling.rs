//! Each kind samples with the moments its parameters say, and its mean, SCV, scaling and
//! summary for the models agree with them.

use rand::SeedableRng;
use rand_distr::Weibull;
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::function::gamma::ln_gamma;

use super::{TempFile, build, close, spec};
use crate::dist::{DistSpec, Distribution};
use kendall_models::Shape;

/// Sample mean and variance against the analytic ones; the tolerance is 5 standard errors
/// of each estimator (the variance estimator's standard error uses the 4th moment).
fn check_moments(d: &Distribution, mean: f64, var: f64, fourth_central: f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let n = 400_000;
    let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
    let m = xs.iter().sum::<f64>() / n as f64;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    let se_mean = (var / n as f64).sqrt();
    let se_var = ((fourth_central - var * var) / n as f64).sqrt();
    assert!(
        (m - mean).abs() <= 5.0 * se_mean + 1e-12,
        "mean {m} vs {mean}"
    );
    assert!((v - var).abs() <= 5.0 * se_var + 1e-12, "var {v} vs {var}");
}

/// [`check_moments`] from the first four raw moments E[X], E[X²], E[X³], E[X⁴].
fn check_raw(d: &Distribution, [m1, m2, m3, m4]: [f64; 4]) {
    let var = m2 - m1 * m1;
    let mu4 = m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1.powi(4);
    check_moments(d, m1, var, mu4);
}

fn gamma_fn(x: f64) -> f64 {
    ln_gamma(x).exp()
}

/// The first four raw moments of `d`, analytically from its stored parameters (the
/// per-kind tests check those parameters against the spec separately).
fn raw_moments(d: &Distribution) -> [f64; 4] {
    let by = |f: &dyn Fn(i32) -> f64| [f(1), f(2), f(3), f(4)];
    match d {
        Distribution::Exponential(_, rate) => by(&|n| gamma_fn(f64::from(n) + 1.0) / rate.powi(n)),
        Distribution::Deterministic(v) => by(&|n| v.powi(n)),
        Distribution::Uniform { low, high, .. } => {
            by(&|n| (high.powi(n + 1) - low.powi(n + 1)) / (f64::from(n + 1) * (high - low)))
        }
        Distribution::Erlang { k, mean, .. } => {
            let (k, theta) = (f64::from(*k), mean / f64::from(*k));
            by(&|n| theta.powi(n) * (0..n).map(|i| k + f64::from(i)).product::<f64>())
        }
        Distribution::Gamma { shape, scale, .. } => {
            by(&|n| scale.powi(n) * (0..n).map(|i| shape + f64::from(i)).product::<f64>())
        }
        Distribution::LogNormal { mu, sigma, .. } => by(&|n| {
            let n = f64::from(n);
            (n * mu + n * n * sigma * sigma / 2.0).exp()
        }),
        Distribution::Weibull { shape, scale, .. } => {
            by(&|n| scale.powi(n) * gamma_fn(1.0 + f64::from(n) / shape))
        }
        Distribution::Hyperexponential { probs, rates, .. } => by(&|n| {
            probs
                .iter()
                .zip(rates.iter())
                .map(|(p, r)| p * gamma_fn(f64::from(n) + 1.0) / r.powi(n))
                .sum()
        }),
        Distribution::Pareto { shape, scale, .. } => {
            assert!(*shape > 4.0, "4th moment needs shape > 4");
            by(&|n| shape * scale.powi(n) / (shape - f64::from(n)))
        }
        Distribution::Empirical { samples, .. } => {
            by(&|n| samples.iter().map(|x| x.powi(n)).sum::<f64>() / samples.len() as f64)
        }
    }
}

#[test]
fn exponential_by_rate_or_mean() {
    let by_rate = build(DistSpec {
        rate: Some(2.0),
        ..spec("exponential")
    });
    let by_mean = build(DistSpec {
        mean: Some(0.5),
        ..spec("exponential")
    });
    assert_eq!(by_rate, by_mean);
    assert_eq!((by_rate.mean(), by_rate.scv()), (0.5, 1.0));
    // Exp(2): variance 1/4, fourth central moment 9/λ⁴.
    check_moments(&by_rate, 0.5, 0.25, 9.0 / 16.0);
}

#[test]
fn deterministic_is_constant() {
    let d = build(DistSpec {
        value: Some(0.7),
        ..spec("deterministic")
    });
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    assert!((0..100).all(|_| d.sample(&mut rng) == 0.7));
    assert_eq!((d.mean(), d.scv()), (0.7, 0.0));
}

#[test]
fn uniform_low_high() {
    let d = build(DistSpec {
        low: Some(1.0),
        high: Some(3.0),
        ..spec("uniform")
    });
    assert_eq!(d.mean(), 2.0);
    assert!(close(d.scv(), (4.0 / 12.0) / 4.0, 1e-12));
    // Central moments of U(1, 3): var = w²/12, μ4 = w⁴/80 with w = 2.
    check_moments(&d, 2.0, 4.0 / 12.0, 16.0 / 80.0);
}

#[test]
fn erlang_k_mean() {
    let d = build(DistSpec {
        k: Some(3.0),
        mean: Some(1.5),
        ..spec("erlang")
    });
    assert_eq!((d.mean(), d.scv()), (1.5, 1.0 / 3.0));
    // Gamma(k, θ): var = kθ², μ4 = 3k(k+2)θ⁴; θ = 0.5.
    let (k, t) = (3.0_f64, 0.5_f64);
    check_moments(&d, 1.5, k * t * t, 3.0 * k * (k + 2.0) * t.powi(4));
}

#[test]
fn gamma_shape_scale() {
    let d = build(DistSpec {
        shape: Some(0.5),
        scale: Some(3.0),
        ..spec("gamma")
    });
    assert_eq!((d.mean(), d.scv()), (1.5, 2.0));
    let (k, t) = (0.5_f64, 3.0_f64);
    check_moments(&d, 1.5, k * t * t, 3.0 * k * (k + 2.0) * t.powi(4));
}

#[test]
fn lognormal_mu_sigma() {
    let (mu, sigma) = (0.2_f64, 0.5_f64);
    let d = build(DistSpec {
        mu: Some(mu),
        sigma: Some(sigma),
        ..spec("lognormal")
    });
    assert!(close(d.mean(), (mu + sigma * sigma / 2.0).exp(), 1e-12));
    assert!(close(d.scv(), (sigma * sigma).exp() - 1.0, 1e-12));
    let raw = |n: f64| (n * mu + n * n * sigma * sigma / 2.0).exp();
    check_raw(&d, [raw(1.0), raw(2.0), raw(3.0), raw(4.0)]);
}

/// Raw moments λⁿ Γ(1 + n/k) of a Weibull with shape k and scale λ.
fn weibull_raw(k: f64, l: f64) -> [f64; 4] {
    [1.0, 2.0, 3.0, 4.0].map(|n| l.powf(n) * gamma_fn(1.0 + n / k))
}

#[test]
fn weibull_shape_scale() {
    let d = build(DistSpec {
        shape: Some(1.5),
        scale: Some(2.0),
        ..spec("weibull")
    });
    let [m1, m2, ..] = weibull_raw(1.5, 2.0);
    assert!(close(d.mean(), m1, 1e-12));
    assert!(close(d.scv(), m2 / (m1 * m1) - 1.0, 1e-10));
    check_raw(&d, weibull_raw(1.5, 2.0));
}

/// The moment check has power: a Weibull sampled with shape and scale swapped (the
/// rand_distr argument-order trap) fails it.
#[test]
fn moment_check_catches_swapped_weibull_parameters() {
    let swapped = Distribution::Weibull {
        shape: 1.5,
        scale: 2.0,
        dist: Weibull::new(1.5, 2.0).unwrap(),
    };
    let caught = std::panic::catch_unwind(|| check_raw(&swapped, weibull_raw(1.5, 2.0)));
    assert!(caught.is_err());
}

#[test]
fn hyperexponential_probs_rates() {
    let (p, r) = ([0.2, 0.5, 0.3], [0.5, 2.0, 4.0]);
    let d = build(DistSpec {
        probs: Some(p.to_vec()),
        rates: Some(r.to_vec()),
        ..spec("hyperexponential")
    });
    let raw = |n: i32| -> f64 {
        let fact = (1..=n).product::<i32>() as f64;
        p.iter().zip(r).map(|(p, r)| p * fact / r.powi(n)).sum()
    };
    assert!(close(d.mean(), raw(1), 1e-12));
    assert!(close(d.scv(), raw(2) / raw(1).powi(2) - 1.0, 1e-12));
    check_raw(&d, [raw(1), raw(2), raw(3), raw(4)]);
}

#[test]
fn pareto_shape_scale() {
    let (a, xm) = (6.0_f64, 2.0_f64);
    let d = build(DistSpec {
        shape: Some(a),
        scale: Some(xm),
        ..spec("pareto")
    });
    assert!(close(d.mean(), a * xm / (a - 1.0), 1e-12));
    assert!(close(d.scv(), 1.0 / (a * (a - 2.0)), 1e-12));
    let raw = |n: f64| a * xm.powf(n) / (a - n);
    check_raw(&d, [raw(1.0), raw(2.0), raw(3.0), raw(4.0)]);
}

#[test]
fn pareto_reports_infinite_moments() {
    let d = build(DistSpec {
        shape: Some(1.5),
        scale: Some(1.0),
        ..spec("pareto")
    });
    assert_eq!((d.mean(), d.scv()), (3.0, f64::INFINITY));
    let d = build(DistSpec {
        shape: Some(0.8),
        scale: Some(1.0),
        ..spec("pareto")
    });
    assert_eq!((d.mean(), d.scv()), (f64::INFINITY, f64::INFINITY));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    assert!((0..1000).all(|_| d.sample(&mut rng) >= 1.0));
}

#[test]
fn empirical_resamples_the_file() {
    let f = TempFile::new("good", "# service times\n1\n2.0   # a comment\n\n3\n4e0\n");
    let d = build(f.spec());
    assert_eq!(d.mean(), 2.5);
    // Population variance of {1,2,3,4} is 1.25.
    assert!(close(d.scv(), 1.25 / 6.25, 1e-12));
    let raw = |n: i32| {
        [1.0_f64, 2.0, 3.0, 4.0]
            .iter()
            .map(|x| x.powi(n))
            .sum::<f64>()
            / 4.0
    };
    check_raw(&d, [raw(1), raw(2), raw(3), raw(4)]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    assert!((0..1000).all(|_| [1.0, 2.0, 3.0, 4.0].contains(&d.sample(&mut rng))));
}

/// `mean` + `scv` gives the asked mean and SCV, analytically and by sampling.
#[test]
fn mean_scv_forms_hit_their_targets() {
    let cases: &[(&str, f64)] = &[
        ("exponential", 1.0),
        ("deterministic", 0.0),
        ("uniform", 0.2),
        ("uniform", 1.0 / 3.0),
        ("erlang", 0.25),
        ("gamma", 0.3),
        ("gamma", 4.0),
        ("lognormal", 0.5),
        ("lognormal", 2.0),
        ("weibull", 0.1),
        ("weibull", 1.0),
        ("weibull", 3.0),
        ("hyperexponential", 2.0),
        ("hyperexponential", 5.0),
        ("pareto", 0.1),
    ];
    for &(kind, scv) in cases {
        let d = build(DistSpec {
            mean: Some(2.0),
            scv: Some(scv),
            ..spec(kind)
        });
        assert!(close(d.mean(), 2.0, 1e-9), "{kind}: mean {}", d.mean());
        assert!(
            (d.scv() - scv).abs() <= 1e-9 * scv.max(1.0),
            "{kind}: scv {} vs {scv}",
            d.scv()
        );
        let raw = raw_moments(&d);
        assert!(close(raw[0], 2.0, 1e-9), "{kind}");
        assert!(close(raw[1], 4.0 * (1.0 + scv), 1e-9), "{kind}");
        if scv > 0.0 {
            check_raw(&d, raw);
        }
    }
}

#[test]
fn weibull_mean_scv_of_one_is_exponential() {
    let d = build(DistSpec {
        mean: Some(2.0),
        scv: Some(1.0),
        ..spec("weibull")
    });
    let Distribution::Weibull { shape, scale, .. } = d else {
        panic!("{d:?}")
    };
    assert!(close(shape, 1.0, 1e-9) && close(scale, 2.0, 1e-9));
}

#[test]
fn other_forms_agree() {
    // erlang by k and by scv = 1/k are the same distribution.
    let by_k = build(DistSpec {
        k: Some(4.0),
        mean: Some(2.0),
        ..spec("erlang")
    });
    let by_scv = build(DistSpec {
        scv: Some(0.25),
        mean: Some(2.0),
        ..spec("erlang")
    });
    assert_eq!(by_k, by_scv);
    // A one-phase hyperexponential is an exponential.
    let h = build(DistSpec {
        probs: Some(vec![1.0]),
        rates: Some(vec![0.5]),
        ..spec("hyperexponential")
    });
    assert_eq!((h.mean(), h.scv()), (2.0, 1.0));
}

#[test]
fn scaling_keeps_the_family() {
    let d = build(DistSpec {
        rate: Some(2.0),
        ..spec("exponential")
    });
    assert_eq!(d.scaled(3.0).mean(), 1.5);
    for (kind, scv) in [
        ("uniform", 0.2),
        ("erlang", 0.5),
        ("gamma", 2.0),
        ("lognormal", 1.5),
        ("weibull", 0.7),
        ("hyperexponential", 3.0),
        ("pareto", 0.4),
    ] {
        let d = build(DistSpec {
            mean: Some(2.0),
            scv: Some(scv),
            ..spec(kind)
        });
        let s = d.scaled(3.0);
        assert!(close(s.mean(), 6.0, 1e-9), "{kind}: {}", s.mean());
        assert!(close(s.scv(), scv, 1e-9), "{kind}: {}", s.scv());
        assert_eq!(
            std::mem::discriminant(&s),
            std::mem::discriminant(&d),
            "{kind}"
        );
    }
    let f = TempFile::new("scaled", "1\n3\n");
    let e = build(f.spec()).scaled(2.0);
    assert_eq!((e.mean(), e.scv()), (4.0, 0.25));
}

#[test]
fn variate_spec_shapes() {
    let g = build(DistSpec {
        mean: Some(2.0),
        scv: Some(0.5),
        ..spec("gamma")
    });
    let v = g.to_variate_spec();
    assert_eq!(v.shape, Shape::Gamma { shape: 2.0 });
    assert!(close(v.mean, 2.0, 1e-12) && close(v.scv, 0.5, 1e-12));
    let e = build(DistSpec {
        k: Some(3.0),
        mean: Some(1.5),
        ..spec("erlang")
    });
    assert_eq!(e.to_variate_spec().shape, Shape::Erlang { k: 3 });
    let l = build(DistSpec {
        mean: Some(2.0),
        scv: Some(0.5),
        ..spec("lognormal")
    });
    assert_eq!(l.to_variate_spec().shape, Shape::General);
}
