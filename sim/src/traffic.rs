//! Offered load per queue: the traffic equations λ = γ + λP solved over the routes.

use crate::scenario::Scenario;

/// Arrival rate and offered load of one queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueLoad {
    /// Messages per time unit arriving at the queue (external plus routed).
    pub arrival_rate: f64,
    /// Mean service time over the class mix arriving there.
    pub mean_service: f64,
    /// Offered load per consumer, λ·E[S]/c (work over total speed, retries included); the
    /// queue is stable only below 1.
    pub rho: f64,
}

/// Solves the traffic equations per class by fixed-point iteration (it converges because
/// every message eventually leaves; validation rejects networks where one cannot).
pub fn queue_loads(s: &Scenario) -> Vec<QueueLoad> {
    let (nq, nc) = (s.queues.len(), s.classes.len());
    let mut external = vec![vec![0.0; nc]; nq];
    for p in &s.producers {
        external[p.queue][p.class] += 1.0 / p.interarrival.mean();
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
    s.queues
        .iter()
        .zip(&rate)
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
            }
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
