//! The report of `kendall live`: what real threads measured, beside the simulation of the same
//! scenario and theory.

use std::fmt::Write;

use kendall_sim::live::{LiveResult, LiveRun, RealBroker};
use kendall_sim::replication::QueueCounts;
use kendall_sim::theory::Theory;
use kendall_sim::{ExperimentResult, Scenario};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::json::{ByName, MeanCi, TheoryColumns};
use crate::live_broker::{self, BrokerDocument};
use crate::table::num;
use crate::{MetricRow, RunReport, ScopeReport, TheoryStatus};

/// A live run beside a simulated run of the same scenario, both paired with theory.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveReport {
    /// Live figures (means over the measured period, batch-means CIs) with theory per row.
    pub live: RunReport,
    /// The simulator's figures for the same scenario (replications, Student-t CIs).
    pub simulated: RunReport,
    /// How long the live run lasted, what it counted and how faithfully it kept time.
    pub run: LiveRun,
    /// The real broker it ran against (`kendall live --broker`), if any.
    pub broker: Option<RealBroker>,
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
            batches: live.run.batches as u32,
            batch_correlation: None,
            events: 0,
            messages: live.run.completed,
            stopped: 0,
            stop: None,
            growth: Vec::new(),
            windows: Vec::new(),
            // Live runs refuse `autoscale`, and `timeout`.
            autoscale: Vec::new(),
            clients: None,
            cost: None,
        };
        LiveReport {
            live: RunReport::new(scenario, &as_experiment, theory, live.wall_seconds),
            simulated: RunReport::new(scenario, simulated, theory, sim_wall),
            run: live.run,
            broker: live.real_broker.clone(),
        }
    }

    fn unit(&self) -> &str {
        if self.live.time_unit.is_empty() {
            "time units"
        } else {
            &self.live.time_unit
        }
    }

    /// The closing lines of a run on kendall's broker: what real threads cost.
    fn thread_lines(&self, out: &mut String, unit: &str) {
        let real_us = |x: f64| x / self.run.speedup * 1e6;
        let _ = writeln!(
            out,
            "real-thread overheads: services overran their size by {} {unit} on average ({:.0} us real; counted in T), of which an idle consumer's thread took {} {unit} ({:.0} us real) to pick up a delivery",
            num(self.run.service_overshoot),
            real_us(self.run.service_overshoot),
            num(self.run.wake_latency),
            real_us(self.run.wake_latency),
        );
        if self.run.expiry_lateness.is_finite() {
            let _ = writeln!(
                out,
                "messages whose time to live ran out expired {} {unit} after it on average ({:.0} us real), counted in L",
                num(self.run.expiry_lateness),
                real_us(self.run.expiry_lateness),
            );
        }
    }

    /// A plain-text table per scope: live mean and CI, simulated mean, theory, live vs theory.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let unit = self.unit();
        let place = match &self.broker {
            Some(b) => live_broker::heading(b),
            None => "live on real threads".to_string(),
        };
        let _ = writeln!(
            out,
            "{}: {place} at {}x ({} {unit} per real second): {} s real = {} {unit}, warm-up {} {unit}, {} messages measured of {} offered",
            self.live.scenario,
            self.run.speedup,
            self.run.speedup,
            self.run.duration,
            self.run.horizon,
            self.run.warmup,
            self.run.measured,
            self.run.offered,
        );
        let _ = writeln!(
            out,
            "live CIs: batch means over {} batches of {} {unit} (one run, not replications); simulated: {} replications x {} messages, seed {}",
            self.run.batches,
            num((self.run.horizon - self.run.warmup) / self.run.batches as f64),
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
                let _ = writeln!(
                    out,
                    "  {:<12} {:>12}  {:>27}  {:>12}  {:>12}  {:>9}",
                    l.metric.name(),
                    num(l.summary.mean),
                    crate::interval::bracket(&l.summary, num),
                    num(s.summary.mean),
                    l.theory.map_or("-".to_string(), num),
                    relative_error(l.summary.mean, l.theory)
                        .map_or("-".to_string(), |e| format!("{:+.2}%", 100.0 * e)),
                );
            }
            let clipped = live.rows.iter().any(|r| r.summary.clipped());
            crate::interval::note(&mut out, "  ", clipped);
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
        if let Some(b) = &self.broker {
            let t = (self.live.system.rows.iter())
                .find(|r| r.metric == kendall_sim::Metric::T)
                .map_or(f64::NAN, |r| r.summary.mean);
            out.push_str(&live_broker::lines(b, &self.run, t, unit));
        } else {
            self.thread_lines(&mut out, unit);
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
    pub fn to_json(&self) -> LiveDocument<'_> {
        let theory = match &self.live.theory {
            TheoryStatus::Predicted { model, kind, .. } => LiveTheory::Predicted { model, kind },
            TheoryStatus::Unstable { rho } => LiveTheory::Unstable { rho: *rho },
            TheoryStatus::NoModel { reason } => LiveTheory::NoModel { reason },
        };
        let (live, simulated) = (&self.live, &self.simulated);
        LiveDocument {
            scenario: &live.scenario,
            time_unit: &live.time_unit,
            mode: "live",
            seed: live.seed,
            speedup: self.run.speedup,
            duration_seconds: self.run.duration,
            horizon: self.run.horizon,
            warmup: self.run.warmup,
            ci_method: "batch means",
            batches: self.run.batches,
            measured: self.run.measured,
            offered: self.run.offered,
            completed: live.messages,
            wall_seconds: live.wall_seconds,
            service_overshoot: self.run.service_overshoot,
            wake_latency: self.run.wake_latency,
            expiry_lateness: self.run.expiry_lateness,
            broker: self.broker.as_ref().map(BrokerDocument::of),
            simulated: SimulatedRun {
                replications: simulated.replications,
                customers_per_replication: simulated.customers_per_replication,
                warmup: simulated.warmup,
                wall_seconds: simulated.wall_seconds,
            },
            theory,
            metrics: LiveMetrics(&live.system, &simulated.system),
            classes: named(&live.classes, &simulated.classes),
            queues: named(&live.queues, &simulated.queues),
        }
    }
}

/// `kendall live --json`: the live run's facts and metrics beside the simulation's.
#[derive(Serialize)]
pub struct LiveDocument<'a> {
    scenario: &'a str,
    time_unit: &'a str,
    mode: &'static str,
    seed: u64,
    speedup: f64,
    duration_seconds: f64,
    horizon: f64,
    warmup: f64,
    ci_method: &'static str,
    batches: usize,
    measured: u64,
    offered: u64,
    completed: u64,
    wall_seconds: f64,
    service_overshoot: f64,
    wake_latency: f64,
    expiry_lateness: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    broker: Option<BrokerDocument<'a>>,
    simulated: SimulatedRun,
    theory: LiveTheory<'a>,
    metrics: LiveMetrics<'a>,
    classes: ByName<&'a str, LiveScope<'a>>,
    queues: ByName<&'a str, LiveScope<'a>>,
}

/// The simulation run beside the live one.
#[derive(Serialize)]
struct SimulatedRun {
    replications: u32,
    customers_per_replication: u64,
    warmup: u64,
    wall_seconds: f64,
}

/// The theory status, as `run` gives it but without the reason of a prediction.
#[derive(Serialize)]
#[serde(tag = "status")]
enum LiveTheory<'a> {
    #[serde(rename = "predicted")]
    Predicted { model: &'a str, kind: &'a str },
    #[serde(rename = "unstable")]
    Unstable { rho: f64 },
    #[serde(rename = "none")]
    NoModel { reason: &'a str },
}

/// Live and simulated scopes, paired in order, keyed by name.
fn named<'a>(live: &'a [ScopeReport], sim: &'a [ScopeReport]) -> ByName<&'a str, LiveScope<'a>> {
    let scopes = live.iter().zip(sim);
    ByName(
        scopes
            .map(|(l, s)| {
                (
                    l.name.as_str(),
                    LiveScope {
                        metrics: LiveMetrics(l, s),
                    },
                )
            })
            .collect(),
    )
}

/// One class or queue: its metrics, live beside simulated.
#[derive(Serialize)]
struct LiveScope<'a> {
    metrics: LiveMetrics<'a>,
}

/// A scope's rows, live beside simulated, keyed by metric name.
struct LiveMetrics<'a>(&'a ScopeReport, &'a ScopeReport);

impl Serialize for LiveMetrics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.rows.len()))?;
        for (l, s) in self.0.rows.iter().zip(&self.1.rows) {
            map.serialize_entry(l.metric.name(), &LiveMetric::of(l, s))?;
        }
        map.end()
    }
}

/// One metric: the live mean and CI, the simulated mean and CI, theory and the relative error.
#[derive(Serialize)]
struct LiveMetric<'a> {
    #[serde(flatten)]
    live: MeanCi,
    simulated: f64,
    simulated_ci95: [f64; 2],
    /// Only when true: `simulated_ci95` was clipped to the metric's range.
    #[serde(skip_serializing_if = "crate::interval::is_false")]
    simulated_clipped: bool,
    #[serde(flatten)]
    theory: TheoryColumns<'a>,
    relative_error: Option<f64>,
}

impl<'a> LiveMetric<'a> {
    fn of(l: &'a MetricRow, s: &MetricRow) -> Self {
        let (lo, hi) = s.summary.ci();
        LiveMetric {
            live: MeanCi::of(&l.summary),
            simulated: s.summary.mean,
            simulated_ci95: [lo, hi],
            simulated_clipped: s.summary.clipped(),
            theory: TheoryColumns::of(l),
            relative_error: relative_error(l.summary.mean, l.theory),
        }
    }
}

/// (measured − theory) / theory, where both are numbers and theory is not zero.
fn relative_error(measured: f64, theory: Option<f64>) -> Option<f64> {
    theory
        .filter(|t| *t != 0.0 && measured.is_finite())
        .map(|t| (measured - t) / t)
}
