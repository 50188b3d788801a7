//! The `kendall run --json` document of the README's contract, as serde types: field order is
//! the contract's key order, a NaN serializes as null.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use kendall_sim::replication::{ClientCounts, QueueCounts, ScaleDecision, ScaleLog};

use crate::windows::WindowJson;
use crate::{MetricRow, RunReport, ScopeReport, TheoryStatus};

/// `kendall run --json`: the run, its theory status and every scope's metrics.
#[derive(Serialize)]
pub struct RunDocument<'a> {
    scenario: &'a str,
    time_unit: &'a str,
    seed: u64,
    replications: u32,
    /// Only with batch means (`replications = 1`): the batches behind every interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    batches: Option<u32>,
    customers_per_replication: u64,
    warmup: u64,
    warmup_mode: &'static str,
    wall_seconds: f64,
    events: u64,
    messages: u64,
    theory: &'a TheoryStatus,
    warnings: &'a [String],
    /// Only where some scope's number in system was seen to grow ([`crate::growth`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    unstable_observed: Option<&'a [crate::growth::GrowthJson]>,
    metrics: Metrics<'a>,
    classes: ByName<&'a str, ClassDocument<'a>>,
    queues: ByName<&'a str, QueueDocument<'a>>,
    /// Only for a run to a horizon.
    #[serde(skip_serializing_if = "Option::is_none")]
    horizon: Option<f64>,
    /// Only for a run to a horizon with windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<Vec<WindowJson<'a>>>,
    /// Only where a producer has a `timeout`: the senders' counts, mean per replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    clients: Option<&'a ClientCounts>,
    /// All queues' consumer time on duty (absent for a live run).
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_time: Option<MeanCi>,
    /// Only where a queue has `cost_per_consumer_hour`: the priced queues' cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<MeanCi>,
    /// Only where a producer has a `timeout`: the fluid model of its retries.
    #[serde(skip_serializing_if = "Option::is_none")]
    fluid: Option<&'a crate::storm::FluidLine>,
}

/// One class: its metrics.
#[derive(Serialize)]
struct ClassDocument<'a> {
    metrics: Metrics<'a>,
}

/// One queue: its metrics, what became of its messages and, with `autoscale`, its scaling
/// decisions.
#[derive(Serialize)]
struct QueueDocument<'a> {
    metrics: Metrics<'a>,
    counts: CountsDocument<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    autoscale: Option<AutoscaleDocument>,
    /// This queue's consumer time on duty (absent for a live run).
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_time: Option<MeanCi>,
    /// Only for a queue with `cost_per_consumer_hour`.
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<MeanCi>,
}

/// An autoscaled queue's decisions in one replication (the first, replication 0).
#[derive(Serialize)]
struct AutoscaleDocument {
    replication: u32,
    evaluations: u64,
    decisions: Vec<DecisionDocument>,
    /// Decisions past the log's bound, counted only.
    decisions_left_out: u64,
}

/// One scaling decision: when, what the metric read, the fleet before, this evaluation's
/// recommendation, the fleet decided and the consumers on duty just after.
#[derive(Serialize)]
struct DecisionDocument {
    time: f64,
    metric: f64,
    current: u32,
    recommendation: u32,
    desired: u32,
    on_duty: u32,
}

impl AutoscaleDocument {
    fn of(log: &ScaleLog) -> AutoscaleDocument {
        let decision = |d: &ScaleDecision| DecisionDocument {
            time: d.time,
            metric: d.metric,
            current: d.current,
            recommendation: d.recommendation,
            desired: d.desired,
            on_duty: d.on_duty,
        };
        AutoscaleDocument {
            replication: 0,
            evaluations: log.evaluations,
            decisions: log.decisions.iter().map(decision).collect(),
            decisions_left_out: log.left_out,
        }
    }
}

/// A queue's fates, with `abandoned` only where some queue has a patience.
#[derive(Serialize)]
struct CountsDocument<'a> {
    #[serde(flatten)]
    counts: &'a QueueCounts,
    #[serde(skip_serializing_if = "Option::is_none")]
    abandoned: Option<f64>,
}

/// Named values as a JSON object keyed by name, in their order.
pub struct ByName<K, T>(pub Vec<(K, T)>);

impl<K: Serialize, T: Serialize> Serialize for ByName<K, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A scope's metric rows as an object keyed by metric name.
pub struct Metrics<'a>(pub &'a ScopeReport);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rows = &self.0.rows;
        let mut map = serializer.serialize_map(Some(rows.len()))?;
        for row in rows {
            map.serialize_entry(row.metric.name(), &MetricDocument::of(row))?;
        }
        map.end()
    }
}

/// One metric: the simulated mean and CI beside theory.
#[derive(Serialize)]
struct MetricDocument<'a> {
    #[serde(flatten)]
    simulated: MeanCi,
    #[serde(flatten)]
    theory: TheoryColumns<'a>,
}

impl<'a> MetricDocument<'a> {
    fn of(row: &'a MetricRow) -> Self {
        MetricDocument {
            simulated: MeanCi::of(&row.summary),
            theory: TheoryColumns::of(row),
        }
    }
}

/// What theory says of one metric row, and whether the simulation agrees.
#[derive(Serialize)]
pub struct TheoryColumns<'a> {
    theory: Option<f64>,
    theory_kind: Option<&'static str>,
    model: Option<&'a str>,
    theory_in_ci: Option<bool>,
    expected_waits: Option<f64>,
}

impl<'a> TheoryColumns<'a> {
    /// The theory columns of `row`.
    pub fn of(row: &'a MetricRow) -> Self {
        TheoryColumns {
            theory: row.theory,
            theory_kind: row.theory_kind,
            model: row.model.as_deref(),
            theory_in_ci: row.theory_in_ci(),
            expected_waits: row.none_seen.map(|z| z.expected_waits()),
        }
    }
}

impl RunReport {
    /// The JSON document: keys in the contract's order, NaN as null.
    pub fn to_json(&self) -> RunDocument<'_> {
        let classes = self
            .classes
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    ClassDocument {
                        metrics: Metrics(s),
                    },
                )
            })
            .collect();
        let queues = self
            .queues
            .iter()
            .zip(&self.counts)
            .enumerate()
            .map(|(j, (s, counts))| {
                let doc = QueueDocument {
                    metrics: Metrics(s),
                    counts: CountsDocument {
                        counts,
                        abandoned: self.abandonment.then_some(counts.abandoned),
                    },
                    autoscale: (self.autoscale.get(j))
                        .and_then(Option::as_ref)
                        .map(AutoscaleDocument::of),
                    consumer_time: (self.cost.as_ref())
                        .and_then(|c| c.consumer_time.get(j))
                        .map(MeanCi::of),
                    cost: (self.cost.as_ref())
                        .and_then(|c| c.cost.get(j).copied().flatten())
                        .map(|s| MeanCi::of(&s)),
                };
                (s.name.as_str(), doc)
            })
            .collect();
        RunDocument {
            scenario: &self.scenario,
            time_unit: &self.time_unit,
            seed: self.seed,
            replications: self.replications,
            batches: (self.batches > 0).then_some(self.batches),
            customers_per_replication: self.customers_per_replication,
            warmup: self.warmup,
            warmup_mode: if self.warmup_auto { "auto" } else { "count" },
            wall_seconds: self.wall_seconds,
            events: self.events,
            messages: self.messages,
            theory: &self.theory,
            warnings: &self.warnings,
            unstable_observed: (!self.unstable_observed.is_empty())
                .then_some(self.unstable_observed.as_slice()),
            metrics: Metrics(&self.system),
            classes: ByName(classes),
            queues: ByName(queues),
            horizon: self.horizon,
            windows: self.horizon.and(self.windows.as_ref()).map(|w| w.to_json()),
            clients: self.clients.as_ref(),
            consumer_time: (self.cost.as_ref()).map(|c| MeanCi::of(&c.consumer_time_total)),
            cost: (self.cost.as_ref())
                .and_then(|c| c.cost_total)
                .map(|s| MeanCi::of(&s)),
            fluid: self.fluid.as_ref(),
        }
    }
}

/// A simulated mean and its 95% interval.
#[derive(Serialize)]
pub struct MeanCi {
    mean: f64,
    ci95: [f64; 2],
    /// Only when true: `ci95` was clipped to the metric's range.
    #[serde(skip_serializing_if = "crate::interval::is_false")]
    clipped: bool,
}

impl MeanCi {
    /// The mean and interval of `s`.
    pub fn of(s: &kendall_sim::Summary) -> Self {
        let (lo, hi) = s.ci();
        MeanCi {
            mean: s.mean,
            ci95: [lo, hi],
            clipped: s.clipped(),
        }
    }
}
