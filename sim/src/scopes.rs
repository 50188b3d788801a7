//! The scopes a run measures — the whole system, each queue, each class — and the bookkeeping
//! a message's entry, refusal and loss make in them, shared by simulated and live runs.

use kendall_broker::Message;

use crate::stats::{Estimates, PERCENTILES, Tally};

/// One estimate per scope: the system's, each queue's, each class's.
pub type ScopeEstimates = (Estimates, Vec<Estimates>, Vec<Estimates>);

/// The tallies of every scope of a run.
#[derive(Debug, Clone)]
pub struct Scopes {
    /// End to end.
    pub system: Tally,
    /// Per queue, in scenario order.
    pub queues: Vec<Tally>,
    /// Per class, in scenario order.
    pub classes: Vec<Tally>,
}

impl Scopes {
    /// Starts every scope's measurement window at `now`.
    pub fn reset(&mut self, now: f64) {
        self.system.reset(now);
        self.queues.iter_mut().for_each(|t| t.reset(now));
        self.classes.iter_mut().for_each(|t| t.reset(now));
    }

    /// Queue `j` accepted a message of `class`: from outside (`forwarded` false) it also
    /// enters the system and its class.
    #[inline]
    pub fn entered(&mut self, j: usize, class: usize, forwarded: bool, now: f64) {
        if !forwarded {
            self.system.enter(now);
            self.classes[class].enter(now);
        }
        self.queues[j].enter(now);
    }

    /// Queue `j` refused a message of `class` (it was full): from outside (`born_at` None)
    /// the message is rejected; forwarded from upstream it is lost to the system, which it
    /// had entered at `born_at`.
    pub fn refused(&mut self, j: usize, class: usize, born_at: Option<f64>, now: f64) {
        self.queues[j].reject();
        match born_at {
            Some(born) => {
                self.system.lose(now, now - born);
                self.classes[class].lose(now, now - born);
            }
            None => {
                self.system.reject();
                self.classes[class].reject();
            }
        }
    }

    /// Message `m`, in queue `j`, leaves the system unprocessed (dropped, expired,
    /// dead-lettered with nowhere to go): each scope counts its stay there.
    pub fn lost(&mut self, j: usize, m: &Message, now: f64) {
        self.queues[j].lose(now, now - m.published_at);
        self.system.lose(now, now - m.born_at);
        self.classes[m.class as usize].lose(now, now - m.born_at);
    }

    /// Message `m`, in queue `j`, abandons (its patience ran out before its first delivery):
    /// each scope counts its stay there as waiting ([`Tally::abandon`]).
    pub fn abandoned(&mut self, j: usize, m: &Message, now: f64) {
        let here = now - m.published_at;
        self.queues[j].abandon(now, here, here);
        let (t, wq) = (now - m.born_at, m.waited_before + here);
        self.system.abandon(now, t, wq);
        self.classes[m.class as usize].abandon(now, t, wq);
    }

    /// Every scope's estimates at `now`, queue j served by `consumers[j]` consumers.
    /// `mirrors` says whether the lone queue and the lone class see exactly the system's
    /// messages: such scopes record no histograms and take the system's percentiles, and
    /// those that recorded nothing at all ([`Tally::mirror`]) take every figure.
    pub fn estimates(&self, now: f64, consumers: &[u32], mirrors: (bool, bool)) -> ScopeEstimates {
        let total = consumers.iter().sum();
        let system = self.system.estimates(now, total);
        let fill = |t: &Tally, mirrors: bool, consumers: u32| {
            if !t.records() {
                return system;
            }
            let mut e = t.estimates(now, consumers);
            if mirrors {
                e.values[PERCENTILES].copy_from_slice(&system.values[PERCENTILES]);
            }
            e
        };
        let queues = self
            .queues
            .iter()
            .zip(consumers)
            .map(|(t, &c)| fill(t, mirrors.0, c))
            .collect();
        let classes = self
            .classes
            .iter()
            .map(|t| fill(t, mirrors.1, total))
            .collect();
        (system, queues, classes)
    }
}
