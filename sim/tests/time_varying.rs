//! Time-varying traffic window by window against exact transient theory computed by a
//! second method in `models`: M_t/M/∞ with a sinusoidal rate against Eick, Massey & Whitt's
//! m(t) (issue 19's first criterion), and M_t/M/c+M (a sinusoidal rate, c consumers,
//! exponential patience) against the forward equations of its birth–death chain.

mod common;

use common::scenario;
use kendall_models::{MtGInf, MtMcTransient, RateFn, ServiceLaw};
use kendall_sim::windows::WindowSummary;
use kendall_sim::{Metric, run_experiment};

/// How many windows' 99% intervals of `m` hold `exact[k]`.
fn inside(windows: &[WindowSummary], m: Metric, exact: &[f64]) -> usize {
    windows
        .iter()
        .zip(exact)
        .filter(|(w, x)| w.get(m).contains_at(**x, 0.99))
        .count()
}

/// λ(t) = 10 + 6·sin(2πt/20) into 200 exponential consumers of mean 1 (never all busy: an
/// M_t/M/∞ in effect) from empty over [0, 60) in windows of 1: the window mean L must hold
/// the exact window average of m(t) in at least 95% of the 60 windows.
#[test]
fn sinusoidal_infinite_server_windows_follow_m_of_t() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        rate = { kind = "sinusoid", mean = 10.0, amplitude = 6.0, period = 20.0, phase = 0.0 }
        [[queues]]
        name = "q"
        consumers = 200
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 40
        horizon = 60
        window = 1
        seed = 23
        "#,
    );
    let r = run_experiment(&s).unwrap();
    let rate = RateFn::sinusoid(10.0, 6.0, 20.0, 0.0).unwrap();
    let m = MtGInf::new(rate, ServiceLaw::Exponential { mean: 1.0 }).unwrap();
    let exact: Vec<f64> = r
        .windows
        .iter()
        .map(|w| m.window_mean(w.start, w.end))
        .collect();
    assert_eq!(r.windows.len(), 60);
    let l = inside(&r.windows, Metric::L, &exact);
    assert!(
        l >= 57,
        "L: {l} of 60 windows hold the window average of m(t)"
    );
}

/// λ(t) = 6 + 4·sin(2πt/40), 5 consumers of rate 1, exponential patience of mean 2
/// (θ = 0.5), from empty over [0, 80) in windows of 2: the window means of L and Lq must hold
/// the forward equations' exact values in at least 95% of the 40 windows.
#[test]
fn sinusoidal_erlang_a_windows_follow_the_forward_equations() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        rate = { kind = "sinusoid", mean = 6.0, amplitude = 4.0, period = 40.0, phase = 0.0 }
        [[queues]]
        name = "q"
        consumers = 5
        service = { kind = "exponential", mean = 1.0 }
        patience = { kind = "exponential", mean = 2.0 }
        [run]
        replications = 40
        horizon = 80
        window = 2
        seed = 29
        "#,
    );
    let r = run_experiment(&s).unwrap();
    let rate = RateFn::sinusoid(6.0, 4.0, 40.0, 0.0).unwrap();
    let exact = MtMcTransient::new(rate, 1.0, 5, 0.5)
        .unwrap()
        .windows(80.0, 2.0)
        .unwrap();
    assert_eq!((r.windows.len(), exact.len()), (40, 40));
    let l: Vec<f64> = exact.iter().map(|w| w.l).collect();
    let lq: Vec<f64> = exact.iter().map(|w| w.lq).collect();
    let (in_l, in_lq) = (
        inside(&r.windows, Metric::L, &l),
        inside(&r.windows, Metric::Lq, &lq),
    );
    assert!(in_l >= 38, "L: {in_l} of 40 windows hold the exact value");
    assert!(
        in_lq >= 38,
        "Lq: {in_lq} of 40 windows hold the exact value"
    );
    // Abandonment happens: some windows must show it.
    assert!(
        r.windows
            .iter()
            .any(|w| w.get(Metric::PAbandon).mean > 0.01)
    );
}
