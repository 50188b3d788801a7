//! Polling: a consumer takes its next message, or goes idle; pausing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::consumer::{Consumer, go_idle};
use super::deadlines::{Deadline, schedule_visibility};
use super::in_flight::{Held, InFlight};
use super::queue::Queue;
use super::{Broker, BrokerError, ConsumerId};
use crate::{Clock, Delivery, Message, Polled};

impl<C: Clock> Broker<C> {
    /// Consumer `c` asks for its next message: first from its own queue, then from the shared one,
    /// each in the order of the queue's [`Discipline`](crate::Discipline). [`Polled::delivery`] is
    /// the message, or `None` when there is none and the consumer is now idle (a later publish will
    /// name it in [`Published::wake`](crate::Published::wake)). [`BrokerError::Busy`] means it
    /// already holds its prefetch.
    ///
    /// A consumer off duty ([`Broker::retire`]) gets nothing and is not made idle.
    ///
    /// On a queue with a TTL, waiting messages whose time to live has run out are expired on the
    /// way: each is returned in [`Polled::expired`] (and counted in
    /// [`QueueStats::expired`](crate::QueueStats::expired)). Without a TTL that list is always
    /// empty.
    #[inline]
    pub fn poll(&mut self, c: ConsumerId) -> Result<Polled, BrokerError> {
        let consumer = self
            .consumers
            .get(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        if consumer.in_flight.is_full() {
            return Err(BrokerError::Busy(c));
        }
        self.poll_free(c)
    }

    /// `Ok` when consumer `c` exists and has room for another message, else the error
    /// [`Broker::poll`] would return.
    pub(crate) fn check_room(&self, c: ConsumerId) -> Result<(), BrokerError> {
        if self.consumer(c)?.in_flight.is_full() {
            return Err(BrokerError::Busy(c));
        }
        Ok(())
    }

    /// [`Broker::poll`] for a known consumer with room for another message. It returns the
    /// `Result` itself: wrapping a returned `Polled` in `Ok` would copy it.
    #[inline]
    pub(super) fn poll_free(&mut self, c: ConsumerId) -> Result<Polled, BrokerError> {
        let now = self.clock.now();
        let consumer = &mut self.consumers[c.0 as usize];
        let queue = &mut self.queues[consumer.queue as usize];
        let seq = &mut self.next_seq;
        let deadlines = &mut self.deadlines;
        if queue.tracked {
            return Ok(poll_live(c, queue, consumer, seq, deadlines, now));
        }
        // Each source hands its message, as it pops it, to `hand_over`, which copies it to the
        // in-flight entry and the answer. Without a TTL nothing expires: the list stays empty.
        // A shared-dispatch queue never puts anything in its consumers' own buffers.
        let n = *seq;
        let held = &mut consumer.in_flight;
        if queue.pushes
            && let Some(d) = consumer
                .own
                .pop_with(|m| hand_over(c, m, held, n, false, now))
        {
            *seq += 1;
            queue.stats.waiting -= 1;
            settle_delivery(queue, consumer, deadlines, &d, n, false);
            return Ok(Polled {
                delivery: Some(d),
                expired: Vec::new(),
            });
        }
        if let Some(d) = queue
            .shared
            .pop_with(|m| hand_over(c, m, &mut consumer.in_flight, n, true, now))
        {
            *seq += 1;
            queue.stats.waiting -= 1;
            settle_delivery(queue, consumer, deadlines, &d, n, true);
            return Ok(Polled {
                delivery: Some(d),
                expired: Vec::new(),
            });
        }
        go_idle(queue, consumer);
        Ok(Polled::default())
    }

    /// Consumer `c` stops taking messages — it went offline, crashed or was paused — until it polls
    /// again: no publish names it in [`Published::wake`](crate::Published::wake) meanwhile.
    /// Messages it holds stay in flight: nack them (a closed connection) or let a visibility
    /// timeout redeliver them. Push strategies may still route to its own buffer, as they would to
    /// a dead partition.
    pub fn pause(&mut self, c: ConsumerId) -> Result<(), BrokerError> {
        let consumer = self
            .consumers
            .get_mut(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))?;
        consumer.idle = false;
        Ok(())
    }
}

/// Hands `message`, just taken from its buffer (the shared one if `from_shared`) and counted
/// out of `waiting`, to `consumer` (`c`) of `queue` at `now`: its load, its attempt, the
/// in-flight entry (numbered from `next_seq`) and, with a visibility timeout, its deadline.
#[allow(clippy::too_many_arguments)]
#[inline(always)] // Inlined into its one caller, so the delivery is built where it is returned.
pub(super) fn deliver(
    c: ConsumerId,
    queue: &mut Queue,
    consumer: &mut Consumer,
    next_seq: &mut u64,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    message: Message,
    from_shared: bool,
    now: f64,
) -> Delivery {
    let seq = *next_seq;
    *next_seq += 1;
    let d = hand_over(c, &message, &mut consumer.in_flight, seq, from_shared, now);
    settle_delivery(queue, consumer, deadlines, &d, seq, from_shared);
    d
}

/// The first half of a delivery: copies `message`, just taken from its buffer, with its
/// attempt counted to `held`, as delivery number `seq` to `c` at `now`, and returns the
/// answer.
#[inline(always)] // Both copies made from the source, with no stack temporary between.
pub(super) fn hand_over(
    c: ConsumerId,
    message: &Message,
    held: &mut Held,
    seq: u64,
    from_shared: bool,
    now: f64,
) -> Delivery {
    let message = Message {
        attempt: message.attempt + 1,
        ..*message
    };
    held.push(InFlight::new(message, now, seq, from_shared));
    Delivery {
        consumer: c,
        message,
        delivered_at: now,
    }
}

/// The second half of a delivery `d` (numbered `seq`) to `consumer` of `queue`, once its
/// message is out of its buffer and counted out of `waiting`: the consumer is busy, a message
/// from the shared buffer adds to its load, and with a visibility timeout the deadline is set.
#[inline(always)] // On every delivery, with `d` still in registers.
pub(super) fn settle_delivery(
    queue: &mut Queue,
    consumer: &mut Consumer,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    d: &Delivery,
    seq: u64,
    from_shared: bool,
) {
    consumer.idle = false;
    if from_shared {
        let k = consumer.local as usize;
        queue.loads.add(k, d.message.size);
        queue.load_changed(k);
    }
    queue.stats.in_flight += 1;
    if let Some(timeout) = queue.visibility_timeout {
        schedule_visibility(
            deadlines,
            d.delivered_at + timeout,
            d.message.id,
            d.consumer.0,
            seq,
        );
    }
}

/// [`Broker::poll`] by `consumer` (`c`) of `queue`, which tracks its waiting messages (a TTL
/// or patient messages) or has had consumers retired, at `now`: the next live message delivered (numbered from
/// `next_seq`), and the expired ones found on the way.
#[cold] // Queues with a TTL or a patience are rare: kept out of the common poll.
#[inline(never)]
pub(super) fn poll_live(
    c: ConsumerId,
    queue: &mut Queue,
    consumer: &mut Consumer,
    next_seq: &mut u64,
    deadlines: &mut BinaryHeap<Reverse<Deadline>>,
    now: f64,
) -> Polled {
    if consumer.retired {
        // Off duty: it takes nothing, and is not listed to be woken.
        return Polled::default();
    }
    let mut expired = Vec::new();
    let delivery = next_live(queue, consumer, now, &mut expired)
        .map(|(m, shared)| deliver(c, queue, consumer, next_seq, deadlines, m, shared, now));
    if delivery.is_none() {
        go_idle(queue, consumer);
    }
    Polled { delivery, expired }
}

/// The next waiting message for `consumer` of a queue that tracks its waiting messages — from
/// its own buffer, then from the shared one — counted out of `waiting` and out of the tracking
/// maps (a delivered message no longer abandons); with a TTL, messages whose time to live has
/// run out by `now` are expired on the way and added to `expired` (an expired own-buffer
/// message's load taken off `consumer`). True with it when it came from the shared buffer.
pub(super) fn next_live(
    queue: &mut Queue,
    consumer: &mut Consumer,
    now: f64,
    expired: &mut Vec<Message>,
) -> Option<(Message, bool)> {
    let ttl = queue.ttl.unwrap_or(f64::INFINITY);
    let k = consumer.local as usize;
    loop {
        let own = if queue.pushes {
            consumer.own.pop()
        } else {
            None
        };
        let (message, from_shared) = match own {
            Some(m) => (m, false),
            None => (queue.shared.pop()?, true),
        };
        queue.stats.waiting -= 1;
        queue.waiting_at.remove(&message.id);
        queue.patient.remove(&message.id);
        if message.published_at + ttl <= now {
            queue.stats.expired += 1;
            if !from_shared {
                queue.loads.remove(k, message.size);
                queue.load_changed(k);
            }
            expired.push(message);
            continue;
        }
        return Some((message, from_shared));
    }
}
