//! The report of one `kendall run`: simulated metrics beside theory, per scope.

use kendall_models::{Prediction, Verdict};
use kendall_sim::replication::QueueCounts;
use kendall_sim::scenario::Warmup;
use kendall_sim::stats::Metric;
use kendall_sim::theory::Theory;
use kendall_sim::traffic::queue_loads;
use kendall_sim::{ExperimentResult, Scenario, ScopeSummary, Summary};

/// One metric: simulated mean, its CI and what theory says.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Which metric.
    pub metric: Metric,
    /// Simulated mean and CI.
    pub summary: Summary,
    /// Theory's value, where a model applies.
    pub theory: Option<f64>,
    /// "exact" or "approximation", with `theory`.
    pub theory_kind: Option<&'static str>,
    /// Model name, with `theory`.
    pub model: Option<String>,
}

impl MetricRow {
    /// Whether theory lies inside the 95% CI (None without theory).
    pub fn theory_in_ci(&self) -> Option<bool> {
        self.theory.map(|t| self.summary.contains(t))
    }
}

/// Every metric of one scope (system, a queue or a class).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeReport {
    /// Scope name ("system", a queue's or a class's name).
    pub name: String,
    /// Rows in [`Metric::ALL`] order.
    pub rows: Vec<MetricRow>,
}

/// What theory had to say about the system, in words when it had no numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum TheoryStatus {
    /// A model applies.
    Predicted {
        /// Its name.
        model: String,
        /// "exact" or "approximation".
        kind: &'static str,
    },
    /// ρ ≥ 1: no steady state; the simulated figures depend on the run length.
    Unstable {
        /// Offered load per consumer.
        rho: f64,
    },
    /// No model covers the scenario.
    NoModel {
        /// Why not.
        reason: String,
    },
}

/// A `kendall run`: the scenario, the run, and every scope's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Time unit label.
    pub time_unit: String,
    /// Base seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Messages measured per replication (after warm-up).
    pub customers_per_replication: u64,
    /// Messages discarded per replication.
    pub warmup: u64,
    /// Wall-clock seconds the simulation took.
    pub wall_seconds: f64,
    /// Events processed.
    pub events: u64,
    /// Messages that left the system (warm-up included).
    pub messages: u64,
    /// Theory for the system.
    pub theory: TheoryStatus,
    /// End-to-end metrics.
    pub system: ScopeReport,
    /// Per-queue metrics.
    pub queues: Vec<ScopeReport>,
    /// Per-class metrics.
    pub classes: Vec<ScopeReport>,
    /// Per-queue message fates (mean per replication), in queue order.
    pub counts: Vec<QueueCounts>,
    /// True when the warm-up was chosen by MSER-5 (`warmup = "auto"`).
    pub warmup_auto: bool,
    /// Offered load per consumer of each queue, in queue order.
    pub loads: Vec<f64>,
    /// What the reader should know before trusting the figures ([`RunReport::diagnose`]).
    pub warnings: Vec<String>,
}

impl RunReport {
    /// Pairs `result` with `theory` for `scenario`; `wall_seconds` is the simulation's time.
    pub fn new(
        scenario: &Scenario,
        result: &ExperimentResult,
        theory: &Theory,
        wall_seconds: f64,
    ) -> Self {
        let prediction = match &theory.system {
            Verdict::Predicted(p) => Some(p),
            _ => None,
        };
        let status = match &theory.system {
            Verdict::Predicted(p) => TheoryStatus::Predicted {
                model: p.model.clone(),
                kind: p.exactness.label(),
            },
            Verdict::Unstable { rho } => TheoryStatus::Unstable { rho: *rho },
            Verdict::NoModel { reason } => TheoryStatus::NoModel {
                reason: reason.clone(),
            },
        };
        let scope =
            |name: &str, s: &ScopeSummary, p: Option<&kendall_models::Prediction>| ScopeReport {
                name: name.to_string(),
                rows: Metric::ALL
                    .iter()
                    .map(|&m| {
                        let theory = p.and_then(|p| theory_value(p, m));
                        MetricRow {
                            metric: m,
                            summary: s.get(m),
                            theory,
                            theory_kind: theory.and(p.map(|p| p.exactness.label())),
                            model: theory.and(p.map(|p| p.model.clone())),
                        }
                    })
                    .collect(),
            };
        let mut report = RunReport {
            scenario: scenario.name.clone(),
            time_unit: scenario.time_unit.clone(),
            seed: scenario.run.seed,
            replications: result.replications,
            customers_per_replication: scenario.run.customers,
            warmup: scenario.run.warmup,
            wall_seconds,
            events: result.events,
            messages: result.messages,
            theory: status,
            system: scope("system", &result.system, prediction),
            queues: scenario
                .queues
                .iter()
                .zip(&result.queues)
                .zip(&theory.queues)
                .map(|((q, s), p)| scope(&q.name, s, p.as_ref()))
                .collect(),
            classes: scenario
                .classes
                .iter()
                .zip(&result.classes)
                .enumerate()
                // Per-class theory (a lone class gets the system's prediction from `predict`).
                .map(|(k, (c, s))| {
                    scope(&c.name, s, theory.classes.get(k).and_then(Option::as_ref))
                })
                .collect(),
            counts: result.counts.clone(),
            warmup_auto: scenario.run.warmup_mode == Warmup::Auto,
            loads: queue_loads(scenario).iter().map(|l| l.rho).collect(),
            warnings: Vec::new(),
        };
        report.warnings = report.diagnose();
        report.warnings.extend(
            crate::startup::unsettled(scenario, theory)
                .iter()
                .map(|u| u.warning(&scenario.time_unit)),
        );
        if !report.loads.iter().any(|&rho| rho >= 1.0)
            && let Some(short) = crate::early_sojourns::short_warmup(scenario, result)
        {
            report.warnings.push(short.warning(&scenario.time_unit));
        }
        // [fit] trace producers: burstiness, and replications cut short by a stopping trace.
        for p in &scenario.producers {
            report
                .warnings
                .extend(kendall_sim::fit::producer_warnings(p));
        }
        let asked = u64::from(result.replications) * (scenario.run.warmup + scenario.run.customers);
        if result.messages < asked {
            // `customers` (after `warmup`) is then an upper bound. A replication that ended
            // inside its warm-up never opened its measurement window: its figures cover the
            // whole run, warm-up included.
            let warmup = scenario.run.warmup;
            let unfinished_warmup =
                if warmup > 0 && result.messages < u64::from(result.replications) * warmup {
                    format!(
                        "; fewer than the warm-up's {warmup} messages left in at least one \
                     replication, whose figures therefore include its warm-up"
                    )
                } else {
                    String::new()
                };
            report.warnings.push(format!(
                "replications ended early: {} of the {asked} messages asked left the system, \
                 because every producer stopped (a trace with at_end = \"stop\") and the \
                 system drained; the figures are over what was measured{unfinished_warmup}",
                result.messages
            ));
        }
        report
    }
}

/// The model's value of metric `m`.
fn theory_value(prediction: &Prediction, m: Metric) -> Option<f64> {
    let measures = &prediction.measures;
    if let Some((is_t, i)) = m.percentile() {
        let quantiles = if is_t {
            prediction.t_quantiles
        } else {
            prediction.wq_quantiles
        };
        return quantiles.map(|q| q[i]);
    }
    Some(match m {
        Metric::T => measures.t,
        Metric::Wq => measures.wq,
        Metric::L => measures.l,
        Metric::Lq => measures.lq,
        Metric::Utilization => measures.utilization,
        Metric::Throughput => measures.throughput,
        Metric::PWait => return measures.p_wait,
        Metric::PLoss => measures.p_loss,
        _ => return None,
    })
}
