//! One replication: the event loop that drives the real broker with simulated producers and
//! consumers, on a virtual clock.

use std::cell::Cell;
use std::rc::Rc;

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, MessageId, NewMessage, QueueConfig, QueueId,
};
use rand::RngExt;

use crate::calendar::EventQueue;
use crate::rng::{Source, Stream, seed_for, stream};
use crate::scenario::Scenario;
use crate::stats::{Estimates, Tally};

/// The simulator's clock: the time of the event being processed. Clones share one reading.
#[derive(Debug, Clone, Default)]
pub struct SimClock(Rc<Cell<f64>>);

impl SimClock {
    fn set(&self, t: f64) {
        self.0.set(t);
    }
}

impl Clock for SimClock {
    fn now(&self) -> f64 {
        self.0.get()
    }
}

/// What happens next in a replication.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// Producer i publishes a message.
    Arrival(u32),
    /// A consumer finishes processing a message.
    Completion(ConsumerId, MessageId),
}

/// What one replication measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationResult {
    /// End-to-end estimates.
    pub system: Estimates,
    /// Per-queue estimates, in scenario order.
    pub queues: Vec<Estimates>,
    /// Per-class estimates, in scenario order.
    pub classes: Vec<Estimates>,
    /// Events processed (warm-up included).
    pub events: u64,
    /// Messages that left the system (warm-up included).
    pub messages: u64,
}

/// Runs replication `replication` of `scenario` to completion.
pub fn run_replication(
    scenario: &Scenario,
    replication: u64,
) -> Result<ReplicationResult, BrokerError> {
    run_replication_observed(scenario, replication, &mut |_, _| {})
}

/// Like [`run_replication`], calling `observe(now, t)` each time a message leaves the system
/// (warm-up included), with `t` its end-to-end sojourn time. Monomorphised: a no-op observer
/// costs nothing.
pub fn run_replication_observed<F: FnMut(f64, f64)>(
    scenario: &Scenario,
    replication: u64,
    observe: &mut F,
) -> Result<ReplicationResult, BrokerError> {
    Replication::new(scenario, replication)?.run(observe)
}

struct Replication<'s> {
    scenario: &'s Scenario,
    clock: SimClock,
    broker: Broker<SimClock>,
    calendar: EventQueue<Event>,
    queue_ids: Vec<QueueId>,
    /// Queue index of each consumer.
    consumer_queue: Vec<u32>,
    arrivals: Vec<Stream>,
    service: Vec<Stream>,
    routing: Vec<Stream>,
    system: Tally,
    queues: Vec<Tally>,
    classes: Vec<Tally>,
    events: u64,
    exits: u64,
    /// End-to-end sojourn time of the last message that left the system.
    last_sojourn: f64,
}

impl<'s> Replication<'s> {
    fn new(scenario: &'s Scenario, replication: u64) -> Result<Self, BrokerError> {
        let seed = scenario.run.seed;
        let clock = SimClock::default();
        let mut broker = Broker::new(clock.clone());
        let mut queue_ids = Vec::new();
        let mut consumer_queue = Vec::new();
        for (j, q) in scenario.queues.iter().enumerate() {
            let config = QueueConfig::new(&q.name, q.consumers as usize)
                .dispatch(q.dispatch.clone())
                .discipline(q.discipline)
                .seed(seed_for(seed, replication, Source::Dispatch(j)));
            queue_ids.push(broker.add_queue(config)?);
            consumer_queue.extend(std::iter::repeat_n(j as u32, q.consumers as usize));
        }
        let streams = |f: fn(usize) -> Source, n: usize| -> Vec<Stream> {
            (0..n).map(|i| stream(seed, replication, f(i))).collect()
        };
        let (np, nq) = (scenario.producers.len(), scenario.queues.len());
        let smallest_service = scenario
            .queues
            .iter()
            .flat_map(|q| q.service.iter().map(|d| d.mean()))
            .fold(f64::INFINITY, f64::min);
        let tally = Tally::new(1e-4 * smallest_service);
        Ok(Self {
            scenario,
            clock,
            broker,
            calendar: EventQueue::with_capacity(np + consumer_queue.len()),
            queue_ids,
            consumer_queue,
            arrivals: streams(Source::Arrivals, np),
            service: streams(Source::Service, nq),
            routing: streams(Source::Routing, nq),
            system: tally.clone(),
            queues: vec![tally.clone(); nq],
            classes: vec![tally; scenario.classes.len()],
            events: 0,
            exits: 0,
            last_sojourn: f64::NAN,
        })
    }

    fn run<F: FnMut(f64, f64)>(
        mut self,
        observe: &mut F,
    ) -> Result<ReplicationResult, BrokerError> {
        for (i, p) in self.scenario.producers.iter().enumerate() {
            let first = p.interarrival.sample(&mut self.arrivals[i]);
            self.calendar.schedule(first, Event::Arrival(i as u32));
        }
        let run = self.scenario.run;
        let target = run.warmup + run.customers;
        if run.warmup == 0 {
            self.reset(0.0);
        }
        while self.exits < target {
            let Some((now, event)) = self.calendar.pop() else {
                break;
            };
            self.clock.set(now);
            self.events += 1;
            match event {
                Event::Arrival(i) => self.arrival(i as usize, now)?,
                Event::Completion(c, id) => {
                    let exited = self.completion(c, id, now)?;
                    if exited {
                        observe(now, self.last_sojourn);
                        self.exits += 1;
                        if self.exits == run.warmup {
                            self.reset(now);
                        }
                    }
                }
            }
        }
        let now = self.clock.now();
        let scenario = self.scenario;
        let consumers = |j: usize| scenario.queues[j].consumers;
        let total: u32 = (0..self.queues.len()).map(consumers).sum();
        Ok(ReplicationResult {
            system: self.system.estimates(now, total),
            queues: self
                .queues
                .iter_mut()
                .enumerate()
                .map(|(j, t)| t.estimates(now, consumers(j)))
                .collect(),
            classes: self
                .classes
                .iter_mut()
                .map(|t| t.estimates(now, total))
                .collect(),
            events: self.events,
            messages: self.exits,
        })
    }

    fn reset(&mut self, now: f64) {
        self.system.reset(now);
        self.queues.iter_mut().for_each(|t| t.reset(now));
        self.classes.iter_mut().for_each(|t| t.reset(now));
    }

    /// Producer `i` publishes; the next arrival is scheduled from its own stream.
    fn arrival(&mut self, i: usize, now: f64) -> Result<(), BrokerError> {
        let producer = &self.scenario.producers[i];
        let gap = producer.interarrival.sample(&mut self.arrivals[i]);
        self.calendar.schedule(now + gap, Event::Arrival(i as u32));
        self.system.enter(now);
        self.classes[producer.class].enter(now);
        let (queue, class) = (producer.queue, producer.class);
        self.publish(queue, class, None, 0.0, now)
    }

    /// Publishes a message of `class` to queue `j`, drawing its service requirement there.
    fn publish(
        &mut self,
        j: usize,
        class: usize,
        born_at: Option<f64>,
        waited: f64,
        now: f64,
    ) -> Result<(), BrokerError> {
        let size = self.scenario.queues[j].service[class].sample(&mut self.service[j]);
        let message = NewMessage {
            class: class as u16,
            priority: self.scenario.classes[class].priority,
            key: None,
            size,
            born_at,
            waited_before: waited,
        };
        self.queues[j].enter(now);
        let published = self.broker.publish(self.queue_ids[j], message)?;
        if let Some(c) = published.wake {
            self.start_next(c, now)?;
        }
        Ok(())
    }

    /// Consumer `c` polls; if it gets a message it starts processing it.
    fn start_next(&mut self, c: ConsumerId, now: f64) -> Result<(), BrokerError> {
        if let Some(delivery) = self.broker.poll(c)? {
            let m = delivery.message;
            self.calendar
                .schedule(now + m.size, Event::Completion(c, m.id));
            self.queues[self.consumer_queue[c.0 as usize] as usize].start_service(now);
            self.system.start_service(now);
            self.classes[m.class as usize].start_service(now);
        }
        Ok(())
    }

    /// Consumer `c` finishes message `id`: ack, then route onwards or out. True if it left.
    fn completion(&mut self, c: ConsumerId, id: MessageId, now: f64) -> Result<bool, BrokerError> {
        let acked = self.broker.ack(c, id)?;
        let m = acked.message;
        let j = self.consumer_queue[c.0 as usize] as usize;
        let class = m.class as usize;
        let wait_here = acked.delivered_at - m.published_at;
        let queue = &mut self.queues[j];
        queue.end_service(now);
        queue.leave(now, now - m.published_at, wait_here);
        self.system.end_service(now);
        self.classes[class].end_service(now);
        let waited = m.waited_before + wait_here;
        let next = route(&self.scenario.queues[j].routes, &mut self.routing[j]);
        let exited = match next {
            Some(to) => {
                self.publish(to, class, Some(m.born_at), waited, now)?;
                false
            }
            None => {
                self.last_sojourn = now - m.born_at;
                self.system.leave(now, now - m.born_at, waited);
                self.classes[class].leave(now, now - m.born_at, waited);
                true
            }
        };
        self.start_next(c, now)?;
        Ok(exited)
    }
}

/// Picks the next queue from `routes` ((queue, probability) pairs), or None to leave.
fn route(routes: &[(usize, f64)], rng: &mut Stream) -> Option<usize> {
    if routes.is_empty() {
        return None;
    }
    let mut u: f64 = rng.random();
    for &(to, p) in routes {
        if u < p {
            return Some(to);
        }
        u -= p;
    }
    None
}
