//! What queueing theory predicts for a scenario: the models crate's oracle, with every figure
//! judged by the one table of what each model assumes
//! ([`kendall_models::assumptions::ASSUMPTIONS`]).
//!
//! The scenario is described by the features it uses ([`features`]), each tied to the key
//! that turned it on; the structure of a station or network picks the model that fits
//! ([`station`], [`network`]); then [`gate`] weighs every prediction — the system's, each
//! queue's and each class's — against the features used: exact only when every one is among
//! the model's assumptions or its stated extensions, an approximation that says what it
//! ignores, or none, naming the keys no model admits.

pub mod closed;
pub mod features;
pub mod markov;
pub mod network;
pub mod retry_storm;
pub mod station;
pub mod windows;

use kendall_models::{Feature, Prediction, Verdict, judged};

use crate::scenario::Scenario;
use crate::stats::Metric;
use crate::traffic::{class_rates, queue_loads};
use features::Used;
use station::Feed;

/// Theory for a whole scenario: end to end, per queue and per class where a model covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// The verdict for the system as a whole.
    pub system: Verdict,
    /// Per-queue predictions, in scenario order (None where no model applies).
    pub queues: Vec<Option<Prediction>>,
    /// Per-class predictions, in scenario order (None where no model applies or the class
    /// has no traffic). A lone class is the whole traffic and gets the system's prediction.
    pub classes: Vec<Option<Prediction>>,
    /// Theory window by window for a run to a horizon in windows (None without windows).
    pub windows: Option<windows::WindowsTheory>,
}

impl Theory {
    /// The verdict of an overloaded scenario: no steady state, nothing per scope.
    fn unstable(s: &Scenario, rho: f64) -> Theory {
        Theory {
            system: Verdict::Unstable { rho },
            queues: vec![None; s.queues.len()],
            classes: vec![None; s.classes.len()],
            windows: None,
        }
    }

    /// The system's prediction for a scenario's only class; None for each of several.
    fn lone_class(s: &Scenario, system: &Verdict) -> Vec<Option<Prediction>> {
        match system {
            Verdict::Predicted(p) if s.classes.len() == 1 => vec![Some(p.clone())],
            _ => vec![None; s.classes.len()],
        }
    }
}

/// Describes `scenario` to the oracle and returns its verdicts, with the per-window theory
/// of a run to a horizon in windows ([`windows::WindowsTheory::of`]).
pub fn predict(scenario: &Scenario) -> Theory {
    let mut theory = predict_steady(scenario);
    theory.windows = windows::WindowsTheory::of(scenario);
    theory
}

/// The verdicts for the run as a whole.
fn predict_steady(scenario: &Scenario) -> Theory {
    if let Some(theory) = closed::predict(scenario) {
        return theory;
    }
    // A queue that can shed what it cannot serve — bounded, or whose messages expire or
    // abandon — has a steady state at any load.
    let unbounded_overload = queue_loads(scenario)
        .iter()
        .find(|l| !l.stable())
        .map(|l| l.rho);
    if let Some(rho) = unbounded_overload {
        return Theory::unstable(scenario, rho);
    }
    if scenario.queues.len() > 1 || !scenario.queues[0].routes.is_empty() {
        return network::predict(scenario, &class_rates(scenario));
    }
    let station = station::predict(scenario, 0, Feed::Producers(&scenario.producers));
    Theory {
        queues: vec![predicted(&station.system)],
        system: station.system,
        classes: station.classes,
        windows: None,
    }
}

/// Judges `verdict` by the assumption table against the features `used`: a prediction stays
/// exact only if its model admits every one. A verdict of overload stands unless the scope
/// sheds messages (a time to live), which no model then covers.
pub fn gate(verdict: Verdict, used: &Used) -> Verdict {
    match verdict {
        Verdict::Predicted(p) => judged(p, used.features, |f| used.key(f)),
        Verdict::Unstable { .. } if used.features.contains(Feature::Ttl) => Verdict::NoModel {
            reason: format!(
                "no model admits {} ({}): expiring messages keep the queue bounded",
                used.key(Feature::Ttl),
                Feature::Ttl
            ),
        },
        other => other,
    }
}

/// [`gate`] for each of several predictions (None where the table admits no model).
pub fn gate_each(predictions: Vec<Option<Prediction>>, used: &Used) -> Vec<Option<Prediction>> {
    predictions
        .into_iter()
        .map(|p| p.and_then(|p| predicted(&gate(Verdict::Predicted(p), used))))
        .collect()
}

/// A prediction's value of metric `m` (None where the model gives none, as for the
/// percentiles of a model without quantiles).
pub fn value(prediction: &Prediction, m: Metric) -> Option<f64> {
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
        Metric::PAbandon => return prediction.p_abandon,
        _ => return None,
    })
}

/// The prediction in `v`, if there is one.
pub fn predicted(v: &Verdict) -> Option<Prediction> {
    match v {
        Verdict::Predicted(p) => Some(p.clone()),
        _ => None,
    }
}
