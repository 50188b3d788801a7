//! Live runs: the same scenario on real threads and the real clock.
//!
//! [`run_live`] builds the broker exactly as a replication does (same [`QueueConfig`]: dispatch,
//! discipline, capacity, overflow, dispatch seeds), but on a [`WallClock`] scaled by the
//! speed-up and wrapped in a [`SharedBroker`]. Each producer is a thread that sleeps until its
//! next *scheduled* arrival instant (absolute deadlines, so sleep overshoot never accumulates)
//! and publishes; each consumer is a thread that blocks in [`SharedBroker::poll_timeout`],
//! sleeps the message's service time (its size, in scenario time units, divided by the
//! speed-up), acknowledges it, and forwards it along the queue's routes as the simulator does.
//!
//! Times are the broker's own stamps: T runs from publication to acknowledgement and Wq from
//! publication to delivery, as real threads achieved them (scheduling latency and sleep
//! overshoot included). Time-weighted counts (L, Lq, utilisation) are integrated by one
//! statistics recorder, under its own mutex, that reads the clock as each change is recorded.
//!
//! A live run is one long run, not independent replications: the first tenth of the run is
//! discarded as warm-up and the rest is cut into [`BATCHES`] batches of equal length; each
//! metric's point estimate is over the whole measured period and its 95% interval comes from
//! the batch means (Student t with `BATCHES − 1` degrees of freedom).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, Expired, Outcome, QueueConfig, QueueId, QueueStats,
    SharedBroker, WallClock,
};

use crate::experiment::{ScopeSummary, Summary};
use crate::rng::{Source, Stream, seed_for, stream};
use crate::scenario::Scenario;
use crate::scopes::{ScopeEstimates, Scopes};
use crate::stats::{Estimates, Metric, Tally};

/// Batches the measured period is cut into for the batch-means confidence intervals.
pub const BATCHES: usize = 20;

/// Fraction of the run discarded as warm-up.
pub const WARMUP_FRACTION: f64 = 0.1;

/// Longest a thread blocks without looking at the stop flag (real time).
const TICK: Duration = Duration::from_millis(20);

/// How long before a deadline a sleeping thread stops sleeping and spins instead (real
/// time): `std::thread::sleep` overshoots by tens of microseconds, which at a high speed-up
/// is a visible fraction of a service time.
const SPIN: Duration = Duration::from_micros(150);

/// Per-thread streams (service sizes drawn by a publishing thread, routing choices) use
/// replication numbers from here up, one per thread, so that threads never share a stream.
/// Arrivals and dispatch use replication 0's streams, as the simulator's first replication.
const THREAD_STREAMS: u64 = 1 << 32;

/// What a live run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveResult {
    /// End-to-end metrics: whole-period estimate, batch-means 95% CI.
    pub system: ScopeSummary,
    /// Per-queue metrics, in scenario order.
    pub queues: Vec<ScopeSummary>,
    /// Per-class metrics, in scenario order.
    pub classes: Vec<ScopeSummary>,
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
    /// Messages that left the system during the measured period.
    pub measured: u64,
    /// Messages producers offered during the whole run.
    pub offered: u64,
    /// Messages that left the system after processing during the whole run.
    pub completed: u64,
    /// Mean service overshoot in the measured period, in scenario time units: how much longer
    /// than its size a service lasted from delivery to acknowledgement (sleep overshoot,
    /// scheduling delays).
    pub service_overshoot: f64,
    /// Mean time from publication to delivery of the messages that found a consumer idle, in
    /// scenario time units: the wake-up latency of a blocked consumer thread. It counts in
    /// Wq and T, but such messages do not count as having waited (p_wait).
    pub wake_latency: f64,
    /// Each queue's broker counters once every thread has stopped.
    pub broker: Vec<QueueStats>,
    /// Real seconds from the first thread's start to the last one's end.
    pub wall_seconds: f64,
}

/// The statistics of a live run: the whole measured period and the current batch, advanced
/// under one mutex in the order changes happen.
struct Recorder {
    whole: Scopes,
    batch: Scopes,
    batches: Vec<ScopeEstimates>,
    final_estimates: Option<ScopeEstimates>,
    consumers: Vec<u32>,
    mirrors: (bool, bool),
    warmup: f64,
    batch_len: f64,
    /// The next warm-up end or batch boundary; infinite once closed.
    next: f64,
    /// The warm-up is over.
    warmed: bool,
    measured: u64,
    offered: u64,
    completed: u64,
    /// Measured period: services completed, their total overshoot (acknowledged minus
    /// delivered minus size), deliveries to an idle consumer and their total latency.
    served: u64,
    overshoot: f64,
    unqueued: u64,
    latency: f64,
}

impl Recorder {
    /// Moves the window on to `now`: ends the warm-up, closes batches, closes the run. True
    /// while changes at `now` are to be recorded.
    fn at(&mut self, now: f64) -> bool {
        while now >= self.next {
            let boundary = self.next;
            if !self.warmed {
                self.warmed = true;
                self.whole.reset(boundary);
                self.batch.reset(boundary);
            } else {
                let e = self
                    .batch
                    .estimates(boundary, &self.consumers, self.mirrors);
                self.batches.push(e);
                self.batch.reset(boundary);
            }
            if self.batches.len() == BATCHES {
                let e = self
                    .whole
                    .estimates(boundary, &self.consumers, self.mirrors);
                self.final_estimates = Some(e);
                self.next = f64::INFINITY;
                return false;
            }
            self.next = self.warmup + (self.batches.len() + 1) as f64 * self.batch_len;
        }
        self.final_estimates.is_none()
    }

    fn each(&mut self, f: impl Fn(&mut Scopes)) {
        f(&mut self.whole);
        f(&mut self.batch);
    }
}

/// The shared state of a live run's threads.
struct Live<'s> {
    scenario: &'s Scenario,
    broker: SharedBroker<WallClock>,
    clock: WallClock,
    speedup: f64,
    horizon: f64,
    queue_ids: Vec<QueueId>,
    consumer_queue: Vec<usize>,
    recorder: Mutex<Recorder>,
    stop: AtomicBool,
}

/// Runs `scenario` live for `duration` real seconds with the clock running `speedup` scenario
/// time units per real second (so `duration × speedup` scenario time units in all).
pub fn run_live(
    scenario: &Scenario,
    speedup: f64,
    duration: f64,
) -> Result<LiveResult, BrokerError> {
    assert!(
        speedup > 0.0 && speedup.is_finite() && duration > 0.0 && duration.is_finite(),
        "speed-up and duration must be positive"
    );
    let seed = scenario.run.seed;
    let clock = WallClock::scaled(speedup);
    let mut broker = Broker::new(clock);
    let mut queue_ids = Vec::new();
    let mut consumer_queue = Vec::new();
    for (j, q) in scenario.queues.iter().enumerate() {
        let config = QueueConfig::new(&q.name, q.consumers as usize)
            .dispatch(q.dispatch.clone())
            .discipline(q.discipline)
            .overflow(q.overflow)
            .seed(seed_for(seed, 0, Source::Dispatch(j)));
        let config = match q.capacity {
            Some(k) => config.capacity(k),
            None => config,
        };
        queue_ids.push(broker.add_queue(config)?);
        consumer_queue.extend(std::iter::repeat_n(j, q.consumers as usize));
    }
    let horizon = duration * speedup;
    let warmup = WARMUP_FRACTION * horizon;
    let smallest_service = scenario
        .queues
        .iter()
        .flat_map(|q| q.service.iter().map(|d| d.mean()))
        .fold(f64::INFINITY, f64::min);
    let resolution = 1e-4 * smallest_service;
    let (nq, nc) = (scenario.queues.len(), scenario.classes.len());
    let mirrors = (nq == 1 && scenario.queues[0].routes.is_empty(), nc == 1);
    let scopes = Scopes {
        system: Tally::new(resolution, true),
        queues: vec![Tally::new(resolution, !mirrors.0); nq],
        classes: vec![Tally::new(resolution, !mirrors.1); nc],
    };
    let recorder = Recorder {
        whole: scopes.clone(),
        batch: scopes,
        batches: Vec::with_capacity(BATCHES),
        final_estimates: None,
        consumers: scenario.queues.iter().map(|q| q.consumers).collect(),
        mirrors,
        warmup,
        batch_len: (horizon - warmup) / BATCHES as f64,
        next: warmup,
        warmed: false,
        measured: 0,
        offered: 0,
        completed: 0,
        served: 0,
        overshoot: 0.0,
        unqueued: 0,
        latency: 0.0,
    };
    let live = Live {
        scenario,
        broker: SharedBroker::new(broker),
        clock,
        speedup,
        horizon,
        queue_ids,
        consumer_queue,
        recorder: Mutex::new(recorder),
        stop: AtomicBool::new(false),
    };
    let started = Instant::now();
    let outcome: Result<(), BrokerError> = std::thread::scope(|s| {
        let live = &live;
        let producers: Vec<_> = (0..scenario.producers.len())
            .map(|i| s.spawn(move || live.producer(i)))
            .collect();
        let consumers: Vec<_> = (0..live.consumer_queue.len())
            .map(|c| s.spawn(move || live.consumer(ConsumerId(c as u32))))
            .collect();
        // The run ends at the horizon: close the statistics, then stop every thread.
        live.sleep_until(horizon, false);
        live.record(|_, _| {});
        live.stop.store(true, Ordering::Relaxed);
        let mut result = Ok(());
        for h in producers.into_iter().chain(consumers) {
            let r = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            result = result.and(r);
        }
        result
    });
    outcome?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let broker = live
        .queue_ids
        .iter()
        .map(|&q| live.broker.stats(q))
        .collect::<Result<_, _>>()?;
    let r = live
        .recorder
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let (system, queues, classes) = r
        .final_estimates
        .as_ref()
        .expect("the main thread closes the run at the horizon");
    let summary = |whole: &Estimates, pick: &dyn Fn(&ScopeEstimates) -> Estimates| {
        let per_batch: Vec<Estimates> = r.batches.iter().map(pick).collect();
        ScopeSummary {
            metrics: Metric::ALL
                .iter()
                .map(|&m| batch_summary(whole.get(m), per_batch.iter().map(|e| e.get(m))))
                .collect(),
            measured: whole.measured,
        }
    };
    Ok(LiveResult {
        system: summary(system, &|b| b.0),
        queues: (0..nq).map(|j| summary(&queues[j], &|b| b.1[j])).collect(),
        classes: (0..nc).map(|k| summary(&classes[k], &|b| b.2[k])).collect(),
        speedup,
        duration,
        horizon,
        warmup,
        batches: BATCHES,
        measured: r.measured,
        offered: r.offered,
        completed: r.completed,
        service_overshoot: r.overshoot / r.served as f64,
        wake_latency: r.latency / r.unqueued as f64,
        broker,
        wall_seconds,
    })
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

impl Live<'_> {
    /// Applies `f` to the statistics at the current time (read under their lock, so that
    /// changes are recorded in time order), unless the run is over.
    fn record(&self, f: impl FnOnce(&mut Recorder, f64)) {
        let mut r = self.recorder.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        if r.at(now) {
            f(&mut r, now);
        }
    }

    /// Sleeps until scenario time `t`: in slices of at most [`TICK`], the last [`SPIN`]
    /// spinning. False if the run was stopped first (when `stoppable`).
    fn sleep_until(&self, t: f64, stoppable: bool) -> bool {
        loop {
            if stoppable && self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let left = (t - self.clock.now()) / self.speedup;
            if left <= 0.0 {
                return true;
            }
            let left = Duration::from_secs_f64(left);
            if left > SPIN {
                std::thread::sleep((left - SPIN).min(TICK));
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Producer `i`: publishes at its scheduled instants until the horizon.
    fn producer(&self, i: usize) -> Result<(), BrokerError> {
        let p = &self.scenario.producers[i];
        let seed = self.scenario.run.seed;
        let mut arrivals = stream(seed, 0, Source::Arrivals(i));
        let mut service = stream(seed, THREAD_STREAMS + i as u64, Source::Service(p.queue));
        // A trace replays in order (and may stop); other kinds draw as `sample` does.
        let mut process = crate::dist::ArrivalProcess::new(&p.interarrival);
        let Some(mut next) = process.next_gap(&mut arrivals) else {
            return Ok(());
        };
        while next < self.horizon && self.sleep_until(next, true) {
            self.publish(p.queue, p.class, None, 0.0, &mut service)?;
            match process.next_gap(&mut arrivals) {
                Some(gap) => next += gap,
                None => break,
            }
        }
        Ok(())
    }

    /// Publishes a message of `class` to queue `j` with a service requirement drawn from
    /// `service`; `born_at` is None for a message from outside (see the simulator's
    /// `publish`, whose accounting this mirrors).
    fn publish(
        &self,
        j: usize,
        class: usize,
        born_at: Option<f64>,
        waited: f64,
        service: &mut Stream,
    ) -> Result<(), BrokerError> {
        let message = self
            .scenario
            .new_message(j, class, born_at, waited, service);
        // The statistics stay locked across the publish, so that the message's entry is
        // recorded before a consumer can record its service or departure.
        let mut r = self.recorder.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let open = r.at(now);
        let published = match self.broker.publish(self.queue_ids[j], message) {
            Ok(p) => p,
            Err(BrokerError::Full { .. }) => {
                if open {
                    r.offered += u64::from(born_at.is_none());
                    r.each(|s| s.refused(j, class, born_at.is_some(), now));
                }
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if open {
            r.offered += u64::from(born_at.is_none());
            let dropped = published.dropped.map(|m| m.class as usize);
            r.each(|s| {
                s.entered(j, class, born_at.is_some(), now);
                if let Some(k) = dropped {
                    // The oldest waiting message made room: it leaves unprocessed.
                    s.lost(j, k, now);
                }
            });
        }
        Ok(())
    }

    /// Records the fates a blocking poll reported besides its delivery, as the simulator
    /// does: expired and dead-lettered messages leave (a dead letter accepted by its queue
    /// moves there). Queues are added in scenario order, so a queue's id is its index.
    fn record_expired(&self, expired: &Expired) {
        self.record(|r, now| {
            for e in &expired.events {
                let (j, class) = (e.queue.0 as usize, e.message.class as usize);
                match e.outcome {
                    Outcome::Requeued { .. } => {}
                    Outcome::DeadLettered {
                        to: Some(d),
                        published,
                    } => r.each(|s| {
                        let d = d.0 as usize;
                        match published {
                            Some(p) => {
                                s.queues[j].lose(now);
                                s.queues[d].enter(now);
                                if let Some(m) = p.dropped {
                                    s.lost(d, m.class as usize, now);
                                }
                            }
                            None => {
                                s.queues[d].reject();
                                s.lost(j, class, now);
                            }
                        }
                    }),
                    _ => r.each(|s| s.lost(j, class, now)),
                }
            }
        });
    }

    /// Consumer `c`: poll, serve, ack, forward, until the run stops.
    fn consumer(&self, c: ConsumerId) -> Result<(), BrokerError> {
        let j = self.consumer_queue[c.0 as usize];
        let seed = self.scenario.run.seed;
        let thread = THREAD_STREAMS + (self.scenario.producers.len() + c.0 as usize) as u64;
        let mut routing = stream(seed, thread, Source::Routing(j));
        let mut service = stream(seed, thread, Source::Service(j));
        let queue = &self.scenario.queues[j];
        // When this consumer last became free: a message published since found it idle and
        // did not queue, whatever the wake-up latency before its delivery.
        let mut idle_since = self.clock.now();
        while !self.stop.load(Ordering::Relaxed) {
            let polled = self.broker.poll_timeout(c, TICK)?;
            if !polled.expired.is_empty() {
                self.record_expired(&polled.expired);
            }
            let Some(d) = polled.delivery else {
                continue;
            };
            let m = d.message;
            let queued = m.published_at < idle_since;
            let class = m.class as usize;
            self.record(|r, now| {
                r.each(|s| {
                    s.queues[j].start_service(now);
                    s.system.start_service(now);
                    s.classes[class].start_service(now);
                })
            });
            if !self.sleep_until(d.delivered_at + m.size, true) {
                break; // stopped in service: the message stays in flight
            }
            let acked = self.broker.ack(c, m.id)?;
            let wait_here = acked.delivered_at - m.published_at;
            let waited = m.waited_before + wait_here;
            // End to end, a forwarded message counts as having waited if it queued here or
            // spent any time between publication and delivery upstream (latency included).
            let queued_anywhere = queued || m.waited_before > 0.0;
            let next = queue.next_queue(&mut routing);
            self.record(|r, now| {
                if r.warmed {
                    r.overshoot += acked.acked_at - acked.delivered_at - m.size;
                    r.served += 1;
                    if !queued {
                        r.latency += wait_here;
                        r.unqueued += 1;
                    }
                }
                if next.is_none() {
                    r.completed += 1;
                    r.measured += u64::from(r.warmed);
                }
                r.each(|s| {
                    let queue = &mut s.queues[j];
                    queue.end_service(now);
                    queue.leave_waited(now, acked.acked_at - m.published_at, wait_here, queued);
                    s.system.end_service(now);
                    s.classes[class].end_service(now);
                    if next.is_none() {
                        let t = acked.acked_at - m.born_at;
                        s.system.leave_waited(now, t, waited, queued_anywhere);
                        s.classes[class].leave_waited(now, t, waited, queued_anywhere);
                    }
                });
            });
            idle_since = self.clock.now();
            if let Some(to) = next {
                self.publish(to, class, Some(m.born_at), waited, &mut service)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn scenario() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/live.toml");
        Scenario::load(&path).unwrap()
    }

    /// A short run at speed-up 1000: messages flow, the broker's books balance, and every
    /// message offered is accounted for (left, or still in the system).
    #[test]
    fn messages_flow_and_are_conserved() {
        let r = run_live(&scenario(), 1000.0, 1.0).unwrap();
        assert_eq!(r.horizon, 1000.0);
        assert_eq!(r.batches, BATCHES);
        let s = r.broker[0];
        assert!(s.balanced(), "{s:?}");
        assert_eq!(
            s.published,
            s.acked + (s.waiting + s.in_flight) as u64,
            "published = acked + in system"
        );
        // About 2800 arrivals in 1000 time units; all but a few have left.
        assert!((2400..3200).contains(&r.offered), "offered {}", r.offered);
        assert!(s.published >= r.offered && s.acked >= r.completed);
        assert!(
            r.completed + 50 > r.offered,
            "{} of {}",
            r.completed,
            r.offered
        );
        assert!(r.measured > 1500 && r.measured < r.completed);
        // At 1000× a millisecond of scheduling delay is a whole time unit, so on a busy
        // machine T can be well above theory's 1.357 here: only its plausibility is checked
        // (the accuracy test runs at 200×, tests/live.rs).
        let t = r.system.get(Metric::T);
        assert!(t.mean > 0.8 && t.mean < 20.0, "T = {}", t.mean);
        assert!(t.half_width > 0.0 && t.half_width.is_finite());
        let l = r.system.get(Metric::L).mean;
        assert!(l > 0.5 && l < 60.0, "L = {l}");
        let x = r.system.get(Metric::Throughput).mean;
        assert!((x - 2.8).abs() < 0.6, "throughput {x}");
    }
}
