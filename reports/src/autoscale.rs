//! The terminal summary of autoscaled queues' decisions (`autoscale`): one line per queue,
//! the whole log being in `kendall run --json`.

use kendall_sim::replication::ScaleLog;
use kendall_sim::scenario::ScaleMetric;
use kendall_sim::{ExperimentResult, Metric, Scenario};

use crate::charts::Marks;

/// One line for queue `name`'s decisions in replication 0, e.g. "autoscaler of queue send
/// (replication 0): 240 evaluations, 12 decisions, fleet 1 to 20, ending at 3 (all in
/// --json)".
pub(crate) fn summary_line(name: &str, log: &ScaleLog) -> String {
    let counted = log.decisions.len() as u64 + log.left_out;
    let fleet = match (
        log.decisions.iter().map(|d| d.desired.min(d.current)).min(),
        log.decisions.iter().map(|d| d.desired.max(d.current)).max(),
        log.decisions.last(),
    ) {
        (Some(lo), Some(hi), Some(last)) => {
            format!(", fleet {lo} to {hi}, ending at {}", last.desired)
        }
        _ => String::new(),
    };
    format!(
        "autoscaler of queue {name} (replication 0): {} evaluations, {counted} decisions{fleet} \
         (all in --json)\n",
        log.evaluations
    )
}

/// One autoscaled queue's decisions in replication 0, for the window charts of
/// `run --plot`: its fleet after each decision, and the metric it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    /// The queue's name.
    pub queue: String,
    /// What its autoscaler reads.
    pub metric: ScaleMetric,
    /// Replication 0's decisions.
    pub log: ScaleLog,
}

impl Scaling {
    /// The first autoscaled queue of `scenario` and its decisions in `result`, if any.
    pub fn of(scenario: &Scenario, result: &ExperimentResult) -> Option<Self> {
        let (j, q) = (scenario.queues.iter().enumerate()).find(|(_, q)| q.autoscale.is_some())?;
        let log = result.autoscale.get(j)?.clone()?;
        Some(Scaling {
            queue: q.name.clone(),
            metric: q.autoscale?.metric,
            log,
        })
    }

    /// The fleet decided (on duty and starting up) after each decision, as a staircase.
    pub fn fleet_marks(&self) -> Marks {
        Marks {
            points: (self.log.decisions.iter())
                .map(|d| (d.time, f64::from(d.desired)))
                .collect(),
            steps: true,
            label: format!(
                "replication 0: fleet after each decision of queue {}'s autoscaler",
                self.queue
            ),
        }
    }

    /// What the autoscaler read at each decision, in the unit of the chart it belongs on:
    /// the messages waiting (a backlog metric, on the Lq chart) or the fraction of the fleet
    /// busy (a utilisation metric, on the utilisation chart).
    pub fn reading_marks(&self) -> (Metric, Marks) {
        let (chart, what) = match self.metric {
            ScaleMetric::Backlog => (Metric::Lq, "messages waiting"),
            ScaleMetric::Utilization => (Metric::Utilization, "fleet busy"),
        };
        let value = |d: &kendall_sim::replication::ScaleDecision| match self.metric {
            // A fleet of 0 reads the messages waiting themselves.
            ScaleMetric::Backlog if d.current > 0 => d.metric * f64::from(d.current),
            _ => d.metric,
        };
        let marks = Marks {
            points: self
                .log
                .decisions
                .iter()
                .map(|d| (d.time, value(d)))
                .collect(),
            steps: false,
            label: format!(
                "replication 0: {what} at each decision of queue {}'s autoscaler",
                self.queue
            ),
        };
        (chart, marks)
    }
}
