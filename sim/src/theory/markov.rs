//! A station whose every feature is memoryless, solved exactly as a Markov chain
//! ([`kendall_models::ctmc`]): Poisson producers; exponential, Erlang or hyperexponential
//! service; shared, random, round-robin, jsq, power-of-d or jiq dispatch; consumers of any
//! speeds; FIFO or priority order; a capacity that rejects; exponential patience.
//!
//! The oracle turns to it where its own choice is not exact, and keeps the approximation
//! (saying why) when the chain would be too large.

use kendall_broker::{Discipline, DispatchKind, Overflow};
use kendall_models::ctmc::station::{Level, Order, Phases, Routing, Station};
use kendall_models::ctmc::{ChainFigures, CtmcError, solve_station};
use kendall_models::{Fit, Measures, Model, Numerical, Prediction, Shape, Verdict, judge};

use super::features::Used;
use super::gate;
use super::station::Feed;
use crate::arrivals::Interarrival;
use crate::scenario::{Queue, Scenario};

/// Most states a chain may have: about a second to explore and solve.
pub const CHAIN_STATES: usize = 250_000;

/// Most phases an Erlang service may have in the chain.
const MAX_ERLANG_PHASES: u32 = 32;

/// What the chain makes of a station.
// Made once per station prediction: boxing the verdict would gain nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Chained {
    /// Solved: the system's verdict and each class's prediction, judged.
    Solved(Verdict, Vec<Option<Prediction>>),
    /// Markovian, but the chain needs more states than allowed.
    TooLarge,
    /// Not a Markovian station.
    NotMarkovian,
}

/// The chain of queue `q` of `s` fed by `feed` at class `rates`, if the features `used` are
/// all ones it admits.
pub(super) fn predict(
    s: &Scenario,
    q: &Queue,
    feed: Feed<'_>,
    rates: &[f64],
    used: &Used,
) -> Chained {
    if matches!(
        judge(Model::MarkovChain, used.features),
        Fit::NoModel { .. }
    ) {
        return Chained::NotMarkovian;
    }
    let Some((station, level_of)) = describe(s, q, feed, rates) else {
        return Chained::NotMarkovian;
    };
    match solve_station(station, CHAIN_STATES) {
        Ok(figures) => {
            let (system, classes) = predictions(&figures, &level_of, rates);
            Chained::Solved(gate(system, used), super::gate_each(classes, used))
        }
        Err(CtmcError::TooLarge { .. }) => Chained::TooLarge,
        Err(e) => Chained::Solved(
            Verdict::NoModel {
                reason: e.to_string(),
            },
            vec![None; rates.len()],
        ),
    }
}

/// The station as the chain takes it, and the level of each class (None for a class that
/// never arrives); None where some part of it is not memoryless.
fn describe(
    s: &Scenario,
    q: &Queue,
    feed: Feed<'_>,
    rates: &[f64],
) -> Option<(Station, Vec<Option<usize>>)> {
    if let Feed::Producers(producers) = feed {
        let poisson = producers.iter().all(|p| {
            matches!(p.interarrival, Interarrival::Renewal(_))
                && p.interarrival.to_variate_spec().shape == Shape::Exponential
                && p.batch.is_none()
        });
        if !poisson {
            return None;
        }
    }
    if q.sharing || q.fail > 0.0 || q.overflow == Overflow::DropOldest {
        return None;
    }
    let routing = match &q.dispatch {
        _ if q.consumers == 1 => Routing::Shared,
        DispatchKind::Shared => Routing::Shared,
        DispatchKind::Random => Routing::Random,
        DispatchKind::RoundRobin => Routing::RoundRobin,
        DispatchKind::Jsq => Routing::Jsq,
        DispatchKind::PowerOfD { d } => Routing::PowerOfD(u32::try_from(*d).ok()?),
        DispatchKind::Jiq => Routing::Jiq,
        _ => return None,
    };
    let order = match q.discipline {
        Discipline::Fifo => Order::Fifo,
        Discipline::Priority => Order::Priority,
        Discipline::PriorityPreemptive => Order::Preemptive,
        Discipline::Lifo => return None,
    };
    let patience = match q.patience.as_ref().map(|p| p.to_variate_spec()) {
        None => None,
        Some(spec) if spec.shape == Shape::Exponential => Some(1.0 / spec.mean),
        Some(_) => return None,
    };
    // Levels: one under FIFO; under a priority order one per priority, most urgent first.
    let active: Vec<usize> = (0..rates.len()).filter(|&k| rates[k] > 0.0).collect();
    let mut priorities: Vec<i32> = match order {
        Order::Fifo => vec![0],
        _ => active.iter().map(|&k| s.classes[k].priority).collect(),
    };
    priorities.sort_unstable();
    priorities.dedup();
    let mut level_of = vec![None; rates.len()];
    let mut levels: Vec<Level> = Vec::new();
    for (l, &priority) in priorities.iter().enumerate() {
        let members: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&k| order == Order::Fifo || s.classes[k].priority == priority)
            .collect();
        let service = phases(q, *members.first()?)?;
        // A level's classes must be served alike: the chain does not keep their order.
        if members
            .iter()
            .any(|&k| phases(q, k).as_ref() != Some(&service))
        {
            return None;
        }
        members.iter().for_each(|&k| level_of[k] = Some(l));
        levels.push(Level {
            rate: members.iter().map(|&k| rates[k]).sum(),
            service,
        });
    }
    let station = Station {
        levels,
        speeds: q.speeds.clone(),
        routing,
        order,
        capacity: match q.capacity {
            Some(k) => Some(u32::try_from(k).ok()?),
            None => None,
        },
        patience,
    };
    Some((station, level_of))
}

/// Class `k`'s service at `q` as phases, if it is phase-type.
fn phases(q: &Queue, k: usize) -> Option<Phases> {
    let spec = q.service[k].to_variate_spec();
    match spec.shape {
        Shape::Exponential => Some(Phases::exponential(spec.mean)),
        // Every phase is a coordinate of the state: a long Erlang makes the chain too large.
        Shape::Erlang { k } if k <= MAX_ERLANG_PHASES => {
            Some(Phases::erlang(k as usize, spec.mean))
        }
        Shape::Hyperexponential {
            phases,
            probs,
            rates,
        } => {
            let n = usize::from(phases);
            Some(Phases::hyperexponential(&probs[..n], &rates[..n]))
        }
        _ => None,
    }
}

/// The system's prediction and each class's, from the chain's figures.
fn predictions(
    f: &ChainFigures,
    level_of: &[Option<usize>],
    rates: &[f64],
) -> (Verdict, Vec<Option<Prediction>>) {
    let numerical = Some(Numerical {
        states: f.states,
        seconds: f.seconds,
    });
    let model = format!("Markov chain of {} states", f.states);
    let prediction = |measures: Measures, p_abandon: Option<f64>| Prediction {
        p_abandon,
        numerical,
        ..Prediction::exact(model.clone(), Model::MarkovChain, measures)
    };
    let system = prediction(f.system, f.p_abandon);
    let classes = level_of
        .iter()
        .enumerate()
        .map(|(k, level)| {
            let figures = f.levels[(*level)?]?;
            // The level's messages are alike: each class has the level's times and its share
            // of the level's counts.
            let level_rate: f64 = level_of
                .iter()
                .zip(rates)
                .filter(|(l, _)| **l == *level)
                .map(|(_, r)| r)
                .sum();
            let share = rates[k] / level_rate;
            let mut m = figures.measures;
            m.l *= share;
            m.lq *= share;
            m.throughput *= share;
            m.utilization *= share;
            Some(prediction(m, f.p_abandon.map(|_| figures.p_abandon)))
        })
        .collect();
    (Verdict::Predicted(system), classes)
}
