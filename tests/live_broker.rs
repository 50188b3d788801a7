//! `kendall live --broker` against a real RabbitMQ: Erlang C after calibration, a full queue's
//! losses against the simulator's, priority order, TLS (the generated CA, a wrong CA, a client
//! certificate, `--require-tls`), sealed payloads and tampering, and what is refused.
//!
//! The broker is the private node of `scripts/rabbitmq-local.sh`, which `.ci/run` starts; a
//! test started without it starts it through the same script (installing RabbitMQ if it is
//! missing) and fails — never skips — when that does not work.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use assert_cmd::Command;
use kendall_sim::Scenario;
use serde_json::Value;

const AMQP: &str = "amqp://127.0.0.1:5673/%2f";
const AMQPS: &str = "amqps://127.0.0.1:5674/%2f";

/// Student's t quantiles (0.975, 0.9995) with 19 degrees of freedom: the live batch means.
const T19: (f64, f64) = (2.093, 3.883);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The node's TLS files.
fn tls(file: &str) -> PathBuf {
    let base = std::env::var_os("KENDALL_RABBITMQ_DIR")
        .map_or_else(|| root().join("target/rabbitmq"), PathBuf::from);
    base.join("tls").join(file)
}

/// Makes sure the private node answers, starting it if it does not.
fn broker() {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        let out = std::process::Command::new(root().join("scripts/rabbitmq-local.sh"))
            .arg("start")
            .output()
            .map_err(|e| format!("cannot run scripts/rabbitmq-local.sh: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    });
    if let Err(why) = up {
        panic!("the RabbitMQ these tests need could not be started: {why}");
    }
}

/// The long runs (30 to 70 s each, in real time), by name, with their arguments after
/// `live SCENARIO --broker AMQP`.
const LONG_RUNS: [(&str, &str, &[&str]); 4] = [
    (
        "mm3",
        "scenarios/rabbitmq.toml",
        &["--duration", "60", "--calibrate"],
    ),
    (
        "capacity",
        "scenarios/rabbitmq-capacity.toml",
        &["--duration", "40", "--calibrate"],
    ),
    (
        "priority",
        "scenarios/rabbitmq-priority.toml",
        &["--duration", "30"],
    ),
    ("ttl", "", &["--duration", "25"]),
];

/// The JSON of long run `name`. The first call starts all of them side by side (they sleep
/// through their service times, so together they take as long as the longest, not the sum).
fn long_run(name: &str) -> Value {
    type Runs = Vec<(&'static str, Mutex<Option<JoinHandle<Output>>>)>;
    static RUNS: OnceLock<Runs> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        broker();
        LONG_RUNS
            .iter()
            .map(|&(run, scenario, extra)| {
                let scenario = if run == "ttl" {
                    ttl_scenario()
                } else {
                    scenario.to_string()
                };
                let handle = std::thread::spawn(move || {
                    let mut args = vec!["live", scenario.as_str(), "--broker", AMQP, "--json"];
                    args.extend_from_slice(extra);
                    let out = kendall(&args);
                    if run == "ttl" {
                        std::fs::remove_file(&scenario).unwrap();
                    }
                    out
                });
                (run, Mutex::new(Some(handle)))
            })
            .collect()
    });
    let (_, handle) = runs
        .iter()
        .find(|(run, _)| *run == name)
        .expect("a long run of that name");
    let handle = handle
        .lock()
        .unwrap()
        .take()
        .expect("each long run is read once");
    json_of(&handle.join().expect("the run's thread"))
}

/// The M/M/3 scenario with a 20 ms time to live, written to a temporary file.
fn ttl_scenario() -> String {
    let text = std::fs::read_to_string(root().join("scenarios/rabbitmq.toml"))
        .unwrap()
        .replace("dispatch = \"shared\"", "dispatch = \"shared\"\nttl = 0.02");
    let file = std::env::temp_dir().join(format!("kendall-ttl-{}.toml", std::process::id()));
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

fn kendall(args: &[&str]) -> Output {
    Command::cargo_bin("kendall")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A metric's mean and 99.9% half-width from its 95% batch-means interval (the wider side:
/// an end may be clipped to the metric's range).
fn at_999(metric: &Value) -> (f64, f64) {
    let (ci, mean) = (&metric["ci95"], f(&metric["mean"]));
    let half = (f(&ci[1]) - mean).max(mean - f(&ci[0]));
    (mean, half / T19.0 * T19.1)
}

/// Erlang C mean sojourn of M/M/c, by the Erlang B recursion (Kleinrock 1975, §3.5).
fn erlang_c_t(lambda: f64, mean_service: f64, c: u32) -> f64 {
    let a = lambda * mean_service;
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    let wait = b / (1.0 - rho * (1.0 - b));
    wait * mean_service / (f64::from(c) * (1.0 - rho)) + mean_service
}

#[test]
fn erlang_c_by_the_recursion_matches_a_textbook_value() {
    // M/M/2 at a = 1 (rho = 0.5): C = 1/3, Wq = C / (c mu - lambda) = 1/3 for mu = 1.
    assert!((erlang_c_t(1.0, 1.0, 2) - (1.0 + 1.0 / 3.0)).abs() < 1e-12);
}

/// The done-when: M/M/3 at rho = 0.6, mean service 50 ms, 60 s against RabbitMQ, T within 10%
/// of Erlang C once the broker's own overhead (calibrated) is added to the service time.
#[test]
fn mm3_on_rabbitmq_is_erlang_c_after_calibration() {
    let doc = long_run("mm3");
    let overhead = f(&doc["broker"]["calibration"]["overhead"]);
    assert!(
        overhead > 0.0 && overhead < 0.01,
        "a loopback broker adds well under 10 ms: {overhead}"
    );
    let theory = erlang_c_t(36.0, 0.05 + overhead, 3);
    let t = f(&doc["metrics"]["T"]["mean"]);
    let err = (t - theory) / theory;
    eprintln!(
        "M/M/3 on RabbitMQ: T = {t:.6} s, Erlang C = {theory:.6} s (overhead {overhead:.6} s), {:+.2}%",
        100.0 * err
    );
    assert!(err.abs() < 0.10, "T = {t} vs Erlang C {theory}");
    // The broker's books balance: every published message accounted for.
    assert!(f(&doc["measured"]) > 1500.0, "{}", doc["measured"]);
}

/// A full queue refuses on RabbitMQ as in the simulator: p_loss of the simulation inside the
/// live run's 99.9% batch-means interval.
#[test]
fn a_full_queue_loses_on_rabbitmq_what_the_simulator_loses() {
    let doc = long_run("capacity");
    let p = &doc["metrics"]["p_loss"];
    let (live, half) = at_999(p);
    let simulated = f(&p["simulated"]);
    eprintln!("M/M/1/4 on RabbitMQ: p_loss = {live:.4} +- {half:.4}, simulated {simulated:.4}");
    assert!(
        live > 0.05,
        "a queue at rho = 0.9 with room for 4 refuses: {live}"
    );
    assert!(
        (live - simulated).abs() <= half,
        "p_loss {live} +- {half} vs simulated {simulated}"
    );
}

/// Priority: the urgent class is delivered first — its mean wait well below the bulk class's
/// (disjoint 99.9% intervals) and near Cobham's.
#[test]
fn rabbitmq_priority_delivers_the_urgent_class_first() {
    let doc = long_run("priority");
    let (urgent, u_half) = at_999(&doc["classes"]["urgent"]["metrics"]["Wq"]);
    let (bulk, b_half) = at_999(&doc["classes"]["bulk"]["metrics"]["Wq"]);
    eprintln!(
        "priority on RabbitMQ: Wq urgent {urgent:.4} +- {u_half:.4}, bulk {bulk:.4} +- {b_half:.4}"
    );
    assert!(
        urgent + u_half < bulk - b_half,
        "urgent {urgent} +- {u_half} vs bulk {bulk} +- {b_half}"
    );
    // Cobham: urgent Wq = W0 / (1 - rho_urgent) = 0.04 / 0.7.
    let cobham = 0.04 / 0.7;
    assert!(
        (urgent - cobham).abs() <= u_half,
        "urgent Wq {urgent} +- {u_half} vs Cobham {cobham}"
    );
}

/// A short run of the M/M/3 scenario with extra flags.
fn short(url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "live",
        "scenarios/rabbitmq.toml",
        "--broker",
        url,
        "--duration",
        "3",
        "--json",
    ];
    args.extend_from_slice(extra);
    kendall(&args)
}

#[test]
fn tls_with_the_generated_ca_connects_and_a_client_certificate_is_accepted() {
    broker();
    let ca = tls("ca.pem");
    let doc = json_of(&short(
        AMQPS,
        &["--tls-ca", ca.to_str().unwrap(), "--require-tls"],
    ));
    assert_eq!(doc["broker"]["tls"], true);
    assert!(f(&doc["completed"]) > 50.0, "{}", doc["completed"]);
    let (cert, key) = (tls("client.pem"), tls("client.key"));
    let doc = json_of(&short(
        AMQPS,
        &[
            "--tls-ca",
            ca.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    ));
    assert!(f(&doc["completed"]) > 50.0, "{}", doc["completed"]);
}

#[test]
fn tls_with_a_wrong_ca_fails_with_a_clear_error() {
    broker();
    let out = short(AMQPS, &["--tls-ca", tls("other-ca.pem").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to amqps://127.0.0.1:5674/%2f")
            && err.contains("does not chain to the CA given with --tls-ca"),
        "{err}"
    );
}

#[test]
fn require_tls_refuses_plain_amqp_and_passwords_stay_secret() {
    let out = short("amqp://app:hunter2@127.0.0.1:5673/%2f", &["--require-tls"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--require-tls refuses the plain connection")
            && err.contains("app:***@")
            && !err.contains("hunter2"),
        "{err}"
    );
    // A refused login names the broker, never the password.
    broker();
    let out = short("amqp://guest:hunter2@127.0.0.1:5673/%2f", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to amqp://guest:***@127.0.0.1:5673")
            && !err.contains("hunter2"),
        "{err}"
    );
}

#[test]
fn sealed_payloads_round_trip_and_report_their_cost() {
    broker();
    let key = std::env::temp_dir().join(format!("kendall-seal-{}.key", std::process::id()));
    std::fs::write(&key, "2b".repeat(32)).unwrap();
    let doc = json_of(&short(AMQP, &["--encrypt", key.to_str().unwrap()]));
    let sealing = &doc["broker"]["sealing"];
    assert_eq!(sealing["tampered"], 0);
    assert!(f(&sealing["sealed"]) >= f(&doc["offered"]));
    assert!(f(&sealing["seal_us"]) > 0.0 && f(&sealing["open_us"]) > 0.0);
    assert!(f(&doc["completed"]) > 50.0);
    std::fs::remove_file(&key).unwrap();
}

/// Every tenth sealed payload corrupted after sealing: each is rejected unprocessed (the
/// broker dead-letters it and the run counts it), none is processed.
#[test]
fn a_tampered_payload_is_rejected_and_counted_never_processed() {
    broker();
    let scenario = Scenario::load(&root().join("scenarios/rabbitmq.toml")).unwrap();
    let options = kendall_amqp::Options {
        url: AMQP.into(),
        tls: kendall_amqp::TlsFiles::default(),
        require_tls: false,
        seal: Some(kendall_amqp::SealKey::from_bytes([0x2b; 32])),
        speedup: 1.0,
        duration: 4.0,
        calibrate: false,
        tamper_every: Some(10),
    };
    let result = kendall_amqp::run(&scenario, &options).unwrap();
    let sealing = result.real_broker.unwrap().sealing.unwrap();
    let fates = result.fates[0];
    let published = fates.published;
    // Ids 9, 19, 29, ... were corrupted.
    let corrupted = published / 10;
    let waiting = result.broker[0].waiting as u64;
    eprintln!("tampering: {published} published, {corrupted} corrupted, {sealing:?}, {fates:?}");
    assert!(corrupted >= 10, "{published}");
    // A corrupted message still waiting at the end was never delivered.
    assert!(sealing.tampered <= corrupted && sealing.tampered + waiting >= corrupted);
    assert_eq!(fates.dead_lettered, sealing.tampered);
    assert_eq!(fates.acked + fates.dead_lettered + waiting, published);
}

#[test]
fn what_rabbitmq_cannot_express_is_refused_by_key() {
    let dir = std::env::temp_dir();
    for (key, line, needle, at) in [
        (
            "dispatch",
            "dispatch = \"jsq\"",
            "queues.work.dispatch",
            ":17:",
        ),
        (
            "discipline",
            "discipline = \"lifo\"",
            "queues.work.discipline",
            ":18:",
        ),
        (
            "visibility",
            "visibility_timeout = 1.0",
            "queues.work.visibility_timeout",
            ":18:",
        ),
    ] {
        let shared = "dispatch = \"shared\"";
        let with = if key == "dispatch" {
            line.to_string()
        } else {
            format!("{shared}\n{line}")
        };
        let text = std::fs::read_to_string(root().join("scenarios/rabbitmq.toml"))
            .unwrap()
            .replace(shared, &with);
        let file = dir.join(format!("kendall-refuse-{}-{key}.toml", std::process::id()));
        std::fs::write(&file, text).unwrap();
        let out = kendall(&["live", file.to_str().unwrap(), "--broker", AMQP]);
        assert_eq!(out.status.code(), Some(1), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.contains(at), "{key}: {err}");
        std::fs::remove_file(&file).unwrap();
    }
    // A closed workload: refused by `clients` before any connection is tried.
    let text = std::fs::read_to_string(root().join("scenarios/rabbitmq.toml"))
        .unwrap()
        .replace(
            "interarrival = { kind = \"exponential\", rate = 36.0 }",
            "clients = 20\nthink = { kind = \"exponential\", mean = 1.0 }",
        );
    let file = dir.join(format!(
        "kendall-refuse-{}-clients.toml",
        std::process::id()
    ));
    std::fs::write(&file, text).unwrap();
    let out = kendall(&["live", file.to_str().unwrap(), "--broker", AMQP]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("producers.api.clients") && err.contains(":12:"),
        "{err}"
    );
    std::fs::remove_file(&file).unwrap();
}

/// Failed attempts are nacked for redelivery and the last one without requeue: on RabbitMQ
/// the share dead-lettered is fail^max_attempts, within its binomial 99.9% bounds, and the
/// broker's books balance.
#[test]
fn failed_attempts_are_redelivered_then_dead_lettered_on_rabbitmq() {
    broker();
    let text = std::fs::read_to_string(root().join("scenarios/rabbitmq.toml"))
        .unwrap()
        .replace(
            "dispatch = \"shared\"",
            "dispatch = \"shared\"\nfail = 0.3\nmax_attempts = 2",
        )
        .replace("rate = 36.0", "rate = 30.0");
    let file = std::env::temp_dir().join(format!("kendall-fail-{}.toml", std::process::id()));
    std::fs::write(&file, text).unwrap();
    let scenario = Scenario::load(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let options = kendall_amqp::Options {
        url: AMQP.into(),
        tls: kendall_amqp::TlsFiles::default(),
        require_tls: false,
        seal: None,
        speedup: 1.0,
        duration: 15.0,
        calibrate: false,
        tamper_every: None,
    };
    let result = kendall_amqp::run(&scenario, &options).unwrap();
    let fates = result.fates[0];
    let waiting = result.broker[0].waiting as u64;
    assert_eq!(fates.acked + fates.dead_lettered + waiting, fates.published);
    let n = (fates.acked + fates.dead_lettered) as f64;
    let p = 0.3f64.powi(2);
    let bound = 3.29 * (n * p * (1.0 - p)).sqrt();
    eprintln!(
        "fail 0.3, 2 attempts: {fates:?}, expected {:.1} +- {bound:.1} dead-lettered",
        n * p
    );
    assert!(
        (fates.dead_lettered as f64 - n * p).abs() <= bound,
        "{} dead-lettered of {n}",
        fates.dead_lettered
    );
}

/// A queue's time to live is RabbitMQ's x-message-ttl: the share of messages expired before
/// their delivery is the simulator's, inside the live run's 99.9% interval.
#[test]
fn a_time_to_live_expires_on_rabbitmq_what_the_simulator_expires() {
    let doc = long_run("ttl");
    let p = &doc["metrics"]["p_loss"];
    let (live, half) = at_999(p);
    let simulated = f(&p["simulated"]);
    eprintln!("ttl 20 ms on RabbitMQ: p_loss = {live:.4} +- {half:.4}, simulated {simulated:.4}");
    assert!(
        live > 0.02,
        "a 20 ms TTL at rho = 0.6 expires messages: {live}"
    );
    assert!(
        (live - simulated).abs() <= half,
        "p_loss {live} +- {half} vs simulated {simulated}"
    );
}
