//! Time-varying traffic window by window against the theory per window
//! (`kendall_sim::theory::windows`), itself checked against a second method in `models`:
//! M_t/M/∞ with a sinusoidal rate against Eick, Massey & Whitt's m(t) (issue 19's first
//! criterion), M_t/M/c+M (a sinusoidal rate, c consumers, exponential patience) and M/M/2
//! from empty through the forward equations of their birth–death chains; a day of merged
//! Poisson producers; and the gate: what the model does not admit gets no "exact".
//!
//! Every interval check asks for the exact value inside the 99% interval in at least 95% of
//! the windows (fixed seeds): with independent replications, a window misses with
//! probability 1%, so 95% leaves room for the few misses correlation between windows can
//! bunch together.

mod common;

use common::scenario;
use kendall_models::{Exactness, MtGInf, RateFn, ServiceLaw};
use kendall_sim::theory::windows::{WindowTheory, window_theory, windows_theory};
use kendall_sim::windows::WindowSummary;
use kendall_sim::{Metric, run_experiment};

/// How many windows' 99% intervals of `m` hold theory's value, and how many could be
/// judged; panics unless every window has a value labelled `kind`. A window whose interval
/// has no width (every replication the same, as an Lq of 0 when nobody waited in any) cannot
/// be judged by an interval and is left out.
fn inside(
    windows: &[WindowSummary],
    theory: &[WindowTheory],
    m: Metric,
    kind: Exactness,
) -> (usize, usize) {
    assert_eq!(windows.len(), theory.len());
    let judged: Vec<bool> = windows
        .iter()
        .zip(theory)
        .filter_map(|(w, t)| {
            let v = t.get(m).unwrap_or_else(|| panic!("no {m:?} in {t:?}"));
            assert_eq!(v.exactness, kind, "{m:?}: {}", v.model);
            let s = w.get(m);
            let width = 1e-9 * s.mean.abs().max(1.0);
            (s.half_width > width).then(|| s.contains_at(v.value, 0.99))
        })
        .collect();
    (judged.iter().filter(|&&x| x).count(), judged.len())
}

/// Asserts that at least 95% of the judged windows hold theory's value of `m`, and that
/// most windows could be judged. For the figures of the messages that *arrived* in a window
/// (T, Wq, P(wait), p_abandon) the last window is left out: the simulation censors the
/// messages still inside at the horizon (no sojourn yet, no abandonment yet), which biases
/// it low by construction (sim/src/windows.rs).
fn assert_most(windows: &[WindowSummary], theory: &[WindowTheory], m: Metric, kind: Exactness) {
    let by_arrival = matches!(m, Metric::T | Metric::Wq | Metric::PWait | Metric::PAbandon);
    let keep = windows.len() - usize::from(by_arrival);
    let (windows, theory) = (&windows[..keep], &theory[..keep]);
    let (n, judged) = inside(windows, theory, m, kind);
    assert!(
        judged * 4 >= windows.len() * 3,
        "{m:?}: only {judged} windows judged"
    );
    assert!(
        n >= most(judged),
        "{m:?}: {n} of {judged} windows hold the {kind:?} value"
    );
}

/// At least 95% of `n`.
fn most(n: usize) -> usize {
    (n * 95).div_ceil(100)
}

/// λ(t) = 10 + 6·sin(2πt/20) into 200 exponential consumers of mean 1 (never all busy: an
/// M_t/M/∞ in effect) from empty over [0, 60) in windows of 1: the forward equations'
/// window L equals Eick, Massey & Whitt's window average of m(t) (a second method), and the
/// simulated window means hold it in at least 95% of the 60 windows.
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
    let theory = window_theory(&s, 60.0, 1.0);
    let rate = RateFn::sinusoid(10.0, 6.0, 20.0, 0.0).unwrap();
    let m = MtGInf::new(rate, ServiceLaw::Exponential { mean: 1.0 }).unwrap();
    for t in &theory {
        let exact = m.window_mean(t.start, t.end);
        let l = t.get(Metric::L).unwrap().value;
        assert!((l - exact).abs() < 1e-6 * exact, "{l} vs m(t)'s {exact}");
    }
    assert_eq!(r.windows.len(), 60);
    assert_most(&r.windows, &theory, Metric::L, Exactness::Exact);
}

/// λ(t) = 6 + 4·sin(2πt/40), 5 consumers of rate 1, exponential patience of mean 2
/// (θ = 0.5), from empty over [0, 80) in windows of 2, 100 replications (so that even the
/// quiet windows pool some 400 arrivals for the by-arrival ratio estimators' intervals): the window means of L, Lq and
/// throughput must hold the forward equations' exact values in at least 95% of the 40
/// windows, and so must the p_abandon, Wq, T and P(wait) of each window's arrivals. (Not
/// the utilisation: near its
/// bound of 1 in the busy windows most replications give exactly 1 and a few less, a sample
/// too skewed for a t-interval over 40 replications.)
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
        replications = 100
        horizon = 80
        window = 2
        seed = 29
        "#,
    );
    let r = run_experiment(&s).unwrap();
    let theory = windows_theory(&s, 80.0, 2.0);
    assert!(theory.summary.contains("(exact)"), "{}", theory.summary);
    let theory = theory.windows;
    assert_eq!((r.windows.len(), theory.len()), (40, 40));
    for m in [Metric::L, Metric::Lq, Metric::Throughput] {
        assert_most(&r.windows, &theory, m, Exactness::Exact);
    }
    // The fates of the window's arrivals (a FIFO message's, given what it finds), exact,
    // against the simulation's pooled by-arrival figures.
    for m in [Metric::PAbandon, Metric::Wq, Metric::T, Metric::PWait] {
        assert_most(&r.windows, &theory, m, Exactness::Exact);
    }
    // Abandonment happens: some windows must show it.
    assert!(
        r.windows
            .iter()
            .any(|w| w.get(Metric::PAbandon).mean > 0.01)
    );
}

/// tests/scenarios/windows_mmc.toml with more replications and windows: M/M/2 at ρ = 0.8
/// from empty, whose windows climb towards the steady state; L, Lq, utilisation,
/// throughput, P(wait), Wq and T are exact per window.
#[test]
fn mm2_from_empty_windows_are_exact() {
    let s = scenario(
        r#"
        [[producers]]
        name = "p"
        interarrival = { kind = "exponential", rate = 1.6 }
        [[queues]]
        name = "q"
        consumers = 2
        service = { kind = "exponential", mean = 1.0 }
        [run]
        replications = 40
        horizon = 200
        window = 10
        seed = 11
        "#,
    );
    let r = run_experiment(&s).unwrap();
    let theory = window_theory(&s, 200.0, 10.0);
    // The climb from empty: the first window's L is well below M/M/2's 4.44.
    let first = theory[0].get(Metric::L).unwrap().value;
    assert!(first < 3.0, "{first}");
    for m in [
        Metric::L,
        Metric::Lq,
        Metric::Utilization,
        Metric::Throughput,
        Metric::PWait,
    ] {
        assert_most(&r.windows, &theory, m, Exactness::Exact);
    }
    for m in [Metric::T, Metric::Wq] {
        assert_most(&r.windows, &theory, m, Exactness::Exact);
    }
}

/// A day like scenarios/diurnal.toml, scaled to minutes: two Poisson producers (a
/// piecewise schedule with a morning jump and a sinusoid) merged into one queue of 6
/// exponential consumers. The rates add (one Poisson stream), so the forward equations are
/// exact; with the consumers on a schedule they are an approximation that says so.
#[test]
fn a_day_of_merged_producers() {
    let text = |consumers: &str| {
        format!(
            r#"
            [[producers]]
            name = "mail"
            rate = {{ kind = "piecewise", at = [0, 30, 60], values = [0.5, 3.0, 1.5], repeat = 120 }}
            [[producers]]
            name = "push"
            rate = {{ kind = "sinusoid", mean = 1.0, amplitude = 0.8, period = 120, phase = 2.6 }}
            [[queues]]
            name = "send"
            consumers = {consumers}
            service = {{ kind = "exponential", mean = 1.5 }}
            [run]
            replications = 40
            horizon = 120
            window = 5
            seed = 2026
            "#
        )
    };
    let s = scenario(&text("6"));
    let r = run_experiment(&s).unwrap();
    let theory = window_theory(&s, 120.0, 5.0);
    for m in [Metric::L, Metric::Lq, Metric::PWait, Metric::Wq, Metric::T] {
        assert_most(&r.windows, &theory, m, Exactness::Exact);
    }
    // Staffed 3, then 7 for the morning, then 5.
    let s = scenario(&text(
        "{ at = [0, 30, 60], values = [3, 7, 5], repeat = 120 }",
    ));
    let w = windows_theory(&s, 120.0, 5.0);
    assert!(
        w.summary.contains("queues.send.consumers") && w.summary.ends_with("(approximation)"),
        "{}",
        w.summary
    );
    let r = run_experiment(&s).unwrap();
    // The drop from 7 to 5 at 60 is where the approximation errs (a leaving consumer
    // finishes its message): it stays within the intervals in most windows all the same.
    assert_most(&r.windows, &w.windows, Metric::L, Exactness::Approximation);
}

/// What the forward equations do not admit gets no "exact": gamma service on few consumers
/// has no figure and names the key; on many consumers M_t/G/∞ is offered as an
/// approximation; batches and MMPP arrivals have no figure.
#[test]
fn non_admitted_features_get_no_exact_theory() {
    let text = |producer: &str, consumers: u32, service: &str| {
        format!(
            r#"
            [[producers]]
            name = "p"
            {producer}
            [[queues]]
            name = "q"
            consumers = {consumers}
            service = {service}
            [run]
            replications = 2
            horizon = 40
            window = 4
            "#
        )
    };
    let sinusoid = r#"rate = { kind = "sinusoid", mean = 3.0, amplitude = 2.0, period = 20 }"#;
    let gamma = r#"{ kind = "gamma", shape = 2.0, scale = 0.5 }"#;
    let exp = r#"{ kind = "exponential", mean = 1.0 }"#;
    let few = windows_theory(&scenario(&text(sinusoid, 4, gamma)), 40.0, 4.0);
    assert!(few.windows.is_empty());
    assert!(few.summary.contains("queues.q.service"), "{}", few.summary);
    let many = windows_theory(&scenario(&text(sinusoid, 40, gamma)), 40.0, 4.0);
    assert_eq!(many.windows.len(), 10);
    for w in &many.windows {
        for v in w.metrics.iter().flatten() {
            assert_eq!(v.exactness, Exactness::Approximation);
            assert!(v.model.contains("never all busy"));
        }
    }
    let batch = format!("{sinusoid}\nbatch = {{ kind = \"deterministic\", value = 2 }}");
    let b = windows_theory(&scenario(&text(&batch, 4, exp)), 40.0, 4.0);
    assert!(
        b.windows.is_empty() && b.summary.contains("producers.p.batch"),
        "{}",
        b.summary
    );
    let mmpp =
        r#"interarrival = { kind = "mmpp", rates = [1.0, 5.0], mean_durations = [5.0, 2.0] }"#;
    let m = windows_theory(&scenario(&text(mmpp, 4, exp)), 40.0, 4.0);
    assert!(
        m.windows.is_empty() && m.summary.contains("producers.p.interarrival"),
        "{}",
        m.summary
    );
}
