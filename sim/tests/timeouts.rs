//! A delivery that times out was in service until the broker took it back: that time is
//! service, not waiting.

mod common;

use common::scenario;
use kendall_sim::{Metric, run_experiment};

/// Deterministic: every other message goes first to a consumer too slow to finish within the
/// visibility timeout (work 1 at speed 0.25 takes 4 > 2); the broker takes it back at 2 and
/// the fast consumer (speed 4) finishes it at 2.25. No message ever waits without being in
/// service, so Wq is 0 and p_wait 0; T is 2.25 or 0.25.
#[test]
fn time_in_service_before_a_timeout_is_not_waiting() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
interarrival = { kind = "deterministic", value = 100.0 }
[[queues]]
name = "q"
consumers = 2
speeds = [0.25, 4.0]
service = { kind = "deterministic", value = 1.0 }
visibility_timeout = 2.0
[run]
replications = 2
customers = 400
warmup = 0
"#,
    );
    let r = run_experiment(&s).unwrap();
    let (wq, pw, t) = (
        r.system.get(Metric::Wq).mean,
        r.system.get(Metric::PWait).mean,
        r.system.get(Metric::T).mean,
    );
    assert_eq!(wq, 0.0, "Wq");
    assert_eq!(pw, 0.0, "p_wait");
    assert!(t > 0.25 && t < 2.25, "T = {t}");
    let c = &r.counts[0];
    assert!(c.redelivered > 100.0, "{c:?}");
}
