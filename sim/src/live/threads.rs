//! The threads of a live run: producers publishing at their scheduled instants, consumers
//! polling, serving and acknowledging, and a driver processing the broker's deadlines on time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use kendall_broker::{BrokerError, Clock, ConsumerId, WallClock};
use rand::RngExt;

use crate::rng::{Source, stream};
use crate::scenario::Scenario;

use super::THREAD_STREAMS;
use super::state::State;

/// Longest a thread blocks without looking at the stop flag (real time).
const TICK: Duration = Duration::from_millis(20);

/// How long before a deadline a sleeping thread stops sleeping and spins instead (real
/// time): `std::thread::sleep` overshoots by tens of microseconds, which at a high speed-up
/// is a visible fraction of a service time.
const SPIN: Duration = Duration::from_micros(150);

/// What a live run's threads share.
pub(super) struct Live<'s> {
    pub(super) scenario: &'s Scenario,
    pub(super) state: Mutex<State<'s>>,
    /// One per consumer: notified when the broker names it to poll.
    wakers: Vec<Condvar>,
    /// Notified when a deadline earlier than the driver's appears.
    driver: Condvar,
    /// The clock the broker latches, read here to sleep.
    clock: WallClock,
    speedup: f64,
    horizon: f64,
    pub(super) stop: AtomicBool,
}

impl<'s> Live<'s> {
    /// The threads' shared state around `state`, whose broker reads `clock`.
    pub(super) fn new(
        scenario: &'s Scenario,
        state: State<'s>,
        clock: WallClock,
        speedup: f64,
        horizon: f64,
    ) -> Self {
        Live {
            scenario,
            wakers: (0..state.consumer_count())
                .map(|_| Condvar::new())
                .collect(),
            state: Mutex::new(state),
            driver: Condvar::new(),
            clock,
            speedup,
            horizon,
            stop: AtomicBool::new(false),
        }
    }

    /// Locks the shared state. A thread that panicked while holding it ends the run anyway
    /// (the panic is resumed when it is joined), so poisoning is ignored.
    pub(super) fn lock(&self) -> MutexGuard<'_, State<'s>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the consumers and the driver what the last operation on `state` asked for.
    fn notify(&self, state: &mut State<'_>) {
        for c in state.notify.drain(..) {
            self.wakers[c.0 as usize].notify_one();
        }
        if std::mem::take(&mut state.wake_driver) {
            self.driver.notify_one();
        }
    }

    /// Stops every thread: the flag, then a wake-up for each blocked one.
    pub(super) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _core = self.lock();
        self.wakers.iter().for_each(Condvar::notify_all);
        self.driver.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps until scenario time `t` ([`sleep_until`]). False if the run was stopped first
    /// (when `stoppable`).
    pub(super) fn sleep_until(&self, t: f64, stoppable: bool) -> bool {
        sleep_until(
            &self.clock,
            self.speedup,
            t,
            stoppable.then_some(&self.stop),
        )
    }

    /// Producer `i`: publishes at its scheduled instants until the horizon.
    pub(super) fn producer(&self, i: usize) -> Result<(), BrokerError> {
        let p = &self.scenario.producers[i];
        let seed = self.scenario.run.seed;
        let mut arrivals = stream(seed, 0, Source::Arrivals(i));
        let mut service = stream(seed, THREAD_STREAMS + i as u64, Source::Service(p.queue));
        // A trace replays in order (and may stop); other kinds draw as `sample` does.
        let mut process = crate::arrivals::ArrivalProcess::new(&p.interarrival);
        let Some(mut next) = process.next_gap(&mut arrivals) else {
            return Ok(());
        };
        while next < self.horizon && self.sleep_until(next, true) {
            let mut state = self.lock();
            state.publish(p.queue, p.class, &mut service)?;
            self.notify(&mut state);
            drop(state);
            match process.next_gap(&mut arrivals) {
                Some(gap) => next += gap,
                None => break,
            }
        }
        Ok(())
    }

    /// Consumer `c`: takes its next message (polled itself, or delivered to its mailbox
    /// while it was idle), serves it for its size over its speed from the moment it starts,
    /// then acks and forwards it, or nacks it when processing fails; until the run stops.
    pub(super) fn consumer(&self, c: ConsumerId) -> Result<(), BrokerError> {
        let seed = self.scenario.run.seed;
        let thread = THREAD_STREAMS + (self.scenario.producers.len() + c.0 as usize) as u64;
        let (j, speed) = self.lock().consumer(c);
        let queue = &self.scenario.queues[j];
        let mut routing = stream(seed, thread, Source::Routing(j));
        let mut service = stream(seed, thread, Source::Service(j));
        let mut failures = stream(seed, thread, Source::Failures(j));
        let mut state = self.lock();
        // Consumers start idle: a publish may have delivered to `c` before its thread ran.
        let mut held = if state.mail[c.0 as usize].is_some() {
            None
        } else {
            state.poll(c)?
        };
        self.notify(&mut state);
        loop {
            let (d, woke) = match held.take() {
                Some(d) => (d, None),
                None => match state.mail[c.0 as usize].take() {
                    Some(d) => (d, Some(self.clock.now() - d.delivered_at)),
                    None if self.stopped() => return Ok(()),
                    None => {
                        state = self.wakers[c.0 as usize]
                            .wait_timeout(state, TICK)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                        continue;
                    }
                },
            };
            drop(state);
            let started = self.clock.now();
            if !self.sleep_until(started + d.message.size / speed, true) {
                return Ok(()); // stopped in service: the message stays in flight
            }
            let failed = queue.fail > 0.0 && failures.random::<f64>() < queue.fail;
            let next = if failed {
                None
            } else {
                queue.next_queue(&mut routing)
            };
            state = self.lock();
            held = state.finish(c, &d, woke, failed, next, &mut service)?;
            self.notify(&mut state);
        }
    }

    /// The deadline driver: processes the broker's deadlines (visibility timeouts, times to
    /// live) when they fall due, so that they act on time even when no consumer polls.
    pub(super) fn driver(&self) -> Result<(), BrokerError> {
        let mut state = self.lock();
        while !self.stopped() {
            let next = state.deadlines_due()?;
            self.notify(&mut state);
            let wait = next.map_or(TICK, |t| {
                let left = (t - self.clock.now()).max(0.0) / self.speedup;
                Duration::from_secs_f64(left).min(TICK)
            });
            state = self
                .driver
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Ok(())
    }
}

/// Sleeps until scenario time `t` on `clock`, which runs `speedup` scenario time units per
/// real second: in slices of at most [`TICK`], the last [`SPIN`] spinning. False if `stop`
/// was set first.
pub fn sleep_until(clock: &WallClock, speedup: f64, t: f64, stop: Option<&AtomicBool>) -> bool {
    loop {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return false;
        }
        let left = (t - clock.now()) / speedup;
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
