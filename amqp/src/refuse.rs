//! What a run against RabbitMQ cannot express, refused by the scenario key that asks for it:
//! everything live runs on kendall's broker refuse, and what RabbitMQ's queues lack.

use kendall_broker::{Discipline, DispatchKind};
use kendall_sim::Scenario;
use kendall_sim::error::KeyPath;
use kendall_sim::live::Unsupported;

/// The first key of `scenario` a run against RabbitMQ refuses, if any.
pub fn unsupported(scenario: &Scenario) -> Option<Unsupported> {
    if let Some(refusal) = kendall_sim::live::unsupported(scenario) {
        return Some(refusal);
    }
    scenario.queues.iter().enumerate().find_map(|(j, q)| {
        let refuse = |key: &str, reason| {
            Some(Unsupported {
                path: KeyPath::default().key("queues").index(j).key(key),
                key: format!("queues.{}.{key}", q.name),
                reason,
            })
        };
        if q.dispatch != DispatchKind::Shared {
            refuse(
                "dispatch",
                "against RabbitMQ only `shared` dispatch runs (competing consumers on one queue, \
                 prefetch 1); the broker picks the consumer, so no other strategy can be imposed",
            )
        } else if q.discipline == Discipline::Lifo {
            refuse(
                "discipline",
                "a RabbitMQ queue serves in publication order (or by priority with \
                 x-max-priority): `lifo` cannot be expressed",
            )
        } else if q.capacity.is_some_and(|k| k <= q.consumers as usize) {
            refuse(
                "capacity",
                "RabbitMQ's x-max-length counts waiting messages only, so a capacity must exceed \
                 the consumers (it becomes x-max-length = capacity - consumers)",
            )
        } else if q.delivery.visibility_timeout.is_some() {
            refuse(
                "visibility_timeout",
                "RabbitMQ redelivers a message when its consumer's channel closes, not after a \
                 timeout",
            )
        } else if q.delivery.dead_letter.is_some() {
            refuse(
                "dead_letter",
                "dead-lettering into another scenario queue is not wired to a RabbitMQ \
                 dead-letter exchange yet (out of attempts, a message leaves the system)",
            )
        } else {
            None
        }
    })
}
