//! `[run] max_events`: a replication that cannot reach its customers stops at the budget,
//! says so, and keeps its books.

mod common;

use common::scenario;
use kendall_sim::run_experiment;

/// A message whose work exceeds the visibility timeout is redelivered for ever (its work is
/// drawn once and repeats): the lone consumer never finishes anything, and without a budget
/// the run would never end.
#[test]
fn a_run_that_cannot_finish_stops_at_its_budget() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 0.5 }
[[queues]]
name = "q"
consumers = 1
service = { kind = "deterministic", value = 2.0 }
visibility_timeout = 1.0
[run]
replications = 3
customers = 1000
max_events = 5000
"#,
    );
    let r = run_experiment(&s).unwrap();
    assert_eq!(r.stopped, 3);
    assert_eq!(r.events, 3 * 5000);
    assert_eq!(r.messages, 0);
    // Without the timeout the same scenario is unstable but finishes.
    let mut finishing = s.clone();
    finishing.queues[0].delivery.visibility_timeout = None;
    finishing.run.max_events = Some(1_000_000);
    let r = run_experiment(&finishing).unwrap();
    assert_eq!(r.stopped, 0);
    assert_eq!(r.messages, 3 * 1100);
}
