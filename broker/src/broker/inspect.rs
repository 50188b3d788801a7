//! Read-only questions about queues and consumers.

use super::consumer::Consumer;
use super::queue::Queue;
use super::{Broker, BrokerError, ConsumerId, QueueId};
use crate::{Clock, ConsumerLoads, Message, QueueStats};

impl<C: Clock> Broker<C> {
    /// The id of the queue called `name`.
    pub fn queue_id(&self, name: &str) -> Option<QueueId> {
        self.queues
            .iter()
            .position(|q| q.name == name)
            .map(|i| QueueId(i as u32))
    }

    /// The consumers of queue `q`, in order.
    pub fn consumers_of(
        &self,
        q: QueueId,
    ) -> Result<impl Iterator<Item = ConsumerId>, BrokerError> {
        let queue = self.queue(q)?;
        Ok((queue.first_consumer..queue.first_consumer + queue.consumers).map(ConsumerId))
    }

    /// The queue consumer `c` belongs to.
    pub fn queue_of(&self, c: ConsumerId) -> Result<QueueId, BrokerError> {
        Ok(QueueId(self.consumer(c)?.queue))
    }

    /// The number of consumers, over all queues (consumer ids run from 0 to this).
    pub fn consumer_count(&self) -> usize {
        self.consumers.len()
    }

    /// The messages consumer `c` holds in flight, in no particular order.
    pub fn in_flight(&self, c: ConsumerId) -> Result<impl Iterator<Item = &Message>, BrokerError> {
        Ok(self.consumer(c)?.in_flight.iter().map(|f| &f.message))
    }

    /// Messages waiting in queue `q` (not yet delivered to a consumer).
    pub fn waiting(&self, q: QueueId) -> Result<usize, BrokerError> {
        Ok(self.queue(q)?.stats.waiting)
    }

    /// Messages published to and acknowledged from queue `q` so far (see [`Broker::stats`]).
    pub fn counts(&self, q: QueueId) -> Result<(u64, u64), BrokerError> {
        let stats = self.queue(q)?.stats;
        Ok((stats.published, stats.acked))
    }

    /// Queue `q`'s counters: published, acknowledged, rejected, dropped, expired,
    /// dead-lettered, nacked, timed out, redelivered, preempted, waiting, in flight.
    pub fn stats(&self, q: QueueId) -> Result<QueueStats, BrokerError> {
        Ok(self.queue(q)?.stats)
    }

    /// The current loads of queue `q`'s consumers (indexed from 0 within the queue).
    pub fn loads(&self, q: QueueId) -> Result<&ConsumerLoads, BrokerError> {
        Ok(&self.queue(q)?.loads)
    }

    pub(super) fn queue(&self, q: QueueId) -> Result<&Queue, BrokerError> {
        self.queues
            .get(q.0 as usize)
            .ok_or(BrokerError::UnknownQueue(q))
    }

    pub(super) fn consumer(&self, c: ConsumerId) -> Result<&Consumer, BrokerError> {
        self.consumers
            .get(c.0 as usize)
            .ok_or(BrokerError::UnknownConsumer(c))
    }
}
