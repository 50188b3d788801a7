//! `kendall predict`: what theory says, for the system and for each queue and class.

use std::fmt::Write;

use kendall_models::{Prediction, Verdict};
use kendall_sim::Scenario;
use kendall_sim::stats::Metric;
use kendall_sim::theory::Theory;
use serde::Serialize;

use crate::json::ByName;

/// Theory alone for a scenario, ready to print.
#[derive(Debug, Clone)]
pub struct PredictReport {
    scenario: String,
    system: Verdict,
    queues: Vec<(String, Option<Prediction>)>,
    classes: Vec<(String, Option<Prediction>)>,
}

impl PredictReport {
    /// Pairs each queue and class of `scenario` with its prediction in `theory`.
    pub fn new(scenario: &Scenario, theory: &Theory) -> Self {
        let named = |names: Vec<&String>, preds: &[Option<Prediction>]| {
            names
                .into_iter()
                .cloned()
                .zip(preds.iter().cloned().chain(std::iter::repeat(None)))
                .collect()
        };
        PredictReport {
            scenario: scenario.name.clone(),
            system: theory.system.clone(),
            queues: named(
                scenario.queues.iter().map(|q| &q.name).collect(),
                &theory.queues,
            ),
            classes: named(
                scenario.classes.iter().map(|c| &c.name).collect(),
                &theory.classes,
            ),
        }
    }

    /// The JSON document: `status` ("predicted", "unstable", "none"), the system's `model`,
    /// `theory_kind`, `reason` (why exact, or what an approximation ignores) and `metrics`
    /// (or `rho` / the `reason` there is none), then `queues` and `classes`.
    pub fn to_json(&self) -> PredictDocument<'_> {
        let system = match &self.system {
            Verdict::Predicted(p) => SystemVerdict::Predicted(ScopePrediction::of(p)),
            Verdict::Unstable { rho } => SystemVerdict::Unstable { rho: *rho },
            Verdict::NoModel { reason } => SystemVerdict::NoModel { reason },
        };
        PredictDocument {
            scenario: &self.scenario,
            system,
            queues: scopes(&self.queues),
            classes: scopes(&self.classes),
        }
    }

    /// A plain-text summary: the system's measures, then each queue's and class's model.
    pub fn to_table(&self) -> String {
        let mut t = String::new();
        match &self.system {
            Verdict::Predicted(p) => {
                let _ = writeln!(t, "{}: {} ({})", self.scenario, p.model, p.kind());
                let _ = writeln!(t, "  why: {}", p.reason);
                if let Some(n) = p.numerical {
                    let _ = writeln!(
                        t,
                        "  chain: {} states, solved in {:.3} s",
                        n.states, n.seconds
                    );
                }
                for (name, v) in measures(p) {
                    if let Some(v) = v {
                        let _ = writeln!(t, "  {name:<12} {v:.10}");
                    }
                }
            }
            Verdict::Unstable { rho } => {
                let _ = writeln!(
                    t,
                    "{}: UNSTABLE: rho = {rho:.4} >= 1, no steady state exists",
                    self.scenario
                );
            }
            Verdict::NoModel { reason } => {
                let _ = writeln!(t, "{}: no model applies: {reason}", self.scenario);
            }
        }
        for (what, list) in [("queue", &self.queues), ("class", &self.classes)] {
            if list.len() < 2 {
                continue;
            }
            for (name, p) in list {
                let _ = match p {
                    Some(p) => writeln!(
                        t,
                        "  {what} {name}: {} ({}): T = {:.6}, Wq = {:.6}, L = {:.6}",
                        p.model,
                        p.kind(),
                        p.measures.t,
                        p.measures.wq,
                        p.measures.l
                    ),
                    None => writeln!(t, "  {what} {name}: no model"),
                };
            }
        }
        t
    }
}

/// Every measure a prediction gives, by the names `run` uses (None where it gives none).
fn measures(p: &Prediction) -> Vec<(&'static str, Option<f64>)> {
    let m = &p.measures;
    let mut out: Vec<(&'static str, Option<f64>)> = vec![
        ("T", Some(m.t)),
        ("Wq", Some(m.wq)),
        ("L", Some(m.l)),
        ("Lq", Some(m.lq)),
        ("utilization", Some(m.utilization)),
        ("throughput", Some(m.throughput)),
        ("p_wait", m.p_wait),
        ("p_loss", Some(m.p_loss)),
    ];
    for metric in Metric::ALL {
        if let Some((is_t, i)) = metric.percentile() {
            let quantiles = if is_t { p.t_quantiles } else { p.wq_quantiles };
            out.push((metric.name(), quantiles.map(|q| q[i])));
        }
    }
    out
}

/// `kendall predict --json`: the system's verdict, then each queue's and class's prediction.
#[derive(Serialize)]
pub struct PredictDocument<'a> {
    scenario: &'a str,
    #[serde(flatten)]
    system: SystemVerdict<'a>,
    queues: ByName<&'a str, Option<ScopePrediction<'a>>>,
    classes: ByName<&'a str, Option<ScopePrediction<'a>>>,
}

/// Named scopes and their predictions (null where none applies).
fn scopes(list: &[(String, Option<Prediction>)]) -> ByName<&str, Option<ScopePrediction<'_>>> {
    let named = list.iter();
    ByName(
        named
            .map(|(name, p)| (name.as_str(), p.as_ref().map(ScopePrediction::of)))
            .collect(),
    )
}

/// What theory says of the whole system.
#[derive(Serialize)]
#[serde(tag = "status")]
enum SystemVerdict<'a> {
    #[serde(rename = "predicted")]
    Predicted(ScopePrediction<'a>),
    #[serde(rename = "unstable")]
    Unstable { rho: f64 },
    #[serde(rename = "none")]
    NoModel { reason: &'a str },
}

/// One scope's prediction: the model, how exact, why, and every measure.
#[derive(Serialize)]
struct ScopePrediction<'a> {
    model: &'a str,
    theory_kind: &'static str,
    reason: &'a str,
    /// The Markov chain behind a numerical figure: its states and solve time in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    chain: Option<ChainSize>,
    metrics: ByName<&'static str, Option<f64>>,
}

/// A Markov chain's size and solve time.
#[derive(Serialize)]
struct ChainSize {
    states: usize,
    seconds: f64,
}

impl<'a> ScopePrediction<'a> {
    fn of(p: &'a Prediction) -> Self {
        ScopePrediction {
            model: &p.model,
            theory_kind: p.kind(),
            reason: &p.reason,
            chain: p.numerical.map(|n| ChainSize {
                states: n.states,
                seconds: n.seconds,
            }),
            metrics: ByName(measures(p)),
        }
    }
}
