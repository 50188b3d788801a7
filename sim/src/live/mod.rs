//! Live runs: the same scenario on real threads and the real clock.
//!
//! [`run_live`] builds the broker with the simulator's own builder ([`crate::setup`]: every
//! queue key the broker implements) on a wall clock scaled by the speed-up. Each producer is a
//! thread that sleeps until its next *scheduled* arrival instant (absolute deadlines, so sleep
//! overshoot never accumulates) and publishes; each consumer is a thread that blocks until the
//! broker names it, sleeps the message's service time (its size over the consumer's speed, in
//! scenario time), then acknowledges it and forwards it along the queue's routes — or, when
//! processing fails (`fail`), nacks it for redelivery, as the simulator does. A driver thread
//! processes the broker's deadlines (visibility timeouts, times to live) when they fall due.
//! Every fate the broker reports — expired, dead-lettered, dropped, refused — is recorded as
//! the simulator records it, and the run ends with a check that the broker counted no fate
//! the run did not hear of.
//!
//! What live cannot run faithfully yet it refuses by the scenario key ([`unsupported`]):
//! consumer crashes, processor sharing, preemptive priority, patience, consumer schedules,
//! autoscalers and retry backoff.
//!
//! Times are the broker's own stamps: T runs from publication to acknowledgement and Wq from
//! publication to delivery, as real threads achieved them (scheduling latency and sleep
//! overshoot included). A consumer the broker names to poll is polled on its behalf at once
//! and its thread picks the delivery up ([`state`]), so that, as in the simulator, a message
//! that found a consumer idle is delivered at its publication instant and p_wait counts the
//! messages that found every consumer able to take them busy. Time-weighted counts (L, Lq, utilisation) are integrated under the
//! run's one lock, which also guards the broker ([`state`]).
//!
//! A live run is one long run, not independent replications: the first tenth of the run is
//! discarded as warm-up and the rest is cut into [`BATCHES`] batches of equal length; each
//! metric's point estimate is over the whole measured period and its 95% interval comes from
//! the batch means (Student t with `BATCHES − 1` degrees of freedom).

mod recorder;
mod state;
#[cfg(test)]
mod tests;
mod threads;

use std::path::Path;
use std::time::Instant;

use kendall_broker::{BrokerError, Discipline, QueueStats, WallClock};
use thiserror::Error;

use crate::ScenarioError;
use crate::error::{KeyPath, Locator};
use crate::experiment::{ScopeSummary, Summary};
use crate::scenario::Scenario;
use crate::scopes::{ScopeEstimates, Scopes};
use crate::stats::{Departures, Estimates, Metric, Tally};

pub use self::recorder::{Processed, Recorder};
pub use self::state::Fates;
use self::state::{LiveClock, State};
use self::threads::Live;
pub use self::threads::sleep_until;

/// Batches the measured period is cut into for the batch-means confidence intervals.
pub const BATCHES: usize = 20;

/// Per-thread streams (service sizes drawn by a publishing thread, routing and failure
/// draws) use replication numbers from here up, one per thread, so that threads never share
/// a stream. Arrivals and dispatch use replication 0's streams, as the simulator's first
/// replication.
pub const THREAD_STREAMS: u64 = 1 << 32;

/// Fraction of the run discarded as warm-up.
pub const WARMUP_FRACTION: f64 = 0.1;

/// A scenario feature live runs cannot reproduce on threads yet: the key that asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The key's path in the file, e.g. `queues[0].crash`, to locate it.
    pub path: KeyPath,
    /// The key named by queue, e.g. `queues.orders.crash`.
    pub key: String,
    /// Why live cannot run it.
    pub reason: &'static str,
}

impl Unsupported {
    /// The refusal as an error located in `file`, the scenario's file (line and column of the
    /// key), for the command line.
    pub fn located(&self, file: &Path) -> ScenarioError {
        match std::fs::read_to_string(file) {
            Ok(text) => Locator::new(file, &text).at_path(&self.path, self.to_string()),
            Err(_) => ScenarioError::CommandLine {
                file: file.to_path_buf(),
                message: self.to_string(),
            },
        }
    }
}

/// Loads the scenario at `file` for a live run: as [`Scenario::load`], and a key live runs
/// refuse ([`unsupported`]) is an error located in the file.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    let scenario = Scenario::load(file)?;
    match unsupported(&scenario) {
        Some(refusal) => Err(refusal.located(file)),
        None => Ok(scenario),
    }
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "live cannot run `{}` yet: {}; `kendall run` simulates it",
            self.key, self.reason
        )
    }
}

/// Why a live run did not run or did not finish.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LiveError {
    /// The scenario asks for a feature live runs refuse.
    #[error("{0}")]
    Unsupported(Unsupported),
    /// The broker refused a call.
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// The broker counted a fate the run was never told of: its figures would be wrong.
    #[error(
        "queue `{queue}`: the broker counted {counted} messages {fate} but the live run heard of {heard}"
    )]
    Unaccounted {
        /// The queue's name.
        queue: String,
        /// Which fate.
        fate: &'static str,
        /// How many the run recorded.
        heard: u64,
        /// How many the broker counted.
        counted: u64,
    },
}

/// The first key of `scenario` that live runs refuse, if any: consumer crashes (a thread
/// would have to be interrupted mid-service and its messages handed back), processor sharing
/// (a consumer serving several messages at once at shared speed) and preemptive priority (a
/// publish interrupting a consumer mid-service).
pub fn unsupported(scenario: &Scenario) -> Option<Unsupported> {
    if let Some(refusal) = unsupported_arrivals(scenario) {
        return Some(refusal);
    }
    // [run] horizon and window: a live run's length is its --duration, and it reports no
    // windows.
    if let Some(h) = scenario.run.horizon {
        let key = if h.window.is_some() {
            "window"
        } else {
            "horizon"
        };
        return Some(Unsupported {
            path: KeyPath::default().key("run").key(key),
            key: format!("run.{key}"),
            reason: "a live run lasts its --duration and reports no windows",
        });
    }
    scenario.queues.iter().enumerate().find_map(|(j, q)| {
        let refuse = |key: &str, reason| Unsupported {
            path: KeyPath::default().key("queues").index(j).key(key),
            key: format!("queues.{}.{key}", q.name),
            reason,
        };
        if q.crash.is_some() {
            Some(refuse(
                "crash",
                "a consumer thread is not interrupted mid-service to crash",
            ))
        } else if q.sharing {
            Some(refuse(
                "discipline",
                "processor sharing (`ps`) would need a consumer thread to serve several \
                 messages at once",
            ))
        } else if q.discipline == Discipline::PriorityPreemptive {
            Some(refuse(
                "discipline",
                "`priority-preemptive` would need a publish to interrupt a consumer thread \
                 mid-service",
            ))
        } else if q.schedule.is_some() {
            Some(refuse(
                "consumers",
                "a consumer schedule is simulated only: live consumer threads do not go off \
                 and on duty yet",
            ))
        } else if q.autoscale.is_some() {
            Some(refuse(
                "autoscale",
                "an autoscaler is simulated only: live consumer threads do not go off and on \
                 duty yet",
            ))
        } else if q.backoff.is_some() {
            Some(refuse(
                "retry_backoff",
                "a retry backoff is simulated only: live consumers nack for redelivery at once",
            ))
        } else if q.patience.is_some() {
            Some(refuse(
                "patience",
                "abandonment is simulated only: live runs do not draw patiences yet",
            ))
        } else {
            None
        }
    })
}

/// The first producer key live runs refuse: `batch` (a producer thread publishes
/// one message per arrival), `clients` (a closed workload), `rate` and an mmpp
/// `interarrival` (not yet checked on threads).
fn unsupported_arrivals(scenario: &Scenario) -> Option<Unsupported> {
    scenario.producers.iter().enumerate().find_map(|(i, p)| {
        let refuse = |key: &str, reason| Unsupported {
            path: KeyPath::default().key("producers").index(i).key(key),
            key: format!("producers.{}.{key}", p.name),
            reason,
        };
        if p.batch.is_some() {
            Some(refuse(
                "batch",
                "a producer thread publishes one message per arrival",
            ))
        } else if p.closed.is_some() {
            Some(refuse(
                "clients",
                "a closed workload is simulated only: a producer thread does not wait for its \
                 messages",
            ))
        } else if let Some(c) = &p.client {
            let key = if c.retries > 0 { "retries" } else { "timeout" };
            Some(refuse(
                key,
                "client timeouts and retries are simulated only: a producer thread does not \
                 wait for its messages",
            ))
        } else {
            match &p.interarrival {
                crate::arrivals::Interarrival::Rate(_) => Some(refuse(
                    "rate",
                    "a time-varying rate is not yet paced on threads",
                )),
                crate::arrivals::Interarrival::Mmpp(_) => Some(refuse(
                    "interarrival",
                    "an mmpp is not yet paced on threads",
                )),
                _ => None,
            }
        }
    })
}

/// The facts of a live run beside its metrics: its length, its counts and how faithfully
/// real threads kept scenario time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveRun {
    /// Scenario time units per real second.
    pub speedup: f64,
    /// Real seconds the run lasted (as asked).
    pub duration: f64,
    /// The run's length in scenario time units (`duration × speedup`).
    pub horizon: f64,
    /// Scenario time discarded as warm-up.
    pub warmup: f64,
    /// Batches behind the confidence intervals.
    pub batches: usize,
    /// Messages that left the system after processing during the measured period.
    pub measured: u64,
    /// Messages producers offered during the run.
    pub offered: u64,
    /// Messages that left the system after processing during the run.
    pub completed: u64,
    /// Mean service overshoot in the measured period, in scenario time units: how much longer
    /// than its size over the consumer's speed a service lasted from delivery to
    /// acknowledgement (wake-up latency, sleep overshoot, scheduling delays). It counts in T.
    pub service_overshoot: f64,
    /// Mean time from a delivery to an idle consumer (at the message's publication, or its
    /// requeue) to its thread picking it up, in scenario time units: the wake-up latency of
    /// a blocked consumer thread, part of `service_overshoot`.
    pub wake_latency: f64,
    /// Mean time from a message's time-to-live deadline to its expiry in the measured
    /// period, in scenario time units (NaN without expiries): how late the threads got to it.
    /// An expired message counts in L that much longer.
    pub expiry_lateness: f64,
}

/// What a live run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveResult {
    /// End-to-end metrics: whole-period estimate, batch-means 95% CI.
    pub system: ScopeSummary,
    /// Per-queue metrics, in scenario order.
    pub queues: Vec<ScopeSummary>,
    /// Per-class metrics, in scenario order.
    pub classes: Vec<ScopeSummary>,
    /// How long it ran, what it measured and how faithfully the threads kept time.
    pub run: LiveRun,
    /// Each queue's broker counters once every thread has stopped.
    pub broker: Vec<QueueStats>,
    /// Each queue's fates as the broker's answers reported them to the run; equal to the
    /// counters in `broker` (checked before the result is returned).
    pub fates: Vec<Fates>,
    /// Real seconds from the first thread's start to the last one's end.
    pub wall_seconds: f64,
    /// The run was against a real broker (`kendall live --broker`): what it was and what it
    /// cost. None for a run on kendall's own broker.
    pub real_broker: Option<RealBroker>,
}

/// A live run against a real broker: which one, how it was reached, and its measured costs.
#[derive(Debug, Clone, PartialEq)]
pub struct RealBroker {
    /// The broker's address with any password masked.
    pub address: String,
    /// The connection was TLS (`amqps://`).
    pub tls: bool,
    /// Unacknowledged messages a consumer may hold (the channel's prefetch count).
    pub prefetch: u16,
    /// The calibration run's finding, when one ran (`--calibrate`).
    pub calibration: Option<Calibration>,
    /// What sealing payloads cost, when they were sealed (`--encrypt`).
    pub sealing: Option<Sealing>,
}

/// The broker's own per-message overhead, measured with consumers that do no work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Mean time from publication to acknowledgement with zero-work consumers, in scenario
    /// time units: what the broker and the client add to every message.
    pub overhead: f64,
    /// Mean time from publication to delivery in the same run, in scenario time units.
    pub delivery: f64,
    /// Messages the calibration run measured.
    pub messages: u64,
    /// Real seconds it lasted.
    pub seconds: f64,
    /// The simulated and theory columns add `overhead` to every service time's mean.
    pub added_to_service: bool,
}

/// The measured cost of sealing every payload with AES-256-GCM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sealing {
    /// Mean real microseconds to seal a payload before publishing it.
    pub seal_us: f64,
    /// Mean real microseconds to open one on delivery.
    pub open_us: f64,
    /// Payloads sealed.
    pub sealed: u64,
    /// Deliveries whose payload failed authentication: rejected and counted, never processed.
    pub tampered: u64,
}

/// Runs `scenario` live for `duration` real seconds with the clock running `speedup` scenario
/// time units per real second (so `duration × speedup` scenario time units in all).
/// [`LiveError::Unsupported`] before anything runs if the scenario asks for a feature live
/// runs refuse ([`unsupported`]).
pub fn run_live(scenario: &Scenario, speedup: f64, duration: f64) -> Result<LiveResult, LiveError> {
    assert!(
        speedup > 0.0 && speedup.is_finite() && duration > 0.0 && duration.is_finite(),
        "speed-up and duration must be positive"
    );
    if let Some(refusal) = unsupported(scenario) {
        return Err(LiveError::Unsupported(refusal));
    }
    let horizon = duration * speedup;
    let warmup = WARMUP_FRACTION * horizon;
    let rec = recorder(scenario, warmup, horizon);
    let clock = WallClock::scaled(speedup);
    let state = State::new(scenario, LiveClock::wall(clock), rec)?;
    let has_deadlines = scenario.queues.iter().any(|q| q.delivery.has_deadlines());
    let live = Live::new(scenario, state, clock, speedup, horizon);
    let started = Instant::now();
    let consumers = live.lock().consumer_count();
    std::thread::scope(|s| -> Result<(), BrokerError> {
        let live = &live;
        let mut threads: Vec<_> = (0..scenario.producers.len())
            .map(|i| s.spawn(move || live.producer(i)))
            .collect();
        threads.extend(
            (0..consumers)
                .map(|c| s.spawn(move || live.consumer(kendall_broker::ConsumerId(c as u32)))),
        );
        if has_deadlines {
            threads.push(s.spawn(move || live.driver()));
        }
        // The run ends at the horizon: close the statistics, then stop every thread.
        live.sleep_until(horizon, false);
        live.lock().close();
        live.stop();
        let mut result = Ok(());
        for h in threads {
            let r = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            result = result.and(r);
        }
        result
    })?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let state = live
        .state
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let broker = state.stats()?;
    for (j, (fates, stats)) in state.fates.iter().zip(&broker).enumerate() {
        if let Some((fate, heard, counted)) = fates.disagreement(stats) {
            return Err(LiveError::Unaccounted {
                queue: scenario.queues[j].name.clone(),
                fate,
                heard,
                counted,
            });
        }
    }
    let r = &state.rec;
    let run = LiveRun {
        speedup,
        duration,
        horizon,
        warmup,
        batches: BATCHES,
        measured: r.measured,
        offered: r.offered,
        completed: r.completed,
        service_overshoot: r.overshoot / r.served as f64,
        wake_latency: r.wake_latency / r.woken as f64,
        expiry_lateness: r.expiry_lateness / r.expiries as f64,
    };
    Ok(result(r, run, broker, state.fates.clone(), wall_seconds))
}

/// The result of a live run whose statistics `r` were closed at its horizon: each metric
/// over the whole measured period with its batch-means interval, beside `run`'s facts, the
/// broker's counters and the fates the run heard of.
///
/// # Panics
/// If `r` was not closed ([`Recorder::close`]).
pub fn result(
    r: &Recorder,
    run: LiveRun,
    broker: Vec<QueueStats>,
    fates: Vec<Fates>,
    wall_seconds: f64,
) -> LiveResult {
    let (system, queues, classes) = r
        .final_estimates
        .as_ref()
        .expect("a live run's statistics are closed at its horizon");
    let summary = |whole: &Estimates, pick: &dyn Fn(&ScopeEstimates) -> Estimates| {
        let per_batch: Vec<Estimates> = r.batches.iter().map(pick).collect();
        ScopeSummary {
            metrics: Metric::ALL
                .iter()
                .map(|&m| {
                    batch_summary(whole.get(m), per_batch.iter().map(|e| e.get(m)))
                        .within(m.bounds())
                })
                .collect(),
            measured: whole.measured,
            departures: Departures {
                rate: batch_summary(
                    whole.departures.rate,
                    per_batch.iter().map(|e| e.departures.rate),
                ),
                mean_stay: batch_summary(
                    whole.departures.mean_stay,
                    per_batch.iter().map(|e| e.departures.mean_stay),
                ),
            },
        }
    };
    LiveResult {
        system: summary(system, &|b| b.0),
        queues: (0..queues.len())
            .map(|j| summary(&queues[j], &|b| b.1[j]))
            .collect(),
        classes: (0..classes.len())
            .map(|k| summary(&classes[k], &|b| b.2[k]))
            .collect(),
        run,
        broker,
        fates,
        wall_seconds,
        real_broker: None,
    }
}

/// The statistics of a live run of `scenario` over `horizon`, the first `warmup` discarded.
pub fn recorder(scenario: &Scenario, warmup: f64, horizon: f64) -> Recorder {
    let resolution = scenario.time_resolution();
    let (nq, nc) = (scenario.queues.len(), scenario.classes.len());
    let mirrors = (nq == 1 && scenario.queues[0].routes.is_empty(), nc == 1);
    let scopes = Scopes {
        system: Tally::new(resolution, true),
        queues: vec![Tally::new(resolution, !mirrors.0); nq],
        classes: vec![Tally::new(resolution, !mirrors.1); nc],
    };
    let consumers = scenario.queues.iter().map(|q| q.consumers).collect();
    Recorder::new(scopes, consumers, mirrors, warmup, horizon)
}

/// `whole` with the 95% half-width of the batch means `xs` (Student t, n − 1 degrees of
/// freedom). A batch without a value (no message left during it) makes the interval NaN.
fn batch_summary(whole: f64, xs: impl ExactSizeIterator<Item = f64> + Clone) -> Summary {
    let batches: Vec<f64> = xs.collect();
    Summary {
        mean: whole,
        ..Summary::of(&batches)
    }
}
