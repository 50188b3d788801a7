//! `kendall live` against theory: the broker on real threads and the real clock.

use assert_cmd::Command;
use serde_json::Value;

/// M/M/c by the Erlang C formula (Kleinrock, *Queueing Systems, Vol. 1*, §3.5), computed
/// here independently of the models crate: (T, L).
fn mmc(lambda: f64, mu: f64, c: u32) -> (f64, f64) {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let tail = term / (1.0 - rho);
    let p_wait = tail / (sum + tail);
    let t = p_wait / (f64::from(c) * mu - lambda) + 1.0 / mu;
    (t, lambda * t)
}

/// The acceptance run: 4 consumers, exponential service of mean 1 s, ρ = 0.7,
/// speed-up 200, 30 real seconds (6000 s of scenario time, ~16,800 messages). T and L within
/// 10% of theory. Takes about 31 s.
#[test]
fn live_mm4_matches_erlang_c_within_ten_percent() {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args([
            "live",
            "scenarios/live.toml",
            "--speedup",
            "200",
            "--duration",
            "30",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["mode"], "live");
    assert_eq!(doc["ci_method"], "batch means");
    assert_eq!(doc["horizon"], 6000.0);
    let (t, l) = mmc(2.8, 1.0, 4);
    assert!((t - 1.357_211_9).abs() < 1e-6 && (l - 3.800_193_4).abs() < 1e-6);
    for (name, want) in [("T", t), ("L", l)] {
        let m = &doc["metrics"][name];
        let got = m["mean"].as_f64().unwrap();
        let err = (got - want) / want;
        assert!(
            err.abs() < 0.10,
            "{name}: live {got} vs theory {want} ({:+.1}%)",
            100.0 * err
        );
        assert!((m["theory"].as_f64().unwrap() - want).abs() < 1e-9 * want);
        // The simulated column of the same scenario is there too, and close to theory.
        let sim = m["simulated"].as_f64().unwrap();
        assert!(
            ((sim - want) / want).abs() < 0.02,
            "{name}: simulated {sim}"
        );
    }
    let measured = doc["measured"].as_u64().unwrap();
    assert!(
        (13_000..18_000).contains(&measured),
        "{measured} messages measured"
    );
}
