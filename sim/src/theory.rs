//! `to_model`: what queueing theory predicts for a scenario, via the models crate's oracle.

use kendall_broker::{Discipline, DispatchKind, Overflow};
use kendall_models::{
    ClassStream, DispatchKind as ModelDispatch, Exactness, JacksonNetwork, JacksonStation, MG1Ps,
    MMcK, ModelError, MultiClassSpec, Order, PERCENTILES, Prediction, Shape, StationSpec,
    VariateSpec, Verdict, predict_classes, predict_station,
};

use crate::scenario::{Queue, Scenario};
use crate::traffic::queue_loads;

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
            classes: vec![None; scenario.classes.len()],
        };
    }
    if scenario.queues.len() > 1 || !scenario.queues[0].routes.is_empty() {
        let mut theory = jackson(scenario);
        theory.classes = lone_class(scenario, &theory.system);
        return theory;
    }
    single_queue(scenario)
}

/// The system's prediction for a scenario's only class; None for each of several classes.
fn lone_class(s: &Scenario, system: &Verdict) -> Vec<Option<Prediction>> {
    match system {
        Verdict::Predicted(p) if s.classes.len() == 1 => vec![Some(p.clone())],
        _ => vec![None; s.classes.len()],
    }
}

/// The service order of a discipline, as the multi-class models know it.
///
/// When the broker gains `Discipline::PriorityPreemptive`, map it to
/// [`Order::PriorityPreemptive`] here: `predict_classes` already evaluates it with
/// [`kendall_models::preemptive_priority_prediction`].
fn order(d: Discipline) -> Order {
    match d {
        Discipline::Fifo => Order::Fifo,
        Discipline::Lifo => Order::Lifo,
        Discipline::Priority => Order::Priority,
        Discipline::PriorityPreemptive => Order::PriorityPreemptive,
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

/// The models' name for a queue's dispatch, or why there is no model for it.
fn dispatch(q: &Queue) -> Result<ModelDispatch, String> {
    Ok(match &q.dispatch {
        _ if q.consumers == 1 => ModelDispatch::Shared,
        DispatchKind::Shared => ModelDispatch::Shared,
        DispatchKind::Random => ModelDispatch::Random,
        DispatchKind::RoundRobin => ModelDispatch::RoundRobin,
        DispatchKind::Jsq => ModelDispatch::Jsq,
        DispatchKind::PowerOfD { d } => ModelDispatch::PowerOfD {
            d: u32::try_from(*d).unwrap_or(u32::MAX),
        },
        DispatchKind::LeastWork => ModelDispatch::LeastWork,
        DispatchKind::Jiq => ModelDispatch::Jiq,
        DispatchKind::KeyHash => {
            return Err("key-hash dispatch has no model (the split depends on the keys)".into());
        }
        DispatchKind::WeightedRoundRobin { .. } => {
            return Err("weighted round-robin dispatch has no model in kendall".into());
        }
    })
}

/// One queue, no routing: Poisson producers of any classes go to the multi-class oracle;
/// a single non-Poisson producer to the single-class oracle.
fn single_queue(s: &Scenario) -> Theory {
    let n = s.classes.len();
    let q = &s.queues[0];
    let none = |reason: &str| Theory {
        system: Verdict::NoModel {
            reason: reason.to_string(),
        },
        queues: vec![None],
        classes: vec![None; n],
    };
    if q.crash.is_some() || q.delivery.has_deadlines() {
        return none("crashing consumers, timeouts and expiry have no model");
    }
    if q.fail > 0.0 && q.delivery.max_attempts.is_some() {
        return none("failures with an attempt limit have no model");
    }
    if q.speeds.iter().any(|&v| v != 1.0) {
        return none("consumers of different speeds have no model");
    }
    let dispatch = match dispatch(q) {
        Ok(d) => d,
        Err(reason) => return none(&reason),
    };
    // What a message really occupies a consumer for, failed attempts included.
    let service = |k: usize| with_retries(q.service[k].to_variate_spec(), q.fail);
    let poisson = s
        .producers
        .iter()
        .all(|p| p.interarrival.to_variate_spec().shape == Shape::Exponential);
    if q.sharing && q.capacity.is_none() && n > 1 && poisson {
        return processor_sharing_classes(s, dispatch, service);
    }
    if q.sharing || q.capacity.is_some() {
        // Single-class station models: every class must have the same service.
        if (1..n).any(|k| service(k) != service(0)) {
            return none("per-class service with processor sharing or a capacity has no model");
        }
        let interarrival = match (poisson, s.producers.as_slice()) {
            (_, [p]) => p.interarrival.to_variate_spec(),
            (true, producers) => {
                let rate: f64 = producers.iter().map(|p| 1.0 / p.interarrival.mean()).sum();
                VariateSpec {
                    mean: 1.0 / rate,
                    scv: 1.0,
                    shape: Shape::Exponential,
                }
            }
            (false, _) => return none("several producers, not all Poisson, have no model"),
        };
        let spec = StationSpec {
            interarrival,
            service: service(0),
            consumers: q.consumers,
            dispatch,
        };
        let system = match q.capacity {
            Some(_) if q.sharing => Verdict::NoModel {
                reason: "bounded processor sharing has no model".into(),
            },
            Some(k) => finite_station(&spec, k, q.overflow),
            None => processor_sharing(&spec),
        };
        return Theory {
            queues: vec![predicted(&system)],
            classes: lone_class(s, &system),
            system,
        };
    }
    if poisson {
        // Superposed Poisson streams of a class are one Poisson stream with the summed rate.
        let mut rates = vec![0.0; n];
        for p in &s.producers {
            rates[p.class] += 1.0 / p.interarrival.mean();
        }
        let verdicts = predict_classes(&MultiClassSpec {
            classes: (0..n)
                .map(|k| ClassStream {
                    rate: rates[k],
                    priority: s.classes[k].priority,
                    service: service(k),
                })
                .collect(),
            consumers: q.consumers,
            dispatch,
            order: order(q.discipline),
        });
        return Theory {
            queues: vec![predicted(&verdicts.system)],
            system: verdicts.system,
            classes: verdicts.classes,
        };
    }
    let [p] = s.producers.as_slice() else {
        return none("several producers, not all Poisson, have no model");
    };
    let mut system = predict_station(&StationSpec {
        interarrival: p.interarrival.to_variate_spec(),
        service: service(p.class),
        consumers: q.consumers,
        dispatch,
    });
    if let (Verdict::Predicted(pred), Discipline::Lifo) = (&mut system, q.discipline) {
        // LIFO keeps FIFO's means (conservation), not its quantiles.
        pred.model = format!("{} (LIFO: FIFO means)", pred.model);
        pred.t_quantiles = None;
        pred.wq_quantiles = None;
    }
    let mut classes = vec![None; n];
    classes[p.class] = predicted(&system);
    Theory {
        queues: vec![predicted(&system)],
        system,
        classes,
    }
}

fn predicted(v: &Verdict) -> Option<Prediction> {
    match v {
        Verdict::Predicted(p) => Some(p.clone()),
        _ => None,
    }
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

/// Classes of Poisson messages sharing a queue's consumers (processor sharing, no capacity):
/// the queue is M/G/1-PS (per consumer, split at random) on the classes' mixture of service,
/// of which it needs only the mean, and each class's messages spend E[S_k]/(1 − ρ)
/// ([`MG1Ps::class_measures`]).
fn processor_sharing_classes(
    s: &Scenario,
    dispatch: ModelDispatch,
    service: impl Fn(usize) -> VariateSpec,
) -> Theory {
    let n = s.classes.len();
    let q = &s.queues[0];
    let mut rates = vec![0.0; n];
    for p in &s.producers {
        rates[p.class] += 1.0 / p.interarrival.mean();
    }
    let total: f64 = rates.iter().sum();
    let mean = (0..n).map(|k| rates[k] * service(k).mean).sum::<f64>() / total;
    let system = processor_sharing(&StationSpec {
        interarrival: VariateSpec {
            mean: 1.0 / total,
            scv: 1.0,
            shape: Shape::Exponential,
        },
        // Processor sharing reads only the mean: the mixture's shape does not matter.
        service: VariateSpec { mean, ..service(0) },
        consumers: q.consumers,
        dispatch,
    });
    let classes = match &system {
        Verdict::Predicted(p) => {
            let c = f64::from(q.consumers);
            let per_consumer = MG1Ps::new(total / c, mean).expect("the system's model stands");
            (0..n)
                .map(|k| {
                    let mut measures = per_consumer.class_measures(rates[k] / c, service(k).mean);
                    measures.l *= c;
                    measures.lq *= c;
                    measures.throughput *= c;
                    Some(Prediction {
                        measures,
                        ..p.clone()
                    })
                })
                .collect()
        }
        _ => vec![None; n],
    };
    Theory {
        queues: vec![predicted(&system)],
        system,
        classes,
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
        classes: Vec::new(),
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
                classes: Vec::new(),
            }
        }
        Err(ModelError::Unstable { rho }) => Theory {
            system: Verdict::Unstable { rho },
            queues: vec![None; s.queues.len()],
            classes: Vec::new(),
        },
        Err(e) => none(&e.to_string()),
    }
}
