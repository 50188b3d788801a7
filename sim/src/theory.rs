//! `to_model`: what queueing theory predicts for a scenario, via the models crate's oracle.

use kendall_broker::DispatchKind;
use kendall_models::{
    DispatchKind as ModelDispatch, Shape, StationSpec, VariateSpec, Verdict, predict_station,
};

use crate::scenario::Scenario;

/// Theory for a whole scenario: the end-to-end verdict (and, for now, nothing per queue
/// beyond it: a single-queue scenario's queue is the system).
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// The verdict for the system as a whole.
    pub system: Verdict,
}

/// Describes `scenario` to the oracle and returns its verdict.
pub fn predict(scenario: &Scenario) -> Theory {
    Theory {
        system: station(scenario).map_or_else(
            |reason| Verdict::NoModel { reason },
            |s| predict_station(&s),
        ),
    }
}

/// The single station a scenario amounts to, or why it is not one.
fn station(s: &Scenario) -> Result<StationSpec, String> {
    if s.queues.len() != 1 {
        return Err("networks of several queues have no model yet".into());
    }
    let q = &s.queues[0];
    if !q.routes.is_empty() {
        return Err("a queue that routes messages back has no model yet".into());
    }
    let service = &q.service[0];
    if q.service.iter().any(|d| d != service) {
        return Err("per-class service times need the priority models (not yet)".into());
    }
    let interarrival = if let [p] = s.producers.as_slice() {
        p.interarrival.to_variate_spec()
    } else if s
        .producers
        .iter()
        .all(|p| p.interarrival.to_variate_spec().shape == Shape::Exponential)
    {
        // Superposed Poisson streams are one Poisson stream with the summed rate.
        let rate: f64 = s
            .producers
            .iter()
            .map(|p| 1.0 / p.interarrival.mean())
            .sum();
        VariateSpec {
            mean: 1.0 / rate,
            scv: 1.0,
            shape: Shape::Exponential,
        }
    } else {
        return Err("several non-Poisson producers have no model".into());
    };
    let dispatch = match q.dispatch {
        DispatchKind::Shared => ModelDispatch::Shared,
        DispatchKind::Random => ModelDispatch::Random,
        DispatchKind::RoundRobin => ModelDispatch::RoundRobin,
    };
    Ok(StationSpec {
        interarrival,
        service: service.to_variate_spec(),
        consumers: q.consumers,
        dispatch,
    })
}
