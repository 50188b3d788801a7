//! The oracle: from a description of a station, the most exact prediction that applies.

use crate::approx::{allen_cunneen, jsq_mean_field, kingman, power_of_d};
use crate::assumptions::{Feature, Features, Fit, Model, judge};
use crate::{
    ErlangA, ExpTailQueue, GiM1, GiMc, Interarrival, MD1, MDc, MG1, MM1, MMc, Measures, ModelError,
    PatienceFit, mmc_g,
};

/// The percentiles of T and Wq that kendall reports everywhere.
pub const PERCENTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// The family of a random variate, as far as the models need to know it.
///
/// The parametrised families carry what, with the mean of [`VariateSpec`], pins the
/// distribution down, so that exact renewal-arrival models (GI/M/c) can use its transform;
/// see [`VariateSpec::interarrival`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Exponential (memoryless).
    Exponential,
    /// Constant.
    Deterministic,
    /// Erlang with `k` phases (SCV 1/k).
    Erlang {
        /// Number of phases, ≥ 1.
        k: u32,
    },
    /// Gamma with the given shape parameter (SCV 1/shape); the scale is mean/shape.
    Gamma {
        /// Shape parameter, > 0.
        shape: f64,
    },
    /// Uniform on [low, high].
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// A mixture of up to [`Shape::MAX_PHASES`] exponentials: with probability `probs[i]`
    /// an Exp(`rates[i]`), for i < `phases` (the remaining entries are unused). Build it with
    /// [`Shape::hyperexponential`].
    Hyperexponential {
        /// Number of phases used, 1 ..= 4.
        phases: u8,
        /// Phase probabilities.
        probs: [f64; 4],
        /// Phase rates.
        rates: [f64; 4],
    },
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

impl VariateSpec {
    /// The distribution as an inter-arrival time known through its Laplace–Stieltjes
    /// transform, for the GI/M/c models; None for [`Shape::General`].
    pub fn interarrival(&self) -> Option<Interarrival> {
        Some(match self.shape {
            Shape::Exponential => Interarrival::Exponential {
                rate: 1.0 / self.mean,
            },
            Shape::Deterministic => Interarrival::Deterministic { value: self.mean },
            Shape::Erlang { k } => Interarrival::Erlang { k, mean: self.mean },
            Shape::Gamma { shape } => Interarrival::Gamma {
                shape,
                scale: self.mean / shape,
            },
            Shape::Uniform { low, high } => Interarrival::Uniform { low, high },
            Shape::Hyperexponential {
                phases,
                probs,
                rates,
            } => Interarrival::Hyperexponential {
                probs: probs[..phases as usize].to_vec(),
                rates: rates[..phases as usize].to_vec(),
            },
            Shape::General => return None,
        })
    }
}

impl Shape {
    /// Most phases a [`Shape::Hyperexponential`] holds (it stays `Copy`).
    pub const MAX_PHASES: usize = 4;

    /// A hyperexponential shape, or [`Shape::General`] when it has more than
    /// [`Shape::MAX_PHASES`] phases (or none, or the lengths differ).
    pub fn hyperexponential(probs: &[f64], rates: &[f64]) -> Shape {
        let n = probs.len();
        if n == 0 || n > Self::MAX_PHASES || rates.len() != n {
            return Shape::General;
        }
        let (mut p, mut r) = ([0.0; 4], [1.0; 4]);
        p[..n].copy_from_slice(probs);
        r[..n].copy_from_slice(rates);
        Shape::Hyperexponential {
            phases: n as u8,
            probs: p,
            rates: r,
        }
    }

    /// Kendall's letter for the family: M, D, E_k, H_n, or G.
    pub fn kendall(&self) -> String {
        match self {
            Shape::Exponential => "M".into(),
            Shape::Deterministic => "D".into(),
            Shape::Erlang { k } => format!("E{k}"),
            Shape::Hyperexponential { phases, .. } => format!("H{phases}"),
            _ => "G".into(),
        }
    }
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
    /// Join the shortest queue (fewest messages held).
    Jsq,
    /// Sample `d` consumers, join the one holding fewest messages.
    PowerOfD {
        /// How many consumers are sampled.
        d: u32,
    },
    /// The consumer holding the least work (sum of the sizes it holds, the one in service
    /// counted fully).
    LeastWork,
    /// Join an idle consumer if there is one, else a random one.
    Jiq,
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
    /// The label used in output ("exact" or "approximation"); see [`Prediction::kind`].
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
    /// The family whose row of [`crate::assumptions::ASSUMPTIONS`] judges it.
    pub family: Model,
    /// Exact or approximate: the family's nature until [`judged`] weighs the features used.
    pub exactness: Exactness,
    /// Why the figure is exact or approximate: the extensions it rests on, what it ignores
    /// (empty until [`judged`]).
    pub reason: String,
    /// Mean-value measures.
    pub measures: Measures,
    /// Quantiles of T at [`PERCENTILES`], where the model gives them.
    pub t_quantiles: Option<[f64; 4]>,
    /// Quantiles of Wq at [`PERCENTILES`], where the model gives them.
    pub wq_quantiles: Option<[f64; 4]>,
    /// Probability that an arriving message abandons (its patience runs out while it
    /// waits); None where the model has no impatience.
    pub p_abandon: Option<f64>,
    /// The size and solve time of the Markov chain behind a numerical figure (None for a
    /// closed form).
    pub numerical: Option<Numerical>,
}

/// What solving a Markov chain took.
#[derive(Debug, Clone, Copy)]
pub struct Numerical {
    /// States of the truncated chain.
    pub states: usize,
    /// Wall-clock seconds to explore and solve it (never part of a result file, which must
    /// not depend on the machine).
    pub seconds: f64,
}

/// Chains are equal when they have as many states: the solve time is the machine's.
impl PartialEq for Numerical {
    fn eq(&self, other: &Self) -> bool {
        self.states == other.states
    }
}

/// The oracle's answer for one station.
// A verdict is made once per scope and prediction, never per message: boxing the prediction
// would cost every match on it for no measurable gain.
#[allow(clippy::large_enum_variant)]
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
/// M/D/c, M/G/1, c × M/G/1 for a random split, E_c/M/1 for round-robin, GI/M/1 and GI/M/c
/// for renewal arrivals whose transform is known — deterministic, Erlang, gamma, uniform,
/// hyperexponential); otherwise a labelled approximation (Kingman for one consumer,
/// Allen–Cunneen for several sharing a queue, mean-field limits for jsq and power-of-d, the
/// shared queue for least-work); otherwise none, with the reason.
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
    let renewal = spec.interarrival.interarrival();
    let result = match dispatch {
        DispatchKind::Shared if poisson && service == Shape::Exponential && c == 1 => {
            MM1::new(lambda, mu).map(mm1)
        }
        DispatchKind::Shared if poisson && service == Shape::Exponential => MMc::new(lambda, mu, c)
            .map(|q| {
                exact(
                    "M/M/c",
                    Model::MMc,
                    q.measures(),
                    Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                    Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                )
            }),
        DispatchKind::Shared if poisson && service == Shape::Deterministic && c == 1 => {
            MD1::new(lambda, es).map(|q| exact("M/D/1", Model::MD1, q.measures(), None, None))
        }
        DispatchKind::Shared if poisson && service == Shape::Deterministic => {
            MDc::new(lambda, es, c).map(|q| exact("M/D/c", Model::MDc, q.measures(), None, None))
        }
        DispatchKind::Shared if poisson && c == 1 => {
            MG1::new(lambda, es, cs2).map(|q| exact("M/G/1", Model::MG1, q.measures(), None, None))
        }
        DispatchKind::Shared if service == Shape::Exponential && renewal.is_some() => {
            let a = renewal.expect("checked");
            let letter = arrival.kendall();
            if c == 1 {
                GiM1::new(a, mu).map(|q| {
                    exact(
                        &format!("{letter}/M/1"),
                        Model::GiM1,
                        q.measures(),
                        Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                        Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                    )
                })
            } else {
                GiMc::new(a, mu, c).map(|q| {
                    exact(
                        &format!("{letter}/M/c"),
                        Model::GiMc,
                        q.measures(),
                        Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                        Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                    )
                })
            }
        }
        DispatchKind::Shared if c == 1 => {
            kingman(lambda, es, ca2, cs2).map(|m| approximate("G/G/1 (Kingman)", Model::Kingman, m))
        }
        DispatchKind::Shared => allen_cunneen(lambda, es, c, ca2, cs2)
            .map(|m| approximate("G/G/c (Allen-Cunneen)", Model::AllenCunneen, m)),
        DispatchKind::Random if poisson => {
            // A random split of a Poisson stream is c independent Poisson streams of rate λ/c
            // (the splitting property, Ross, *Introduction to Probability Models*, §5.3.4), so
            // each consumer is an M/G/1 queue.
            let per = lambda / f64::from(c);
            let single = match service {
                Shape::Exponential => MM1::new(per, mu).map(mm1),
                _ => MG1::new(per, es, cs2)
                    .map(|q| exact("M/G/1", Model::MG1, q.measures(), None, None)),
            };
            single.map(|mut p| {
                p.model = format!("{c} x {} (random split)", p.model);
                p.family = Model::RandomSplit;
                scale_counts(&mut p.measures, c);
                p
            })
        }
        DispatchKind::RoundRobin if poisson && service == Shape::Exponential => {
            GiM1::round_robin(lambda, mu, c).map(|q| {
                let mut p = exact(
                    &format!("{c} x E{c}/M/1 (round-robin)"),
                    Model::RoundRobinSplit,
                    q.measures(),
                    Some(PERCENTILES.map(|p| q.sojourn_quantile(p))),
                    Some(PERCENTILES.map(|p| q.wait_quantile(p))),
                );
                scale_counts(&mut p.measures, c);
                p
            })
        }
        DispatchKind::Jsq if poisson && service == Shape::Exponential => {
            jsq_mean_field(lambda / f64::from(c), es).map(|m| {
                let mut p = approximate("JSQ mean-field (n→∞)", Model::JsqMeanField, m);
                scale_counts(&mut p.measures, c);
                p
            })
        }
        DispatchKind::PowerOfD { d } if poisson && service == Shape::Exponential => {
            power_of_d(lambda / f64::from(c), es, d).map(|m| {
                let mut p = approximate(
                    "power-of-d mean-field (Mitzenmacher)",
                    Model::PowerOfDMeanField,
                    m,
                );
                scale_counts(&mut p.measures, c);
                p
            })
        }
        // Least-work would be exactly the shared FCFS queue (M/G/c) if it saw each consumer's
        // true remaining work: a message then joins the consumer that frees up first, which is
        // when it would start in the shared queue (Harchol-Balter, *Performance Modeling and
        // Design of Computer Systems*, 2013, ch. 24, Least-Work-Left ≡ central-queue FCFS).
        // kendall's broker counts the message in service with its full size, not what is
        // left of it, so the shared-queue M/M/c is only an approximation here.
        DispatchKind::LeastWork if poisson && service == Shape::Exponential => {
            MMc::new(lambda, mu, c).map(|q| {
                approximate(
                    "M/M/c (least-work ≈ shared queue)",
                    Model::LeastWorkShared,
                    q.measures(),
                )
            })
        }
        DispatchKind::Jsq | DispatchKind::PowerOfD { .. } | DispatchKind::LeastWork => {
            return none(
                "jsq, power-of-d and least-work have approximations only for Poisson arrivals and exponential service",
            );
        }
        DispatchKind::Jiq => return none("join-idle-queue dispatch has no model in kendall"),
        DispatchKind::Random => {
            return none("random dispatch of non-Poisson arrivals has no model");
        }
        DispatchKind::RoundRobin => {
            return none(
                "round-robin has an exact model only for Poisson arrivals and exponential service",
            );
        }
    };
    Verdict::from_model(result)
}

/// Chooses the model for a station whose waiting messages abandon after a `patience`
/// (measured from entering the queue, while not yet taken by a consumer).
///
/// Poisson arrivals, exponential service and consumers sharing one queue: the exact
/// Erlang-A M/M/c+M ([`crate::ErlangA`], Palm 1946; Mandelbaum & Zeltyn 2007) when the
/// patience is exponential; otherwise the M/M/c+G approximation that runs Erlang-A at
/// θ = 1/E\[patience\] ([`crate::mmc_g`], Whitt, *Management Science* 51(2), 2005), which
/// ignores the shape of the patience. T and Wq are over all arrivals (an abandoned message
/// counts its wait until it left), throughput counts served messages and `p_abandon` is set.
/// Anything else has no model. Stable at every load (abandonment bounds the queue).
pub fn predict_impatient(spec: &StationSpec, patience: &VariateSpec) -> Verdict {
    let exponential = |v: &VariateSpec| v.shape == Shape::Exponential;
    if !exponential(&spec.interarrival) || !exponential(&spec.service) {
        return none("patience has a model only for Poisson arrivals and exponential service");
    }
    let c = spec.consumers;
    if c > 1 && spec.dispatch != DispatchKind::Shared {
        return none("patience has a model only when consumers share one queue");
    }
    let (lambda, mu) = (1.0 / spec.interarrival.mean, 1.0 / spec.service.mean);
    let servers = if c == 1 { "1" } else { "c" };
    let result = if exponential(patience) {
        ErlangA::new(lambda, mu, c, 1.0 / patience.mean).map(|q| {
            let m = q.measures();
            let mut p = exact(
                &format!("M/M/{servers}+M (Erlang-A)"),
                Model::ErlangA,
                m.all,
                None,
                None,
            );
            p.p_abandon = Some(m.p_abandon);
            p
        })
    } else {
        mmc_g(lambda, mu, c, PatienceFit::MeanPatience(patience.mean)).map(|q| {
            let m = q.measures();
            let mut p = approximate(
                &format!(
                    "M/M/{servers}+G as Erlang-A (θ = 1/E[patience]; ignores the patience's shape)"
                ),
                Model::MmcG,
                m.all,
            );
            p.p_abandon = Some(m.p_abandon);
            p
        })
    };
    match result {
        Ok(p) => Verdict::Predicted(p),
        Err(e) => none(&e.to_string()),
    }
}

/// Weighs `prediction` against the features a scope `used`, by its family's row of
/// [`crate::assumptions::ASSUMPTIONS`]: exact only when every feature is admitted (the
/// extensions it rests on go in [`Prediction::reason`]); an approximation saying what it
/// ignores; or no model, naming each feature the family cannot take as `name(feature)`
/// calls it (the scenario key, say). Every figure kendall prints passes through here.
pub fn judged(
    mut prediction: Prediction,
    used: Features,
    name: impl Fn(Feature) -> String,
) -> Verdict {
    let describe = |list: &[(Feature, &str)]| {
        list.iter()
            .map(|(f, why)| format!("{}: {why}", name(*f)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match judge(prediction.family, used) {
        Fit::Exact { extensions } => {
            prediction.exactness = Exactness::Exact;
            prediction.reason = if extensions.is_empty() {
                "every feature used is among the model's assumptions".to_string()
            } else {
                format!("exact by extension: {}", describe(&extensions))
            };
            Verdict::Predicted(prediction)
        }
        Fit::Approximation {
            ignored,
            extensions,
        } => {
            prediction.exactness = Exactness::Approximation;
            let mut parts = Vec::new();
            if ignored.is_empty() {
                parts.push(format!("{} is an approximation", prediction.model));
            } else {
                parts.push(format!("ignores {}", describe(&ignored)));
            }
            if !extensions.is_empty() {
                parts.push(format!("extended: {}", describe(&extensions)));
            }
            prediction.reason = parts.join("; ");
            Verdict::Predicted(prediction)
        }
        Fit::NoModel { missing } => Verdict::NoModel {
            reason: format!(
                "{} does not admit {}",
                prediction.model,
                missing
                    .iter()
                    .map(|f| format!("{} ({f})", name(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn approximate(model: &str, family: Model, measures: Measures) -> Prediction {
    Prediction {
        model: model.to_string(),
        family,
        exactness: Exactness::Approximation,
        reason: String::new(),
        measures,
        t_quantiles: None,
        wq_quantiles: None,
        p_abandon: None,
        numerical: None,
    }
}

fn none(reason: &str) -> Verdict {
    Verdict::NoModel {
        reason: reason.to_string(),
    }
}

fn exact(
    model: &str,
    family: Model,
    measures: Measures,
    t_quantiles: Option<[f64; 4]>,
    wq_quantiles: Option<[f64; 4]>,
) -> Prediction {
    Prediction {
        t_quantiles,
        wq_quantiles,
        ..Prediction::exact(model, family, measures)
    }
}

impl Prediction {
    /// What kind of figure this is, as output prints it: "approximation", "exact", or for a
    /// Markov chain solved numerically "exact (numerical, truncation < 1e-9)".
    pub fn kind(&self) -> &'static str {
        match (self.exactness, self.numerical) {
            (Exactness::Exact, Some(_)) => "exact (numerical, truncation < 1e-9)",
            (e, _) => e.label(),
        }
    }

    /// An exact prediction of `model` (of `family`) by its means: no quantiles, no
    /// abandonment, no reason until [`judged`].
    pub fn exact(model: impl Into<String>, family: Model, measures: Measures) -> Self {
        Prediction {
            model: model.into(),
            family,
            exactness: Exactness::Exact,
            reason: String::new(),
            measures,
            t_quantiles: None,
            wq_quantiles: None,
            p_abandon: None,
            numerical: None,
        }
    }
}

impl Verdict {
    /// A model's answer: its prediction; unstable where the model found ρ ≥ 1; none, with
    /// the model's complaint, for any other error.
    pub fn from_model(result: Result<Prediction, ModelError>) -> Self {
        match result {
            Ok(p) => Verdict::Predicted(p),
            Err(ModelError::Unstable { rho }) => Verdict::Unstable { rho },
            Err(e) => none(&e.to_string()),
        }
    }
}

fn mm1(q: MM1) -> Prediction {
    exact(
        "M/M/1",
        Model::MM1,
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
    use crate::testkit::exp;

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

    fn name_of(s: &StationSpec) -> String {
        match predict_station(s) {
            Verdict::Predicted(p) => format!("{} [{}]", p.model, p.exactness.label()),
            other => format!("{other:?}"),
        }
    }

    /// Renewal arrivals with a known transform and exponential service: exact GI/M/1 and
    /// GI/M/c; the shapes round-trip into [`Interarrival`] with the same mean and SCV.
    #[test]
    fn renewal_arrivals_use_gim() {
        let shapes = [
            (Shape::Erlang { k: 3 }, 1.0 / 3.0, "E3"),
            (Shape::Gamma { shape: 0.5 }, 2.0, "G"),
            (
                Shape::Uniform {
                    low: 0.0,
                    high: 2.0 / 3.6,
                },
                1.0 / 3.0,
                "G",
            ),
            (
                Shape::hyperexponential(&[0.25, 0.75], &[7.2 * 0.25, 7.2 * 0.75]),
                f64::NAN,
                "H2",
            ),
        ];
        for (shape, scv, letter) in shapes {
            let arrivals = VariateSpec {
                mean: 1.0 / 3.6,
                scv,
                shape,
            };
            let a = arrivals.interarrival().expect("known transform");
            assert!((a.mean() - 1.0 / 3.6).abs() < 1e-12, "{shape:?}");
            if scv.is_finite() {
                assert!((a.scv() - scv).abs() < 1e-12, "{shape:?}");
            }
            let spec = StationSpec {
                interarrival: arrivals,
                service: exp(1.0),
                consumers: 4,
                dispatch: DispatchKind::Shared,
            };
            assert_eq!(name_of(&spec), format!("{letter}/M/c [exact]"));
            let Verdict::Predicted(p) = predict_station(&spec) else {
                unreachable!()
            };
            let direct = GiMc::new(a.clone(), 1.0, 4).unwrap().measures();
            assert!((p.measures.t - direct.t).abs() < 1e-12);
            let one = StationSpec {
                service: exp(0.25),
                consumers: 1,
                ..spec
            };
            assert_eq!(name_of(&one), format!("{letter}/M/1 [exact]"));
        }
        assert_eq!(
            Shape::hyperexponential(&[0.2; 5], &[1.0; 5]),
            Shape::General
        );
        let general = VariateSpec {
            mean: 1.0,
            scv: 2.0,
            shape: Shape::General,
        };
        assert!(general.interarrival().is_none());
    }

    /// Poisson arrivals and constant service over several consumers: the exact M/D/c.
    #[test]
    fn deterministic_service_over_consumers_is_mdc() {
        let det = VariateSpec {
            mean: 1.0,
            scv: 0.0,
            shape: Shape::Deterministic,
        };
        let spec = station(4, DispatchKind::Shared, det);
        assert_eq!(name_of(&spec), "M/D/c [exact]");
        let Verdict::Predicted(p) = predict_station(&spec) else {
            unreachable!()
        };
        let m = MDc::new(3.6, 1.0, 4).unwrap().measures();
        assert!((p.measures.wq - m.wq).abs() < 1e-12 * m.wq);
        assert_eq!(p.measures.p_wait, m.p_wait);
    }

    /// Load-aware push dispatch: mean-field approximations for jsq and power-of-d, the
    /// shared queue for least-work, all labelled approximations; jiq has none.
    #[test]
    fn dispatch_approximations() {
        let jsq = station(4, DispatchKind::Jsq, exp(1.0));
        assert_eq!(name_of(&jsq), "JSQ mean-field (n→∞) [approximation]");
        let pod = station(4, DispatchKind::PowerOfD { d: 2 }, exp(1.0));
        assert_eq!(
            name_of(&pod),
            "power-of-d mean-field (Mitzenmacher) [approximation]"
        );
        let Verdict::Predicted(p) = predict_station(&pod) else {
            unreachable!()
        };
        let per = power_of_d(0.9, 1.0, 2).unwrap();
        assert!((p.measures.t - per.t).abs() < 1e-12);
        assert!((p.measures.l - 4.0 * per.l).abs() < 1e-12);
        let lw = station(4, DispatchKind::LeastWork, exp(1.0));
        assert_eq!(
            name_of(&lw),
            "M/M/c (least-work ≈ shared queue) [approximation]"
        );
        assert!(matches!(
            predict_station(&station(4, DispatchKind::Jiq, exp(1.0))),
            Verdict::NoModel { .. }
        ));
        let general = VariateSpec {
            mean: 1.0,
            scv: 2.0,
            shape: Shape::General,
        };
        assert!(matches!(
            predict_station(&station(4, DispatchKind::Jsq, general)),
            Verdict::NoModel { .. }
        ));
        // One consumer: every strategy is the single queue.
        assert_eq!(
            name_of(&station(1, DispatchKind::Jiq, exp(0.25))),
            "M/M/1 [exact]"
        );
    }
}
