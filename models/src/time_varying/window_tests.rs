use super::*;
use crate::mmc::erlang_c;

/// The truth for M_t/M/c from empty: the forward (Kolmogorov) equations of the truncated
/// birth–death chain, integrated by classical Runge–Kutta with step `dt`; returns
/// (∫_a^b L dt, ∫_a^b λ(t)·P(N(t) ≥ c) dt) by the trapezoidal rule.
fn forward(rate: &RateFn, mu: f64, c: usize, n: usize, a: f64, b: f64, dt: f64) -> (f64, f64) {
    let deriv = |t: f64, p: &[f64], out: &mut [f64]| {
        let lam = rate.rate(t);
        for k in 0..n {
            let death = |j: usize| j.min(c) as f64 * mu;
            let mut d = -(if k + 1 < n { lam } else { 0.0 } + death(k)) * p[k];
            if k > 0 {
                d += lam * p[k - 1];
            }
            if k + 1 < n {
                d += death(k + 1) * p[k + 1];
            }
            out[k] = d;
        }
    };
    let mut p = vec![0.0; n];
    p[0] = 1.0;
    let (mut k1, mut k2, mut k3, mut k4, mut tmp) = (
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
        vec![0.0; n],
    );
    let steps = (b / dt).round() as usize;
    let stat = |t: f64, p: &[f64]| {
        let l: f64 = p.iter().enumerate().map(|(k, x)| k as f64 * x).sum();
        let wait: f64 = p[c..].iter().sum();
        (l, rate.rate(t) * wait)
    };
    let (mut il, mut iw) = (0.0, 0.0);
    for s in 0..steps {
        let t = s as f64 * dt;
        let before = stat(t, &p);
        deriv(t, &p, &mut k1);
        (0..n).for_each(|i| tmp[i] = p[i] + 0.5 * dt * k1[i]);
        deriv(t + 0.5 * dt, &tmp, &mut k2);
        (0..n).for_each(|i| tmp[i] = p[i] + 0.5 * dt * k2[i]);
        deriv(t + 0.5 * dt, &tmp, &mut k3);
        (0..n).for_each(|i| tmp[i] = p[i] + dt * k3[i]);
        deriv(t + dt, &tmp, &mut k4);
        (0..n).for_each(|i| p[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        let after = stat(t + dt, &p);
        if t >= a - 1e-12 && t + dt <= b + 1e-12 {
            il += 0.5 * dt * (before.0 + after.0);
            iw += 0.5 * dt * (before.1 + after.1);
        }
    }
    (il, iw)
}

/// A constant rate: PSA and SIPP are M/M/c; MOL is M/M/c once the start-up has died out.
#[test]
fn constant_rate_is_mmc() {
    let q = MtMc::new(RateFn::Constant(3.6), 1.0).unwrap();
    let exact = MMc::new(3.6, 1.0, 4).unwrap().measures();
    for method in [WindowMethod::Psa, WindowMethod::Sipp, WindowMethod::Mol] {
        let m = q.window(method, 60.0, 70.0, 4).unwrap();
        for (x, y) in [
            (m.l, exact.l),
            (m.wq, exact.wq),
            (m.t, exact.t),
            (m.p_wait.unwrap(), exact.p_wait.unwrap()),
        ] {
            assert!((x - y).abs() < 1e-8 * y, "{method:?}: {x} vs {y}");
        }
        assert!((m.utilization - 0.9).abs() < 1e-9);
    }
}

/// With far more consumers than load nobody waits, so MOL's L is the M_t/M/∞ offered load
/// (its window average, computed by the exact formula in `infinite`), and PSA's L the
/// average of λ(t)/μ: the limiting cases.
#[test]
fn many_consumers_give_the_offered_load() {
    let rate = RateFn::sinusoid(10.0, 8.0, 4.0, 0.3).unwrap();
    let q = MtMc::new(rate.clone(), 0.5).unwrap();
    let inf = MtGInf::new(rate.clone(), ServiceLaw::Exponential { mean: 2.0 }).unwrap();
    for &(a, b) in &[(0.0, 1.0), (3.0, 7.5)] {
        let mol = q.window(WindowMethod::Mol, a, b, 200).unwrap();
        assert!(
            (mol.l - inf.window_mean(a, b)).abs() < 1e-7,
            "{} vs {}",
            mol.l,
            inf.window_mean(a, b)
        );
        let psa = q.window(WindowMethod::Psa, a, b, 200).unwrap();
        assert!((psa.l - rate.integrated(a, b) / (b - a) / 0.5).abs() < 1e-7);
        assert!(mol.p_wait.unwrap() < 1e-20);
    }
}

/// Against the forward equations: with a rate that changes slowly (period 2000 mean service
/// times, peak load 0.72 per consumer) PSA is close (Green & Kolesar's asymptotic regime;
/// observed relative error 1e-5); with a fast change (period 4 mean service times, 14
/// consumers) PSA misses the lag of the load behind the rate (L off by up to 54 %, P(wait)
/// by 0.26) and MOL does much better (L within 2.9 %, P(wait) within 0.025).
#[test]
fn against_the_forward_equations() {
    let c = 18;
    let slow = RateFn::sinusoid(10.0, 3.0, 2000.0, 0.0).unwrap();
    let q = MtMc::new(slow.clone(), 1.0).unwrap();
    for &(a, b) in &[(480.0, 520.0), (1480.0, 1520.0)] {
        let (il, _) = forward(&slow, 1.0, c, 90, a, b, 0.02);
        let truth = il / (b - a);
        let psa = q.window(WindowMethod::Psa, a, b, c as u32).unwrap().l;
        assert!(
            (psa - truth).abs() / truth < 1e-3,
            "slow [{a}, {b}]: PSA {psa} vs {truth}"
        );
    }
    let c = 14;
    let fast = RateFn::sinusoid(8.0, 4.0, 4.0, 0.0).unwrap();
    let q = MtMc::new(fast.clone(), 1.0).unwrap();
    let (mut err_psa, mut err_mol) = (0.0f64, 0.0f64);
    let (mut pw_psa, mut pw_mol) = (0.0f64, 0.0f64);
    for k in 0..4 {
        let (a, b) = (40.0 + k as f64, 41.0 + k as f64);
        let (il, iw) = forward(&fast, 1.0, c, 90, a, b, 0.005);
        let truth = il / (b - a);
        let psa = q.window(WindowMethod::Psa, a, b, c as u32).unwrap();
        let mol = q.window(WindowMethod::Mol, a, b, c as u32).unwrap();
        err_psa = err_psa.max((psa.l - truth).abs() / truth);
        err_mol = err_mol.max((mol.l - truth).abs() / truth);
        let pw = iw / fast.integrated(a, b);
        pw_psa = pw_psa.max((psa.p_wait.unwrap() - pw).abs());
        pw_mol = pw_mol.max((mol.p_wait.unwrap() - pw).abs());
    }
    assert!(err_mol < 0.03, "MOL error {err_mol}");
    assert!(
        pw_psa > 5.0 * pw_mol,
        "P(wait): PSA {pw_psa} vs MOL {pw_mol}"
    );
    assert!(err_psa > 5.0 * err_mol, "PSA {err_psa} vs MOL {err_mol}");
}

/// MOL staffing at a constant rate, long after the start, is the Erlang C staffing found by
/// a direct search; a rate that varies needs more consumers at its peak than at its trough.
#[test]
fn mol_staffing() {
    let q = MtMc::new(RateFn::Constant(20.0), 1.0).unwrap();
    let direct = (21..).find(|&c| erlang_c(c, 20.0) <= 0.2).unwrap();
    let got = q.mol_staffing(&[(50.0, 60.0)], Target::PWait(0.2)).unwrap();
    assert_eq!(got, vec![direct]);
    let wq = q
        .mol_staffing(&[(50.0, 60.0)], Target::MeanWait(0.05))
        .unwrap()[0];
    let direct = (21..)
        .find(|&c| erlang_c(c, 20.0) / (f64::from(c) - 20.0) <= 0.05)
        .unwrap();
    assert_eq!(wq, direct);
    let day = RateFn::piecewise(vec![0.0, 8.0, 16.0], vec![5.0, 40.0, 10.0], Some(24.0)).unwrap();
    let q = MtMc::new(day, 1.0).unwrap();
    let plan = q
        .mol_staffing(
            &[(0.0, 8.0), (8.0, 16.0), (16.0, 24.0)],
            Target::WaitQuantile { p: 0.9, max: 0.1 },
        )
        .unwrap();
    // The load lags the rate: at t = 16 it is still 40 erlangs, so the third window needs
    // the peak's staff; two hours later it has fallen to 10 + 30e^{-2} ≈ 14.1 erlangs.
    assert!(plan[1] > plan[0] && plan[2] == plan[1], "{plan:?}");
    let later = q.mol_staffing(&[(18.0, 24.0)], Target::WaitQuantile { p: 0.9, max: 0.1 });
    assert!(later.unwrap()[0] < plan[1]);
    // In the peak window the load settles at 40 erlangs: at least 41 consumers.
    assert!(plan[1] >= 41);
    assert!(q.mol_staffing(&[(0.0, 1.0)], Target::PWait(1.5)).is_err());
}

#[test]
fn unstable_windows_have_no_figure() {
    let q = MtMc::new(RateFn::sinusoid(10.0, 5.0, 10.0, 0.0).unwrap(), 1.0).unwrap();
    // Peak 15 on [0, 5], window mean 10 + 10/π ≈ 13.18: PSA fails on 14 consumers, SIPP not.
    assert!(matches!(
        q.window(WindowMethod::Psa, 0.0, 5.0, 14),
        Err(ModelError::Unstable { .. })
    ));
    assert!(q.window(WindowMethod::Sipp, 0.0, 5.0, 14).is_ok());
    assert!(q.window(WindowMethod::Sipp, 0.0, 5.0, 13).is_err());
    assert!(q.window(WindowMethod::Psa, 5.0, 10.0, 14).is_ok());
}

/// P(T > t) for M/M/c FIFO computed independently of the exponential-tail law: the wait is 0
/// with probability 1 − C, else Exp(cμ − λ) (Erlang C); T = W + S, and P(T > t) =
/// P(S > t) + ∫_0^t μe^{−μs}·P(W > t − s) ds by a midpoint sum.
fn sojourn_survival_by_sum(lambda: f64, mu: f64, c: u32, t: f64) -> f64 {
    let pw = erlang_c(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    let n = 200_000;
    let h = t / f64::from(n);
    let conv: f64 = (0..n)
        .map(|i| {
            let s = (f64::from(i) + 0.5) * h;
            mu * (-mu * s).exp() * pw * (-theta * (t - s)).exp() * h
        })
        .sum();
    (-mu * t).exp() + conv
}

/// MOL staffing for targets on T at a constant rate, long after the start: the fewest c
/// whose P(T > 20) ≤ 0.01 and mean T ≤ 4.5, by the independent sum above and Erlang C; a
/// bound the service alone exceeds is refused.
#[test]
fn mol_staffing_on_sojourn() {
    let (lambda, mu) = (1.3, 0.25);
    let q = MtMc::new(RateFn::Constant(lambda), mu).unwrap();
    let got = q
        .mol_staffing(
            &[(400.0, 500.0)],
            Target::SojournQuantile { p: 0.99, max: 20.0 },
        )
        .unwrap()[0];
    let direct = (6..)
        .find(|&c| sojourn_survival_by_sum(lambda, mu, c, 20.0) <= 0.01)
        .unwrap();
    assert_eq!(got, direct);
    let mean = q
        .mol_staffing(&[(400.0, 500.0)], Target::MeanSojourn(4.5))
        .unwrap()[0];
    let direct = (6..)
        .find(|&c| erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda) + 1.0 / mu <= 4.5)
        .unwrap();
    assert_eq!(mean, direct);
    // p99 of an Exp(mean 4) service alone is 4·ln 100 ≈ 18.42.
    assert!(
        q.mol_staffing(
            &[(0.0, 1.0)],
            Target::SojournQuantile { p: 0.99, max: 18.0 }
        )
        .is_err()
    );
    assert!(
        q.mol_staffing(&[(0.0, 1.0)], Target::MeanSojourn(4.0))
            .is_err()
    );
}
