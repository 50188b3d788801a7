//! The scenario's queues as RabbitMQ queues: names private to one run, and the arguments that
//! match each queue's keys.
//!
//! | scenario key | RabbitMQ |
//! |---|---|
//! | `discipline = "priority"` | `x-max-priority` = the classes' distinct priorities; a class's AMQP priority is its rank, the most urgent highest |
//! | `capacity = K` | `x-max-length` = K − consumers (RabbitMQ counts waiting messages only; with prefetch 1 each consumer holds one more) |
//! | `overflow = "reject"` / `"drop-oldest"` | `x-overflow` = `reject-publish` / `drop-head` |
//! | `ttl` | `x-message-ttl` in real milliseconds (the TTL over the speed-up) |
//! | every queue | `x-dead-letter-exchange` = the run's fates exchange, so that every message the broker drops, expires or dead-letters comes back to the run with its reason |

use kendall_broker::{Discipline, Overflow};
use kendall_sim::Scenario;
use lapin::types::{AMQPValue, FieldTable, ShortString};

use crate::AmqpError;

/// The RabbitMQ names and arguments of one run.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Each scenario queue's RabbitMQ name, in scenario order.
    pub queues: Vec<String>,
    /// Each queue's declaration arguments.
    pub arguments: Vec<FieldTable>,
    /// The fanout exchange every queue dead-letters to.
    pub fates_exchange: String,
    /// The queue bound to it, which the run consumes.
    pub fates_queue: String,
    /// Each class's AMQP priority (0 when no queue orders by priority).
    pub class_priority: Vec<u8>,
}

impl Topology {
    /// The topology of `scenario` at `speedup`, its names starting with `prefix`.
    pub fn new(scenario: &Scenario, speedup: f64, prefix: &str) -> Result<Self, AmqpError> {
        let fates_exchange = format!("{prefix}.fates");
        let class_priority = class_priorities(scenario);
        let levels = class_priority.iter().copied().max().unwrap_or(0) + 1;
        let mut arguments = Vec::with_capacity(scenario.queues.len());
        for q in &scenario.queues {
            let mut args = FieldTable::default();
            let mut put = |k: &str, v: AMQPValue| {
                args.insert(ShortString::from(k), v);
            };
            if q.discipline == Discipline::Priority {
                put("x-max-priority", AMQPValue::ShortShortUInt(levels));
            }
            if let Some(k) = q.capacity {
                let waiting = k - q.consumers as usize;
                put("x-max-length", AMQPValue::LongLongInt(waiting as i64));
                let overflow = match q.overflow {
                    Overflow::Reject => "reject-publish",
                    Overflow::DropOldest => "drop-head",
                };
                put("x-overflow", AMQPValue::LongString(overflow.into()));
            }
            if let Some(ttl) = q.delivery.ttl {
                let ms = (ttl / speedup * 1000.0).round();
                if !(1.0..=4.0e9).contains(&ms) {
                    return Err(AmqpError::Ttl {
                        queue: q.name.clone(),
                        ms: ttl / speedup * 1000.0,
                    });
                }
                put("x-message-ttl", AMQPValue::LongLongInt(ms as i64));
            }
            put(
                "x-dead-letter-exchange",
                AMQPValue::LongString(fates_exchange.clone().into()),
            );
            arguments.push(args);
        }
        Ok(Topology {
            queues: scenario
                .queues
                .iter()
                .map(|q| format!("{prefix}.{}", q.name))
                .collect(),
            arguments,
            fates_queue: format!("{prefix}.fates"),
            fates_exchange,
            class_priority,
        })
    }
}

/// Each class's AMQP priority: its rank among the distinct priorities, most urgent (smallest
/// kendall priority) highest; all 0 when no queue orders by priority.
fn class_priorities(scenario: &Scenario) -> Vec<u8> {
    if !scenario
        .queues
        .iter()
        .any(|q| q.discipline == Discipline::Priority)
    {
        return vec![0; scenario.classes.len()];
    }
    let mut distinct: Vec<i32> = scenario.classes.iter().map(|c| c.priority).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let top = distinct.len() - 1;
    scenario
        .classes
        .iter()
        .map(|c| {
            let rank = distinct.binary_search(&c.priority).expect("listed");
            // RabbitMQ honours at most 255 levels; the scenario's classes are far fewer.
            (top - rank).min(254) as u8
        })
        .collect()
}
