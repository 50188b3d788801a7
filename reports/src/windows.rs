//! A time-bounded run's windows (`[run] horizon` and `window`): the JSON `"windows"` array,
//! the table's summary (worst window, worst abandonment, peak backlog, time to drain) and
//! the tidy CSV.
//!
//! Each window's metrics have the shape of the top-level `"metrics"`; `theory` is the
//! time-varying model's value for the window where one applies
//! ([`kendall_sim::theory::windows`] computes them; this module only renders), null
//! elsewhere.

use std::fmt::Write;

use kendall_sim::stats::Metric;

use crate::charts::{Ci, Marks, WindowChart};
use kendall_sim::theory::windows::{WindowTheory, WindowValue, WindowsTheory};
use kendall_sim::windows::WindowSummary;
use kendall_sim::{ExperimentResult, Scenario, Summary};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The factor over the run's time-average L below which a window counts as drained after
/// the peak ([`WindowsReport::drain`]).
pub const DRAINED_WITHIN: f64 = 1.1;

/// The windows of one `kendall run`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowsReport {
    /// `[run] horizon`.
    pub horizon: f64,
    /// `[run] window`.
    pub width: f64,
    /// Every window, in time order.
    pub windows: Vec<WindowSummary>,
    /// Some queue has a `patience`: `p_abandon` is shown (as in the run's own metrics).
    pub abandonment: bool,
    /// A producer has a `timeout`: `goodput`, `amplification` and `wasted` are shown.
    pub clients: bool,
    /// A queue has `cost_per_consumer_hour`: `consumer_time` and `cost` are shown.
    pub priced: bool,
    /// Theory per window, aligned with `windows` (empty where no model applies).
    pub theory: Vec<WindowTheory>,
    /// Which model gives the theory per window and how exact, or why none (None when no
    /// theory was asked for).
    pub theory_summary: Option<String>,
    /// The first autoscaled queue's decisions in replication 0, marked on the charts.
    pub scaling: Option<crate::autoscale::Scaling>,
    /// Where senders time out and retry: the fluid model's goodput per window (None where
    /// it has none), drawn beside the simulated goodput.
    pub fluid_goodput: Option<Vec<Option<f64>>>,
}

/// The busiest stretch of a run, from its windows: the peak backlog and when it drained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drain {
    /// Index of the window with the highest mean L.
    pub peak: usize,
    /// The run's time-average L (over the whole horizon), the baseline.
    pub baseline: f64,
    /// The first window after the peak whose mean L is at most [`DRAINED_WITHIN`] × the
    /// baseline, if one is.
    pub drained: Option<usize>,
}

impl WindowsReport {
    /// The windows of `result`, if `scenario` asked for them.
    pub fn new(scenario: &Scenario, result: &ExperimentResult) -> Option<Self> {
        let h = scenario.run.horizon?;
        Some(WindowsReport {
            horizon: h.end,
            width: h.window?,
            windows: result.windows.clone(),
            abandonment: scenario.queues.iter().any(|q| q.patience.is_some()),
            clients: scenario.producers.iter().any(|p| p.client.is_some()),
            priced: scenario.queues.iter().any(|q| q.cost_per_hour.is_some()),
            theory: Vec::new(),
            theory_summary: None,
            scaling: crate::autoscale::Scaling::of(scenario, result),
            fluid_goodput: fluid_goodput(scenario, &result.windows),
        })
    }

    /// The same windows with `theory`'s values beside them (kept only if it has one entry
    /// per window).
    pub fn with_theory(mut self, theory: Option<&WindowsTheory>) -> Self {
        if let Some(t) = theory {
            if t.windows.len() == self.windows.len() {
                self.theory = t.windows.clone();
            }
            self.theory_summary = Some(t.summary.clone());
        }
        self
    }

    /// Window `k`'s theory of metric `m`, if there is one.
    pub fn theory_of(&self, k: usize, m: Metric) -> Option<&WindowValue> {
        self.theory.get(k).and_then(|w| w.get(m))
    }

    /// The window with the highest mean of `m` (windows where it is undefined skipped).
    pub fn highest(&self, m: Metric) -> Option<usize> {
        (0..self.windows.len())
            .filter(|&k| self.windows[k].get(m).mean.is_finite())
            .max_by(|&a, &b| {
                let (x, y) = (self.windows[a].get(m).mean, self.windows[b].get(m).mean);
                // The earliest of equal windows.
                x.total_cmp(&y).then(b.cmp(&a))
            })
    }

    /// The peak backlog and the drain after it, against the run's time-average L
    /// `baseline`: the first window after the peak whose mean L is at most
    /// [`DRAINED_WITHIN`] × `baseline` is the one the backlog has drained by.
    pub fn drain(&self, baseline: f64) -> Option<Drain> {
        let peak = self.highest(Metric::L)?;
        let drained = (peak + 1..self.windows.len())
            .find(|&k| self.windows[k].get(Metric::L).mean <= DRAINED_WITHIN * baseline);
        Some(Drain {
            peak,
            baseline,
            drained,
        })
    }

    /// The table's summary lines, times in `unit`, with the run's time-average L.
    pub fn summary(&self, baseline: f64, unit: &str) -> String {
        let mut out = String::new();
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let _ = writeln!(
            out,
            "windows: {} of {}{unit} over horizon {}{unit} (per window: --json or --windows-csv)",
            self.windows.len(),
            self.width,
            self.horizon
        );
        if let Some(t) = &self.theory_summary {
            let _ = writeln!(out, "  theory per window: {t}");
        }
        let span = |k: usize| format!("[{}, {})", self.windows[k].start, self.windows[k].end);
        // Mean ± half-width, or where that would pass the metric's range, the clipped ends.
        let clipped = std::cell::Cell::new(false);
        let est = |s: Summary| {
            if s.clipped() {
                clipped.set(true);
                let bracket = crate::interval::bracket(&s, |x| format!("{x:.4}"));
                format!("{:.4} {bracket}", s.mean)
            } else {
                format!("{:.4} +/- {:.4}", s.mean, s.half_width)
            }
        };
        match self.highest(Metric::T) {
            Some(k) => {
                let _ = writeln!(
                    out,
                    "  worst window (highest mean T): {} arrivals, T = {}{}",
                    span(k),
                    est(self.windows[k].get(Metric::T)),
                    self.theory_note(k, Metric::T)
                );
            }
            None => out.push_str("  worst window: none (no window has a T)\n"),
        }
        if self.abandonment
            && let Some(k) = self.highest(Metric::PAbandon)
        {
            let _ = writeln!(
                out,
                "  worst abandonment: p_abandon = {} of the arrivals in {}{}",
                est(self.windows[k].get(Metric::PAbandon)),
                span(k),
                self.theory_note(k, Metric::PAbandon)
            );
        }
        if let Some(d) = self.drain(baseline) {
            let _ = writeln!(
                out,
                "  peak backlog: L = {} in {}{}",
                est(self.windows[d.peak].get(Metric::L)),
                span(d.peak),
                self.theory_note(d.peak, Metric::L)
            );
            let _ = match d.drained {
                Some(k) => writeln!(
                    out,
                    "  drained after {}{unit}: mean L <= {DRAINED_WITHIN} x the run's L ({:.4}) \
                     again in {}",
                    self.windows[k].end - self.windows[d.peak].end,
                    d.baseline,
                    span(k)
                ),
                None => writeln!(
                    out,
                    "  not drained by the horizon: no window after the peak has mean L <= \
                     {DRAINED_WITHIN} x the run's L ({:.4})",
                    d.baseline
                ),
            };
        }
        crate::interval::note(&mut out, "  ", clipped.get());
        out
    }

    /// ", theory X (kind)" for window `k`'s metric `m`, or nothing.
    fn theory_note(&self, k: usize, m: Metric) -> String {
        self.theory_of(k, m).map_or_else(String::new, |v| {
            format!(" (theory {:.4}, {})", v.value, v.exactness.label())
        })
    }

    /// The JSON array: per window its start, end, counts and metrics.
    pub fn to_json(&self) -> Vec<WindowJson<'_>> {
        let shown = (self.abandonment, self.clients, self.priced);
        self.windows
            .iter()
            .enumerate()
            .map(|(k, w)| WindowJson::of(w, self.theory.get(k), shown))
            .collect()
    }

    /// The tidy CSV: one row per window and metric — window, start, end, metric, mean,
    /// ci_low, ci_high, theory — then the counts (mean per replication, no interval).
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "window", "start", "end", "metric", "mean", "ci_low", "ci_high", "theory",
        ])?;
        for (k, win) in self.windows.iter().enumerate() {
            let head = [k.to_string(), number(win.start), number(win.end)];
            for (name, m, s) in metric_summaries(win, (self.abandonment, self.clients, self.priced))
            {
                let (lo, hi) = s.ci();
                let theory = m
                    .and_then(|m| self.theory_of(k, m))
                    .map_or_else(String::new, |v| number(v.value));
                let mut rec = head.to_vec();
                rec.extend([
                    name.to_string(),
                    number(s.mean),
                    number(lo),
                    number(hi),
                    theory,
                ]);
                w.write_record(&rec)?;
            }
            for (name, mean) in counts(win) {
                let mut rec = head.to_vec();
                rec.extend([
                    name.to_string(),
                    number(mean),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                w.write_record(&rec)?;
            }
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }
}

/// The y axes of the goodput and throughput charts drawn where senders retry.
const GOODPUT: &str = "goodput: originals answered within their timeout per {u}";
const THROUGHPUT: &str = "throughput: copies processed per {u}";

/// The fluid model's goodput averaged over each of `windows` (None where the scenario has
/// no fluid model, or a window no grid point falls in).
fn fluid_goodput(scenario: &Scenario, windows: &[WindowSummary]) -> Option<Vec<Option<f64>>> {
    let fluid = kendall_sim::theory::retry_storm::storm_fluid(scenario).ok()?;
    let p = &fluid.path;
    Some(
        windows
            .iter()
            .map(|w| {
                let (mut sum, mut n) = (0.0, 0u32);
                for (&t, &g) in p.times.iter().zip(&p.goodput) {
                    if t >= w.start && t < w.end {
                        sum += g;
                        n += 1;
                    }
                }
                (n > 0).then(|| sum / f64::from(n))
            })
            .collect(),
    )
}

/// The y axis of the backlog chart drawn for an autoscaled queue.
const BACKLOG: &str = "time-average number waiting Lq (messages)";

/// The metrics charted against time for a run in windows, with their y-axis descriptions
/// (`{u}` the time unit); p_abandon only where a queue has a patience.
const CHARTED: [(Metric, &str); 6] = [
    (Metric::T, "mean sojourn T of the window's arrivals ({u})"),
    (Metric::Wq, "mean wait Wq of the window's arrivals ({u})"),
    (Metric::L, "time-average number in system L (messages)"),
    (Metric::TP99, "99th percentile of T ({u})"),
    (Metric::Utilization, "utilisation (busy / on duty)"),
    (
        Metric::PAbandon,
        "fraction of the window's arrivals that abandon",
    ),
];

impl WindowsReport {
    /// One chart per headline metric against time (T, Wq, L, T_p99, utilisation, p_abandon
    /// where a queue has a patience, consumers on duty), each with its file name
    /// (`windows-<metric>`), for `kendall run --plot` and `kendall report`.
    pub fn charts(&self, scenario: &str, time_unit: &str) -> Vec<(String, WindowChart)> {
        let mut out = Vec::new();
        for (m, desc) in CHARTED {
            if m == Metric::PAbandon && !self.abandonment {
                continue;
            }
            out.push((
                format!("windows-{}", m.name()),
                self.metric_chart(scenario, time_unit, m, desc),
            ));
        }
        if self.clients {
            // Goodput against throughput, with the fluid model's goodput where it has one.
            for (m, desc) in [(Metric::Goodput, GOODPUT), (Metric::Throughput, THROUGHPUT)] {
                let mut chart = self.metric_chart(scenario, time_unit, m, desc);
                if let (Metric::Goodput, Some(fluid)) = (m, &self.fluid_goodput) {
                    chart.theory = fluid.clone();
                    chart.theory_label = Some("fluid model of retries (approximation)".into());
                }
                out.push((format!("windows-{}", m.name()), chart));
            }
        }
        if let Some(s) = &self.scaling {
            // The backlog against time; what the autoscaler read is marked on it, or on the
            // utilisation chart for a utilisation metric.
            out.push((
                "windows-Lq".to_string(),
                self.metric_chart(scenario, time_unit, Metric::Lq, BACKLOG),
            ));
            let (m, marks) = s.reading_marks();
            let name = format!("windows-{}", m.name());
            if let Some((_, chart)) = out.iter_mut().find(|(n, _)| *n == name) {
                chart.marks = marks;
            }
        }
        out.push((
            "windows-on_duty".to_string(),
            WindowChart {
                title: format!("{scenario}: consumers on duty by window"),
                time_unit: time_unit.to_string(),
                y_desc: "consumers on duty (time average)".to_string(),
                windows: self
                    .windows
                    .iter()
                    .map(|w| (w.start, w.end, Ci::from(w.on_duty)))
                    .collect(),
                theory: vec![None; self.windows.len()],
                theory_label: None,
                marks: self
                    .scaling
                    .as_ref()
                    .map(|s| s.fleet_marks())
                    .unwrap_or_default(),
            },
        ));
        out
    }

    /// Metric `m` against time, window by window, with its 95% band and theory's line;
    /// `desc` describes the y axis (`{u}` the time unit).
    fn metric_chart(&self, scenario: &str, time_unit: &str, m: Metric, desc: &str) -> WindowChart {
        let u = if time_unit.is_empty() {
            "time units"
        } else {
            time_unit
        };
        let theory: Vec<Option<f64>> = (0..self.windows.len())
            .map(|k| self.theory_of(k, m).map(|v| v.value))
            .collect();
        let theory_label = (0..self.windows.len())
            .find_map(|k| self.theory_of(k, m))
            .map(|v| format!("{} ({})", v.model, v.exactness.label()));
        WindowChart {
            title: format!("{scenario}: {} by window", m.name()),
            time_unit: time_unit.to_string(),
            y_desc: desc.replace("{u}", u),
            windows: (self.windows.iter())
                .map(|w| (w.start, w.end, Ci::from(w.get(m))))
                .collect(),
            theory,
            theory_label,
            marks: Marks::default(),
        }
    }

    /// Writes [`WindowsReport::charts`] to `dir` as SVG and PNG; returns the names written.
    pub fn write_charts(
        &self,
        dir: &std::path::Path,
        scenario: &str,
        time_unit: &str,
    ) -> Result<Vec<String>, crate::charts::ChartError> {
        let charts = self.charts(scenario, time_unit);
        for (name, chart) in &charts {
            crate::charts::write_chart(chart, dir, name)?;
        }
        Ok(charts.into_iter().map(|(n, _)| n).collect())
    }
}

/// Every metric of a window by name (with the metric), in [`Metric::ALL`] order
/// (`p_abandon` only where `abandonment`, the client metrics only where `clients`), then the
/// consumers on duty and their consumer time (and where `priced`, its cost).
fn metric_summaries(
    w: &WindowSummary,
    (abandonment, clients, priced): (bool, bool, bool),
) -> impl Iterator<Item = (&'static str, Option<Metric>, Summary)> + '_ {
    let cost = [("consumer_time", w.consumer_time), ("cost", w.cost)];
    Metric::ALL
        .iter()
        .filter(move |&&m| abandonment || m != Metric::PAbandon)
        .filter(move |&&m| clients || !m.of_clients())
        .map(|&m| (m.name(), Some(m), w.get(m)))
        .chain(std::iter::once(("on_duty", None, w.on_duty)))
        .chain(
            cost.into_iter()
                .filter(move |&(name, _)| priced || name == "consumer_time")
                .map(|(name, s)| (name, None, s)),
        )
}

/// A window's counts by name, mean per replication.
fn counts(w: &WindowSummary) -> [(&'static str, f64); 3] {
    [
        ("arrived", w.arrived),
        ("completed", w.completed),
        ("completions", w.completions),
    ]
}

/// A float as CSV text: shortest round-trip form, empty for NaN (as `sweep --csv`).
fn number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// One window in the JSON document.
#[derive(Serialize)]
pub struct WindowJson<'a> {
    start: f64,
    end: f64,
    /// Mean per replication.
    counts: WindowCounts,
    metrics: WindowMetrics<'a>,
}

impl<'a> WindowJson<'a> {
    fn of(
        w: &'a WindowSummary,
        theory: Option<&'a WindowTheory>,
        shown: (bool, bool, bool),
    ) -> Self {
        WindowJson {
            start: w.start,
            end: w.end,
            counts: WindowCounts {
                arrived: w.arrived,
                completed: w.completed,
                completions: w.completions,
            },
            metrics: WindowMetrics(w, theory, shown),
        }
    }
}

/// Messages per window, mean per replication.
#[derive(Serialize)]
struct WindowCounts {
    /// Entered the system in the window.
    arrived: f64,
    /// Of those, processed by the horizon (T and Wq are theirs).
    completed: f64,
    /// Processed in the window, whenever they arrived.
    completions: f64,
}

/// A window's metrics by name, in [`Metric::ALL`] order then `on_duty` (with `p_abandon`
/// and the client metrics when their flags are set), each with the window's theory where
/// there is one.
struct WindowMetrics<'a>(
    &'a WindowSummary,
    Option<&'a WindowTheory>,
    (bool, bool, bool),
);

impl Serialize for WindowMetrics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, m, s) in metric_summaries(self.0, self.2) {
            let theory = m.and_then(|m| self.1.and_then(|t| t.get(m)));
            map.serialize_entry(name, &WindowMetric::of(s, theory))?;
        }
        map.end()
    }
}

/// One metric of one window: the top-level `"metrics"` entry's shape.
#[derive(Serialize)]
pub struct WindowMetric {
    /// Mean over the replications that could estimate it.
    pub mean: f64,
    /// 95% Student-t interval, clipped to the metric's range.
    pub ci95: [f64; 2],
    /// Only when true: `ci95` was clipped to the metric's range.
    #[serde(skip_serializing_if = "crate::interval::is_false")]
    pub clipped: bool,
    /// A time-varying model's value for the window (null where none applies).
    pub theory: Option<f64>,
    /// "exact" or "approximation", with `theory`.
    pub theory_kind: Option<&'static str>,
    /// The model, with `theory`.
    pub model: Option<String>,
    /// Whether `theory` lies in the interval, with `theory`.
    pub theory_in_ci: Option<bool>,
    /// As the top-level key (the rule of three); null for windows.
    pub expected_waits: Option<f64>,
}

impl WindowMetric {
    fn of(s: Summary, theory: Option<&WindowValue>) -> Self {
        let (lo, hi) = s.ci();
        WindowMetric {
            mean: s.mean,
            ci95: [lo, hi],
            clipped: s.clipped(),
            theory: theory.map(|t| t.value),
            theory_kind: theory.map(|t| t.exactness.label()),
            model: theory.map(|t| t.model.to_string()),
            theory_in_ci: theory
                .filter(|_| lo.is_finite() && hi.is_finite())
                .map(|t| lo <= t.value && t.value <= hi),
            expected_waits: None,
        }
    }
}

/// The warning every run to a horizon carries: its figures are averages over a start from
/// empty, not a steady state.
pub fn transient_warning(horizon: f64, unit: &str) -> String {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    format!(
        "a run to a horizon: each replication starts empty at time 0 and its figures average \
         over [0, {horizon}){unit}, start included, not over a steady state; steady-state \
         theory agrees only once the start is a small part of the horizon"
    )
}
