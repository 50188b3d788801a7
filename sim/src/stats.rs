//! Streaming statistics of one replication: constant memory, whatever the run length.

use crate::recorder::Recorder;

/// The metrics kendall reports, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Mean sojourn time T.
    T,
    /// Mean waiting time Wq.
    Wq,
    /// Time-averaged number in system.
    L,
    /// Time-averaged number waiting.
    Lq,
    /// Fraction of consumer time busy.
    Utilization,
    /// Messages completed per time unit.
    Throughput,
    /// Fraction of messages that waited at all.
    PWait,
    /// Fraction of messages lost.
    PLoss,
    /// Median sojourn time.
    TP50,
    /// 90th percentile of the sojourn time.
    TP90,
    /// 99th percentile of the sojourn time.
    TP99,
    /// 99.9th percentile of the sojourn time.
    TP999,
    /// Median waiting time.
    WqP50,
    /// 90th percentile of the waiting time.
    WqP90,
    /// 99th percentile of the waiting time.
    WqP99,
    /// 99.9th percentile of the waiting time.
    WqP999,
    /// Fraction of messages that abandoned (their patience ran out while they waited).
    PAbandon,
    /// Originals per time unit whose sender was satisfied: some copy processed within its
    /// attempt's timeout (measured for the system where a producer has a `timeout`; in
    /// any other scope or run, the throughput: every message satisfies its sender once).
    Goodput,
    /// Attempts published per original published (≥ 1; measured as `goodput` is, else 1).
    Amplification,
    /// Fraction of the processing spent on copies whose sender had given up on them or was
    /// already satisfied when it ended (measured as `goodput` is, else 0).
    Wasted,
}

/// Number of metrics.
pub const METRICS: usize = 20;

/// The percentile metrics' range in [`Metric::ALL`] (T's four, then Wq's).
pub const PERCENTILES: std::ops::Range<usize> = 8..16;

/// The quantiles behind the percentile metrics, in order.
pub const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

impl Metric {
    /// Every metric, in output order.
    pub const ALL: [Metric; METRICS] = [
        Metric::T,
        Metric::Wq,
        Metric::L,
        Metric::Lq,
        Metric::Utilization,
        Metric::Throughput,
        Metric::PWait,
        Metric::PLoss,
        Metric::TP50,
        Metric::TP90,
        Metric::TP99,
        Metric::TP999,
        Metric::WqP50,
        Metric::WqP90,
        Metric::WqP99,
        Metric::WqP999,
        Metric::PAbandon,
        Metric::Goodput,
        Metric::Amplification,
        Metric::Wasted,
    ];

    /// The metrics of client timeouts and retries, shown only where a producer has a
    /// `timeout` and only for the system.
    pub const CLIENTS: [Metric; 3] = [Metric::Goodput, Metric::Amplification, Metric::Wasted];

    /// Whether this is one of [`Metric::CLIENTS`].
    pub fn of_clients(self) -> bool {
        Self::CLIENTS.contains(&self)
    }

    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Metric::T => "T",
            Metric::Wq => "Wq",
            Metric::L => "L",
            Metric::Lq => "Lq",
            Metric::Utilization => "utilization",
            Metric::Throughput => "throughput",
            Metric::PWait => "p_wait",
            Metric::PLoss => "p_loss",
            Metric::TP50 => "T_p50",
            Metric::TP90 => "T_p90",
            Metric::TP99 => "T_p99",
            Metric::TP999 => "T_p999",
            Metric::WqP50 => "Wq_p50",
            Metric::WqP90 => "Wq_p90",
            Metric::WqP99 => "Wq_p99",
            Metric::WqP999 => "Wq_p999",
            Metric::PAbandon => "p_abandon",
            Metric::Goodput => "goodput",
            Metric::Amplification => "amplification",
            Metric::Wasted => "wasted",
        }
    }

    /// The values the metric can take, which its intervals are clipped to: probabilities
    /// and fractions in [0, 1], the amplification at least 1, every other metric (times,
    /// counts, rates) nonnegative.
    pub fn bounds(self) -> crate::experiment::Bounds {
        use crate::experiment::Bounds;
        match self {
            Metric::Utilization
            | Metric::PWait
            | Metric::PLoss
            | Metric::PAbandon
            | Metric::Wasted => Bounds::FRACTION,
            Metric::Amplification => Bounds::AT_LEAST_ONE,
            _ => Bounds::NONNEGATIVE,
        }
    }

    /// For a percentile metric: (the underlying time is T rather than Wq, index into
    /// [`QUANTILES`]).
    pub fn percentile(self) -> Option<(bool, usize)> {
        let i = self as usize;
        match i {
            8..=11 => Some((true, i - 8)),
            12..=15 => Some((false, i - 12)),
            _ => None,
        }
    }
}

/// One replication's estimate of every metric of a scope, and how many messages they cover.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimates {
    /// The estimates, indexed like [`Metric::ALL`].
    pub values: [f64; METRICS],
    /// Messages processed in the scope during the window, and those that abandoned there: the
    /// number T, Wq and p_wait are averaged over.
    pub measured: u64,
    /// Every message that left the scope during the window, processed or not.
    pub departures: Departures,
}

/// The messages that left a scope after entering it — processed, or lost inside it (expired,
/// dropped, dead-lettered, refused further on) — as Little's law L = λ·T counts them: L
/// counts every message's time in the scope, while T and the throughput count the processed
/// ones only. Generic so that a run's summary can hold an interval for each.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Departures<T = f64> {
    /// Messages that left per time unit.
    pub rate: T,
    /// Their mean stay in the scope.
    pub mean_stay: T,
}

impl Estimates {
    /// The estimate of `m`.
    pub fn get(&self, m: Metric) -> f64 {
        self.values[m as usize]
    }
}

/// Accumulators for one scope (the whole system, one queue or one class).
///
/// State counts (in system, in service) are integrated over time without visiting every
/// interval: ∫N(t)dt over the window is the sum of each message's exit time less its entry
/// time, so an entry subtracts the clock and an exit adds it (one addition per change, see
/// [`Tally::estimates`] for the messages still present); per-message sums are added as
/// messages leave, and T and Wq are counted in HDR histogram buckets ([`Recorder`]) for
/// percentiles.
/// [`Tally::reset`] starts the measurement window (end of warm-up) without forgetting the
/// state.
///
/// Percentile accuracy: times are recorded in units of `resolution` (see [`Tally::new`]) with
/// three significant digits, so a percentile is within 0.1% of the exact sample quantile for
/// values of at least 1000 units, and within one unit below that.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Recorded time units per scenario time unit.
    scale: f64,
    /// Histograms of T and Wq; None for a scope that mirrors another (it would record the
    /// same values twice).
    hists: Option<Box<[Recorder; 2]>>,
    in_system: u64,
    busy: u64,
    start: f64,
    /// Σ exit times − Σ entry times over the window (present messages enter at the window's
    /// start if they came before): with `in_system × now` added, the area under N(t).
    area_in_system: f64,
    /// The same for messages in service.
    area_busy: f64,
    done: u64,
    waited: u64,
    sum_t: f64,
    sum_wq: f64,
    /// Messages lost, whether refused at the door or lost after entering: for p_loss.
    lost: u64,
    /// Messages lost after entering (a part of `lost`), and the sum of their stays: with
    /// `done` and `sum_t`, every departure ([`Departures`]).
    lost_inside: u64,
    lost_stay: f64,
    /// Messages that abandoned: counted in T, Wq, p_wait and their percentiles (the Erlang-A
    /// convention: every arrival that entered), not in the throughput nor in p_loss.
    abandoned: u64,
    /// False for a scope that mirrors another exactly: it records nothing at all.
    on: bool,
}

/// Records `value` (≥ 0) rounded to an integer, growing the histogram's range as needed (its
/// memory grows with the logarithm of the largest value, not with the number of values).
#[inline]
fn record(h: &mut Recorder, value: f64) {
    // Through i64, one instruction on x86-64; the same for every value below 2^63.
    h.record((value + 0.5).max(0.0) as i64 as u64);
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new(1e-4, true)
    }
}

impl Tally {
    /// An empty tally recording times to a resolution of `resolution` time units (kendall
    /// uses [`crate::scenario::Scenario::time_resolution`]); without `percentiles` it keeps
    /// means only and reports NaN percentiles.
    pub fn new(resolution: f64, percentiles: bool) -> Self {
        Tally {
            scale: 1.0 / resolution,
            hists: percentiles.then(Box::default),
            in_system: 0,
            busy: 0,
            start: 0.0,
            area_in_system: 0.0,
            area_busy: 0.0,
            done: 0,
            waited: 0,
            sum_t: 0.0,
            sum_wq: 0.0,
            lost: 0,
            lost_inside: 0,
            lost_stay: 0.0,
            abandoned: 0,
            on: true,
        }
    }

    /// A tally that records nothing, for a scope whose every figure equals another's (a lone
    /// queue is the whole system): its updates cost one branch, and its estimates are
    /// meaningless — the caller takes the other scope's.
    pub fn mirror() -> Self {
        Tally {
            on: false,
            ..Tally::new(1.0, false)
        }
    }

    /// False for a [`Tally::mirror`].
    pub fn records(&self) -> bool {
        self.on
    }

    /// Messages in the scope now: entered and not yet left or lost (0 for a
    /// [`Tally::mirror`]).
    #[inline]
    pub fn in_system(&self) -> u64 {
        self.in_system
    }

    /// A message enters the scope.
    #[inline]
    pub fn enter(&mut self, now: f64) {
        if !self.on {
            return;
        }
        self.area_in_system -= now;
        self.in_system += 1;
    }

    /// A message in the scope starts service.
    #[inline]
    pub fn start_service(&mut self, now: f64) {
        if !self.on {
            return;
        }
        self.area_busy -= now;
        self.busy += 1;
    }

    /// A message in the scope ends service but stays (it moves on to another queue in scope).
    #[inline]
    pub fn end_service(&mut self, now: f64) {
        if !self.on {
            return;
        }
        self.area_busy += now;
        self.busy -= 1;
    }

    /// Adds `by` to the area under the number in service, for a message that holds a share
    /// of a consumer rather than all of it (processor sharing): its caller counts the share's
    /// time, which the clock alone cannot give.
    #[inline]
    pub fn shift_busy_area(&mut self, by: f64) {
        if self.on {
            self.area_busy += by;
        }
    }

    /// A message leaves the scope after sojourn `t`, of which `wq` was spent waiting.
    #[inline]
    pub fn leave(&mut self, now: f64, t: f64, wq: f64) {
        self.leave_waited(now, t, wq, wq > 0.0);
    }

    /// As [`Tally::leave`], with whether the message waited (for p_wait) given explicitly:
    /// on real threads even a message that found an idle consumer spends a little time
    /// between publication and delivery.
    #[inline]
    pub fn leave_waited(&mut self, now: f64, t: f64, wq: f64, waited: bool) {
        if self.on {
            self.record_leave(now, t, wq, waited);
        }
    }

    #[inline]
    fn record_leave(&mut self, now: f64, t: f64, wq: f64, waited: bool) {
        self.area_in_system += now;
        self.in_system -= 1;
        self.done += 1;
        self.sum_t += t;
        self.sum_wq += wq;
        self.waited += u64::from(waited);
        if let Some(h) = &mut self.hists {
            record(&mut h[0], t * self.scale);
            record(&mut h[1], wq * self.scale);
        }
    }

    /// A message offered to the scope is refused (a full queue): lost without entering.
    #[inline]
    pub fn reject(&mut self) {
        if !self.on {
            return;
        }
        self.lost += 1;
    }

    /// A message in the scope leaves it unprocessed (dropped, expired, dead-lettered, or
    /// refused further on) after staying `stay` in it.
    #[inline]
    pub fn lose(&mut self, now: f64, stay: f64) {
        if !self.on {
            return;
        }
        self.area_in_system += now;
        self.in_system -= 1;
        self.lost += 1;
        self.lost_inside += 1;
        self.lost_stay += stay;
    }

    /// A message in the scope abandons (its patience ran out while it waited) after staying
    /// `t` in it, of which `wq` waiting (its whole stay here, plus any upstream wait): it
    /// counts in T, Wq, p_wait and their percentiles as every arrival does under the
    /// Erlang-A convention, in p_abandon, and neither in the throughput nor in p_loss.
    #[inline]
    pub fn abandon(&mut self, now: f64, t: f64, wq: f64) {
        if !self.on {
            return;
        }
        self.area_in_system += now;
        self.in_system -= 1;
        self.abandoned += 1;
        self.sum_t += t;
        self.sum_wq += wq;
        self.waited += 1;
        if let Some(h) = &mut self.hists {
            record(&mut h[0], t * self.scale);
            record(&mut h[1], wq * self.scale);
        }
    }

    /// Starts the measurement window at `now`: sums and areas restart from zero.
    pub fn reset(&mut self, now: f64) {
        if let Some(h) = &mut self.hists {
            h.iter_mut().for_each(Recorder::reset);
        }
        self.start = now;
        self.area_in_system = -(self.in_system as f64) * now;
        self.area_busy = -(self.busy as f64) * now;
        self.done = 0;
        self.waited = 0;
        self.sum_t = 0.0;
        self.sum_wq = 0.0;
        self.lost = 0;
        self.lost_inside = 0;
        self.lost_stay = 0.0;
        self.abandoned = 0;
    }

    /// The scope's running totals at `now` (no event between the last one and `now`): the
    /// area under the number in system and in service since the window opened, and the
    /// counts of completions, losses and entries. Differences of two give a window of time
    /// ([`crate::windows`]).
    pub fn cumulative(&self, now: f64) -> Cumulative {
        Cumulative {
            area_in_system: self.area_in_system + self.in_system as f64 * now,
            area_busy: self.area_busy + self.busy as f64 * now,
            done: self.done,
            lost: self.lost,
            entered: self.in_system + self.done + self.lost_inside + self.abandoned,
        }
    }

    /// Hands over the recorded T and Wq of the window (None for a scope that records no
    /// percentiles), with the recorded units per time unit: what [`Tails`] pools over
    /// replications. The tally records no percentiles after.
    pub fn take_recorders(&mut self) -> Option<(Box<[Recorder; 2]>, f64)> {
        self.hists.take().map(|r| (r, self.scale))
    }

    /// The window's estimates at `now`, for a scope served by `consumers` consumers.
    pub fn estimates(&self, now: f64, consumers: u32) -> Estimates {
        let span = now - self.start;
        let per = |x: f64, n: f64| if n > 0.0 { x / n } else { f64::NAN };
        let l = per(self.area_in_system + self.in_system as f64 * now, span);
        let busy = per(self.area_busy + self.busy as f64 * now, span);
        let done = self.done as f64;
        let abandoned = self.abandoned as f64;
        // Processed and abandoned messages: those T, Wq and p_wait average over.
        let measured = done + abandoned;
        let offered = measured + self.lost as f64;
        let mut e = [f64::NAN; METRICS];
        e[..8].copy_from_slice(&[
            per(self.sum_t, measured),
            per(self.sum_wq, measured),
            l,
            l - busy,
            per(busy, f64::from(consumers)),
            per(done, span),
            per(self.waited as f64, measured),
            per(self.lost as f64, offered),
        ]);
        if let Some(r) = &self.hists {
            e[PERCENTILES].copy_from_slice(&percentiles(r, self.scale));
        }
        e[Metric::PAbandon as usize] = per(abandoned, offered);
        // Without senders that time out every processed message satisfies its sender once
        // ([`crate::replication::ClientCounts`] replaces the system's where one does).
        e[Metric::Goodput as usize] = per(done, span);
        e[Metric::Amplification as usize] = 1.0;
        e[Metric::Wasted as usize] = 0.0;
        let left = measured + self.lost_inside as f64;
        Estimates {
            values: e,
            measured: self.done + self.abandoned,
            departures: Departures {
                rate: per(left, span),
                mean_stay: per(self.sum_t + self.lost_stay, left),
            },
        }
    }
}

/// A scope's running totals at one instant ([`Tally::cumulative`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cumulative {
    /// ∫ number in system dt since the window opened.
    pub area_in_system: f64,
    /// ∫ number in service dt since the window opened.
    pub area_busy: f64,
    /// Messages processed.
    pub done: u64,
    /// Messages lost, refused at the door or after entering.
    pub lost: u64,
    /// Messages that entered (still inside, processed or lost inside); since the window
    /// opened, plus those present when it did.
    pub entered: u64,
}

/// The T and Wq percentiles at [`QUANTILES`] (T's four, then Wq's) of the values counted in
/// `recorders` (T, Wq), recorded at `scale` units per time unit; NaN where nothing was.
pub fn percentiles(recorders: &[Recorder; 2], scale: f64) -> [f64; 8] {
    let mut out = [f64::NAN; 8];
    for (k, r) in recorders.iter().enumerate() {
        let h = r.histogram();
        if h.is_empty() {
            continue;
        }
        for (i, &q) in QUANTILES.iter().enumerate() {
            out[4 * k + i] = h.median_equivalent(h.value_at_quantile(q)) as f64 / scale;
        }
    }
    out
}

/// The recorded T and Wq of every scope that records them, pooled over replications: the
/// percentiles of all the messages measured, whose bias is that of R times the sample of one
/// replication ([`crate::experiment::summarize`]). Counts add exactly, so pooling in any
/// order gives the same result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tails {
    /// Recorded units per time unit (the same for every scope of a run).
    scale: f64,
    /// Per scope — the system, then each queue, then each class — its T and Wq recorders,
    /// or None for a scope that records none (a mirror of the system).
    scopes: Vec<Option<Box<[Recorder; 2]>>>,
}

impl Tails {
    /// One replication's, taken from its scopes' tallies (system, queues, classes in order)
    /// once their estimates are made.
    pub fn take<'a>(tallies: impl Iterator<Item = &'a mut Tally>) -> Self {
        let mut scale = 0.0;
        let scopes = tallies
            .map(|t| {
                t.take_recorders().map(|(r, s)| {
                    scale = s;
                    r
                })
            })
            .collect();
        Tails { scale, scopes }
    }

    /// A batch's, copied from its scopes' tallies (system, queues, classes in order), which
    /// keep theirs: what [`Tails::take`] is for a batch that is not its replication's last.
    pub fn copy<'a>(tallies: impl Iterator<Item = &'a Tally>) -> Self {
        let mut scale = 0.0;
        let scopes = tallies
            .map(|t| t.hists.clone().inspect(|_| scale = t.scale))
            .collect();
        Tails { scale, scopes }
    }

    /// Adds `other`'s counts (a replication of the same scenario) to these.
    pub fn merge(&mut self, other: &Tails) {
        if self.scopes.is_empty() {
            *self = other.clone();
            return;
        }
        for (mine, theirs) in self.scopes.iter_mut().zip(&other.scopes) {
            if let (Some(a), Some(b)) = (mine, theirs) {
                a[0].merge(&b[0]);
                a[1].merge(&b[1]);
            }
        }
    }

    /// The percentiles of scope `i` (0 the system, then queues, then classes), T's then
    /// Wq's; None for a scope that records none.
    pub fn percentiles(&self, i: usize) -> Option<[f64; 8]> {
        let r = self.scopes.get(i)?.as_ref()?;
        Some(percentiles(r, self.scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_weighted_areas_and_means() {
        // One consumer: message a in [0, 2) served [0, 2); message b in [1, 4) waits 1, served [2, 4).
        let mut t = Tally::default();
        t.enter(0.0);
        t.start_service(0.0);
        t.enter(1.0);
        t.end_service(2.0);
        t.leave(2.0, 2.0, 0.0);
        t.start_service(2.0);
        t.end_service(4.0);
        t.leave(4.0, 3.0, 1.0);
        let e = t.estimates(4.0, 1);
        assert_eq!(e.get(Metric::T), 2.5);
        assert_eq!(e.get(Metric::Wq), 0.5);
        assert_eq!(e.get(Metric::L), 5.0 / 4.0); // 1·1 + 2·1 + 1·2 over 4
        assert_eq!(e.get(Metric::Utilization), 1.0);
        assert_eq!(e.get(Metric::Lq), 0.25);
        assert_eq!(e.get(Metric::Throughput), 0.5);
        assert_eq!(e.get(Metric::PWait), 0.5);
        assert_eq!(e.measured, 2);
        // Two sojourns, 2 and 3: the median is 2, the upper percentiles 3.
        assert!((e.get(Metric::TP50) - 2.0).abs() < 2e-3);
        assert!((e.get(Metric::TP99) - 3.0).abs() < 3e-3);
        assert_eq!(e.get(Metric::WqP50), 0.0);
    }

    #[test]
    fn percentiles_of_a_known_sample() {
        // 1, 2, …, 10000 (times 0.001): exact quantiles are 5, 9, 9.9, 9.99.
        let mut t = Tally::new(1e-4, true);
        for i in 1..=10_000 {
            t.enter(0.0);
            t.leave(1.0, f64::from(i) * 1e-3, 0.0);
        }
        let e = t.estimates(1.0, 1);
        for (m, want) in [
            (Metric::TP50, 5.0),
            (Metric::TP90, 9.0),
            (Metric::TP99, 9.9),
            (Metric::TP999, 9.99),
        ] {
            let got = e.get(m);
            assert!(
                (got - want).abs() <= 1e-3 * want + 1e-3,
                "{}: {got} vs {want}",
                m.name()
            );
        }
    }

    #[test]
    fn reset_keeps_the_resolution() {
        // Resolution 1 time unit: 0.4 is recorded as 0. A reset that forgot the resolution
        // (falling back to the default 1e-4) would report 0.4.
        let mut t = Tally::new(1.0, true);
        t.reset(0.0);
        t.enter(0.0);
        t.leave(1.0, 0.4, 0.0);
        assert_eq!(t.estimates(1.0, 1).get(Metric::TP50), 0.0);
    }

    #[test]
    fn losses_count_against_offered_messages() {
        let mut t = Tally::default();
        t.enter(0.0);
        t.enter(0.0);
        t.reject();
        t.lose(1.0, 1.0);
        t.leave(2.0, 2.0, 0.0);
        let e = t.estimates(2.0, 1);
        assert_eq!(e.get(Metric::PLoss), 2.0 / 3.0);
        assert_eq!(e.get(Metric::L), 1.5); // 2 in [0, 1), 1 in [1, 2): area 3 over 2
        assert_eq!(e.get(Metric::T), 2.0, "T counts completed messages only");
        // Two departures in 2 time units, staying 1 and 2: λ·T = 1 · 1.5 = 1.5 = L (Little),
        // where the processed messages alone give 0.5 · 2 = 1. The refused one never entered.
        assert_eq!(e.departures.rate, 1.0);
        assert_eq!(e.departures.mean_stay, 1.5);
        assert_eq!(e.get(Metric::Throughput) * e.get(Metric::T), 1.0);
    }

    #[test]
    fn departures_restart_with_the_window() {
        // A loss before the window opens is forgotten; one inside it counts its whole stay
        // (as T counts a processed message's), the same boundary convention for both.
        let mut t = Tally::default();
        t.enter(0.0);
        t.enter(0.0);
        t.lose(1.0, 1.0);
        t.reset(2.0);
        t.lose(3.0, 3.0);
        let e = t.estimates(4.0, 1);
        assert_eq!(e.departures.rate, 0.5);
        assert_eq!(e.departures.mean_stay, 3.0);
        assert!(e.get(Metric::T).is_nan(), "nothing was processed");
    }

    #[test]
    fn reset_keeps_state_but_drops_history() {
        let mut t = Tally::default();
        t.enter(0.0);
        t.start_service(0.0);
        t.reset(10.0);
        t.end_service(11.0);
        t.leave(11.0, 11.0, 0.0);
        let e = t.estimates(12.0, 1);
        assert_eq!(e.get(Metric::L), 0.5);
        assert_eq!(e.get(Metric::Utilization), 0.5);
        assert_eq!(e.get(Metric::T), 11.0);
    }
}
