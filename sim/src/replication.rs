//! One replication: the event loop that drives the real broker with simulated producers and
//! consumers, on a virtual clock.
//!
//! Producers publish through the broker's public API; a consumer the broker names in `wake`
//! polls, processes what it is given and acks (or nacks a failed message). Everything the
//! broker decides — where a message waits, who is preempted, what times out or expires, what
//! is dead-lettered — is the broker's own logic; this loop only supplies time and work.
//!
//! `state` sets a replication up, `event_loop` runs it; the handlers are split by what
//! they deal with: `messages`, `service` (the consumers, modelled in `worker`),
//! `unfinished` deliveries, `deadlines`, `crashes`; `books` checks the counts.

mod autoscale;
mod batches;
mod books;
mod checkpoints;
mod clients;
mod clock;
mod closed;
mod crashes;
mod deadlines;
mod event_loop;
mod messages;
mod paid;
mod service;
mod staffing;
mod state;
mod unfinished;
mod worker;

pub use autoscale::{MAX_DECISIONS, ScaleDecision, ScaleLog};
pub use books::{Books, BooksError, QueueBooks, QueueCounts};
pub use checkpoints::{
    BACKLOG_PER_MESSAGE, EVENTS_PER_MESSAGE, MIN_BACKLOG, MIN_EVENT_BUDGET, Stop, backlog_budget,
    event_budget,
};
pub use clients::ClientCounts;
pub use clock::SimClock;

use crate::error::SimError;
use crate::scenario::Scenario;
use crate::stats::{Estimates, Tails};
use crate::windows::WindowEstimate;
use event_loop::PREFETCH_CONSUMERS;
use state::Replication;

/// What one replication measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationResult {
    /// End-to-end estimates.
    pub system: Estimates,
    /// Per-queue estimates, in scenario order.
    pub queues: Vec<Estimates>,
    /// Per-class estimates, in scenario order.
    pub classes: Vec<Estimates>,
    /// Per-queue message fates over the measurement window.
    pub counts: Vec<QueueCounts>,
    /// Every scope's books at the end: [`Books::check`] holds for every replication.
    pub books: Books,
    /// Events processed (warm-up included; for a batch of [`run_batched`], those since the
    /// previous batch ended, the first batch counting the warm-up).
    pub events: u64,
    /// Messages that left the system (counted as `events` are).
    pub messages: u64,
    /// The replication reached a budget (`[run] max_events`, or the backlog budget) before
    /// its customers and stopped there: its figures cover only what happened until then.
    pub stopped: bool,
    /// Why it stopped early (None: it did not): `max_events`, or the backlog budget.
    pub stop: Option<Stop>,
    /// When it stopped early: each queue's messages in the system then (one figure, the
    /// system's, for a lone queue).
    pub backlog: Option<Vec<u64>>,
    /// The occupancy trend over its measurement ([`crate::growth`]); for a batch of
    /// [`run_batched`], None but in the last batch, which holds the whole replication's.
    /// None also where the scenario is not tested or the measurement never opened.
    pub trend: Option<crate::growth::Trend>,
    /// The recorded T and Wq of the measurement window, for percentiles pooled over
    /// replications ([`crate::experiment::run_points`] takes them to its pool).
    pub tails: Tails,
    /// `[run] window`: the system's estimates window by window, in time order (empty
    /// without windows).
    pub windows: Vec<WindowEstimate>,
    /// Each queue's scaling decisions, in scenario order (None for a queue without
    /// `autoscale`); for a batch of [`run_batched`], empty but in the last batch, which
    /// holds the whole replication's.
    pub autoscale: Vec<Option<ScaleLog>>,
    /// With a producer's `timeout`: what the senders saw over the measurement (None
    /// without).
    pub clients: Option<ClientCounts>,
    /// Each queue's consumer time over the measurement (or batch): the time integral of
    /// its consumers paid for (on duty, or an autoscaler's starting up).
    pub consumer_time: Vec<f64>,
}

/// Runs replication `replication` of `scenario` to completion.
pub fn run_replication(
    scenario: &Scenario,
    replication: u64,
) -> Result<ReplicationResult, SimError> {
    run_replication_observed(scenario, replication, &mut |_| {})
}

/// A message leaving the system, as [`run_replication_observed`] reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exit {
    /// When it left.
    pub now: f64,
    /// Its end-to-end sojourn time.
    pub sojourn: f64,
    /// Messages still in the system once it has left.
    pub in_system: u64,
}

/// Like [`run_replication`], calling `observe` each time a message leaves the system
/// (warm-up included). Monomorphised: a no-op observer costs nothing.
pub fn run_replication_observed<F: FnMut(&Exit)>(
    scenario: &Scenario,
    replication: u64,
    observe: &mut F,
) -> Result<ReplicationResult, SimError> {
    Ok(run_cut(scenario, replication, 0, observe)?.0)
}

/// Runs replication `replication` of `scenario` with its measured customers cut into
/// `batches` consecutive batches of `customers / batches` messages (the last takes the
/// remainder), each summarised as a replication is: the batch means of one long run. The
/// warm-up precedes the first batch; the events and messages of each batch are its own.
pub fn run_batched(
    scenario: &Scenario,
    replication: u64,
    batches: u32,
) -> Result<Vec<ReplicationResult>, SimError> {
    let (last, mut done) = run_cut(scenario, replication, batches, &mut |_| {})?;
    done.push(last);
    Ok(done)
}

/// One replication, cut into `batches` (0 or 1: not cut): its last batch and those before.
fn run_cut<F: FnMut(&Exit)>(
    scenario: &Scenario,
    replication: u64,
    batches: u32,
    observe: &mut F,
) -> Result<(ReplicationResult, Vec<ReplicationResult>), SimError> {
    let r = Replication::new(scenario, replication, batches)?;
    // Separate loops, so that a run without prefetching, or without a horizon, carries not
    // even its test per event.
    let prefetch = r.workers.len() >= PREFETCH_CONSUMERS;
    let result = match (prefetch, scenario.run.horizon.is_some()) {
        (true, true) => r.run::<F, true, true>(observe),
        (true, false) => r.run::<F, true, false>(observe),
        (false, true) => r.run::<F, false, true>(observe),
        (false, false) => r.run::<F, false, false>(observe),
    };
    Ok(result?)
}
