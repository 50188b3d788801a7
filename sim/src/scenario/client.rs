//! A producer's sender that waits for its messages and retries them: `timeout`, `retries`
//! and `retry_backoff` of a `[[producers]]` table (docs/scenarios.md, "Client timeouts and
//! retries").

use super::{Backoff, ProducerSpec};
use crate::error::{InvalidKey, KeyPath};

/// A sender that waits `timeout` from the publication of each attempt for it to be
/// processed (to leave the system processed); if it is not, the sender gives up on that
/// attempt and, while it has retries left, publishes a new copy after the backoff delay —
/// the earlier copies staying queued. Once any copy is processed within its own attempt's
/// timeout, the sender is satisfied and retries no more.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Client {
    /// How long the sender waits for each attempt.
    pub timeout: f64,
    /// Copies published again at most (attempts = 1 + retries).
    pub retries: u32,
    /// The delay d_k before the k-th retry (the queue-level rule); None: at once.
    pub backoff: Option<Backoff>,
}

impl Client {
    /// The delay before retry `k` (from 1), its jitter drawn from `rng`.
    pub fn delay<R: rand::Rng + ?Sized>(&self, k: u32, rng: &mut R) -> f64 {
        self.backoff.map_or(0.0, |b| b.delay(k, rng))
    }
}

/// The producer's client keys, at `path`: None when it has none.
pub(super) fn validate(p: &ProducerSpec, path: &KeyPath) -> Result<Option<Client>, InvalidKey> {
    let Some(timeout) = p.timeout else {
        if p.retries.is_some() {
            return Err(InvalidKey::new(
                path.key("retries"),
                "retries need a `timeout`: the sender retries a message it has waited \
                 `timeout` for",
            ));
        }
        if p.retry_backoff.is_some() {
            return Err(InvalidKey::new(
                path.key("retry_backoff"),
                "a producer's retry_backoff delays its retries: it needs `timeout` and \
                 `retries`",
            ));
        }
        return Ok(None);
    };
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(InvalidKey::new(
            path.key("timeout"),
            format!("must be a positive time, not {timeout}"),
        ));
    }
    let retries = p.retries.unwrap_or(0);
    let backoff = match &p.retry_backoff {
        Some(_) if retries == 0 => {
            return Err(InvalidKey::new(
                path.key("retry_backoff"),
                "a producer's retry_backoff delays its retries: it needs `retries` > 0",
            ));
        }
        Some(spec) => Some(super::validate::backoff_delays(
            spec,
            &path.key("retry_backoff"),
        )?),
        None => None,
    };
    Ok(Some(Client {
        timeout,
        retries,
        backoff,
    }))
}

/// Hours per time unit of the scenario's `time_unit`: "ms", "s", "min" or "h" (None for any
/// other label, which has no length kendall knows).
pub fn hours_per_unit(time_unit: &str) -> Option<f64> {
    match time_unit {
        "ms" => Some(1.0 / 3_600_000.0),
        "s" => Some(1.0 / 3_600.0),
        "min" => Some(1.0 / 60.0),
        "h" => Some(1.0),
        _ => None,
    }
}

/// Validates a queue's `cost_per_consumer_hour` (at `path`): a price ≥ 0.
pub(super) fn cost_per_hour(price: Option<f64>, path: &KeyPath) -> Result<Option<f64>, InvalidKey> {
    match price {
        Some(p) if !(p.is_finite() && p >= 0.0) => Err(InvalidKey::new(
            path.clone(),
            format!("must be a price of at least 0, not {p}"),
        )),
        other => Ok(other),
    }
}
