//! A replication's state — the broker, the simulated consumers, the calendar, the random
//! streams and the scopes it measures — and how it is set up from a scenario.

use std::collections::HashMap;

use kendall_broker::{Broker, BrokerError, Expired, MessageId, QueueId, QueueStats};

use super::batches::Marks;
use super::clock::SimClock;
use super::event_loop::Event;
use super::unfinished::Unfinished;
use super::worker::{Job, Jobs, Worker};
use crate::arrivals::ArrivalProcess;
use crate::calendar::Agenda;
use crate::rng::{Source, Stream, stream};
use crate::scenario::Scenario;
use crate::scopes::Scopes;
use crate::stats::Tally;
use crate::windows::WindowRecorder;

/// One replication in progress: what the event loop and its handlers share.
pub(super) struct Replication<'s> {
    pub(super) scenario: &'s Scenario,
    pub(super) clock: SimClock,
    pub(super) broker: Broker<SimClock>,
    pub(super) calendar: Agenda<Event>,
    pub(super) queue_ids: Vec<QueueId>,
    /// Scenario index of each broker queue id.
    pub(super) queue_index: Vec<usize>,
    pub(super) workers: Vec<Worker>,
    pub(super) arrivals: Vec<Stream>,
    // [fit/trace] per-producer arrival process (a trace's replay cursor); draws from `arrivals`.
    pub(super) arrival_processes: Vec<ArrivalProcess>,
    pub(super) service: Vec<Stream>,
    pub(super) routing: Vec<Stream>,
    pub(super) failures: Vec<Stream>,
    pub(super) crashes: Vec<Stream>,
    /// Patience draws, per queue (used only by queues with a `patience`).
    pub(super) patience: Vec<Stream>,
    /// Backoff jitter draws, per queue (used only by queues with a `retry_backoff`).
    pub(super) backoff: Vec<Stream>,
    /// Messages whose earlier deliveries did not complete (failed, interrupted, crashed):
    /// the time they spent in service, which is processing, not waiting, and when they were
    /// first delivered. Bounded by the messages in the system.
    pub(super) served_before: HashMap<MessageId, Unfinished>,
    /// Entries of `served_before` whose next delivery repeats the whole work: none in most
    /// runs, so that a delivery looks them up only when there are.
    pub(super) restarts: u32,
    /// Per queue, its staffing when it follows a consumer schedule (`staffing`).
    pub(super) staffing: Vec<Option<super::staffing::Staffing>>,
    /// Per queue, its autoscaler (`autoscale`), which sets its `staffing`.
    pub(super) autoscalers: Vec<Option<Box<super::autoscale::Autoscaler>>>,
    /// Reused for the broker's deadline reports.
    pub(super) expired: Expired,
    /// Whether any queue has deadlines, and the earliest Deadline event scheduled.
    pub(super) deadlines: bool,
    pub(super) armed: f64,
    pub(super) scopes: Scopes,
    /// Broker counters at the start of the measurement window.
    pub(super) window_start: Vec<QueueStats>,
    pub(super) events: u64,
    pub(super) exits: u64,
    /// The lone queue's scope is the system's (no percentiles recorded for it).
    pub(super) queue_mirrors: bool,
    /// The lone class's scope is the system's.
    pub(super) class_mirrors: bool,
    /// Some consumer shares its capacity (processor sharing): the classes' busy areas count
    /// shares of consumers ([`Worker::share_clock`]).
    pub(super) sharing: bool,
    /// End-to-end sojourn time of the last message that left the system.
    pub(super) last_sojourn: f64,
    /// `[run] horizon`: the next time at which the event loop must act before handling an
    /// event — a window boundary to mark, or the horizon itself (infinite without one).
    pub(super) stop_at: f64,
    /// `[run] window`: the system's window-by-window recorder.
    pub(super) windows: Option<Box<WindowRecorder>>,
    /// The loop met an event at or past `[run] horizon`.
    pub(super) horizon_reached: bool,
    /// Where the warm-up ends and batches end ([`super::batches`]).
    pub(super) marks: Marks,
    /// The senders, when some producer has a `timeout` ([`super::clients`]).
    pub(super) clients: Option<Box<super::clients::Clients>>,
    /// Consumer time paid for, per queue ([`super::paid`]).
    pub(super) paid: super::paid::Paid,
    /// The budgets and the occupancy trend's segments ([`super::checkpoints`]).
    pub(super) checks: super::checkpoints::Checkpoints,
    /// The clients of closed workloads, when some producer has `clients`
    /// ([`super::closed`]).
    pub(super) closed: Option<Box<super::closed::ClosedClients>>,
}

impl<'s> Replication<'s> {
    /// Replication `replication` of `scenario`, its measurement cut into `batches` batches
    /// (0 or 1: not cut).
    pub(super) fn new(
        scenario: &'s Scenario,
        replication: u64,
        batches: u32,
    ) -> Result<Self, BrokerError> {
        let seed = scenario.run.seed;
        let clock = SimClock::default();
        let mut broker = Broker::new(clock.clone());
        let nq = scenario.queues.len();
        let queue_ids = crate::setup::add_queues(&mut broker, scenario, replication)?;
        let mut queue_index = vec![0; nq];
        for (j, id) in queue_ids.iter().enumerate() {
            queue_index[id.0 as usize] = j;
        }
        let mut workers: Vec<Worker> = (0..broker.consumer_count())
            .map(|_| Worker {
                queue: 0,
                speed: 1.0,
                down: false,
                generation: 0,
                jobs: Jobs::One {
                    job: Job {
                        finish: 0.0,
                        id: MessageId(0),
                        class: 0,
                        started: 0.0,
                    },
                    held: false,
                },
            })
            .collect();
        for (j, &q) in queue_ids.iter().enumerate() {
            for (local, c) in broker.consumers_of(q)?.enumerate() {
                let w = &mut workers[c.0 as usize];
                w.queue = j as u32;
                w.speed = scenario.queues[j].speeds[local];
                if scenario.queues[j].sharing {
                    w.jobs = Jobs::Many(Box::default());
                }
            }
        }
        let streams = |f: fn(usize) -> Source, n: usize| -> Vec<Stream> {
            (0..n).map(|i| stream(seed, replication, f(i))).collect()
        };
        let np = scenario.producers.len();
        let resolution = scenario.time_resolution();
        // A lone queue without routes sees exactly the system's messages, and a lone class is
        // all of them: such scopes skip percentile recording and copy the system's.
        let queue_mirrors = nq == 1 && scenario.queues[0].routes.is_empty();
        let class_mirrors = scenario.classes.len() == 1;
        // Mirroring scopes record nothing at all and copy the system's estimates.
        let sharing = scenario.queues.iter().any(|q| q.sharing);
        let scope = |mirrors: bool, copies: bool| {
            if copies {
                Tally::mirror()
            } else {
                Tally::new(resolution, !mirrors)
            }
        };
        let consumers: Vec<u32> = scenario.queues.iter().map(|q| q.consumers).collect();
        let window_start = queue_ids
            .iter()
            .map(|&q| broker.stats(q))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            scenario,
            clock,
            broker,
            calendar: Agenda::with_capacity(np, 2 * workers.len() + 1),
            queue_ids,
            queue_index,
            workers,
            arrivals: streams(Source::Arrivals, np),
            // [fit/trace]
            arrival_processes: scenario
                .producers
                .iter()
                .map(|p| ArrivalProcess::new(&p.interarrival))
                .collect(),
            service: streams(Source::Service, nq),
            routing: streams(Source::Routing, nq),
            failures: streams(Source::Failures, nq),
            crashes: streams(Source::Crashes, nq),
            patience: streams(Source::Patience, nq),
            backoff: streams(Source::Backoff, nq),
            served_before: HashMap::new(),
            restarts: 0,
            staffing: vec![None; nq],
            autoscalers: (0..nq).map(|_| None).collect(),
            expired: Expired::default(),
            deadlines: scenario
                .queues
                .iter()
                .any(|q| q.delivery.has_deadlines() || q.patience.is_some() || q.backoff.is_some()),
            armed: f64::INFINITY,
            scopes: Scopes {
                system: Tally::new(resolution, true),
                queues: vec![scope(queue_mirrors, queue_mirrors); nq],
                classes: vec![scope(class_mirrors, class_mirrors); scenario.classes.len()],
            },
            window_start,
            events: 0,
            exits: 0,
            queue_mirrors,
            class_mirrors,
            sharing,
            last_sojourn: f64::NAN,
            stop_at: scenario.run.horizon.map_or(f64::INFINITY, |h| h.end),
            windows: scenario
                .run
                .horizon
                .and_then(|h| WindowRecorder::new(h, resolution, &consumers))
                .map(Box::new),
            horizon_reached: false,
            marks: Marks::new(&scenario.run, batches),
            clients: super::clients::Clients::new(scenario, replication),
            paid: super::paid::Paid::new(scenario),
            checks: super::checkpoints::Checkpoints::new(scenario),
            closed: super::closed::ClosedClients::new(scenario),
        })
    }
}
