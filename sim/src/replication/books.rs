//! A replication's books: what became of each queue's messages as the broker counted it, and
//! the check that the simulator's own counts of the messages in each scope agree with it.
//!
//! The broker reports every message it stops holding in the return value of the call that
//! decided it, and the simulator records each fate it hears in its scopes (the system, each
//! queue, each class), so a message leaves each scope it entered exactly once. At the end of a
//! replication the messages the simulator believes are in queue j must then be exactly the
//! broker's waiting + in-flight count of that queue; a fate decided in silence (or recorded
//! twice) would show as a difference that grows with the run.

use kendall_broker::{BrokerError, QueueStats};
use thiserror::Error;

use super::state::Replication;

/// Messages' fates at one queue over the measurement window, per replication.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct QueueCounts {
    /// Publishes to the queue (accepted or not).
    pub published: f64,
    /// Processed and acknowledged.
    pub acked: f64,
    /// Refused by a full queue.
    pub rejected: f64,
    /// Dropped to make room (drop-oldest).
    pub dropped: f64,
    /// Expired after waiting their time to live.
    pub expired: f64,
    /// Abandoned: their patience ran out before their first delivery (serialized by the
    /// report only where a queue has a patience).
    #[serde(skip)]
    pub abandoned: f64,
    /// Dead-lettered after failing too often.
    pub dead_lettered: f64,
    /// Delivered again after a failure, a timeout or a crash.
    pub redelivered: f64,
    /// Interrupted by a more urgent message.
    pub preempted: f64,
    /// Messages in the queue (waiting or in service) when the replication ended. Over a whole
    /// run, `published = acked + rejected + dropped + expired + abandoned + dead_lettered +
    /// in_system`;
    /// over a window that starts after a warm-up, the messages present at its start make up
    /// the difference.
    pub in_system: f64,
}

impl QueueCounts {
    /// Everything a queue's broker counters have counted since it was created.
    pub fn total(stats: &QueueStats) -> Self {
        Self::between(&QueueStats::default(), stats)
    }

    /// The fates counted between two readings of a queue's broker counters, and the messages
    /// in the queue at the second.
    pub fn between(before: &QueueStats, after: &QueueStats) -> Self {
        let d = |a: u64, b: u64| (a - b) as f64;
        QueueCounts {
            published: d(after.published, before.published),
            acked: d(after.acked, before.acked),
            rejected: d(after.rejected, before.rejected),
            dropped: d(after.dropped, before.dropped),
            expired: d(after.expired, before.expired),
            abandoned: d(after.abandoned, before.abandoned),
            dead_lettered: d(after.dead_lettered, before.dead_lettered),
            redelivered: d(after.redelivered, before.redelivered),
            preempted: d(after.preempted, before.preempted),
            in_system: after.in_system() as f64,
        }
    }
}

/// One queue's books at the end of a replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueBooks {
    /// The broker's counters of the queue, from the start of the replication.
    pub broker: QueueStats,
    /// The messages the simulator believes are in the queue: its scope's count (the system's,
    /// for a lone queue whose scope mirrors the system).
    pub tracked: u64,
}

/// Every scope's books at the end of a replication.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Books {
    /// Per queue, in scenario order.
    pub queues: Vec<QueueBooks>,
    /// The messages the simulator believes are in the system.
    pub system: u64,
    /// The same per class, in scenario order; empty when a lone class mirrors the system.
    pub classes: Vec<u64>,
}

impl Books {
    /// `Ok` when every queue's counters balance (every message published is acknowledged,
    /// rejected, dropped, expired, abandoned, dead-lettered or still held), the simulator's count of
    /// each queue equals what the broker holds there, and the system's and the classes'
    /// counts equal the sum over the queues (a message in the system is in exactly one
    /// queue). Otherwise the first difference found.
    // The error carries the queue's counters whole, to print them: a check made once per
    // replication, so its size costs nothing.
    #[allow(clippy::result_large_err)]
    pub fn check(&self) -> Result<(), BooksError> {
        for (j, q) in self.queues.iter().enumerate() {
            let s = &q.broker;
            if !s.balanced() {
                return Err(BooksError::Unbalanced {
                    queue: j,
                    stats: *s,
                });
            }
            if q.tracked != s.in_system() {
                return Err(BooksError::QueueCount {
                    queue: j,
                    tracked: q.tracked,
                    stats: *s,
                });
            }
        }
        let held: u64 = self.queues.iter().map(|q| q.broker.in_system()).sum();
        if self.system != held {
            return Err(BooksError::SystemCount {
                tracked: self.system,
                held,
            });
        }
        let by_class: u64 = self.classes.iter().sum();
        if !self.classes.is_empty() && by_class != held {
            return Err(BooksError::ClassCount { by_class, held });
        }
        Ok(())
    }
}

/// The first place where a replication's books do not balance ([`Books::check`]): a fate the
/// simulator missed or recorded twice.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BooksError {
    /// A queue's broker counters do not add up.
    #[error("queue {queue}: its counters do not balance: {stats:?}")]
    Unbalanced {
        /// Scenario index of the queue.
        queue: usize,
        /// Its broker counters.
        stats: QueueStats,
    },
    /// The simulator's count of a queue's messages is not what the broker holds there.
    #[error(
        "queue {queue}: the simulator counts {tracked} messages in it, the broker holds {} \
         ({} waiting, {} in flight)",
        stats.in_system(),
        stats.waiting,
        stats.in_flight
    )]
    QueueCount {
        /// Scenario index of the queue.
        queue: usize,
        /// The messages the simulator believes are in it.
        tracked: u64,
        /// Its broker counters.
        stats: QueueStats,
    },
    /// The simulator's count of the system's messages is not the sum of the queues'.
    #[error("the simulator counts {tracked} messages in the system, the broker holds {held}")]
    SystemCount {
        /// The messages the simulator believes are in the system.
        tracked: u64,
        /// The messages the broker holds over every queue.
        held: u64,
    },
    /// The classes' counts do not add up to the messages held.
    #[error("the classes count {by_class} messages in the system, the broker holds {held}")]
    ClassCount {
        /// The classes' counts summed.
        by_class: u64,
        /// The messages the broker holds over every queue.
        held: u64,
    },
}

impl Replication<'_> {
    /// The books as they stand now (at the end of the replication).
    pub(super) fn books(&self) -> Result<Books, BrokerError> {
        let system = &self.scopes.system;
        let queues = self
            .queue_ids
            .iter()
            .zip(&self.scopes.queues)
            .map(|(&q, tally)| {
                let tracked = if tally.records() { tally } else { system };
                Ok(QueueBooks {
                    broker: self.broker.stats(q)?,
                    tracked: tracked.in_system(),
                })
            })
            .collect::<Result<_, BrokerError>>()?;
        let classes = &self.scopes.classes;
        let classes = if classes.iter().all(|t| t.records()) {
            classes.iter().map(|t| t.in_system()).collect()
        } else {
            Vec::new()
        };
        Ok(Books {
            queues,
            system: system.in_system(),
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(published: u64, acked: u64, waiting: usize) -> QueueStats {
        QueueStats {
            published,
            acked,
            waiting,
            ..QueueStats::default()
        }
    }

    #[test]
    fn books_balance_only_when_every_count_agrees() {
        let books = Books {
            queues: vec![
                QueueBooks {
                    broker: held(10, 7, 3),
                    tracked: 3,
                },
                QueueBooks {
                    broker: held(4, 3, 1),
                    tracked: 1,
                },
            ],
            system: 4,
            classes: vec![1, 3],
        };
        assert_eq!(books.check(), Ok(()));
        let mut off = books.clone();
        off.queues[0].tracked = 4;
        assert!(off.check().unwrap_err().to_string().contains("queue 0"));
        let mut off = books.clone();
        off.system = 5;
        assert!(off.check().is_err());
        let mut off = books.clone();
        off.classes[1] = 2;
        assert!(off.check().is_err());
        let mut off = books.clone();
        off.queues[1].broker.published = 5;
        assert!(off.check().unwrap_err().to_string().contains("balance"));
        // A lone class mirrors the system and is not counted apart.
        let mut mirrored = books;
        mirrored.classes.clear();
        assert_eq!(mirrored.check(), Ok(()));
    }

    #[test]
    fn counts_carry_the_messages_held_at_the_end() {
        let before = held(10, 7, 3);
        let after = QueueStats {
            in_flight: 1,
            ..held(25, 20, 4)
        };
        let c = QueueCounts::between(&before, &after);
        assert_eq!((c.published, c.acked, c.in_system), (15.0, 13.0, 5.0));
        let total = QueueCounts::total(&after);
        let fates = total.acked + total.rejected + total.dropped + total.expired;
        assert_eq!(
            total.published,
            fates + total.dead_lettered + total.in_system
        );
    }
}
