//! Tables that are not distributions are refused with the key at fault and what is wrong;
//! data files' errors name the file and line.

use super::{TempFile, assert_err, build, close, err, spec};
use crate::dist::DistSpec;

#[test]
fn empirical_errors_name_the_line() {
    let f = TempFile::new("bad", "1\n# fine\n2\nabc\n");
    assert_err(f.spec(), "service.file", "line 4: `abc` is not a number");
    let f = TempFile::new("negative", "1\n-2\n");
    assert_err(
        f.spec(),
        "service.file",
        "line 2: a sample must be a non-negative",
    );
    let f = TempFile::new("empty", "# nothing\n\n");
    assert_err(f.spec(), "service.file", "has no samples");
    assert_err(
        DistSpec {
            file: Some("/nonexistent/kendall/samples.txt".into()),
            ..spec("empirical")
        },
        "service.file",
        "cannot read",
    );
    assert_err(spec("empirical"), "service", "needs `file`");
}

#[test]
fn relative_files_resolve_against_a_directory() {
    let mut s = DistSpec {
        file: Some("data/x.txt".into()),
        ..spec("empirical")
    };
    s.resolve_file(std::path::Path::new("scenarios"));
    assert_eq!(
        s.file.as_deref(),
        Some(
            std::path::Path::new("scenarios")
                .join("data/x.txt")
                .to_str()
                .unwrap()
        )
    );
    let mut abs = DistSpec {
        file: Some("/abs/x.txt".into()),
        ..spec("empirical")
    };
    abs.resolve_file(std::path::Path::new("scenarios"));
    assert_eq!(abs.file.as_deref(), Some("/abs/x.txt"));
}

#[test]
fn bad_parameters_are_named() {
    let (p, m) = err(DistSpec {
        rate: Some(-1.0),
        ..spec("exponential")
    });
    assert_eq!(p, "service.rate");
    assert!(m.contains("positive"), "{m}");
    let (p, _) = err(DistSpec {
        value: Some(1.0),
        ..spec("exponential")
    });
    assert_eq!(p, "service.value");
    let (p, m) = err(spec("exponentail"));
    assert_eq!(p, "service.kind");
    assert!(m.contains("did you mean `exponential`"), "{m}");
    let (p, _) = err(spec("deterministic"));
    assert_eq!(p, "service");
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(0.5),
            ..spec("exponential")
        },
        "service.scv",
        "scv = 1",
    );
    assert_err(
        DistSpec {
            value: Some(1.0),
            scv: Some(0.5),
            ..spec("deterministic")
        },
        "service.scv",
        "scv = 0",
    );
    let (_, m) = err(spec("weibul"));
    assert!(m.contains("did you mean `weibull`"), "{m}");
}

#[test]
fn bad_uniform() {
    let u = |low: f64, high: f64| DistSpec {
        low: Some(low),
        high: Some(high),
        ..spec("uniform")
    };
    assert_err(u(2.0, 1.0), "service.high", "greater than low = 2");
    assert_err(u(-1.0, 1.0), "service.low", "non-negative");
    assert_err(u(1.0, f64::INFINITY), "service.high", "positive number");
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(0.5),
            ..spec("uniform")
        },
        "service.scv",
        "scv ≤ 1/3",
    );
    assert_err(
        DistSpec {
            low: Some(1.0),
            ..spec("uniform")
        },
        "service",
        "`high` missing",
    );
    assert_err(
        DistSpec {
            low: Some(1.0),
            high: Some(2.0),
            mean: Some(1.5),
            ..spec("uniform")
        },
        "service.mean",
        "does not go with",
    );
    assert_err(
        DistSpec {
            rate: Some(1.0),
            ..spec("uniform")
        },
        "service.rate",
        "does not apply to a uniform",
    );
}

#[test]
fn bad_erlang() {
    assert_err(
        DistSpec {
            k: Some(2.5),
            mean: Some(1.0),
            ..spec("erlang")
        },
        "service.k",
        "k must be a positive integer, not 2.5",
    );
    assert_err(
        DistSpec {
            k: Some(0.0),
            mean: Some(1.0),
            ..spec("erlang")
        },
        "service.k",
        "positive integer",
    );
    assert_err(
        DistSpec {
            scv: Some(0.3),
            mean: Some(1.0),
            ..spec("erlang")
        },
        "service.scv",
        "scv = 1/k",
    );
    assert_err(
        DistSpec {
            k: Some(2.0),
            mean: Some(0.0),
            ..spec("erlang")
        },
        "service.mean",
        "must be a positive number, not 0",
    );
    assert_err(
        DistSpec {
            shape: Some(2.0),
            ..spec("erlang")
        },
        "service.shape",
        "does not apply to an erlang",
    );
}

#[test]
fn bad_gamma() {
    assert_err(
        DistSpec {
            shape: Some(-2.0),
            scale: Some(1.0),
            ..spec("gamma")
        },
        "service.shape",
        "must be a positive number, not -2",
    );
    assert_err(
        DistSpec {
            shape: Some(2.0),
            scale: Some(f64::NAN),
            ..spec("gamma")
        },
        "service.scale",
        "positive number",
    );
    assert_err(
        DistSpec {
            shape: Some(2.0),
            scv: Some(1.0),
            ..spec("gamma")
        },
        "service.scv",
        "a gamma takes `shape` + `scale`, or `mean` + `scv`",
    );
    assert_err(spec("gamma"), "service", "a gamma needs");
}

#[test]
fn bad_lognormal() {
    assert_err(
        DistSpec {
            mu: Some(0.0),
            sigma: Some(0.0),
            ..spec("lognormal")
        },
        "service.sigma",
        "positive number",
    );
    assert_err(
        DistSpec {
            mu: Some(f64::INFINITY),
            sigma: Some(1.0),
            ..spec("lognormal")
        },
        "service.mu",
        "must be a number",
    );
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(-1.0),
            ..spec("lognormal")
        },
        "service.scv",
        "positive number",
    );
}

#[test]
fn bad_weibull() {
    assert_err(
        DistSpec {
            shape: Some(0.0),
            scale: Some(1.0),
            ..spec("weibull")
        },
        "service.shape",
        "positive number",
    );
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(1e40),
            ..spec("weibull")
        },
        "service.scv",
        "a weibull's scv must be between",
    );
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(1e-12),
            ..spec("weibull")
        },
        "service.scv",
        "a weibull's scv must be between",
    );
}

#[test]
fn bad_hyperexponential() {
    let h = |p: &[f64], r: &[f64]| DistSpec {
        probs: Some(p.to_vec()),
        rates: Some(r.to_vec()),
        ..spec("hyperexponential")
    };
    assert_err(
        h(&[0.5, 0.4], &[1.0, 2.0]),
        "service.probs",
        "probs must add up to 1, not 0.9",
    );
    assert_err(
        h(&[0.5, 0.5], &[1.0]),
        "service.rates",
        "has 1 entries but probs has 2",
    );
    assert_err(
        h(&[1.5, -0.5], &[1.0, 2.0]),
        "service.probs[0]",
        "probability in [0, 1]",
    );
    assert_err(
        h(&[0.5, 0.5], &[1.0, 0.0]),
        "service.rates[1]",
        "positive number",
    );
    assert_err(h(&[], &[]), "service.probs", "at least one phase");
    assert_err(
        DistSpec {
            mean: Some(1.0),
            scv: Some(0.5),
            ..spec("hyperexponential")
        },
        "service.scv",
        "needs scv > 1, not 0.5",
    );
}

#[test]
fn bad_pareto() {
    assert_err(
        DistSpec {
            shape: Some(2.0),
            scale: Some(-1.0),
            ..spec("pareto")
        },
        "service.scale",
        "positive number",
    );
    assert_err(
        DistSpec {
            shape: Some(0.0),
            scale: Some(1.0),
            ..spec("pareto")
        },
        "service.shape",
        "positive number",
    );
    assert_err(
        DistSpec {
            shape: Some(3.0),
            mean: Some(1.0),
            ..spec("pareto")
        },
        "service.mean",
        "does not go with",
    );
}

#[test]
fn toml_tables_parse() {
    let s: DistSpec = toml::from_str("kind = \"erlang\"\nk = 3\nmean = 1").unwrap();
    assert_eq!(build(s).scv(), 1.0 / 3.0);
    let s: DistSpec =
        toml::from_str("kind = \"hyperexponential\"\nprobs = [0.5, 0.5]\nrates = [1, 3]").unwrap();
    assert!(close(build(s).mean(), 0.5 + 0.5 / 3.0, 1e-12));
    assert!(toml::from_str::<DistSpec>("kind = \"gamma\"\nshap = 1").is_err());
}
