//! Checkpoints: every so many events the replication checks its budgets (`[run] max_events`
//! and the backlog) and closes a segment of the occupancy trend ([`crate::growth`]). The
//! event loop compares its event count with the next checkpoint — the comparison with
//! `max_events` it always made — so neither costs anything per event.

use kendall_broker::Clock;

use super::state::Replication;
use crate::growth::{Segments, Trend};
use crate::scenario::Scenario;

/// Default event budget per message the run asks for ([`event_budget`]).
pub const EVENTS_PER_MESSAGE: u64 = 50;
/// The least default event budget.
pub const MIN_EVENT_BUDGET: u64 = 1_000_000;
/// Default backlog budget per message the run asks for ([`backlog_budget`]).
pub const BACKLOG_PER_MESSAGE: u64 = 10;
/// The least backlog budget.
pub const MIN_BACKLOG: u64 = 100_000;

/// Why a replication stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It processed `max_events` events.
    Events,
    /// More messages were in the system at once than the backlog budget.
    Backlog,
}

/// Messages a replication of `scenario` asks for: its warm-up and customers, or, for a run
/// to a horizon, the messages its producers publish by then on average.
fn messages_asked(scenario: &Scenario) -> u64 {
    let run = &scenario.run;
    match run.horizon {
        Some(h) => {
            let m = scenario.arrival_rate() * h.end;
            if m.is_finite() { m.ceil() as u64 } else { 0 }
        }
        None => run.warmup.saturating_add(run.customers),
    }
}

/// The events one replication of `scenario` may process: `[run] max_events`, or by default
/// [`EVENTS_PER_MESSAGE`] per message asked (at least [`MIN_EVENT_BUDGET`]) — far more than
/// a run that ends needs (the example scenarios take at most about 6 per message), few
/// enough that one whose departures stall (the backlog grows, or nothing finishes) stops.
/// Each message a crashed consumer hands back counts as two events (it is nacked, then
/// delivered again): under processor sharing a crash hands back all the consumer holds, and
/// that work grows with the backlog.
pub fn event_budget(scenario: &Scenario) -> u64 {
    scenario.run.max_events.unwrap_or_else(|| {
        messages_asked(scenario)
            .saturating_mul(EVENTS_PER_MESSAGE)
            .max(MIN_EVENT_BUDGET)
    })
}

/// Most messages one replication of `scenario` holds in the system before it stops:
/// [`BACKLOG_PER_MESSAGE`] per message asked (at least [`MIN_BACKLOG`]). A system that holds
/// ten times the messages its run measures at once serves less than a tenth of what comes:
/// its memory, not its figures, would set the run's end.
pub fn backlog_budget(scenario: &Scenario) -> u64 {
    messages_asked(scenario)
        .saturating_mul(BACKLOG_PER_MESSAGE)
        .max(MIN_BACKLOG)
}

/// A replication's checkpoints: its budgets, and the segments of its occupancy trend.
#[derive(Debug)]
pub(super) struct Checkpoints {
    /// Events at which the next checkpoint is due.
    pub(super) next: u64,
    /// Work counted beyond the events: messages handed back by crashes.
    extra: u64,
    budget: u64,
    backlog: u64,
    /// Events per segment (doubles when the segments merge).
    period: u64,
    next_segment: u64,
    /// Whether the trend is kept (the measurement has opened, and the scenario is tested).
    measuring: bool,
    tested: bool,
    start: f64,
    /// Per scope (system, then queues), the cumulative area at the segment's start, and
    /// the area of the segment before a tally reset inside it.
    last: Vec<f64>,
    carry: Vec<f64>,
    areas: Vec<f64>,
    segments: Segments,
    /// Why the replication stopped early, if it did.
    pub(super) stop: Option<Stop>,
}

impl Checkpoints {
    pub(super) fn new(scenario: &Scenario) -> Self {
        let scopes = 1 + scenario.queues.len();
        // About two events per message (arrival and departure), spread over twice the
        // segments kept: the first merge comes about halfway through.
        let period =
            (2 * messages_asked(scenario) / (2 * crate::growth::MAX_SEGMENTS as u64)).max(64);
        let budget = event_budget(scenario);
        Checkpoints {
            next: budget.min(period),
            extra: 0,
            budget,
            backlog: backlog_budget(scenario),
            period,
            next_segment: period,
            measuring: false,
            tested: crate::growth::tested(scenario),
            start: 0.0,
            last: vec![0.0; scopes],
            carry: vec![0.0; scopes],
            areas: vec![0.0; scopes],
            segments: Segments::new(scopes),
            stop: None,
        }
    }
}

impl Replication<'_> {
    /// The event count reached [`Checkpoints::next`]: true when a budget says stop; else a
    /// segment closes if one is due. Out of the event loop's line.
    #[cold]
    #[inline(never)]
    pub(super) fn checkpoint(&mut self) -> bool {
        let events = self.events + self.checks.extra;
        let cp = &mut self.checks;
        if events >= cp.budget {
            cp.stop = Some(Stop::Events);
            return true;
        }
        if self.scopes.system.in_system() > cp.backlog {
            cp.stop = Some(Stop::Backlog);
            return true;
        }
        if events >= cp.next_segment {
            if cp.measuring {
                self.close_segment(self.clock.now());
            }
            let cp = &mut self.checks;
            cp.next_segment = events + cp.period;
        }
        let cp = &mut self.checks;
        cp.next = cp.budget.min(cp.next_segment).saturating_sub(cp.extra);
        false
    }

    /// Counts `n` units of work done outside events against the budget (a crash handing
    /// back `n` messages): the next checkpoint comes that much sooner.
    pub(super) fn charge(&mut self, n: u64) {
        let cp = &mut self.checks;
        cp.extra += n;
        cp.next = cp.next.saturating_sub(n);
    }

    /// Each scope's cumulative area under its number in system at `now` (a lone queue's is
    /// the system's).
    fn scope_areas(&mut self, now: f64) {
        let areas = &mut self.checks.areas;
        areas[0] = self.scopes.system.cumulative(now).area_in_system;
        for (j, t) in self.scopes.queues.iter().enumerate() {
            areas[1 + j] = if t.records() {
                t.cumulative(now).area_in_system
            } else {
                areas[0]
            };
        }
    }

    /// Ends the current segment at `now`.
    fn close_segment(&mut self, now: f64) {
        self.scope_areas(now);
        let cp = &mut self.checks;
        for s in 0..cp.areas.len() {
            let a = cp.areas[s];
            cp.areas[s] = cp.carry[s] + a - cp.last[s];
            cp.carry[s] = 0.0;
            cp.last[s] = a;
        }
        if now > cp.start && cp.segments.push(cp.start, now, &cp.areas) {
            cp.period = cp.period.saturating_mul(2);
        }
        cp.start = now;
    }

    /// The tallies restart at `now` (the measurement opens, or a batch ends): the segment
    /// keeps what it had (the areas restart from 0).
    pub(super) fn checkpoint_reset(&mut self, now: f64) {
        if !self.checks.tested {
            return;
        }
        if self.checks.measuring {
            self.scope_areas(now);
            let cp = &mut self.checks;
            for s in 0..cp.areas.len() {
                cp.carry[s] += cp.areas[s] - cp.last[s];
            }
        } else {
            self.checks.measuring = true;
            self.checks.start = now;
        }
        self.checks.last.iter_mut().for_each(|a| *a = 0.0);
    }

    /// The replication ends at `now`: its last segment closes, and its trend is taken (None
    /// where the scenario is not tested or the measurement never opened).
    pub(super) fn take_trend(&mut self, now: f64) -> Option<Trend> {
        if !self.checks.measuring {
            return None;
        }
        self.close_segment(now);
        Some(self.checks.segments.trend())
    }

    /// Each queue's messages in the system now (waiting, in service, delayed).
    pub(super) fn backlog(&self) -> Vec<u64> {
        if self.scopes.queues.iter().all(|t| t.records()) {
            self.scopes.queues.iter().map(|t| t.in_system()).collect()
        } else {
            vec![self.scopes.system.in_system()]
        }
    }
}
