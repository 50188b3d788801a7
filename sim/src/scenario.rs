//! Scenario files: the TOML contract of the README, parsed and validated into a [`Scenario`].
//!
//! [`file`] holds the file as written, `validate` turns it into the types below, and
//! loading (reading, `--set` overrides, locating errors) is [`Scenario::load`] and its
//! siblings.

use kendall_broker::{Discipline, DispatchKind, NewMessage, Overflow};
use rand::Rng;

use kendall_models::{Shape, VariateSpec};

use crate::arrivals::{Batch, Interarrival};
use crate::dist::Distribution;

mod autoscale;
mod client;
mod closed;
mod file;
mod load;
mod schedule;
mod validate;

pub use autoscale::{Autoscale, AutoscaleSpec, ScaleMetric};
pub use client::{Client, hours_per_unit};
pub use closed::Closed;
pub use file::{
    BackoffSpec, ClassSpec, ConsumersSpec, CrashSpec, ProducerSpec, QueueSpec, RouteSpec, RunSpec,
    ScenarioFile, ScheduleSpec,
};
pub use schedule::{Boundary, ConsumerSchedule};

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
    /// Arrivals: a distribution of inter-arrival times, a replayed trace, an MMPP, or a
    /// time-varying Poisson rate (the file's `rate`).
    pub interarrival: Interarrival,
    /// Messages each arrival publishes at once; None: one (the file has no `batch`).
    pub batch: Option<Batch>,
    /// The sender's timeout and retries (`timeout`, `retries`, `retry_backoff`); None: the
    /// sender publishes and does not wait.
    pub client: Option<Client>,
    /// A closed workload (`clients`, `think`): N clients that each send, wait for their
    /// message to leave the system, think, and send again; None: an open producer. A closed
    /// producer's `interarrival` is its think time divided by N — the rate its clients would
    /// send at if no message ever waited, an upper bound of its throughput — which is what
    /// rate-based bounds and budgets take; the simulator draws think times from `think`.
    pub closed: Option<Closed>,
}

impl Producer {
    /// Messages per time unit this producer publishes: arrivals per time unit (the long-run
    /// average for an MMPP or a time-varying rate) times the mean batch size.
    pub fn message_rate(&self) -> f64 {
        let arrivals = 1.0 / self.interarrival.mean();
        match &self.batch {
            Some(b) => arrivals * b.mean(),
            None => arrivals,
        }
    }

    /// The SCV of the gaps between this producer's messages: its arrivals'
    /// ([`Interarrival::scv`]) without `batch`; with batches of X messages (gaps of 0 inside a
    /// batch, one arrival gap A per batch), E[G] = E[A]/E[X] and E[G²] = E[A²]/E[X], so
    /// E[G²]/E[G]² − 1 = (1 + c²ₐ)·E[X] − 1.
    pub fn message_scv(&self) -> f64 {
        let scv = self.interarrival.scv();
        match &self.batch {
            Some(b) => (1.0 + scv) * b.mean() - 1.0,
            None => scv,
        }
    }

    /// What the queueing models take of this producer's messages: its arrivals'
    /// [`Interarrival::to_variate_spec`] without `batch`; with batches, mean 1/message rate,
    /// [`Producer::message_scv`] and shape General (the gaps are not independent).
    pub fn message_gaps(&self) -> VariateSpec {
        match &self.batch {
            None => self.interarrival.to_variate_spec(),
            Some(_) => VariateSpec {
                mean: 1.0 / self.message_rate(),
                scv: self.message_scv(),
                shape: Shape::General,
            },
        }
    }
}

/// A validated queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Name.
    pub name: String,
    /// Number of consumers (with a `schedule`, the most it ever has on duty).
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
    /// How long a message waits for its first delivery before it abandons (`patience`);
    /// None never abandons.
    pub patience: Option<Distribution>,
    /// The consumer count as a function of time (`consumers = { at, values, repeat }`);
    /// `consumers` is then its largest value, the consumers the broker's queue has, of which
    /// the others are off duty. None: all `consumers` always on duty.
    pub schedule: Option<ConsumerSchedule>,
    /// The delay before a failed attempt is redelivered (`retry_backoff`); None redelivers
    /// at once.
    pub backoff: Option<Backoff>,
    /// The autoscaler that sets the count on duty (`autoscale`); `consumers` is then its
    /// `max`, of which `min` are on duty at time 0. None: no autoscaler.
    pub autoscale: Option<Autoscale>,
    /// `cost_per_consumer_hour`: the price of an hour of one consumer paid for (on duty or
    /// starting up); None: not priced.
    pub cost_per_hour: Option<f64>,
}

/// Jitter on a backoff delay d (AWS Architecture Blog, "Exponential Backoff and Jitter",
/// 2015).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// d itself.
    None,
    /// Uniform on (0, d).
    Full,
    /// d/2 plus uniform on (0, d/2).
    Equal,
}

/// `retry_backoff`: the k-th failed attempt of a message is redelivered after
/// d_k = min(max, base·factor^(k−1)), jittered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// d_1.
    pub base: f64,
    /// d_(k+1) / d_k before the cap.
    pub factor: f64,
    /// The cap.
    pub max: f64,
    /// How the delay is drawn around d_k.
    pub jitter: Jitter,
}

impl Backoff {
    /// d_k, the delay before jitter after the `attempt`-th failed attempt (from 1).
    pub fn nominal(&self, attempt: u32) -> f64 {
        let k = attempt.max(1) - 1;
        (self.base * self.factor.powi(k.min(i32::MAX as u32) as i32)).min(self.max)
    }

    /// The delay after the `attempt`-th failed attempt, its jitter drawn from `rng`.
    pub fn delay<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> f64 {
        let d = self.nominal(attempt);
        let u: f64 = rand::RngExt::random(rng);
        match self.jitter {
            Jitter::None => d,
            Jitter::Full => u * d,
            Jitter::Equal => d / 2.0 + u * d / 2.0,
        }
    }
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
    /// MSER-5 on a pilot replication, never below the crossing-of-the-mean floor
    /// ([`crate::warmup::resolve`]).
    Auto,
}

/// Batches a lone replication is cut into for batch means when `[run] batches` is not given:
/// within the 10 to 30 that B. Schmeiser, "Batch size effects in the analysis of simulation
/// output", *Operations Research* 30(3), 1982, finds best for a fixed run length.
pub const DEFAULT_BATCHES: u32 = 20;

/// Run length and seeding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// Independent replications; 1 runs one long replication summarised by batch means.
    pub replications: u32,
    /// With `replications = 1`, the batches the replication is cut into (each of
    /// `customers / batches` messages, the last taking the remainder); 0 otherwise.
    pub batches: u32,
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
    /// Messages per time unit the producers publish, all together ([`Producer::message_rate`]:
    /// mean batch size included, long-run averages of time-varying rates).
    pub fn arrival_rate(&self) -> f64 {
        self.producers.iter().map(Producer::message_rate).sum()
    }

    /// The scenario with every producer's rate multiplied by `factor` (inter-arrival times
    /// divided by it, their shape kept; a time-varying rate λ(t) and an MMPP's rates
    /// multiplied by it, their clock kept; batch sizes unchanged): the same system at another
    /// load.
    pub fn with_load_scaled(&self, factor: f64) -> Scenario {
        let mut out = self.clone();
        for p in &mut out.producers {
            p.interarrival = p.interarrival.scaled(1.0 / factor);
            if let Some(c) = &mut p.closed {
                c.think = c.think.scaled(1.0 / factor);
            }
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
