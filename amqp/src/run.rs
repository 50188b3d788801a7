//! One run against the broker: the topology declared, one thread per producer publishing at
//! its scheduled instants, one per consumer (its own channel, prefetch 1) serving each
//! delivery for its size over its speed before it acks or nacks, a thread awaiting publisher
//! confirms and one hearing every message the broker returns through the dead-letter
//! exchange. At the horizon the statistics close, the threads stop, the queues are deleted and
//! the messages RabbitMQ still held must be exactly those the run still tracks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use kendall_broker::{Clock, WallClock};
use kendall_sim::Scenario;
use kendall_sim::live::THREAD_STREAMS;
use kendall_sim::rng::{Source, stream};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ExchangeKind, PublisherConfirm};
use rand::RngExt;
use tokio::runtime::Handle;

use crate::AmqpError;
use crate::books::{Books, Returned, Upstream};
use crate::seal::Sealer;
use crate::topology::Topology;

/// Longest a thread blocks without looking at the stop flag (real time).
const TICK: Duration = Duration::from_millis(20);

/// After the queues are deleted, the run listens for returns until none came for this long.
const QUIET: Duration = Duration::from_millis(500);

/// What one run's threads share.
pub struct Run<'a> {
    /// The scenario run.
    pub scenario: &'a Scenario,
    /// What the run knows of each message, and its statistics.
    pub books: Books,
    /// The RabbitMQ names and arguments.
    pub topology: Topology,
    /// The client's runtime, which the threads block on.
    pub handle: Handle,
    /// The connection every channel opens on.
    pub connection: &'a Connection,
    /// Seals payloads, when asked.
    pub sealer: Option<&'a Sealer>,
    /// The run's one clock, in scenario time.
    pub clock: WallClock,
    /// Scenario time units per real second.
    pub speedup: f64,
    /// The run's end, in scenario time.
    pub horizon: f64,
    /// Consumers ack at once (the calibration run).
    pub zero_work: bool,
    /// Corrupt every n-th sealed payload after sealing (a test of the rejection path).
    pub tamper_every: Option<u64>,
    /// Set at the horizon: every thread stops.
    pub stop: AtomicBool,
}

/// What the threads measured besides the books.
#[derive(Debug, Default, Clone, Copy)]
pub struct Costs {
    /// Payloads sealed.
    pub sealed: u64,
    /// Real seconds spent sealing them.
    pub seal_seconds: f64,
    /// Payloads opened (or refused).
    pub opened: u64,
    /// Real seconds spent opening them.
    pub open_seconds: f64,
    /// Deliveries whose payload failed authentication.
    pub tampered: u64,
}

impl Costs {
    fn add(&mut self, o: Costs) {
        self.sealed += o.sealed;
        self.seal_seconds += o.seal_seconds;
        self.opened += o.opened;
        self.open_seconds += o.open_seconds;
    }
}

/// A publish awaiting its confirm: the message's id and the confirm.
type Pending = (u64, PublisherConfirm);

/// What a publishing thread publishes through: its channel, the way to the confirm thread,
/// and what sealing cost it.
struct Outlet {
    ch: Channel,
    tx: mpsc::Sender<Pending>,
    costs: Costs,
}

impl Run<'_> {
    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.handle.block_on(f)
    }

    /// Closes `ch`, giving up after [`crate::CLOSE_TIMEOUT`].
    fn close(&self, ch: &Channel) {
        let _ = self.block(async {
            tokio::time::timeout(crate::CLOSE_TIMEOUT, ch.close(200, "done".into())).await
        });
    }

    async fn channel(&self) -> Result<Channel, AmqpError> {
        let ch = self.connection.create_channel().await.map_err(amqp)?;
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(amqp)?;
        Ok(ch)
    }

    /// Declares the fates exchange and queue and the scenario's queues.
    pub fn declare(&self) -> Result<(), AmqpError> {
        self.block(async {
            let ch = self.channel().await?;
            let t = &self.topology;
            let exclusive = QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            };
            ch.exchange_declare(
                t.fates_exchange.as_str().into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions {
                    auto_delete: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(amqp)?;
            ch.queue_declare(
                t.fates_queue.as_str().into(),
                exclusive,
                FieldTable::default(),
            )
            .await
            .map_err(amqp)?;
            ch.queue_bind(
                t.fates_queue.as_str().into(),
                t.fates_exchange.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(amqp)?;
            for (name, args) in t.queues.iter().zip(&t.arguments) {
                ch.queue_declare(name.as_str().into(), exclusive, args.clone())
                    .await
                    .map_err(amqp)?;
            }
            Ok(())
        })
    }

    /// Runs every thread until the horizon, then settles the books with the broker: the
    /// messages RabbitMQ still holds in each queue (at its deletion).
    pub fn run(&self) -> Result<(Costs, Vec<u64>), AmqpError> {
        let fates_consumer = self.block(async {
            let ch = self.connection.create_channel().await.map_err(amqp)?;
            ch.basic_consume(
                self.topology.fates_queue.as_str().into(),
                "fates".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(amqp)
        })?;
        let listening = AtomicBool::new(true);
        let last_return = std::sync::Mutex::new(Instant::now());
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::channel::<Pending>();
            let fates = s.spawn(|| self.fates(fates_consumer, &listening, &last_return));
            let confirms = s.spawn(move || self.confirms(rx));
            let mut workers = Vec::new();
            for i in 0..self.scenario.producers.len() {
                let tx = tx.clone();
                workers.push(s.spawn(move || self.producer(i, tx)));
            }
            let mut k = 0;
            for (j, q) in self.scenario.queues.iter().enumerate() {
                for local in 0..q.consumers as usize {
                    let tx = tx.clone();
                    let thread = THREAD_STREAMS + (self.scenario.producers.len() + k) as u64;
                    workers.push(s.spawn(move || self.consumer(j, local, thread, tx)));
                    k += 1;
                }
            }
            drop(tx);
            self.sleep_until(self.horizon, false);
            self.books.close();
            self.stop.store(true, Ordering::Relaxed);
            let mut costs = Costs::default();
            let mut result = Ok(());
            let mut channels = Vec::new();
            for w in workers {
                match w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)) {
                    Ok((c, ch)) => {
                        costs.add(c);
                        channels.push(ch);
                    }
                    Err(e) => result = result.and(Err(e)),
                }
            }
            let confirmed = confirms
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            result = result.and(confirmed);
            // Every publish is confirmed: closing the channels puts back in the queues what
            // the consumers held.
            for ch in channels {
                self.close(&ch);
            }
            let held = self.delete_queues();
            *last_return.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            while last_return
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed()
                < QUIET
            {
                std::thread::sleep(TICK);
            }
            listening.store(false, Ordering::Relaxed);
            let heard = fates
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            result?;
            heard?;
            Ok((costs, held?))
        })
    }

    /// Deletes the scenario's queues: the messages each held when it went.
    fn delete_queues(&self) -> Result<Vec<u64>, AmqpError> {
        self.block(async {
            let ch = self.connection.create_channel().await.map_err(amqp)?;
            let mut held = Vec::with_capacity(self.topology.queues.len());
            for name in &self.topology.queues {
                let n = ch
                    .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                    .await
                    .map_err(amqp)?;
                held.push(u64::from(n));
            }
            let _ = tokio::time::timeout(crate::CLOSE_TIMEOUT, ch.close(200, "done".into())).await;
            Ok(held)
        })
    }

    /// Sleeps until scenario time `t`. False if the run was stopped first (when
    /// `stoppable`).
    fn sleep_until(&self, t: f64, stoppable: bool) -> bool {
        kendall_sim::live::sleep_until(
            &self.clock,
            self.speedup,
            t,
            stoppable.then_some(&self.stop),
        )
    }

    /// Publishes a message of `class` to queue `j` on `ch`, its size drawn from `service`.
    fn publish(
        &self,
        out: &mut Outlet,
        j: usize,
        class: usize,
        upstream: Option<Upstream>,
        service: &mut kendall_sim::rng::Stream,
    ) -> Result<(), AmqpError> {
        let costs = &mut out.costs;
        let size = self.scenario.queues[j].service[class].sample(service);
        let id = self.books.publish(j, class, upstream);
        let name = id.to_string();
        let mut plain = [0u8; 16];
        plain[..8].copy_from_slice(&id.to_le_bytes());
        plain[8..].copy_from_slice(&size.to_le_bytes());
        let payload = match self.sealer {
            Some(sealer) => {
                let started = Instant::now();
                let mut sealed = sealer.seal(name.as_bytes(), &plain);
                costs.seal_seconds += started.elapsed().as_secs_f64();
                costs.sealed += 1;
                if self.tamper_every.is_some_and(|n| id % n == n - 1) {
                    let last = sealed.len() - 1;
                    sealed[last] ^= 0x5a;
                }
                sealed
            }
            None => plain.to_vec(),
        };
        let properties = BasicProperties::default()
            .with_message_id(name.into())
            .with_type(class.to_string().into())
            .with_priority(self.topology.class_priority[class])
            .with_delivery_mode(1);
        let confirm = self.block(out.ch.basic_publish(
            "".into(),
            self.topology.queues[j].as_str().into(),
            BasicPublishOptions::default(),
            &payload,
            properties,
        ));
        let confirm = confirm.map_err(amqp)?;
        // The confirm thread outlives every publisher.
        let _ = out.tx.send((id, confirm));
        Ok(())
    }

    /// Producer `i`: publishes at its scheduled instants until the horizon.
    fn producer(&self, i: usize, tx: mpsc::Sender<Pending>) -> Result<(Costs, Channel), AmqpError> {
        let p = &self.scenario.producers[i];
        let seed = self.scenario.run.seed;
        let mut arrivals = stream(seed, 0, Source::Arrivals(i));
        let mut service = stream(seed, THREAD_STREAMS + i as u64, Source::Service(p.queue));
        let mut process = kendall_sim::arrivals::ArrivalProcess::new(&p.interarrival);
        let mut out = Outlet {
            ch: self.block(self.channel())?,
            tx,
            costs: Costs::default(),
        };
        let mut next = process.next_gap(&mut arrivals);
        while let Some(t) = next.filter(|&t| t < self.horizon) {
            if !self.sleep_until(t, true) {
                break;
            }
            self.publish(&mut out, p.queue, p.class, None, &mut service)?;
            next = process.next_gap(&mut arrivals).map(|gap| t + gap);
        }
        Ok((out.costs, out.ch))
    }

    /// Consumer `local` of queue `j`: serves each delivery, then acks it (forwarding it along
    /// the queue's routes) or, when processing fails, nacks it — for redelivery, or without
    /// requeue once out of attempts.
    fn consumer(
        &self,
        j: usize,
        local: usize,
        thread: u64,
        tx: mpsc::Sender<Pending>,
    ) -> Result<(Costs, Channel), AmqpError> {
        let q = &self.scenario.queues[j];
        let seed = self.scenario.run.seed;
        let mut routing = stream(seed, thread, Source::Routing(j));
        let mut service = stream(seed, thread, Source::Service(j));
        let mut failures = stream(seed, thread, Source::Failures(j));
        let speed = q.speeds[local];
        let (ch, mut deliveries) = self.block(async {
            let ch = self.channel().await?;
            ch.basic_qos(1, BasicQosOptions::default())
                .await
                .map_err(amqp)?;
            let consumer = ch
                .basic_consume(
                    self.topology.queues[j].as_str().into(),
                    format!("consumer-{j}-{local}").into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(amqp)?;
            Ok::<_, AmqpError>((ch, consumer))
        })?;
        let mut out = Outlet {
            ch,
            tx,
            costs: Costs::default(),
        };
        while !self.stop.load(Ordering::Relaxed) {
            let Ok(next) =
                self.block(async { tokio::time::timeout(TICK, deliveries.next()).await })
            else {
                continue;
            };
            let Some(d) = next else { break };
            let d = d.map_err(amqp)?;
            let Some((id, size)) = self.open(&d, &mut out.costs) else {
                self.block(d.acker.nack(BasicNackOptions {
                    requeue: false,
                    ..BasicNackOptions::default()
                }))
                .map_err(amqp)?;
                continue;
            };
            let Some(attempt) = self.books.delivered(id) else {
                self.block(d.acker.ack(BasicAckOptions::default()))
                    .map_err(amqp)?;
                continue;
            };
            let started = self.clock.now();
            let nominal = if self.zero_work { 0.0 } else { size / speed };
            if !self.sleep_until(started + nominal, true) {
                break; // stopped in service: closing the channel requeues the message
            }
            let failed = !self.zero_work && q.fail > 0.0 && failures.random::<f64>() < q.fail;
            if failed {
                // Booked before the nack: once nacked, the message may be redelivered to
                // another consumer, or come back dead-lettered, at once.
                self.books.finished(id, true, None, nominal);
                let last = q.delivery.max_attempts.is_some_and(|m| attempt >= m);
                self.block(d.acker.nack(BasicNackOptions {
                    requeue: !last,
                    ..BasicNackOptions::default()
                }))
                .map_err(amqp)?;
                continue;
            }
            let next = q.next_queue(&mut routing);
            self.block(d.acker.ack(BasicAckOptions::default()))
                .map_err(amqp)?;
            if let (Some(up), Some(to)) = (self.books.finished(id, false, next, nominal), next) {
                let class = usize::from(self.class_of(&d));
                self.publish(&mut out, to, class, Some(up), &mut service)?;
            }
        }
        Ok((out.costs, out.ch))
    }

    /// The class of a delivery: its `type` property.
    fn class_of(&self, d: &Delivery) -> u8 {
        d.properties
            .kind()
            .as_ref()
            .and_then(|k| k.as_str().parse().ok())
            .unwrap_or(0)
    }

    /// The id and size a delivery carries, or None when its payload fails authentication
    /// (the run counts it as tampered).
    fn open(&self, d: &Delivery, costs: &mut Costs) -> Option<(u64, f64)> {
        let name = d.properties.message_id().as_ref()?.as_str().to_string();
        let id: u64 = name.parse().ok()?;
        let plain = match self.sealer {
            Some(sealer) => {
                let started = Instant::now();
                let opened = sealer.open(name.as_bytes(), &d.data);
                costs.open_seconds += started.elapsed().as_secs_f64();
                costs.opened += 1;
                match opened {
                    Some(p) => p,
                    None => {
                        self.books.tampered();
                        return None;
                    }
                }
            }
            None => d.data.clone(),
        };
        let bytes: [u8; 16] = plain.as_slice().try_into().ok()?;
        let payload_id = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        let size = f64::from_le_bytes(bytes[8..].try_into().expect("8 bytes"));
        (payload_id == id).then_some((id, size))
    }

    /// Awaits each publish's confirm: a negative one is a message the broker refused.
    fn confirms(&self, rx: mpsc::Receiver<Pending>) -> Result<(), AmqpError> {
        for (id, confirm) in rx {
            match self.block(confirm).map_err(amqp)? {
                Confirmation::Nack(_) => self.books.refused(id),
                Confirmation::Ack(_) | Confirmation::NotRequested => {}
            }
        }
        Ok(())
    }

    /// Hears every message the broker returns through the dead-letter exchange, with its
    /// reason, until told to stop.
    fn fates(
        &self,
        mut returns: lapin::Consumer,
        listening: &AtomicBool,
        last: &std::sync::Mutex<Instant>,
    ) -> Result<(), AmqpError> {
        while listening.load(Ordering::Relaxed) {
            let Ok(next) = self.block(async { tokio::time::timeout(TICK, returns.next()).await })
            else {
                continue;
            };
            let Some(d) = next else { break };
            let d = d.map_err(amqp)?;
            *last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            let id = d
                .properties
                .message_id()
                .as_ref()
                .and_then(|m| m.as_str().parse::<u64>().ok());
            let reason = first_death_reason(&d);
            match (id, reason.as_deref()) {
                (Some(id), Some("maxlen")) => self.books.returned(id, Returned::Dropped),
                (Some(id), Some("expired")) => self.books.returned(id, Returned::Expired),
                (Some(id), Some("rejected" | "delivery_limit")) => {
                    self.books.returned(id, Returned::Rejected)
                }
                _ => {
                    return Err(AmqpError::Protocol(format!(
                        "a message came back through the dead-letter exchange with id {id:?} and \
                         reason {reason:?}, which the run cannot place"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The `x-first-death-reason` header RabbitMQ sets on a dead-lettered message.
fn first_death_reason(d: &Delivery) -> Option<String> {
    let headers = d.properties.headers().as_ref()?;
    match headers
        .inner()
        .get(&ShortString::from("x-first-death-reason"))?
    {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_string()),
        _ => None,
    }
}

/// A client error, as the run reports it.
fn amqp(e: lapin::Error) -> AmqpError {
    AmqpError::Protocol(e.to_string())
}
