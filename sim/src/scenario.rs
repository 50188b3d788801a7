//! Scenario files: the TOML contract of the README, parsed and validated into a [`Scenario`].

use std::collections::BTreeMap;
use std::path::Path;

use kendall_broker::{Discipline, DispatchKind, NewMessage, Overflow};
use rand::Rng;
use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use crate::arrivals::Interarrival;
use crate::dist::{DistSpec, Distribution};
use crate::error::{Invalid, KeyPath, Locator, ScenarioError};
use crate::suggest::suggest;

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
}

/// A message type.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// Name.
    pub name: String,
    /// Smaller is more urgent.
    pub priority: i32,
}

/// A validated producer.
#[derive(Debug, Clone, PartialEq)]
pub struct Producer {
    /// Name.
    pub name: String,
    /// Index of the queue it publishes to.
    pub queue: usize,
    /// Index of its messages' class.
    pub class: usize,
    /// Inter-arrival times: a distribution or a replayed trace.
    pub interarrival: Interarrival,
}

/// A validated queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Name.
    pub name: String,
    /// Number of consumers.
    pub consumers: u32,
    /// Dispatch strategy.
    pub dispatch: DispatchKind,
    /// Order in which waiting messages are served.
    pub discipline: Discipline,
    /// Most messages the queue holds (waiting and in service); None is unbounded.
    pub capacity: Option<usize>,
    /// What a full queue does with a new message.
    pub overflow: Overflow,
    /// Service time of each class (the queue's `service` unless overridden).
    pub service: Vec<Distribution>,
    /// (next queue, probability) after processing; the rest leaves the system.
    pub routes: Vec<(usize, f64)>,
    /// Each consumer shares its capacity among all the messages it holds (processor sharing).
    pub sharing: bool,
    /// Speed of each consumer: a message of size s takes s / speed.
    pub speeds: Vec<f64>,
    /// Delivery guarantees.
    pub delivery: Delivery,
    /// Probability that processing fails and the message is nacked for redelivery.
    pub fail: f64,
    /// (time between failures, time to repair) of each consumer, if consumers crash.
    pub crash: Option<(Distribution, Distribution)>,
}

impl Queue {
    /// Where a message processed here goes next: a queue drawn from `routes` with `rng`, or
    /// None when it leaves the system.
    pub fn next_queue<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Option<usize> {
        if self.routes.is_empty() {
            return None;
        }
        let mut u: f64 = rand::RngExt::random(rng);
        for &(to, p) in &self.routes {
            if u < p {
                return Some(to);
            }
            u -= p;
        }
        None
    }
}

/// A queue's delivery guarantees, passed to the broker as they are.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Delivery {
    /// Redeliver a message unacknowledged this long after delivery.
    pub visibility_timeout: Option<f64>,
    /// Dead-letter a message after this many deliveries.
    pub max_attempts: Option<u32>,
    /// Expire a message that waited this long.
    pub ttl: Option<f64>,
    /// Index of the dead-letter queue.
    pub dead_letter: Option<usize>,
}

impl Delivery {
    /// True when the broker will have deadlines to act on (timeouts or expiries).
    pub fn has_deadlines(&self) -> bool {
        self.visibility_timeout.is_some() || self.ttl.is_some()
    }
}

/// How the warm-up is chosen: `warmup = N` or `warmup = "auto"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warmup {
    /// A fixed count of messages, as written (or the default, a tenth of `customers`).
    Count(u64),
    /// MSER-5 on a pilot replication ([`crate::warmup::resolve`]).
    Auto,
}

/// Run length and seeding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// Independent replications.
    pub replications: u32,
    /// Messages completed (leaving the system) per replication after warm-up.
    pub customers: u64,
    /// Completions discarded before measuring: the resolved count the replications use.
    /// With [`Warmup::Auto`] it is a tenth of `customers` until [`crate::warmup::resolve`]
    /// replaces it with the MSER-5 truncation point.
    pub warmup: u64,
    /// How `warmup` was asked for.
    pub warmup_mode: Warmup,
    /// Base seed.
    pub seed: u64,
    /// Most events one replication processes before it stops where it is (None: no limit).
    pub max_events: Option<u64>,
}

/// A validated scenario: every reference resolved, every number in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// Time unit label ("" when the file gives none).
    pub time_unit: String,
    /// Message classes (at least one).
    pub classes: Vec<Class>,
    /// Producers (at least one).
    pub producers: Vec<Producer>,
    /// Queues (at least one).
    pub queues: Vec<Queue>,
    /// Run settings.
    pub run: Run,
    /// The `[expected]` table, validated: what the measures are known to be.
    pub expected: Option<crate::expected::Expected>,
}

/// Dispatch names of the scenario format, for suggestions and "not yet" messages.
const DISPATCHES: &[&str] = &[
    "shared",
    "random",
    "round-robin",
    "jsq",
    "power-of-d",
    "least-work",
    "jiq",
    "key-hash",
    "weighted-round-robin",
];
/// Most consumers one queue may have: each has state allocated when the run starts.
const MAX_CONSUMERS: u32 = 1_000_000;
const DISCIPLINES: &[&str] = &["fifo", "lifo", "priority", "priority-preemptive", "ps"];

impl Scenario {
    /// A message of `class` to publish to queue `j`, its service requirement drawn there
    /// from `rng`. `born_at` is None for a message from outside (born at publication) and
    /// `waited` is the waiting it did upstream.
    #[inline(always)]
    pub fn new_message<R: Rng + ?Sized>(
        &self,
        j: usize,
        class: usize,
        born_at: Option<f64>,
        waited: f64,
        rng: &mut R,
    ) -> NewMessage {
        NewMessage {
            class: class as u16,
            priority: self.classes[class].priority,
            key: None,
            size: self.queues[j].service[class].sample(rng),
            born_at,
            waited_before: waited,
        }
    }

    /// Reads, parses and validates the scenario file at `path`.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            file: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(path, &text)
    }

    /// Reads the scenario at `path`, sets each (dotted key, value) of `overrides` (from
    /// `--set`), then validates it. Errors in the file are located in it; an error that
    /// concerns a key set on the command line says so.
    pub fn load_with(
        path: &Path,
        overrides: &[(String, toml::Value)],
    ) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            file: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if overrides.is_empty() {
            return Self::parse(path, &text);
        }
        let locator = Locator::new(path, &text);
        let mut table: toml::Table =
            toml::from_str(&text).map_err(|e| locator.at_span(e.span(), e.message()))?;
        let command_line = |message: String| ScenarioError::CommandLine {
            file: path.to_path_buf(),
            message,
        };
        for (key, value) in overrides {
            crate::overrides::apply(&mut table, key, value.clone())
                .map_err(|e| command_line(e.to_string()))?;
        }
        let set: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut file: ScenarioFile =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    command_line(format!("with --set {}: {}", set.join(" "), e.message()))
                })?;
        file.resolve_files(path.parent().unwrap_or(Path::new("")));
        let default_name = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        file.validate(&default_name).map_err(|(key, message)| {
            let dotted = key.to_string();
            match overrides.iter().find(|(k, _)| same_key(k, &dotted)) {
                Some((k, v)) => command_line(format!("--set {k}={v}: {message}")),
                None => locator.at_path(&key, message),
            }
        })
    }

    /// Parses and validates `text`, reporting errors against `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let locator = Locator::new(path, text);
        if let Some(doc) = locator.doc() {
            check_layout(doc).map_err(|(key, message)| locator.at_path(&key, message))?;
        }
        let mut file: ScenarioFile = toml::from_str(text)
            .map_err(|e| locator.at_span(e.span(), &crate::error::plain_words(e.message())))?;
        // Data files (empirical, trace) are relative to the scenario file's directory.
        file.resolve_files(path.parent().unwrap_or(Path::new("")));
        let default_name = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        file.validate(&default_name)
            .map_err(|(key, message)| locator.at_path(&key, message))
    }
}

/// Catches tables written where arrays of tables belong and the reverse, which the
/// deserializer would report in its own terms ("invalid type: map, expected a sequence").
fn check_layout(doc: &DeTable<'_>) -> Result<(), Invalid> {
    let root = KeyPath::default();
    for name in ["classes", "producers", "queues"] {
        if let Some(DeValue::Table(_)) = doc.get(name).map(|v| v.get_ref()) {
            return Err((
                root.key(name),
                format!(
                    "`{name}` is a list of tables: write `[[{name}]]` (two brackets) above \
                     each one, not `[{name}]`"
                ),
            ));
        }
    }
    if let Some(DeValue::Array(_)) = doc.get("run").map(|v| v.get_ref()) {
        return Err((
            root.key("run"),
            "`run` is a single table: write `[run]`, not `[[run]]`".into(),
        ));
    }
    if let Some(DeValue::Array(queues)) = doc.get("queues").map(|v| v.get_ref()) {
        for (i, q) in queues.iter().enumerate() {
            let DeValue::Table(q) = q.get_ref() else {
                continue;
            };
            if let Some(DeValue::Table(_)) = q.get("route").map(|v| v.get_ref()) {
                return Err((
                    root.key("queues").index(i).key("route"),
                    "`route` is an array of entries, even with one: \
                     route = [ { to = \"next\", p = 0.5 } ]"
                        .into(),
                ));
            }
        }
    }
    Ok(())
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

    /// Checks every reference and number, producing the scenario the simulator runs.
    pub fn validate(&self, default_name: &str) -> Result<Scenario, Invalid> {
        let root = KeyPath::default();
        let classes = self.validate_classes(&root)?;
        if self.queues.is_empty() {
            return Err((
                root.key("queues"),
                "the scenario needs at least one [[queues]] table".into(),
            ));
        }
        if self.producers.is_empty() {
            return Err((
                root.key("producers"),
                "the scenario needs at least one [[producers]] table".into(),
            ));
        }
        let queue_names: Vec<&str> = self.queues.iter().map(|q| q.name.as_str()).collect();
        let class_names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        let queues = self
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                validate_queue(q, &root.key("queues").index(i), &queue_names, &class_names)
            })
            .collect::<Result<Vec<_>, _>>()?;
        unique(&queue_names, &root.key("queues"), "queue")?;
        let producers = self
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                validate_producer(
                    p,
                    &root.key("producers").index(i),
                    &queue_names,
                    &class_names,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let producer_names: Vec<&str> = self.producers.iter().map(|p| p.name.as_str()).collect();
        unique(&producer_names, &root.key("producers"), "producer")?;
        let scenario = Scenario {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| default_name.to_string()),
            time_unit: self.time_unit.clone().unwrap_or_default(),
            classes,
            producers,
            queues,
            run: self.run.validate(&root.key("run"))?,
            expected: (self.expected.as_ref())
                .map(|t| crate::expected::validate(t, &root.key("expected")))
                .transpose()?,
        };
        for (start, q) in scenario.queues.iter().enumerate() {
            // Follow the dead-letter chain: it must end, or messages would circle forever.
            let (mut at, mut steps) = (q.delivery.dead_letter, 0);
            while let Some(next) = at {
                steps += 1;
                if next == start || steps > scenario.queues.len() {
                    return Err((
                        root.key("queues").index(start).key("dead_letter"),
                        "dead-letter queues form a loop".into(),
                    ));
                }
                at = scenario.queues[next].delivery.dead_letter;
            }
        }
        if let Some(&j) = crate::traffic::trapped_queues(&scenario).first() {
            return Err((
                root.key("queues").index(j).key("route"),
                format!(
                    "no message can ever leave the system from queue `{}`: its routes loop forever",
                    scenario.queues[j].name
                ),
            ));
        }
        Ok(scenario)
    }

    fn validate_classes(&self, root: &KeyPath) -> Result<Vec<Class>, Invalid> {
        if self.classes.is_empty() {
            return Ok(vec![Class {
                name: "default".into(),
                priority: 0,
            }]);
        }
        let names: Vec<&str> = self.classes.iter().map(|c| c.name.as_str()).collect();
        unique(&names, &root.key("classes"), "class")?;
        Ok(self
            .classes
            .iter()
            .map(|c| Class {
                name: c.name.clone(),
                priority: c.priority,
            })
            .collect())
    }
}

impl RunSpec {
    fn validate(&self, path: &KeyPath) -> Result<Run, Invalid> {
        let replications = self.replications.unwrap_or(10);
        if replications < 2 {
            return Err((
                path.key("replications"),
                "needs at least 2 replications for a confidence interval".into(),
            ));
        }
        let customers = self.customers.unwrap_or(100_000);
        if customers == 0 {
            return Err((path.key("customers"), "must be at least 1".into()));
        }
        let warmup_mode = match &self.warmup {
            None => Warmup::Count(customers / 10),
            Some(toml::Value::Integer(n)) if *n >= 0 => Warmup::Count(*n as u64),
            Some(toml::Value::String(s)) if s == "auto" => Warmup::Auto,
            Some(other) => {
                return Err((
                    path.key("warmup"),
                    format!("warmup must be a count of messages or \"auto\", not {other}"),
                ));
            }
        };
        let warmup = match warmup_mode {
            Warmup::Count(n) => n,
            Warmup::Auto => customers / 10,
        };
        Ok(Run {
            replications,
            customers,
            warmup,
            warmup_mode,
            seed: self.seed.unwrap_or(1),
            max_events: match self.max_events {
                Some(0) => return Err((path.key("max_events"), "must be at least 1".into())),
                m => m,
            },
        })
    }
}

fn validate_queue(
    q: &QueueSpec,
    path: &KeyPath,
    queues: &[&str],
    classes: &[&str],
) -> Result<Queue, Invalid> {
    if q.consumers == 0 {
        return Err((
            path.key("consumers"),
            "a queue needs at least one consumer".into(),
        ));
    }
    if q.consumers > MAX_CONSUMERS {
        // Per-consumer state is allocated up front: 4 billion consumers would exhaust memory.
        return Err((
            path.key("consumers"),
            format!(
                "{} consumers is more than kendall simulates (at most {MAX_CONSUMERS})",
                q.consumers
            ),
        ));
    }
    let dispatch = match q.dispatch.as_deref().unwrap_or("shared") {
        "shared" => DispatchKind::Shared,
        "random" => DispatchKind::Random,
        "round-robin" => DispatchKind::RoundRobin,
        "jsq" => DispatchKind::Jsq,
        "least-work" => DispatchKind::LeastWork,
        "jiq" => DispatchKind::Jiq,
        "key-hash" => DispatchKind::KeyHash,
        "weighted-round-robin" => match &q.speeds {
            Some(speeds) => DispatchKind::WeightedRoundRobin {
                weights: speeds.clone(),
            },
            None => {
                return Err((
                    path.key("dispatch"),
                    "weighted-round-robin weighs consumers by their `speeds`: give them".into(),
                ));
            }
        },
        "power-of-d" => {
            let Some(d) = q.d else {
                return Err((
                    path.key("dispatch"),
                    "power-of-d needs `d`, the number of consumers sampled".into(),
                ));
            };
            DispatchKind::PowerOfD { d: d as usize }
        }
        name => {
            return Err((
                path.key("dispatch"),
                format!("unknown dispatch `{name}`{}", suggest(name, DISPATCHES)),
            ));
        }
    };
    if q.d.is_some() && !matches!(dispatch, DispatchKind::PowerOfD { .. }) {
        return Err((
            path.key("d"),
            "`d` applies only to dispatch = \"power-of-d\"".into(),
        ));
    }
    dispatch.check(q.consumers as usize).map_err(|reason| {
        // Weighted round-robin's weights are the `speeds`; power-of-d's problem is `d`.
        let key = match dispatch {
            DispatchKind::WeightedRoundRobin { .. } => "speeds",
            _ => "d",
        };
        (path.key(key), reason)
    })?;
    let (discipline, sharing) = match q.discipline.as_deref().unwrap_or("fifo") {
        "fifo" => (Discipline::Fifo, false),
        "lifo" => (Discipline::Lifo, false),
        "priority" => (Discipline::Priority, false),
        "priority-preemptive" => (Discipline::PriorityPreemptive, false),
        "ps" => (Discipline::Fifo, true),
        name => {
            return Err((
                path.key("discipline"),
                format!("unknown discipline `{name}`{}", suggest(name, DISCIPLINES)),
            ));
        }
    };
    if sharing && q.consumers > 1 && dispatch == DispatchKind::Shared {
        return Err((
            path.key("discipline"),
            "processor sharing over several consumers needs a push dispatch (random, jsq, …): \
             with `shared` the first idle consumer would take every waiting message"
                .into(),
        ));
    }
    let speeds = match &q.speeds {
        None => vec![1.0; q.consumers as usize],
        Some(s) if s.len() != q.consumers as usize => {
            return Err((
                path.key("speeds"),
                format!("{} speeds for {} consumers", s.len(), q.consumers),
            ));
        }
        Some(s) => match s.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            Some(i) => {
                return Err((
                    path.key("speeds").index(i),
                    format!("a speed must be positive, not {}", s[i]),
                ));
            }
            None => s.clone(),
        },
    };
    let positive = |key: &str, v: Option<f64>| -> Result<Option<f64>, Invalid> {
        match v {
            Some(x) if !(x.is_finite() && x > 0.0) => {
                Err((path.key(key), format!("must be a positive time, not {x}")))
            }
            _ => Ok(v),
        }
    };
    let delivery = Delivery {
        visibility_timeout: positive("visibility_timeout", q.visibility_timeout)?,
        max_attempts: match q.max_attempts {
            Some(0) => return Err((path.key("max_attempts"), "must be at least 1".into())),
            m => m,
        },
        ttl: positive("ttl", q.ttl)?,
        dead_letter: match &q.dead_letter {
            Some(name) if *name == q.name => {
                return Err((
                    path.key("dead_letter"),
                    "a queue cannot be its own dead-letter queue".into(),
                ));
            }
            Some(name) => Some(find(queues, name, &path.key("dead_letter"), "queue")?),
            None => None,
        },
    };
    let fail = match q.fail {
        Some(p) if !(0.0..1.0).contains(&p) => {
            return Err((
                path.key("fail"),
                format!("a probability in [0, 1), not {p}"),
            ));
        }
        p => p.unwrap_or(0.0),
    };
    let crash = match &q.crash {
        Some(c) => Some((
            Distribution::from_spec(&c.mtbf, &path.key("crash").key("mtbf"))?,
            Distribution::from_spec(&c.mttr, &path.key("crash").key("mttr"))?,
        )),
        None => None,
    };
    let capacity = match q.capacity {
        Some(0) => {
            return Err((
                path.key("capacity"),
                "a capacity must be at least 1 message".into(),
            ));
        }
        Some(k) if k < u64::from(q.consumers) => {
            return Err((
                path.key("capacity"),
                format!(
                    "capacity {k} is below the {} consumers: some could never work",
                    q.consumers
                ),
            ));
        }
        Some(k) => Some(k as usize),
        None => None,
    };
    let overflow = match q.overflow.as_deref() {
        None | Some("reject") => Overflow::Reject,
        Some("drop-oldest") => Overflow::DropOldest,
        Some(other) => {
            return Err((
                path.key("overflow"),
                format!(
                    "unknown overflow `{other}`{}",
                    suggest(other, &["reject", "drop-oldest"])
                ),
            ));
        }
    };
    if q.overflow.is_some() && capacity.is_none() {
        return Err((path.key("overflow"), "`overflow` needs a `capacity`".into()));
    }
    let base = Distribution::from_spec(&q.service, &path.key("service"))?;
    let mut service = vec![base; classes.len()];
    for (class, spec) in q.service_by_class.iter().flatten() {
        let p = path.key("service_by_class").key(class);
        let Some(i) = classes.iter().position(|c| c == class) else {
            return Err((
                p,
                format!("no class named `{class}`{}", suggest(class, classes)),
            ));
        };
        service[i] = Distribution::from_spec(spec, &p)?;
    }
    let mut routes = Vec::new();
    let mut total = 0.0;
    for (i, r) in q.route.iter().enumerate() {
        let p = path.key("route").index(i);
        let to = find(queues, &r.to, &p.key("to"), "queue")?;
        if !(r.p > 0.0 && r.p <= 1.0) {
            return Err((
                p.key("p"),
                format!("a probability must be in (0, 1], not {}", r.p),
            ));
        }
        total += r.p;
        routes.push((to, r.p));
    }
    if total > 1.0 + 1e-12 {
        return Err((
            path.key("route"),
            format!("route probabilities add up to {total}, more than 1"),
        ));
    }
    Ok(Queue {
        name: q.name.clone(),
        consumers: q.consumers,
        dispatch,
        discipline,
        capacity,
        overflow,
        service,
        routes,
        sharing,
        speeds,
        delivery,
        fail,
        crash,
    })
}

fn validate_producer(
    p: &ProducerSpec,
    path: &KeyPath,
    queues: &[&str],
    classes: &[&str],
) -> Result<Producer, Invalid> {
    let queue = match &p.to {
        Some(to) => find(queues, to, &path.key("to"), "queue")?,
        None if queues.len() == 1 => 0,
        None => {
            return Err((
                path.key("to"),
                "with several queues, say which one with `to`".into(),
            ));
        }
    };
    let class = match &p.class {
        Some(c) => find(classes, c, &path.key("class"), "class")?,
        None if classes.len() == 1 => 0,
        None => {
            return Err((
                path.key("class"),
                "with several classes, say which one with `class`".into(),
            ));
        }
    };
    let interarrival = Interarrival::from_spec(&p.interarrival, &path.key("interarrival"))?;
    Ok(Producer {
        name: p.name.clone(),
        queue,
        class,
        interarrival,
    })
}

fn find(names: &[&str], name: &str, path: &KeyPath, what: &str) -> Result<usize, Invalid> {
    names.iter().position(|n| *n == name).ok_or_else(|| {
        (
            path.clone(),
            format!("no {what} named `{name}`{}", suggest(name, names)),
        )
    })
}

fn unique(names: &[&str], path: &KeyPath, what: &str) -> Result<(), Invalid> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err((
                path.index(i).key("name"),
                format!("two {} are named `{n}`", plural(what)),
            ));
        }
    }
    Ok(())
}

/// Whether a `--set` key (`queues.orders.consumers`) and a validation path
/// (`queues[0].consumers`) may name the same key: they end in the same key name.
fn same_key(set: &str, path: &str) -> bool {
    let last = |k: &str| k.rsplit(['.', ']']).next().unwrap_or("").to_string();
    !path.is_empty() && last(set) == last(path)
}

/// "queues", "classes".
fn plural(what: &str) -> String {
    if what.ends_with('s') {
        format!("{what}es")
    } else {
        format!("{what}s")
    }
}
