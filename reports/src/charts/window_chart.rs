//! A metric of a run to a horizon against time, window by window: the simulated mean as a
//! line, its 95% interval as a band, and the per-window theory as a line with its label.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, ChartError, Ci, Panel, colour, err, legend, padded, theory_line, unit, xy};

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
                .chain(theory.iter().map(|p| p.1)),
            true,
        );
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
        if !shown.is_empty() {
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
            theory_line(&mut chart, theory, &format!("theory: {label}"), colour(0))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
