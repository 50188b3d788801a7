//! Adding queues: checking a configuration and laying out the queue and its consumers.

use std::collections::HashMap;

use super::consumer::Consumer;
use super::in_flight::Held;
use super::queue::Queue;
use super::{Broker, BrokerError, QueueConfig, QueueId};
use crate::buffer::{OwnBuffer, SharedBuffer};
use crate::dispatch::Router;
use crate::{Clock, ConsumerLoads, Dispatch, QueueStats};

impl<C: Clock> Broker<C> {
    /// Adds a queue with a built-in dispatch strategy; its consumers start idle.
    pub fn add_queue(&mut self, config: QueueConfig) -> Result<QueueId, BrokerError> {
        config
            .dispatch
            .check(config.consumers)
            .map_err(|reason| BrokerError::InvalidConfig {
                queue: config.name.clone(),
                reason: reason.to_string(),
            })?;
        let dispatch = Router::builtin(&config.dispatch, config.consumers, config.seed);
        self.add_queue_strategy(&config, dispatch)
    }

    /// Adds a FIFO, unbounded queue with a custom dispatch strategy.
    pub fn add_queue_with(
        &mut self,
        name: &str,
        consumers: usize,
        dispatch: Box<dyn Dispatch>,
    ) -> Result<QueueId, BrokerError> {
        self.add_queue_configured(&QueueConfig::new(name, consumers), dispatch)
    }

    /// Adds a queue set up by `config` (discipline, capacity, overflow, delivery guarantees)
    /// but with a custom dispatch strategy in place of `config.dispatch`.
    pub fn add_queue_configured(
        &mut self,
        config: &QueueConfig,
        dispatch: Box<dyn Dispatch>,
    ) -> Result<QueueId, BrokerError> {
        self.add_queue_strategy(config, Router::custom(dispatch))
    }

    /// Adds a queue set up by `config` with strategy `dispatch`.
    pub(super) fn add_queue_strategy(
        &mut self,
        config: &QueueConfig,
        dispatch: Router,
    ) -> Result<QueueId, BrokerError> {
        let (name, consumers) = (config.name.as_str(), config.consumers);
        if self.queues.iter().any(|q| q.name == name) {
            return Err(BrokerError::DuplicateQueue(name.to_string()));
        }
        if consumers == 0 {
            return Err(BrokerError::NoConsumers(name.to_string()));
        }
        let invalid = |reason: &str| {
            Err(BrokerError::InvalidConfig {
                queue: name.to_string(),
                reason: reason.to_string(),
            })
        };
        let positive = |t: Option<f64>| t.is_none_or(|t| t > 0.0 && !t.is_nan());
        if config.capacity == Some(0) {
            return invalid("capacity 0 can hold no message");
        }
        if config.prefetch == 0 {
            return invalid("prefetch 0 lets no consumer take a message");
        }
        if !positive(config.visibility_timeout) {
            return invalid("the visibility timeout must be positive");
        }
        if !positive(config.ttl) {
            return invalid("the time to live must be positive");
        }
        if config.max_attempts == Some(0) {
            return invalid("max_attempts 0 allows no delivery");
        }
        if let Some(to) = config.dead_letter
            && to.0 as usize >= self.queues.len()
        {
            return invalid("the dead-letter queue must be added first");
        }
        let id = self.queues.len() as u32;
        let first_consumer = self.consumers.len() as u32;
        // One allocation for them all: pushing thousands one by one would copy the array at
        // every doubling.
        self.consumers.reserve_exact(consumers);
        for local in 0..consumers as u32 {
            self.consumers.push(Consumer {
                queue: id,
                local,
                own: OwnBuffer::new(config.discipline),
                in_flight: Held::new(config.prefetch),
                idle: true,
                listed: true,
                retired: false,
            });
        }
        self.queues.push(Queue {
            name: name.to_string(),
            first_consumer,
            consumers: consumers as u32,
            shared: SharedBuffer::new(config.discipline),
            idle: (0..consumers as u32).collect(),
            load_updates: dispatch.wants_load_updates(),
            pushes: !matches!(dispatch, Router::Shared),
            dispatch,
            loads: ConsumerLoads::new(consumers),
            capacity: config.capacity,
            overflow: config.overflow,
            discipline: config.discipline,
            visibility_timeout: config.visibility_timeout,
            max_attempts: config.max_attempts,
            ttl: config.ttl,
            dead_letter: config.dead_letter,
            waiting_at: HashMap::new(),
            patient: HashMap::new(),
            delayed: HashMap::new(),
            tracked: config.ttl.is_some(),
            stats: QueueStats::default(),
        });
        Ok(QueueId(id))
    }
}
