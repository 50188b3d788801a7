//! One producer's arrivals in one replication.

use rand::Rng;

use super::{Interarrival, Trace};
use crate::dist::Distribution;

/// The arrivals of one producer in one replication: a renewal process drawing each gap from
/// its distribution, or the replay of a trace with its cursor.
///
/// The replication keeps one per producer; a renewal process draws from the producer's own
/// stream exactly as [`Distribution::sample`] does, and a replay draws nothing, so results
/// stay deterministic per (seed, replication).
#[derive(Debug, Clone)]
pub struct ArrivalProcess(Source);

#[derive(Debug, Clone)]
enum Source {
    Renewal(Distribution),
    Replay {
        trace: Trace,
        /// Gaps returned so far.
        cursor: usize,
    },
}

impl ArrivalProcess {
    /// The arrivals of a producer whose inter-arrival times are `interarrival`.
    pub fn new(interarrival: &Interarrival) -> Self {
        ArrivalProcess(match interarrival {
            Interarrival::Renewal(d) => Source::Renewal(d.clone()),
            Interarrival::Trace(t) => Source::Replay {
                trace: t.clone(),
                cursor: 0,
            },
        })
    }

    /// Time from the previous arrival (or from 0, for the first) to the next one; None when
    /// the producer publishes no more (a trace with `at_end = "stop"` that has run out).
    #[inline]
    pub fn next_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<f64> {
        match &mut self.0 {
            Source::Renewal(d) => Some(d.sample(rng)),
            Source::Replay { trace, cursor } => {
                let n = *cursor;
                *cursor += 1;
                trace.gap_before(n)
            }
        }
    }
}
