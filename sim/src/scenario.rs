//! Scenario files: the TOML contract of the README, parsed and validated into a [`Scenario`].
//!
//! [`file`] holds the file as written, `validate` turns it into the types below, and
//! loading (reading, `--set` overrides, locating errors) is [`Scenario::load`] and its
//! siblings.

use kendall_broker::{Discipline, DispatchKind, NewMessage, Overflow};
use rand::Rng;

use crate::arrivals::Interarrival;
use crate::dist::Distribution;

mod file;
mod load;
mod validate;

pub use file::{ClassSpec, CrashSpec, ProducerSpec, QueueSpec, RouteSpec, RunSpec, ScenarioFile};

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
    /// `[run] horizon` (and `window`): each replication covers simulated time [0, end)
    /// rather than a count of customers (`customers` and `warmup` are then 0).
    pub horizon: Option<Horizon>,
}

/// A time-bounded run: `[run] horizon = end`, with `[run] window = width` if given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Horizon {
    /// Simulated time each replication covers, from an empty system at 0.
    pub end: f64,
    /// Width of the windows [k·width, (k+1)·width) each metric is also reported over; the
    /// last one ends at `end` and may be shorter ([`crate::windows`]).
    pub window: Option<f64>,
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

impl Scenario {
    /// Messages per time unit the producers publish, all together.
    pub fn arrival_rate(&self) -> f64 {
        self.producers
            .iter()
            .map(|p| 1.0 / p.interarrival.mean())
            .sum()
    }

    /// The scenario with every producer's rate multiplied by `factor` (inter-arrival times
    /// divided by it, their shape kept): the same system at another load.
    pub fn with_load_scaled(&self, factor: f64) -> Scenario {
        let mut out = self.clone();
        for p in &mut out.producers {
            p.interarrival = p.interarrival.scaled(1.0 / factor);
        }
        out
    }

    /// The time unit T and Wq are recorded in for percentiles ([`crate::stats::Tally::new`]):
    /// 10⁻⁴ of the smallest mean service time, shared by simulated and live runs.
    pub fn time_resolution(&self) -> f64 {
        let smallest_service = self
            .queues
            .iter()
            .flat_map(|q| q.service.iter().map(|d| d.mean()))
            .fold(f64::INFINITY, f64::min);
        1e-4 * smallest_service
    }

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
}
