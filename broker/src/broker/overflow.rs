//! A publish to a queue at capacity: drop the oldest waiting message, or refuse.

use super::consumer::Consumer;
use super::queue::Queue;
use super::{Broker, BrokerError, Overflow, QueueId};
use crate::{Clock, Message, MessageId, NewMessage, Published};

impl<C: Clock> Broker<C> {
    /// [`Broker::publish`] to queue `q` (known, its publish counted) when it is at `capacity`:
    /// makes room by dropping the oldest waiting message, or refuses the new one.
    #[cold] // A publish to a full queue is the exception: kept out of publish.
    #[inline(never)]
    pub(super) fn publish_full(
        &mut self,
        q: QueueId,
        new: NewMessage,
        now: f64,
        capacity: usize,
        patience: Option<f64>,
    ) -> Result<Published, BrokerError> {
        let queue = &mut self.queues[q.0 as usize];
        if !(queue.overflow == Overflow::DropOldest && queue.stats.waiting > 0) {
            queue.stats.rejected += 1;
            return Err(BrokerError::Full { queue: q, capacity });
        }
        let dropped = drop_oldest(queue, &mut self.consumers);
        let (id, wake, preempt) = self.enter(q, new, now, patience)?;
        Ok(Published {
            id,
            wake,
            dropped: Some(dropped),
            preempt,
        })
    }
}

/// Drops the oldest waiting message of `queue` (which has one): the smallest id among the
/// heads of its buffers. O(consumers) for the search, plus the buffer's removal cost.
pub(super) fn drop_oldest(queue: &mut Queue, consumers: &mut [Consumer]) -> Message {
    let first = queue.first_consumer as usize;
    let own = &mut consumers[first..first + queue.consumers as usize];
    let mut best: Option<(MessageId, Option<usize>)> = queue.shared.oldest().map(|id| (id, None));
    for (k, consumer) in own.iter().enumerate() {
        if let Some(id) = consumer.own.oldest()
            && best.is_none_or(|(b, _)| id < b)
        {
            best = Some((id, Some(k)));
        }
    }
    let (_, place) = best.expect("a waiting message to drop");
    let message = match place {
        None => queue.shared.remove_oldest(),
        Some(k) => {
            let m = own[k].own.remove_oldest();
            if let Some(m) = &m {
                queue.loads.remove(k, m.size);
                queue.load_changed(k);
            }
            m
        }
    }
    .expect("the oldest waiting message is there");
    if queue.tracked {
        queue.waiting_at.remove(&message.id);
        queue.patient.remove(&message.id);
    }
    queue.stats.waiting -= 1;
    queue.stats.dropped += 1;
    message
}
