//! The oracle: from a description of a station, the most exact prediction that applies.

use crate::approx::{allen_cunneen, kingman};
use crate::{GiM1, GiMc, Interarrival, MD1, MG1, MM1, MMc, Measures, ModelError};

/// The percentiles of T and Wq that kendall reports everywhere.
pub const PERCENTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// The family of a random variate, as far as the models need to know it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Exponential (memoryless).
    Exponential,
    /// Constant.
    Deterministic,
    /// Anything else; only its mean and SCV are known.
    General,
}

/// What the models know of an inter-arrival or service distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariateSpec {
    /// The mean.
    pub mean: f64,
    /// Squared coefficient of variation, Var/mean².
    pub scv: f64,
    /// The family.
    pub shape: Shape,
}

/// How messages are shared out among a station's consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchKind {
    /// One queue, idle consumers pull (M/M/c when exponential).
    Shared,
    /// Each message goes to a consumer chosen uniformly at random.
    Random,
    /// Consumers take turns.
    RoundRobin,
}

/// One station: a queue, its consumers and what arrives at it.
#[derive(Debug, Clone, PartialEq)]
pub struct StationSpec {
    /// Inter-arrival times of the station's (single) arrival stream.
    pub interarrival: VariateSpec,
    /// Service times.
    pub service: VariateSpec,
    /// Number of consumers (servers).
    pub consumers: u32,
    /// Dispatch strategy.
    pub dispatch: DispatchKind,
}

/// Whether a prediction is an exact result or an approximation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exactness {
    /// A closed form or a numerical method exact to the stated precision.
    Exact,
    /// A named approximation; the simulation is the truth.
    Approximation,
}

impl Exactness {
    /// The label used in output ("exact" or "approximation").
    pub fn label(self) -> &'static str {
        match self {
            Exactness::Exact => "exact",
            Exactness::Approximation => "approximation",
        }
    }
}

/// A model's prediction for a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Kendall-notation name of the model used, e.g. "M/M/c".
    pub model: String,
    /// Exact or approximate.
    pub exactness: Exactness,
    /// Mean-value measures.
    pub measures: Measures,
    /// Quantiles of T at [`PERCENTILES`], where the model gives them.
    pub t_quantiles: Option<[f64; 4]>,
    /// Quantiles of Wq at [`PERCENTILES`], where the model gives them.
    pub wq_quantiles: Option<[f64; 4]>,
}

/// The oracle's answer for one station.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A model applies.
    Predicted(Prediction),
    /// The station is overloaded: no steady state exists.
    Unstable {
        /// Offered load per consumer.
        rho: f64,
    },
    /// No model in kendall covers this station.
    NoModel {
        /// Why not, in plain words.
        reason: String,
    },
}

/// Chooses the most exact model for `spec` and evaluates it.
///
/// Order of preference: an exact model for the station as it is (M/M/1, M/M/c, M/D/1,
/// M/G/1, c × M/G/1 for a random split, E_c/M/1 for round-robin, GI/M/c for deterministic
/// arrivals); otherwise a labelled approximation (Kingman for one consumer, Allen–Cunneen for
/// several sharing a queue); otherwise none, with the reason.
pub fn predict_station(spec: &StationSpec) -> Verdict {
    let lambda = 1.0 / spec.interarrival.mean;
    let c = spec.consumers;
    let rho = lambda * spec.service.mean / f64::from(c.max(1));
    if rho >= 1.0 {
        return Verdict::Unstable { rho };
    }
    // With one consumer every dispatch strategy is the same single queue.
    let dispatch = if c == 1 {
        DispatchKind::Shared
    } else {
        spec.dispatch
    };
    let (arrival, service) = (spec.interarrival.shape, spec.service.shape);
    let (es, cs2, ca2) = (spec.service.mean, spec.service.scv, spec.interarrival.scv);
    let mu = 1.0 / es;
    let poisson = arrival == Shape::Exponential;
    let result = match dispatch {
        DispatchKind::Shared if poisson && service == Shape::Exponential && c == 1 => {
            MM1::new(lambda, mu).map(mm1)
        }
        DispatchKind::Shared if poisson && service == Shape::Exponential => MMc::new(lambda, mu, c)
            .map(|q| {
                exact(
                    "M/M/c",
                    q.measures(),
                    Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                    Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                )
            }),
        DispatchKind::Shared if poisson && service == Shape::Deterministic && c == 1 => {
            MD1::new(lambda, es).map(|q| exact("M/D/1", q.measures(), None, None))
        }
        DispatchKind::Shared if poisson && c == 1 => {
            MG1::new(lambda, es, cs2).map(|q| exact("M/G/1", q.measures(), None, None))
        }
        DispatchKind::Shared
            if arrival == Shape::Deterministic && service == Shape::Exponential =>
        {
            GiMc::new(
                Interarrival::Deterministic {
                    value: spec.interarrival.mean,
                },
                mu,
                c,
            )
            .map(|q| {
                exact(
                    if c == 1 { "D/M/1" } else { "D/M/c" },
                    q.measures(),
                    Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                    Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                )
            })
        }
        DispatchKind::Shared if c == 1 => {
            kingman(lambda, es, ca2, cs2).map(|m| approximate("G/G/1 (Kingman)", m))
        }
        DispatchKind::Shared => {
            allen_cunneen(lambda, es, c, ca2, cs2).map(|m| approximate("G/G/c (Allen-Cunneen)", m))
        }
        DispatchKind::Random if poisson => {
            // A random split of a Poisson stream is c independent Poisson streams of rate λ/c
            // (the splitting property, Ross, *Introduction to Probability Models*, §5.3.4), so
            // each consumer is an M/G/1 queue.
            let per = lambda / f64::from(c);
            let single = match service {
                Shape::Exponential => MM1::new(per, mu).map(mm1),
                _ => MG1::new(per, es, cs2).map(|q| exact("M/G/1", q.measures(), None, None)),
            };
            single.map(|mut p| {
                p.model = format!("{c} x {} (random split)", p.model);
                scale_counts(&mut p.measures, c);
                p
            })
        }
        DispatchKind::RoundRobin if poisson && service == Shape::Exponential => {
            GiM1::round_robin(lambda, mu, c).map(|q| {
                let mut p = exact(
                    &format!("{c} x E{c}/M/1 (round-robin)"),
                    q.measures(),
                    Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                    Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                );
                scale_counts(&mut p.measures, c);
                p
            })
        }
        DispatchKind::Random => {
            return none("random dispatch of non-Poisson arrivals has no model");
        }
        DispatchKind::RoundRobin => {
            return none(
                "round-robin has an exact model only for Poisson arrivals and exponential service",
            );
        }
    };
    match result {
        Ok(p) => Verdict::Predicted(p),
        Err(ModelError::Unstable { rho }) => Verdict::Unstable { rho },
        Err(e) => none(&e.to_string()),
    }
}

fn approximate(model: &str, measures: Measures) -> Prediction {
    Prediction {
        model: model.to_string(),
        exactness: Exactness::Approximation,
        measures,
        t_quantiles: None,
        wq_quantiles: None,
    }
}

fn none(reason: &str) -> Verdict {
    Verdict::NoModel {
        reason: reason.to_string(),
    }
}

fn exact(
    model: &str,
    measures: Measures,
    t_quantiles: Option<[f64; 4]>,
    wq_quantiles: Option<[f64; 4]>,
) -> Prediction {
    Prediction {
        model: model.to_string(),
        exactness: Exactness::Exact,
        measures,
        t_quantiles,
        wq_quantiles,
    }
}

fn mm1(q: MM1) -> Prediction {
    exact(
        "M/M/1",
        q.measures(),
        Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
        Some(PERCENTILES.map(|p| q.wait_quantile(p))),
    )
}

/// c independent copies of a station: counts add up, times and per-consumer shares do not.
fn scale_counts(m: &mut Measures, c: u32) {
    let c = f64::from(c);
    m.l *= c;
    m.lq *= c;
    m.throughput *= c;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(mean: f64) -> VariateSpec {
        VariateSpec {
            mean,
            scv: 1.0,
            shape: Shape::Exponential,
        }
    }

    fn station(c: u32, dispatch: DispatchKind, service: VariateSpec) -> StationSpec {
        StationSpec {
            interarrival: exp(1.0 / 3.6),
            service,
            consumers: c,
            dispatch,
        }
    }

    #[test]
    fn picks_models() {
        let det = VariateSpec {
            mean: 1.0,
            scv: 0.0,
            shape: Shape::Deterministic,
        };
        let name = |s: &StationSpec| match predict_station(s) {
            Verdict::Predicted(p) => p.model,
            other => format!("{other:?}"),
        };
        assert_eq!(name(&station(4, DispatchKind::Shared, exp(1.0))), "M/M/c");
        assert_eq!(
            name(&station(1, DispatchKind::RoundRobin, exp(0.25))),
            "M/M/1"
        );
        assert_eq!(
            name(&station(
                1,
                DispatchKind::Shared,
                VariateSpec { mean: 0.25, ..det }
            )),
            "M/D/1"
        );
        assert!(name(&station(4, DispatchKind::Random, exp(1.0))).contains("random split"));
        assert!(name(&station(4, DispatchKind::RoundRobin, exp(1.0))).contains("E4/M/1"));
        let general = VariateSpec {
            mean: 0.25,
            scv: 2.0,
            shape: Shape::General,
        };
        assert_eq!(name(&station(1, DispatchKind::Shared, general)), "M/G/1");
        let general = VariateSpec {
            mean: 1.0,
            scv: 2.0,
            shape: Shape::General,
        };
        assert_eq!(
            name(&station(4, DispatchKind::Shared, general)),
            "G/G/c (Allen-Cunneen)"
        );
        assert!(matches!(
            predict_station(&station(2, DispatchKind::Shared, exp(1.0))),
            Verdict::Unstable { .. }
        ));
    }

    #[test]
    fn random_split_is_c_mm1_queues() {
        let Verdict::Predicted(p) = predict_station(&station(4, DispatchKind::Random, exp(1.0)))
        else {
            panic!("no prediction")
        };
        // Each consumer: λ = 0.9, μ = 1 → T = 10, L = 9; four of them hold 36.
        assert!((p.measures.t - 10.0).abs() < 1e-12);
        assert!((p.measures.l - 36.0).abs() < 1e-12);
        assert!((p.measures.utilization - 0.9).abs() < 1e-12);
    }
}
