//! Cache prefetch hints for drivers of consumer fleets too large for the cache.

use super::{Broker, ConsumerId, QueueId};
use crate::Clock;
use crate::dispatch::Peek;
use crate::prefetch::prefetch;

/// The broker call a driver is about to make, named in a [`Broker::prefetch`] hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upcoming {
    /// Consumer `c` will ack or poll (a driver knows which from its event calendar).
    Consumer(ConsumerId),
    /// A message will be published to queue `q`.
    Publish(QueueId),
}

impl<C: Clock> Broker<C> {
    /// A cache hint, the one entry point for it: fetches into the cache, ahead of the
    /// `upcoming` call, the broker state that call will touch and the driver's own state for
    /// the consumer concerned, `driver(c)`. For a publish the consumer is known ahead only
    /// where the strategy can tell (JSQ's pick, round-robin's turn, random's draw); for
    /// power-of-d's sample only the broker state is fetched. Only a hint: what the broker
    /// does, routing included, is the same with or without it; unknown ids are ignored.
    ///
    /// ```
    /// use kendall_broker::{Broker, DispatchKind, QueueConfig, Upcoming, WallClock};
    /// let mut broker = Broker::new(WallClock::new());
    /// let q = broker
    ///     .add_queue(QueueConfig::new("orders", 4).dispatch(DispatchKind::Jsq))
    ///     .unwrap();
    /// let driver_state = vec![0u64; 4];
    /// broker.prefetch(Upcoming::Publish(q), |c| driver_state.get(c.0 as usize));
    /// ```
    #[inline]
    pub fn prefetch<'a, T: 'a>(
        &mut self,
        upcoming: Upcoming,
        driver: impl FnOnce(ConsumerId) -> Option<&'a T>,
    ) {
        match upcoming {
            Upcoming::Consumer(c) => {
                if let Some(state) = driver(c) {
                    prefetch(state);
                }
                self.prefetch_consumer(c);
            }
            Upcoming::Publish(q) => {
                if let Some(c) = self.prefetch_route(q)
                    && let Some(state) = driver(c)
                {
                    prefetch(state);
                }
            }
        }
    }

    /// Fetches consumer `c`'s state, if there is such a consumer.
    #[inline]
    fn prefetch_consumer(&self, c: ConsumerId) {
        if let Some(consumer) = self.consumers.get(c.0 as usize) {
            prefetch(consumer);
        }
    }

    /// Fetches the loads and state of the consumers the next message to queue `q` may go to,
    /// where its strategy can tell; returns the consumer when it is one.
    #[inline]
    pub(super) fn prefetch_route(&mut self, q: QueueId) -> Option<ConsumerId> {
        let queue = self.queues.get_mut(q.0 as usize)?;
        let first = queue.first_consumer;
        match queue.dispatch.peek()? {
            Peek::One(k) => {
                queue.loads.prefetch(k);
                let c = ConsumerId(first + k as u32);
                self.prefetch_consumer(c);
                Some(c)
            }
            Peek::Among(sample) => {
                for &k in sample {
                    queue.loads.prefetch(k);
                    if let Some(consumer) = self.consumers.get((first + k as u32) as usize) {
                        prefetch(consumer);
                    }
                }
                None
            }
        }
    }
}
