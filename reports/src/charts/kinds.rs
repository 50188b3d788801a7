//! The chart types: their data and how each draws itself.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::layout::{Drawn, legend_clear_of, titled};
use super::{
    Chart, ChartError, Ci, Panel, colour, err, legend, padded, sim_points, styled, theory_line,
    unit, xy,
};

/// One simulated load level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadPoint {
    /// Offered load per consumer ρ.
    pub rho: f64,
    /// Mean sojourn time.
    pub t: Ci,
    /// Mean number in system.
    pub l: Ci,
}

/// Theory at one load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheoryLoadPoint {
    /// Offered load per consumer ρ.
    pub rho: f64,
    /// Mean sojourn time.
    pub t: f64,
    /// Mean number in system.
    pub l: f64,
}

/// (a) T and L against offered load ρ: theory as a curve, simulation as points with CIs.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadCurve {
    /// Title (the scenario).
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// Theory's name for the legend (e.g. "M/M/c (exact)").
    pub model: String,
    /// Theory curve (may be empty).
    pub theory: Vec<TheoryLoadPoint>,
    /// Simulated levels.
    pub sim: Vec<LoadPoint>,
}

impl Chart for LoadCurve {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let root = titled(root, &self.title)?;
        let (left, right) = root.split_horizontally(SIZE_HALF);
        let rhos = self
            .theory
            .iter()
            .map(|p| p.rho)
            .chain(self.sim.iter().map(|p| p.rho));
        let x = padded(rhos.clone(), false);
        let u = unit(&self.time_unit);
        for (area, is_t) in [(&left, true), (&right, false)] {
            let pick = |p: &LoadPoint| if is_t { p.t } else { p.l };
            let pick_th = |p: &TheoryLoadPoint| if is_t { p.t } else { p.l };
            let ys = self
                .theory
                .iter()
                .map(pick_th)
                .chain(self.sim.iter().flat_map(|p| [pick(p).lo, pick(p).hi]));
            let y_desc = if is_t {
                format!("mean sojourn time T ({u})")
            } else {
                "mean number in system L (messages)".to_string()
            };
            let title = if is_t {
                "T against load"
            } else {
                "L against load"
            };
            let mut chart = xy(
                area,
                &Panel {
                    title,
                    x_desc: "offered load per consumer ρ",
                    y_desc: &y_desc,
                    x: x.clone(),
                    y: padded(ys, true),
                },
            )?;
            let line: Vec<(f64, f64)> = self.theory.iter().map(|p| (p.rho, pick_th(p))).collect();
            let theory_label = format!("theory: {}", self.model);
            theory_line(&mut chart, line.clone(), &theory_label, colour(0))?;
            let sim: Vec<(f64, Ci)> = self.sim.iter().map(|p| (p.rho, pick(p))).collect();
            sim_points(&mut chart, &sim, "simulation (95% CI)", colour(1))?;
            let mut drawn = Drawn::default();
            drawn.lines.push(line);
            for &(x, ci) in &sim {
                drawn.interval(x, ci);
            }
            let labels = [theory_label, "simulation (95% CI)".to_string()];
            let shown = if self.theory.is_empty() {
                &labels[1..]
            } else {
                &labels[..]
            };
            legend_clear_of(&mut chart, &drawn, shown)?;
        }
        Ok(())
    }
}

const SIZE_HALF: u32 = super::SIZE.0 / 2;

/// (b) The sojourn-time distribution: theory's CDF where the model has quantiles, simulated
/// percentiles with CIs, and p50/p90/p99 marked.
#[derive(Debug, Clone, PartialEq)]
pub struct SojournCdf {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// Theory's CDF as (t, P(T ≤ t)) points (may be empty).
    pub theory: Vec<(f64, f64)>,
    /// Theory's percentiles to mark, as (probability, t).
    pub theory_marks: Vec<(f64, f64)>,
    /// Simulated percentiles as (probability, t with CI).
    pub sim: Vec<(f64, Ci)>,
}

impl Chart for SojournCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let u = unit(&self.time_unit);
        let xs = self
            .theory
            .iter()
            .map(|p| p.0)
            .chain(self.sim.iter().flat_map(|(_, c)| [c.lo, c.hi]))
            .chain(self.theory_marks.iter().map(|m| m.1));
        let x_desc = format!("sojourn time T ({u})");
        let mut chart = xy(
            root,
            &Panel {
                title: &self.title,
                x_desc: &x_desc,
                y_desc: "P(T ≤ t)",
                x: padded(xs, true),
                y: 0.0..1.02,
            },
        )?;
        theory_line(&mut chart, self.theory.clone(), "theory CDF", colour(0))?;
        let mut drawn = Drawn::default();
        drawn.lines.push(self.theory.clone());
        // Marks: theory's percentiles where known, else the simulated ones.
        let marks: Vec<(f64, f64)> = if self.theory_marks.is_empty() {
            self.sim.iter().map(|(p, c)| (*p, c.mean)).collect()
        } else {
            self.theory_marks.clone()
        };
        let grey = RGBColor(90, 90, 90);
        for (p, t) in marks.iter().filter(|(p, t)| *p <= 0.99 && t.is_finite()) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*t, 0.0), (*t, *p)],
                    grey.stroke_width(1),
                )))
                .map_err(err)?;
            let name = match (*p * 1000.0).round() as i64 {
                500 => "p50".to_string(),
                900 => "p90".to_string(),
                990 => "p99".to_string(),
                q => format!("p{}", q as f64 / 10.0),
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{name} = {t:.3}"),
                    (*t, *p - 0.06),
                    ("sans-serif", 13).into_font().color(&grey),
                )))
                .map_err(err)?;
        }
        // Simulated percentiles: horizontal bars (the CI is on t).
        let c = colour(1);
        let pts: Vec<&(f64, Ci)> = self.sim.iter().filter(|(_, ci)| ci.is_finite()).collect();
        chart
            .draw_series(
                pts.iter()
                    .flat_map(|(p, ci)| super::error_bar_h(*p, ci.lo, ci.hi, 0.012, c)),
            )
            .map_err(err)?;
        chart
            .draw_series(
                pts.iter()
                    .map(|(p, ci)| Circle::new((ci.mean, *p), 4, c.filled())),
            )
            .map_err(err)?
            .label("simulated percentiles (95% CI)")
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
        for (p, ci) in &pts {
            drawn
                .points
                .extend([(ci.lo, *p), (ci.mean, *p), (ci.hi, *p)]);
            drawn.lines.push(vec![(ci.lo, *p), (ci.hi, *p)]);
        }
        for (p, t) in marks.iter().filter(|(p, t)| *p <= 0.99 && t.is_finite()) {
            drawn.lines.push(vec![(*t, 0.0), (*t, *p)]);
        }
        let mut labels = vec!["simulated percentiles (95% CI)".to_string()];
        if !self.theory.is_empty() {
            labels.insert(0, "theory CDF".to_string());
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}

/// (c) The number in system L(t) over one replication, the warm-up cut marked.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupancyTrace {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// (time, time-averaged number in system over the sample's interval).
    pub points: Vec<(f64, f64)>,
    /// When the warm-up ended.
    pub warmup_end: Option<f64>,
    /// Theory's mean L, drawn as a horizontal line.
    pub theory_l: Option<f64>,
}

impl Chart for OccupancyTrace {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let u = unit(&self.time_unit);
        let x = padded(self.points.iter().map(|p| p.0), true);
        let y = padded(self.points.iter().map(|p| p.1).chain(self.theory_l), true);
        // A trace fills the plot's width: room at the top for the legend.
        let y = y.start..(y.end + 0.3 * (y.end - y.start));
        let x_desc = format!("simulated time ({u})");
        let mut chart = xy(
            root,
            &Panel {
                title: &self.title,
                x_desc: &x_desc,
                y_desc: "number in system L(t) (messages)",
                x: x.clone(),
                y: y.clone(),
            },
        )?;
        let c = colour(1);
        let mut drawn = Drawn::default();
        let mut labels = vec!["simulated L(t), one replication".to_string()];
        drawn.lines.push(self.points.clone());
        chart
            .draw_series(LineSeries::new(self.points.clone(), c.stroke_width(1)))
            .map_err(err)?
            .label("simulated L(t), one replication")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        if let Some(l) = self.theory_l.filter(|l| l.is_finite()) {
            theory_line(
                &mut chart,
                vec![(x.start, l), (x.end, l)],
                "theory: mean L",
                colour(0),
            )?;
            drawn.lines.push(vec![(x.start, l), (x.end, l)]);
            labels.push("theory: mean L".to_string());
        }
        if let Some(w) = self.warmup_end.filter(|w| w.is_finite()) {
            let g = RGBColor(60, 60, 60);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(w, y.start), (w, y.end)],
                    6,
                    4,
                    g.stroke_width(2),
                ))
                .map_err(err)?
                .label("end of warm-up (discarded before)")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], g.stroke_width(2))
                });
            drawn.lines.push(vec![(w, y.start), (w, y.end)]);
            labels.push("end of warm-up (discarded before)".to_string());
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}

/// One dispatch strategy's result.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyPoint {
    /// Strategy name.
    pub name: String,
    /// Mean sojourn time.
    pub t: Ci,
    /// 99th percentile of the sojourn time.
    pub p99: Ci,
    /// Theory's mean T, where a model applies.
    pub theory_t: Option<f64>,
    /// Theory's p99(T), where the model gives percentiles (M/M/c, c×M/M/1).
    pub theory_p99: Option<f64>,
}

/// (d) T and p99(T) per dispatch strategy, with CIs.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchComparison {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// One entry per strategy.
    pub strategies: Vec<StrategyPoint>,
}

impl Chart for DispatchComparison {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let root = titled(root, &self.title)?;
        let (left, right) = root.split_horizontally(SIZE_HALF);
        let u = unit(&self.time_unit);
        let n = self.strategies.len();
        let names: Vec<String> = self.strategies.iter().map(|s| s.name.clone()).collect();
        for (area, is_p99) in [(&left, false), (&right, true)] {
            let pick = |s: &StrategyPoint| if is_p99 { s.p99 } else { s.t };
            let pick_th = |s: &StrategyPoint| if is_p99 { s.theory_p99 } else { s.theory_t };
            let ys = self
                .strategies
                .iter()
                .flat_map(|s| [pick(s).lo, pick(s).hi])
                .chain(self.strategies.iter().filter_map(pick_th));
            let y_desc = if is_p99 {
                format!("99th percentile of T ({u})")
            } else {
                format!("mean sojourn time T ({u})")
            };
            let title = if is_p99 {
                "p99(T) per strategy"
            } else {
                "T per strategy"
            };
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 22).into_font())
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(72)
                .build_cartesian_2d(-0.5..(n as f64 - 0.5), padded(ys, true))
                .map_err(err)?;
            let fmt = |x: &f64| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .x_desc("dispatch strategy")
                .y_desc(&y_desc)
                .x_labels(n.max(1) * 2 + 1)
                .x_label_formatter(&fmt)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .disable_x_mesh()
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.08))
                .draw()
                .map_err(err)?;
            let mut drawn = Drawn::default();
            let mut labels = Vec::new();
            // Theory's mark on every panel where a model gives the figure.
            let marks: Vec<Vec<(f64, f64)>> = (self.strategies.iter().enumerate())
                .filter_map(|(i, s)| {
                    pick_th(s).map(|t| vec![(i as f64 - 0.3, t), (i as f64 + 0.3, t)])
                })
                .collect();
            if !marks.is_empty() {
                let c = colour(0);
                chart
                    .draw_series(
                        (marks.iter()).map(|m| PathElement::new(m.clone(), c.stroke_width(2))),
                    )
                    .map_err(err)?
                    .label("theory")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                    });
                labels.push("theory".to_string());
                drawn.lines.extend(marks);
            }
            let pts: Vec<(f64, Ci)> = self
                .strategies
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64, pick(s)))
                .collect();
            sim_points(&mut chart, &pts, "simulation (95% CI)", colour(1))?;
            labels.push("simulation (95% CI)".to_string());
            for &(x, ci) in &pts {
                drawn.interval(x, ci);
            }
            legend_clear_of(&mut chart, &drawn, &labels)?;
        }
        Ok(())
    }
}

/// One strategy's T against load.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySeries {
    /// Strategy name.
    pub name: String,
    /// (ρ, simulated T).
    pub sim: Vec<(f64, Ci)>,
    /// (ρ, theory T), may be empty.
    pub theory: Vec<(f64, f64)>,
}

/// (d') T against load, one series per dispatch strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadByStrategy {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// One series per strategy.
    pub series: Vec<StrategySeries>,
}

impl Chart for LoadByStrategy {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let u = unit(&self.time_unit);
        let xs = self.series.iter().flat_map(|s| {
            s.sim
                .iter()
                .map(|p| p.0)
                .chain(s.theory.iter().map(|p| p.0))
        });
        let ys = self.series.iter().flat_map(|s| {
            s.sim
                .iter()
                .flat_map(|p| [p.1.lo, p.1.hi])
                .chain(s.theory.iter().map(|p| p.1))
        });
        let y_desc = format!("mean sojourn time T ({u})");
        let mut chart = xy(
            root,
            &Panel {
                title: &self.title,
                x_desc: "offered load per consumer ρ",
                y_desc: &y_desc,
                x: padded(xs, false),
                y: padded(ys, true),
            },
        )?;
        let mut drawn = Drawn::default();
        let mut labels = Vec::new();
        for (i, s) in self.series.iter().enumerate() {
            let c = colour(i);
            let theory_label = format!("{} theory", s.name);
            theory_line(&mut chart, s.theory.clone(), &theory_label, c)?;
            if s.theory.iter().any(|(x, y)| x.is_finite() && y.is_finite()) {
                labels.push(theory_label);
            }
            sim_points(&mut chart, &s.sim, &s.name, c)?;
            labels.push(s.name.clone());
            let line: Vec<(f64, f64)> = s.sim.iter().map(|(x, ci)| (*x, ci.mean)).collect();
            drawn.lines.push(s.theory.clone());
            drawn.lines.push(line.clone());
            for &(x, ci) in &s.sim {
                drawn.interval(x, ci);
            }
            chart
                .draw_series(LineSeries::new(line, c.mix(0.5).stroke_width(1)))
                .map_err(err)?;
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}

/// One line of the capacity curve.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitySeries {
    /// Legend label (the target, and "theory" or "simulation").
    pub label: String,
    /// (load, consumers needed).
    pub points: Vec<(f64, u32)>,
    /// Drawn as a theory line (true) or simulated points (false).
    pub theory: bool,
}

/// (e) Consumers needed against load, one line per target.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityCurve {
    /// Title.
    pub title: String,
    /// Time unit label (load is messages per time unit).
    pub time_unit: String,
    /// Lines.
    pub series: Vec<CapacitySeries>,
}

impl Chart for CapacityCurve {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let u = unit(&self.time_unit);
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| f64::from(p.1)));
        let x_desc = format!("load: total arrival rate (messages per {u})");
        let mut chart = xy(
            root,
            &Panel {
                title: &self.title,
                x_desc: &x_desc,
                y_desc: "consumers needed",
                x: padded(xs, false),
                y: padded(ys, true),
            },
        )?;
        let mut drawn = Drawn::default();
        let labels: Vec<String> = self.series.iter().map(|s| s.label.clone()).collect();
        for (i, s) in self.series.iter().enumerate() {
            let c = colour(i);
            let pts: Vec<(f64, f64)> = s.points.iter().map(|&(x, n)| (x, f64::from(n))).collect();
            drawn.points.extend(pts.iter().copied());
            if s.theory {
                // A staircase: the count holds until the next level.
                let mut stair = Vec::new();
                for (k, &(x, y)) in pts.iter().enumerate() {
                    if k > 0 {
                        stair.push((x, pts[k - 1].1));
                    }
                    stair.push((x, y));
                }
                drawn.lines.push(stair.clone());
                theory_line(&mut chart, stair, &s.label, c)?;
            } else {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 5, c.filled())))
                    .map_err(err)?
                    .label(&s.label)
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
            }
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}

/// One fitted family's CDF, for [`FitCdf`].
#[derive(Debug, Clone, PartialEq)]
pub struct FitCurve {
    /// Legend label: the rank, the family and its KS statistic.
    pub label: String,
    /// (x, F(x)) with the fitted parameters, over the chart's x range.
    pub points: Vec<(f64, f64)>,
}

/// (f) `kendall fit --plot`: the empirical CDF of the data against each fitted family's CDF,
/// best fit first (drawn thicker).
#[derive(Debug, Clone, PartialEq)]
pub struct FitCdf {
    /// Title.
    pub title: String,
    /// What the values are (x axis).
    pub x_desc: String,
    /// Log-scaled x axis (the range must then be positive).
    pub log_x: bool,
    /// The x range shown.
    pub x: std::ops::Range<f64>,
    /// Legend label of the data.
    pub empirical_label: String,
    /// The empirical CDF as a step line, within the x range.
    pub empirical: Vec<(f64, f64)>,
    /// One curve per fitted family, best first.
    pub fits: Vec<FitCurve>,
}

/// (g) `kendall fit --plot`: the Q-Q plot of the data against the best fit, with y = x.
#[derive(Debug, Clone, PartialEq)]
pub struct FitQq {
    /// Title.
    pub title: String,
    /// x axis: the fitted family's quantiles.
    pub x_desc: String,
    /// y axis: the data's quantiles.
    pub y_desc: String,
    /// Both axes log-scaled (the points must then be positive).
    pub log: bool,
    /// Legend label of the points.
    pub label: String,
    /// (fitted quantile, empirical quantile) at plotting positions (i − 0.5)/n.
    pub points: Vec<(f64, f64)>,
}

/// Tick labels for fit charts: at most four significant digits, exponents for very large
/// or small values.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if *v == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.0e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        // 4 decimals: enough for ticks at 1e-3 steps; trim what is not needed.
        s.to_string()
    }
}

impl FitCdf {
    fn series<'a, DB, CT>(&self, chart: &mut ChartContext<'a, DB, CT>) -> Result<(), ChartError>
    where
        DB: DrawingBackend + 'a,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        // Fits worst first, so the best is drawn over the rest, and the data over them all;
        // the legend lists the data, then the fits best first.
        let mut styles = Vec::new();
        for (i, f) in self.fits.iter().enumerate().rev() {
            let c = colour(i);
            let w = if i == 0 { 3 } else { 2 };
            let pts: Vec<(f64, f64)> = f
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(w)))
                .map_err(err)?;
            styles.push((i, c, w));
        }
        let black = RGBColor(20, 20, 20);
        chart
            .draw_series(LineSeries::new(
                self.empirical.iter().copied(),
                black.stroke_width(1),
            ))
            .map_err(err)?
            .label(&self.empirical_label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], black.stroke_width(2))
            });
        // Legend entries in rank order (an empty series carries each label).
        for (i, c, w) in styles.into_iter().rev() {
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(err)?
                .label(&self.fits[i].label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(w))
                });
        }
        legend(chart, SeriesLabelPosition::LowerRight)
    }
}

impl Chart for FitCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let x = self.x.clone();
        if self.log_x {
            self.series(&mut styled(
                root,
                (&self.title, &self.x_desc, "P(X ≤ x)"),
                x.log_scale(),
                0.0..1.02,
                Some(&tick),
            )?)
        } else {
            self.series(&mut styled(
                root,
                (&self.title, &self.x_desc, "P(X ≤ x)"),
                x,
                0.0..1.02,
                Some(&tick),
            )?)
        }
    }
}

impl FitQq {
    fn series<'a, DB, CT>(
        &self,
        chart: &mut ChartContext<'a, DB, CT>,
        range: std::ops::Range<f64>,
    ) -> Result<(), ChartError>
    where
        DB: DrawingBackend + 'a,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(LineSeries::new(
                vec![(range.start, range.start), (range.end, range.end)],
                grey.stroke_width(2),
            ))
            .map_err(err)?
            .label("y = x: a perfect fit")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(2))
            });
        let c = colour(0);
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|&p| Circle::new(p, 2, c.mix(0.7).filled())),
            )
            .map_err(err)?
            .label(&self.label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, c.filled()));
        legend(chart, SeriesLabelPosition::UpperLeft)
    }
}

impl Chart for FitQq {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        // One range for both axes, so that y = x is the diagonal.
        let values = self.points.iter().flat_map(|&(x, y)| [x, y]);
        let range = if self.log {
            let (lo, hi) = values
                .filter(|v| *v > 0.0 && v.is_finite())
                .fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
            if lo.is_finite() && hi > lo {
                (lo / 1.2)..(hi * 1.2)
            } else {
                1.0..10.0
            }
        } else {
            padded(values, true)
        };
        let r = range.clone();
        if self.log {
            self.series(
                &mut styled(
                    root,
                    (&self.title, &self.x_desc, &self.y_desc),
                    range.clone().log_scale(),
                    range.log_scale(),
                    Some(&tick),
                )?,
                r,
            )
        } else {
            self.series(
                &mut styled(
                    root,
                    (&self.title, &self.x_desc, &self.y_desc),
                    range.clone(),
                    range,
                    Some(&tick),
                )?,
                r,
            )
        }
    }
}
