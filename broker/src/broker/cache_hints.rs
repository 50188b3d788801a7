//! Cache prefetch hints for drivers of large consumer fleets.

use super::{Broker, ConsumerId, QueueId};
use crate::Clock;
use crate::dispatch::Peek;

impl<C: Clock> Broker<C> {
    /// A hint that consumer `c` will be polled or ack soon: its state is fetched into the
    /// cache ahead of time (a driver of thousands of consumers knows the next one from its
    /// event calendar). No effect on what the broker does; ignored for an unknown consumer.
    #[inline]
    pub fn prefetch(&self, c: ConsumerId) {
        if let Some(consumer) = self.consumers.get(c.0 as usize) {
            crate::prefetch::prefetch(consumer);
        }
    }

    /// A hint that a message will be published to queue `q` next. Where its strategy can
    /// tell ahead which consumers the message may go to (JSQ's pick, power-of-d's sample),
    /// their loads and state are fetched into the cache; where it is one consumer (JSQ), its
    /// id is returned, for the driver to fetch its own; None otherwise. Routing is the same
    /// with or without the hint, whatever happens in between.
    #[inline]
    pub fn prefetch_route(&mut self, q: QueueId) -> Option<ConsumerId> {
        let queue = self.queues.get_mut(q.0 as usize)?;
        let first = queue.first_consumer;
        match queue.dispatch.peek()? {
            Peek::One(k) => {
                queue.loads.prefetch(k);
                let c = ConsumerId(first + k as u32);
                self.prefetch(c);
                Some(c)
            }
            Peek::Among(sample) => {
                for &k in sample {
                    queue.loads.prefetch(k);
                    if let Some(consumer) = self.consumers.get((first + k as u32) as usize) {
                        crate::prefetch::prefetch(consumer);
                    }
                }
                None
            }
        }
    }
}
