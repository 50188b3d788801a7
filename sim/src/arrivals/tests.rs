//! Traces replay their gaps in order (looping or stopping), renewal arrivals draw like their
//! distribution, and a trace is refused wherever a distribution is drawn from.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::*;
use crate::dist::tests::{TempFile, spec};
use crate::dist::{DistProblem, DistSpec};

fn build(s: DistSpec) -> Interarrival {
    Interarrival::from_spec(&s, &KeyPath::default()).unwrap()
}

/// The error for `s` as the `interarrival` of a producer: (key path, message).
fn assert_err(s: DistSpec, path: &str, needle: &str) {
    let e = Interarrival::from_spec(&s, &KeyPath::default().key("interarrival")).unwrap_err();
    let (p, m) = (e.path.to_string(), e.problem.to_string());
    assert_eq!(p, path, "{m}");
    assert!(m.contains(needle), "`{m}` lacks `{needle}`");
}

#[test]
fn trace_replays_gaps_in_order() {
    let f = TempFile::new("trace", "# arrival times\n10\n11\n13\n\n16\n");
    let spec = DistSpec {
        kind: "trace".into(),
        ..f.spec()
    };
    let d = build(spec.clone());
    // Gaps 1, 2, 3: mean 2, population variance 2/3.
    assert_eq!(d.mean(), 2.0);
    assert!((d.scv() - (2.0 / 3.0) / 4.0).abs() < 1e-15);
    assert!(d.renewal().is_none());
    assert_eq!(d.to_variate_spec().shape, Shape::General);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut looped = ArrivalProcess::new(&d);
    let got: Vec<f64> = (0..10)
        .map(|_| looped.next_gap(&mut rng).unwrap())
        .collect();
    // First at 0, the gaps, the wrap gap (the mean), the gaps again.
    assert_eq!(got, [0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
    let stop = build(DistSpec {
        at_end: Some("stop".into()),
        ..spec
    });
    let mut stopping = ArrivalProcess::new(&stop);
    let got: Vec<Option<f64>> = (0..6).map(|_| stopping.next_gap(&mut rng)).collect();
    assert_eq!(
        got,
        [Some(0.0), Some(1.0), Some(2.0), Some(3.0), None, None]
    );
    let scaled = d.scaled(2.0);
    assert_eq!(scaled.mean(), 4.0);
    let mut p = ArrivalProcess::new(&scaled);
    let got: Vec<f64> = (0..3).map(|_| p.next_gap(&mut rng).unwrap()).collect();
    assert_eq!(got, [0.0, 2.0, 4.0]);
}

#[test]
fn renewal_processes_draw_like_sample() {
    let arrivals = build(DistSpec {
        mean: Some(2.0),
        scv: Some(3.0),
        ..spec("hyperexponential")
    });
    let d = arrivals.renewal().unwrap();
    let (mut a, mut b) = (
        Xoshiro256PlusPlus::seed_from_u64(9),
        Xoshiro256PlusPlus::seed_from_u64(9),
    );
    let mut p = ArrivalProcess::new(&arrivals);
    for _ in 0..100 {
        assert_eq!(p.next_gap(&mut a), Some(d.sample(&mut b)));
    }
}

#[test]
fn trace_errors_name_the_line() {
    let t = |name: &str, text: &str| {
        let f = TempFile::new(name, text);
        let s = DistSpec {
            kind: "trace".into(),
            ..f.spec()
        };
        (f, s)
    };
    let (_f, s) = t("unsorted", "1\n2\n1.5\n");
    assert_err(
        s,
        "interarrival.file",
        "line 3: arrival times must be sorted",
    );
    let (_f, s) = t("nan", "1\nx\n");
    assert_err(s, "interarrival.file", "line 2: `x` is not a number");
    let (_f, s) = t("one", "1\n");
    assert_err(s, "interarrival.file", "at least two");
    let (_f, s) = t("same", "1\n1\n");
    assert_err(s, "interarrival.file", "mean gap must be positive");
    let (_f, s) = t("atend", "1\n2\n");
    assert_err(
        DistSpec {
            at_end: Some("repeat".into()),
            ..s
        },
        "interarrival.at_end",
        "\"loop\" or \"stop\"",
    );
}

#[test]
fn a_trace_table_takes_only_file_and_at_end() {
    let f = TempFile::new("rate", "1\n2\n");
    assert_err(
        DistSpec {
            kind: "trace".into(),
            rate: Some(2.0),
            ..f.spec()
        },
        "interarrival.rate",
        "`rate` does not apply to a trace distribution (it takes file, at_end)",
    );
    assert_err(
        spec("trace"),
        "interarrival",
        "a trace needs `file` (arrival times)",
    );
}

/// A trace is no distribution: as a service (or crash) time it is refused at its `kind`,
/// where it used to be resampled as if its gaps were independent.
#[test]
fn a_trace_is_not_a_distribution_to_draw_from() {
    let f = TempFile::new("service", "1\n2\n4\n");
    let trace = DistSpec {
        kind: "trace".into(),
        ..f.spec()
    };
    let e = Distribution::from_spec(&trace, &KeyPath::default().key("service")).unwrap_err();
    assert_eq!(e.path.to_string(), "service.kind");
    assert_eq!(e.problem, DistProblem::TraceIsNotADistribution);
    assert!(
        e.to_string()
            .starts_with("key `service.kind`: a trace replays recorded arrival times in order"),
        "{e}"
    );
    assert!(matches!(build(trace), Interarrival::Trace(_)));
}
