//! The clients of closed workloads (a producer's `clients` and `think`;
//! [`crate::scenario::Closed`]).
//!
//! Each client starts thinking at time 0 (a think time drawn from its producer's `think`),
//! then publishes one message and waits until that message leaves the system — processed at
//! the end of its path, or refused by a full queue, dropped, expired, abandoned or
//! dead-lettered with nowhere to go: every fate releases the client — then thinks again.
//! A message forwarded to another queue (a route, or a dead-letter queue) carries its client
//! along under its new id.
//!
//! State: one entry per client in the system (at most N entries, their room reserved at the
//! start, so nothing is allocated per message); a scenario without `clients` has none of it
//! (`Replication::closed` is None). Think times come from the producer's own arrival stream,
//! which a closed producer does not otherwise use, so results do not depend on thread count.

use std::collections::HashMap;

use kendall_broker::{BrokerError, MessageId};

use super::event_loop::Event;
use super::state::Replication;
use crate::scenario::Scenario;

/// Every client of the closed producers of one replication.
#[derive(Debug)]
pub(super) struct ClosedClients {
    /// The producer of each client (clients numbered producer by producer).
    owner: Vec<u32>,
    /// The client of each message in the system.
    waiting: HashMap<MessageId, u32>,
    /// The client whose message the next publish carries (set just before it).
    pending: Option<u32>,
}

impl ClosedClients {
    /// The clients of `scenario`, if some producer is closed.
    pub(super) fn new(scenario: &Scenario) -> Option<Box<Self>> {
        let owner: Vec<u32> = (scenario.producers.iter().enumerate())
            .flat_map(|(i, p)| {
                let n = p.closed.as_ref().map_or(0, |c| c.clients);
                std::iter::repeat_n(i as u32, n as usize)
            })
            .collect();
        if owner.is_empty() {
            return None;
        }
        Some(Box::new(ClosedClients {
            waiting: HashMap::with_capacity(owner.len()),
            owner,
            pending: None,
        }))
    }

    /// The publish tagged by `pending` was accepted as message `id`.
    #[inline]
    pub(super) fn accepted(&mut self, id: MessageId) {
        if let Some(k) = self.pending.take() {
            self.waiting.insert(id, k);
        }
    }

    /// The publish tagged by `pending` was refused (a full queue): its client, if any, is
    /// released.
    #[inline]
    pub(super) fn refused(&mut self) -> Option<u32> {
        self.pending.take()
    }

    /// Message `id` left the system unprocessed: its client, if any, is released.
    #[inline]
    pub(super) fn gone(&mut self, id: MessageId) -> Option<u32> {
        self.waiting.remove(&id)
    }

    /// Message `id` moved to the dead-letter queue as message `to`.
    pub(super) fn renamed(&mut self, id: MessageId, to: MessageId) {
        if let Some(k) = self.waiting.remove(&id) {
            self.waiting.insert(to, k);
        }
    }

    /// Message `id` was processed: it leaves the system (`exits`: its client, if any, is
    /// released) or goes on to another queue (the next publish then carries its client).
    #[inline]
    pub(super) fn processed(&mut self, id: MessageId, exits: bool) -> Option<u32> {
        let k = self.waiting.remove(&id)?;
        if exits {
            Some(k)
        } else {
            self.pending = Some(k);
            None
        }
    }
}

impl Replication<'_> {
    /// Every client starts thinking at time 0: its first think time drawn, clients in order.
    pub(super) fn start_closed(&mut self) {
        let Some(c) = self.closed.as_deref() else {
            return;
        };
        for k in 0..c.owner.len() {
            self.think(k as u32, 0.0);
        }
    }

    /// Client `k` starts thinking at `now`; it sends when its think time ends.
    #[cold]
    #[inline(never)]
    pub(super) fn think(&mut self, k: u32, now: f64) {
        let Some(c) = self.closed.as_deref() else {
            return;
        };
        let i = c.owner[k as usize] as usize;
        let z = (self.scenario.producers[i].closed.as_ref())
            .map_or(0.0, |c| c.think.sample(&mut self.arrivals[i]));
        self.calendar.schedule(now + z, Event::Think(k));
    }

    /// Client `k`'s think time is over at `now`: it publishes its message.
    pub(super) fn send(&mut self, k: u32, now: f64) -> Result<(), BrokerError> {
        let Some(c) = self.closed.as_deref_mut() else {
            return Ok(());
        };
        let i = c.owner[k as usize] as usize;
        c.pending = Some(k);
        let p = &self.scenario.producers[i];
        self.publish_copy(p.queue, p.class, now)
    }

    /// Releases the client whose message was just refused (a full queue), if any.
    #[cold]
    #[inline(never)]
    pub(super) fn closed_refused(&mut self, now: f64) {
        if let Some(k) = self.closed.as_deref_mut().and_then(ClosedClients::refused) {
            self.think(k, now);
        }
    }

    /// Releases the client of message `id`, which left the system unprocessed, if any.
    #[cold]
    #[inline(never)]
    pub(super) fn closed_gone(&mut self, id: MessageId, now: f64) {
        if let Some(k) = self.closed.as_deref_mut().and_then(|c| c.gone(id)) {
            self.think(k, now);
        }
    }
}
