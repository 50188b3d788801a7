//! The broker a scenario describes: its queues' configurations, built once for simulated
//! replications and live runs alike, so that both drive the same system.

use kendall_broker::{Broker, BrokerError, Clock, QueueConfig, QueueId};

use crate::rng::{Source, seed_for};
use crate::scenario::Scenario;

/// Each queue's broker configuration, as `(scenario index, config)` in the order the queues
/// are to be added to a fresh broker: a dead-letter queue before the queues that use it.
/// `dead_letter` names the dead-letter queue by the id a fresh broker gives it (its position
/// in this order), and the dispatch seeds are replication `replication`'s.
///
/// Every queue key the broker implements is passed on: dispatch, discipline, capacity,
/// overflow, visibility timeout, attempts, time to live, dead-letter queue, and a processor-
/// sharing consumer's prefetch (all it may hold). Speeds, failures and crashes are the
/// consumers' business, not the broker's.
pub fn queue_configs(scenario: &Scenario, replication: u64) -> Vec<(usize, QueueConfig)> {
    let seed = scenario.run.seed;
    let nq = scenario.queues.len();
    // Position of each scenario queue in the order of addition, once placed.
    let mut placed: Vec<Option<QueueId>> = vec![None; nq];
    let mut configs = Vec::with_capacity(nq);
    // The scenario's validation rejects dead-letter cycles, so every pass places a queue.
    while configs.len() < nq {
        let before = configs.len();
        for (j, q) in scenario.queues.iter().enumerate() {
            let dead_letter = q.delivery.dead_letter.map(|d| placed[d]);
            if placed[j].is_some() || dead_letter == Some(None) {
                continue;
            }
            let sharing_prefetch = q.capacity.unwrap_or(usize::MAX);
            let mut config = QueueConfig::new(&q.name, q.consumers as usize)
                .dispatch(q.dispatch.clone())
                .discipline(q.discipline)
                .overflow(q.overflow)
                .prefetch(if q.sharing { sharing_prefetch } else { 1 })
                .seed(seed_for(seed, replication, Source::Dispatch(j)));
            config.capacity = q.capacity;
            config.visibility_timeout = q.delivery.visibility_timeout;
            config.max_attempts = q.delivery.max_attempts;
            config.ttl = q.delivery.ttl;
            config.dead_letter = dead_letter.flatten();
            placed[j] = Some(QueueId(configs.len() as u32));
            configs.push((j, config));
        }
        assert!(
            configs.len() > before,
            "a validated scenario has no dead-letter cycle"
        );
    }
    configs
}

/// Adds the queues of [`queue_configs`] to `broker`, which must have none yet, and returns
/// their ids in scenario order.
pub fn add_queues<C: Clock>(
    broker: &mut Broker<C>,
    scenario: &Scenario,
    replication: u64,
) -> Result<Vec<QueueId>, BrokerError> {
    let mut ids = vec![QueueId(0); scenario.queues.len()];
    for (position, (j, config)) in queue_configs(scenario, replication).into_iter().enumerate() {
        let id = broker.add_queue(config)?;
        // `queue_configs` named the dead-letter queues by these positions.
        assert_eq!(id, QueueId(position as u32), "a broker with no queues yet");
        ids[j] = id;
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use kendall_broker::Discipline;

    use super::*;

    const TOML: &str = r#"
[[producers]]
name = "p"
to = "orders"
interarrival = { kind = "exponential", rate = 1.0 }

[[queues]]
name = "orders"
consumers = 2
discipline = "lifo"
capacity = 5
overflow = "drop-oldest"
service = { kind = "exponential", mean = 1.0 }
visibility_timeout = 3.0
max_attempts = 4
ttl = 7.0
dead_letter = "parked"
route = [{ to = "audit", p = 0.5 }]

[[queues]]
name = "audit"
consumers = 1
discipline = "ps"
capacity = 9
service = { kind = "exponential", mean = 1.0 }
dead_letter = "parked"

[[queues]]
name = "parked"
consumers = 1
service = { kind = "exponential", mean = 1.0 }
"#;

    /// The dead-letter queue comes first and is named by its position; every broker key of
    /// the file reaches its queue's configuration.
    #[test]
    fn dead_letter_queues_come_first_with_every_key_passed_on() {
        let scenario = Scenario::parse(Path::new("setup.toml"), TOML).unwrap();
        let configs = queue_configs(&scenario, 3);
        let order: Vec<usize> = configs.iter().map(|(j, _)| *j).collect();
        assert_eq!(order, [2, 0, 1]);
        let (_, orders) = &configs[1];
        assert_eq!(orders.name, "orders");
        assert_eq!(orders.consumers, 2);
        assert_eq!(orders.discipline, Discipline::Lifo);
        assert_eq!(orders.capacity, Some(5));
        assert_eq!(orders.overflow, kendall_broker::Overflow::DropOldest);
        assert_eq!(orders.prefetch, 1);
        assert_eq!(orders.visibility_timeout, Some(3.0));
        assert_eq!(orders.max_attempts, Some(4));
        assert_eq!(orders.ttl, Some(7.0));
        assert_eq!(orders.dead_letter, Some(QueueId(0)));
        assert_eq!(orders.seed, seed_for(1, 3, Source::Dispatch(0)));
        // Processor sharing: a consumer may hold all its queue holds.
        let (_, audit) = &configs[2];
        assert_eq!((audit.prefetch, audit.dead_letter), (9, Some(QueueId(0))));
        let mut broker = Broker::new(crate::replication::SimClock::default());
        let ids = add_queues(&mut broker, &scenario, 3).unwrap();
        assert_eq!(ids, [QueueId(1), QueueId(2), QueueId(0)]);
        assert_eq!(broker.queue_id("parked"), Some(QueueId(0)));
    }
}
