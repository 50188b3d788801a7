//! The report of `kendall live`: what real threads measured, beside the simulation of the same
//! scenario and theory.

use std::fmt::Write;

use kendall_sim::live::LiveResult;
use kendall_sim::replication::QueueCounts;
use kendall_sim::theory::Theory;
use kendall_sim::{ExperimentResult, Scenario};
use serde_json::{Map, Value, json};

use crate::table::num;
use crate::{RunReport, ScopeReport, TheoryStatus};

/// A live run beside a simulated run of the same scenario, both paired with theory.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveReport {
    /// Live figures (means over the measured period, batch-means CIs) with theory per row.
    pub live: RunReport,
    /// The simulator's figures for the same scenario (replications, Student-t CIs).
    pub simulated: RunReport,
    /// Scenario time units per real second.
    pub speedup: f64,
    /// Real seconds the live run lasted.
    pub duration: f64,
    /// Scenario time the live run covered.
    pub horizon: f64,
    /// Scenario time discarded as warm-up.
    pub warmup: f64,
    /// Batches behind the live CIs.
    pub batches: usize,
    /// Messages that left during the measured period.
    pub measured: u64,
    /// Messages offered by producers during the run.
    pub offered: u64,
    /// Mean service overshoot (scenario time units).
    pub service_overshoot: f64,
    /// Mean time an idle consumer's thread took to pick up a delivery (scenario time units).
    pub wake_latency: f64,
    /// Mean lateness of time-to-live expiries (scenario time units; NaN without expiries).
    pub expiry_lateness: f64,
}

impl LiveReport {
    /// Pairs `live` and `simulated` (which took `sim_wall` seconds) with `theory`.
    pub fn new(
        scenario: &Scenario,
        live: &LiveResult,
        simulated: &ExperimentResult,
        theory: &Theory,
        sim_wall: f64,
    ) -> Self {
        let as_experiment = ExperimentResult {
            system: live.system.clone(),
            queues: live.queues.clone(),
            classes: live.classes.clone(),
            // Whole-run broker counters (warm-up included): a live run has one window.
            counts: live.broker.iter().map(QueueCounts::total).collect(),
            replications: 1,
            events: 0,
            messages: live.completed,
            stopped: 0,
            windows: Vec::new(),
        };
        LiveReport {
            live: RunReport::new(scenario, &as_experiment, theory, live.wall_seconds),
            simulated: RunReport::new(scenario, simulated, theory, sim_wall),
            speedup: live.speedup,
            duration: live.duration,
            horizon: live.horizon,
            warmup: live.warmup,
            batches: live.batches,
            measured: live.measured,
            offered: live.offered,
            service_overshoot: live.service_overshoot,
            wake_latency: live.wake_latency,
            expiry_lateness: live.expiry_lateness,
        }
    }

    fn unit(&self) -> &str {
        if self.live.time_unit.is_empty() {
            "time units"
        } else {
            &self.live.time_unit
        }
    }

    /// A plain-text table per scope: live mean and CI, simulated mean, theory, live vs theory.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let unit = self.unit();
        let _ = writeln!(
            out,
            "{}: live on real threads at {}x ({} {unit} per real second): {} s real = {} {unit}, warm-up {} {unit}, {} messages measured of {} offered",
            self.live.scenario,
            self.speedup,
            self.speedup,
            self.duration,
            self.horizon,
            self.warmup,
            self.measured,
            self.offered,
        );
        let _ = writeln!(
            out,
            "live CIs: batch means over {} batches of {} {unit} (one run, not replications); simulated: {} replications x {} messages, seed {}",
            self.batches,
            num((self.horizon - self.warmup) / self.batches as f64),
            self.simulated.replications,
            self.simulated.customers_per_replication,
            self.simulated.seed,
        );
        let _ = match &self.live.theory {
            TheoryStatus::Predicted { model, kind, .. } => {
                writeln!(out, "theory: {model} ({kind})")
            }
            TheoryStatus::Unstable { rho } => {
                writeln!(out, "theory: UNSTABLE (rho = {rho:.4} >= 1)")
            }
            TheoryStatus::NoModel { reason } => writeln!(out, "theory: none ({reason})"),
        };
        out.push('\n');
        let mut scope = |title: &str, live: &ScopeReport, sim: &ScopeReport| {
            let _ = writeln!(out, "{title}");
            let _ = writeln!(
                out,
                "  {:<12} {:>12}  {:>27}  {:>12}  {:>12}  {:>9}",
                "metric", "live", "live 95% CI", "simulated", "theory", "live err"
            );
            for (l, s) in live.rows.iter().zip(&sim.rows) {
                let (lo, hi) = l.summary.ci();
                let _ = writeln!(
                    out,
                    "  {:<12} {:>12}  {:>27}  {:>12}  {:>12}  {:>9}",
                    l.metric.name(),
                    num(l.summary.mean),
                    format!("[{}, {}]", num(lo), num(hi)),
                    num(s.summary.mean),
                    l.theory.map_or("-".to_string(), num),
                    relative_error(l.summary.mean, l.theory)
                        .map_or("-".to_string(), |e| format!("{:+.2}%", 100.0 * e)),
                );
            }
            out.push('\n');
        };
        scope("end to end", &self.live.system, &self.simulated.system);
        if self.live.queues.len() > 1 {
            for (l, s) in self.live.queues.iter().zip(&self.simulated.queues) {
                scope(&format!("queue {}", l.name), l, s);
            }
        }
        if self.live.classes.len() > 1 {
            for (l, s) in self.live.classes.iter().zip(&self.simulated.classes) {
                scope(&format!("class {}", l.name), l, s);
            }
        }
        let real_us = |x: f64| x / self.speedup * 1e6;
        let _ = writeln!(
            out,
            "real-thread overheads: services overran their size by {} {unit} on average ({:.0} us real; counted in T), of which an idle consumer's thread took {} {unit} ({:.0} us real) to pick up a delivery",
            num(self.service_overshoot),
            real_us(self.service_overshoot),
            num(self.wake_latency),
            real_us(self.wake_latency),
        );
        if self.expiry_lateness.is_finite() {
            let _ = writeln!(
                out,
                "messages whose time to live ran out expired {} {unit} after it on average ({:.0} us real), counted in L",
                num(self.expiry_lateness),
                real_us(self.expiry_lateness),
            );
        }
        let _ = writeln!(
            out,
            "live run: {:.2} s wall; simulation: {:.2} s wall",
            self.live.wall_seconds, self.simulated.wall_seconds
        );
        out
    }

    /// The JSON document: run facts, then per metric the live mean and CI, the simulated mean
    /// and CI, theory, and the live mean's relative error against theory. NaN is null.
    pub fn to_json(&self) -> Value {
        let metrics = |live: &ScopeReport, sim: &ScopeReport| {
            let mut m = Map::new();
            for (l, s) in live.rows.iter().zip(&sim.rows) {
                let (lo, hi) = l.summary.ci();
                let (slo, shi) = s.summary.ci();
                m.insert(
                    l.metric.name().to_string(),
                    json!({
                        "mean": l.summary.mean,
                        "ci95": [lo, hi],
                        "simulated": s.summary.mean,
                        "simulated_ci95": [slo, shi],
                        "theory": l.theory,
                        "theory_kind": l.theory_kind,
                        "model": l.model,
                        "theory_in_ci": l.theory_in_ci(),
                        "expected_waits": l.none_seen.map(|z| z.expected_waits()),
                        "relative_error": relative_error(l.summary.mean, l.theory),
                    }),
                );
            }
            Value::Object(m)
        };
        let named = |live: &[ScopeReport], sim: &[ScopeReport]| {
            let mut m = Map::new();
            for (l, s) in live.iter().zip(sim) {
                m.insert(l.name.clone(), json!({ "metrics": metrics(l, s) }));
            }
            Value::Object(m)
        };
        let theory = match &self.live.theory {
            TheoryStatus::Predicted { model, kind, .. } => {
                json!({"status": "predicted", "model": model, "kind": kind})
            }
            TheoryStatus::Unstable { rho } => json!({"status": "unstable", "rho": rho}),
            TheoryStatus::NoModel { reason } => json!({"status": "none", "reason": reason}),
        };
        json!({
            "scenario": self.live.scenario,
            "time_unit": self.live.time_unit,
            "mode": "live",
            "seed": self.live.seed,
            "speedup": self.speedup,
            "duration_seconds": self.duration,
            "horizon": self.horizon,
            "warmup": self.warmup,
            "ci_method": "batch means",
            "batches": self.batches,
            "measured": self.measured,
            "offered": self.offered,
            "completed": self.live.messages,
            "wall_seconds": self.live.wall_seconds,
            "service_overshoot": self.service_overshoot,
            "wake_latency": self.wake_latency,
            "expiry_lateness": self.expiry_lateness,
            "simulated": {
                "replications": self.simulated.replications,
                "customers_per_replication": self.simulated.customers_per_replication,
                "warmup": self.simulated.warmup,
                "wall_seconds": self.simulated.wall_seconds,
            },
            "theory": theory,
            "metrics": metrics(&self.live.system, &self.simulated.system),
            "classes": named(&self.live.classes, &self.simulated.classes),
            "queues": named(&self.live.queues, &self.simulated.queues),
        })
    }
}

/// (measured − theory) / theory, where both are numbers and theory is not zero.
fn relative_error(measured: f64, theory: Option<f64>) -> Option<f64> {
    theory
        .filter(|t| *t != 0.0 && measured.is_finite())
        .map(|t| (measured - t) / t)
}
