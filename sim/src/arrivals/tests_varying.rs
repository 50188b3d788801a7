//! Time-varying rates, MMPPs and batches: counts per window against the integrated rate, the
//! MMPP's long-run rate, gap moments and index of dispersion against theory, batch moments,
//! and the errors malformed tables give.
//!
//! Tolerances are z = 3.89 (two-sided 99.99 %) standard errors of each estimate, with fixed
//! seeds: a wrong rate, integral or switching rule moves an estimate by far more.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;
use crate::dist::DistSpec;
use crate::error::KeyPath;

const Z: f64 = 3.89;

fn rate(spec: RateSpec) -> RateFunction {
    RateFunction::from_spec(&spec, &KeyPath::default()).unwrap()
}

fn sinusoid() -> RateFunction {
    rate(RateSpec {
        kind: "sinusoid".into(),
        mean: Some(2.0),
        amplitude: Some(1.5),
        period: Some(10.0),
        phase: Some(0.3),
        ..RateSpec::default()
    })
}

fn day() -> RateFunction {
    rate(RateSpec {
        kind: "piecewise".into(),
        at: Some(vec![0.0, 3.0, 5.0]),
        values: Some(vec![0.5, 5.0, 0.0]),
        repeat: Some(8.0),
        ..RateSpec::default()
    })
}

/// Over `n` independent paths of `f` on [0, end), the mean and variance of the count in each
/// window, checked against a Poisson count of mean and variance Λ(a, b).
fn counts_match_integral(f: &RateFunction, windows: &[(f64, f64)], end: f64, seed: u64) {
    let n = 4000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut counts = vec![Vec::with_capacity(n); windows.len()];
    let process = Interarrival::Rate(f.clone());
    for _ in 0..n {
        let mut p = ArrivalProcess::new(&process);
        let mut c = vec![0.0; windows.len()];
        let mut t = 0.0;
        while let Some(gap) = p.next_gap(&mut rng) {
            t += gap;
            if t >= end {
                break;
            }
            for (k, &(a, b)) in windows.iter().enumerate() {
                if a <= t && t < b {
                    c[k] += 1.0;
                }
            }
        }
        for (k, x) in c.into_iter().enumerate() {
            counts[k].push(x);
        }
    }
    for (k, &(a, b)) in windows.iter().enumerate() {
        let big_lambda = f.integral(a, b);
        let xs = &counts[k];
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se_mean = (big_lambda / n as f64).sqrt();
        // Var of a sample variance of a Poisson(Λ): (μ₄ − σ⁴)/n = (Λ + 2Λ²)/n.
        let se_var = ((big_lambda + 2.0 * big_lambda * big_lambda) / n as f64).sqrt();
        assert!(
            (mean - big_lambda).abs() <= Z * se_mean,
            "[{a}, {b}): mean count {mean}, Λ = {big_lambda}"
        );
        assert!(
            (var - big_lambda).abs() <= Z * se_var,
            "[{a}, {b}): count variance {var}, Λ = {big_lambda}"
        );
    }
}

#[test]
fn sinusoid_counts_per_window_are_poisson_of_the_integrated_rate() {
    let f = sinusoid();
    // Λ by the midpoint rule on a fine grid: an independent check of the closed form.
    let numeric: f64 = (0..100_000)
        .map(|i| f.at(2.5 + (i as f64 + 0.5) * 5.0 / 100_000.0) * 5.0 / 100_000.0)
        .sum();
    assert!((f.integral(2.5, 7.5) - numeric).abs() < 1e-6);
    counts_match_integral(
        &f,
        &[(0.0, 2.5), (2.5, 5.0), (5.0, 9.5), (13.0, 17.0)],
        20.0,
        11,
    );
    assert_eq!(f.mean_rate(), 2.0);
}

#[test]
fn piecewise_counts_per_window_are_poisson_of_the_integrated_rate() {
    let f = day();
    // One cycle: 0.5·3 + 5·2 + 0·3 = 11.5 over 8.
    assert!((f.integral(0.0, 8.0) - 11.5).abs() < 1e-12);
    assert!((f.integral(2.0, 4.0) - (0.5 + 5.0)).abs() < 1e-12);
    // [12, 17): 5 on [12, 13), 0 on [13, 16), 0.5 on [16, 17).
    assert!((f.integral(12.0, 17.0) - (5.0 + 0.5)).abs() < 1e-12);
    assert_eq!(f.mean_rate(), 11.5 / 8.0);
    counts_match_integral(
        &f,
        &[(2.0, 4.0), (4.0, 10.0), (12.0, 17.0), (5.5, 7.5)],
        24.0,
        12,
    );
}

#[test]
fn a_schedule_that_ends_on_zero_stops_the_producer() {
    let f = rate(RateSpec {
        kind: "piecewise".into(),
        at: Some(vec![0.0, 10.0]),
        values: Some(vec![3.0, 0.0]),
        ..RateSpec::default()
    });
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut p = ArrivalProcess::new(&Interarrival::Rate(f));
    let (mut t, mut n) = (0.0, 0);
    while let Some(g) = p.next_gap(&mut rng) {
        t += g;
        n += 1;
    }
    assert!(t < 10.0 && n > 10, "{t} {n}");
    assert_eq!(p.next_gap(&mut rng), None);
}

#[test]
fn scaling_a_rate_scales_lambda_and_keeps_its_clock() {
    let f = Interarrival::Rate(day());
    let g = f.scaled(0.5);
    assert!((1.0 / g.mean() - 2.0 * 11.5 / 8.0).abs() < 1e-12);
    let Interarrival::Rate(RateFunction::Piecewise(s)) = g else {
        panic!()
    };
    assert_eq!(s.at, [0.0, 3.0, 5.0]);
    assert_eq!(s.values, [1.0, 10.0, 0.0]);
    assert_eq!(s.repeat, Some(8.0));
}

fn mmpp(rates: &[f64], durations: &[f64]) -> Mmpp {
    let spec = DistSpec {
        kind: "mmpp".into(),
        rates: Some(rates.to_vec()),
        mean_durations: Some(durations.to_vec()),
        ..DistSpec::default()
    };
    match Interarrival::from_spec(&spec, &KeyPath::default()).unwrap() {
        Interarrival::Mmpp(m) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn mmpp_rate_and_index_of_dispersion_match_theory() {
    let m = mmpp(&[0.5, 5.0], &[20.0, 5.0]);
    // π = (0.8, 0.2): λ̄ = 0.4 + 1.0.
    assert!((m.mean_rate() - 1.4).abs() < 1e-12);
    let (m1, _) = m.gap_moments();
    assert!((m1 - 1.0 / 1.4).abs() < 1e-12, "phase-type mean {m1}");
    // Counts in windows of w: IDC(w) = 1 + 2π₁π₂(λ₁−λ₂)²/(λ̄r)·(1 − (1 − e^{−rw})/(rw)),
    // r = r₁ + r₂ (Heffes & Lucantoni 1986).
    let (r, w) = (1.0 / 20.0 + 1.0 / 5.0, 200.0);
    let idc = 1.0
        + 2.0 * 0.8 * 0.2 * 4.5f64.powi(2) / (1.4 * r) * (1.0 - (1.0 - (-r * w).exp()) / (r * w));
    assert!((m.idc_limit().unwrap() - (1.0 + 2.0 * 0.16 * 20.25 / (1.4 * r))).abs() < 1e-9);
    let windows = 5000;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
    let mut p = ArrivalProcess::new(&Interarrival::Mmpp(m.clone()));
    let mut counts = vec![0.0; windows];
    let (mut t, end) = (0.0, w * windows as f64);
    let (mut n, mut sum, mut sum2) = (0.0, 0.0, 0.0);
    loop {
        let g = p.next_gap(&mut rng).unwrap();
        t += g;
        if t >= end {
            break;
        }
        counts[(t / w) as usize] += 1.0;
        n += 1.0;
        sum += g;
        sum2 += g * g;
    }
    let mean = counts.iter().sum::<f64>() / windows as f64;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (windows - 1) as f64;
    let rate_se = (idc * 1.4 * end).sqrt() / end;
    assert!(
        (mean / w - 1.4).abs() < Z * rate_se,
        "rate {} vs 1.4 ± {rate_se}",
        mean / w
    );
    // The sample IDC's standard error, for near-normal counts: IDC·√(2/(n − 1)).
    let got = var / mean;
    let se = idc * (2.0 / (windows - 1) as f64).sqrt();
    assert!((got - idc).abs() < Z * se, "IDC {got} vs {idc} ± {se}");
    // Gaps' SCV in the stationary interval process (a loose check: gaps are correlated).
    let scv = (sum2 / n) / (sum / n).powi(2) - 1.0;
    assert!(
        (scv / m.gap_scv() - 1.0).abs() < 0.1,
        "scv {scv} vs {}",
        m.gap_scv()
    );
}

#[test]
fn mmpp_with_three_states_spends_time_as_its_stationary_distribution() {
    // π ∝ durations = (1, 2, 5)/8; λ̄ = (1·1 + 2·0 + 5·3)/8 = 2.
    let m = mmpp(&[1.0, 0.0, 3.0], &[1.0, 2.0, 5.0]);
    assert!((m.mean_rate() - 2.0).abs() < 1e-12);
    let (m1, m2) = m.gap_moments();
    assert!((m1 - 0.5).abs() < 1e-12);
    assert!(m2 > 2.0 * m1 * m1, "burstier than Poisson");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut p = ArrivalProcess::new(&Interarrival::Mmpp(m));
    let (mut t, mut n) = (0.0, 0.0);
    while t < 200_000.0 {
        t += p.next_gap(&mut rng).unwrap();
        n += 1.0;
    }
    // IDC below 1 + 2·max λ·max duration = 31: a generous bound for the rate's error.
    let se = (31.0 * 2.0 * t).sqrt() / t;
    assert!((n / t - 2.0).abs() < Z * se, "rate {}", n / t);
}

/// The lag-1 (and lag-2) autocorrelation of an MMPP's gaps (Fischer & Meier-Hellstern's
/// closed form, through the MAP representation) against the sample autocorrelation of the
/// simulator's own streams: 20 independent streams of 50,000 gaps, whose sample lag-k
/// autocorrelations average within 3 standard errors (their spread over the streams / √20)
/// of the closed form. A two-state check by hand: with equal rates the gaps are Poisson's,
/// uncorrelated.
#[test]
fn mmpp_gap_autocorrelation_matches_long_streams() {
    assert!(mmpp(&[2.0, 2.0], &[3.0, 1.0]).gap_autocorrelation(1).abs() < 1e-12);
    for (rates, durations) in [
        (vec![0.5, 5.0], vec![20.0, 5.0]),
        (vec![1.0, 0.0, 3.0], vec![1.0, 2.0, 5.0]),
    ] {
        let m = mmpp(&rates, &durations);
        for lag in [1usize, 2] {
            let want = m.gap_autocorrelation(lag as u32);
            assert!(want > 0.0 && want < 1.0, "{want}");
            let streams: Vec<f64> = (0..20)
                .map(|seed| {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(100 + seed);
                    let mut p = ArrivalProcess::new(&Interarrival::Mmpp(m.clone()));
                    let gaps: Vec<f64> =
                        (0..50_000).map(|_| p.next_gap(&mut rng).unwrap()).collect();
                    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
                    let ss: f64 = gaps.iter().map(|g| (g - mean).powi(2)).sum();
                    gaps.iter()
                        .zip(&gaps[lag..])
                        .map(|(a, b)| (a - mean) * (b - mean))
                        .sum::<f64>()
                        / ss
                })
                .collect();
            let n = streams.len() as f64;
            let avg = streams.iter().sum::<f64>() / n;
            let sd = (streams.iter().map(|r| (r - avg).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let se = sd / n.sqrt();
            assert!(
                (avg - want).abs() < 3.0 * se,
                "{rates:?} lag {lag}: sample {avg} ± {se} vs {want}"
            );
        }
    }
}

fn batch(spec: BatchSpec) -> Batch {
    Batch::from_spec(&spec, &KeyPath::default()).unwrap()
}

#[test]
fn batch_sizes_have_their_mean() {
    let geometric = batch(BatchSpec {
        kind: "geometric".into(),
        mean: Some(2.5),
        ..BatchSpec::default()
    });
    let empirical = batch(BatchSpec {
        kind: "empirical".into(),
        values: Some(vec![1.0, 4.0, 10.0]),
        weights: Some(vec![5.0, 3.0, 2.0]),
        ..BatchSpec::default()
    });
    let fixed = batch(BatchSpec {
        kind: "deterministic".into(),
        value: Some(3.0),
        ..BatchSpec::default()
    });
    assert_eq!(fixed.mean(), 3.0);
    assert_eq!(fixed.second_moment(), 9.0);
    // 0.5 + 1.2 + 2 and 0.5 + 4.8 + 20.
    assert!((empirical.mean() - 3.7).abs() < 1e-12);
    assert!((empirical.second_moment() - 25.3).abs() < 1e-12);
    // Geometric on 1, 2, …: Var = (1 − p)/p² = 3.75 at p = 0.4.
    assert!((geometric.second_moment() - (3.75 + 6.25)).abs() < 1e-12);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let n = 200_000;
    for b in [&geometric, &empirical, &fixed] {
        let xs: Vec<f64> = (0..n).map(|_| f64::from(b.sample(&mut rng))).collect();
        assert!(xs.iter().all(|&x| x >= 1.0));
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = b.second_moment() - b.mean().powi(2);
        let se = (var / n as f64).sqrt();
        assert!(
            (mean - b.mean()).abs() <= Z * se,
            "{b:?}: {mean} vs {}",
            b.mean()
        );
    }
}

fn rate_err(spec: RateSpec, key: &str, needle: &str) {
    let e = RateFunction::from_spec(&spec, &KeyPath::default().key("rate")).unwrap_err();
    assert_eq!(e.key.to_string(), key, "{}", e.message);
    assert!(
        e.message.contains(needle),
        "`{}` lacks `{needle}`",
        e.message
    );
}

#[test]
fn malformed_rates_batches_and_mmpps_name_their_key() {
    let sin = |mean, amplitude, period| RateSpec {
        kind: "sinusoid".into(),
        mean: Some(mean),
        amplitude: Some(amplitude),
        period: Some(period),
        ..RateSpec::default()
    };
    rate_err(
        sin(1.0, 2.0, 5.0),
        "rate.amplitude",
        "must not exceed the mean",
    );
    rate_err(sin(1.0, -0.5, 5.0), "rate.amplitude", "negative");
    rate_err(sin(0.0, 0.0, 5.0), "rate.mean", "positive");
    rate_err(sin(1.0, 0.5, 0.0), "rate.period", "positive");
    let pw = |at: Vec<f64>, values: Vec<f64>, repeat| RateSpec {
        kind: "piecewise".into(),
        at: Some(at),
        values: Some(values),
        repeat,
        ..RateSpec::default()
    };
    rate_err(
        pw(vec![0.0, 2.0, 2.0], vec![1.0; 3], None),
        "rate.at[2]",
        "strictly increasing",
    );
    rate_err(
        pw(vec![1.0, 2.0], vec![1.0; 2], None),
        "rate.at",
        "must start at 0",
    );
    rate_err(
        pw(vec![0.0, 2.0], vec![1.0, -1.0], None),
        "rate.values[1]",
        "≥ 0",
    );
    rate_err(
        pw(vec![0.0, 2.0], vec![0.0, 0.0], None),
        "rate.values",
        "not all be 0",
    );
    rate_err(
        pw(vec![0.0, 2.0], vec![1.0], None),
        "rate.values",
        "one value per time",
    );
    rate_err(
        pw(vec![0.0, 2.0], vec![1.0, 2.0], Some(2.0)),
        "rate.repeat",
        "must exceed",
    );
    rate_err(
        RateSpec {
            period: Some(3.0),
            ..pw(vec![0.0], vec![1.0], None)
        },
        "rate.period",
        "does not apply",
    );
    rate_err(
        RateSpec {
            kind: "sine".into(),
            ..RateSpec::default()
        },
        "rate.kind",
        "unknown rate kind",
    );
    let batch_err = |spec: BatchSpec, key: &str, needle: &str| {
        let e = Batch::from_spec(&spec, &KeyPath::default().key("batch")).unwrap_err();
        assert_eq!(e.key.to_string(), key, "{}", e.message);
        assert!(
            e.message.contains(needle),
            "`{}` lacks `{needle}`",
            e.message
        );
    };
    batch_err(
        BatchSpec {
            kind: "deterministic".into(),
            value: Some(2.5),
            ..BatchSpec::default()
        },
        "batch.value",
        "positive integer",
    );
    batch_err(
        BatchSpec {
            kind: "geometric".into(),
            mean: Some(0.5),
            ..BatchSpec::default()
        },
        "batch.mean",
        "at least 1",
    );
    batch_err(
        BatchSpec {
            kind: "empirical".into(),
            values: Some(vec![1.0, 0.0]),
            ..BatchSpec::default()
        },
        "batch.values[1]",
        "positive integer",
    );
    batch_err(
        BatchSpec {
            kind: "empirical".into(),
            values: Some(vec![1.0, 2.0]),
            weights: Some(vec![1.0]),
            ..BatchSpec::default()
        },
        "batch.weights",
        "one weight per size",
    );
    let mmpp_err = |rates: Vec<f64>, durations: Vec<f64>, key: &str, needle: &str| {
        let spec = DistSpec {
            kind: "mmpp".into(),
            rates: Some(rates),
            mean_durations: Some(durations),
            ..DistSpec::default()
        };
        let e =
            Interarrival::from_spec(&spec, &KeyPath::default().key("interarrival")).unwrap_err();
        assert_eq!(e.path.to_string(), key, "{}", e.problem);
        assert!(e.problem.to_string().contains(needle), "{}", e.problem);
    };
    mmpp_err(
        vec![1.0],
        vec![1.0],
        "interarrival.rates",
        "at least two states",
    );
    mmpp_err(
        vec![1.0, 2.0],
        vec![1.0],
        "interarrival.mean_durations",
        "one mean duration",
    );
    mmpp_err(
        vec![1.0, -2.0],
        vec![1.0, 1.0],
        "interarrival.rates[1]",
        "non-negative",
    );
    mmpp_err(
        vec![1.0, 2.0],
        vec![1.0, 0.0],
        "interarrival.mean_durations[1]",
        "positive",
    );
    mmpp_err(
        vec![0.0, 0.0],
        vec![1.0, 1.0],
        "interarrival.rates",
        "not all be 0",
    );
}
