//! `kendall plan --per-window`: staffing over a day. The search (in the `kendall` binary)
//! fills in a consumer count per window of a run to a horizon; this module holds the answer
//! and renders its table, the schedule line to paste into the scenario, and the JSON.
//!
//! A window **meets** the targets when, in the simulation of the whole schedule, every
//! target's 95% interval for that window lies on the right side of its bound
//! ([`crate::plan::Target::judge`] says [`Judgement::Pass`]: for `<` and `<=` targets, the
//! interval's upper end meets the bound) — the rule `kendall plan` applies per load level.

use std::fmt::Write as _;

use kendall_sim::windows::WindowSummary;
use serde::Serialize;

use crate::plan::{Judgement, Target};
use crate::windows::{WindowJson, WindowsReport};

/// One window's staffing.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowStaff {
    /// Window start.
    pub start: f64,
    /// Window end.
    pub end: f64,
    /// Theory's count (MOL staffing), if a model applies.
    pub theory_consumers: Option<u32>,
    /// The planned count.
    pub consumers: u32,
    /// True when the window meets every target at 95% confidence in the simulation of the
    /// final schedule.
    pub confirmed: bool,
    /// True when one consumer fewer here was simulated (with the rest of the schedule as it
    /// then stood) and made some window miss, or the count is at its floor: the search
    /// could not trim this window.
    pub minimal: bool,
}

/// The cheapest constant staffing found by simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstantStaff {
    /// The count, if one within the search's limits meets every window.
    pub consumers: Option<u32>,
    /// True when `consumers` meets every window and one fewer misses one (both simulated).
    pub confirmed: bool,
}

/// The whole per-window plan.
#[derive(Debug, Clone)]
pub struct WindowPlanReport {
    /// Scenario name.
    pub scenario: String,
    /// Time unit.
    pub time_unit: String,
    /// The staffed queue's name.
    pub queue: String,
    /// The targets.
    pub targets: Vec<Target>,
    /// Replications of each simulation.
    pub replications: u32,
    /// `[run] horizon`: the planned schedule repeats with it.
    pub horizon: f64,
    /// The theory used for the starting counts ("MOL, M_t/M/c_t", approximation), or why
    /// there is none.
    pub theory: Result<String, String>,
    /// Per window, in time order.
    pub windows: Vec<WindowStaff>,
    /// The simulation of the final schedule, per window.
    pub simulated: WindowsReport,
    /// The cheapest constant staffing.
    pub constant: ConstantStaff,
    /// Simulations run (schedule search and constant search).
    pub simulations: usize,
    /// What happened, in words.
    pub notes: Vec<String>,
}

/// Adjacent equal counts merged: the `at` and `values` of a consumer schedule, from each
/// window's start and count.
pub fn merge_schedule(starts: &[f64], counts: &[u32]) -> (Vec<f64>, Vec<u32>) {
    let mut at = Vec::new();
    let mut values: Vec<u32> = Vec::new();
    for (&s, &c) in starts.iter().zip(counts) {
        if values.last() != Some(&c) {
            at.push(s);
            values.push(c);
        }
    }
    (at, values)
}

/// Σ count × window length, in consumer-time-units.
pub fn consumer_time(windows: &[(f64, f64)], counts: &[u32]) -> f64 {
    windows
        .iter()
        .zip(counts)
        .map(|(&(a, b), &c)| f64::from(c) * (b - a))
        .sum()
}

/// Consumer-time in the unit people read: consumer-hours when the scenario's time unit is
/// seconds ("s"), else consumer-<unit>s as given.
pub fn in_consumer_units(time: f64, unit: &str) -> (f64, String) {
    match unit {
        "s" => (time / 3600.0, "consumer-hours".into()),
        "" => (time, "consumer-time-units".into()),
        u => (time, format!("consumer-{u}s")),
    }
}

/// A number as the schedule line writes it: an integer without a decimal point.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The TOML line of a consumer schedule.
pub fn schedule_line(at: &[f64], values: &[u32], repeat: f64) -> String {
    let at: Vec<String> = at.iter().map(|&x| num(x)).collect();
    let values: Vec<String> = values.iter().map(u32::to_string).collect();
    format!(
        "consumers = {{ at = [{}], values = [{}], repeat = {} }}",
        at.join(", "),
        values.join(", "),
        num(repeat)
    )
}

impl WindowPlanReport {
    fn bounds(&self) -> Vec<(f64, f64)> {
        self.windows.iter().map(|w| (w.start, w.end)).collect()
    }

    fn counts(&self) -> Vec<u32> {
        self.windows.iter().map(|w| w.consumers).collect()
    }

    /// The planned schedule, adjacent equal windows merged.
    pub fn schedule(&self) -> (Vec<f64>, Vec<u32>) {
        let starts: Vec<f64> = self.windows.iter().map(|w| w.start).collect();
        merge_schedule(&starts, &self.counts())
    }

    /// The schedule's consumer-time (Σ consumers × window length, in the time unit).
    pub fn consumer_time(&self) -> f64 {
        consumer_time(&self.bounds(), &self.counts())
    }

    /// The constant plan's consumer-time over the horizon.
    pub fn constant_time(&self) -> Option<f64> {
        self.constant
            .consumers
            .map(|c| f64::from(c) * (self.windows.last().map_or(0.0, |w| w.end)))
    }

    /// Whether every window meets every target.
    pub fn all_confirmed(&self) -> bool {
        self.windows.iter().all(|w| w.confirmed)
    }

    /// The table printed on stdout.
    pub fn to_table(&self) -> String {
        let labels: Vec<&str> = self.targets.iter().map(|t| t.label.as_str()).collect();
        let mut out = format!(
            "plan per window for \"{}\": fewest consumers of queue {} meeting {} in every window\n",
            self.scenario,
            self.queue,
            labels.join(" and ")
        );
        let _ = writeln!(
            out,
            "theory: {}",
            match &self.theory {
                Ok(m) => m.clone(),
                Err(why) => format!("none ({why})"),
            }
        );
        let _ = writeln!(
            out,
            "simulation: the whole schedule, {} replications to horizon {}; a window meets \
             when every target's 95% CI is inside its bound ({} simulations)\n",
            self.replications,
            num(self.horizon),
            self.simulations
        );
        let _ = write!(
            out,
            "{:>10} {:>10} {:>7} {:>9} {:>9}",
            "start", "end", "theory", "consumers", "confirmed"
        );
        for t in &self.targets {
            let _ = write!(out, " {:>32}", format!("{} (95% CI)", t.metric.name()));
        }
        out.push('\n');
        let mut clipped = false;
        for (w, sim) in self.windows.iter().zip(&self.simulated.windows) {
            let _ = write!(
                out,
                "{:>10} {:>10} {:>7} {:>9} {:>9}",
                num(w.start),
                num(w.end),
                w.theory_consumers.map_or("-".into(), |c| c.to_string()),
                w.consumers,
                if w.confirmed { "yes" } else { "NO" }
            );
            for t in &self.targets {
                let s = sim.get(t.metric);
                clipped |= s.clipped();
                let bracket = crate::interval::bracket(&s, |x| format!("{x:.3}"));
                let _ = write!(out, " {:>32}", format!("{:.3} {bracket}", s.mean));
            }
            out.push('\n');
        }
        crate::interval::note(&mut out, "", clipped);
        let (at, values) = self.schedule();
        let _ = writeln!(
            out,
            "\nschedule (paste into the queue):\n  {}",
            schedule_line(&at, &values, self.horizon)
        );
        let (time, label) = in_consumer_units(self.consumer_time(), &self.time_unit);
        let _ = writeln!(out, "schedule: {time:.2} {label}");
        match (self.constant.consumers, self.constant_time()) {
            (Some(c), Some(ct)) => {
                let (ct, label) = in_consumer_units(ct, &self.time_unit);
                let _ = writeln!(
                    out,
                    "constant: {}{}, {ct:.2} {label}; the schedule saves {:.2} \
                     {label} ({:.1}%)",
                    crate::describe::plural(u64::from(c), "consumer"),
                    if self.constant.confirmed {
                        ""
                    } else {
                        " (not confirmed minimal)"
                    },
                    ct - time,
                    100.0 * (ct - time) / ct
                );
            }
            _ => out.push_str("constant: none found within the search's limits\n"),
        }
        let missed: Vec<String> = self
            .windows
            .iter()
            .filter(|w| !w.confirmed)
            .map(|w| format!("[{}, {})", num(w.start), num(w.end)))
            .collect();
        if !missed.is_empty() {
            let _ = writeln!(
                out,
                "NOT confirmed: {} window(s) never met the targets at 95% confidence: {}",
                missed.len(),
                missed.join(", ")
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }

    /// `{"windows": [...], "schedule": {...}, ...}` as docs/plan.md describes it.
    pub fn to_json(&self) -> WindowPlanDocument<'_> {
        let (at, values) = self.schedule();
        let (time, unit) = in_consumer_units(self.consumer_time(), &self.time_unit);
        let constant_time = self
            .constant_time()
            .map(|t| in_consumer_units(t, &self.time_unit).0);
        WindowPlanDocument {
            windows: self
                .windows
                .iter()
                .zip(self.simulated.to_json())
                .map(|(w, window)| WindowDocument {
                    consumers: w.consumers,
                    theory_consumers: w.theory_consumers,
                    confirmed: w.confirmed,
                    minimal: w.minimal,
                    window,
                })
                .collect(),
            schedule: ScheduleDocument {
                at,
                values,
                repeat: self.horizon,
            },
            consumer_time: ConsumerTime {
                unit,
                schedule: time,
                constant: constant_time,
                saving: constant_time.map(|c| c - time),
            },
            constant: ConstantDocument {
                consumers: self.constant.consumers,
                confirmed: self.constant.confirmed,
            },
            all_confirmed: self.all_confirmed(),
            scenario: &self.scenario,
            queue: &self.queue,
            targets: self.targets.iter().map(|t| t.label.as_str()).collect(),
            time_unit: &self.time_unit,
            replications: self.replications,
            horizon: self.horizon,
            theory: self.theory.as_ref().ok().map(String::as_str),
            simulations: self.simulations,
            notes: &self.notes,
        }
    }
}

/// `kendall plan --per-window --json`.
#[derive(Serialize)]
pub struct WindowPlanDocument<'a> {
    windows: Vec<WindowDocument<'a>>,
    schedule: ScheduleDocument,
    consumer_time: ConsumerTime,
    constant: ConstantDocument,
    all_confirmed: bool,
    scenario: &'a str,
    queue: &'a str,
    targets: Vec<&'a str>,
    time_unit: &'a str,
    replications: u32,
    horizon: f64,
    theory: Option<&'a str>,
    simulations: usize,
    notes: &'a [String],
}

/// One window: its staffing, then the simulated window of `run --json` (start, end,
/// counts, metrics).
#[derive(Serialize)]
struct WindowDocument<'a> {
    consumers: u32,
    theory_consumers: Option<u32>,
    confirmed: bool,
    minimal: bool,
    #[serde(flatten)]
    window: WindowJson<'a>,
}

/// The schedule to paste.
#[derive(Serialize)]
struct ScheduleDocument {
    at: Vec<f64>,
    values: Vec<u32>,
    repeat: f64,
}

/// Consumer-time of the schedule and of the constant plan, in `unit`.
#[derive(Serialize)]
struct ConsumerTime {
    unit: String,
    schedule: f64,
    constant: Option<f64>,
    saving: Option<f64>,
}

/// The constant plan.
#[derive(Serialize)]
struct ConstantDocument {
    consumers: Option<u32>,
    confirmed: bool,
}

/// Whether `window` meets every target: each target's 95% interval there is inside its
/// bound ([`Target::judge`] passes). A window where a metric has no interval (fewer than two
/// replications saw it) does not meet it.
pub fn window_meets(targets: &[Target], window: &WindowSummary) -> bool {
    targets
        .iter()
        .all(|t| t.judge(&window.get(t.metric)) == Judgement::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_adjacent_equal_windows() {
        let starts = [0.0, 3600.0, 7200.0, 10800.0, 14400.0, 18000.0];
        let counts = [3, 3, 5, 5, 5, 3];
        let (at, values) = merge_schedule(&starts, &counts);
        assert_eq!(at, vec![0.0, 7200.0, 18000.0]);
        assert_eq!(values, vec![3, 5, 3]);
        assert_eq!(
            schedule_line(&at, &values, 21600.0),
            "consumers = { at = [0, 7200, 18000], values = [3, 5, 3], repeat = 21600 }"
        );
        let (at, values) = merge_schedule(&[0.0, 1.5], &[2, 2]);
        assert_eq!((at, values), (vec![0.0], vec![2]));
    }

    #[test]
    fn consumer_hours_by_hand() {
        // 3 consumers for 2 h, 5 for 3 h, 3 for a last half-hour window: 6 + 15 + 1.5.
        let w = [
            (0.0, 3600.0),
            (3600.0, 7200.0),
            (7200.0, 10800.0),
            (10800.0, 14400.0),
            (14400.0, 18000.0),
            (18000.0, 19800.0),
        ];
        let t = consumer_time(&w, &[3, 3, 5, 5, 5, 3]);
        assert_eq!(t, 3.0 * 7200.0 + 5.0 * 10800.0 + 3.0 * 1800.0);
        assert_eq!(in_consumer_units(t, "s"), (22.5, "consumer-hours".into()));
        assert_eq!(
            in_consumer_units(90.0, "min"),
            (90.0, "consumer-mins".into())
        );
    }
}
