//! The fluid model of a retry storm ([`kendall_models::retry_fluid`]) for a scenario whose
//! senders time out and retry: whether its load is metastable, the backlog that times
//! senders out, the fluid's goodput over time, and the tipping burst. An approximation,
//! labelled as one wherever it is shown.

use kendall_models::RateFn;
use kendall_models::retry_fluid::{FluidPath, RetryFluid};

use crate::scenario::{Backoff, Jitter, Scenario};

/// Grid steps of the fluid path over the horizon.
const STEPS: usize = 200_000;

/// The fluid model of a scenario's retry storm.
#[derive(Debug, Clone, PartialEq)]
pub struct StormFluid {
    /// The model.
    pub fluid: RetryFluid,
    /// The fresh rate at time 0 (before any burst).
    pub base: f64,
    /// The highest fresh rate, and when it starts and how long it lasts (a piecewise rate's
    /// highest piece; None for a rate without one).
    pub burst: Option<(f64, f64, f64)>,
    /// The least burst duration (at the burst's rate and start) that leaves the queue
    /// collapsed: None when no burst up to the run's horizon does.
    pub tipping: Option<f64>,
    /// The fluid path over the horizon (or 10 000 mean service times without one).
    pub path: FluidPath,
}

impl StormFluid {
    /// The fresh base rate is carried without retries but not with every sender retrying.
    pub fn metastable(&self) -> bool {
        self.fluid.metastable(self.base)
    }
}

/// The mean delay before retry `k` (from 1): d_k, its jitter's mean.
fn mean_backoff(b: &Backoff, k: u32) -> f64 {
    let d = b.nominal(k);
    match b.jitter {
        Jitter::None => d,
        Jitter::Full => d / 2.0,
        Jitter::Equal => 0.75 * d,
    }
}

/// The fluid model of `s`, or why it has none: it needs one queue (no routing) of a fixed
/// number of consumers, Poisson producers (constant or time-varying rates) that all wait
/// with the same timeout, retries and backoff.
pub fn storm_fluid(s: &Scenario) -> Result<StormFluid, String> {
    let [q] = s.queues.as_slice() else {
        return Err("the fluid model takes one queue".into());
    };
    if !q.routes.is_empty() || q.schedule.is_some() || q.autoscale.is_some() {
        return Err(format!(
            "the fluid model takes a fixed fleet with no routing (queue {})",
            q.name
        ));
    }
    let Some(client) = s.producers.first().and_then(|p| p.client) else {
        return Err("no producer times out".into());
    };
    if s.producers.iter().any(|p| p.client != Some(client)) {
        return Err("the fluid model needs every producer to time out and retry alike".into());
    }
    let rate = super::windows::merged_rate(s)
        .ok_or("the fluid model needs Poisson producers (constant or time-varying rates)")?;
    let service = q.service.iter().map(|d| d.mean()).sum::<f64>() / q.service.len() as f64;
    let backoff = (1..=client.retries)
        .map(|k| client.backoff.map_or(0.0, |b| mean_backoff(&b, k)))
        .collect();
    let mut fluid = RetryFluid::new(q.consumers, service, client.timeout, backoff)
        .map_err(|e| e.to_string())?;
    if q.service
        .iter()
        .all(|d| matches!(d, crate::dist::Distribution::Exponential(..)))
    {
        fluid = fluid.with_exponential_service();
    }
    let horizon = s.run.horizon.map_or(10_000.0 * service, |h| h.end);
    let base = rate.rate(0.0);
    let burst = highest_piece(&rate, horizon);
    let tipping = match burst {
        Some((peak, start, _)) if peak > base && start > 0.0 => {
            let longest = (horizon - start).max(f64::MIN_POSITIVE);
            let settle = (horizon - start).max(10.0 * client.timeout);
            fluid
                .tipping_duration(base, peak, start, longest, settle)
                .map_err(|e| e.to_string())?
        }
        _ => None,
    };
    let path = fluid.path(&rate, horizon, STEPS);
    Ok(StormFluid {
        fluid,
        base,
        burst,
        tipping,
        path,
    })
}

/// A piecewise rate's highest piece within the horizon: (rate, start, duration).
fn highest_piece(rate: &RateFn, horizon: f64) -> Option<(f64, f64, f64)> {
    let RateFn::Piecewise { at, values, .. } = rate else {
        return None;
    };
    let (i, &peak) = values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let end = at.get(i + 1).copied().unwrap_or(horizon).min(horizon);
    Some((peak, at[i], end - at[i]))
}
