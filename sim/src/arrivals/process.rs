//! One producer's arrivals in one replication.

use rand::Rng;

use super::mmpp::MmppState;
use super::rate::Nhpp;
use super::{Interarrival, Mmpp, RateFunction, Trace};
use crate::dist::Distribution;

/// The arrivals of one producer in one replication: a renewal process drawing each gap from
/// its distribution, the replay of a trace with its cursor, an MMPP with its state, or a
/// time-varying rate with the time of its last arrival.
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
    Mmpp(Mmpp, MmppState),
    Rate(RateFunction, Nhpp),
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
            Interarrival::Mmpp(m) => Source::Mmpp(m.clone(), MmppState::default()),
            Interarrival::Rate(f) => Source::Rate(f.clone(), Nhpp::default()),
        })
    }

    /// Time from the previous arrival (or from 0, for the first) to the next one; None when
    /// the producer publishes no more (a trace with `at_end = "stop"` that has run out, a
    /// rate schedule that ends on 0 without repeating).
    #[inline(always)] // A renewal draw is the arrival path: it stays in the event loop.
    pub fn next_gap<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<f64> {
        match &mut self.0 {
            Source::Renewal(d) => Some(d.sample(rng)),
            other => other.next_gap_rare(rng),
        }
    }
}

impl Source {
    /// [`ArrivalProcess::next_gap`] of a trace, an MMPP or a time-varying rate: out of the
    /// event loop's line, so that the common renewal draw stays small.
    #[cold]
    #[inline(never)]
    fn next_gap_rare<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<f64> {
        match self {
            Source::Renewal(d) => Some(d.sample(rng)),
            Source::Replay { trace, cursor } => {
                let n = *cursor;
                *cursor += 1;
                trace.gap_before(n)
            }
            Source::Mmpp(m, state) => Some(state.next_gap(m, rng)),
            Source::Rate(f, nhpp) => nhpp.next_gap(f, rng),
        }
    }
}
