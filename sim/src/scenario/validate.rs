//! Validation: the file's specs checked, every reference resolved and every number in range,
//! into the [`Scenario`] the simulator runs. A queue's own keys are checked in [`queue`].

use super::{
    Class, DEFAULT_BATCHES, Producer, ProducerSpec, Run, RunSpec, Scenario, ScenarioFile, Warmup,
};
use crate::arrivals::{Batch, Interarrival, RateFunction};
use crate::error::{InvalidKey, KeyPath};
use crate::suggest::suggest;

mod queue;
pub(super) use queue::backoff_delays;

impl ScenarioFile {
    /// Checks every reference and number, producing the scenario the simulator runs.
    pub fn validate(&self, default_name: &str) -> Result<Scenario, InvalidKey> {
        let root = KeyPath::default();
        let classes = self.validate_classes(&root)?;
        if self.queues.is_empty() {
            return Err(InvalidKey::new(
                root.key("queues"),
                "the scenario needs at least one [[queues]] table",
            ));
        }
        if self.producers.is_empty() {
            return Err(InvalidKey::new(
                root.key("producers"),
                "the scenario needs at least one [[producers]] table",
            ));
        }
        let queue_names: Vec<&str> = self.queues.iter().map(|q| q.name.as_str()).collect();
        let class_names: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
        let queues = self
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                queue::validate_queue(q, &root.key("queues").index(i), &queue_names, &class_names)
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
        let time_unit = self.time_unit.clone().unwrap_or_default();
        if queues.iter().any(|q| q.cost_per_hour.is_some())
            && crate::scenario::client::hours_per_unit(&time_unit).is_none()
        {
            return Err(InvalidKey::new(
                root.key("time_unit"),
                format!(
                    "`cost_per_consumer_hour` converts consumer time to hours: time_unit must \
                     be \"ms\", \"s\", \"min\" or \"h\", not {time_unit:?}"
                ),
            ));
        }
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
                    return Err(InvalidKey::new(
                        root.key("queues").index(start).key("dead_letter"),
                        "dead-letter queues form a loop",
                    ));
                }
                at = scenario.queues[next].delivery.dead_letter;
            }
        }
        if let Some(&j) = crate::traffic::trapped_queues(&scenario).first() {
            return Err(InvalidKey::new(
                root.key("queues").index(j).key("route"),
                format!(
                    "no message can ever leave the system from queue `{}`: its routes loop forever",
                    scenario.queues[j].name
                ),
            ));
        }
        Ok(scenario)
    }

    fn validate_classes(&self, root: &KeyPath) -> Result<Vec<Class>, InvalidKey> {
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
    fn validate(&self, path: &KeyPath) -> Result<Run, InvalidKey> {
        let replications = self.replications.unwrap_or(10);
        if replications == 0 {
            return Err(InvalidKey::new(
                path.key("replications"),
                "needs at least 1 replication (1 runs one long replication with batch means)",
            ));
        }
        if self.horizon.is_some() || self.window.is_some() {
            if replications < 2 {
                return Err(InvalidKey::new(
                    path.key("replications"),
                    "a run to a horizon needs at least 2 replications for its intervals: its \
                     windows change over time, so one replication cannot be cut into batches",
                ));
            }
            return self.validate_timed(path, replications);
        }
        let customers = self.customers.unwrap_or(100_000);
        if customers == 0 {
            return Err(InvalidKey::new(path.key("customers"), "must be at least 1"));
        }
        let batches = self.batches(path, replications, customers)?;
        let warmup_mode = match &self.warmup {
            None => Warmup::Count(customers / 10),
            Some(toml::Value::Integer(n)) if *n >= 0 => Warmup::Count(*n as u64),
            Some(toml::Value::String(s)) if s == "auto" => Warmup::Auto,
            Some(other) => {
                return Err(InvalidKey::new(
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
            batches,
            customers,
            warmup,
            warmup_mode,
            seed: self.seed.unwrap_or(1),
            max_events: self.max_events(path)?,
            horizon: None,
        })
    }

    /// `batches`: only with `replications = 1` (default [`DEFAULT_BATCHES`]), from 2 to
    /// `customers` (every batch holds a message at least).
    fn batches(
        &self,
        path: &KeyPath,
        replications: u32,
        customers: u64,
    ) -> Result<u32, InvalidKey> {
        let key = || path.key("batches");
        match (replications, self.batches) {
            (1, None) => Ok(DEFAULT_BATCHES.min(customers.max(2) as u32)),
            (1, Some(b)) if b < 2 => Err(InvalidKey::new(
                key(),
                format!("needs at least 2 batches for a confidence interval, not {b}"),
            )),
            (1, Some(b)) if u64::from(b) > customers => Err(InvalidKey::new(
                key(),
                format!("{b} batches of {customers} customers: a batch needs a message at least"),
            )),
            (1, Some(b)) => Ok(b),
            (_, None) => Ok(0),
            (n, Some(_)) => Err(InvalidKey::new(
                key(),
                format!(
                    "batch means cut one long replication into batches: set replications = 1 \
                     (not {n}), or drop `batches`"
                ),
            )),
        }
    }

    fn max_events(&self, path: &KeyPath) -> Result<Option<u64>, InvalidKey> {
        match self.max_events {
            Some(0) => Err(InvalidKey::new(
                path.key("max_events"),
                "must be at least 1",
            )),
            m => Ok(m),
        }
    }

    /// `[run] horizon` (and `window`): a run over simulated time [0, horizon), from an empty
    /// system, with no warm-up: `customers` excluded, `warmup` 0 or absent.
    fn validate_timed(&self, path: &KeyPath, replications: u32) -> Result<Run, InvalidKey> {
        let Some(end) = self.horizon else {
            return Err(InvalidKey::new(
                path.key("window"),
                "`window` needs `horizon` (windows divide the time a replication covers)",
            ));
        };
        if !(end.is_finite() && end > 0.0) {
            return Err(InvalidKey::new(
                path.key("horizon"),
                format!("must be a positive, finite time, not {end}"),
            ));
        }
        if self.customers.is_some() {
            return Err(InvalidKey::new(
                path.key("customers"),
                "`customers` and `horizon` exclude each other: a replication ends after a \
                 count of messages or at a time, not both",
            ));
        }
        match &self.warmup {
            None | Some(toml::Value::Integer(0)) => {}
            Some(other) => {
                return Err(InvalidKey::new(
                    path.key("warmup"),
                    format!(
                        "a run with `horizon` starts empty at time 0 and measures from there \
                         (the start is part of what windows show): warmup must be 0 or \
                         absent, not {other}"
                    ),
                ));
            }
        }
        if let Some(w) = self.window {
            if !(w.is_finite() && w > 0.0) {
                return Err(InvalidKey::new(
                    path.key("window"),
                    format!("must be a positive, finite time, not {w}"),
                ));
            }
            let count = crate::windows::window_count(end, w);
            if count > crate::windows::MAX_WINDOWS {
                return Err(InvalidKey::new(
                    path.key("window"),
                    format!(
                        "horizon / window gives {count} windows; at most {}",
                        crate::windows::MAX_WINDOWS
                    ),
                ));
            }
        }
        Ok(Run {
            replications,
            batches: self.batches(path, replications, 0)?,
            customers: 0,
            warmup: 0,
            warmup_mode: Warmup::Count(0),
            seed: self.seed.unwrap_or(1),
            max_events: self.max_events(path)?,
            horizon: Some(super::Horizon {
                end,
                window: self.window,
            }),
        })
    }
}

fn validate_producer(
    p: &ProducerSpec,
    path: &KeyPath,
    queues: &[&str],
    classes: &[&str],
) -> Result<Producer, InvalidKey> {
    let queue = match &p.to {
        Some(to) => find(queues, to, &path.key("to"), "queue")?,
        None if queues.len() == 1 => 0,
        None => {
            return Err(InvalidKey::new(
                path.key("to"),
                "with several queues, say which one with `to`",
            ));
        }
    };
    let class = match &p.class {
        Some(c) => find(classes, c, &path.key("class"), "class")?,
        None if classes.len() == 1 => 0,
        None => {
            return Err(InvalidKey::new(
                path.key("class"),
                "with several classes, say which one with `class`",
            ));
        }
    };
    let closed = super::closed::validate(p, path)?;
    let interarrival = match (&p.interarrival, &p.rate, &closed) {
        // A closed producer's arrivals are its clients' sends; its `interarrival` is the
        // think time divided by N, the rate at which they would send if no message waited
        // ([`Producer::closed`]).
        (_, _, Some(c)) => Interarrival::Renewal(c.think.scaled(1.0 / f64::from(c.clients))),
        (Some(spec), None, None) => Interarrival::from_spec(spec, &path.key("interarrival"))?,
        (None, Some(rate), None) => {
            Interarrival::Rate(RateFunction::from_spec(rate, &path.key("rate"))?)
        }
        (Some(_), Some(_), None) => {
            return Err(InvalidKey::new(
                path.key("rate"),
                "a producer takes `rate` (a time-varying Poisson rate) or `interarrival`, \
                 not both",
            ));
        }
        (None, None, None) => {
            return Err(InvalidKey::new(
                path.clone(),
                "a producer needs `interarrival` (or `rate`, for a time-varying Poisson rate, \
                 or `clients` and `think`, for a closed workload)",
            ));
        }
    };
    let batch = (p.batch.as_ref())
        .map(|b| Batch::from_spec(b, &path.key("batch")))
        .transpose()?;
    let client = crate::scenario::client::validate(p, path)?;
    Ok(Producer {
        name: p.name.clone(),
        queue,
        class,
        interarrival,
        batch,
        client,
        closed,
    })
}

fn find(names: &[&str], name: &str, path: &KeyPath, what: &str) -> Result<usize, InvalidKey> {
    names.iter().position(|n| *n == name).ok_or_else(|| {
        InvalidKey::new(
            path.clone(),
            format!("no {what} named `{name}`{}", suggest(name, names)),
        )
    })
}

fn unique(names: &[&str], path: &KeyPath, what: &str) -> Result<(), InvalidKey> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(InvalidKey::new(
                path.index(i).key("name"),
                format!("two {} are named `{n}`", plural(what)),
            ));
        }
    }
    Ok(())
}

/// "queues", "classes".
fn plural(what: &str) -> String {
    if what.ends_with('s') {
        format!("{what}es")
    } else {
        format!("{what}s")
    }
}
