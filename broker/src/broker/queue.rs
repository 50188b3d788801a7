//! One queue's state: its buffers, strategy, idle consumers, limits and counters.

use std::collections::{HashMap, VecDeque};

use super::{Overflow, QueueId};
use crate::buffer::SharedBuffer;
use crate::dispatch::Router;
use crate::{ConsumerLoads, Discipline, MessageId, QueueStats};

/// Where a waiting message is: the shared buffer (`None`) or consumer k's own (`Some(k)`).
pub(super) type Place = Option<u32>;

/// One queue: a shared buffer, the dispatch strategy, and the idle consumers in wake order.
pub(super) struct Queue {
    pub(super) name: String,
    pub(super) first_consumer: u32,
    pub(super) consumers: u32,
    pub(super) shared: SharedBuffer,
    pub(super) idle: VecDeque<u32>,
    pub(super) dispatch: Router,
    /// `dispatch.wants_load_updates()`, asked once.
    pub(super) load_updates: bool,
    /// False for built-in shared dispatch, whose consumers' own buffers stay empty.
    pub(super) pushes: bool,
    pub(super) loads: ConsumerLoads,
    pub(super) capacity: Option<usize>,
    pub(super) overflow: Overflow,
    pub(super) discipline: Discipline,
    pub(super) visibility_timeout: Option<f64>,
    pub(super) max_attempts: Option<u32>,
    pub(super) ttl: Option<f64>,
    pub(super) dead_letter: Option<QueueId>,
    /// With a TTL only: where each waiting message is, so that an expiry finds it.
    pub(super) waiting_at: HashMap<MessageId, Place>,
    /// Messages published with a patience ([`Broker::publish_patient`](super::Broker)) and
    /// not yet delivered: where each waits, so that its abandonment finds it. Empty for a
    /// queue that never had one.
    pub(super) patient: HashMap<MessageId, Place>,
    /// Messages held back after a failed attempt ([`Broker::nack_delayed`](super::Broker)):
    /// the consumer that failed them and their delivery, until their redelivery deadline.
    pub(super) delayed: HashMap<MessageId, (u32, super::in_flight::InFlight)>,
    /// True when polls must keep `waiting_at` or `patient` up to date (a TTL, or a message
    /// ever published with a patience) or check that the consumer is on duty (a consumer
    /// was ever retired): such polls take the slower path (`poll_live`).
    pub(super) tracked: bool,
    pub(super) stats: QueueStats,
}

impl Queue {
    /// True when a message on its `attempt`-th delivery may be delivered again.
    pub(super) fn may_retry(&self, attempt: u32) -> bool {
        self.max_attempts.is_none_or(|max| attempt < max)
    }

    /// Tells the dispatch strategy, if it listens, that consumer `k`'s load changed.
    #[inline]
    pub(super) fn load_changed(&mut self, k: usize) {
        if self.load_updates {
            self.dispatch.on_load_change(k, &self.loads);
        }
    }
}
