//! Charts (plotters, SVG and PNG) from plain data structs, so that `report`, `plan`, `sweep`
//! and `compare` draw the same pictures.
//!
//! Every chart: a title, axes labelled with their units, a legend, theory as a line and
//! simulation as points with 95% confidence bars. Text is drawn with the embedded DejaVu Sans
//! (no system font is used, so PNGs have their labels on a machine without fonts).
//! [`write_chart`] writes `<name>.svg` and `<name>.png` through temporary names, then renames.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use kendall_sim::Summary;

mod kinds;
pub mod layout;
mod scopes;
mod window_chart;
pub use kinds::{
    CapacityCurve, CapacitySeries, DispatchComparison, FitCdf, FitCurve, FitQq, LoadByStrategy,
    LoadCurve, LoadPoint, OccupancyTrace, SojournCdf, StrategyPoint, StrategySeries,
    TheoryLoadPoint,
};
pub use layout::{LegendLayout, PixelRect, legend_layouts, place_legend};
pub use scopes::{ClassLoadCurve, ClassSeries, QueueBar, QueueUtilization};
pub use window_chart::{Marks, WindowChart};

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (960, 540);

/// A simulated mean with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ci {
    /// Mean.
    pub mean: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl From<Summary> for Ci {
    fn from(s: Summary) -> Ci {
        let (lo, hi) = s.ci();
        Ci {
            mean: s.mean,
            lo: if lo.is_finite() { lo } else { s.mean },
            hi: if hi.is_finite() { hi } else { s.mean },
        }
    }
}

impl Ci {
    /// True when every end is a finite number.
    pub fn is_finite(&self) -> bool {
        self.mean.is_finite() && self.lo.is_finite() && self.hi.is_finite()
    }
}

/// Something that draws itself on any plotters backend.
pub trait Chart {
    /// Draws on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Registers the embedded DejaVu Sans as "sans-serif" once per process.
pub fn register_fonts() -> Result<(), ChartError> {
    static DONE: OnceLock<Result<(), ChartError>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| ChartError::Font("DejaVu Sans"))?;
        plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| ChartError::Font("DejaVu Sans Bold"))
    })
    .clone()
}

/// A chart that could not be drawn or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// An embedded font would not load.
    #[error("cannot load the embedded {0} font")]
    Font(&'static str),
    /// The drawing backend failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The directory could not be created.
    #[error("cannot create {}: {reason}", path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// A backend's error as a [`ChartError::Draw`].
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

/// The chart as an SVG document.
pub fn to_svg<C: Chart>(chart: &C) -> Result<String, ChartError> {
    register_fonts()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Writes `dir/<name>.svg` and `dir/<name>.png` (each via a temporary name, then renamed).
pub fn write_chart<C: Chart>(chart: &C, dir: &Path, name: &str) -> Result<(), ChartError> {
    register_fonts()?;
    std::fs::create_dir_all(dir).map_err(|e| ChartError::Create {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let svg = to_svg(chart)?;
    let svg_path = dir.join(format!("{name}.svg"));
    crate::atomic_write::write_atomic(&svg_path, svg.as_bytes()).map_err(|e| {
        let reason = std::error::Error::source(&e).map_or(e.to_string(), ToString::to_string);
        ChartError::Write {
            path: svg_path.clone(),
            reason,
        }
    })?;
    // The bitmap encoder picks the format from the extension: keep `.png` last.
    let tmp = dir.join(format!(".{name}.tmp.png"));
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    let png = dir.join(format!("{name}.png"));
    std::fs::rename(&tmp, &png).map_err(|e| ChartError::Write {
        path: png.clone(),
        reason: e.to_string(),
    })
}

/// `lo..hi` padded by 5% on each side (and widened when empty or degenerate).
pub(crate) fn padded(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    if hi - lo < 1e-12 {
        let w = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        return (lo - w)..(hi + w);
    }
    let pad = (hi - lo) * 0.05;
    let lo = if from_zero && lo >= 0.0 { lo } else { lo - pad };
    lo..(hi + pad)
}

/// A panel: title, axis descriptions (with units) and ranges.
pub(crate) struct Panel<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub x: Range<f64>,
    pub y: Range<f64>,
}

pub(crate) type XY<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// An x–y chart on `area` with its mesh and axis descriptions drawn.
pub(crate) fn xy<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    p: &Panel,
) -> Result<XY<'a, DB>, ChartError> {
    let (x, y) = (p.x.clone(), p.y.clone());
    styled(area, (p.title, p.x_desc, p.y_desc), x, y, None)
}

/// A chart on axes built from ranges `X` and `Y` (linear or logarithmic).
pub(crate) type Styled<'a, DB, X, Y> = ChartContext<
    'a,
    DB,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// The house chart on `area`, on axes of any kind (linear or logarithmic ranges of f64), with
/// its (title, x description, y description), its mesh drawn, and tick labels by `tick`
/// (plotters' own when `None`).
pub(crate) fn styled<'a, DB, X, Y>(
    area: &'a DrawingArea<DB, Shift>,
    (title, x_desc, y_desc): (&str, &str, &str),
    x: X,
    y: Y,
    tick: Option<&dyn Fn(&f64) -> String>,
) -> Result<Styled<'a, DB, X, Y>, ChartError>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    // A title too long for the width shrinks, then wraps (drawn above the chart's margin).
    let (size, lines) = layout::title_lines(title, area.dim_in_pixel().0 as usize);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72);
    if lines.len() == 1 {
        builder.caption(title, ("sans-serif", size.min(22)).into_font());
    } else {
        let width = area.dim_in_pixel().0 as i32;
        let line_height = size as i32 + 6;
        for (i, line) in lines.iter().enumerate() {
            area.draw(&Text::new(
                line.clone(),
                (width / 2, 8 + i as i32 * line_height),
                TextStyle::from(("sans-serif", size).into_font()).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ),
                ),
            ))
            .map_err(err)?;
        }
        builder.margin_top(16 + lines.len() as i32 * line_height);
    }
    let mut chart = builder.build_cartesian_2d(x, y).map_err(err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08));
    if let Some(tick) = tick {
        mesh.x_label_formatter(tick).y_label_formatter(tick);
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// Colour of series `i`.
pub(crate) fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(23, 190, 207),
    ];
    C[i % C.len()]
}

/// A theory line with a legend entry.
pub(crate) fn theory_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    points: Vec<(f64, f64)>,
    label: &str,
    c: RGBColor,
) -> Result<(), ChartError> {
    let pts: Vec<(f64, f64)> = points
        .into_iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() {
        return Ok(());
    }
    chart
        .draw_series(LineSeries::new(pts, c.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    Ok(())
}

/// Simulated points with vertical 95% bars, with a legend entry.
pub(crate) fn sim_points<'a, DB: DrawingBackend + 'a>(
    chart: &mut XY<'a, DB>,
    points: &[(f64, Ci)],
    label: &str,
    c: RGBColor,
) -> Result<(), ChartError> {
    let pts: Vec<(f64, Ci)> = points
        .iter()
        .copied()
        .filter(|(x, ci)| x.is_finite() && ci.is_finite())
        .collect();
    if pts.is_empty() {
        return Ok(());
    }
    let w = bar_half_width(chart);
    chart
        .draw_series(pts.iter().flat_map(|&(x, ci)| {
            error_bar([(x, ci.lo), (x, ci.hi)], [(x - w, 0.0), (x + w, 0.0)], c)
        }))
        .map_err(err)?;
    chart
        .draw_series(
            pts.iter()
                .map(|&(x, ci)| Circle::new((x, ci.mean), 4, c.filled())),
        )
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
    Ok(())
}

/// Half the width of an error bar's caps, in x units (1% of the x range).
fn bar_half_width<DB: DrawingBackend>(chart: &XY<'_, DB>) -> f64 {
    let r = chart.x_range();
    (r.end - r.start) * 0.008
}

/// An error bar from `ends[0]` to `ends[1]` with caps; `caps` gives the cap offsets along x
/// (vertical bar) — for a horizontal bar pass them along y via [`error_bar_h`].
pub(crate) fn error_bar(
    ends: [(f64, f64); 2],
    caps: [(f64, f64); 2],
    c: RGBColor,
) -> [PathElement<(f64, f64)>; 3] {
    let style = c.stroke_width(1);
    let cap = |y: f64| PathElement::new(vec![(caps[0].0, y), (caps[1].0, y)], style);
    [
        PathElement::new(ends.to_vec(), style),
        cap(ends[0].1),
        cap(ends[1].1),
    ]
}

/// A horizontal error bar at height `y` from `lo` to `hi`, caps `h` high.
pub(crate) fn error_bar_h(
    y: f64,
    lo: f64,
    hi: f64,
    h: f64,
    c: RGBColor,
) -> [PathElement<(f64, f64)>; 3] {
    let style = c.stroke_width(1);
    let cap = |x: f64| PathElement::new(vec![(x, y - h), (x, y + h)], style);
    [
        PathElement::new(vec![(lo, y), (hi, y)], style),
        cap(lo),
        cap(hi),
    ]
}

/// The legend box at `pos`, on a chart of any axes (linear or logarithmic).
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(pos)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(err)
}

/// "ms" or "time units".
pub(crate) fn unit(u: &str) -> &str {
    if u.is_empty() { "time units" } else { u }
}

/// The first well-formedness fault of an SVG (or any XML) document — an unclosed, unbalanced
/// or misnested tag, an unquoted attribute — or `None`. A minimal check, not a parser: enough
/// to tell that a chart file was written whole, which is what kendall's tests ask of it.
pub fn svg_fault(xml: &str) -> Option<String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('>') else {
            return Some("unclosed tag at the end".to_string());
        };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if !tag.matches('"').count().is_multiple_of(2) {
            return Some(format!("unbalanced quotes in <{tag}>"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name.trim()) {
                return Some(format!("mismatched </{name}>"));
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or(""));
        }
    }
    (!stack.is_empty()).then(|| format!("unclosed: {stack:?}"))
}

#[cfg(test)]
mod tests;
