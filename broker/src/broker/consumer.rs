//! One consumer's state, and the idle list consumers are woken from.

use super::in_flight::Held;
use super::queue::Queue;
use crate::buffer::OwnBuffer;

/// One consumer's state: its own queue (for push strategies) and the messages it processes.
///
/// Laid out (`repr(C)`, on a cache-line boundary) so that an ack followed by a poll that finds
/// the own buffer empty — every completion of a consumer that is not backlogged — touches
/// two cache lines: the in-flight entry (88 bytes), the ids and flags, the own buffer's tag
/// and the start of its inline head (bytes 0..128). A publish to it and the poll that takes
/// the message touch a third, the rest of the head; the own buffer's overflow, on the fourth,
/// only when it holds more than one message.
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
    pub(super) own: OwnBuffer,
}

/// `consumer` of `queue` polled and found nothing: it is idle, listed to be woken.
#[inline(always)]
pub(super) fn go_idle(queue: &mut Queue, consumer: &mut Consumer) {
    consumer.idle = true;
    if !consumer.listed {
        consumer.listed = true;
        queue.idle.push_back(consumer.local);
    }
}

/// Takes the longest-idle consumer of `queue` off its idle list, skipping stale entries.
#[inline(never)]
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
