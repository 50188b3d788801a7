//! `kendall live` against theory and against the simulator: the broker on real threads and
//! the real clock, one feature family at a time, and the features it refuses.
//!
//! Live runs take real seconds and both cores: they run one at a time ([`SERIAL`]).

use std::path::PathBuf;
use std::sync::Mutex;

use assert_cmd::Command;
use serde_json::Value;

/// Live runs share the machine's cores; one at a time, so that one run's threads do not
/// slow another's.
static SERIAL: Mutex<()> = Mutex::new(());

/// Student's t quantiles (0.975 and 0.9995) for the live batch means (19 degrees of
/// freedom) and the simulated replications of these scenarios (10, so 9 degrees).
const T19: (f64, f64) = (2.093, 3.883);
const T9: (f64, f64) = (2.262, 4.781);

fn kendall() -> Command {
    Command::cargo_bin("kendall").unwrap()
}

/// Writes `text` to a scenario file of its own.
fn scenario_file(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("kendall-live-{}-{name}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `kendall live FILE --speedup K --duration D --json`, alone on the machine.
fn live(path: &std::path::Path, speedup: f64, duration: f64) -> Value {
    let _alone = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = kendall()
        .arg("live")
        .arg(path)
        .args(["--speedup", &speedup.to_string()])
        .args(["--duration", &duration.to_string()])
        .arg("--json")
        .output()
        .unwrap();
    json_of(&out)
}

/// A metric's mean and 99.9% half-width from its 95% interval `ci95`, `t` the Student
/// quantiles (0.975, 0.9995) of its degrees of freedom.
fn at_999(mean: &Value, ci95: &Value, t: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = (ci95[0].as_f64().unwrap(), ci95[1].as_f64().unwrap());
    // An interval clipped to the metric's range keeps its other end at mean ± half-width.
    let mean = mean.as_f64().unwrap();
    (mean, (hi - mean).max(mean - lo) / t.0 * t.1)
}

/// A live run of a feature family beside two simulations of the same scenario: at the
/// nominal service times (the `simulated` column of `kendall live`) and at the service times
/// the threads achieved (each service longer by the live run's measured overshoot, per unit
/// of speed). Live T, L and p_loss must lie in the band the two simulations span, widened by
/// the 99.9% intervals of the difference (batch means for live, replications for the
/// simulations); L's upper end also by the time expired messages stayed past their deadline
/// (the measured expiry lateness, λ·p_loss of them).
///
/// `template` is a scenario whose service means are written `{mean}` (times `{mean}` for
/// other means); `fastest` the largest consumer speed in it.
fn agrees_with_simulator(name: &str, template: &str, fastest: f64) {
    let nominal = scenario_file(name, &template.replace("{mean}", "1.0"));
    let doc = live(&nominal, 200.0, 8.0);
    assert_eq!(doc["mode"], "live");
    let overshoot = doc["service_overshoot"].as_f64().unwrap().max(0.0);
    let achieved = scenario_file(
        &format!("{name}-achieved"),
        &template.replace("{mean}", &(1.0 + overshoot * fastest).to_string()),
    );
    let slow = json_of(
        &kendall()
            .arg("run")
            .arg(&achieved)
            .arg("--json")
            .output()
            .unwrap(),
    );
    let lambda = doc["offered"].as_f64().unwrap() / doc["horizon"].as_f64().unwrap();
    let lateness = doc["expiry_lateness"].as_f64().unwrap_or(0.0);
    let p_loss = doc["metrics"]["p_loss"]["mean"].as_f64().unwrap();
    for (metric, extra) in [
        ("T", 0.0),
        ("L", lambda * p_loss * lateness),
        ("p_loss", 0.0),
    ] {
        let m = &doc["metrics"][metric];
        let (got, live_hw) = at_999(&m["mean"], &m["ci95"], T19);
        let (sim, sim_hw) = at_999(&m["simulated"], &m["simulated_ci95"], T9);
        let s = &slow["metrics"][metric];
        let (sim_slow, slow_hw) = at_999(&s["mean"], &s["ci95"], T9);
        let slack = live_hw.hypot(sim_hw.max(slow_hw));
        let (lo, hi) = (sim.min(sim_slow), sim.max(sim_slow) + extra);
        eprintln!("{name}: live {metric} {got} vs simulated [{lo}, {hi}] ± {slack}");
        assert!(
            got >= lo - slack && got <= hi + slack,
            "{name}: live {metric} {got} outside [{lo}, {hi}] ± {slack} (overshoot {overshoot}, \
             expiry lateness {lateness})"
        );
    }
}

/// Failures, attempts and dead letters: a fourth of the deliveries fail and are nacked for
/// redelivery; the third failure dead-letters the message to `parked`, where it is processed.
/// Deliveries per message 1 + 1/4 + 1/16, so `orders` runs at ρ = 1.0 · 1.3125 / 2 ≈ 0.66.
#[test]
fn live_fail_and_dead_letters_agree_with_the_simulator() {
    agrees_with_simulator(
        "fail",
        r#"
[[producers]]
name = "p"
to = "orders"
interarrival = { kind = "exponential", rate = 1.0 }
[[queues]]
name = "orders"
consumers = 2
service = { kind = "exponential", mean = {mean} }
fail = 0.25
max_attempts = 3
dead_letter = "parked"
[[queues]]
name = "parked"
consumers = 1
service = { kind = "exponential", mean = {mean} }
[run]
replications = 10
customers = 20000
"#,
        1.0,
    );
}

/// Speeds: a consumer twice as fast and one half as fast share one buffer (ρ = 0.6).
#[test]
fn live_speeds_agree_with_the_simulator() {
    agrees_with_simulator(
        "speeds",
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 1.5 }
[[queues]]
name = "q"
consumers = 2
speeds = [2.0, 0.5]
service = { kind = "exponential", mean = {mean} }
[run]
replications = 10
customers = 20000
"#,
        2.0,
    );
}

/// Time to live: at ρ = 0.9 a fifth of the messages wait longer than 2 and expire.
#[test]
fn live_ttl_agrees_with_the_simulator() {
    agrees_with_simulator(
        "ttl",
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 0.9 }
[[queues]]
name = "q"
consumers = 1
service = { kind = "exponential", mean = {mean} }
ttl = 2.0
[run]
replications = 10
customers = 20000
"#,
        1.0,
    );
}

/// Visibility timeouts: a delivery not acknowledged within 2 is taken back and redelivered
/// (the first consumer still finishes it, late). The message keeps its size, so its second
/// delivery times out too and, at `max_attempts = 2`, dead-letters it out of the system:
/// p_loss = P(S > 2) = e⁻² ≈ 0.135, and each consumer's load ρ = λ(1 + 3e⁻²)/2 ≈ 0.70.
#[test]
fn live_visibility_timeouts_agree_with_the_simulator() {
    agrees_with_simulator(
        "visibility",
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 1.0 }
[[queues]]
name = "q"
consumers = 2
service = { kind = "exponential", mean = {mean} }
visibility_timeout = 2.0
max_attempts = 2
[run]
replications = 10
customers = 20000
"#,
        1.0,
    );
}

/// Each feature live cannot run yet is refused before anything runs: exit code 1, the key
/// named by queue and located in the file.
#[test]
fn live_refuses_crash_processor_sharing_and_preemption_by_key() {
    for (name, extra, key, line) in [
        (
            "crash",
            "crash = { mtbf = { kind = \"exponential\", mean = 9.0 }, mttr = { kind = \"exponential\", mean = 1.0 } }",
            "queues.orders.crash",
            "queues[0].crash",
        ),
        (
            "ps",
            "discipline = \"ps\"",
            "queues.orders.discipline",
            "queues[0].discipline",
        ),
        (
            "preemptive",
            "discipline = \"priority-preemptive\"",
            "queues.orders.discipline",
            "queues[0].discipline",
        ),
        (
            "patience",
            "patience = { kind = \"exponential\", mean = 5.0 }",
            "queues.orders.patience",
            "queues[0].patience",
        ),
    ] {
        let path = scenario_file(
            name,
            &format!(
                "[[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = 0.5 }}\n\
                 [[queues]]\nname = \"orders\"\nconsumers = 1\n\
                 service = {{ kind = \"exponential\", mean = 1.0 }}\n{extra}\n"
            ),
        );
        let out = kendall()
            .arg("live")
            .arg(&path)
            .args(["--duration", "60"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(out.stdout.is_empty(), "{name}: nothing runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}:8:1: key `{line}`", path.display()))
                && err.contains(&format!("live cannot run `{key}` yet")),
            "{name}: {err}"
        );
    }
}

/// M/M/c by the Erlang C formula (Kleinrock, *Queueing Systems, Vol. 1*, §3.5), computed
/// here independently of the models crate: (P(wait), T, L).
fn mmc(lambda: f64, mu: f64, c: u32) -> (f64, f64, f64) {
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
    (p_wait, t, lambda * t)
}

/// The issue's acceptance run: 4 consumers, exponential service of mean 1 s, ρ = 0.7,
/// speed-up 200, 30 real seconds (6000 s of scenario time, ~16,800 messages). T and L within
/// 10% of theory; p_wait (a message waits when it finds every consumer busy) between theory
/// at the nominal service time and at the service time the threads achieved, widened by its
/// 99.9% batch-means interval. Takes about 31 s.
#[test]
fn live_mm4_matches_erlang_c_within_ten_percent() {
    let doc = live(std::path::Path::new("scenarios/live.toml"), 200.0, 30.0);
    assert_eq!(doc["mode"], "live");
    assert_eq!(doc["ci_method"], "batch means");
    assert_eq!(doc["horizon"], 6000.0);
    let (p_wait, t, l) = mmc(2.8, 1.0, 4);
    assert!((t - 1.357_211_9).abs() < 1e-6 && (l - 3.800_193_4).abs() < 1e-6);
    assert!((p_wait - 0.428_65).abs() < 1e-5);
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
    let overshoot = doc["service_overshoot"].as_f64().unwrap().max(0.0);
    let achieved = mmc(2.8, 1.0 / (1.0 + overshoot), 4).0;
    let m = &doc["metrics"]["p_wait"];
    let (got, hw) = at_999(&m["mean"], &m["ci95"], T19);
    assert!(
        got >= p_wait - hw && got <= achieved + hw,
        "p_wait: live {got} ± {hw} outside theory's [{p_wait}, {achieved}]"
    );
    let measured = doc["measured"].as_u64().unwrap();
    assert!(
        (13_000..18_000).contains(&measured),
        "{measured} messages measured"
    );
}
