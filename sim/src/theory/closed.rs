//! Theory for closed workloads (a producer's `clients` and `think`): the finite-source
//! queue M/M/c//N for one queue, exact MVA for a network of queues, Linearizer as a labelled
//! approximation where service is not exponential, and none — naming the key — otherwise.
//!
//! Called first by [`super::predict`]: a closed producer's `interarrival` is only a bound
//! (its think time over N), so the open models must never see it.

use kendall_models::{
    ClosedMeasures, ClosedNetwork, Exactness, MachineRepair, Measures, Model, Prediction, Servers,
    Station, Verdict, exact_mva, linearizer,
};

use super::features::{self, Used, common_speed};
use super::{Theory, gate};
use crate::scenario::{Producer, Scenario};
use crate::traffic::class_rates;

/// The theory of a scenario with closed producers; None when it has none.
pub fn predict(s: &Scenario) -> Option<Theory> {
    let closed: Vec<&Producer> = s.producers.iter().filter(|p| p.closed.is_some()).collect();
    let first = *closed.first()?;
    let none = |reason: String| Theory {
        system: Verdict::NoModel { reason },
        queues: vec![None; s.queues.len()],
        classes: vec![None; s.classes.len()],
        windows: None,
    };
    if let Some(open) = s.producers.iter().find(|p| p.closed.is_none()) {
        return Some(none(format!(
            "no model admits open and closed producers together: producers.{}.clients is a \
             closed workload, producers.{} an open one",
            first.name, open.name
        )));
    }
    let think = first.closed.as_ref().map_or(0.0, |c| c.think.mean());
    if let Some(other) = closed.iter().find(|p| {
        p.queue != first.queue || p.closed.as_ref().map_or(0.0, |c| c.think.mean()) != think
    }) {
        return Some(none(format!(
            "no model admits producers.{}.clients with producers.{}.clients: closed producers \
             that send to different queues or think for different mean times are several \
             classes of clients, and kendall's MVA has one",
            other.name, first.name
        )));
    }
    let clients: u32 = closed
        .iter()
        .map(|p| p.closed.as_ref().map_or(0, |c| c.clients))
        .fold(0u32, u32::saturating_add);
    let rates = class_rates(s);
    let network = s.queues.len() > 1 || !s.queues[0].routes.is_empty();
    let used = if network {
        features::network(s, &rates)
    } else {
        features::station(s, 0, &rates[0]).union(&features::arrivals(&s.producers))
    };
    let net = closed_network(s, &rates, clients, think);
    Some(solve(s, &net, network, &used))
}

/// The stations of the network as MVA takes them: each queue's visits per message (its
/// traffic-equation rate over the rate entering, every closed producer's `interarrival`
/// being the same bound N/Z scaled alike), its class-weighted mean service time over its
/// consumers' speed, and its consumers.
fn closed_network(s: &Scenario, rates: &[Vec<f64>], clients: u32, think: f64) -> ClosedNetwork {
    let entering: f64 = s.producers.iter().map(Producer::message_rate).sum();
    let stations = (s.queues.iter().zip(rates))
        .map(|(q, r)| {
            let total: f64 = r.iter().sum();
            let (mean, second) = (q.service.iter().zip(r)).filter(|(_, w)| **w > 0.0).fold(
                (0.0, 0.0),
                |(m, m2), (d, &w)| {
                    let (mu, scv) = (d.mean(), d.scv());
                    (m + w * mu, m2 + w * mu * mu * (1.0 + scv))
                },
            );
            let (mean, second) = if total > 0.0 {
                (mean / total, second / total)
            } else {
                (q.service[0].mean(), q.service[0].mean().powi(2) * 2.0)
            };
            let speed = common_speed(q);
            Station {
                visits: total / entering,
                service: mean / speed,
                scv: second / (mean * mean) - 1.0,
                servers: Servers::Queue(q.consumers),
            }
        })
        .collect();
    ClosedNetwork {
        clients,
        think,
        stations,
    }
}

/// The exact model (M/M/c//N for one queue, MVA for a network), judged by the table; if the
/// table refuses it, Linearizer as a labelled approximation when the table admits that;
/// else the exact model's verdict, which names the keys no model admits.
fn solve(s: &Scenario, net: &ClosedNetwork, network: bool, used: &Used) -> Theory {
    let exact = if network {
        exact_mva(net).map(|m| network_theory(s, net, &m, "closed network (exact MVA)", Model::Mva))
    } else {
        let st = &net.stations[0];
        MachineRepair::new(
            net.clients,
            net.think,
            1.0 / st.service,
            s.queues[0].consumers,
        )
        .map(|m| {
            let p = Prediction::exact(
                "M/M/c//N (machine repairman)",
                Model::MachineRepair,
                m.measures(),
            );
            (Verdict::Predicted(p.clone()), vec![Some(p)])
        })
    };
    let (system, queues) = match exact {
        Ok(v) => v,
        Err(e) => {
            return Theory {
                system: Verdict::NoModel {
                    reason: format!("the closed model cannot be evaluated: {e}"),
                },
                queues: vec![None; s.queues.len()],
                classes: vec![None; s.classes.len()],
                windows: None,
            };
        }
    };
    let judged = gate(system, used);
    if matches!(judged, Verdict::Predicted(_)) {
        return finish(s, judged, queues, used);
    }
    if let Ok(m) = linearizer(net) {
        let (system, queues) = network_theory(
            s,
            net,
            &m,
            "closed network (Linearizer approximate MVA)",
            Model::Linearizer,
        );
        let approx = gate(system, used);
        if matches!(approx, Verdict::Predicted(_)) {
            return finish(s, approx, queues, used);
        }
    }
    Theory {
        classes: vec![None; s.classes.len()],
        queues: vec![None; s.queues.len()],
        system: judged,
        windows: None,
    }
}

/// The theory from the system's judged verdict and the queues' predictions (judged here).
fn finish(s: &Scenario, system: Verdict, queues: Vec<Option<Prediction>>, used: &Used) -> Theory {
    Theory {
        classes: Theory::lone_class(s, &system),
        queues: super::gate_each(queues, used),
        system,
        windows: None,
    }
}

/// The system's verdict and each queue's prediction from MVA's figures (`model` of `family`,
/// exact or approximate by the family's nature).
fn network_theory(
    s: &Scenario,
    net: &ClosedNetwork,
    m: &ClosedMeasures,
    model: &str,
    family: Model,
) -> (Verdict, Vec<Option<Prediction>>) {
    let exactness = if family == Model::Mva {
        Exactness::Exact
    } else {
        Exactness::Approximation
    };
    let prediction = |name: &str, measures: Measures| Prediction {
        exactness,
        ..Prediction::exact(name, family, measures)
    };
    let x = m.throughput;
    let mut lq = 0.0;
    let mut queues = Vec::new();
    for (st, sm) in net.stations.iter().zip(&m.stations) {
        let waiting = (sm.queue - x * st.visits * st.service).max(0.0);
        lq += waiting;
        queues.push((st.visits > 0.0).then(|| {
            prediction(
                &format!("{model}: station"),
                Measures {
                    t: sm.response,
                    wq: (sm.response - st.service).max(0.0),
                    l: sm.queue,
                    lq: waiting,
                    utilization: sm.utilization,
                    throughput: sm.throughput,
                    p_wait: None,
                    p_loss: 0.0,
                },
            )
        }));
    }
    let consumers: f64 = s.queues.iter().map(|q| f64::from(q.consumers)).sum();
    let busy: f64 = (m.stations.iter().zip(&s.queues))
        .map(|(sm, q)| sm.utilization * f64::from(q.consumers))
        .sum();
    let system = prediction(
        model,
        Measures {
            t: m.response,
            wq: lq / x,
            l: x * m.response,
            lq,
            utilization: busy / consumers,
            throughput: x,
            p_wait: None,
            p_loss: 0.0,
        },
    );
    (Verdict::Predicted(system), queues)
}
