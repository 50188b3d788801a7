//! A metric of a run to a horizon against time, window by window: the simulated mean as a
//! line, its 95% interval as a band, and the per-window theory as a line with its label.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::layout::{Drawn, legend_clear_of};
use super::{Chart, ChartError, Ci, Panel, colour, err, padded, theory_line, unit, xy};

/// One metric's windows.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowChart {
    /// Title.
    pub title: String,
    /// Time unit label.
    pub time_unit: String,
    /// The metric's description with its unit, for the y axis.
    pub y_desc: String,
    /// Per window: (start, end, simulated mean and 95% interval).
    pub windows: Vec<(f64, f64, Ci)>,
    /// Per window: theory's value (None where there is none).
    pub theory: Vec<Option<f64>>,
    /// The theory's legend label ("M_t/M/c+M forward equations from empty (exact)").
    pub theory_label: Option<String>,
    /// Events of one replication marked on the chart at their time (an autoscaler's
    /// decisions), with their legend label; empty for none.
    pub marks: Marks,
}

/// One replication's events drawn over a window chart: points at (time, value), joined as
/// a step line when `steps` (a count that holds until the next event).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    /// (time, value), in time order.
    pub points: Vec<(f64, f64)>,
    /// Join them as a staircase that holds each value until the next point.
    pub steps: bool,
    /// Legend label.
    pub label: String,
}

impl Chart for WindowChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let u = unit(&self.time_unit);
        let mid = |(a, b): (f64, f64)| 0.5 * (a + b);
        let shown: Vec<(f64, Ci)> = self
            .windows
            .iter()
            .filter(|(_, _, ci)| ci.is_finite())
            .map(|&(a, b, ci)| (mid((a, b)), ci))
            .collect();
        let theory: Vec<(f64, f64)> = self
            .windows
            .iter()
            .zip(&self.theory)
            .filter_map(|(&(a, b, _), t)| t.filter(|v| v.is_finite()).map(|v| (mid((a, b)), v)))
            .collect();
        let x = padded(self.windows.iter().flat_map(|&(a, b, _)| [a, b]), true);
        let y = padded(
            shown
                .iter()
                .flat_map(|(_, ci)| [ci.lo, ci.hi])
                .chain(theory.iter().map(|p| p.1))
                .chain(self.marks.points.iter().map(|p| p.1)),
            true,
        );
        // Windows fill the plot's width: room at the top for the legend.
        let y = y.start..(y.end + 0.3 * (y.end - y.start));
        let x_desc = format!("window midpoint ({u})");
        let mut chart = xy(
            root,
            &Panel {
                title: &self.title,
                x_desc: &x_desc,
                y_desc: &self.y_desc,
                x,
                y,
            },
        )?;
        let c = colour(1);
        let mut drawn = Drawn::default();
        let mut labels = Vec::new();
        for &(t, ci) in &shown {
            drawn.interval(t, ci);
        }
        drawn
            .lines
            .push(shown.iter().map(|&(t, ci)| (t, ci.hi)).collect());
        drawn
            .lines
            .push(shown.iter().map(|&(t, ci)| (t, ci.lo)).collect());
        if !shown.is_empty() {
            labels.push("simulation: 95% interval".to_string());
            labels.push("simulation: mean over replications".to_string());
            // The band: the upper ends left to right, then the lower ends back.
            let band: Vec<(f64, f64)> = shown
                .iter()
                .map(|&(t, ci)| (t, ci.hi))
                .chain(shown.iter().rev().map(|&(t, ci)| (t, ci.lo)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2).filled())))
                .map_err(err)?
                .label("simulation: 95% interval")
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 20, y + 5)], c.mix(0.2).filled())
                });
            chart
                .draw_series(LineSeries::new(
                    shown.iter().map(|&(t, ci)| (t, ci.mean)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label("simulation: mean over replications")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
        }
        if let Some(label) = &self.theory_label
            && !theory.is_empty()
        {
            drawn.lines.push(theory.clone());
            labels.push(format!("theory: {label}"));
            theory_line(&mut chart, theory, &format!("theory: {label}"), colour(0))?;
        }
        if !self.marks.points.is_empty() {
            let m = colour(2);
            let end = self.windows.last().map_or(0.0, |w| w.1);
            let points = &self.marks.points;
            if self.marks.steps {
                // Each value holds until the next point, the last until the chart's end.
                let stairs: Vec<(f64, f64)> = (points.iter().enumerate())
                    .flat_map(|(i, &(t, v))| {
                        let until = points.get(i + 1).map_or(end, |p| p.0);
                        [(t, v), (until, v)]
                    })
                    .collect();
                drawn.lines.push(stairs.clone());
                chart
                    .draw_series(LineSeries::new(stairs, m.stroke_width(1)))
                    .map_err(err)?;
            }
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, m.filled())))
                .map_err(err)?
                .label(self.marks.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, m.filled()));
            drawn.points.extend(points.iter().copied());
            labels.push(self.marks.label.clone());
        }
        legend_clear_of(&mut chart, &drawn, &labels)
    }
}
