//! What a run's consumers cost: consumer time (the time integral of the consumers paid for —
//! on duty, or an autoscaler's starting up) per queue and in all, and with a queue's
//! `cost_per_consumer_hour`, its price: consumer time in hours × the price.

use crate::experiment::Summary;
use crate::replication::ReplicationResult;
use crate::scenario::{Scenario, hours_per_unit};

/// Consumer time and cost summarised across replications (or batches): means per
/// replication and 95% intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct CostSummary {
    /// Each queue's consumer time over the measurement, in scenario order.
    pub consumer_time: Vec<Summary>,
    /// All queues' together.
    pub consumer_time_total: Summary,
    /// Each queue's cost (None for a queue without `cost_per_consumer_hour`).
    pub cost: Vec<Option<Summary>>,
    /// The priced queues' cost together (None when no queue is priced).
    pub cost_total: Option<Summary>,
}

/// The price of consumer time `t` (in the scenario's time unit) at `per_hour`.
pub fn price(scenario: &Scenario, t: f64, per_hour: f64) -> f64 {
    t * hours_per_unit(&scenario.time_unit).unwrap_or(f64::NAN) * per_hour
}

/// Consumer time and cost of `results`, the replications (or batches) of `scenario`.
pub fn summarize(scenario: &Scenario, results: &[ReplicationResult]) -> CostSummary {
    // With batch means the results are one replication's batches: its cost is B batches'.
    let per = if scenario.run.replications == 1 {
        results.len() as f64
    } else {
        1.0
    };
    let each = |f: &dyn Fn(&ReplicationResult) -> f64| -> Summary {
        Summary::of(&results.iter().map(|r| per * f(r)).collect::<Vec<_>>())
            .within(crate::experiment::Bounds::NONNEGATIVE)
    };
    let queues = &scenario.queues;
    let cost_of = |r: &ReplicationResult| -> f64 {
        (queues.iter().zip(&r.consumer_time))
            .filter_map(|(q, &t)| q.cost_per_hour.map(|p| price(scenario, t, p)))
            .sum()
    };
    CostSummary {
        consumer_time: (0..queues.len())
            .map(|j| each(&|r| r.consumer_time[j]))
            .collect(),
        consumer_time_total: each(&|r| r.consumer_time.iter().sum()),
        cost: (queues.iter().enumerate())
            .map(|(j, q)| {
                q.cost_per_hour
                    .map(|p| each(&|r| price(scenario, r.consumer_time[j], p)))
            })
            .collect(),
        cost_total: queues
            .iter()
            .any(|q| q.cost_per_hour.is_some())
            .then(|| each(&cost_of)),
    }
}
