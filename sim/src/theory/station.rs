//! Theory for one station — a queue and what arrives at it — as a whole and per class.
//!
//! The structural choice of a model (which formula fits the arrivals, the service, the
//! dispatch and the order) happens here; whether its figure is exact is for the assumption
//! table to say ([`super::gate`]).

use kendall_broker::{Discipline, DispatchKind};
use kendall_models::{
    BatchSize, ClassStream, DispatchKind as ModelDispatch, Exactness, Feature, MG1Ps, MMcK, MmppMc,
    MmppPh1, Model, MultiClassSpec, MxM1, MxMc, Order, PERCENTILES, PhaseType, Prediction, Shape,
    StationSpec, VariateSpec, Verdict, predict_classes, predict_impatient, predict_station,
    superpose,
};

use super::features::{self, Used, common_speed};
use super::markov::{self, Chained};
use super::{gate, gate_each, predicted};
use crate::arrivals::{Batch, Interarrival};
use crate::scenario::{Producer, Queue, Scenario};

/// What arrives at a station.
#[derive(Debug, Clone, Copy)]
pub enum Feed<'a> {
    /// The scenario's own producers, all publishing to it.
    Producers(&'a [Producer]),
    /// Independent Poisson streams at these rates, one per class (a station of a network
    /// decomposed into stations).
    Poisson(&'a [f64]),
}

/// A station's verdict as a whole, and each class's prediction there.
#[derive(Debug, Clone, PartialEq)]
pub struct StationTheory {
    /// All classes together.
    pub system: Verdict,
    /// Per class, in scenario order (None where no model applies or the class never comes).
    pub classes: Vec<Option<Prediction>>,
    /// The features the station uses.
    pub used: Used,
}

/// Theory for queue `j` of `s` fed by `feed`, every figure judged by the assumption table.
pub fn predict(s: &Scenario, j: usize, feed: Feed<'_>) -> StationTheory {
    let q = &s.queues[j];
    let n = s.classes.len();
    let mut rates = vec![0.0; n];
    let mut used = match feed {
        Feed::Producers(producers) => {
            for p in producers {
                rates[p.class] += p.message_rate();
            }
            features::arrivals(producers)
        }
        Feed::Poisson(r) => {
            rates.copy_from_slice(r);
            Used::default()
        }
    };
    used = used.union(&features::station(s, j, &rates));
    if dispatch(q).is_none() {
        let strategy = [
            Feature::KeyHashDispatch,
            Feature::WeightedRoundRobinDispatch,
        ]
        .into_iter()
        .find(|f| used.features.contains(*f))
        .unwrap_or(Feature::KeyHashDispatch);
        return StationTheory {
            system: Verdict::NoModel {
                reason: format!("no model admits {} ({strategy})", used.key(strategy)),
            },
            classes: vec![None; n],
            used,
        };
    }
    let (system, classes) = structural(s, q, feed, &rates);
    let (system, classes) = (gate(system, &used), gate_each(classes, &used));
    let (system, classes) = match &system {
        Verdict::Predicted(p) if p.exactness == Exactness::Exact => (system, classes),
        Verdict::Unstable { .. } => (system, classes),
        _ => match markov::predict(s, q, feed, &rates, &used) {
            Chained::Solved(system, classes) => (system, classes),
            Chained::TooLarge => (too_large(system), classes),
            Chained::NotMarkovian => (system, classes),
        },
    };
    StationTheory {
        system,
        classes,
        used,
    }
}

/// `verdict`, saying that an exact chain was possible but too large.
fn too_large(verdict: Verdict) -> Verdict {
    let note = format!(
        "the exact Markov chain needs more than {} states",
        markov::CHAIN_STATES
    );
    match verdict {
        Verdict::Predicted(mut p) => {
            p.reason = format!("{}; {note}", p.reason);
            Verdict::Predicted(p)
        }
        Verdict::NoModel { reason } => Verdict::NoModel {
            reason: format!("{reason}; {note}"),
        },
        other => other,
    }
}

/// The model that fits the station's structure, its exactness not yet judged.
fn structural(
    s: &Scenario,
    q: &Queue,
    feed: Feed<'_>,
    rates: &[f64],
) -> (Verdict, Vec<Option<Prediction>>) {
    let n = s.classes.len();
    let none = |reason: &str| {
        (
            Verdict::NoModel {
                reason: reason.to_string(),
            },
            vec![None; n],
        )
    };
    let Some(dispatch) = dispatch(q) else {
        return none("no model for this dispatch over several consumers");
    };
    // What a message really occupies a consumer for: its work over the consumer's speed,
    // once per attempt.
    let speed = common_speed(q);
    let service = |k: usize| with_retries(at_speed(q.service[k].to_variate_spec(), speed), q.fail);
    let single = match feed {
        Feed::Producers([p]) => Some(p),
        _ => None,
    };
    let poisson = match feed {
        Feed::Producers(producers) => producers
            .iter()
            .all(|p| p.interarrival.to_variate_spec().shape == Shape::Exponential),
        Feed::Poisson(_) => true,
    };
    // With priorities or processor sharing the station's own model stands, and the gate
    // names the patience it does not admit.
    let ordered = !q.sharing && matches!(q.discipline, Discipline::Fifo | Discipline::Lifo);
    if let (Some(patience), true) = (&q.patience, ordered) {
        return impatient(
            q,
            patience.to_variate_spec(),
            rates,
            poisson,
            dispatch,
            service,
        );
    }
    if q.sharing && q.capacity.is_none() && n > 1 && poisson {
        return processor_sharing_classes(q, rates, dispatch, service);
    }
    if q.sharing || q.capacity.is_some() {
        // Single-class station models: every class must have the same service.
        if (1..n).any(|k| rates[k] > 0.0 && service(k) != service(first_active(rates))) {
            return none("per-class service with processor sharing or a capacity has no model");
        }
        let interarrival = match (poisson, single) {
            (_, Some(p)) => p.message_gaps(),
            (true, None) => VariateSpec {
                mean: 1.0 / rates.iter().sum::<f64>(),
                scv: 1.0,
                shape: Shape::Exponential,
            },
            (false, None) => return none("several producers, not all Poisson, have no model"),
        };
        let spec = StationSpec {
            interarrival,
            service: service(first_active(rates)),
            consumers: q.consumers,
            dispatch,
        };
        let system = match q.capacity {
            Some(_) if q.sharing => Verdict::NoModel {
                reason: "bounded processor sharing has no model".into(),
            },
            Some(k) => finite_station(&spec, k),
            None => processor_sharing(&spec),
        };
        let classes = lone_class(n, rates, &system);
        return (system, classes);
    }
    if let Some(system) = single.and_then(|p| batches(q, p, dispatch, service(p.class))) {
        let mut classes = vec![None; n];
        classes[single.expect("checked").class] = predicted(&system);
        return (system, classes);
    }
    if let Feed::Producers(producers) = feed
        && let Some(system) = modulated(q, producers, rates, dispatch, service)
    {
        let classes = lone_class(n, rates, &system);
        return (system, classes);
    }
    if poisson {
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
        return (verdicts.system, verdicts.classes);
    }
    let Some(p) = single else {
        return none("several producers, not all Poisson, have no model");
    };
    let mut system = predict_station(&StationSpec {
        interarrival: p.message_gaps(),
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
    (system, classes)
}

/// A queue whose waiting messages abandon: Erlang-A (M/M/c+M) or its M/M/c+G approximation
/// on the merged Poisson stream, every class with the same service; the gate then names any
/// key (a capacity, a time to live, priorities, processor sharing) the model does not admit.
fn impatient(
    q: &Queue,
    patience: VariateSpec,
    rates: &[f64],
    poisson: bool,
    dispatch: ModelDispatch,
    service: impl Fn(usize) -> VariateSpec,
) -> (Verdict, Vec<Option<Prediction>>) {
    let n = rates.len();
    let first = first_active(rates);
    let system = if !poisson {
        Verdict::NoModel {
            reason: "patience has a model only for Poisson arrivals".into(),
        }
    } else if (0..n).any(|k| rates[k] > 0.0 && service(k) != service(first)) {
        Verdict::NoModel {
            reason: "patience with per-class service has no model".into(),
        }
    } else {
        predict_impatient(
            &StationSpec {
                interarrival: VariateSpec {
                    mean: 1.0 / rates.iter().sum::<f64>(),
                    scv: 1.0,
                    shape: Shape::Exponential,
                },
                service: service(first),
                consumers: q.consumers,
                dispatch,
            },
            &patience,
        )
    };
    let classes = lone_class(n, rates, &system);
    (system, classes)
}

/// A FIFO queue fed by one Poisson producer publishing batches, exponential service shared
/// by its consumers: M^X/M/1 or M^X/M/c, by message (None where the station is not that, so
/// that the per-message models stand and the gate names the batch).
fn batches(
    q: &Queue,
    p: &Producer,
    dispatch: ModelDispatch,
    service: VariateSpec,
) -> Option<Verdict> {
    let batch = p.batch.as_ref()?;
    let arrivals = p.interarrival.to_variate_spec();
    let fits = arrivals.shape == Shape::Exponential
        && service.shape == Shape::Exponential
        && dispatch == ModelDispatch::Shared
        && q.discipline == Discipline::Fifo;
    if !fits {
        return None;
    }
    let size = match batch {
        Batch::Deterministic(k) => BatchSize::deterministic(*k),
        Batch::Geometric { mean, .. } => BatchSize::geometric(*mean),
        Batch::Empirical { values, cumulative } => {
            let mut pmf: Vec<(u32, f64)> = Vec::new();
            let mut below = 0.0;
            for (&v, &c) in values.iter().zip(cumulative) {
                match pmf.iter_mut().find(|(k, _)| *k == v) {
                    Some((_, w)) => *w += c - below,
                    None => pmf.push((v, c - below)),
                }
                below = c;
            }
            Ok(BatchSize::Empirical(pmf))
        }
    };
    let (lambda, mu) = (1.0 / arrivals.mean, 1.0 / service.mean);
    let result = size.and_then(|size| {
        if q.consumers == 1 {
            MxM1::new(lambda, mu, size).map(|m| ("M^X/M/1", Model::MxM1, m.measures()))
        } else {
            MxMc::new(lambda, mu, q.consumers, size).map(|m| ("M^X/M/c", Model::MxMc, m.measures()))
        }
    });
    Some(Verdict::from_model(result.map(
        |(model, family, measures)| Prediction::exact(model, family, measures),
    )))
}

/// The most phases a superposition of Markov-modulated producers may have for MMPP/M/c.
const MAX_PHASES: usize = 64;

/// A FIFO queue fed by Markov-modulated producers (and Poisson ones, superposed with them),
/// every arriving class served alike by exponential service shared by its consumers:
/// MMPP/M/c, exact by matrix-geometric numerics (None where the station is not that, so that
/// the other models stand and the gate names the MMPP).
fn modulated(
    q: &Queue,
    producers: &[Producer],
    rates: &[f64],
    dispatch: ModelDispatch,
    service: impl Fn(usize) -> VariateSpec,
) -> Option<Verdict> {
    if !producers
        .iter()
        .any(|p| matches!(p.interarrival, Interarrival::Mmpp(_)))
    {
        return None;
    }
    let first = service(first_active(rates));
    let alike = (0..rates.len()).all(|k| rates[k] == 0.0 || service(k) == first);
    // One consumer with Erlang or hyperexponential service: MMPP/PH/1.
    let phase_type = q.consumers == 1
        && matches!(
            first.shape,
            Shape::Erlang { .. } | Shape::Hyperexponential { .. }
        );
    let fits = alike
        && (first.shape == Shape::Exponential || phase_type)
        && dispatch == ModelDispatch::Shared
        && q.discipline == Discipline::Fifo
        && producers.iter().all(|p| p.batch.is_none());
    if !fits {
        return None;
    }
    let mut stream: (Vec<f64>, Vec<Vec<f64>>) = (vec![0.0], vec![vec![0.0]]);
    for p in producers {
        let (r, g) = match &p.interarrival {
            Interarrival::Mmpp(m) => (m.rates().to_vec(), m.generator()),
            other => {
                let gaps = other.to_variate_spec();
                if gaps.shape != Shape::Exponential {
                    return None;
                }
                (vec![1.0 / gaps.mean], vec![vec![0.0]])
            }
        };
        if stream.0.len() * r.len() > MAX_PHASES {
            return None;
        }
        stream = superpose((&stream.0, &stream.1), (&r, &g));
    }
    if phase_type {
        return Some(mmpp_ph1(&stream, &first));
    }
    let solved = MmppMc::new(&stream.0, &stream.1, 1.0 / first.mean, q.consumers);
    Some(Verdict::from_model(solved.map(|m| Prediction {
        wq_quantiles: Some(PERCENTILES.map(|p| m.wait_quantile(p))),
        ..Prediction::exact("MMPP/M/c", Model::MmppMc, m.measures())
    })))
}

/// MMPP/PH/1 for the superposed `stream` (rates, generator) into one consumer of
/// phase-type `service`: means, and the quantiles of Wq and T where they are affordable.
fn mmpp_ph1(stream: &(Vec<f64>, Vec<Vec<f64>>), service: &VariateSpec) -> Verdict {
    let phases = match service.shape {
        Shape::Erlang { k } => k as usize,
        _ => Shape::MAX_PHASES,
    };
    // Dense blocks of (arrival × service) phases: as many as MMPP/M/c allows arrival phases.
    if stream.0.len().saturating_mul(phases) > MAX_PHASES {
        return Verdict::NoModel {
            reason: format!(
                "MMPP/PH/1 is solved for at most {MAX_PHASES} arrival × service phases"
            ),
        };
    }
    let Some(ph) = PhaseType::of(service) else {
        return Verdict::NoModel {
            reason: "service is not phase-type".into(),
        };
    };
    let solved = MmppPh1::new(&stream.0, &stream.1, &ph);
    Verdict::from_model(solved.map(|m| {
        let waits = m.waiting_times();
        Prediction {
            wq_quantiles: waits
                .as_ref()
                .map(|w| PERCENTILES.map(|p| w.wait_quantile(p))),
            t_quantiles: waits.map(|w| PERCENTILES.map(|p| w.sojourn_quantile(p))),
            ..Prediction::exact(
                format!("MMPP/{}/1", service.shape.kendall()),
                Model::MmppPh1,
                m.measures(),
            )
        }
    }))
}

/// The first class that arrives (0 if none does).
fn first_active(rates: &[f64]) -> usize {
    rates.iter().position(|&r| r > 0.0).unwrap_or(0)
}

/// The station's prediction for its only arriving class; None for each of several.
fn lone_class(n: usize, rates: &[f64], system: &Verdict) -> Vec<Option<Prediction>> {
    let mut classes = vec![None; n];
    let active: Vec<usize> = (0..n).filter(|&k| rates[k] > 0.0).collect();
    if let [k] = active.as_slice() {
        classes[*k] = predicted(system);
    }
    classes
}

/// The service order of a discipline, as the multi-class models know it.
fn order(d: Discipline) -> Order {
    match d {
        Discipline::Fifo => Order::Fifo,
        Discipline::Lifo => Order::Lifo,
        Discipline::Priority => Order::Priority,
        Discipline::PriorityPreemptive => Order::PriorityPreemptive,
    }
}

/// The models' name for a queue's dispatch; None where the models have none (key-hash,
/// weighted round-robin), which the assumption table then names.
fn dispatch(q: &Queue) -> Option<ModelDispatch> {
    Some(match &q.dispatch {
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
        DispatchKind::KeyHash | DispatchKind::WeightedRoundRobin { .. } => return None,
    })
}

/// A service time on consumers of speed `s`: every value divided by `s`.
pub(super) fn at_speed(v: VariateSpec, s: f64) -> VariateSpec {
    if s == 1.0 {
        return v;
    }
    let shape = match v.shape {
        Shape::Uniform { low, high } => Shape::Uniform {
            low: low / s,
            high: high / s,
        },
        Shape::Hyperexponential {
            phases,
            probs,
            rates,
        } => Shape::Hyperexponential {
            phases,
            probs,
            rates: rates.map(|r| r * s),
        },
        other => other,
    };
    VariateSpec {
        mean: v.mean / s,
        scv: v.scv,
        shape,
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

/// A station holding at most `k` messages: M/M/c/K when arrivals are Poisson, service is
/// exponential and consumers share the queue (whether a full queue may drop rather than
/// reject is for the assumption table to judge).
fn finite_station(spec: &StationSpec, k: usize) -> Verdict {
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
    let (lambda, mu) = (1.0 / spec.interarrival.mean, 1.0 / spec.service.mean);
    let k = u32::try_from(k).unwrap_or(u32::MAX);
    match MMcK::new(lambda, mu, spec.consumers, k) {
        Ok(q) => Verdict::Predicted(Prediction {
            model: if spec.consumers == 1 {
                "M/M/1/K".into()
            } else {
                "M/M/c/K".into()
            },
            family: Model::MMcK,
            exactness: Exactness::Exact,
            reason: String::new(),
            measures: q.measures(),
            t_quantiles: Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
            wq_quantiles: Some(PERCENTILES.map(|p| q.wait_quantile(p))),
            p_abandon: None,
            numerical: None,
        }),
        Err(e) => Verdict::NoModel {
            reason: e.to_string(),
        },
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
    Verdict::from_model(MG1Ps::new(lambda, spec.service.mean).map(|q| {
        let mut measures = q.measures();
        measures.l *= f64::from(c);
        measures.lq *= f64::from(c);
        measures.throughput *= f64::from(c);
        let model = if c == 1 {
            "M/G/1-PS".to_string()
        } else {
            format!("{c} x M/G/1-PS (random split)")
        };
        Prediction::exact(model, Model::MG1Ps, measures)
    }))
}

/// Classes of Poisson messages sharing a queue's consumers (processor sharing, no capacity):
/// the queue is M/G/1-PS (per consumer, split at random) on the classes' mixture of service,
/// of which it needs only the mean, and each class's messages spend E[S_k]/(1 − ρ)
/// ([`MG1Ps::class_measures`]).
fn processor_sharing_classes(
    q: &Queue,
    rates: &[f64],
    dispatch: ModelDispatch,
    service: impl Fn(usize) -> VariateSpec,
) -> (Verdict, Vec<Option<Prediction>>) {
    let n = rates.len();
    let total: f64 = rates.iter().sum();
    let mean = (0..n).map(|k| rates[k] * service(k).mean).sum::<f64>() / total;
    let system = processor_sharing(&StationSpec {
        interarrival: VariateSpec {
            mean: 1.0 / total,
            scv: 1.0,
            shape: Shape::Exponential,
        },
        // Processor sharing reads only the mean: the mixture's shape does not matter.
        service: VariateSpec {
            mean,
            ..service(first_active(rates))
        },
        consumers: q.consumers,
        dispatch,
    });
    let system = match system {
        Verdict::Predicted(mut p) => {
            p.family = Model::PsClasses;
            Verdict::Predicted(p)
        }
        other => other,
    };
    let classes = match &system {
        Verdict::Predicted(p) => {
            let c = f64::from(q.consumers);
            let per_consumer = MG1Ps::new(total / c, mean).expect("the system's model stands");
            (0..n)
                .map(|k| {
                    (rates[k] > 0.0).then(|| {
                        let mut measures =
                            per_consumer.class_measures(rates[k] / c, service(k).mean);
                        measures.l *= c;
                        measures.lq *= c;
                        measures.throughput *= c;
                        Prediction {
                            measures,
                            ..p.clone()
                        }
                    })
                })
                .collect()
        }
        _ => vec![None; n],
    };
    (system, classes)
}
