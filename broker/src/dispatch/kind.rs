//! The built-in strategies by name, as scenario files and queue configurations give them.

use thiserror::Error;

/// The built-in strategies, by the names scenario files use.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchKind {
    /// One FIFO shared by all consumers; an idle consumer pulls the next message (M/M/c).
    /// Best mean and tail latency whenever consumers can pull; use it unless you cannot.
    Shared,
    /// Consumers take turns in a fixed cycle. Push-based, no state needed from consumers;
    /// evens out arrivals but not work.
    RoundRobin,
    /// A consumer chosen uniformly at random. Stateless and simple; the worst balancer, the
    /// baseline others are measured against.
    Random,
    /// `weighted-round-robin`: consumers take turns in proportion to their weights (their speeds),
    /// smoothly interleaved. Use it for push dispatch over consumers of unequal speed when no load
    /// feedback is available. See [`WeightedRoundRobin`](super::WeightedRoundRobin).
    WeightedRoundRobin {
        /// One positive, finite weight per consumer.
        weights: Vec<f64>,
    },
    /// `jsq`: join the shortest queue — the consumer holding the fewest messages, ties broken
    /// at random. Near-optimal push dispatch when the broker sees every consumer's load.
    /// See [`Jsq`](super::Jsq).
    Jsq,
    /// `power-of-d`: sample `d` consumers, join the least loaded of them. Most of JSQ's benefit for
    /// a fraction of the load information (d = 2 is the classic choice). See
    /// [`PowerOfD`](super::PowerOfD).
    PowerOfD {
        /// How many consumers to sample, 1 ..= consumers.
        d: usize,
    },
    /// `least-work`: the consumer with the least remaining work (sum of message sizes held). Beats
    /// JSQ when message sizes vary and are known at publish. See [`LeastWork`](super::LeastWork).
    LeastWork,
    /// `jiq`: join an idle consumer if there is one, else a random one. Cheap and good at low
    /// to moderate load with many consumers. See [`Jiq`](super::Jiq).
    Jiq,
    /// `key-hash`: consistent hashing of the message key, so that all messages of one key go to
    /// one consumer and keep their order (as partitioned logs do). See [`KeyHash`](super::KeyHash).
    KeyHash,
}

impl DispatchKind {
    /// The name scenario files give the strategy (`shared`, `round-robin`, `power-of-d`, …).
    pub fn name(&self) -> &'static str {
        match self {
            DispatchKind::Shared => "shared",
            DispatchKind::RoundRobin => "round-robin",
            DispatchKind::Random => "random",
            DispatchKind::WeightedRoundRobin { .. } => "weighted-round-robin",
            DispatchKind::Jsq => "jsq",
            DispatchKind::PowerOfD { .. } => "power-of-d",
            DispatchKind::LeastWork => "least-work",
            DispatchKind::Jiq => "jiq",
            DispatchKind::KeyHash => "key-hash",
        }
    }

    /// Checks the parameters against the number of consumers; the error says what is wrong.
    pub fn check(&self, consumers: usize) -> Result<(), InvalidDispatch> {
        match self {
            DispatchKind::WeightedRoundRobin { weights } => {
                if weights.len() != consumers {
                    return Err(InvalidDispatch::WeightCount {
                        weights: weights.len(),
                        consumers,
                    });
                }
                if let Some(&w) = weights.iter().find(|w| !(w.is_finite() && **w > 0.0)) {
                    return Err(InvalidDispatch::Weight(w));
                }
                Ok(())
            }
            DispatchKind::PowerOfD { d } if *d == 0 || *d > consumers => {
                Err(InvalidDispatch::D { d: *d, consumers })
            }
            _ => Ok(()),
        }
    }
}

/// What is wrong with a built-in strategy's parameters ([`DispatchKind::check`]).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InvalidDispatch {
    /// Weighted round-robin needs one weight per consumer.
    #[error("{weights} weights for {consumers} consumers")]
    WeightCount {
        /// How many weights were given.
        weights: usize,
        /// How many consumers the queue has.
        consumers: usize,
    },
    /// A weight is zero, negative or not finite.
    #[error("weight {0} is not positive and finite")]
    Weight(f64),
    /// Power-of-d samples between 1 and all of the consumers.
    #[error("d = {d} is not in 1..={consumers}")]
    D {
        /// The `d` given.
        d: usize,
        /// How many consumers the queue has.
        consumers: usize,
    },
}
