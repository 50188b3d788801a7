//! What a run saw of instability whatever theory says: a scope whose number in system grew
//! through the measurement ([`kendall_sim::growth`]), and replications stopped by a budget
//! (`max_events`, or the backlog budget) with the queue that held the most then.

use serde::Serialize;

use kendall_sim::growth::Growth;
use kendall_sim::replication::{Stop, backlog_budget, event_budget};
use kendall_sim::{ExperimentResult, Scenario};

/// The name of the scope `g` is about ("queue NAME" or "the system").
fn scope_name(scenario: &Scenario, queue: Option<usize>) -> String {
    match queue.and_then(|j| scenario.queues.get(j)) {
        Some(q) => format!("queue {}", q.name),
        None => "the system".to_string(),
    }
}

/// The warnings `run`, `sweep`, `compare`, `plan` and `report` give about `result`, a run
/// of `scenario`: "unstable (observed): queue X grows by about R messages per time unit"
/// for each queue seen to grow (the system when no queue alone is), then the budget that
/// stopped replications early, naming the queue that held the most.
pub fn growth_warnings(scenario: &Scenario, result: &ExperimentResult) -> Vec<String> {
    let unit = match scenario.time_unit.as_str() {
        "" => "time unit".to_string(),
        u => u.to_string(),
    };
    let queues: Vec<&Growth> = result.growth.iter().filter(|g| g.queue.is_some()).collect();
    let shown: Vec<&Growth> = if queues.is_empty() {
        result.growth.iter().collect()
    } else {
        queues
    };
    let mut out: Vec<String> = shown
        .iter()
        .map(|g| {
            format!(
                "unstable (observed): {} grows by about {:.4} messages per {unit} (95% CI \
                 [{:.4}, {:.4}]; one-sided test at level {:e}, t = {:.1}): its number in \
                 system rose through the measurement, so no steady state was reached and the \
                 figures depend on the run length",
                scope_name(scenario, g.queue),
                g.rate,
                g.rate - g.half_width,
                g.rate + g.half_width,
                kendall_sim::growth::ALPHA,
                g.t,
            )
        })
        .collect();
    if let Some((why, backlog)) = &result.stop {
        let budget = match why {
            Stop::Events => format!(
                "reached the event budget (max_events = {})",
                event_budget(scenario)
            ),
            Stop::Backlog => format!(
                "held more than {} messages in the system at once (the backlog budget)",
                backlog_budget(scenario)
            ),
        };
        let growing = backlog
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(j, b)| {
                let name = if backlog.len() == scenario.queues.len() {
                    scope_name(scenario, Some(j))
                } else {
                    "the system".to_string()
                };
                format!("; {name} was growing, holding about {b:.0} messages when they stopped")
            })
            .unwrap_or_default();
        out.push(format!(
            "stopped: {} of {} replications {budget} before their {} customers and stopped \
             there{growing}; their figures cover only what happened until then",
            result.stopped,
            result.replications,
            scenario.run.warmup + scenario.run.customers,
        ));
    }
    out
}

/// One scope seen to grow, as `run --json` gives it (`unstable_observed`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthJson {
    /// "system" or the queue's name.
    pub scope: String,
    /// Messages per time unit.
    pub rate: f64,
    /// Its 95% interval.
    pub ci: [f64; 2],
}

/// Every scope of `result` seen to grow, for JSON.
pub fn growth_json(scenario: &Scenario, result: &ExperimentResult) -> Vec<GrowthJson> {
    result
        .growth
        .iter()
        .map(|g| GrowthJson {
            scope: g
                .queue
                .and_then(|j| scenario.queues.get(j))
                .map_or_else(|| "system".to_string(), |q| q.name.clone()),
            rate: g.rate,
            ci: [g.rate - g.half_width, g.rate + g.half_width],
        })
        .collect()
}
