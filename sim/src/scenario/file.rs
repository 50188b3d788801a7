//! The scenario file as written: every key of the TOML contract (README.md,
//! docs/scenarios.md), deserialized and nothing validated yet.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::arrivals::{BatchSpec, RateSpec};
use crate::dist::DistSpec;

/// The file as written: every key of the contract, nothing validated yet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Display name; defaults to the file name.
    pub name: Option<String>,
    /// Label of the time unit used throughout the file, e.g. "ms".
    pub time_unit: Option<String>,
    /// Message types; one class "default" if absent.
    #[serde(default)]
    pub classes: Vec<ClassSpec>,
    /// Senders.
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    /// Stations.
    #[serde(default)]
    pub queues: Vec<QueueSpec>,
    /// How long and how often to run.
    #[serde(default)]
    pub run: RunSpec,
    /// Known values of the measures and their source ([`crate::expected`]); `run` ignores it.
    pub expected: Option<toml::Table>,
}

/// `[[classes]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSpec {
    /// Class name.
    pub name: String,
    /// Smaller is more urgent.
    #[serde(default)]
    pub priority: i32,
}

/// `[[producers]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    /// Producer name.
    pub name: String,
    /// Queue it publishes to; optional with one queue.
    pub to: Option<String>,
    /// Class of its messages; optional with one class.
    pub class: Option<String>,
    /// Inter-arrival time distribution (or trace, or mmpp); excludes `rate`.
    pub interarrival: Option<DistSpec>,
    /// Time-varying Poisson rate; excludes `interarrival`.
    pub rate: Option<RateSpec>,
    /// Messages per arrival (default 1).
    pub batch: Option<BatchSpec>,
    /// How long the sender waits for each attempt to be processed ([`super::Client`]).
    pub timeout: Option<f64>,
    /// Copies the sender publishes again after a timeout (default 0; needs `timeout`).
    pub retries: Option<u32>,
    /// The delay before each retry (default: at once).
    pub retry_backoff: Option<BackoffSpec>,
    /// A closed workload: this many clients, each sending again only when its last message
    /// has left the system and it has thought ([`super::Closed`]); excludes `interarrival`.
    pub clients: Option<u32>,
    /// The think time of each client of a closed workload (needs `clients`).
    pub think: Option<DistSpec>,
}

/// `[[queues]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Queue name.
    pub name: String,
    /// Number of consumers, or a schedule of it (optional with `autoscale`, then its `max`).
    pub consumers: Option<ConsumersSpec>,
    /// Dispatch strategy name; default "shared".
    pub dispatch: Option<String>,
    /// Sample size for power-of-d.
    pub d: Option<u32>,
    /// Queueing discipline; default "fifo".
    pub discipline: Option<String>,
    /// Maximum messages in this queue's system.
    pub capacity: Option<u64>,
    /// What to do when full.
    pub overflow: Option<String>,
    /// Service time distribution.
    pub service: DistSpec,
    /// Per-class service time overrides.
    pub service_by_class: Option<BTreeMap<String, DistSpec>>,
    /// Where processed messages go next.
    #[serde(default)]
    pub route: Vec<RouteSpec>,
    /// Relative speed of each consumer (default all 1); also the weights of
    /// weighted-round-robin.
    pub speeds: Option<Vec<f64>>,
    /// An unacknowledged message is redelivered after this long in flight.
    pub visibility_timeout: Option<f64>,
    /// Deliveries a message gets before it is dead-lettered.
    pub max_attempts: Option<u32>,
    /// A waiting message expires after this long.
    pub ttl: Option<f64>,
    /// Queue that receives dead-lettered messages (else they leave the system).
    pub dead_letter: Option<String>,
    /// Probability that processing a message fails (the consumer nacks it for redelivery).
    pub fail: Option<f64>,
    /// Consumers crash and recover.
    pub crash: Option<CrashSpec>,
    /// How long a message waits for its first delivery before it abandons.
    pub patience: Option<DistSpec>,
    /// The delay before a failed attempt is redelivered.
    pub retry_backoff: Option<BackoffSpec>,
    /// An autoscaler sets the consumer count.
    pub autoscale: Option<super::autoscale::AutoscaleSpec>,
    /// Price of one consumer on duty for an hour (needs a `time_unit` with a length).
    pub cost_per_consumer_hour: Option<f64>,
}

/// `retry_backoff = { base, factor, max, jitter }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackoffSpec {
    /// Delay after the first failure.
    pub base: f64,
    /// Growth per further failure (default 2).
    pub factor: Option<f64>,
    /// Longest delay (default none).
    pub max: Option<f64>,
    /// "none" (default), "full" or "equal".
    pub jitter: Option<String>,
}

/// `consumers = N` or `consumers = { at = [...], values = [...], repeat = R }`.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsumersSpec {
    /// A constant count.
    Count(u32),
    /// A count that changes at set times.
    Schedule(ScheduleSpec),
}

/// `consumers = { at = [...], values = [...], repeat = R }`: `values[i]` consumers from
/// `at[i]` (modulo `repeat`, if given) until the next boundary.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Boundaries: strictly increasing, starting at 0.
    pub at: Vec<f64>,
    /// The count from each boundary on.
    pub values: Vec<i64>,
    /// The schedule's period; without it the last value holds for ever.
    pub repeat: Option<f64>,
}

impl<'de> Deserialize<'de> for ConsumersSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, Unexpected};

        struct Count;
        impl<'de> de::Visitor<'de> for Count {
            type Value = ConsumersSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                // "u32" first, so that the located message words it as a whole number.
                f.write_str("u32 or a schedule table { at = [...], values = [...] }")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v)
                    .map(ConsumersSpec::Count)
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ScheduleSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ConsumersSpec::Schedule)
            }
        }
        d.deserialize_any(Count)
    }
}

/// `crash = { mtbf = …, mttr = … }`: time between failures and time to repair, per consumer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrashSpec {
    /// Up time before a crash.
    pub mtbf: DistSpec,
    /// Down time before recovery.
    pub mttr: DistSpec,
}

/// One `route` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// Next queue.
    pub to: String,
    /// Probability of going there.
    pub p: f64,
}

/// `[run]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Independent replications (default 10); 1 runs one long replication with batch means.
    pub replications: Option<u32>,
    /// Batches one replication is cut into for batch means (with `replications = 1` only;
    /// default 20).
    pub batches: Option<u32>,
    /// Messages completed per replication after warm-up (default 100 000).
    pub customers: Option<u64>,
    /// Warm-up: messages discarded before measuring (default a tenth of `customers`), or
    /// "auto" (MSER-5).
    pub warmup: Option<toml::Value>,
    /// Base seed (default 1).
    pub seed: Option<u64>,
    /// Most events one replication may process (default: no limit): a replication that
    /// reaches it stops where it is, and the run says so.
    pub max_events: Option<u64>,
    /// Simulated time per replication: each replication runs over [0, horizon) instead of
    /// to a count of `customers` (the two exclude each other).
    pub horizon: Option<f64>,
    /// Width of the windows every metric is also reported over (needs `horizon`).
    pub window: Option<f64>,
}

impl ScenarioFile {
    /// Makes every relative distribution `file` relative to `dir`.
    pub fn resolve_files(&mut self, dir: &Path) {
        let queues = self.queues.iter_mut().flat_map(|q| {
            let crash = q.crash.iter_mut().flat_map(|c| [&mut c.mtbf, &mut c.mttr]);
            std::iter::once(&mut q.service)
                .chain(q.service_by_class.iter_mut().flat_map(|m| m.values_mut()))
                .chain(crash)
                .chain(q.patience.as_mut())
        });
        for spec in self
            .producers
            .iter_mut()
            .flat_map(|p| p.interarrival.as_mut().into_iter().chain(p.think.as_mut()))
            .chain(queues)
        {
            spec.resolve_file(dir);
        }
    }
}
