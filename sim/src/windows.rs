//! Window-by-window measures of a time-bounded run (`[run] horizon` and `window`).
//!
//! A replication of horizon H split into windows of width w has ⌈H/w⌉ windows
//! [k·w, min((k+1)·w, H)); the last one is shorter when w does not divide H. Each metric is
//! estimated per window and per replication, then summarised across replications (i.i.d.)
//! with a Student-t interval ([`summarize`]).
//!
//! The by-arrival figures (T, Wq, P(wait), p_abandon) are pooled across replications: a
//! ratio estimator Σ_i Y_i / Σ_i X_i over the replications i (Y the sojourns' sum, or the
//! messages that waited or abandoned; X the messages counted), with the delta-method
//! interval ([`ratio_summary`]). The mean of each replication's own fraction would weight a
//! replication with 10 arrivals in the window as much as one with 30, and when more
//! arrivals also mean more waiting (as when the rate changes) it is biased low against the
//! per-arrival value theory gives (Palm probabilities: W. Whitt, "A review of L = λW and
//! extensions", Queueing Systems 9, 1991, §4 on ratio estimators). Percentiles stay the mean
//! of the replications' percentiles.
//!
//! Two conventions, as time-varying queueing theory uses them (S. G. Eick, W. A. Massey and
//! W. Whitt, "The Physics of the Mt/G/∞ Queue", Operations Research 41(4), 1993, 731–742):
//! - T, Wq, p_wait and their percentiles belong to the window a message *arrived* in (entered
//!   the system). A message still inside at the horizon has no sojourn yet: it is not in
//!   T or Wq (censored), and each window says how many arrived (`arrived`) and how many of
//!   those completed by the horizon (`completed`), so the gap — lost, or still inside at H —
//!   is shown, not hidden. The last windows' T is therefore biased low when messages stay
//!   long compared with the time left to H.
//! - L, Lq, utilisation and the consumers on duty are time averages over the window (exact
//!   integrals of the piecewise-constant occupancy); throughput is the completions in the
//!   window per unit time, and p_loss the messages lost in the window among those that left
//!   it (completed or lost) then.
//!
//! Memory is bounded by windows × metrics: per window a few counters and two HDR recorders
//! whose size grows with the logarithm of the largest time, not with the messages.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::experiment::{Bounds, Summary};
use crate::recorder::Recorder;
use crate::scenario::Horizon;
use crate::stats::{Cumulative, METRICS, Metric, PERCENTILES, Tally, percentiles};

/// The most windows a run may ask for (horizon / window).
pub const MAX_WINDOWS: usize = 100_000;

/// The number of windows of width `width` in [0, `end`): ⌈end/width⌉, where a quotient
/// within 10⁻⁹ (relative) of an integer counts as that integer, so that 100 / 10 gives 10
/// windows, not an eleventh of zero width. At least 1.
pub fn window_count(end: f64, width: f64) -> usize {
    let n = end / width;
    let r = n.round();
    let count = if (n - r).abs() <= 1e-9 * r.max(1.0) {
        r
    } else {
        n.ceil()
    };
    count.clamp(1.0, usize::MAX as f64) as usize
}

/// Window `k`'s start and end: [k·width, min((k+1)·width, end)), the last ending at `end`.
pub fn window_bounds(end: f64, width: f64, k: usize) -> (f64, f64) {
    let count = window_count(end, width);
    let start = k as f64 * width;
    let stop = if k + 1 >= count {
        end
    } else {
        ((k + 1) as f64 * width).min(end)
    };
    (start, stop)
}

/// What the messages that arrived in one window did, as far as the horizon saw.
#[derive(Debug, Clone, Default)]
struct ByArrival {
    /// Left by the horizon, processed or abandoned (T and Wq are theirs).
    done: u64,
    /// Of `done`, those that abandoned (their sojourn is their wait).
    abandoned: u64,
    waited: u64,
    sum_t: f64,
    sum_wq: f64,
    /// T and Wq, in recorded units.
    hists: [Recorder; 2],
}

/// The consumers on duty, as a time integral: the gauge the replication sets whenever a
/// queue's count changes ([`WindowRecorder::set_on_duty`]).
#[derive(Debug, Clone)]
struct DutyGauge {
    per_queue: Vec<u32>,
    total: u64,
    /// ∫ total dt up to `since`.
    area: f64,
    since: f64,
}

impl DutyGauge {
    fn area_at(&self, now: f64) -> f64 {
        self.area + self.total as f64 * (now - self.since)
    }
}

/// One replication's window recorder for the system scope.
#[derive(Debug, Clone)]
pub struct WindowRecorder {
    end: f64,
    width: f64,
    count: usize,
    /// Recorded units per time unit (as the system's [`Tally`]).
    scale: f64,
    /// Time of the next window boundary to mark (`end` for the last; infinite after).
    next_at: f64,
    /// The system's totals at each boundary marked: [0] at time 0, [k] at window k's start.
    marks: Vec<Cumulative>,
    /// ∫ consumers on duty dt at each boundary marked.
    duty_marks: Vec<f64>,
    by_arrival: Vec<ByArrival>,
    duty: DutyGauge,
}

/// One window of one replication: every metric's estimate, indexed like [`Metric::ALL`]
/// (NaN where the window saw nothing to estimate it from, or was not reached).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowEstimate {
    /// Window start.
    pub start: f64,
    /// Window end.
    pub end: f64,
    /// The estimates, indexed like [`Metric::ALL`].
    pub values: [f64; METRICS],
    /// Time-average number of consumers on duty.
    pub on_duty: f64,
    /// Messages that entered the system in the window.
    pub arrived: u64,
    /// Of those, the ones processed by the horizon: T and Wq are averaged over them.
    pub completed: u64,
    /// Messages processed in the window (whenever they arrived).
    pub completions: u64,
    /// The sums behind the by-arrival figures, for pooling across replications.
    pub totals: ArrivalTotals,
    /// Consumer time paid for in the window, all queues (NaN where not reached).
    pub consumer_time: f64,
    /// Its price, where a queue has `cost_per_consumer_hour` (else NaN).
    pub cost: f64,
}

/// The sums behind a window's by-arrival figures in one replication.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ArrivalTotals {
    /// Messages that arrived in the window and left by the horizon (processed or abandoned).
    pub done: u64,
    /// Of those, the ones that found no consumer free.
    pub waited: u64,
    /// Of those, the ones that abandoned.
    pub abandoned: u64,
    /// Their sojourns' sum.
    pub sum_t: f64,
    /// Their waits' sum.
    pub sum_wq: f64,
}

impl WindowEstimate {
    /// The estimate of `m`.
    pub fn get(&self, m: Metric) -> f64 {
        self.values[m as usize]
    }
}

impl WindowRecorder {
    /// A recorder for `horizon` (None without a window width), recording times at
    /// `resolution` as the tallies do, with `consumers` on duty per queue from time 0.
    pub fn new(horizon: Horizon, resolution: f64, consumers: &[u32]) -> Option<Self> {
        let width = horizon.window?;
        let count = window_count(horizon.end, width);
        let mut marks = Vec::with_capacity(count + 1);
        marks.push(Cumulative::default());
        let mut duty_marks = Vec::with_capacity(count + 1);
        duty_marks.push(0.0);
        Some(WindowRecorder {
            end: horizon.end,
            width,
            count,
            scale: 1.0 / resolution,
            next_at: window_bounds(horizon.end, width, 0).1,
            marks,
            duty_marks,
            by_arrival: vec![ByArrival::default(); count],
            duty: DutyGauge {
                total: consumers.iter().map(|&c| u64::from(c)).sum(),
                per_queue: consumers.to_vec(),
                area: 0.0,
                since: 0.0,
            },
        })
    }

    /// The time of the next boundary to mark ([`WindowRecorder::mark`]); infinite once the
    /// last one (the horizon) is.
    pub fn next_boundary(&self) -> f64 {
        self.next_at
    }

    /// Queue `queue` has `n` consumers on duty from `now` on.
    pub fn set_on_duty(&mut self, queue: usize, n: u32, now: f64) {
        let d = &mut self.duty;
        d.area = d.area_at(now);
        d.since = now;
        d.total = d.total - u64::from(d.per_queue[queue]) + u64::from(n);
        d.per_queue[queue] = n;
    }

    /// Marks every boundary at or before `upto` with the system's totals there, the system's
    /// state having been constant since its last event (so the caller marks before handling
    /// an event at `upto`).
    pub fn mark(&mut self, upto: f64, system: &Tally) {
        while self.next_at <= upto {
            let b = self.next_at;
            self.marks.push(system.cumulative(b));
            self.duty_marks.push(self.duty.area_at(b));
            let k = self.marks.len() - 1;
            self.next_at = if k >= self.count {
                f64::INFINITY
            } else {
                window_bounds(self.end, self.width, k).1
            };
        }
    }

    /// A message that entered the system at `now − t` leaves it processed at `now`, after
    /// waiting `wq` (`waited`: it found no consumer free): counted in its arrival window.
    #[inline]
    pub fn leave(&mut self, now: f64, t: f64, wq: f64, waited: bool) {
        self.record(now, t, wq, waited);
    }

    /// A message that entered the system at `now − t` abandons at `now`, having waited `wq`
    /// in all: counted in its arrival window, in T and Wq (as the whole run counts it) and in
    /// `p_abandon`, not among those processed.
    pub fn abandon(&mut self, now: f64, t: f64, wq: f64) {
        let k = self.record(now, t, wq, true);
        self.by_arrival[k].abandoned += 1;
    }

    /// Records a departure in its arrival window; returns that window.
    #[inline]
    fn record(&mut self, now: f64, t: f64, wq: f64, waited: bool) -> usize {
        let arrived = (now - t).max(0.0);
        let k = ((arrived / self.width) as usize).min(self.count - 1);
        let w = &mut self.by_arrival[k];
        w.done += 1;
        w.waited += u64::from(waited);
        w.sum_t += t;
        w.sum_wq += wq;
        w.hists[0].record(to_units(t * self.scale));
        w.hists[1].record(to_units(wq * self.scale));
        k
    }

    /// Every window's estimates, in time order; a window whose end was not marked (the
    /// replication stopped early at `max_events`) is all NaN.
    pub fn finish(&self) -> Vec<WindowEstimate> {
        (0..self.count)
            .map(|k| {
                let (start, end) = window_bounds(self.end, self.width, k);
                let a = &self.by_arrival[k];
                let mut values = [f64::NAN; METRICS];
                let per = |x: f64, n: f64| if n > 0.0 { x / n } else { f64::NAN };
                let done = a.done as f64;
                values[Metric::T as usize] = per(a.sum_t, done);
                values[Metric::Wq as usize] = per(a.sum_wq, done);
                values[Metric::PWait as usize] = per(a.waited as f64, done);
                values[PERCENTILES].copy_from_slice(&percentiles(&a.hists, self.scale));
                let (mut on_duty, mut arrived, mut completions) = (f64::NAN, 0, 0);
                if let (Some(m0), Some(m1)) = (self.marks.get(k), self.marks.get(k + 1)) {
                    let span = end - start;
                    let l = (m1.area_in_system - m0.area_in_system) / span;
                    let busy = (m1.area_busy - m0.area_busy) / span;
                    let duty = (self.duty_marks[k + 1] - self.duty_marks[k]) / span;
                    let done = (m1.done - m0.done) as f64;
                    let lost = (m1.lost - m0.lost) as f64;
                    values[Metric::L as usize] = l;
                    values[Metric::Lq as usize] = l - busy;
                    values[Metric::Utilization as usize] = per(busy, duty);
                    values[Metric::Throughput as usize] = done / span;
                    values[Metric::PLoss as usize] = per(lost, done + lost);
                    on_duty = duty;
                    arrived = m1.entered - m0.entered;
                    values[Metric::PAbandon as usize] = per(a.abandoned as f64, arrived as f64);
                    // Without senders that time out (the replication sets its own where
                    // one does): every processed message satisfies its sender once.
                    values[Metric::Goodput as usize] = done / span;
                    values[Metric::Amplification as usize] = 1.0;
                    values[Metric::Wasted as usize] = 0.0;
                    completions = m1.done - m0.done;
                }
                WindowEstimate {
                    start,
                    end,
                    values,
                    on_duty,
                    arrived,
                    completed: a.done - a.abandoned,
                    completions,
                    totals: ArrivalTotals {
                        done: a.done,
                        waited: a.waited,
                        abandoned: a.abandoned,
                        sum_t: a.sum_t,
                        sum_wq: a.sum_wq,
                    },
                    consumer_time: f64::NAN,
                    cost: f64::NAN,
                }
            })
            .collect()
    }
}

/// One window summarised across replications: each metric's mean and 95% t-interval over
/// the replications that could estimate it (the by-arrival figures pooled: [`summarize`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSummary {
    /// Window start.
    pub start: f64,
    /// Window end.
    pub end: f64,
    /// The summaries, indexed like [`Metric::ALL`].
    pub metrics: Vec<Summary>,
    /// Time-average consumers on duty.
    pub on_duty: Summary,
    /// Messages that entered the system in the window, mean per replication.
    pub arrived: f64,
    /// Of those, the ones processed by the horizon, mean per replication.
    pub completed: f64,
    /// Messages processed in the window, mean per replication.
    pub completions: f64,
    /// Consumer time paid for in the window, all queues.
    pub consumer_time: Summary,
    /// Its price, where a queue has `cost_per_consumer_hour`.
    pub cost: Summary,
}

impl WindowSummary {
    /// The summary of metric `m`.
    pub fn get(&self, m: Metric) -> Summary {
        self.metrics[m as usize]
    }
}

/// Mean and interval of the finite values among `xs` (a replication in which a window saw
/// no message arrive and complete has no T there): `replications` says how many there were;
/// NaN with fewer than two.
pub fn summary_of_defined(xs: &[f64]) -> Summary {
    let defined: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if defined.len() < 2 {
        return Summary::undefined(defined.len());
    }
    Summary::of(&defined)
}

/// The ratio estimator Σy/Σx over replications (pairs (y_i, x_i)) with its delta-method
/// 95% t-interval: variance Σ(y_i − R·x_i)² / (n(n − 1)·x̄²) (W. G. Cochran, *Sampling
/// Techniques*, 3rd ed., 1977, §6.4). NaN with fewer than two replications or no x at all.
pub fn ratio_summary(ys: &[f64], xs: &[f64]) -> Summary {
    let n = ys.len();
    let (sy, sx): (f64, f64) = (ys.iter().sum(), xs.iter().sum());
    if n < 2 || sx <= 0.0 {
        return Summary::undefined(n);
    }
    let r = sy / sx;
    let xbar = sx / n as f64;
    let ss: f64 = ys.iter().zip(xs).map(|(y, x)| (y - r * x).powi(2)).sum();
    let var = ss / ((n * (n - 1)) as f64 * xbar * xbar);
    let t = StudentsT::new(0.0, 1.0, n as f64 - 1.0).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    Summary {
        mean: r,
        half_width: t * var.sqrt(),
        replications: n,
        bounds: Bounds::ANY,
    }
}

/// Every window summarised across `per_replication` (each replication's windows, in
/// replication order); empty when the run has no windows.
pub fn summarize(per_replication: &[&[WindowEstimate]]) -> Vec<WindowSummary> {
    let Some(first) = per_replication.first() else {
        return Vec::new();
    };
    let n = per_replication.len() as f64;
    (0..first.len())
        .map(|k| {
            let each = |f: &dyn Fn(&WindowEstimate) -> f64| -> Vec<f64> {
                per_replication.iter().map(|r| f(&r[k])).collect()
            };
            let mean = |f: &dyn Fn(&WindowEstimate) -> f64| each(f).iter().sum::<f64>() / n;
            let mut metrics: Vec<Summary> = Metric::ALL
                .iter()
                .map(|&m| {
                    let xs = each(&|e| e.get(m));
                    summary_of_defined(&xs).within(m.bounds().admitting(&xs))
                })
                .collect();
            // The by-arrival figures, pooled (a replication not at the window's end has
            // NaN values and counts nothing).
            let reached: Vec<&WindowEstimate> = per_replication
                .iter()
                .map(|r| &r[k])
                .filter(|e| e.get(Metric::L).is_finite())
                .collect();
            let pooled = |y: &dyn Fn(&WindowEstimate) -> f64,
                          x: &dyn Fn(&WindowEstimate) -> f64| {
                let ys: Vec<f64> = reached.iter().map(|e| y(e)).collect();
                let xs: Vec<f64> = reached.iter().map(|e| x(e)).collect();
                ratio_summary(&ys, &xs)
            };
            let done = |e: &WindowEstimate| e.totals.done as f64;
            let mut put = |m: Metric, s: Summary| metrics[m as usize] = s.within(m.bounds());
            put(Metric::T, pooled(&|e| e.totals.sum_t, &done));
            put(Metric::Wq, pooled(&|e| e.totals.sum_wq, &done));
            put(Metric::PWait, pooled(&|e| e.totals.waited as f64, &done));
            put(
                Metric::PAbandon,
                pooled(&|e| e.totals.abandoned as f64, &|e| e.arrived as f64),
            );
            WindowSummary {
                start: first[k].start,
                end: first[k].end,
                metrics,
                on_duty: summary_of_defined(&each(&|e| e.on_duty)).within(Bounds::NONNEGATIVE),
                arrived: mean(&|e| e.arrived as f64),
                completed: mean(&|e| e.completed as f64),
                completions: mean(&|e| e.completions as f64),
                consumer_time: summary_of_defined(&each(&|e| e.consumer_time))
                    .within(Bounds::NONNEGATIVE),
                cost: summary_of_defined(&each(&|e| e.cost)).within(Bounds::NONNEGATIVE),
            }
        })
        .collect()
}

/// A time in recorded units rounded to an integer, as [`Tally`] records it.
#[inline]
fn to_units(value: f64) -> u64 {
    (value + 0.5).max(0.0) as i64 as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pooled ratio against a hand computation: y = (1, 5, 3), x = (2, 10, 4) give
    /// R = 9/16; residuals y − R·x = (−1/8, −5/8, 3/4), whose squares sum to 0.96875;
    /// x̄ = 16/3, so var = 0.96875 / (6 · 256/9) and the half-width t(0.975; 2) = 4.3027 times
    /// its root.
    #[test]
    fn ratio_estimator_by_hand() {
        let s = ratio_summary(&[1.0, 5.0, 3.0], &[2.0, 10.0, 4.0]);
        assert_eq!(s.mean, 9.0 / 16.0);
        let hw = 4.302_652_729_749_464 * (0.96875_f64 / (6.0 * 256.0 / 9.0)).sqrt();
        assert!(
            (s.half_width - hw).abs() < 1e-12,
            "{} vs {hw}",
            s.half_width
        );
        assert!(ratio_summary(&[1.0], &[1.0]).mean.is_nan());
        assert!(ratio_summary(&[0.0, 0.0], &[0.0, 0.0]).mean.is_nan());
    }

    #[test]
    fn windows_cover_the_horizon_and_the_last_may_be_short() {
        assert_eq!(window_count(100.0, 10.0), 10);
        assert_eq!(
            window_count(1.0, 0.1),
            10,
            "0.1 does not divide 1 exactly in binary"
        );
        assert_eq!(window_count(25.0, 10.0), 3);
        assert_eq!(window_bounds(25.0, 10.0, 2), (20.0, 25.0));
        assert_eq!(window_count(5.0, 10.0), 1);
        assert_eq!(window_bounds(5.0, 10.0, 0), (0.0, 5.0));
        assert_eq!(window_bounds(1.0, 0.1, 9).1, 1.0);
    }

    #[test]
    fn areas_split_exactly_at_boundaries() {
        // One message in [1, 13), served [2, 13), horizon 20, windows of 5: L is 4/5, 5/5,
        // 3/5, 0 and the message (arrived in window 0) counts there with T = 12, Wq = 1.
        let h = Horizon {
            end: 20.0,
            window: Some(5.0),
        };
        let mut t = Tally::new(1e-3, false);
        let mut w = WindowRecorder::new(h, 1e-3, &[2]).unwrap();
        t.reset(0.0);
        for (now, f) in [(1.0, 0), (2.0, 1), (13.0, 2)] {
            w.mark(now, &t);
            match f {
                0 => t.enter(now),
                1 => t.start_service(now),
                _ => {
                    t.end_service(now);
                    t.leave(now, 12.0, 1.0);
                    w.leave(now, 12.0, 1.0, true);
                }
            }
        }
        w.set_on_duty(0, 1, 12.0);
        w.mark(20.0, &t);
        assert_eq!(w.next_boundary(), f64::INFINITY);
        let e = w.finish();
        let l: Vec<f64> = e.iter().map(|e| e.get(Metric::L)).collect();
        assert_eq!(l, [0.8, 1.0, 0.6, 0.0]);
        assert!((e[0].get(Metric::Lq) - 0.2).abs() < 1e-12);
        assert_eq!(e[0].get(Metric::T), 12.0);
        assert_eq!(e[0].get(Metric::Wq), 1.0);
        assert_eq!(e[0].get(Metric::PWait), 1.0);
        assert!(e[1].get(Metric::T).is_nan(), "nobody arrived in window 1");
        assert_eq!(e[2].get(Metric::Throughput), 0.2);
        assert_eq!((e[0].arrived, e[0].completed, e[2].completions), (1, 1, 1));
        // Two consumers until 12, then one: window [10, 15) averages 1.4 on duty.
        assert_eq!(e[2].on_duty, 1.4);
        assert_eq!(e[1].get(Metric::Utilization), 0.5);
        assert_eq!(
            (e[0].totals.done, e[0].totals.waited, e[0].totals.sum_t),
            (1, 1, 12.0)
        );
        assert!((e[2].get(Metric::Utilization) - 0.6 / 1.4).abs() < 1e-12);
    }
}
