//! The run's books: what it knows of each message it published, and the statistics, kept under
//! one lock. Every operation reads the clock under the lock, so the statistics see changes in
//! time order, as the simulator's event loop does.
//!
//! A message enters at its publication (stamped just before it is sent), starts service when a
//! consumer's thread receives it, and leaves when that thread's acknowledgement is sent; or it
//! leaves unprocessed when the broker says so — a negative publisher confirm (refused by a full
//! queue), or its return through the dead-letter exchange with the reason (dropped for room,
//! expired, rejected after its last attempt or for a tampered payload). A refused message
//! counts in L for the round trip of its confirm; a dropped or expired one until the run
//! hears of it.
//!
//! p_wait counts the messages that, at their publication, found every consumer of their queue
//! busy (holding a delivery not yet acknowledged), the model's definition: on a real broker
//! even a message that finds an idle consumer spends transit time before its delivery.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use kendall_broker::{Clock, WallClock};
use kendall_sim::Scenario;
use kendall_sim::live::{Fates, Processed, Recorder};

/// What the run knows of a message in the system, by its id.
#[derive(Debug, Clone, Copy)]
struct Tracked {
    queue: usize,
    class: usize,
    born_at: f64,
    published_at: f64,
    /// Waiting at earlier queues.
    waited_before: f64,
    /// It waited at some earlier queue (end-to-end p_wait).
    waited_upstream: bool,
    /// Every consumer of its queue was busy when it was published.
    found_busy: bool,
    delivered_at: f64,
    /// Time in earlier deliveries that failed: processing, not waiting.
    served: f64,
    /// Deliveries so far.
    attempts: u32,
    /// Its consumer is busy with it.
    in_service: bool,
}

/// What a message forwarded to another queue carries from the one it left.
#[derive(Debug, Clone, Copy)]
pub struct Upstream {
    /// When it entered the system.
    pub born_at: f64,
    /// Its waiting so far.
    pub waited: f64,
    /// It waited somewhere.
    pub waited_anywhere: bool,
}

/// Why the broker returned a message through the dead-letter exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// `maxlen`: dropped to make room (`drop-head`).
    Dropped,
    /// `expired`: its time to live ran out.
    Expired,
    /// `rejected`: nacked without requeue (out of attempts, or a tampered payload).
    Rejected,
}

/// The books under their lock.
pub struct Books {
    inner: Mutex<Inner>,
    clock: WallClock,
}

struct Inner {
    rec: Recorder,
    open: bool,
    messages: HashMap<u64, Tracked>,
    next_id: u64,
    fates: Vec<Fates>,
    busy: Vec<u32>,
    consumers: Vec<u32>,
    /// Returns through the dead-letter exchange of messages the run did not know.
    strays: u64,
    /// Deliveries whose payload failed authentication.
    tampered: u64,
    /// Deliveries of messages the run did not know (redelivered after the run lost track).
    unknown_deliveries: u64,
}

impl Books {
    /// The books of a run of `scenario` on `clock`, recording into `rec`.
    pub fn new(scenario: &Scenario, clock: WallClock, rec: Recorder) -> Self {
        let nq = scenario.queues.len();
        Books {
            inner: Mutex::new(Inner {
                rec,
                open: true,
                messages: HashMap::new(),
                next_id: 0,
                fates: vec![Fates::default(); nq],
                busy: vec![0; nq],
                consumers: scenario.queues.iter().map(|q| q.consumers).collect(),
                strays: 0,
                tampered: 0,
                unknown_deliveries: 0,
            }),
            clock,
        }
    }

    fn lock(&self) -> (MutexGuard<'_, Inner>, f64) {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        g.open = g.open && g.rec.at(now);
        (g, now)
    }

    /// A message of `class` is about to be published to queue `j` (from outside when
    /// `upstream` is None): its id.
    pub fn publish(&self, j: usize, class: usize, upstream: Option<Upstream>) -> u64 {
        let (mut g, now) = self.lock();
        let g = &mut *g;
        let id = g.next_id;
        g.next_id += 1;
        g.fates[j].published += 1;
        if g.open {
            if upstream.is_none() {
                g.rec.offered += 1;
            }
            g.rec.each(|s| s.entered(j, class, upstream.is_some(), now));
        }
        let up = upstream.unwrap_or(Upstream {
            born_at: now,
            waited: 0.0,
            waited_anywhere: false,
        });
        g.messages.insert(
            id,
            Tracked {
                queue: j,
                class,
                born_at: up.born_at,
                published_at: now,
                waited_before: up.waited,
                waited_upstream: up.waited_anywhere,
                found_busy: g.busy[j] >= g.consumers[j],
                delivered_at: f64::NAN,
                served: 0.0,
                attempts: 0,
                in_service: false,
            },
        );
        id
    }

    /// The broker refused message `id` (a negative publisher confirm: its queue was full).
    pub fn refused(&self, id: u64) {
        let (mut g, now) = self.lock();
        let g = &mut *g;
        if let Some(m) = g.messages.remove(&id) {
            g.fates[m.queue].rejected += 1;
            if g.open {
                lose(&mut g.rec, &m, now);
            }
        }
    }

    /// A consumer of queue `j` received message `id`: its service starts. Its attempt number,
    /// or None for a message the run does not know.
    pub fn delivered(&self, id: u64) -> Option<u32> {
        let (mut g, now) = self.lock();
        let g = &mut *g;
        let Some(m) = g.messages.get_mut(&id) else {
            g.unknown_deliveries += 1;
            return None;
        };
        m.delivered_at = now;
        m.attempts += 1;
        m.in_service = true;
        let (j, class) = (m.queue, m.class);
        g.busy[j] += 1;
        if g.open {
            g.rec.start_service(j, class, now);
        }
        Some(m.attempts)
    }

    /// A delivery failed authentication: it is rejected unprocessed (the
    /// broker returns it through the dead-letter exchange).
    pub fn tampered(&self) {
        let (mut g, _) = self.lock();
        g.tampered += 1;
    }

    /// The consumer serving message `id` is done with it at the current instant: its
    /// service ends. `failed` processing is nacked (the message stays in the system);
    /// otherwise it is acknowledged and leaves its queue, for `next` or out of the system.
    /// `nominal` is its service time (size over speed), for the overshoot. What a forwarded
    /// message carries, when `next` is a queue.
    pub fn finished(
        &self,
        id: u64,
        failed: bool,
        next: Option<usize>,
        nominal: f64,
    ) -> Option<Upstream> {
        let (mut g, now) = self.lock();
        let g = &mut *g;
        let m = g.messages.get_mut(&id)?;
        m.in_service = false;
        let (j, class) = (m.queue, m.class);
        g.busy[j] -= 1;
        if g.open {
            g.rec.end_service(j, class, now);
        }
        if failed {
            m.served += now - m.delivered_at;
            return None;
        }
        let m = g.messages.remove(&id).expect("found above");
        g.fates[j].acked += 1;
        let here = now - m.published_at;
        let wait_here = (m.delivered_at - m.published_at - m.served).max(0.0);
        let waited = m.waited_before + wait_here;
        let waited_anywhere = m.found_busy || m.waited_upstream;
        if g.open {
            g.rec.processed(&Processed {
                queue: j,
                class,
                now,
                here,
                wait_here,
                waited_here: m.found_busy,
                overshoot: now - m.delivered_at - nominal,
                leaves_system: next.is_none(),
                sojourn: now - m.born_at,
                waited,
                waited_anywhere,
            });
        }
        next.map(|_| Upstream {
            born_at: m.born_at,
            waited,
            waited_anywhere,
        })
    }

    /// The broker returned message `id` through the dead-letter exchange for `why`: it has
    /// left the system.
    pub fn returned(&self, id: u64, why: Returned) {
        let (mut g, now) = self.lock();
        let g = &mut *g;
        let Some(m) = g.messages.remove(&id) else {
            g.strays += 1;
            return;
        };
        if m.in_service {
            // Returned while its consumer still held it: cannot happen with the arguments
            // the run declares, but the books must stay balanced.
            g.busy[m.queue] -= 1;
            if g.open {
                let (j, class) = (m.queue, m.class);
                g.rec.end_service(j, class, now);
            }
        }
        let f = &mut g.fates[m.queue];
        match why {
            Returned::Dropped => f.dropped += 1,
            Returned::Expired => f.expired += 1,
            Returned::Rejected => f.dead_lettered += 1,
        }
        if g.open {
            lose(&mut g.rec, &m, now);
        }
    }

    /// Closes the statistics at the horizon (or now, if later).
    pub fn close(&self) {
        let (mut g, now) = self.lock();
        g.rec.close(now);
        g.open = false;
    }

    /// Messages the run still tracks at queue `j`: in RabbitMQ's queue or held by a consumer.
    pub fn remaining(&self, j: usize) -> u64 {
        let (g, _) = self.lock();
        g.messages.values().filter(|m| m.queue == j).count() as u64
    }

    /// The books once the run is over: the statistics, each queue's fates, and the strays,
    /// unknown deliveries and tampered payloads.
    pub fn into_parts(self) -> (Recorder, Vec<Fates>, [u64; 3]) {
        let g = self
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (g.rec, g.fates, [g.strays, g.unknown_deliveries, g.tampered])
    }
}

/// Message `m` leaves the system unprocessed at `now`: every scope counts its stay.
fn lose(rec: &mut Recorder, m: &Tracked, now: f64) {
    let (j, class) = (m.queue, m.class);
    rec.each(|s| {
        s.queues[j].lose(now, now - m.published_at);
        s.system.lose(now, now - m.born_at);
        s.classes[class].lose(now, now - m.born_at);
    });
}
