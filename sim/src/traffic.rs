//! Offered load per queue: the traffic equations λ = γ + λP solved over the routes; and how
//! long each queue takes to settle from an empty start.

use kendall_broker::DispatchKind;
use kendall_models::relaxation_time;

use crate::scenario::Scenario;

/// Arrival rate and offered load of one queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueLoad {
    /// Messages per time unit arriving at the queue (external plus routed).
    pub arrival_rate: f64,
    /// Mean service time over the class mix arriving there.
    pub mean_service: f64,
    /// Offered load per consumer, λ·E\[S\]/c (work over total speed, retries included). An
    /// unbounded queue is stable only below 1; see [`QueueLoad::stable`].
    pub rho: f64,
    /// The queue's capacity (messages waiting and in service), None when unbounded.
    pub capacity: Option<usize>,
    /// The time to live of its waiting messages, None when they never expire.
    pub ttl: Option<f64>,
    /// Whether its waiting messages abandon after a `patience`.
    pub patience: bool,
}

impl QueueLoad {
    /// True when the queue has a steady state: always for a bounded queue, which loses
    /// messages when full rather than growing, and for one whose waiting messages expire or
    /// abandon, which waits no longer than their time to live or patience (at ρ ≥ 1 any of
    /// them loses many); for any other only below ρ = 1.
    pub fn stable(&self) -> bool {
        self.capacity.is_some() || self.ttl.is_some() || self.patience || self.rho < 1.0
    }
}

/// True when every queue of `s` has a steady state ([`QueueLoad::stable`]).
pub fn all_stable(s: &Scenario) -> bool {
    queue_loads(s).iter().all(QueueLoad::stable)
}

/// Solves the traffic equations per class by fixed-point iteration (it converges because
/// every message eventually leaves; validation rejects networks where one cannot).
pub fn queue_loads(s: &Scenario) -> Vec<QueueLoad> {
    loads_from(s, &class_rates(s))
}

/// Each queue's load from the classes' arrival rates there (`[queue][class]`).
fn loads_from(s: &Scenario, rates: &[Vec<f64>]) -> Vec<QueueLoad> {
    s.queues
        .iter()
        .zip(rates)
        .map(|(q, r)| {
            let lambda: f64 = r.iter().sum();
            // A failed attempt is redone in full: expected attempts (1 − f^m)/(1 − f) with an
            // attempt limit m, 1/(1 − f) without.
            let attempts = match q.delivery.max_attempts {
                Some(m) => (1.0 - q.fail.powi(m as i32)) / (1.0 - q.fail),
                None => 1.0 / (1.0 - q.fail),
            };
            let work: f64 = attempts
                * r.iter()
                    .zip(&q.service)
                    .map(|(l, d)| l * d.mean())
                    .sum::<f64>();
            let mean_service = if lambda > 0.0 {
                work / lambda
            } else {
                q.service[0].mean()
            };
            QueueLoad {
                arrival_rate: lambda,
                mean_service,
                rho: work / q.speeds.iter().sum::<f64>(),
                capacity: q.capacity,
                ttl: q.delivery.ttl,
                patience: q.patience.is_some(),
            }
        })
        .collect()
}

/// Arrival rate of each class at each queue (`[queue][class]`), external plus routed: the
/// traffic equations solved by fixed-point iteration.
pub fn class_rates(s: &Scenario) -> Vec<Vec<f64>> {
    let (nq, nc) = (s.queues.len(), s.classes.len());
    let mut external = vec![vec![0.0; nc]; nq];
    for p in &s.producers {
        external[p.queue][p.class] += p.message_rate();
    }
    let mut rate = external.clone();
    for _ in 0..100_000 {
        let mut next = external.clone();
        for (j, q) in s.queues.iter().enumerate() {
            for &(to, p) in &q.routes {
                for k in 0..nc {
                    next[to][k] += p * rate[j][k];
                }
            }
        }
        let change = next
            .iter()
            .flatten()
            .zip(rate.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        rate = next;
        if change <= 1e-13 * rate.iter().flatten().fold(1.0, |m: f64, x| m.max(*x)) {
            break;
        }
    }
    rate
}

/// For each queue, whether some queue's routes lead to it (else only producers feed it).
pub fn fed_by_routes(s: &Scenario) -> Vec<bool> {
    (0..s.queues.len())
        .map(|j| {
            s.queues
                .iter()
                .any(|q| q.routes.iter().any(|&(to, _)| to == j))
        })
        .collect()
}

/// Each queue's relaxation time ([`relaxation_time`]): about how long, in the scenario's time
/// unit, the queue takes to settle after an empty start. None for a queue that never settles
/// (ρ ≥ 1), has a capacity (it fills quickly, and the formula is for unbounded queues),
/// receives nothing, or whose service time has no finite variance.
///
/// A shared queue and the strategies that look at the consumers' loads (JSQ, least-work,
/// power-of-d, JIQ) count as pooling their consumers: least-work exactly, JSQ in heavy traffic
/// by state space collapse (G. J. Foschini, J. Salz, "A basic dynamic routing problem and
/// diffusion", *IEEE Trans. Communications* 26(3), 1978), the sampling ones approximately.
/// Load-blind strategies (random, round-robin, key-hash) give each consumer its own queue of
/// a 1/c share of the traffic, which settles as one consumer does — c times slower near
/// saturation. Arrivals keep their producer's variability when one producer alone feeds
/// the queue, and count as Poisson otherwise; service variability is that of the class mix.
pub fn relaxation_times(s: &Scenario) -> Vec<Option<f64>> {
    let fed_by_routes = fed_by_routes(s);
    let rates = class_rates(s);
    s.queues
        .iter()
        .enumerate()
        .zip(loads_from(s, &rates).iter().zip(&rates))
        .map(|((j, q), (load, rates))| {
            if q.capacity.is_some() || load.arrival_rate <= 0.0 || load.rho <= 0.0 {
                return None;
            }
            let feeding: Vec<_> = s.producers.iter().filter(|p| p.queue == j).collect();
            let ca2 = match feeding.as_slice() {
                [p] if !fed_by_routes[j] => p.message_scv(),
                _ => 1.0,
            };
            // The class mix's second moment: E[S²] = Σ w_k m_k² (1 + c_k²).
            let (mut m1, mut m2) = (0.0, 0.0);
            for (&r, d) in rates.iter().zip(&q.service) {
                let w = r / load.arrival_rate;
                m1 += w * d.mean();
                m2 += w * d.mean().powi(2) * (1.0 + d.scv());
            }
            let cs2 = m2 / (m1 * m1) - 1.0;
            let variability = (ca2 + cs2) / 2.0;
            if !variability.is_finite() {
                return None;
            }
            let capacity = load.arrival_rate / load.rho;
            let share = match q.dispatch {
                DispatchKind::Random
                | DispatchKind::RoundRobin
                | DispatchKind::WeightedRoundRobin { .. }
                | DispatchKind::KeyHash => f64::from(q.consumers),
                _ => 1.0,
            };
            relaxation_time(load.arrival_rate / share, capacity / share, variability)
                .ok()
                .flatten()
        })
        .collect()
}

/// Indices of queues from which no message can ever leave the system (a closed loop).
pub fn trapped_queues(s: &Scenario) -> Vec<usize> {
    let n = s.queues.len();
    // A queue can drain if some probability leaves directly, or it routes to one that can.
    let mut drains: Vec<bool> = s
        .queues
        .iter()
        .map(|q| q.routes.iter().map(|r| r.1).sum::<f64>() < 1.0 - 1e-12)
        .collect();
    loop {
        let mut changed = false;
        for j in 0..n {
            if !drains[j] && s.queues[j].routes.iter().any(|&(to, _)| drains[to]) {
                drains[j] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    (0..n).filter(|&j| !drains[j]).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// One producer (`interarrival`) into one queue of `consumers` with `dispatch`, `service`
    /// and `extra` keys.
    fn one_queue(interarrival: &str, consumers: u32, dispatch: &str, service: &str) -> Scenario {
        let text = format!(
            "name = \"q\"\n[[producers]]\nname = \"p\"\ninterarrival = {interarrival}\n\
             [[queues]]\nname = \"q\"\nconsumers = {consumers}\ndispatch = \"{dispatch}\"\n\
             service = {service}\n"
        );
        Scenario::parse(Path::new("t.toml"), &text).expect("valid scenario")
    }

    const POISSON_09: &str = "{ kind = \"exponential\", rate = 0.9 }";
    const EXP_1: &str = "{ kind = \"exponential\", mean = 1.0 }";

    #[test]
    fn relaxation_of_single_queues() {
        // M/M/1 at ρ = 0.9: Morse's 1/(1 − √0.9)² = 379.737.
        let tau = relaxation_times(&one_queue(POISSON_09, 1, "shared", EXP_1))[0].unwrap();
        assert!((tau - 379.737).abs() < 1e-3, "{tau}");
        // M/D/1: half the variability, half the time.
        let md1 = one_queue(
            POISSON_09,
            1,
            "shared",
            "{ kind = \"deterministic\", value = 1.0 }",
        );
        assert!((relaxation_times(&md1)[0].unwrap() - tau / 2.0).abs() < 1e-9);
        // Four consumers at 3.6 pooled: √3.6 = 1.8973666, so 1/(2 − √3.6)² = 94.9342; random dispatch leaves each
        // consumer an M/M/1 at 0.9, which settles as slowly as the lone one.
        let rate36 = "{ kind = \"exponential\", rate = 3.6 }";
        let pooled = relaxation_times(&one_queue(rate36, 4, "shared", EXP_1))[0].unwrap();
        assert!((pooled - 94.9342).abs() < 1e-4, "{pooled}");
        let jsq = relaxation_times(&one_queue(rate36, 4, "jsq", EXP_1))[0].unwrap();
        assert_eq!(jsq, pooled);
        let random = relaxation_times(&one_queue(rate36, 4, "random", EXP_1))[0].unwrap();
        assert!((random - tau).abs() < 1e-9, "{random}");
    }

    #[test]
    fn bounded_queues_are_stable_at_any_load() {
        // ρ = 1.5 on one consumer: unstable without a capacity, stable with one.
        let mut s = one_queue("{ kind = \"exponential\", rate = 1.5 }", 1, "shared", EXP_1);
        let load = queue_loads(&s)[0];
        assert_eq!((load.rho, load.capacity), (1.5, None));
        assert!(!load.stable() && !all_stable(&s));
        s.queues[0].capacity = Some(10);
        let load = queue_loads(&s)[0];
        assert_eq!((load.rho, load.capacity), (1.5, Some(10)));
        assert!(load.stable() && all_stable(&s));
        // Below saturation either way.
        let below = one_queue(POISSON_09, 1, "shared", EXP_1);
        assert!(all_stable(&below));
    }

    #[test]
    fn impatient_queues_are_stable_at_any_load() {
        // Erlang-A has a steady state at any load: waiting messages abandon.
        let arrivals = "{ kind = \"exponential\", rate = 1.5 }";
        assert!(!all_stable(&one_queue(arrivals, 1, "shared", EXP_1)));
        let patient = format!("{EXP_1}\npatience = {{ kind = \"exponential\", mean = 5.0 }}");
        let s = one_queue(arrivals, 1, "shared", &patient);
        let load = queue_loads(&s)[0];
        assert!(load.patience && load.stable() && all_stable(&s));
    }

    #[test]
    fn no_relaxation_for_unstable_or_bounded_queues() {
        let unstable = one_queue("{ kind = \"exponential\", rate = 1.0 }", 1, "shared", EXP_1);
        assert_eq!(relaxation_times(&unstable), vec![None]);
        let mut bounded = one_queue(POISSON_09, 1, "shared", EXP_1);
        bounded.queues[0].capacity = Some(10);
        assert_eq!(relaxation_times(&bounded), vec![None]);
    }
}
