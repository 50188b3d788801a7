//! Charts of the report's per-class and per-queue sections: each class's T and p99(T)
//! against load with theory's lines, and each queue's utilisation as bars beside theory's ρ.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Drawn, legend_clear_of, titled};
use super::{Chart, ChartError, Ci, Panel, colour, err, padded, sim_points, unit, xy};

/// One class across the report's load levels.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSeries {
    /// The class's name.
    pub name: String,
    /// Theory's (ρ, T, p99(T)) on a fine grid of loads; p99 NaN where the model has no
    /// quantiles (Cobham's priority model gives means only).
    pub theory: Vec<(f64, f64, f64)>,
    /// Simulated (ρ, T, p99(T)) at the report's load levels.
    pub sim: Vec<(f64, Ci, Ci)>,
}

/// Each class's mean T and p99(T) against the offered load per consumer ρ (of the busiest
/// queue): theory as lines, simulation as points with 95% bars, one colour per class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassLoadCurve {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// One series per class, in scenario order.
    pub classes: Vec<ClassSeries>,
}

impl Chart for ClassLoadCurve {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let root = titled(root, &self.title)?;
        let (left, right) = root.split_horizontally(super::SIZE.0 / 2);
        let u = unit(&self.time_unit);
        let rhos = (self.classes.iter())
            .flat_map(|c| (c.theory.iter().map(|p| p.0)).chain(c.sim.iter().map(|p| p.0)));
        let x = padded(rhos, false);
        for (area, is_p99) in [(&left, false), (&right, true)] {
            let pick = |p: &(f64, Ci, Ci)| if is_p99 { p.2 } else { p.1 };
            let pick_th = |p: &(f64, f64, f64)| if is_p99 { p.2 } else { p.1 };
            // Theory's lines are drawn over the simulated range (a priority class's T rises
            // without bound near saturation): the y axis follows the simulation.
            let ys: Vec<f64> = (self.classes.iter())
                .flat_map(|c| c.sim.iter().flat_map(|p| [pick(p).lo, pick(p).hi]))
                .collect();
            let top = padded(ys.iter().copied(), true).end;
            let y_desc = if is_p99 {
                format!("99th percentile of T ({u})")
            } else {
                format!("mean sojourn time T ({u})")
            };
            let mut chart = xy(
                area,
                &Panel {
                    title: if is_p99 {
                        "p99(T) per class against load"
                    } else {
                        "T per class against load"
                    },
                    x_desc: "offered load per consumer ρ",
                    y_desc: &y_desc,
                    x: x.clone(),
                    y: padded(ys.iter().copied(), true),
                },
            )?;
            let mut drawn = Drawn::default();
            let mut labels = Vec::new();
            let mut any_theory = false;
            for (i, c) in self.classes.iter().enumerate() {
                let line: Vec<(f64, f64)> = (c.theory.iter())
                    .map(|p| (p.0, pick_th(p)))
                    .filter(|p| p.1.is_finite() && p.1 <= top)
                    .collect();
                drawn.lines.push(line.clone());
                any_theory |= !line.is_empty();
                // One legend entry per class (its points); the lines are explained once.
                chart
                    .draw_series(LineSeries::new(line, colour(i).stroke_width(2)))
                    .map_err(err)?;
                let sim: Vec<(f64, Ci)> = c.sim.iter().map(|p| (p.0, pick(p))).collect();
                for &(x, ci) in &sim {
                    drawn.interval(x, ci);
                }
                sim_points(&mut chart, &sim, &c.name, colour(i))?;
                labels.push(c.name.clone());
            }
            if any_theory {
                let grey = RGBColor(90, 90, 90);
                chart
                    .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                    .map_err(err)?
                    .label("lines: theory")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(2))
                    });
                labels.push("lines: theory".to_string());
            }
            legend_clear_of(&mut chart, &drawn, &labels)?;
        }
        Ok(())
    }
}

/// One queue's utilisation: simulated with its interval, and theory's ρ.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueBar {
    /// The queue's name.
    pub name: String,
    /// Simulated utilisation (busy fraction of its consumers).
    pub utilization: Ci,
    /// Theory's utilisation (ρ, less what a bounded queue loses), where a model applies.
    pub theory: Option<f64>,
}

/// Each queue's utilisation as a bar with its 95% interval, theory's value marked, and the
/// bottleneck (the highest) in its own colour.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueUtilization {
    /// Title.
    pub title: String,
    /// One bar per queue, in scenario order.
    pub queues: Vec<QueueBar>,
    /// Index of the bottleneck queue.
    pub bottleneck: usize,
}

impl Chart for QueueUtilization {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let n = self.queues.len();
        let names: Vec<String> = self.queues.iter().map(|q| q.name.clone()).collect();
        let root = titled(root, &self.title)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..1.15)
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
            .x_desc("queue")
            .y_desc("utilisation (busy fraction of consumers)")
            .x_labels(n.max(1) * 2 + 1)
            .x_label_formatter(&fmt)
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 13))
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()
            .map_err(err)?;
        let bar = |i: usize| {
            if i == self.bottleneck {
                colour(1)
            } else {
                colour(0)
            }
        };
        let mut drawn = Drawn::default();
        for (i, q) in self.queues.iter().enumerate() {
            let x = i as f64;
            let u = q.utilization;
            if !u.is_finite() {
                continue;
            }
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.3, 0.0), (x + 0.3, u.mean)],
                    bar(i).mix(0.6).filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(super::error_bar(
                    [(x, u.lo), (x, u.hi)],
                    [(x - 0.08, 0.0), (x + 0.08, 0.0)],
                    BLACK,
                ))
                .map_err(err)?;
            // The bar's whole area and its interval: the legend keeps clear of both.
            for i in 0..=6 {
                let bx = x - 0.3 + 0.1 * f64::from(i);
                drawn.lines.push(vec![(bx, 0.0), (bx, u.mean)]);
                drawn.points.push((bx, u.hi));
            }
        }
        let c = colour(2);
        chart
            .draw_series(self.queues.iter().enumerate().filter_map(|(i, q)| {
                q.theory.map(|t| {
                    let x = i as f64;
                    PathElement::new(vec![(x - 0.38, t), (x + 0.38, t)], c.stroke_width(3))
                })
            }))
            .map_err(err)?
            .label("theory")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
        drawn
            .lines
            .extend((self.queues.iter().enumerate()).filter_map(|(i, q)| {
                q.theory
                    .map(|t| vec![(i as f64 - 0.38, t), (i as f64 + 0.38, t)])
            }));
        let labels = ["theory", "simulated (95% CI)", "bottleneck"].map(String::from);
        for (label, i) in [(&labels[1], usize::MAX), (&labels[2], self.bottleneck)] {
            let c = bar(i);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], c.mix(0.6).filled())
                });
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}
