//! `to_model`: what queueing theory predicts for a scenario, via the models crate's oracle.

use kendall_broker::{Discipline, DispatchKind, Overflow};
use kendall_models::{
    DispatchKind as ModelDispatch, Exactness, JacksonNetwork, JacksonStation, MG1Ps, MMcK,
    ModelError, PERCENTILES, Prediction, Shape, StationSpec, VariateSpec, Verdict, predict_station,
};

use crate::scenario::Scenario;
use crate::traffic::queue_loads;

/// Theory for a whole scenario: end to end, and per queue where a model covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// The verdict for the system as a whole.
    pub system: Verdict,
    /// Per-queue predictions, in scenario order (None where no model applies).
    pub queues: Vec<Option<Prediction>>,
}

/// Describes `scenario` to the oracle and returns its verdicts.
pub fn predict(scenario: &Scenario) -> Theory {
    let unbounded_overload = queue_loads(scenario)
        .iter()
        .zip(&scenario.queues)
        .find(|(l, q)| l.rho >= 1.0 && q.capacity.is_none())
        .map(|(l, _)| l.rho);
    if let Some(rho) = unbounded_overload {
        return Theory {
            system: Verdict::Unstable { rho },
            queues: vec![None; scenario.queues.len()],
        };
    }
    if scenario.queues.len() > 1 || !scenario.queues[0].routes.is_empty() {
        return jackson(scenario);
    }
    let mut system = match (&scenario.queues[0].capacity, station(scenario)) {
        (_, Err(reason)) => Verdict::NoModel { reason },
        (None, Ok(spec)) if scenario.queues[0].sharing => processor_sharing(&spec),
        (Some(_), Ok(_)) if scenario.queues[0].sharing => Verdict::NoModel {
            reason: "bounded processor sharing has no model".into(),
        },
        (Some(k), Ok(spec)) => finite_station(&spec, *k, scenario.queues[0].overflow),
        (None, Ok(spec)) => predict_station(&spec),
    };
    if let Verdict::Predicted(p) = &mut system
        && scenario.queues[0].discipline != Discipline::Fifo
    {
        // Mean values do not depend on the order of service when that order ignores service
        // times (Kleinrock's conservation law, *Queueing Systems, Vol. 2*, §3.4), but the
        // percentiles do: keep only the means.
        p.t_quantiles = None;
        p.wq_quantiles = None;
    }
    let queue = match &system {
        Verdict::Predicted(p) => Some(p.clone()),
        _ => None,
    };
    Theory {
        system,
        queues: vec![queue],
    }
}

/// A station holding at most `k` messages: M/M/c/K when arrivals are Poisson, service is
/// exponential, consumers share the queue and a full queue rejects.
fn finite_station(spec: &StationSpec, k: usize, overflow: Overflow) -> Verdict {
    let exponential = |v: &VariateSpec| v.shape == Shape::Exponential;
    if !exponential(&spec.interarrival) || !exponential(&spec.service) {
        return Verdict::NoModel {
            reason: "a bounded queue has a model only for Poisson arrivals and exponential service"
                .into(),
        };
    }
    if spec.dispatch != ModelDispatch::Shared && spec.consumers > 1 {
        return Verdict::NoModel {
            reason: "a bounded queue has a model only when consumers share it".into(),
        };
    }
    if overflow != Overflow::Reject {
        return Verdict::NoModel {
            reason: "drop-oldest changes which messages complete; only `reject` has a model".into(),
        };
    }
    let (lambda, mu) = (1.0 / spec.interarrival.mean, 1.0 / spec.service.mean);
    let k = u32::try_from(k).unwrap_or(u32::MAX);
    match MMcK::new(lambda, mu, spec.consumers, k) {
        Ok(q) => Verdict::Predicted(Prediction {
            model: if spec.consumers == 1 {
                "M/M/1/K".into()
            } else {
                "M/M/c/K".into()
            },
            exactness: Exactness::Exact,
            measures: q.measures(),
            t_quantiles: Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
            wq_quantiles: Some(PERCENTILES.map(|p| q.wait_quantile(p))),
        }),
        Err(e) => Verdict::NoModel {
            reason: e.to_string(),
        },
    }
}

/// The single station a one-queue scenario amounts to, or why it is not one.
fn station(s: &Scenario) -> Result<StationSpec, String> {
    let q = &s.queues[0];
    let service = &q.service[0];
    if q.crash.is_some() || q.delivery.has_deadlines() {
        return Err("crashing consumers, timeouts and expiry have no model".into());
    }
    if q.fail > 0.0 && q.delivery.max_attempts.is_some() {
        return Err("failures with an attempt limit have no model".into());
    }
    if q.speeds.iter().any(|&v| v != 1.0) {
        return Err("consumers of different speeds have no model".into());
    }
    if q.service.iter().any(|d| d != service) {
        return Err("per-class service times need the priority models (not yet wired)".into());
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
    if q.discipline != Discipline::Fifo && q.consumers > 1 {
        return Err(format!(
            "{:?} order over several consumers has no model yet",
            q.discipline
        ));
    }
    let dispatch = match q.dispatch {
        DispatchKind::Shared => ModelDispatch::Shared,
        DispatchKind::Random => ModelDispatch::Random,
        DispatchKind::RoundRobin => ModelDispatch::RoundRobin,
        _ if q.consumers == 1 => ModelDispatch::Shared,
        ref other => return Err(format!("{other:?} dispatch has no model wired yet")),
    };
    Ok(StationSpec {
        interarrival,
        service: with_retries(service.to_variate_spec(), q.fail),
        consumers: q.consumers,
        dispatch,
    })
}

/// The service a message really gets when each attempt fails with probability `fail` and is
/// retried (same message, same size) until it succeeds: S·N with N ~ Geometric(1 − fail) on
/// {1, 2, …} independent of S, so E[S·N] = E[S]/p and E[(S·N)²] = E[S²](2 − p)/p².
fn with_retries(service: VariateSpec, fail: f64) -> VariateSpec {
    if fail == 0.0 {
        return service;
    }
    let p = 1.0 - fail;
    let mean = service.mean / p;
    let second = service.mean * service.mean * (1.0 + service.scv) * (2.0 - p) / (p * p);
    VariateSpec {
        mean,
        scv: second / (mean * mean) - 1.0,
        shape: Shape::General,
    }
}

/// Processor sharing: one consumer is M/G/1-PS (exact mean, insensitive to the service
/// distribution); a random split over several is that many independent M/G/1-PS queues.
fn processor_sharing(spec: &StationSpec) -> Verdict {
    if spec.interarrival.shape != Shape::Exponential {
        return Verdict::NoModel {
            reason: "processor sharing has a model only for Poisson arrivals".into(),
        };
    }
    let c = spec.consumers;
    if c > 1 && spec.dispatch != ModelDispatch::Random {
        return Verdict::NoModel {
            reason:
                "processor sharing over several consumers has a model only with random dispatch"
                    .into(),
        };
    }
    let lambda = 1.0 / spec.interarrival.mean / f64::from(c);
    match MG1Ps::new(lambda, spec.service.mean) {
        Ok(q) => {
            let mut measures = q.measures();
            measures.l *= f64::from(c);
            measures.lq *= f64::from(c);
            measures.throughput *= f64::from(c);
            Verdict::Predicted(Prediction {
                model: if c == 1 {
                    "M/G/1-PS".into()
                } else {
                    format!("{c} x M/G/1-PS (random split)")
                },
                exactness: Exactness::Exact,
                measures,
                t_quantiles: None,
                wq_quantiles: None,
            })
        }
        Err(ModelError::Unstable { rho }) => Verdict::Unstable { rho },
        Err(e) => Verdict::NoModel {
            reason: e.to_string(),
        },
    }
}

/// An open Jackson network: Poisson producers, exponential service, shared queues, one
/// service distribution per queue. Anything else has no model.
fn jackson(s: &Scenario) -> Theory {
    let none = |reason: &str| Theory {
        system: Verdict::NoModel {
            reason: reason.to_string(),
        },
        queues: vec![None; s.queues.len()],
    };
    let exponential = |v: VariateSpec| v.shape == Shape::Exponential;
    if s.queues.iter().any(|q| q.capacity.is_some()) {
        return none("a network with bounded queues has no exact model");
    }
    if !s
        .producers
        .iter()
        .all(|p| exponential(p.interarrival.to_variate_spec()))
    {
        return none("a network with non-Poisson arrivals has no exact model");
    }
    let mut stations = Vec::new();
    for q in &s.queues {
        let service = &q.service[0];
        if q.service.iter().any(|d| d != service) || !exponential(service.to_variate_spec()) {
            return none("a Jackson network needs one exponential service time per queue");
        }
        if q.dispatch != DispatchKind::Shared && q.consumers > 1 {
            return none("a Jackson network needs shared queues (M/M/c stations)");
        }
        stations.push(JacksonStation {
            external_rate: 0.0,
            mu: 1.0 / service.mean(),
            servers: q.consumers,
        });
    }
    for p in &s.producers {
        stations[p.queue].external_rate += 1.0 / p.interarrival.mean();
    }
    let mut routing = vec![vec![0.0; s.queues.len()]; s.queues.len()];
    for (j, q) in s.queues.iter().enumerate() {
        for &(to, p) in &q.routes {
            routing[j][to] += p;
        }
    }
    match JacksonNetwork::new(&stations, &routing) {
        Ok(net) => {
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
                exactness: Exactness::Exact,
                measures,
                t_quantiles: None,
                wq_quantiles: None,
            };
            Theory {
                system: Verdict::Predicted(exact("Jackson network", total)),
                queues: net
                    .station_measures()
                    .iter()
                    .map(|m| Some(exact("Jackson (M/M/c station)", *m)))
                    .collect(),
            }
        }
        Err(ModelError::Unstable { rho }) => Theory {
            system: Verdict::Unstable { rho },
            queues: vec![None; s.queues.len()],
        },
        Err(e) => none(&e.to_string()),
    }
}
