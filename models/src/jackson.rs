//! Open Jackson networks: M/M/c stations, Poisson arrivals from outside, Markovian routing.

use crate::{MMc, Measures, ModelError, positive};

/// One station of a Jackson network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JacksonStation {
    /// Rate of Poisson arrivals from outside the network (≥ 0).
    pub external_rate: f64,
    /// Service rate of each consumer.
    pub mu: f64,
    /// Number of consumers (≥ 1).
    pub servers: u32,
}

/// An open Jackson network.
///
/// Source: J. R. Jackson, "Networks of waiting lines", *Operations Research* 5(4), 1957,
/// 518–521; Kleinrock, *Queueing Systems, Vol. 1* (1975), §4.8; Gross & Harris (4th ed.,
/// 2008), ch. 4 (open Jackson networks). The total arrival rates solve the traffic equations
/// λ_j = γ_j + Σ_i λ_i P_ij (here by Gaussian elimination with partial pivoting); if every
/// station has λ_j < c_j μ_j the stationary distribution is the product of independent M/M/c
/// marginals, so each station has its M/M/c measures. End to end (Little's law over the
/// network), T = Σ L_j / Σ γ_j and Wq = Σ Lq_j / Σ γ_j.
///
/// The network must drain: every station that messages can reach must have a route out
/// (a row of P summing to less than 1 somewhere downstream); otherwise the constructor
/// returns `InvalidParameter { name: "routing", .. }`.
#[derive(Debug, Clone, PartialEq)]
pub struct JacksonNetwork {
    lambda: Vec<f64>,
    external: f64,
    stations: Vec<Measures>,
}

fn invalid(name: &'static str, value: f64, reason: &'static str) -> ModelError {
    ModelError::InvalidParameter {
        name,
        value,
        reason,
    }
}

impl JacksonNetwork {
    /// A network of `stations` with routing matrix `routing` (`routing[i][j]` = probability
    /// that a message leaving station i goes next to j; 1 − row sum leaves the network).
    /// Errors on invalid parameters, a network that does not drain, no external arrivals,
    /// or a station with λ_j ≥ c_j μ_j (`Unstable` with that station's load).
    pub fn new(stations: &[JacksonStation], routing: &[Vec<f64>]) -> Result<Self, ModelError> {
        let n = stations.len();
        if n == 0 {
            return Err(invalid("stations", 0.0, "needs at least one station"));
        }
        if routing.len() != n || routing.iter().any(|r| r.len() != n) {
            return Err(invalid(
                "routing",
                routing.len() as f64,
                "must be a square matrix, one row and column per station",
            ));
        }
        for s in stations {
            if !(s.external_rate.is_finite() && s.external_rate >= 0.0) {
                return Err(invalid("external_rate", s.external_rate, "must be >= 0"));
            }
            positive("mu", s.mu)?;
            if s.servers == 0 {
                return Err(invalid("servers", 0.0, "needs at least one consumer"));
            }
        }
        for row in routing {
            for &p in row {
                if !(p.is_finite() && p >= 0.0) {
                    return Err(invalid("routing", p, "probabilities must be >= 0"));
                }
            }
            let total: f64 = row.iter().sum();
            if total > 1.0 + 1e-12 {
                return Err(invalid("routing", total, "a row must sum to at most 1"));
            }
        }
        let external: f64 = stations.iter().map(|s| s.external_rate).sum();
        if external <= 0.0 {
            return Err(invalid(
                "external_rate",
                external,
                "an open network needs arrivals from outside",
            ));
        }
        // Stations reachable from outside, and stations from which the outside is reachable.
        let mut reached: Vec<bool> = stations.iter().map(|s| s.external_rate > 0.0).collect();
        let mut stack: Vec<usize> = (0..n).filter(|&i| reached[i]).collect();
        while let Some(i) = stack.pop() {
            for j in 0..n {
                if routing[i][j] > 0.0 && !reached[j] {
                    reached[j] = true;
                    stack.push(j);
                }
            }
        }
        let mut exits: Vec<bool> = routing
            .iter()
            .map(|r| r.iter().sum::<f64>() < 1.0 - 1e-12)
            .collect();
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if !exits[i] && (0..n).any(|j| routing[i][j] > 0.0 && exits[j]) {
                    exits[i] = true;
                    changed = true;
                }
            }
        }
        if let Some(i) = (0..n).find(|&i| reached[i] && !exits[i]) {
            return Err(invalid(
                "routing",
                i as f64,
                "messages reaching this station can never leave the network",
            ));
        }
        // Traffic equations on the reachable stations: (I − Pᵀ) λ = γ.
        let idx: Vec<usize> = (0..n).filter(|&i| reached[i]).collect();
        let a: Vec<Vec<f64>> = idx
            .iter()
            .map(|&j| {
                idx.iter()
                    .map(|&i| f64::from(u8::from(i == j)) - routing[i][j])
                    .collect()
            })
            .collect();
        let b: Vec<f64> = idx.iter().map(|&j| stations[j].external_rate).collect();
        let x = crate::linalg::solve(&a, &b).ok_or(invalid(
            "routing",
            f64::NAN,
            "traffic equations are singular",
        ))?;
        let mut lambda = vec![0.0; n];
        for (k, &j) in idx.iter().enumerate() {
            lambda[j] = x[k].max(0.0);
        }
        let mut measures = Vec::with_capacity(n);
        for (s, &l) in stations.iter().zip(&lambda) {
            if l == 0.0 {
                measures.push(Measures {
                    t: 1.0 / s.mu,
                    wq: 0.0,
                    l: 0.0,
                    lq: 0.0,
                    utilization: 0.0,
                    throughput: 0.0,
                    p_wait: Some(0.0),
                    p_loss: 0.0,
                });
            } else {
                measures.push(MMc::new(l, s.mu, s.servers)?.measures());
            }
        }
        Ok(Self {
            lambda,
            external,
            stations: measures,
        })
    }

    /// Total arrival rate λ_j at each station (solution of the traffic equations).
    pub fn arrival_rates(&self) -> &[f64] {
        &self.lambda
    }

    /// M/M/c measures of each station, per visit.
    pub fn station_measures(&self) -> &[Measures] {
        &self.stations
    }

    /// End-to-end measures: T and Wq per message from entering to leaving the network, L and
    /// Lq over all stations, throughput = total external rate, `utilization` = the largest
    /// station utilisation (the bottleneck); `p_wait` is `None`.
    pub fn measures(&self) -> Measures {
        let l: f64 = self.stations.iter().map(|m| m.l).sum();
        let lq: f64 = self.stations.iter().map(|m| m.lq).sum();
        Measures {
            t: l / self.external,
            wq: lq / self.external,
            l,
            lq,
            utilization: self
                .stations
                .iter()
                .map(|m| m.utilization)
                .fold(0.0, f64::max),
            throughput: self.external,
            p_wait: None,
            p_loss: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MM1;
    use crate::testkit::solve;

    fn st(external_rate: f64, mu: f64, servers: u32) -> JacksonStation {
        JacksonStation {
            external_rate,
            mu,
            servers,
        }
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// A tandem of M/M/1 stations: end-to-end T is the sum of the M/M/1 T's (Burke's theorem).
    #[test]
    fn tandem_is_sum_of_mm1() {
        let net = JacksonNetwork::new(
            &[st(0.8, 1.0, 1), st(0.0, 2.0, 1), st(0.0, 1.25, 1)],
            &[
                vec![0.0, 1.0, 0.0],
                vec![0.0, 0.0, 1.0],
                vec![0.0, 0.0, 0.0],
            ],
        )
        .unwrap();
        let expect: f64 = [1.0, 2.0, 1.25]
            .iter()
            .map(|&mu| MM1::new(0.8, mu).unwrap().measures().t)
            .sum();
        assert!(close(net.measures().t, expect, 1e-12));
        assert!(net.arrival_rates().iter().all(|&l| close(l, 0.8, 1e-14)));
        assert!(close(net.measures().utilization, 0.8, 1e-14));
    }

    /// Feedback: one M/M/1 station revisited with probability p gets λ = γ/(1−p), and the
    /// mean number of visits is 1/(1−p) (Kleinrock Vol. 1, §4.8).
    #[test]
    fn single_station_with_feedback() {
        let net = JacksonNetwork::new(&[st(0.3, 1.0, 1)], &[vec![0.6]]).unwrap();
        assert!(close(net.arrival_rates()[0], 0.75, 1e-14));
        let per_visit = MM1::new(0.75, 1.0).unwrap().measures();
        assert!(close(net.measures().t, per_visit.t / 0.4, 1e-12));
    }

    /// Independent method: a two-station network with feedback between the stations and
    /// two consumers at station 1, as a CTMC on (n1, n2) solved numerically.
    #[test]
    fn matches_ctmc_of_two_station_network() {
        let (g1, g2, mu1, mu2) = (0.8, 0.3, 0.9, 1.5);
        let (p12, p21) = (0.6, 0.3);
        let net = JacksonNetwork::new(
            &[st(g1, mu1, 2), st(g2, mu2, 1)],
            &[vec![0.0, p12], vec![p21, 0.0]],
        )
        .unwrap();
        let cap = 70u32;
        let (states, pi) = solve((0u32, 0u32), |&(a, b)| {
            let mut out = Vec::new();
            if a < cap {
                out.push(((a + 1, b), g1));
            }
            if b < cap {
                out.push(((a, b + 1), g2));
            }
            if a > 0 {
                let r = mu1 * f64::from(a.min(2));
                if b < cap {
                    out.push(((a - 1, b + 1), r * p12));
                }
                out.push(((a - 1, b), r * (1.0 - p12)));
            }
            if b > 0 {
                if a < cap {
                    out.push(((a + 1, b - 1), mu2 * p21));
                }
                out.push(((a, b - 1), mu2 * (1.0 - p21)));
            }
            out
        });
        let (l1, l2) = crate::testkit::mean_counts(&states, &pi);
        let m = net.station_measures();
        assert!(close(m[0].l, l1, 1e-8), "L1 {} vs {l1}", m[0].l);
        assert!(close(m[1].l, l2, 1e-8), "L2 {} vs {l2}", m[1].l);
        assert!(close(net.measures().t, (l1 + l2) / (g1 + g2), 1e-8));
    }

    /// An unreachable station carries no traffic and does not matter.
    #[test]
    fn unreachable_station_is_idle() {
        let net = JacksonNetwork::new(
            &[st(0.5, 1.0, 1), st(0.0, 1.0, 1)],
            &[vec![0.0, 0.0], vec![1.0, 0.0]],
        )
        .unwrap();
        assert_eq!(net.arrival_rates()[1], 0.0);
        assert!(close(net.measures().t, 2.0, 1e-14));
    }

    #[test]
    fn rejects_bad_networks() {
        // A closed loop that messages enter but never leave.
        assert!(matches!(
            JacksonNetwork::new(
                &[st(0.5, 1.0, 1), st(0.0, 1.0, 1)],
                &[vec![0.0, 1.0], vec![1.0, 0.0]]
            ),
            Err(ModelError::InvalidParameter {
                name: "routing",
                ..
            })
        ));
        // A row summing to more than 1.
        assert!(matches!(
            JacksonNetwork::new(&[st(0.5, 1.0, 1)], &[vec![1.5]]),
            Err(ModelError::InvalidParameter { .. })
        ));
        // Feedback overloads the station: λ = 0.5/0.4 = 1.25 > μ.
        assert!(matches!(
            JacksonNetwork::new(&[st(0.5, 1.0, 1)], &[vec![0.6]]),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            JacksonNetwork::new(&[st(0.0, 1.0, 1)], &[vec![0.0]]),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            JacksonNetwork::new(&[st(0.5, 1.0, 0)], &[vec![0.0]]),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
