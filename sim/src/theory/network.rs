//! Theory for networks of queues: an open Jackson network where every station is M/M/c, a
//! labelled decomposition into stations otherwise.

use kendall_broker::{Discipline, DispatchKind};
use kendall_models::{
    Exactness, Feature, Features, JacksonNetwork, JacksonStation, Measures, Model, ModelError,
    Prediction, Shape, Verdict,
};

use super::features::{self, Used, common_speed};
use super::station::{self, Feed};
use super::{Theory, gate, predicted};
use crate::scenario::Scenario;

/// Theory for a scenario of several queues or with routes: Jackson when it applies (judged
/// by the assumption table), else the decomposition, else none.
pub fn predict(s: &Scenario, class_rates: &[Vec<f64>]) -> Theory {
    let used = features::network(s, class_rates);
    if let Some(theory) = jackson(s, &used) {
        return theory;
    }
    decomposition(s, class_rates, &used)
}

/// Messages per time unit entering the network from outside.
fn external_rate(s: &Scenario) -> f64 {
    s.arrival_rate()
}

/// The open Jackson network, when every station is M/M/c in structure (one exponential
/// service time for all its classes; shared queue or one consumer) and the assumption table
/// admits every feature used; None otherwise.
fn jackson(s: &Scenario, used: &Used) -> Option<Theory> {
    let mut stations = Vec::new();
    for q in &s.queues {
        let service = &q.service[0];
        if q.service.iter().any(|d| d != service)
            || service.to_variate_spec().shape != Shape::Exponential
            || (q.dispatch != DispatchKind::Shared && q.consumers > 1)
        {
            return None;
        }
        stations.push(JacksonStation {
            external_rate: 0.0,
            mu: common_speed(q) / service.mean(),
            servers: q.consumers,
        });
    }
    for p in &s.producers {
        stations[p.queue].external_rate += p.message_rate();
    }
    let mut routing = vec![vec![0.0; s.queues.len()]; s.queues.len()];
    for (j, q) in s.queues.iter().enumerate() {
        for &(to, p) in &q.routes {
            routing[j][to] += p;
        }
    }
    let net = match JacksonNetwork::new(&stations, &routing) {
        Ok(net) => net,
        Err(ModelError::Unstable { rho }) => {
            return Some(Theory::unstable(s, rho));
        }
        Err(_) => return None,
    };
    let mut total = net.measures();
    // kendall's system utilisation is busy consumers over all consumers.
    let busy: f64 = net
        .station_measures()
        .iter()
        .zip(&s.queues)
        .map(|(m, q)| m.utilization * f64::from(q.consumers))
        .sum();
    total.utilization = busy / s.queues.iter().map(|q| f64::from(q.consumers)).sum::<f64>();
    let exact = |model: &str, measures| Prediction {
        model: model.to_string(),
        family: Model::Jackson,
        exactness: Exactness::Exact,
        reason: String::new(),
        measures,
        t_quantiles: None,
        wq_quantiles: None,
        p_abandon: None,
        numerical: None,
    };
    let system = gate(Verdict::Predicted(exact("Jackson network", total)), used);
    if !matches!(system, Verdict::Predicted(_)) {
        return None;
    }
    let queues = net
        .station_measures()
        .iter()
        .zip(&s.queues)
        .map(|(m, q)| {
            let mut m = *m;
            if q.discipline != Discipline::Fifo {
                // Whether a message waits at all depends, under LIFO or priorities, on who
                // takes a consumer freed at the instant a message comes back to its queue;
                // the count of messages, and so the means, does not.
                m.p_wait = None;
            }
            predicted(&gate(
                Verdict::Predicted(exact("Jackson (M/M/c station)", m)),
                used,
            ))
        })
        .collect();
    Some(Theory {
        classes: Theory::lone_class(s, &system),
        system,
        queues,
        windows: None,
    })
}

/// Each queue as a station of its own with Poisson arrivals at its traffic-equation rates
/// (per class), end to end by Little's law: T = Σ L_j / γ. An approximation wherever a
/// station's input is not the external Poisson streams alone — the flows between queues are
/// not Poisson in general — and none where a station has no model or loses messages.
fn decomposition(s: &Scenario, class_rates: &[Vec<f64>], used: &Used) -> Theory {
    let none = |reason: String| Theory {
        system: Verdict::NoModel { reason },
        queues: vec![None; s.queues.len()],
        classes: vec![None; s.classes.len()],
        windows: None,
    };
    // The decomposition takes every external stream as Poisson: any other arrival process
    // (renewal, a trace, an MMPP, a time-varying rate, batches) has no decomposition.
    if let Some(f) = [
        Feature::RenewalArrivals,
        Feature::GeneralArrivals,
        Feature::TraceArrivals,
        Feature::MmppArrivals,
        Feature::TimeVaryingRate,
        Feature::BatchArrivals,
    ]
    .into_iter()
    .find(|f| used.features.contains(*f))
    {
        return none(format!(
            "the network has no model: no decomposition admits {} ({f})",
            used.key(f)
        ));
    }
    let fed_by_routes = crate::traffic::fed_by_routes(s);
    let mut queues = Vec::new();
    let mut models = Vec::new();
    for (j, q) in s.queues.iter().enumerate() {
        let at = station::predict(s, j, Feed::Poisson(&class_rates[j]));
        let lossy = [
            Feature::Capacity,
            Feature::Ttl,
            Feature::MaxAttempts,
            Feature::DropOldest,
        ]
        .into_iter()
        .find(|f| at.used.features.contains(*f));
        let mut p = match (at.system, lossy) {
            (_, Some(f)) => {
                return none(format!(
                    "the network has no model: decomposition needs every queue to keep its \
                     messages, and {} ({f}) loses some",
                    at.used.key(f)
                ));
            }
            (Verdict::Predicted(p), None) => p,
            (Verdict::Unstable { rho }, None) => return Theory::unstable(s, rho),
            (Verdict::NoModel { reason }, None) => {
                return none(format!(
                    "the network has no model: queue {} has none ({reason})",
                    q.name
                ));
            }
        };
        models.push(format!("{}: {}", q.name, p.model));
        if fed_by_routes[j] {
            p.exactness = Exactness::Approximation;
            p.reason = format!(
                "its arrivals come partly from other queues and are treated as Poisson; {}",
                p.reason
            );
        }
        queues.push(p);
    }
    let gamma = external_rate(s);
    let sum = |f: fn(&Measures) -> f64| queues.iter().map(|p| f(&p.measures)).sum::<f64>();
    let (l, lq) = (sum(|m| m.l), sum(|m| m.lq));
    let busy: f64 = queues
        .iter()
        .zip(&s.queues)
        .map(|(p, q)| p.measures.utilization * f64::from(q.consumers))
        .sum();
    let consumers: f64 = s.queues.iter().map(|q| f64::from(q.consumers)).sum();
    let measures = Measures {
        t: l / gamma,
        wq: lq / gamma,
        l,
        lq,
        utilization: busy / consumers,
        throughput: gamma,
        p_wait: None,
        p_loss: 0.0,
    };
    let network = Prediction {
        model: format!("decomposition ({})", models.join(", ")),
        family: Model::Decomposition,
        exactness: Exactness::Approximation,
        reason: String::new(),
        measures,
        t_quantiles: None,
        wq_quantiles: None,
        p_abandon: None,
        numerical: None,
    };
    // The stations were judged one by one; the network row judges the network itself.
    let only_network = Used::default()
        .union(used)
        .without_all_but(Features::of(&[Feature::Network]));
    let mut system = gate(Verdict::Predicted(network), &only_network);
    if let Verdict::Predicted(p) = &mut system {
        p.reason = format!(
            "each queue is modelled as if its arrivals were Poisson at the rates the routes \
             give it, which ignores the variability of the flows between queues; {}",
            queues
                .iter()
                .zip(&s.queues)
                .map(|(p, q)| format!("{}: {} ({})", q.name, p.model, p.exactness.label()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Theory {
        classes: Theory::lone_class(s, &system),
        system,
        queues: queues.into_iter().map(Some).collect(),
        windows: None,
    }
}
