//! Observed instability ([`kendall_sim::growth`]): 200 stable scenarios (ρ from 0.5 to 0.95,
//! five dispatch strategies, 1 to 4 consumers, three service shapes) raise no alarm, and 20
//! unstable ones that no model covers are all caught, each naming the growing queue.
//!
//! The test's level is 10⁻⁴ one-sided per scope: over the 200 stable runs (system and queue
//! scopes, a few hundred tests) about 0.04 alarms are expected, so one alarm is already
//! evidence against the stated level.

mod common;

use common::scenario;
use kendall_sim::{Scenario, run_experiment};

/// One queue of `consumers` served at ρ = `rho` (per consumer, by equal speeds), with
/// `dispatch` and a service of squared coefficient of variation 0, 1 or 4.
fn stable(i: usize) -> Scenario {
    let rhos = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    let dispatches = ["shared", "jsq", "random", "round-robin", "jiq"];
    let services = [
        r#"{ kind = "exponential", mean = 1.0 }"#,
        r#"{ kind = "deterministic", value = 1.0 }"#,
        r#"{ kind = "hyperexponential", mean = 1.0, scv = 4.0 }"#,
    ];
    let rho = rhos[i % rhos.len()];
    let dispatch = dispatches[(i / rhos.len()) % dispatches.len()];
    let service = services[(i / 30) % services.len()];
    let consumers = 1 + (i / 7) % 4;
    let lambda = rho * consumers as f64;
    // Near saturation a queue takes long to settle: runs long next to its relaxation time.
    let customers = if rho >= 0.9 { 40_000 } else { 8_000 };
    scenario(&format!(
        r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
[[queues]]
name = "q"
consumers = {consumers}
dispatch = "{dispatch}"
service = {service}
[run]
replications = 5
customers = {customers}
seed = {seed}
"#,
        seed = 1000 + i
    ))
}

#[test]
fn two_hundred_stable_scenarios_raise_no_alarm() {
    let mut alarms = Vec::new();
    for i in 0..200 {
        let s = stable(i);
        let r = run_experiment(&s).unwrap();
        assert_eq!(r.stopped, 0, "scenario {i} stopped");
        if !r.growth.is_empty() {
            alarms.push(format!("scenario {i}: {:?}", r.growth));
        }
    }
    assert!(alarms.is_empty(), "false alarms: {alarms:#?}");
}

/// Twenty unstable systems with no exact theory, and the queue that grows in each.
fn unstable() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    // JIQ over heterogeneous speeds, with failures: the issue's case and variations of its
    // rate (capacity 8.5 in all, but JIQ sends the slow consumers more than they serve).
    for (k, lambda) in [6.1, 6.5, 7.0, 7.5].into_iter().enumerate() {
        out.push((
            format!(
                r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
[[queues]]
name = "work"
consumers = 8
dispatch = "jiq"
speeds = [2, 2, 0.5, 0.5, 1, 0.5, 1, 1]
service = {{ kind = "exponential", mean = 1.0 }}
fail = 0.3
max_attempts = 2
[run]
replications = 5
customers = 20000
seed = {k}
"#
            ),
            "work",
        ));
    }
    // Random and round-robin dispatch over unequal speeds: the slow consumer gets its equal
    // share, more than it serves, though the fleet's capacity exceeds the load.
    for (k, (dispatch, lambda)) in [
        ("random", 1.3),
        ("random", 1.6),
        ("round-robin", 1.3),
        ("round-robin", 1.6),
    ]
    .into_iter()
    .enumerate()
    {
        out.push((
            format!(
                r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
[[queues]]
name = "split"
consumers = 2
dispatch = "{dispatch}"
speeds = [2.0, 0.5]
service = {{ kind = "exponential", mean = 1.0 }}
[run]
replications = 5
customers = 20000
seed = {k}
"#
            ),
            "split",
        ));
    }
    // A network whose second queue is loaded past 1 by failed attempts that repeat their
    // work: 0.8 / (1 − fail) = 1.14 to 1.45 (its service alone loads it to 0.8).
    for (k, fail) in [0.3, 0.35, 0.4, 0.45].into_iter().enumerate() {
        out.push((
            format!(
                r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 0.8 }}
to = "front"
[[queues]]
name = "front"
consumers = 2
service = {{ kind = "exponential", mean = 1.0 }}
route = [{{ to = "back", p = 1.0 }}]
[[queues]]
name = "back"
consumers = 1
service = {{ kind = "lognormal", mean = 1.0, scv = 2.0 }}
fail = {fail}
[run]
replications = 5
customers = 20000
seed = {k}
"#
            ),
            "back",
        ));
    }
    // Processor sharing with crashes: every crash hands back all the messages held, which
    // restart their work (the issue's case, and heavier loads).
    for (k, lambda) in [0.5, 0.6, 0.7, 0.8].into_iter().enumerate() {
        out.push((
            format!(
                r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = {lambda} }}
to = "front"
[[queues]]
name = "front"
consumers = 2
service = {{ kind = "exponential", mean = 0.5 }}
route = [{{ to = "sharing", p = 1.0 }}]
[[queues]]
name = "sharing"
consumers = 1
discipline = "ps"
service = {{ kind = "exponential", mean = 1.0 }}
crash = {{ mtbf = {{ kind = "exponential", mean = 50.0 }}, mttr = {{ kind = "exponential", mean = 3.0 }} }}
[run]
replications = 5
customers = 5000
seed = {k}
"#
            ),
            "sharing",
        ));
    }
    // Crashes that take away more capacity than the load leaves (ρ = 0.9 without them, up
    // 5/6 of the time): M/M/2 with breakdowns.
    for (k, mttr) in [10.0, 15.0, 20.0, 30.0].into_iter().enumerate() {
        out.push((
            format!(
                r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 1.8 }}
[[queues]]
name = "fragile"
consumers = 2
service = {{ kind = "exponential", mean = 1.0 }}
crash = {{ mtbf = {{ kind = "exponential", mean = 50.0 }}, mttr = {{ kind = "exponential", mean = {mttr} }} }}
[run]
replications = 5
customers = 20000
seed = {k}
"#
            ),
            "fragile",
        ));
    }
    out
}

#[test]
fn twenty_unstable_scenarios_are_all_caught() {
    let cases = unstable();
    assert_eq!(cases.len(), 20);
    let mut missed = Vec::new();
    for (i, (text, queue)) in cases.iter().enumerate() {
        let s = scenario(text);
        let j = s.queues.iter().position(|q| q.name == *queue).unwrap();
        let r = run_experiment(&s).unwrap();
        let found = r.growth.iter().find(|g| g.queue == Some(j));
        match found {
            Some(g) => assert!(g.rate > 0.0 && g.half_width < g.rate, "case {i}: {g:?}"),
            None => missed.push(format!(
                "case {i} ({queue}): {:?}, stopped {}",
                r.growth, r.stopped
            )),
        }
    }
    assert!(missed.is_empty(), "not caught: {missed:#?}");
}
