//! A message's work is drawn once at publication: a failed attempt repeats the whole of it,
//! even after a preemption has left the broker holding only what remained of an attempt.

mod common;

use common::scenario;
use kendall_sim::{Metric, run_experiment};

/// Preemptive priority with retries: an urgent class interrupts long bulk messages often,
/// and 30% of attempts fail. Whatever the order of service, a consumer is busy for every
/// attempt's whole work: utilisation = Σ λ_k E[S_k] / (1 − fail) = (0.6·0.5 + 0.05·4)/0.7
/// = 0.714286. Retrying only the rest of a preempted attempt gave 0.657.
#[test]
fn a_failed_attempt_after_a_preemption_repeats_the_whole_work() {
    let s = scenario(
        r#"
[[classes]]
name = "urgent"
priority = 0
[[classes]]
name = "bulk"
priority = 1
[[producers]]
name = "u"
class = "urgent"
interarrival = { kind = "exponential", rate = 0.6 }
[[producers]]
name = "b"
class = "bulk"
interarrival = { kind = "exponential", rate = 0.05 }
[[queues]]
name = "q"
consumers = 1
discipline = "priority-preemptive"
fail = 0.3
service = { kind = "exponential", mean = 0.5 }
service_by_class = { bulk = { kind = "deterministic", value = 4.0 } }
[run]
replications = 10
customers = 40000
seed = 5
"#,
    );
    let r = run_experiment(&s).unwrap();
    let expected = (0.6 * 0.5 + 0.05 * 4.0) / 0.7;
    let u = r.system.get(Metric::Utilization);
    assert!(u.contains_at(expected, 0.999), "{u:?} vs {expected}");
    assert!(r.counts[0].preempted > 1000.0, "{:?}", r.counts[0]);
}
