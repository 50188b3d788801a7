//! Preemption: which consumer to interrupt, and a message handed back unfinished.

use super::consumer::Consumer;
use super::queue::{Place, Queue};
use super::{Broker, BrokerError, ConsumerId};
use crate::{Clock, HandedBack, MessageId};

impl<C: Clock> Broker<C> {
    /// Consumer `c` hands back message `id`, interrupted before it finished (preemption), with
    /// `remaining_size` work units still to do. The message waits again at the head of its priority
    /// level in the buffer it came from, keeping its id, publish time and attempt number; its
    /// [`Message::size`](crate::Message::size) becomes `remaining_size`. The outcome is
    /// [`Outcome::Requeued`](crate::Outcome::Requeued), naming an idle consumer to tell to poll if
    /// one can take it now, or [`Outcome::Expired`](crate::Outcome::Expired) if its time to live
    /// ran out while it was in service. `c` itself should poll again.
    pub fn requeue_front(
        &mut self,
        c: ConsumerId,
        id: MessageId,
        remaining_size: f64,
    ) -> Result<HandedBack, BrokerError> {
        if !(remaining_size >= 0.0 && remaining_size.is_finite()) {
            return Err(BrokerError::InvalidSize(remaining_size));
        }
        let mut f = self.take_in_flight(c, id)?;
        let consumer = &self.consumers[c.0 as usize];
        let (q, k) = (consumer.queue, consumer.local as usize);
        let queue = &mut self.queues[q as usize];
        queue.stats.preempted += 1;
        if !f.taken_from_shared() {
            // It stays with c: its held count is unchanged, its work shrinks.
            queue.loads.remove(k, f.message.size);
            queue.loads.add(k, remaining_size);
            queue.load_changed(k);
        }
        let held_size = f.message.size;
        f.message.size = remaining_size;
        let message = f.message;
        f.message.attempt -= 1;
        let outcome = self.put_back(c, f, held_size);
        Ok(HandedBack { message, outcome })
    }
}

/// The consumer to interrupt for a new message of `priority` at `place` (see
/// [`Published::preempt`]): among the consumers that could take it, the one serving the least
/// urgent message (the latest delivered among equals), if that is strictly less urgent.
/// O(consumers × prefetch) for a shared queue, O(prefetch) otherwise.
pub(super) fn preempt_candidate(
    queue: &Queue,
    consumers: &[Consumer],
    place: Place,
    priority: i32,
) -> Option<u32> {
    let first = queue.first_consumer;
    let range = match place {
        None => first..first + queue.consumers,
        Some(k) => first + k..first + k + 1,
    };
    range
        .flat_map(|g| {
            consumers[g as usize]
                .in_flight
                .iter()
                .map(move |f| ((f.message.priority, f.seq()), g))
        })
        .max()
        .filter(|((least, _), _)| *least > priority)
        .map(|(_, g)| g)
}
