//! One replication: the event loop that drives the real broker with simulated producers and
//! consumers, on a virtual clock.
//!
//! Producers publish through the broker's public API; a consumer the broker names in `wake`
//! polls, processes what it is given and acks (or nacks a failed message). Everything the
//! broker decides — where a message waits, who is preempted, what times out or expires, what
//! is dead-lettered — is the broker's own logic; this loop only supplies time and work.

use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, Expired, Message, MessageId, Outcome, Published,
    QueueId, QueueStats,
};
use rand::RngExt;

use crate::arrivals::ArrivalProcess;
use crate::calendar::{Agenda, Due};
use crate::rng::{Source, Stream, stream};
use crate::scenario::Scenario;
use crate::scopes::Scopes;
use crate::stats::{Estimates, Tails, Tally};

mod books;
pub use books::{Books, QueueBooks, QueueCounts};

/// The simulator's clock: the time of the event being processed. Clones share one reading.
#[derive(Debug, Clone, Default)]
pub struct SimClock(Rc<Cell<f64>>);

impl SimClock {
    fn set(&self, t: f64) {
        self.0.set(t);
    }
}

impl Clock for SimClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

/// What happens next in a replication, besides arrivals (which the [`Agenda`] keeps apart).
#[derive(Debug, Clone, Copy)]
enum Event {
    /// Consumer c's next message finishes, if c's work has not changed since (`generation`).
    Completion { consumer: u32, generation: u32 },
    /// A broker deadline (visibility timeout or time to live) is due.
    Deadline,
    /// Consumer c crashes.
    Crash(u32),
    /// Consumer c is repaired.
    Recover(u32),
}

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
    /// Events processed (warm-up included).
    pub events: u64,
    /// Messages that left the system (warm-up included).
    pub messages: u64,
    /// The replication reached `[run] max_events` before its customers and stopped there:
    /// its figures cover only what happened until then.
    pub stopped: bool,
    /// The recorded T and Wq of the measurement window, for percentiles pooled over
    /// replications ([`crate::experiment::run_points`] takes them to its pool).
    pub tails: Tails,
}

/// Runs replication `replication` of `scenario` to completion.
pub fn run_replication(
    scenario: &Scenario,
    replication: u64,
) -> Result<ReplicationResult, BrokerError> {
    run_replication_observed(scenario, replication, &mut |_, _| {})
}

/// Like [`run_replication`], calling `observe(now, t)` each time a message leaves the system
/// (warm-up included), with `t` its end-to-end sojourn time. Monomorphised: a no-op observer
/// costs nothing.
pub fn run_replication_observed<F: FnMut(f64, f64)>(
    scenario: &Scenario,
    replication: u64,
    observe: &mut F,
) -> Result<ReplicationResult, BrokerError> {
    let r = Replication::new(scenario, replication)?;
    // Two loops, so that a run without prefetching carries not even its test per event.
    if r.workers.len() >= PREFETCH_CONSUMERS {
        r.run::<F, true>(observe)
    } else {
        r.run::<F, false>(observe)
    }
}

/// A message being processed. `finish` is when it is done: a time for an ordinary consumer,
/// a reading of the consumer's virtual clock under processor sharing (see [`Worker`]).
#[derive(Debug, Clone, Copy)]
struct Job {
    finish: f64,
    id: MessageId,
    class: u16,
    /// When it was delivered.
    started: f64,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Job {}

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Job {
    /// Reversed so that the max-heap yields the earliest finish (then the oldest id).
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .finish
            .total_cmp(&self.finish)
            .then_with(|| other.id.cmp(&self.id))
    }
}

/// The messages a consumer holds: at most one for an ordinary consumer (a slot, no heap
/// allocation and no ordering work), any number under processor sharing (a heap by finish).
///
/// The slot is a job and a flag rather than an `Option<Job>`: a job is then written field by
/// field where it lives, not built on the stack and copied over, whose wide reloads of narrow
/// stores stall the processor (store forwarding fails).
#[derive(Debug)]
enum Jobs {
    One { job: Job, held: bool },
    Many(Box<Sharing>),
}

/// The messages a processor-sharing consumer holds, and its virtual clock: `v` is the work
/// each held message has received, as of time `last`. Boxed, so that an ordinary consumer's
/// [`Worker`] stays one cache line.
#[derive(Debug, Default)]
struct Sharing {
    heap: BinaryHeap<Job>,
    v: f64,
    last: f64,
}

impl Jobs {
    #[inline]
    fn len(&self) -> usize {
        match self {
            Jobs::One { held, .. } => usize::from(*held),
            Jobs::Many(sharing) => sharing.heap.len(),
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The earliest-finishing job, removed.
    #[inline]
    fn pop(&mut self) -> Option<Job> {
        match self {
            Jobs::One { job, held } => std::mem::take(held).then_some(*job),
            Jobs::Many(sharing) => sharing.heap.pop(),
        }
    }
}

/// A simulated consumer with capacity `speed` work units per time unit.
///
/// An ordinary consumer holds one message, done at delivery time + size / speed. Under
/// processor sharing the capacity is shared equally among the messages held, which a virtual
/// clock `v` (work done per message) makes exact: a message of size s delivered at virtual
/// time v0 finishes when `v` reaches v0 + s ([`Sharing`]).
///
/// One cache line, aligned: a fleet of thousands does not keep its workers in cache, and an
/// event then misses once on its worker rather than on two lines.
#[derive(Debug)]
#[repr(align(64))]
struct Worker {
    /// Scenario index of the consumer's queue.
    queue: u32,
    generation: u32,
    speed: f64,
    down: bool,
    jobs: Jobs,
}

impl Worker {
    /// Takes one message at a time (prefetch 1): one poll fills it.
    #[inline]
    fn single(&self) -> bool {
        matches!(self.jobs, Jobs::One { .. })
    }

    /// Brings the virtual clock of a sharing consumer to `now`.
    #[inline]
    fn advance(&mut self, now: f64) {
        if let Jobs::Many(sharing) = &mut self.jobs {
            let n = sharing.heap.len();
            if n > 0 {
                sharing.v += (now - sharing.last) * self.speed / n as f64;
            }
            sharing.last = now;
        }
    }

    /// Starts message `m`, of `size` work, at `now`.
    #[inline]
    fn start(&mut self, m: &Message, size: f64, now: f64) {
        self.advance(now);
        match &mut self.jobs {
            Jobs::One { job, held } => {
                debug_assert!(!*held, "an ordinary consumer holds one message");
                job.finish = now + size / self.speed;
                job.id = m.id;
                job.class = m.class;
                job.started = now;
                *held = true;
            }
            Jobs::Many(sharing) => sharing.heap.push(Job {
                finish: sharing.v + size,
                id: m.id,
                class: m.class,
                started: now,
            }),
        }
    }

    /// Removes the earliest-finishing job at `now`.
    #[inline]
    fn take(&mut self, now: f64) -> Option<Job> {
        self.advance(now);
        self.jobs.pop()
    }

    /// Work left in `job`, just taken at `now`.
    fn remaining(&self, job: &Job, now: f64) -> f64 {
        match self.jobs {
            Jobs::One { .. } => ((job.finish - now) * self.speed).max(0.0),
            Jobs::Many(ref sharing) => (job.finish - sharing.v).max(0.0),
        }
    }

    /// A sharing consumer's share clock at `now`: the work each message it holds has
    /// received, over its speed. Each of n messages held gets 1/n of the consumer, so a
    /// message's share of it over a stay — its part in the consumer's busy time — is the
    /// clock's advance over the stay. None for an ordinary consumer (a message held has it
    /// all).
    fn share_clock(&self, now: f64) -> Option<f64> {
        match &self.jobs {
            Jobs::One { .. } => None,
            Jobs::Many(sharing) => {
                let n = sharing.heap.len();
                let v = if n > 0 {
                    sharing.v + (now - sharing.last) * self.speed / n as f64
                } else {
                    sharing.v
                };
                Some(v / self.speed)
            }
        }
    }

    /// When the earliest-finishing job will be done, if nothing changes meanwhile.
    #[inline]
    fn next_completion(&self) -> Option<f64> {
        match &self.jobs {
            Jobs::One { job, held } => held.then_some(job.finish),
            Jobs::Many(sharing) => {
                let n = sharing.heap.len() as f64;
                sharing
                    .heap
                    .peek()
                    .map(|j| sharing.last + (j.finish - sharing.v).max(0.0) * n / self.speed)
            }
        }
    }
}

/// The fleet size from which consumers' state does not stay in cache between their events,
/// and the event loop fetches the next completion's ahead ([`Replication::prefetch_next`]).
const PREFETCH_CONSUMERS: usize = 256;

/// A message whose earlier deliveries did not complete ([`Replication::unfinished`]).
#[derive(Debug, Clone, Copy)]
struct Unfinished {
    /// Service so far: the time an ordinary consumer held it; under processor sharing, the
    /// work done over the consumer's speed (the time it would have taken alone).
    served: f64,
    /// When it was first delivered.
    first_delivered_at: f64,
    /// Its whole work, once a preemption has left the broker holding only what remained of
    /// it (NaN before): a failed or crashed attempt repeats the whole work, not the rest.
    whole: f64,
    /// Its next delivery repeats the whole work (an attempt after a preemption failed).
    restart: bool,
}

struct Replication<'s> {
    scenario: &'s Scenario,
    clock: SimClock,
    broker: Broker<SimClock>,
    calendar: Agenda<Event>,
    queue_ids: Vec<QueueId>,
    /// Scenario index of each broker queue id.
    queue_index: Vec<usize>,
    workers: Vec<Worker>,
    arrivals: Vec<Stream>,
    // [fit/trace] per-producer arrival process (a trace's replay cursor); draws from `arrivals`.
    arrival_processes: Vec<ArrivalProcess>,
    service: Vec<Stream>,
    routing: Vec<Stream>,
    failures: Vec<Stream>,
    crashes: Vec<Stream>,
    /// Messages whose earlier deliveries did not complete (failed, interrupted, crashed):
    /// the time they spent in service, which is processing, not waiting, and when they were
    /// first delivered. Bounded by the messages in the system.
    served_before: HashMap<MessageId, Unfinished>,
    /// Entries of `served_before` whose next delivery repeats the whole work: none in most
    /// runs, so that a delivery looks them up only when there are.
    restarts: u32,
    /// Reused for the broker's deadline reports.
    expired: Expired,
    /// Whether any queue has deadlines, and the earliest Deadline event scheduled.
    deadlines: bool,
    armed: f64,
    scopes: Scopes,
    /// Broker counters at the start of the measurement window.
    window_start: Vec<QueueStats>,
    events: u64,
    exits: u64,
    /// The lone queue's scope is the system's (no percentiles recorded for it).
    queue_mirrors: bool,
    /// The lone class's scope is the system's.
    class_mirrors: bool,
    /// Some consumer shares its capacity (processor sharing): the classes' busy areas count
    /// shares of consumers ([`Worker::share_clock`]).
    sharing: bool,
    /// End-to-end sojourn time of the last message that left the system.
    last_sojourn: f64,
}

impl<'s> Replication<'s> {
    fn new(scenario: &'s Scenario, replication: u64) -> Result<Self, BrokerError> {
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
        let smallest_service = scenario
            .queues
            .iter()
            .flat_map(|q| q.service.iter().map(|d| d.mean()))
            .fold(f64::INFINITY, f64::min);
        let resolution = 1e-4 * smallest_service;
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
            served_before: HashMap::new(),
            restarts: 0,
            expired: Expired::default(),
            deadlines: scenario.queues.iter().any(|q| q.delivery.has_deadlines()),
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
        })
    }

    /// Runs the replication; with `PREFETCH`, each event fetches the next completion's
    /// consumer state ahead ([`Replication::prefetch_next`]).
    fn run<F: FnMut(f64, f64), const PREFETCH: bool>(
        mut self,
        observe: &mut F,
    ) -> Result<ReplicationResult, BrokerError> {
        // [fit/trace] a producer whose trace is empty publishes nothing.
        for i in 0..self.scenario.producers.len() {
            if let Some(first) = self.arrival_processes[i].next_gap(&mut self.arrivals[i]) {
                self.calendar.schedule_arrival(first, i as u32);
            }
        }
        for c in 0..self.workers.len() {
            self.schedule_crash(c, 0.0);
        }
        let run = self.scenario.run;
        let target = run.warmup + run.customers;
        let budget = run.max_events.unwrap_or(u64::MAX);
        if run.warmup == 0 {
            self.reset(0.0)?;
        }
        // The replication ends after `target` departures, or — when every producer has
        // stopped (traces with at_end = "stop") — as soon as the system is empty: no message
        // waits, is in service or in flight anywhere, so no departure can follow. Crash and
        // recovery events go on for ever, so an empty calendar alone would never come.
        while self.exits < target && !self.drained() && self.events < budget {
            let Some((now, due)) = self.calendar.take_next() else {
                break;
            };
            self.clock.set(now);
            self.events += 1;
            if PREFETCH {
                if let Due::Arrival(i) = due {
                    self.prefetch_route(i as usize);
                }
                self.prefetch_next();
            }
            let exits_before = self.exits;
            let event = match due {
                Due::Arrival(i) => {
                    self.arrival(i as usize, now)?;
                    None
                }
                Due::Event(event) => Some(event),
            };
            match event {
                Some(Event::Completion {
                    consumer,
                    generation,
                }) if self.workers[consumer as usize].generation == generation => {
                    self.completion(consumer as usize, now)?;
                }
                Some(Event::Deadline) => self.deadline(now)?,
                Some(Event::Crash(c)) => self.crash(c as usize, now)?,
                Some(Event::Recover(c)) => {
                    self.workers[c as usize].down = false;
                    self.schedule_crash(c as usize, now);
                    self.start_next(c as usize, now)?;
                }
                // An arrival (handled above), or a completion its consumer's work has since
                // superseded.
                None | Some(Event::Completion { .. }) => {}
            }
            if self.exits > exits_before {
                observe(now, self.last_sojourn);
            }
            if exits_before < run.warmup && self.exits >= run.warmup {
                self.reset(now)?;
            }
        }
        self.finish()
    }

    /// Fetches the consumer state of the completion likely due next into the cache, while
    /// this event is handled: a fleet's consumers do not stay in cache between their events,
    /// and each event would otherwise wait for several cache misses (JSQ over 10,000
    /// consumers runs about 1.35× faster with it).
    #[inline(never)]
    fn prefetch_next(&self) {
        if let Some(Event::Completion { consumer, .. }) = self.calendar.likely_next_event() {
            if let Some(w) = self.workers.get(consumer as usize) {
                kendall_broker::prefetch::prefetch(w);
            }
            self.broker.prefetch(ConsumerId(consumer));
        }
    }

    /// Fetches the state of the consumer producer `i`'s arrival will be routed to (where the
    /// strategy can tell, as JSQ can) into the cache, at the start of the arrival: its several
    /// misses then overlap instead of following one another through publish and poll.
    #[inline(never)]
    fn prefetch_route(&mut self, i: usize) {
        let q = self.queue_ids[self.scenario.producers[i].queue];
        if let Some(c) = self.broker.prefetch_route(q)
            && let Some(w) = self.workers.get(c.0 as usize)
        {
            kendall_broker::prefetch::prefetch(w);
        }
    }

    /// True when no producer will publish again and no message is in the system.
    #[inline]
    fn drained(&self) -> bool {
        let empty = self.calendar.arrivals() == 0 && self.scopes.system.in_system() == 0;
        debug_assert!(
            !empty
                || self.queue_ids.iter().all(|&q| self
                    .broker
                    .stats(q)
                    .is_ok_and(|s| s.waiting == 0 && s.in_flight == 0)),
            "the system's count says empty, the broker holds messages"
        );
        empty
    }

    fn finish(mut self) -> Result<ReplicationResult, BrokerError> {
        let now = self.clock.now();
        if self.sharing {
            self.settle_shares(1.0, now);
        }
        let scenario = self.scenario;
        let consumers: Vec<u32> = scenario.queues.iter().map(|q| q.consumers).collect();
        let (system, queues, classes) =
            self.scopes
                .estimates(now, &consumers, (self.queue_mirrors, self.class_mirrors));
        let stopped = self.events >= scenario.run.max_events.unwrap_or(u64::MAX)
            && self.exits < scenario.run.warmup + scenario.run.customers;
        let books = self.books()?;
        debug_assert_eq!(books.check(), Ok(()), "the simulator's books disagree");
        let counts = (self.window_start.iter().zip(&books.queues))
            .map(|(before, q)| QueueCounts::between(before, &q.broker))
            .collect();
        let scopes = &mut self.scopes;
        let tails = Tails::take(
            std::iter::once(&mut scopes.system)
                .chain(&mut scopes.queues)
                .chain(&mut scopes.classes),
        );
        Ok(ReplicationResult {
            system,
            queues,
            classes,
            counts,
            books,
            events: self.events,
            messages: self.exits,
            stopped,
            tails,
        })
    }

    /// Opens the measurement window at `now` (the warm-up's end): once per replication, out
    /// of the event loop's line.
    #[cold]
    #[inline(never)]
    fn reset(&mut self, now: f64) -> Result<(), BrokerError> {
        self.scopes.reset(now);
        if self.sharing {
            self.settle_shares(-1.0, now);
        }
        for (j, &q) in self.queue_ids.iter().enumerate() {
            self.window_start[j] = self.broker.stats(q)?;
        }
        Ok(())
    }

    /// Producer `i` publishes; the next arrival is scheduled from its own stream.
    #[inline(always)]
    fn arrival(&mut self, i: usize, now: f64) -> Result<(), BrokerError> {
        let producer = &self.scenario.producers[i];
        // [fit/trace] a trace with at_end = "stop" runs out: the producer stops, and once
        // every producer has, the replication ends when the system has drained (`drained`).
        match self.arrival_processes[i].next_gap(&mut self.arrivals[i]) {
            Some(gap) => self.calendar.renew_arrival(now + gap),
            None => self.calendar.end_arrival(),
        }
        let (queue, class) = (producer.queue, producer.class);
        self.publish(queue, class, None, 0.0, now)
    }

    /// Publishes a message of `class` to queue `j`, drawing its service requirement there.
    /// `born_at` is None for a message arriving from outside, which enters the system only if
    /// the queue accepts it; a forwarded message refused by a full queue is lost.
    #[inline(always)]
    fn publish(
        &mut self,
        j: usize,
        class: usize,
        born_at: Option<f64>,
        waited: f64,
        now: f64,
    ) -> Result<(), BrokerError> {
        let message = self
            .scenario
            .new_message(j, class, born_at, waited, &mut self.service[j]);
        // Read in place: moving the result out copies it through the stack, where the
        // reloads stall on the callee's narrower stores.
        match &self.broker.publish(self.queue_ids[j], message) {
            Ok(published) => {
                self.scopes.entered(j, class, born_at.is_some(), now);
                self.after_publish(j, published, now)
            }
            Err(BrokerError::Full { .. }) => {
                self.scopes.refused(j, class, born_at, now);
                Ok(())
            }
            Err(e) => Err(e.clone()),
        }
    }

    /// Acts on what a publish to queue `j` set in motion: a dropped message, a preemption,
    /// a consumer to wake.
    #[inline(always)]
    fn after_publish(
        &mut self,
        j: usize,
        published: &Published,
        now: f64,
    ) -> Result<(), BrokerError> {
        if let Some(dropped) = &published.dropped {
            // The oldest waiting message made room: it leaves the system unprocessed.
            self.leave_system(j, dropped, now);
        }
        if let Some(c) = published.preempt {
            self.preempt(c.0 as usize, now)?;
        }
        if let Some(c) = published.wake {
            self.start_next(c.0 as usize, now)?;
        }
        self.arm_deadline();
        Ok(())
    }

    /// A message in queue `j` leaves the system unprocessed (dropped, expired, dead-lettered
    /// with nowhere to go).
    fn leave_system(&mut self, j: usize, m: &Message, now: f64) {
        self.scopes.lost(j, m, now);
        self.forget_served(m.id);
    }

    /// Removes (and returns) the service time recorded for `id`'s unfinished deliveries. Most
    /// runs have none: the map is then not hashed at all.
    #[inline]
    fn forget_served(&mut self, id: MessageId) -> Option<Unfinished> {
        if self.served_before.is_empty() {
            None
        } else {
            let u = self.served_before.remove(&id);
            if u.is_some_and(|u| u.restart) {
                self.restarts -= 1;
            }
            u
        }
    }

    /// An attempt at message `id` failed, crashed or timed out: if a preemption had left the
    /// broker holding only the rest of its work, its next delivery repeats the whole.
    fn repeat_whole(&mut self, id: MessageId) {
        if let Some(u) = self.served_before.get_mut(&id)
            && u.whole.is_finite()
            && !u.restart
        {
            u.restart = true;
            self.restarts += 1;
        }
    }

    /// The work of the delivery of `m`: its size, or its whole work where an attempt after a
    /// preemption failed ([`Replication::repeat_whole`]).
    #[cold]
    #[inline(never)]
    fn delivered_work(&mut self, m: &Message) -> f64 {
        match self.served_before.get_mut(&m.id) {
            Some(u) if u.restart => {
                u.restart = false;
                self.restarts -= 1;
                u.whole
            }
            _ => m.size,
        }
    }

    /// A delivery of `job` ends without completing after `served` of service (see
    /// [`Unfinished::served`]): that service is not waiting time.
    fn unfinished(&mut self, job: &Job, served: f64) {
        self.served_before
            .entry(job.id)
            .or_insert(Unfinished {
                served: 0.0,
                first_delivered_at: job.started,
                whole: f64::NAN,
                restart: false,
            })
            .served += served;
    }

    /// Consumer `c`'s delivery of message `id` timed out at `now`: the broker took it back.
    /// Its time in service until then is service, not waiting (the consumer, unaware, goes
    /// on with the work until it finds its acknowledgement refused, which counts for
    /// nothing).
    fn timed_out(&mut self, c: usize, id: MessageId, now: f64) {
        let job = match &self.workers[c].jobs {
            Jobs::One { job, held: true } if job.id == id => Some(*job),
            Jobs::Many(sharing) => sharing.heap.iter().find(|j| j.id == id).copied(),
            _ => None,
        };
        if let Some(job) = job {
            self.unfinished(&job, now - job.started);
        }
        self.repeat_whole(id);
    }

    /// The service a delivery of `job` to consumer `c`, taken off it at `now` with
    /// `remaining` of its `size` left, gave it (see [`Unfinished::served`]).
    fn service_given(&self, c: usize, job: &Job, size: f64, remaining: f64, now: f64) -> f64 {
        let w = &self.workers[c];
        if w.single() {
            now - job.started
        } else {
            (size - remaining).max(0.0) / w.speed
        }
    }

    /// Consumer `c` takes messages while the broker gives it any (one for an ordinary
    /// consumer, all it can hold under processor sharing).
    #[inline(always)]
    fn start_next(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        if self.workers[c].down {
            return Ok(());
        }
        let mut started = false;
        loop {
            match &self.broker.poll(ConsumerId(c as u32)) {
                Ok(polled) => {
                    if !polled.expired.is_empty() {
                        self.expired_waiting(c, &polled.expired, now);
                    }
                    let Some(delivery) = &polled.delivery else {
                        break;
                    };
                    self.begin(c, &delivery.message, now);
                    started = true;
                    // A consumer of prefetch 1 is full now: polling again would only be
                    // refused as busy.
                    if self.workers[c].single() {
                        break;
                    }
                }
                Err(BrokerError::Busy(_)) => break,
                Err(e) => return Err(e.clone()),
            }
        }
        if started {
            self.reschedule(c);
            self.arm_deadline();
        }
        Ok(())
    }

    /// Waiting messages of consumer `c`'s queue that its poll found past their time to live
    /// leave the system.
    #[cold]
    #[inline(never)]
    fn expired_waiting(&mut self, c: usize, messages: &[Message], now: f64) {
        let j = self.workers[c].queue as usize;
        for m in messages {
            self.leave_system(j, m, now);
        }
    }

    /// Consumer `c` starts processing message `m` at `now`.
    #[inline(always)]
    fn begin(&mut self, c: usize, m: &Message, now: f64) {
        let size = if self.restarts == 0 {
            m.size
        } else {
            self.delivered_work(m)
        };
        let w = &mut self.workers[c];
        if w.jobs.is_empty() {
            self.scopes.queues[w.queue as usize].start_service(now);
            self.scopes.system.start_service(now);
        }
        w.start(m, size, now);
        if self.sharing {
            self.class_service(c, m.class, -1.0, now);
        } else {
            self.scopes.classes[m.class as usize].start_service(now);
        }
    }

    /// A message of `class` starts (`sign` −1) or ends (+1) service at consumer `c` at `now`,
    /// in a run where some consumer shares its capacity: at a sharing consumer its class is
    /// busy by its share of it, the share clock's advance over the stay. Out of line, so that
    /// the path every message takes in other runs stays as it was.
    #[cold]
    #[inline(never)]
    fn class_service(&mut self, c: usize, class: u16, sign: f64, now: f64) {
        let tally = &mut self.scopes.classes[class as usize];
        match self.workers[c].share_clock(now) {
            Some(u) => tally.shift_busy_area(sign * u),
            None if sign < 0.0 => tally.start_service(now),
            None => tally.end_service(now),
        }
    }

    /// Removes the earliest-finishing job of consumer `c` at `now`.
    #[inline(always)]
    fn take_job(&mut self, c: usize, now: f64) -> Option<Job> {
        let w = &mut self.workers[c];
        let job = w.take(now)?;
        if w.jobs.is_empty() {
            self.scopes.queues[w.queue as usize].end_service(now);
            self.scopes.system.end_service(now);
        }
        if self.sharing {
            self.class_service(c, job.class, 1.0, now);
        } else {
            self.scopes.classes[job.class as usize].end_service(now);
        }
        Some(job)
    }

    /// Adds `sign` × the share clock at `now` of every message held by a sharing consumer to
    /// its class's busy area: −1 when the window opens (shares count from then on), +1 when
    /// it closes (shares count up to then), as [`Tally`] does with the clock for whole
    /// consumers.
    #[cold]
    #[inline(never)]
    fn settle_shares(&mut self, sign: f64, now: f64) {
        for w in &self.workers {
            if let (Some(u), Jobs::Many(sharing)) = (w.share_clock(now), &w.jobs) {
                for job in &sharing.heap {
                    self.scopes.classes[job.class as usize].shift_busy_area(sign * u);
                }
            }
        }
    }

    /// Schedules consumer `c`'s next completion, invalidating any scheduled before.
    #[inline(always)]
    fn reschedule(&mut self, c: usize) {
        let w = &mut self.workers[c];
        w.generation = w.generation.wrapping_add(1);
        if let Some(t) = w.next_completion() {
            let event = Event::Completion {
                consumer: c as u32,
                generation: w.generation,
            };
            self.calendar.schedule(t, event);
        }
    }

    /// Consumer `c` finishes a message: ack it (or nack it, if processing failed), then route
    /// it onwards or out, and take the next.
    fn completion(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let Some(job) = self.take_job(c, now) else {
            return Ok(());
        };
        // The event being handled was an ordinary consumer's only one: nothing to invalidate.
        if !self.workers[c].single() {
            self.reschedule(c);
        }
        let j = self.workers[c].queue as usize;
        let consumer = ConsumerId(c as u32);
        let q = &self.scenario.queues[j];
        if q.fail > 0.0 && self.failures[j].random::<f64>() < q.fail {
            match self.broker.nack(consumer, job.id, true) {
                Ok(nacked) => {
                    // The attempt did all its work before it failed.
                    let size = nacked.message.size;
                    self.unfinished(&job, self.service_given(c, &job, size, 0.0, now));
                    self.repeat_whole(job.id);
                    self.outcome(j, &nacked.message, nacked.outcome, now)?
                }
                // Timed out while being processed: already taken back by the broker, and its
                // service until then recorded ([`Replication::timed_out`]).
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e),
            }
        } else {
            match &self.broker.ack(consumer, job.id) {
                Ok(acked) => self.processed(c, &acked.message, acked.delivered_at, now)?,
                Err(BrokerError::NotInFlight { .. }) => {}
                Err(e) => return Err(e.clone()),
            }
        }
        self.start_next(c, now)
    }

    /// Message `m`, acked by consumer `c`, leaves its queue: forwarded or out of the system.
    #[inline(always)]
    fn processed(
        &mut self,
        c: usize,
        m: &Message,
        delivered_at: f64,
        now: f64,
    ) -> Result<(), BrokerError> {
        let j = self.workers[c].queue as usize;
        let class = m.class as usize;
        let here = now - m.published_at;
        // Waiting is the time not spent being processed: up to the last delivery, less any
        // earlier unfinished deliveries; under processor sharing (every message held is in
        // service) the sojourn less the message's own work time.
        let earlier = self.forget_served(m.id);
        let wait_here = if self.scenario.queues[j].sharing {
            let before = earlier.map_or(0.0, |e| e.served);
            (here - m.size / self.workers[c].speed - before).max(0.0)
        } else {
            match earlier {
                Some(e) => (delivered_at - m.published_at - e.served).max(0.0),
                None => delivered_at - m.published_at,
            }
        };
        // p_wait counts the messages that could not start at once: their first delivery
        // came after their publication. Waits after an interruption, and the slowing of
        // processor sharing, add to Wq but do not make a message one that found no consumer.
        let first_delivered_at = earlier.map_or(delivered_at, |e| e.first_delivered_at);
        let found_none = first_delivered_at > m.published_at;
        self.scopes.queues[j].leave_waited(now, here, wait_here, found_none);
        let waited = m.waited_before + wait_here;
        match self.scenario.queues[j].next_queue(&mut self.routing[j]) {
            Some(to) => self.publish(to, class, Some(m.born_at), waited, now),
            None => {
                self.last_sojourn = now - m.born_at;
                // Upstream, any wait counts (the message carries its total, not how it
                // began at each queue).
                let found_none = found_none || m.waited_before > 0.0;
                let t = now - m.born_at;
                self.scopes.system.leave_waited(now, t, waited, found_none);
                self.scopes.classes[class].leave_waited(now, t, waited, found_none);
                self.exits += 1;
                Ok(())
            }
        }
    }

    /// What became of message `m` of queue `j` that the broker took back (nack, timeout,
    /// hand-back, expiry): every outcome is recorded, an expiry included.
    fn outcome(
        &mut self,
        j: usize,
        m: &Message,
        outcome: Outcome,
        now: f64,
    ) -> Result<(), BrokerError> {
        match outcome {
            Outcome::Requeued { wake } => {
                if let Some(w) = wake {
                    self.start_next(w.0 as usize, now)?;
                }
            }
            Outcome::Expired => self.leave_system(j, m, now),
            Outcome::DeadLettered {
                to: Some(dlq),
                published: Some(p),
            } => {
                // It moves to the dead-letter queue and is still in the system, as a new
                // message: its old id's unfinished service is forgotten (else kept for ever).
                let d = self.queue_index[dlq.0 as usize];
                self.forget_served(m.id);
                self.scopes.queues[j].lose(now, now - m.published_at);
                self.scopes.queues[d].enter(now);
                self.after_publish(d, &p, now)?;
            }
            Outcome::DeadLettered { to, published: _ } => {
                if let Some(dlq) = to {
                    self.scopes.queues[self.queue_index[dlq.0 as usize]].reject();
                }
                self.leave_system(j, m, now);
            }
        }
        self.arm_deadline();
        Ok(())
    }

    /// Consumer `c` is interrupted by a more urgent message: it hands its message back with
    /// the work still to do (which expires there if its time to live has run out) and takes
    /// the next (the urgent one).
    fn preempt(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let Some(job) = self.take_job(c, now) else {
            return Ok(());
        };
        let remaining = self.workers[c].remaining(&job, now);
        self.unfinished(&job, now - job.started);
        let done = (now - job.started) * self.workers[c].speed;
        if let Some(u) = self.served_before.get_mut(&job.id)
            && u.whole.is_nan()
        {
            // Its first preemption: the attempt began with the whole work.
            u.whole = done + remaining;
        }
        self.reschedule(c);
        let back = self
            .broker
            .requeue_front(ConsumerId(c as u32), job.id, remaining)?;
        self.start_next(c, now)?;
        let j = self.workers[c].queue as usize;
        self.outcome(j, &back.message, back.outcome, now)
    }

    /// The broker's deadlines are due: redeliver, dead-letter or expire, as it decides.
    fn deadline(&mut self, now: f64) -> Result<(), BrokerError> {
        if now >= self.armed {
            self.armed = f64::INFINITY;
        }
        let mut expired = std::mem::take(&mut self.expired);
        self.broker.expire_due_into(&mut expired);
        for e in &expired.events {
            let j = self.queue_index[e.queue.0 as usize];
            if let Some(c) = e.consumer {
                self.timed_out(c.0 as usize, e.message.id, now);
            }
            self.outcome(j, &e.message, e.outcome, now)?;
        }
        for &w in &expired.wake {
            self.start_next(w.0 as usize, now)?;
        }
        self.expired = expired;
        self.arm_deadline();
        Ok(())
    }

    /// Makes sure a Deadline event is scheduled for the broker's earliest deadline.
    #[inline]
    fn arm_deadline(&mut self) {
        if self.deadlines {
            self.arm_broker_deadline();
        }
    }

    fn arm_broker_deadline(&mut self) {
        if let Some(t) = self.broker.next_deadline()
            && t < self.armed
        {
            self.calendar.schedule(t, Event::Deadline);
            self.armed = t;
        }
    }

    fn schedule_crash(&mut self, c: usize, now: f64) {
        let j = self.workers[c].queue as usize;
        if let Some((mtbf, _)) = &self.scenario.queues[j].crash {
            let up = mtbf.sample(&mut self.crashes[j]);
            self.calendar.schedule(now + up, Event::Crash(c as u32));
        }
    }

    /// Consumer `c` crashes: it stops taking messages; what it held is nacked back (a closed
    /// connection) or, with a visibility timeout, left for the broker to time out.
    fn crash(&mut self, c: usize, now: f64) -> Result<(), BrokerError> {
        let j = self.workers[c].queue as usize;
        self.workers[c].down = true;
        let consumer = ConsumerId(c as u32);
        self.broker.pause(consumer)?;
        while let Some(job) = self.take_job(c, now) {
            if self.scenario.queues[j]
                .delivery
                .visibility_timeout
                .is_none()
            {
                let remaining = self.workers[c].remaining(&job, now);
                let nacked = self.broker.nack(consumer, job.id, true)?;
                let size = nacked.message.size;
                self.unfinished(&job, self.service_given(c, &job, size, remaining, now));
                self.repeat_whole(job.id);
                self.outcome(j, &nacked.message, nacked.outcome, now)?;
            } else {
                self.unfinished(&job, now - job.started);
                self.repeat_whole(job.id);
            }
        }
        self.reschedule(c);
        if let Some((_, mttr)) = &self.scenario.queues[j].crash {
            let down = mttr.sample(&mut self.crashes[j]);
            self.calendar.schedule(now + down, Event::Recover(c as u32));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ordinary consumer's simulator state is one cache line (see [`Worker`]).
    #[test]
    fn worker_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Worker>(), 64);
        assert_eq!(std::mem::align_of::<Worker>(), 64);
    }
}
