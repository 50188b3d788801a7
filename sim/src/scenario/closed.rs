//! A closed workload: `clients = N` and `think = { … }` on a `[[producers]]` table
//! (docs/scenarios.md, "Closed workloads").

use super::ProducerSpec;
use crate::dist::Distribution;
use crate::error::{InvalidKey, KeyPath};

/// A producer that is N clients, each of which sends one message, waits until that message
/// has left the system (processed at the end of its path, or lost, expired, abandoned or
/// dead-lettered out of the system), thinks for a time drawn from `think`, and sends again.
/// The number of messages in the system is never more than `clients`.
#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    /// The number of clients N (≥ 1).
    pub clients: u32,
    /// Each client's think time, drawn afresh before each send (the first one at time 0).
    pub think: Distribution,
}

/// The most clients one closed producer may have (each has its state in memory).
pub const MAX_CLIENTS: u32 = 1_000_000;

/// The keys a closed producer cannot take with `clients`: the open arrivals and the
/// senders' timeouts and retries, and batches.
const EXCLUDED: [&str; 6] = [
    "interarrival",
    "rate",
    "batch",
    "timeout",
    "retries",
    "retry_backoff",
];

/// The producer's closed-workload keys, at `path`: None when it has no `clients`.
pub(super) fn validate(p: &ProducerSpec, path: &KeyPath) -> Result<Option<Closed>, InvalidKey> {
    let Some(clients) = p.clients else {
        if p.think.is_some() {
            return Err(InvalidKey::new(
                path.key("think"),
                "`think` is the think time of a closed workload's clients: it needs `clients`",
            ));
        }
        return Ok(None);
    };
    if clients > MAX_CLIENTS {
        return Err(InvalidKey::new(
            path.key("clients"),
            format!("{clients} clients is more than kendall simulates (at most {MAX_CLIENTS})"),
        ));
    }
    if clients == 0 {
        return Err(InvalidKey::new(
            path.key("clients"),
            "a closed workload needs at least 1 client, not 0",
        ));
    }
    let present = [
        p.interarrival.is_some(),
        p.rate.is_some(),
        p.batch.is_some(),
        p.timeout.is_some(),
        p.retries.is_some(),
        p.retry_backoff.is_some(),
    ];
    if let Some(k) = present.iter().position(|&b| b) {
        let key = EXCLUDED[k];
        return Err(InvalidKey::new(
            path.key(key),
            format!(
                "a producer with `clients` is a closed workload: each client sends when its \
                 previous message has left the system and it has thought for `think`, so it \
                 takes no `{key}`"
            ),
        ));
    }
    let Some(spec) = &p.think else {
        return Err(InvalidKey::new(
            path.key("clients"),
            "a closed workload (`clients`) needs `think`, each client's think time between \
             the end of its message and its next send, e.g. think = { kind = \"exponential\", \
             mean = 1.0 }",
        ));
    };
    if matches!(spec.kind.as_str(), "trace" | "mmpp") {
        return Err(InvalidKey::new(
            path.key("think").key("kind"),
            format!(
                "`think` is a distribution of independent think times, not a {:?}",
                spec.kind
            ),
        ));
    }
    let think = Distribution::from_spec(spec, &path.key("think"))?;
    Ok(Some(Closed { clients, think }))
}
