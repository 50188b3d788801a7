//! One consumer's state, and the idle list consumers are woken from.

use super::in_flight::Held;
use super::queue::Queue;
use crate::buffer::OwnBuffer;

/// One consumer's state: its own queue (for push strategies) and the messages it processes.
///
/// Field order and alignment: an ack, then a poll that finds nothing, touch two cache lines.
#[repr(C, align(64))]
pub(super) struct Consumer {
    /// At most the queue's prefetch.
    pub(super) in_flight: Held,
    pub(super) queue: u32,
    pub(super) local: u32,
    /// Waiting for work: polled and found nothing, and not told to poll since.
    pub(super) idle: bool,
    /// Listed in its queue's `idle` deque (possibly stale: `idle` is the truth).
    pub(super) listed: bool,
    /// Off duty ([`Broker::retire`](super::Broker::retire)): its polls deliver nothing.
    pub(super) retired: bool,
    pub(super) own: OwnBuffer,
}

/// `consumer` of `queue` polled and found nothing: it is idle, listed to be woken.
#[inline(always)] // Two stores on the poll path; a call would cost more.
pub(super) fn go_idle(queue: &mut Queue, consumer: &mut Consumer) {
    consumer.idle = true;
    if !consumer.listed {
        consumer.listed = true;
        queue.idle.push_back(consumer.local);
    }
}

/// Takes the longest-idle consumer of `queue` off its idle list, skipping stale entries.
#[inline(never)] // Rarely reached (most publishes find no one idle): kept out of publish.
pub(super) fn next_idle(queue: &mut Queue, consumers: &mut [Consumer]) -> Option<u32> {
    while let Some(local) = queue.idle.pop_front() {
        let global = queue.first_consumer + local;
        let consumer = &mut consumers[global as usize];
        consumer.listed = false;
        if std::mem::take(&mut consumer.idle) {
            return Some(global);
        }
    }
    None
}
