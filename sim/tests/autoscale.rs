//! Autoscaled queues (`autoscale`): with `min = max = c` the queue is M/M/c and reproduces
//! Erlang C; a deterministic replay's scaling decisions are the sequence computed by hand
//! (with and without a stabilisation window, with a start-up delay, and a scale-down that
//! cancels consumers still starting up); the theory gate names the key; results are
//! deterministic; malformed tables are located.

mod common;

use std::path::{Path, PathBuf};

use common::{no_model, scenario};
use kendall_models::{Exactness, Verdict};
use kendall_sim::replication::{ScaleDecision, ScaleLog, run_replication};
use kendall_sim::run_experiment;
use kendall_sim::scenario::Scenario;
use kendall_sim::stats::Metric;
use kendall_sim::theory::predict;

/// M/M/4 at λ = 3, μ = 1 with the count given by `consumers` (a line of the queue).
fn mm4(consumers: &str) -> String {
    format!(
        r#"
name = "mm4"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 3.0 }}
[[queues]]
name = "q"
{consumers}
service = {{ kind = "exponential", mean = 1.0 }}
[run]
replications = 10
customers = 60000
seed = 5
"#
    )
}

const FIXED: &str = "autoscale = { metric = \"backlog\", target = 2.0, min = 4, max = 4 }";

/// Erlang C by a second method: the M/M/c birth–death chain, πₙ ∝ Πₖ λ / (min(k, c)·μ),
/// summed until the terms vanish; returns (P(wait), Lq).
fn birth_death(lambda: f64, mu: f64, c: u32) -> (f64, f64) {
    let mut p = vec![1.0f64];
    for n in 1..5000u32 {
        let last = p[p.len() - 1];
        p.push(last * lambda / (f64::from(n.min(c)) * mu));
    }
    let total: f64 = p.iter().sum();
    let wait: f64 = p[c as usize..].iter().sum::<f64>() / total;
    let lq: f64 = (p.iter().enumerate())
        .skip(c as usize)
        .map(|(n, x)| (n as f64 - f64::from(c)) * x)
        .sum::<f64>()
        / total;
    (wait, lq)
}

/// `min = max = 4`: the fleet is four consumers throughout, so the queue is M/M/4 — theory
/// calls it exact, and the simulation agrees with Erlang C within its 99% intervals.
#[test]
fn a_fixed_fleet_reproduces_erlang_c() {
    let s = scenario(&mm4(FIXED));
    let theory = predict(&s);
    let Verdict::Predicted(p) = &theory.system else {
        panic!("min = max is M/M/c: {:?}", theory.system);
    };
    assert_eq!(p.exactness, Exactness::Exact);
    let (wait, lq) = birth_death(3.0, 1.0, 4);
    // Erlang C(4, 3) = 0.5094 (e.g. Kleinrock, Queueing Systems I, §3.5 tables).
    assert!((wait - 0.509_434).abs() < 1e-5, "{wait}");
    let r = run_experiment(&s).unwrap();
    let wq = lq / 3.0;
    for (m, want) in [
        (Metric::PWait, wait),
        (Metric::Lq, lq),
        (Metric::Wq, wq),
        (Metric::T, wq + 1.0),
        (Metric::Utilization, 0.75),
    ] {
        let got = r.system.get(m);
        assert!(
            got.contains_at(want, 0.99),
            "{}: {got:?} vs Erlang C {want}",
            m.name()
        );
    }
    // No decision: the recommendation is always clamped to 4.
    let log = r.autoscale[0].as_ref().expect("an autoscaled queue");
    assert!(
        log.decisions.is_empty() && log.evaluations > 1000,
        "{log:?}"
    );
}

/// And it is the plain count exactly: the same streams, nobody retired, utilisation over 4.
#[test]
fn a_fixed_fleet_is_the_plain_count() {
    let plain = scenario(&mm4("consumers = 4"));
    let fixed = scenario(&mm4(&format!("consumers = 4\n{FIXED}")));
    let (a, b) = (
        run_replication(&plain, 1).unwrap(),
        run_replication(&fixed, 1).unwrap(),
    );
    assert_eq!(a.system, b.system);
    assert_eq!(a.counts, b.counts);
}

/// An autoscaler that can change the fleet has no exact model: the gate names the key, alone
/// and with other features.
#[test]
fn theory_names_the_autoscale_key_alone_and_combined() {
    let scaled = "autoscale = { metric = \"backlog\", target = 2.0, min = 1, max = 8 }";
    let t = predict(&scenario(&mm4(scaled)));
    let reason = no_model(&t);
    assert!(reason.contains("queues.q.autoscale"), "{reason}");
    let combined = scenario(&mm4(&format!(
        "{scaled}\ncapacity = 40\npatience = {{ kind = \"exponential\", mean = 20.0 }}"
    )));
    let reason = no_model(&predict(&combined)).to_string();
    assert!(reason.contains("queues.q."), "{reason}");
    for rep in 0..2 {
        let r = run_replication(&combined, rep).unwrap();
        r.books.check().unwrap();
        assert!(r.counts[0].abandoned > 0.0, "{:?}", r.counts[0]);
        assert!(!r.autoscale[0].as_ref().unwrap().decisions.is_empty());
    }
}

/// Same seed, same figures and decisions on another thread.
#[test]
fn autoscaling_is_deterministic() {
    let s = scenario(&mm4(
        "autoscale = { metric = \"utilization\", target = 0.6, min = 1, max = 8, startup = 3.0, stabilization = 40.0 }",
    ));
    let a = run_replication(&s, 2).unwrap();
    let b = std::thread::spawn(move || run_replication(&s, 2).unwrap())
        .join()
        .unwrap();
    assert_eq!(a.system, b.system);
    assert_eq!(a.autoscale, b.autoscale);
    assert!(a.autoscale[0].as_ref().unwrap().decisions.len() > 10);
}

/// A scratch trace file (one arrival time a line), removed when dropped.
struct TraceFile(PathBuf);

impl TraceFile {
    fn new(name: &str, times: &[f64]) -> Self {
        let path =
            std::env::temp_dir().join(format!("kendall-autoscale-{}-{name}", std::process::id()));
        let text: String = times.iter().map(|t| format!("{t}\n")).collect();
        std::fs::write(&path, text).unwrap();
        TraceFile(path)
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Forty messages replayed at t = 0, 1, …, 39 (then the producer stops) into a queue of
/// constant 25-unit services, autoscaled on backlog with target 2, min 1, max 10,
/// evaluations every 10.3 (so that none falls on an arrival or a completion), and `extra`
/// autoscale keys; `run` is the `[run]` table's keys besides `replications`.
fn replay_text(trace: &Path, extra: &str, run: &str) -> String {
    format!(
        r#"
[[producers]]
name = "replay"
interarrival = {{ kind = "trace", file = "{}", at_end = "stop" }}
[[queues]]
name = "q"
service = {{ kind = "deterministic", value = 25.0 }}
autoscale = {{ metric = "backlog", target = 2.0, min = 1, max = 10, interval = 10.3{extra} }}
[run]
replications = 2
{run}
"#,
        trace.display()
    )
}

/// [`replay_text`] run to its drain.
fn replay(trace: &Path, extra: &str) -> Scenario {
    scenario(&replay_text(trace, extra, "customers = 1000\nwarmup = 0"))
}

fn forty() -> TraceFile {
    let times: Vec<f64> = (0..40).map(f64::from).collect();
    TraceFile::new(&format!("forty-{:?}", std::thread::current().id()), &times)
}

/// The decisions of replication 0, checked against `want` = (time, metric, current,
/// recommendation, desired, on duty).
fn assert_decisions(log: &ScaleLog, want: &[(f64, f64, u32, u32, u32, u32)]) {
    let got: Vec<_> = log
        .decisions
        .iter()
        .map(|d: &ScaleDecision| {
            (
                d.time,
                d.metric,
                d.current,
                d.recommendation,
                d.desired,
                d.on_duty,
            )
        })
        .collect();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.0 - w.0).abs() < 1e-9
                && (g.1 - w.1).abs() < 1e-12
                && (g.2, g.3, g.4, g.5) == (w.2, w.3, w.4, w.5),
            "got {g:?}, want {w:?}\nall: {got:?}"
        );
    }
}

/// The HPA rule by hand, stabilization 0 (each evaluation's recommendation is the
/// decision), start-up 0. Messages m1…m40 arrive at 0…39; each takes 25. Consumer A (the
/// first) serves m1 over [0, 25), then one message every 25 units.
///
/// - 10.3: 11 arrived, A holds m1, 10 wait: backlog 10/1, ratio 5, ⌈10/2⌉ = 5. Four join and
///   take m2–m5 (until 35.3).
/// - 20.6: 21 arrived, 5 taken, 16 wait: 16/5 = 3.2, ratio 1.6, ⌈16/2⌉ = 8. Three join, take
///   m6–m8 (until 45.6). At 25 A takes m9.
/// - 30.9: 31 arrived, 9 taken, 22 wait: 22/8 = 2.75, ⌈11⌉ → max 10. Two join, take m10, m11
///   (until 55.9). At 35.3 m12–m15 are taken.
/// - 41.2: 40 arrived, 15 taken, 25 wait: 2.5 → 13, clamped to 10: no change. At 45.6
///   m16–m18 and at 50 m19 are taken.
/// - 51.5: 19 taken, 21 wait: 2.1, ratio 1.05, within the tolerance: no change. At 55.9
///   m20, m21 and at 60.3 m22–m25 are taken.
/// - 61.8: 25 taken, 15 wait: 1.5, ⌈7.5⌉ = 8. The two newest retire (finishing m20, m21).
///   At 70.6 m26–m28 are taken.
/// - 72.1: 28 taken, 12 wait: 12/8 = 1.5 → 6; two more retire. At 75 A takes m29.
/// - 82.4: 29 taken, 11 wait: 11/6, ratio 0.917, within the tolerance. At 85.3 m30–m33.
/// - 92.7: 33 taken, 7 wait: 7/6, ⌈3.5⌉ = 4. At 100 A takes m34.
/// - 103: 34 taken, 6 wait: 6/4 = 1.5 → 3. At 110.3 the two left of B–D take m35, m36.
/// - 113.3: 36 taken, 4 wait: 4/3 → 2.
/// - 123.6: 4 wait, 4/2 = 2, ratio 1: no change; at 125 A takes m37.
/// - 133.9: 3 wait: 1.5, ⌈1.5⌉ = 2: no change; at 135.3 B takes m38.
/// - 144.2: 2 wait: 2/2 = 1, ratio 0.5, ⌈1⌉ = 1. Afterwards one consumer is the minimum; A
///   takes m39 at 150 and m40 at 175, and the replication ends when m40 leaves at 200,
///   after 19 evaluations (the last at 195.7).
#[test]
fn decisions_follow_the_hpa_rule_by_hand() {
    let trace = forty();
    let s = replay(&trace.0, ", stabilization = 0.0");
    let r = run_replication(&s, 0).unwrap();
    r.books.check().unwrap();
    assert_eq!(r.counts[0].acked, 40.0);
    let log = r.autoscale[0].as_ref().unwrap();
    assert_decisions(
        log,
        &[
            (10.3, 10.0, 1, 5, 5, 5),
            (20.6, 3.2, 5, 8, 8, 8),
            (30.9, 2.75, 8, 10, 10, 10),
            (61.8, 1.5, 10, 8, 8, 8),
            (72.1, 1.5, 8, 6, 6, 6),
            (92.7, 7.0 / 6.0, 6, 4, 4, 4),
            (103.0, 1.5, 4, 3, 3, 3),
            (113.3, 4.0 / 3.0, 3, 2, 2, 2),
            (144.2, 1.0, 2, 1, 1, 1),
        ],
    );
    assert_eq!((log.evaluations, log.left_out), (19, 0));
}

/// The replay autoscaled on utilisation (target 0.5, stabilization 0): while messages wait,
/// every consumer of the fleet is busy, so each evaluation reads 1 and asks for
/// ⌈busy / 0.5⌉ = twice the fleet.
///
/// - 10.3: A alone, busy with m1: 1/1, ⌈1/0.5⌉ = 2; B takes m2.
/// - 20.6: A and B busy: 2 → 4; C, D take m3, m4.
/// - 30.9: A (m5 since 25), B, C, D busy: 4 → 8; E–H take m6–m9.
/// - 41.2: B took m10 at 35.3; all eight busy: 8 → 16, clamped to 10.
#[test]
fn utilization_counts_busy_consumers_of_the_fleet_by_hand() {
    let trace = forty();
    let s = scenario(
        &replay_text(
            &trace.0,
            ", stabilization = 0.0",
            "customers = 1000\nwarmup = 0",
        )
        .replace(
            "metric = \"backlog\", target = 2.0",
            "metric = \"utilization\", target = 0.5",
        ),
    );
    let r = run_replication(&s, 0).unwrap();
    r.books.check().unwrap();
    let log = r.autoscale[0].as_ref().unwrap();
    assert_decisions(
        &ScaleLog {
            decisions: log.decisions[..4].to_vec(),
            ..ScaleLog::default()
        },
        &[
            (10.3, 1.0, 1, 2, 2, 2),
            (20.6, 1.0, 2, 4, 4, 4),
            (30.9, 1.0, 4, 8, 8, 8),
            (41.2, 1.0, 8, 10, 10, 10),
        ],
    );
    // Afterwards the fleet only shrinks, as the backlog runs out.
    assert!(log.decisions[4..].iter().all(|d| d.desired < d.current));
}

/// The same replay with `stabilization = 30`: a scale-down takes the largest recommendation
/// of the evaluations in [now − 30, now] — this one and the two before (the third back is
/// 30.9 earlier). Up to 51.5 nothing differs (recommendations 5, 8, 10, 10, 10).
///
/// - 61.8: 15 wait, recommendation 8, but 41.2 and 51.5 said 10: no change.
/// - 72.1: 28 taken (m26–m28 at 70.6), 12 wait: 12/10 → 6; 51.5 said 10: no change. At 75 A
///   takes m29; at 80.9 the last two take m30, m31.
/// - 82.4: 31 taken, 9 wait: 0.9, ⌈4.5⌉ = 5; the window's largest is 61.8's 8: scale to 8.
///   At 85.3 B–E take m32–m35.
/// - 92.7: 35 taken, 5 wait: 5/8, ⌈2.5⌉ = 3; largest 72.1's 6: scale to 6. At 95.6 F takes
///   m36; at 100 A takes m37.
/// - 103: 37 taken, 3 wait: 3/6, ⌈1.5⌉ = 2; largest 82.4's 5. At 110.3 three of B–E take
///   m38–m40.
/// - 113.3: nothing waits: recommendation 1 (the minimum); largest 92.7's 3.
/// - 123.6: 1; largest 103's 2.  - 133.9: 1; all three say 1.
///
/// The last messages leave at 135.3: 13 evaluations.
#[test]
fn stabilization_delays_scale_down_by_hand() {
    let trace = forty();
    let s = replay(&trace.0, ", stabilization = 30.0");
    let r = run_replication(&s, 0).unwrap();
    r.books.check().unwrap();
    assert_eq!(r.counts[0].acked, 40.0);
    let log = r.autoscale[0].as_ref().unwrap();
    assert_decisions(
        log,
        &[
            (10.3, 10.0, 1, 5, 5, 5),
            (20.6, 3.2, 5, 8, 8, 8),
            (30.9, 2.75, 8, 10, 10, 10),
            (82.4, 0.9, 10, 5, 8, 8),
            (92.7, 0.625, 8, 3, 6, 6),
            (103.0, 0.5, 6, 2, 5, 5),
            (113.3, 0.0, 5, 1, 3, 3),
            (123.6, 0.0, 3, 1, 2, 2),
            (133.9, 0.0, 2, 1, 1, 1),
        ],
    );
    assert_eq!(log.evaluations, 13);
}

/// The same replay with `startup = 12` (stabilization 0): consumers added at 10.3 pull only
/// from 22.3, so at 20.6 A alone has taken anything.
///
/// - 10.3: as without start-up, 10 wait → 5, but on duty stays 1.
/// - 20.6: 21 arrived, 1 taken, 20 wait among a fleet of 5 (four starting): 4, ratio 2,
///   ⌈20/2⌉ = 10 — had the four pulled, 16 would wait and the answer would be 8. On duty
///   still 1; the five more start pulling at 32.6.
/// - 30.9: the four took m2–m5 at 22.3 and A m6 at 25: 25 wait among 10: 2.5 → 13,
///   clamped to 10: no change.
#[test]
fn new_consumers_pull_only_after_their_startup() {
    let trace = forty();
    let s = replay(&trace.0, ", stabilization = 0.0, startup = 12.0");
    let r = run_replication(&s, 0).unwrap();
    r.books.check().unwrap();
    let log = r.autoscale[0].as_ref().unwrap();
    assert_decisions(
        &ScaleLog {
            decisions: log.decisions[..2].to_vec(),
            ..ScaleLog::default()
        },
        &[(10.3, 10.0, 1, 5, 5, 1), (20.6, 4.0, 5, 10, 10, 1)],
    );
    assert!(log.decisions[2].time > 40.0, "{:?}", log.decisions[2]);
}

/// A scale-down removes consumers still starting up first, and they never pull: twenty
/// messages all at 0 (and a twenty-first at 100, which keeps the run going past the burst,
/// to the horizon at 60), served in 0.9 each by A; start-up 30.
///
/// - 10.3: A has finished 11 (by 9.9) and holds m12: 8 wait, ⌈8/2⌉ = 4; three start, due
///   to pull at 40.3. On duty 1.
/// - 20.6: all twenty left by 18: nothing waits, recommendation 1: the three starting are
///   cancelled, on duty still 1.
///
/// Nobody joins at 40.3: the consumers on duty average exactly 1 over [0, 60) (had the
/// three joined, 1 + 3·19.7/60 ≈ 1.99).
#[test]
fn a_scale_down_cancels_consumers_still_starting_up() {
    let mut times = vec![0.0; 20];
    times.push(100.0);
    let trace = TraceFile::new("burst", &times);
    let text = format!(
        r#"
[[producers]]
name = "burst"
interarrival = {{ kind = "trace", file = "{}", at_end = "stop" }}
[[queues]]
name = "q"
service = {{ kind = "deterministic", value = 0.9 }}
autoscale = {{ metric = "backlog", target = 2.0, min = 1, max = 10, interval = 10.3, startup = 30.0, stabilization = 0.0 }}
[run]
replications = 2
horizon = 60.0
window = 60.0
"#,
        trace.0.display()
    );
    let s = scenario(&text);
    let r = run_replication(&s, 0).unwrap();
    r.books.check().unwrap();
    let log = r.autoscale[0].as_ref().unwrap();
    assert_decisions(log, &[(10.3, 8.0, 1, 4, 4, 1), (20.6, 0.0, 4, 1, 1, 1)]);
    assert_eq!(r.windows.len(), 1);
    assert_eq!(r.windows[0].on_duty, 1.0);
    assert_eq!(r.counts[0].acked, 20.0);
}

/// Consumers on duty per window follow the autoscaler. The stabilised replay of
/// [`stabilization_delays_scale_down_by_hand`] to a horizon of 140 in windows of 20: 1 on
/// duty until 10.3, 5 until 20.6, 8 until 30.9, 10 until 82.4, 8 until 92.7, 6 until 103,
/// 5 until 113.3, 3 until 123.6, 2 until 133.9, then 1.
#[test]
fn windows_count_the_consumers_on_duty() {
    let trace = forty();
    let s = scenario(&replay_text(
        &trace.0,
        ", stabilization = 30.0",
        "horizon = 140.0\nwindow = 20.0",
    ));
    let r = run_replication(&s, 0).unwrap();
    let on_duty: Vec<f64> = r.windows.iter().map(|w| w.on_duty).collect();
    let want = [
        (10.3 + 9.7 * 5.0) / 20.0,
        (0.6 * 5.0 + 10.3 * 8.0 + 9.1 * 10.0) / 20.0,
        10.0,
        10.0,
        (2.4 * 10.0 + 10.3 * 8.0 + 7.3 * 6.0) / 20.0,
        (3.0 * 6.0 + 10.3 * 5.0 + 6.7 * 3.0) / 20.0,
        (3.6 * 3.0 + 10.3 * 2.0 + 6.1 * 1.0) / 20.0,
    ];
    assert_eq!(on_duty.len(), want.len());
    for (k, (got, want)) in on_duty.iter().zip(want).enumerate() {
        assert!((got - want).abs() < 1e-9, "window {k}: {got} vs {want}");
    }
}

/// Malformed autoscale tables: each error names the file, the line and the key.
#[test]
fn malformed_autoscale_is_located() {
    let cases = [
        (
            "metric = \"cpu\", target = 2.0, max = 4",
            "queues[0].autoscale.metric",
            "one of `backlog`, `utilization`",
        ),
        (
            "metric = \"backlogg\", target = 2.0, max = 4",
            "queues[0].autoscale.metric",
            "did you mean `backlog`",
        ),
        (
            "metric = \"backlog\", target = 0.0, max = 4",
            "queues[0].autoscale.target",
            "positive",
        ),
        (
            "metric = \"utilization\", target = 1.5, max = 4",
            "queues[0].autoscale.target",
            "(0, 1]",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 0",
            "queues[0].autoscale.max",
            "at least 1",
        ),
        (
            "metric = \"backlog\", target = 2.0, min = 5, max = 4",
            "queues[0].autoscale.min",
            "at most `max`",
        ),
        (
            "metric = \"backlog\", target = 2.0, min = -1, max = 4",
            "queues[0].autoscale.min",
            "at least 0",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 4, interval = 0.0",
            "queues[0].autoscale.interval",
            "positive",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 4, startup = -1.0",
            "queues[0].autoscale.startup",
            "0 or more",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 4, stabilization = -5.0",
            "queues[0].autoscale.stabilization",
            "0 or more",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 4, tolerance = 1.0",
            "queues[0].autoscale.tolerance",
            "[0, 1)",
        ),
        (
            "metric = \"backlog\", target = 2.0, max = 4, cooldown = 3.0",
            "queues[0].autoscale",
            "unknown field `cooldown`",
        ),
        (
            "target = 2.0, max = 4",
            "queues[0].autoscale",
            "missing field `metric`",
        ),
    ];
    for (table, key, words) in cases {
        let text = mm4(&format!("autoscale = {{ {table} }}"));
        let e = Scenario::parse(Path::new("bad.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.toml:8:"), "{table}: {e}");
        assert!(e.contains(key) && e.contains(words), "{table}: {e}");
    }
    // `consumers` other than `max`, and a schedule with an autoscaler.
    for (consumers, words) in [
        ("consumers = 3", "must equal autoscale's `max` (4)"),
        (
            "consumers = { at = [0], values = [4] }",
            "exclude each other",
        ),
    ] {
        let text = mm4(&format!(
            "{consumers}\nautoscale = {{ metric = \"backlog\", target = 2.0, max = 4 }}"
        ));
        let e = Scenario::parse(Path::new("bad.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(words), "{consumers}: {e}");
    }
    // Neither `consumers` nor `autoscale`.
    let e = Scenario::parse(Path::new("bad.toml"), &mm4(""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("queues[0].consumers") && e.contains("`autoscale`"),
        "{e}"
    );
}

/// Features an autoscaler cannot run with are refused by key.
#[test]
fn autoscale_refuses_what_it_cannot_follow() {
    for (extra, key) in [
        ("dispatch = \"jsq\"", "queues[0].dispatch"),
        (
            "discipline = \"ps\"\ndispatch = \"random\"",
            "queues[0].dispatch",
        ),
        (
            "discipline = \"priority-preemptive\"",
            "queues[0].discipline",
        ),
        ("speeds = [1, 1, 1, 2]", "queues[0].speeds"),
        (
            "crash = { mtbf = { kind = \"exponential\", mean = 50.0 }, mttr = { kind = \"exponential\", mean = 1.0 } }",
            "queues[0].crash",
        ),
    ] {
        let text = mm4(&format!(
            "autoscale = {{ metric = \"backlog\", target = 2.0, max = 4 }}\n{extra}"
        ));
        let e = Scenario::parse(Path::new("bad.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(key) && e.contains("`autoscale`"), "{extra}: {e}");
    }
}
