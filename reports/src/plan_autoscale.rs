//! `kendall plan --autoscale`: the autoscaler settings tried, the cheapest that meets the
//! targets in every window, and the cheapest fixed schedule beside it, as a table and JSON.

use std::fmt::Write;

use kendall_sim::scenario::Autoscale;
use serde::Serialize;

use crate::plan::Target;
use crate::plan_windows::{WindowPlanReport, in_consumer_units};
use crate::windows::{WindowJson, WindowsReport};

/// One setting tried: a target with the least `min` that met every window (or the last
/// `min` tried, when none did).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The autoscaler's target.
    pub target: f64,
    /// Its `min`.
    pub min: u32,
    /// Every window met the targets on the scenario's seed.
    pub meets: bool,
    /// Consumer-time over the horizon (Σ mean on duty × window length), scenario units.
    pub consumer_time: f64,
    /// The largest fleet replication 0's autoscaler decided: the `max` it needed.
    pub fleet_reached: u32,
    /// On fresh seeds: Some(true) when it met every window on each, Some(false) when it
    /// missed one, None when it was not tried (a cheaper one was confirmed first).
    pub confirmed: Option<bool>,
}

/// The plan of an autoscaler.
#[derive(Debug, Clone)]
pub struct AutoscalePlan {
    /// Scenario name.
    pub scenario: String,
    /// Time unit.
    pub time_unit: String,
    /// The autoscaled queue.
    pub queue: String,
    /// The targets every window must meet.
    pub targets: Vec<Target>,
    /// Replications of each simulation.
    pub replications: u32,
    /// `[run] horizon`.
    pub horizon: f64,
    /// The rule searched: its metric, interval, start-up, stabilisation, tolerance and max
    /// (its target and min are what varies).
    pub rule: Autoscale,
    /// One per target tried, in the order tried.
    pub candidates: Vec<Candidate>,
    /// Index in `candidates` of the cheapest confirmed one.
    pub chosen: Option<usize>,
    /// The chosen setting's last confirmation run, window by window.
    pub simulated: Option<WindowsReport>,
    /// The cheapest fixed schedule (`plan --per-window`) on the same seed.
    pub schedule: WindowPlanReport,
    /// Simulations run, the schedule's included.
    pub simulations: usize,
    /// Fresh seeds the chosen setting met every window on.
    pub confirmations: u64,
}

impl AutoscalePlan {
    /// The chosen candidate.
    pub fn best(&self) -> Option<&Candidate> {
        self.chosen.map(|i| &self.candidates[i])
    }

    /// The `autoscale = { … }` line of the chosen setting, its `max` the rule's.
    pub fn line(&self, c: &Candidate) -> String {
        let r = &self.rule;
        format!(
            "autoscale = {{ metric = \"{}\", target = {}, min = {}, max = {}, interval = {}, \
             startup = {}, stabilization = {}, tolerance = {} }}",
            r.metric.name(),
            c.target,
            c.min,
            r.max,
            r.interval,
            r.startup,
            r.stabilization,
            r.tolerance
        )
    }

    /// The table.
    pub fn to_table(&self) -> String {
        let labels: Vec<&str> = self.targets.iter().map(|t| t.label.as_str()).collect();
        let unit = |t: f64| in_consumer_units(t, &self.time_unit);
        let mut out = format!(
            "autoscaler plan for \"{}\": the cheapest target and min of queue {}'s {} \
             autoscaler meeting {} in every window\n",
            self.scenario,
            self.queue,
            self.rule.metric.name(),
            labels.join(" and ")
        );
        let _ = writeln!(
            out,
            "simulation: {} replications to horizon {}, every setting on the same seed, the \
             cheapest that meets confirmed on {} fresh seeds ({} simulations)\n",
            self.replications, self.horizon, self.confirmations, self.simulations
        );
        let _ = writeln!(
            out,
            "{:>8} {:>5} {:>6} {:>22} {:>11} {:>10}",
            "target", "min", "meets", "consumer-time", "max needed", "confirmed"
        );
        for c in &self.candidates {
            let (t, u) = unit(c.consumer_time);
            let _ = writeln!(
                out,
                "{:>8} {:>5} {:>6} {:>22} {:>11} {:>10}",
                c.target,
                c.min,
                if c.meets { "yes" } else { "no" },
                format!("{t:.2} {}", u.trim_start_matches("consumer-")),
                c.fleet_reached,
                match c.confirmed {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                }
            );
        }
        let (sched, u) = unit(self.schedule.consumer_time());
        let _ = writeln!(out);
        match self.best() {
            Some(c) => {
                let (t, _) = unit(c.consumer_time);
                let _ = writeln!(
                    out,
                    "autoscaler (paste into the queue):\n  {}",
                    self.line(c)
                );
                let _ = writeln!(
                    out,
                    "autoscaler: {t:.2} {u}; it reached {} (max {})",
                    crate::describe::plural(u64::from(c.fleet_reached), "consumer"),
                    self.rule.max
                );
                let _ = writeln!(
                    out,
                    "cheapest fixed schedule: {sched:.2} {u} ({}); the autoscaler {} {:.2} {u} \
                     ({:.1}%)",
                    if self.schedule.all_confirmed() {
                        "every window confirmed"
                    } else {
                        "not every window confirmed"
                    },
                    if t <= sched { "saves" } else { "costs" },
                    (sched - t).abs(),
                    100.0 * (sched - t).abs() / sched
                );
                if c.fleet_reached >= self.rule.max {
                    let _ = writeln!(
                        out,
                        "note: the fleet reached its max: a larger max may let a leaner setting \
                         meet the targets"
                    );
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "no setting met every window and was confirmed; cheapest fixed schedule: \
                     {sched:.2} {u}"
                );
            }
        }
        out
    }

    /// The JSON document: `{"scenario", "queue", "targets", "metric", "candidates": [{"target",
    /// "min", "meets", "consumer_time", "max_needed", "confirmed"}], "chosen": {…} | null,
    /// "consumer_time": {"unit", "autoscaler", "schedule", "saving"}, "windows": […]}`.
    pub fn to_json(&self) -> AutoscalePlanDocument<'_> {
        let unit = |t: f64| in_consumer_units(t, &self.time_unit);
        let (sched, u) = unit(self.schedule.consumer_time());
        let best = self.best();
        let auto = best.map(|c| unit(c.consumer_time).0);
        AutoscalePlanDocument {
            scenario: &self.scenario,
            queue: &self.queue,
            targets: self.targets.iter().map(|t| t.label.as_str()).collect(),
            metric: self.rule.metric.name(),
            replications: self.replications,
            candidates: (self.candidates.iter())
                .map(|c| CandidateDocument {
                    target: c.target,
                    min: c.min,
                    meets: c.meets,
                    consumer_time: unit(c.consumer_time).0,
                    max_needed: c.fleet_reached,
                    confirmed: c.confirmed,
                })
                .collect(),
            chosen: best.map(|c| ChosenDocument {
                target: c.target,
                min: c.min,
                max: self.rule.max,
                max_needed: c.fleet_reached,
                line: self.line(c),
            }),
            consumer_time: ConsumerTimeDocument {
                unit: u,
                autoscaler: auto,
                schedule: sched,
                saving: auto.map(|a| sched - a),
            },
            schedule_confirmed: self.schedule.all_confirmed(),
            windows: self.simulated.as_ref().map(|w| w.to_json()),
            simulations: self.simulations,
        }
    }
}

/// `kendall plan --autoscale --json`.
#[derive(Serialize)]
pub struct AutoscalePlanDocument<'a> {
    scenario: &'a str,
    queue: &'a str,
    targets: Vec<&'a str>,
    metric: &'static str,
    replications: u32,
    candidates: Vec<CandidateDocument>,
    chosen: Option<ChosenDocument>,
    consumer_time: ConsumerTimeDocument,
    schedule_confirmed: bool,
    windows: Option<Vec<WindowJson<'a>>>,
    simulations: usize,
}

/// One setting tried.
#[derive(Serialize)]
struct CandidateDocument {
    target: f64,
    min: u32,
    meets: bool,
    consumer_time: f64,
    max_needed: u32,
    confirmed: Option<bool>,
}

/// The setting chosen.
#[derive(Serialize)]
struct ChosenDocument {
    target: f64,
    min: u32,
    max: u32,
    max_needed: u32,
    line: String,
}

/// Consumer-time of the autoscaler and of the cheapest fixed schedule.
#[derive(Serialize)]
struct ConsumerTimeDocument {
    unit: String,
    autoscaler: Option<f64>,
    schedule: f64,
    saving: Option<f64>,
}
