//! Mean value analysis of closed networks: one class of N clients that each think, send a
//! message that visits FCFS stations, and wait for it before thinking again.
//!
//! [`exact_mva`] is exact for product-form networks (Reiser & Lavenberg 1980); with
//! multi-server stations it tracks each station's marginal queue-length probabilities
//! (load-dependent MVA). [`bard_schweitzer`] and [`linearizer`] are the classical
//! approximations, labelled as such wherever they are used.

use crate::{ModelError, positive, servers};

/// How a station serves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Servers {
    /// c identical FCFS consumers with exponential service.
    Queue(u32),
    /// As many servers as messages (a delay, such as the clients' think time): no waiting,
    /// any service distribution (its mean alone matters).
    Delay,
}

/// One station of a closed network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Station {
    /// Mean visits per cycle (per message a client sends), from the routing: V_k.
    pub visits: f64,
    /// Mean service time per visit, S_k.
    pub service: f64,
    /// Squared coefficient of variation of the service time (1 for exponential): only the
    /// approximations use it ([`bard_schweitzer`]); [`exact_mva`] assumes exponential service
    /// at queue stations.
    pub scv: f64,
    /// The consumers.
    pub servers: Servers,
}

impl Station {
    /// The service demand per cycle, D_k = V_k·S_k.
    fn demand(&self) -> f64 {
        self.visits * self.service
    }
}

/// A closed single-class network: N clients, each thinking for a mean Z between the end of
/// one message's visit to the stations and the sending of the next.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedNetwork {
    /// The number of clients N.
    pub clients: u32,
    /// The mean think time Z (0 allowed: a batch workload).
    pub think: f64,
    /// The stations a message visits.
    pub stations: Vec<Station>,
}

/// What MVA gives for one station.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StationMeasures {
    /// Visits per time unit, X·V_k.
    pub throughput: f64,
    /// Mean time per visit (waiting and service), R_k/V_k.
    pub response: f64,
    /// Mean number of messages at the station, Q_k.
    pub queue: f64,
    /// Fraction of time each consumer is busy, X·D_k/c (for a delay: the mean number in
    /// service, X·D_k).
    pub utilization: f64,
}

/// What MVA gives for the network.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedMeasures {
    /// Messages sent (and completed) per time unit, X.
    pub throughput: f64,
    /// Mean time from a message's sending to its leaving the last station, N/X − Z.
    pub response: f64,
    /// Each station's measures, in the network's order.
    pub stations: Vec<StationMeasures>,
}

/// Largest number of clients the solvers accept.
pub const MAX_CLIENTS: u32 = 1_000_000;

fn check(net: &ClosedNetwork) -> Result<(), ModelError> {
    if net.clients == 0 || net.clients > MAX_CLIENTS {
        return Err(ModelError::InvalidParameter {
            name: "N",
            value: f64::from(net.clients),
            reason: "the number of clients must satisfy 1 <= N <= 10^6",
        });
    }
    if !(net.think.is_finite() && net.think >= 0.0) {
        return Err(ModelError::InvalidParameter {
            name: "Z",
            value: net.think,
            reason: "the think time must be finite and at least 0",
        });
    }
    for s in &net.stations {
        positive("S", s.service)?;
        if !(s.visits.is_finite() && s.visits >= 0.0) {
            return Err(ModelError::InvalidParameter {
                name: "V",
                value: s.visits,
                reason: "visits must be finite and at least 0",
            });
        }
        if let Servers::Queue(c) = s.servers {
            servers(c)?;
        }
    }
    Ok(())
}

fn finish(net: &ClosedNetwork, x: f64, residence: &[f64]) -> ClosedMeasures {
    let stations = (net.stations.iter().zip(residence))
        .map(|(s, &r)| {
            let c = match s.servers {
                Servers::Queue(c) => f64::from(c),
                Servers::Delay => 1.0,
            };
            StationMeasures {
                throughput: x * s.visits,
                response: if s.visits > 0.0 { r / s.visits } else { 0.0 },
                queue: x * r,
                utilization: x * s.demand() / c,
            }
        })
        .collect();
    ClosedMeasures {
        throughput: x,
        response: residence.iter().sum(),
        stations,
    }
}

/// Most clients exact MVA takes when a station has several servers: its marginal
/// probabilities make each population step O(N), the whole O(N²).
pub const MAX_MULTI_SERVER_CLIENTS: usize = 10_000;

/// Exact mean value analysis of a closed product-form network.
///
/// Source: M. Reiser & S. S. Lavenberg, "Mean-value analysis of closed multichain queuing
/// networks", *JACM* 27(2), 1980, 313–322; in the notation of E. D. Lazowska, J. Zahorjan,
/// G. S. Graham & K. C. Sevcik, *Quantitative System Performance* (Prentice-Hall, 1984),
/// §6.3 (single-server stations: R_k(n) = D_k·(1 + Q_k(n − 1)), X(n) = n/(Z + Σ R_k(n)),
/// Q_k(n) = X(n)·R_k(n), by the arrival theorem) and §8.3 (load-dependent stations: a
/// c-server station of rate μ per consumer serves j messages at rate min(j, c)·μ;
/// R_k(n) = V_k·Σ_j j/(min(j, c)μ)·p_k(j − 1 | n − 1), p_k(j | n) =
/// X(n)·V_k/(min(j, c)μ)·p_k(j − 1 | n − 1), p_k(0 | n) = 1 − Σ_{j≥1} p_k(j | n)); also
/// G. Bolch, S. Greiner, H. de Meer & K. S. Trivedi, *Queueing Networks and Markov Chains*
/// (Wiley, 1998), §8.2. Exact when every queue station is FCFS with exponential service
/// (BCMP type 1) and delay stations have any service distribution (type 3: Baskett, Chandy,
/// Muntz & Palacios, *JACM* 22(2), 1975). Cost O(N·K) for single-server stations, O(N²)
/// per multi-server station.
pub fn exact_mva(net: &ClosedNetwork) -> Result<ClosedMeasures, ModelError> {
    check(net)?;
    let k = net.stations.len();
    let n_max = net.clients as usize;
    let multi = net
        .stations
        .iter()
        .any(|s| matches!(s.servers, Servers::Queue(c) if c > 1));
    if multi && n_max > MAX_MULTI_SERVER_CLIENTS {
        return Err(ModelError::InvalidParameter {
            name: "N",
            value: f64::from(net.clients),
            reason: "exact MVA with a multi-server station takes O(N²) steps: at most 10^4 clients",
        });
    }
    let mut q = vec![0.0; k];
    let mut r = vec![0.0; k];
    // Marginal probabilities p_k(j | n − 1), j = 0..n − 1, of multi-server stations.
    let mut marg: Vec<Option<Vec<f64>>> = (net.stations.iter())
        .map(|s| match s.servers {
            Servers::Queue(c) if c > 1 => Some(vec![1.0]),
            _ => None,
        })
        .collect();
    let mut x = 0.0;
    for n in 1..=n_max {
        for (i, s) in net.stations.iter().enumerate() {
            r[i] = match (s.servers, &marg[i]) {
                (Servers::Delay, _) => s.demand(),
                (Servers::Queue(c), Some(p)) => {
                    let mu = 1.0 / s.service;
                    (1..=n)
                        .map(|j| j as f64 / (j.min(c as usize) as f64 * mu) * p[j - 1])
                        .sum::<f64>()
                        * s.visits
                }
                (Servers::Queue(_), None) => s.demand() * (1.0 + q[i]),
            };
        }
        x = n as f64 / (net.think + r.iter().sum::<f64>());
        for (i, s) in net.stations.iter().enumerate() {
            q[i] = x * r[i];
            if let (Servers::Queue(c), Some(p)) = (s.servers, &mut marg[i]) {
                let mu = 1.0 / s.service;
                let mut next = vec![0.0; n + 1];
                for j in 1..=n {
                    next[j] = x * s.visits / (j.min(c as usize) as f64 * mu) * p[j - 1];
                }
                next[0] = (1.0 - next[1..].iter().sum::<f64>()).max(0.0);
                *p = next;
            }
        }
    }
    Ok(finish(net, x, &r))
}

/// The residence times per cycle at population n, given the estimates `q_prev` of each
/// station's queue length at population n − 1 and the throughput `x` at n, for the
/// approximations: a c-server station is taken as a single server of demand D/c plus a
/// delay of D·(c − 1)/c (Seidmann, Schweitzer & Shalev-Oren, "Computerized closed queueing
/// network models of flexible manufacturing systems", *Large Scale Systems* 12, 1987); with
/// non-exponential service the message in service, found with probability U(n − 1), has a
/// mean residual service of E[S²]/(2E[S]) = S·(1 + c²)/2 instead of S (Reiser's heuristic:
/// Lazowska et al., *Quantitative System Performance*, 1984, §8.4). With c² = 1 it is the
/// plain Bard–Schweitzer step.
fn residences(net: &ClosedNetwork, q_prev: &[f64], x: f64, n: f64, r: &mut [f64]) {
    for (i, s) in net.stations.iter().enumerate() {
        let d = s.demand();
        r[i] = match s.servers {
            Servers::Delay => d,
            Servers::Queue(c) => {
                let c = f64::from(c);
                let single = d / c;
                let busy = (x * single * (n - 1.0) / n).min(q_prev[i]).min(1.0);
                single * (1.0 + q_prev[i] - busy)
                    + busy * single * (1.0 + s.scv) / 2.0
                    + d * (c - 1.0) / c
            }
        };
    }
}

/// One fixed point of the approximate MVA at population n: queue lengths at n − 1 estimated
/// from those at n as (n − 1)·(Q_k(n)/n + F_k), F_k the fractional deviations (0 for
/// Bard–Schweitzer). Starts from `q` and leaves the solution there; returns X(n).
fn core(net: &ClosedNetwork, n: f64, f: &[f64], q: &mut [f64]) -> f64 {
    let k = net.stations.len();
    let mut r = vec![0.0; k];
    let mut prev = vec![0.0; k];
    let mut x = 0.0;
    for _ in 0..100_000 {
        for i in 0..k {
            prev[i] = if n > 1.0 {
                ((n - 1.0) * (q[i] / n + f[i])).max(0.0)
            } else {
                0.0
            };
        }
        residences(net, &prev, x, n, &mut r);
        x = n / (net.think + r.iter().sum::<f64>());
        let mut change: f64 = 0.0;
        for i in 0..k {
            let new = x * r[i];
            change = change.max((new - q[i]).abs());
            q[i] = new;
        }
        if change <= 1e-12 * n {
            break;
        }
    }
    x
}

/// The Bard–Schweitzer approximate MVA: Q_k(N − 1) ≈ (N − 1)/N · Q_k(N), iterated to a fixed
/// point. An approximation (errors of a few percent in throughput are usual, larger near
/// saturation); c-server stations as in [`residences`].
///
/// Sources: Y. Bard, "Some extensions to multiclass queueing network analysis", *Proc. 3rd
/// Int. Symp. on Modelling and Performance Evaluation of Computer Systems* (North-Holland,
/// 1979), 51–62; P. J. Schweitzer, "Approximate analysis of multiclass closed networks of
/// queues", *Proc. Int. Conf. on Stochastic Control and Optimization* (Amsterdam, 1979);
/// Lazowska et al., *Quantitative System Performance* (1984), §6.4.2.
pub fn bard_schweitzer(net: &ClosedNetwork) -> Result<ClosedMeasures, ModelError> {
    check(net)?;
    let k = net.stations.len();
    let n = f64::from(net.clients);
    let mut q = vec![n / k.max(1) as f64; k];
    let x = core(net, n, &vec![0.0; k], &mut q);
    let r: Vec<f64> = q.iter().map(|qi| qi / x).collect();
    Ok(finish(net, x, &r))
}

/// Linearizer: the approximate MVA that estimates how each station's share of the clients,
/// Q_k(n)/n, changes from N − 1 to N (the fractional deviation F_k), assumes it is the same
/// from N − 2 to N − 1, and solves the Bard–Schweitzer core at N and N − 1 with it, three
/// times over. An approximation, usually much closer to exact MVA than Bard–Schweitzer;
/// c-server stations as in [`residences`].
///
/// Source: K. M. Chandy & D. Neuse, "Linearizer: a heuristic algorithm for queueing network
/// models of computing systems", *Communications of the ACM* 25(2), 1982, 126–134 (the
/// single-class case); Lazowska et al., *Quantitative System Performance* (1984), §6.4.
pub fn linearizer(net: &ClosedNetwork) -> Result<ClosedMeasures, ModelError> {
    check(net)?;
    let k = net.stations.len();
    let n = f64::from(net.clients);
    if net.clients == 1 {
        return exact_mva(net);
    }
    let mut f = vec![0.0; k];
    let mut q_n = vec![n / k.max(1) as f64; k];
    let mut q_m = vec![(n - 1.0) / k.max(1) as f64; k];
    for _ in 0..3 {
        core(net, n, &f, &mut q_n);
        core(net, n - 1.0, &f, &mut q_m);
        for i in 0..k {
            f[i] = q_m[i] / (n - 1.0) - q_n[i] / n;
        }
    }
    let x = core(net, n, &f, &mut q_n);
    let r: Vec<f64> = q_n.iter().map(|qi| qi / x).collect();
    Ok(finish(net, x, &r))
}

#[cfg(test)]
#[path = "mva_tests.rs"]
mod tests;
