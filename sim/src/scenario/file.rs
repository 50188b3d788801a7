//! The scenario file as written: every key of the TOML contract (README.md,
//! docs/scenarios.md), deserialized and nothing validated yet.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

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
    /// Inter-arrival time distribution.
    pub interarrival: DistSpec,
}

/// `[[queues]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Queue name.
    pub name: String,
    /// Number of consumers.
    pub consumers: u32,
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
    /// Independent replications (default 10).
    pub replications: Option<u32>,
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
        });
        for spec in self
            .producers
            .iter_mut()
            .map(|p| &mut p.interarrival)
            .chain(queues)
        {
            spec.resolve_file(dir);
        }
    }
}
