//! A message's way through the system: published by a producer or forwarded, processed and
//! routed on or out, or taken back by the broker (nacked, timed out, expired, dead-lettered).

use kendall_broker::{BrokerError, Message, NewMessage, Outcome, Published};

use super::state::Replication;

impl Replication<'_> {
    /// Producer `i` publishes (a batch of messages, if it has `batch`); the next arrival is
    /// scheduled from its own stream.
    #[inline(always)]
    pub(super) fn arrival(&mut self, i: usize, now: f64) -> Result<(), BrokerError> {
        let producer = &self.scenario.producers[i];
        // [fit/trace] a trace with at_end = "stop" runs out: the producer stops, and once
        // every producer has, the replication ends when the system has drained (`drained`).
        match self.arrival_processes[i].next_gap(&mut self.arrivals[i]) {
            Some(gap) => self.calendar.renew_arrival(now + gap),
            None => self.calendar.end_arrival(),
        }
        let (queue, class) = (producer.queue, producer.class);
        if producer.batch.is_some() {
            self.publish_batch_rest(i, now)?;
        }
        if producer.client.is_some() {
            self.new_original(i, now);
        }
        self.publish(queue, class, None, 0.0, now)
    }

    /// Publishes a sender's retry or a closed workload's message (tagged by the caller) of
    /// `class` to queue `j`.
    pub(super) fn publish_copy(
        &mut self,
        j: usize,
        class: usize,
        now: f64,
    ) -> Result<(), BrokerError> {
        self.publish(j, class, None, 0.0, now)
    }

    /// Producer `i`'s arrival is a batch: its size drawn from the producer's stream after the
    /// gap, all its messages but one (which the caller publishes) published one after another
    /// at this instant.
    #[cold] // Batches are rare: kept out of the arrival path.
    #[inline(never)]
    fn publish_batch_rest(&mut self, i: usize, now: f64) -> Result<(), BrokerError> {
        let producer = &self.scenario.producers[i];
        let (queue, class) = (producer.queue, producer.class);
        let k = producer
            .batch
            .as_ref()
            .map_or(1, |b| b.sample(&mut self.arrivals[i]));
        for _ in 1..k {
            if producer.client.is_some() {
                self.new_original(i, now);
            }
            self.publish(queue, class, None, 0.0, now)?;
        }
        Ok(())
    }

    /// Publishes a message of `class` to queue `j`, drawing its service requirement there.
    /// `born_at` is None for a message arriving from outside, which enters the system only if
    /// the queue accepts it; a forwarded message refused by a full queue is lost.
    #[inline(always)]
    fn publish(
        &mut self,
        j: usize,
        class: usize,
        born_at: Option<f64>,
        waited: f64,
        now: f64,
    ) -> Result<(), BrokerError> {
        let message = self
            .scenario
            .new_message(j, class, born_at, waited, &mut self.service[j]);
        let q = self.queue_ids[j];
        // Read in place: a moved-out result stalls on store forwarding.
        match &if self.scenario.queues[j].patience.is_none() {
            self.broker.publish(q, message)
        } else {
            self.publish_patient(j, message)
        } {
            Ok(published) => {
                if let Some(c) = self.clients.as_deref_mut() {
                    c.accepted(published.id);
                }
                if let Some(c) = self.closed.as_deref_mut() {
                    c.accepted(published.id);
                }
                self.scopes.entered(j, class, born_at.is_some(), now);
                self.after_publish(j, published, now)
            }
            Err(BrokerError::Full { .. }) => {
                if let Some(c) = self.clients.as_deref_mut() {
                    c.refused();
                }
                if self.closed.is_some() {
                    self.closed_refused(now);
                }
                self.scopes.refused(j, class, born_at, now);
                Ok(())
            }
            Err(e) => Err(e.clone()),
        }
    }

    /// Publishes `message` to queue `j`, which has a `patience`: drawn from the queue's own
    /// stream, it is how long the message waits for its first delivery before it abandons.
    #[cold] // Queues with a patience are rare: kept out of the publish path.
    #[inline(never)]
    fn publish_patient(&mut self, j: usize, message: NewMessage) -> Result<Published, BrokerError> {
        let patience = self.scenario.queues[j]
            .patience
            .as_ref()
            .map_or(f64::INFINITY, |d| d.sample(&mut self.patience[j]));
        self.broker
            .publish_patient(self.queue_ids[j], message, patience)
    }

    /// Acts on what a publish to queue `j` set in motion: a dropped message, a preemption,
    /// a consumer to wake.
    #[inline(always)]
    fn after_publish(
        &mut self,
        j: usize,
        published: &Published,
        now: f64,
    ) -> Result<(), BrokerError> {
        if let Some(dropped) = &published.dropped {
            // The oldest waiting message made room: it leaves the system unprocessed.
            self.leave_system(j, dropped, now);
        }
        if let Some(c) = published.preempt {
            self.preempt(c.0 as usize, now)?;
        }
        if let Some(c) = published.wake {
            self.start_next(c.0 as usize, now)?;
        }
        self.arm_deadline();
        Ok(())
    }

    /// A message in queue `j` leaves the system unprocessed (dropped, expired, dead-lettered
    /// with nowhere to go).
    pub(super) fn leave_system(&mut self, j: usize, m: &Message, now: f64) {
        self.scopes.lost(j, m, now);
        self.forget_served(m.id);
        if let Some(c) = self.clients.as_deref_mut() {
            c.gone(m.id);
        }
        if self.closed.is_some() {
            self.closed_gone(m.id, now);
        }
    }

    /// Message `m`, acked by consumer `c`, leaves its queue: forwarded or out of the system.
    #[inline(always)]
    pub(super) fn processed(
        &mut self,
        c: usize,
        m: &Message,
        delivered_at: f64,
        now: f64,
    ) -> Result<(), BrokerError> {
        let j = self.workers[c].queue as usize;
        let class = m.class as usize;
        let here = now - m.published_at;
        // Waiting is the time not spent being processed: up to the last delivery, less any
        // earlier unfinished deliveries; under processor sharing (every message held is in
        // service) the sojourn less the message's own work time.
        let earlier = self.forget_served(m.id);
        let wait_here = if self.scenario.queues[j].sharing {
            let before = earlier.map_or(0.0, |e| e.served);
            (here - m.size / self.workers[c].speed - before).max(0.0)
        } else {
            match earlier {
                Some(e) => (delivered_at - m.published_at - e.served).max(0.0),
                None => delivered_at - m.published_at,
            }
        };
        // p_wait counts the messages that could not start at once: their first delivery
        // came after their publication. Waits after an interruption, and the slowing of
        // processor sharing, add to Wq but do not make a message one that found no consumer.
        let first_delivered_at = earlier.map_or(delivered_at, |e| e.first_delivered_at);
        let found_none = first_delivered_at > m.published_at;
        self.scopes.queues[j].leave_waited(now, here, wait_here, found_none);
        let waited = m.waited_before + wait_here;
        let next = self.scenario.queues[j].next_queue(&mut self.routing[j]);
        if let Some(clients) = self.clients.as_deref_mut() {
            let work = m.size / self.workers[c].speed;
            clients.processed(m.id, work, next.is_none(), now);
        }
        if let Some(closed) = self.closed.as_deref_mut()
            && let Some(k) = closed.processed(m.id, next.is_none())
        {
            self.think(k, now);
        }
        match next {
            Some(to) => self.publish(to, class, Some(m.born_at), waited, now),
            None => {
                self.last_sojourn = now - m.born_at;
                // Upstream, any wait counts (the message carries its total, not how it
                // began at each queue).
                let found_none = found_none || m.waited_before > 0.0;
                let t = now - m.born_at;
                self.scopes.system.leave_waited(now, t, waited, found_none);
                self.scopes.classes[class].leave_waited(now, t, waited, found_none);
                if let Some(w) = &mut self.windows {
                    w.leave(now, t, waited, found_none);
                }
                self.exits += 1;
                Ok(())
            }
        }
    }

    /// What became of message `m` of queue `j` that the broker took back (nack, timeout,
    /// hand-back, expiry): every outcome is recorded, an expiry included.
    pub(super) fn outcome(
        &mut self,
        j: usize,
        m: &Message,
        outcome: Outcome,
        now: f64,
    ) -> Result<(), BrokerError> {
        match outcome {
            Outcome::Requeued { wake } => {
                if let Some(w) = wake {
                    self.start_next(w.0 as usize, now)?;
                }
            }
            Outcome::Expired => self.leave_system(j, m, now),
            // Held back before its redelivery: still in the system, its time until then
            // waiting (in Wq and Lq), reported again when the delay ends.
            Outcome::Delayed { .. } => {}
            Outcome::Abandoned => {
                // It waited its whole stay and was never delivered: nothing served to forget.
                self.scopes.abandoned(j, m, now);
                if let Some(c) = self.clients.as_deref_mut() {
                    c.gone(m.id);
                }
                if self.closed.is_some() {
                    self.closed_gone(m.id, now);
                }
                if let Some(w) = &mut self.windows {
                    w.abandon(
                        now,
                        now - m.born_at,
                        m.waited_before + (now - m.published_at),
                    );
                }
            }
            Outcome::DeadLettered {
                to: Some(dlq),
                published: Some(p),
            } => {
                // It moves to the dead-letter queue and is still in the system, as a new
                // message: its old id's unfinished service is forgotten (else kept for ever).
                let d = self.queue_index[dlq.0 as usize];
                self.forget_served(m.id);
                if let Some(c) = self.clients.as_deref_mut() {
                    c.renamed(m.id, p.id);
                }
                if let Some(c) = self.closed.as_deref_mut() {
                    c.renamed(m.id, p.id);
                }
                self.scopes.queues[j].lose(now, now - m.published_at);
                self.scopes.queues[d].enter(now);
                self.after_publish(d, &p, now)?;
            }
            Outcome::DeadLettered { to, published: _ } => {
                if let Some(dlq) = to {
                    self.scopes.queues[self.queue_index[dlq.0 as usize]].reject();
                }
                self.leave_system(j, m, now);
            }
        }
        self.arm_deadline();
        Ok(())
    }
}
