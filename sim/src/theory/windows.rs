//! Theory window by window for a run to a horizon (`[run] horizon` and `window`): what a
//! time-varying model says of each window's metrics, judged by the same assumption table as
//! the whole run's theory ([`kendall_models::judge`]), so that "exact" is said only when
//! every feature the scenario uses is among the model's assumptions.
//!
//! The system scope of one queue (no routes) fed by Poisson producers — constant or
//! time-varying rates, their sum when several ([`RateFn::Sum`]) — started empty at t = 0:
//! - **M_t/M/c+M from empty** ([`MtMcTransient`], forward equations) when the service is
//!   exponential: L, Lq, utilisation and throughput per window are exact numerics of the
//!   model, and so are P(wait), Wq, T and p_abandon of the messages that *arrived* in the
//!   window (the convention of [`crate::windows`]): PASTA at each instant and the fate of a
//!   FIFO arrival given what it finds, not Little's law (which does not hold over a finite
//!   window). Exact when the gate admits every feature; a consumer schedule makes them an
//!   approximation (the chain drops consumers at once, and an arrival's fate assumes the
//!   count it found), as the table says. The simulation's last windows censor the messages
//!   still inside at the horizon (no T yet), which biases their T and Wq low.
//! - Past a work budget (a long horizon against fast rates) the forward equations give way
//!   to the **modified-offered-load approximation** (MOL, [`MtMc`]) per window, labelled.
//! - **M_t/G/∞** ([`MtGInf`]) for non-exponential service, only as an **approximation**
//!   labelled "consumers never all busy", and only when the Poisson number in system
//!   reaches all c consumers with probability at most [`ALL_BUSY`] at every instant checked
//!   (window ends and 8 points inside each): L is m(t)'s window average, nobody waits, T is
//!   the mean service time. With many consumers this is as good as exact, but a finite c is
//!   not the model's infinite one, so it is never called exact.
//! - Anything else (several queues, MMPP, batches, traces, non-exponential patience, …):
//!   no per-window figure, and [`WindowsTheory::summary`] names the key no model admits.

use std::sync::Arc;

use kendall_models::{
    Exactness, Feature, Features, Fit, Model, MtGInf, MtMc, MtMcTransient, RateFn, ServiceLaw,
    WindowMethod, judge,
};
use statrs::distribution::{ContinuousCDF, Gamma, LogNormal};

use super::features::{self, Used, common_speed};
use crate::dist::Distribution;
use crate::scenario::Scenario;
use crate::stats::{METRICS, Metric};
use crate::windows::{window_bounds, window_count};

/// The most level-steps (RK4 steps × chain levels) the forward equations may take before
/// MOL stands in: about a second of arithmetic.
pub const FORWARD_BUDGET: f64 = 2.0e7;

/// The largest probability that all consumers are busy at which M_t/G/∞ is offered.
pub const ALL_BUSY: f64 = 1e-3;

/// One metric's theory in one window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowValue {
    /// The model's value.
    pub value: f64,
    /// Exact, or an approximation.
    pub exactness: Exactness,
    /// The model, as the output names it.
    pub model: Arc<str>,
}

/// Theory for one window: a value per metric where the model gives one.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowTheory {
    /// Window start.
    pub start: f64,
    /// Window end.
    pub end: f64,
    /// Per metric, indexed like [`Metric::ALL`].
    pub metrics: Vec<Option<WindowValue>>,
}

impl WindowTheory {
    /// The theory of `m` in this window, if any.
    pub fn get(&self, m: Metric) -> Option<&WindowValue> {
        self.metrics[m as usize].as_ref()
    }
}

/// A run's per-window theory: the windows (empty when no model applies) and one line that
/// says which model and how exact, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowsTheory {
    /// Every window, in time order (empty when no model applies).
    pub windows: Vec<WindowTheory>,
    /// The model and its exactness with the reason, or why there is no per-window theory.
    pub summary: String,
}

impl WindowsTheory {
    /// The per-window theory of `scenario` if it runs to a horizon in windows.
    pub fn of(scenario: &Scenario) -> Option<WindowsTheory> {
        let h = scenario.run.horizon?;
        Some(windows_theory(scenario, h.end, h.window?))
    }

    fn none(summary: String) -> Self {
        WindowsTheory {
            windows: Vec::new(),
            summary,
        }
    }
}

/// The per-window theory of `scenario` over [0, `horizon`) in windows of `window`, one entry
/// per window (as [`crate::windows::window_bounds`] cuts them), empty when no model
/// applies. The one function to call for theory per window.
pub fn window_theory(scenario: &Scenario, horizon: f64, window: f64) -> Vec<WindowTheory> {
    windows_theory(scenario, horizon, window).windows
}

/// [`window_theory`] with the line that says which model, or why none.
pub fn windows_theory(scenario: &Scenario, horizon: f64, window: f64) -> WindowsTheory {
    if !(horizon > 0.0 && window > 0.0) {
        return WindowsTheory::none("none: no windows".into());
    }
    if scenario.queues.len() > 1 || !scenario.queues[0].routes.is_empty() {
        return WindowsTheory::none(
            "none: theory per window covers a single queue (the scenario has a network: \
             queues)"
                .into(),
        );
    }
    let used = used(scenario);
    let q = &scenario.queues[0];
    let speed = common_speed(q);
    let forward = judge(Model::MtMcForward, used.features);
    let infinite = judge(Model::MtGInf, used.features);
    let bounds: Vec<(f64, f64)> = (0..window_count(horizon, window))
        .map(|k| window_bounds(horizon, window, k))
        .collect();
    let (Some(rate), Some(service)) = (merged_rate(scenario), q.service.first()) else {
        return no_model(&used, &forward);
    };
    let mean_service = service.mean() / speed;
    if !matches!(forward, Fit::NoModel { .. }) {
        let mu = 1.0 / mean_service;
        let theta = q.patience.as_ref().map_or(0.0, |p| 1.0 / p.mean());
        return exponential(
            scenario, rate, mu, theta, &forward, &used, horizon, window, &bounds,
        );
    }
    if !matches!(infinite, Fit::NoModel { .. })
        && let Some(law) = service_law(service, speed)
    {
        return infinite_server(rate, law, q.consumers, &bounds, &used);
    }
    no_model(&used, &forward)
}

/// The features the system scope uses; merged Poisson producers are one Poisson stream, so
/// [`Feature::MergedArrivals`] is dropped when every producer is Poisson.
fn used(s: &Scenario) -> Used {
    let mut rates = vec![0.0; s.classes.len()];
    for p in &s.producers {
        rates[p.class] += p.message_rate();
    }
    let used = features::arrivals(&s.producers).union(&features::station(s, 0, &rates));
    if s.producers.iter().all(|p| poisson_rate(p).is_some()) {
        let all: Features = Feature::ALL
            .iter()
            .copied()
            .filter(|&f| f != Feature::MergedArrivals)
            .collect();
        used.without_all_but(all)
    } else {
        used
    }
}

/// Why no model: the forward equations' missing features, by key.
fn no_model(used: &Used, forward: &Fit) -> WindowsTheory {
    let missing: Vec<String> = match forward {
        Fit::NoModel { missing } => missing
            .iter()
            .map(|f| format!("{} ({f})", used.key(f)))
            .collect(),
        _ => vec!["the arrivals (not Poisson)".into()],
    };
    WindowsTheory::none(format!(
        "none: no time-varying model admits {}",
        missing.join(", ")
    ))
}

/// A producer's Poisson rate function, if its arrivals are Poisson (one message each).
fn poisson_rate(p: &crate::scenario::Producer) -> Option<RateFn> {
    if p.batch.is_some() {
        return None;
    }
    p.interarrival.poisson_rate()
}

/// The producers' merged rate, if all are Poisson.
pub(crate) fn merged_rate(s: &Scenario) -> Option<RateFn> {
    let parts: Option<Vec<RateFn>> = s.producers.iter().map(poisson_rate).collect();
    RateFn::sum(parts?).ok()
}

/// The model's label and exactness from the gate's fit (with the features it ignores).
fn labelled(model: &str, fit: &Fit, used: &Used) -> (Exactness, String) {
    match fit {
        Fit::Exact { .. } => (Exactness::Exact, model.to_string()),
        Fit::Approximation { ignored, .. } => {
            let keys: Vec<String> = ignored.iter().map(|(f, _)| used.key(*f)).collect();
            (
                Exactness::Approximation,
                format!("{model}, ignoring part of {}", keys.join(", ")),
            )
        }
        Fit::NoModel { .. } => (Exactness::Approximation, model.to_string()),
    }
}

/// M_t/M/c(+M) by the forward equations, or MOL past the budget.
#[allow(clippy::too_many_arguments)]
fn exponential(
    s: &Scenario,
    rate: RateFn,
    mu: f64,
    theta: f64,
    fit: &Fit,
    used: &Used,
    horizon: f64,
    window: f64,
    bounds: &[(f64, f64)],
) -> WindowsTheory {
    let q = &s.queues[0];
    let staffing = q.schedule.as_ref().map(|c| {
        let values = c.values.iter().map(|&v| f64::from(v)).collect();
        RateFn::piecewise(c.at.clone(), values, c.repeat)
    });
    let model =
        MtMcTransient::new(rate.clone(), mu, q.consumers.max(1), theta).and_then(
            |m| match staffing {
                Some(Ok(c)) => m.with_consumers(c),
                Some(Err(e)) => Err(e),
                None => Ok(m),
            },
        );
    let name = if theta > 0.0 {
        "M_t/M/c+M forward equations from empty"
    } else {
        "M_t/M/c forward equations from empty"
    };
    let (kind, label) = labelled(name, fit, used);
    let solved = model.and_then(|m| m.with_budget(FORWARD_BUDGET).windows(horizon, window));
    match solved {
        Ok(ws) if ws.len() == bounds.len() => {
            let main: Arc<str> = label.clone().into();
            let windows = ws
                .iter()
                .map(|w| {
                    let span = w.end - w.start;
                    let mut metrics = vec![None; METRICS];
                    let mut put = |m: Metric, value: f64| {
                        if value.is_finite() {
                            metrics[m as usize] = Some(WindowValue {
                                value,
                                exactness: kind,
                                model: main.clone(),
                            });
                        }
                    };
                    put(Metric::L, w.l);
                    put(Metric::Lq, w.lq);
                    put(Metric::Utilization, w.utilization);
                    put(Metric::Throughput, w.completed / span);
                    if w.arrivals > 0.0 {
                        put(Metric::PWait, w.p_wait);
                        put(Metric::Wq, w.wait);
                        put(Metric::T, w.wait + (1.0 - w.abandon) / mu);
                        if theta > 0.0 {
                            put(Metric::PAbandon, w.abandon);
                        }
                    }
                    WindowTheory {
                        start: w.start,
                        end: w.end,
                        metrics,
                    }
                })
                .collect();
            WindowsTheory {
                windows,
                summary: format!("{label} ({})", kind.label()),
            }
        }
        _ if theta == 0.0 => mol(s, rate, mu, bounds),
        _ => WindowsTheory::none(format!(
            "none: the forward equations did not fit the budget of {FORWARD_BUDGET:e} \
             level-steps (or the queue outgrew every truncation), and no cheaper model \
             admits {}",
            used.key(Feature::ExponentialPatience)
        )),
    }
}

/// MOL per window (Jennings, Mandelbaum, Massey & Whitt 1996), with the window's consumer
/// count (its time average, rounded, under a schedule).
fn mol(s: &Scenario, rate: RateFn, mu: f64, bounds: &[(f64, f64)]) -> WindowsTheory {
    let q = &s.queues[0];
    let label: Arc<str> = "M_t/M/c MOL (Jennings et al. 1996)".into();
    let Ok(model) = MtMc::new(rate, mu) else {
        return WindowsTheory::none("none: MOL refused the rate".into());
    };
    let windows = bounds
        .iter()
        .map(|&(a, b)| {
            let c = q
                .schedule
                .as_ref()
                .map_or(q.consumers, |c| c.mean_over(a, b).round() as u32);
            let mut metrics = vec![None; METRICS];
            if let Ok(m) = model.window(WindowMethod::Mol, a, b, c) {
                let mut put = |metric: Metric, value: f64| {
                    metrics[metric as usize] = Some(WindowValue {
                        value,
                        exactness: Exactness::Approximation,
                        model: label.clone(),
                    });
                };
                put(Metric::L, m.l);
                put(Metric::Lq, m.lq);
                put(Metric::T, m.t);
                put(Metric::Wq, m.wq);
                put(Metric::Utilization, m.utilization);
                put(Metric::Throughput, m.throughput);
                if let Some(p) = m.p_wait {
                    put(Metric::PWait, p);
                }
            }
            WindowTheory {
                start: a,
                end: b,
                metrics,
            }
        })
        .collect();
    WindowsTheory {
        windows,
        summary: format!(
            "{label} (approximation: the forward equations exceed the budget of \
             {FORWARD_BUDGET:e} level-steps)"
        ),
    }
}

/// M_t/G/∞ as an approximation, where the consumers are never all busy in practice.
fn infinite_server(
    rate: RateFn,
    law: ServiceLaw,
    c: u32,
    bounds: &[(f64, f64)],
    used: &Used,
) -> WindowsTheory {
    let mean_service = law.mean();
    let Ok(model) = MtGInf::new(rate.clone(), law) else {
        return WindowsTheory::none("none: M_t/G/∞ refused the service".into());
    };
    // P(N(t) ≥ c) at window ends and 8 points inside each.
    let worst = bounds
        .iter()
        .flat_map(|&(a, b)| (0..=8).map(move |i| a + (b - a) * f64::from(i) / 8.0))
        .map(|t| {
            let n = model.number_in_system(t);
            if c == 0 {
                1.0
            } else {
                1.0 - n.cdf(u64::from(c) - 1)
            }
        })
        .fold(0.0, f64::max);
    if worst > ALL_BUSY {
        let service = [Feature::GeneralService, Feature::DeterministicService]
            .into_iter()
            .find(|&f| used.features.contains(f))
            .map_or_else(|| "the service".to_string(), |f| used.key(f));
        return WindowsTheory::none(format!(
            "none: M_t/G/∞ would need the consumers (c = {c}) never all busy, but they all are \
             with probability up to {worst:.3} (more than {ALL_BUSY}), and no time-varying \
             model with waiting admits {service}"
        ));
    }
    let label: Arc<str> = "M_t/G/∞ (consumers never all busy)".into();
    let windows = bounds
        .iter()
        .map(|&(a, b)| {
            let span = b - a;
            let l = model.window_mean(a, b);
            // Departures in the window: arrivals less the growth of the number inside.
            let departures = rate.integrated(a, b) - model.mean(b) + model.mean(a);
            let mut metrics = vec![None; METRICS];
            let mut put = |m: Metric, value: f64| {
                metrics[m as usize] = Some(WindowValue {
                    value,
                    exactness: Exactness::Approximation,
                    model: label.clone(),
                });
            };
            put(Metric::L, l);
            put(Metric::Lq, 0.0);
            put(Metric::Wq, 0.0);
            put(Metric::T, mean_service);
            put(Metric::PWait, 0.0);
            put(Metric::Utilization, l / f64::from(c.max(1)));
            put(Metric::Throughput, departures / span);
            WindowTheory {
                start: a,
                end: b,
                metrics,
            }
        })
        .collect();
    WindowsTheory {
        windows,
        summary: format!(
            "{label} (approximation: all {c} consumers busy with probability at most \
             {worst:.1e})"
        ),
    }
}

/// The service-time law of `d` on consumers of speed `speed`, for M_t/G/∞ (None for a law
/// with no survival function here).
fn service_law(d: &Distribution, speed: f64) -> Option<ServiceLaw> {
    let mean = d.mean() / speed;
    let sf: Arc<dyn Fn(f64) -> f64 + Send + Sync> = match d {
        Distribution::Exponential(..) => return Some(ServiceLaw::Exponential { mean }),
        Distribution::Deterministic(v) => {
            return Some(ServiceLaw::Deterministic { time: v / speed });
        }
        Distribution::Uniform { low, high, .. } => {
            let (lo, hi) = (*low, *high);
            Arc::new(move |u: f64| ((hi - u) / (hi - lo)).clamp(0.0, 1.0))
        }
        Distribution::Erlang { k, mean: m, .. } => {
            let g = Gamma::new(f64::from(*k), f64::from(*k) / m).ok()?;
            Arc::new(move |u: f64| g.sf(u))
        }
        Distribution::Gamma { shape, scale, .. } => {
            let g = Gamma::new(*shape, 1.0 / scale).ok()?;
            Arc::new(move |u: f64| g.sf(u))
        }
        Distribution::LogNormal { mu, sigma, .. } => {
            let g = LogNormal::new(*mu, *sigma).ok()?;
            Arc::new(move |u: f64| if u <= 0.0 { 1.0 } else { g.sf(u) })
        }
        Distribution::Weibull { shape, scale, .. } => {
            let (k, l) = (*shape, *scale);
            Arc::new(move |u: f64| (-(u.max(0.0) / l).powf(k)).exp())
        }
        Distribution::Hyperexponential { probs, rates, .. } => {
            let (p, r) = (probs.clone(), rates.clone());
            Arc::new(move |u: f64| {
                p.iter()
                    .zip(r.iter())
                    .map(|(p, r)| p * (-r * u.max(0.0)).exp())
                    .sum()
            })
        }
        Distribution::Pareto { shape, scale, .. } if shape.is_finite() && *shape > 1.0 => {
            let (a, x) = (*shape, *scale);
            Arc::new(move |u: f64| if u < x { 1.0 } else { (x / u).powf(a) })
        }
        _ => return None,
    };
    Some(ServiceLaw::General {
        mean,
        survival: Arc::new(move |u: f64| sf(u * speed)),
    })
}
