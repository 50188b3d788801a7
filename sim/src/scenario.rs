//! Scenario files: the TOML contract of DESIGN.md, parsed and validated into a [`Scenario`].

use std::collections::BTreeMap;
use std::path::Path;

use kendall_broker::{Discipline, DispatchKind};
use serde::Deserialize;

use crate::dist::{DistSpec, Distribution, Invalid};
use crate::error::{KeyPath, Locator, ScenarioError};
use crate::suggest::did_you_mean;

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
    /// Inter-arrival times.
    pub interarrival: Distribution,
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
    /// Service time of each class (the queue's `service` unless overridden).
    pub service: Vec<Distribution>,
    /// (next queue, probability) after processing; the rest leaves the system.
    pub routes: Vec<(usize, f64)>,
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
}

/// Dispatch names of DESIGN.md, for suggestions and "not yet" messages.
const DISPATCHES: &[&str] = &[
    "shared",
    "random",
    "round-robin",
    "jsq",
    "power-of-d",
    "least-work",
    "jiq",
    "key-hash",
];
const DISCIPLINES: &[&str] = &["fifo", "lifo", "priority", "priority-preemptive", "ps"];

impl Scenario {
    /// Reads, parses and validates the scenario file at `path`.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            file: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(path, &text)
    }

    /// Parses and validates `text`, reporting errors against `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let locator = Locator::new(path, text);
        let file: ScenarioFile =
            toml::from_str(text).map_err(|e| locator.at_span(e.span(), e.message()))?;
        let default_name = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        file.validate(&default_name)
            .map_err(|(key, message)| locator.at_path(&key, message))
    }
}

impl ScenarioFile {
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
        };
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
    let dispatch = match q.dispatch.as_deref().unwrap_or("shared") {
        "shared" => DispatchKind::Shared,
        "random" => DispatchKind::Random,
        "round-robin" => DispatchKind::RoundRobin,
        "jsq" => DispatchKind::Jsq,
        "least-work" => DispatchKind::LeastWork,
        "jiq" => DispatchKind::Jiq,
        "key-hash" => DispatchKind::KeyHash,
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
                format!(
                    "unknown dispatch `{name}`{}",
                    did_you_mean(name, DISPATCHES)
                ),
            ));
        }
    };
    if q.d.is_some() && !matches!(dispatch, DispatchKind::PowerOfD { .. }) {
        return Err((
            path.key("d"),
            "`d` applies only to dispatch = \"power-of-d\"".into(),
        ));
    }
    dispatch
        .check(q.consumers as usize)
        .map_err(|reason| (path.key("d"), reason))?;
    let discipline = match q.discipline.as_deref().unwrap_or("fifo") {
        "fifo" => Discipline::Fifo,
        "lifo" => Discipline::Lifo,
        "priority" => Discipline::Priority,
        name if DISCIPLINES.contains(&name) => {
            return Err((
                path.key("discipline"),
                format!("discipline `{name}` is not implemented yet"),
            ));
        }
        name => {
            return Err((
                path.key("discipline"),
                format!(
                    "unknown discipline `{name}`{}",
                    did_you_mean(name, DISCIPLINES)
                ),
            ));
        }
    };
    for (key, set) in [
        ("capacity", q.capacity.is_some()),
        ("overflow", q.overflow.is_some()),
    ] {
        if set {
            return Err((
                path.key(key),
                format!("`{key}` is not implemented yet in the simulator"),
            ));
        }
    }
    let base = Distribution::from_spec(&q.service, &path.key("service"))?;
    let mut service = vec![base; classes.len()];
    for (class, spec) in q.service_by_class.iter().flatten() {
        let p = path.key("service_by_class").key(class);
        let Some(i) = classes.iter().position(|c| c == class) else {
            return Err((
                p,
                format!("no class named `{class}`{}", did_you_mean(class, classes)),
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
        service,
        routes,
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
    let interarrival = Distribution::from_spec(&p.interarrival, &path.key("interarrival"))?;
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
            format!("no {what} named `{name}`{}", did_you_mean(name, names)),
        )
    })
}

fn unique(names: &[&str], path: &KeyPath, what: &str) -> Result<(), Invalid> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err((
                path.index(i).key("name"),
                format!("two {what}s are named `{n}`"),
            ));
        }
    }
    Ok(())
}
