//! The oracle: from a description of a station, the most exact prediction that applies.

use crate::{MD1, MM1, MMc, Measures, ModelError};

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
pub fn predict_station(spec: &StationSpec) -> Verdict {
    let lambda = 1.0 / spec.interarrival.mean;
    let c = spec.consumers;
    let rho = lambda * spec.service.mean / f64::from(c.max(1));
    if rho >= 1.0 {
        return Verdict::Unstable { rho };
    }
    if spec.interarrival.shape != Shape::Exponential {
        return none("arrivals are not Poisson; no exact model for this arrival process yet");
    }
    // With one consumer every dispatch strategy is the same single queue.
    let dispatch = if c == 1 {
        DispatchKind::Shared
    } else {
        spec.dispatch
    };
    let mu = 1.0 / spec.service.mean;
    let result = match (dispatch, spec.service.shape) {
        (DispatchKind::Shared, Shape::Exponential) if c == 1 => MM1::new(lambda, mu).map(mm1),
        (DispatchKind::Shared, Shape::Exponential) => MMc::new(lambda, mu, c).map(|q| {
            let quantiles = |f: &dyn Fn(f64) -> f64| PERCENTILES.map(f);
            exact(
                "M/M/c",
                q.measures(),
                Some(quantiles(&|p| q.sojourn_quantile(p))),
                Some(quantiles(&|p| q.wait_quantile(p))),
            )
        }),
        (DispatchKind::Shared, Shape::Deterministic) if c == 1 => {
            MD1::new(lambda, spec.service.mean).map(|q| exact("M/D/1", q.measures(), None, None))
        }
        (DispatchKind::Random, Shape::Exponential) => {
            // A random split of a Poisson stream is c independent Poisson streams of rate λ/c
            // (the splitting property of Poisson processes, Ross, *Introduction to Probability Models*, §5.3.4), so each consumer is an M/M/1 queue.
            MM1::new(lambda / f64::from(c), mu).map(|q| {
                let mut p = mm1(q);
                p.model = format!("{c} x M/M/1 (random split)");
                scale_counts(&mut p.measures, c);
                p
            })
        }
        (DispatchKind::Random, Shape::Deterministic) => {
            MD1::new(lambda / f64::from(c), spec.service.mean).map(|q| {
                let mut p = exact(
                    &format!("{c} x M/D/1 (random split)"),
                    q.measures(),
                    None,
                    None,
                );
                scale_counts(&mut p.measures, c);
                p
            })
        }
        (DispatchKind::RoundRobin, _) => {
            return none("round-robin over several consumers has no model yet");
        }
        (_, Shape::Deterministic) => return none("M/D/c has no model yet"),
        (_, Shape::General) => return none("general service times have no model yet"),
    };
    match result {
        Ok(p) => Verdict::Predicted(p),
        Err(ModelError::Unstable { rho }) => Verdict::Unstable { rho },
        Err(e) => none(&e.to_string()),
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
        assert!(matches!(
            predict_station(&station(4, DispatchKind::RoundRobin, exp(1.0))),
            Verdict::NoModel { .. }
        ));
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
