//! Where a chart's legend and title go, so that neither hides data nor runs off the image.
//!
//! [`place_legend`] is a pure function of the points drawn (in pixels), the plotting area
//! and the legend's size: it tries the plot's corners and edges, then a grid, for a box no
//! point falls in. [`legend_clear_of`] measures a chart's points and draws its legend there,
//! and records the layout so that a test can check it without looking at pixels
//! ([`legend_layouts`]). [`titled`] wraps (and if need be shrinks) a title to the image's
//! width.

use std::cell::RefCell;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, ChartError, SIZE, err};

/// A rectangle in pixels: left, top, right, bottom (right and bottom excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left edge.
    pub left: i32,
    /// Top edge.
    pub top: i32,
    /// Right edge.
    pub right: i32,
    /// Bottom edge.
    pub bottom: i32,
}

impl PixelRect {
    /// True when `p` lies inside, or within `margin` pixels of, the rectangle.
    pub fn holds(&self, p: (i32, i32), margin: i32) -> bool {
        self.left - margin <= p.0
            && p.0 < self.right + margin
            && self.top - margin <= p.1
            && p.1 < self.bottom + margin
    }

    /// True when the rectangle lies within `outer`.
    pub fn within(&self, outer: &PixelRect) -> bool {
        outer.left <= self.left
            && self.right <= outer.right
            && outer.top <= self.top
            && self.bottom <= outer.bottom
    }
}

/// Pixels a legend keeps between itself and any point (a marker's radius and a little).
pub const CLEARANCE: i32 = 6;

/// Font size of legend labels, in pixels.
const LEGEND_FONT: i32 = 14;

/// The size (width, height) of the legend of `labels`, a little generous: DejaVu Sans
/// averages about half its size per character of these labels (0.55 is taken); each row is
/// the font's height and a margin, beside a 20-pixel sample.
pub fn legend_size(labels: &[String]) -> (i32, i32) {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as i32;
    let rows = labels.len() as i32;
    (
        chars * LEGEND_FONT * 55 / 100 + 50,
        rows * (LEGEND_FONT + 8) + 12,
    )
}

/// The box of `size` inside `plot` that no point of `points` falls in (with
/// [`CLEARANCE`]): the first free one of the upper-right, upper-left, lower-right and
/// lower-left corners, the top and bottom middles, then any position on a grid of 8 pixels
/// scanned from the top; None when every position hides a point (see [`least_hidden`]).
pub fn place_legend(points: &[(i32, i32)], plot: PixelRect, size: (i32, i32)) -> Option<PixelRect> {
    let (w, h) = size;
    let inset = 8;
    let at = |left: i32, top: i32| PixelRect {
        left,
        top,
        right: left + w,
        bottom: top + h,
    };
    let (l, r) = (plot.left + inset, plot.right - inset - w);
    let (t, b) = (plot.top + inset, plot.bottom - inset - h);
    let mid = plot.left + (plot.right - plot.left - w) / 2;
    let free =
        |rect: &PixelRect| rect.within(&plot) && !points.iter().any(|&p| rect.holds(p, CLEARANCE));
    let preferred = [
        at(r, t),
        at(l, t),
        at(r, b),
        at(l, b),
        at(mid, t),
        at(mid, b),
    ];
    if let Some(rect) = preferred.into_iter().find(|x| free(x)) {
        return Some(rect);
    }
    (t..=b)
        .step_by(8)
        .flat_map(|y| (l..=r).step_by(8).map(move |x| (x, y)))
        .map(|(x, y)| at(x, y))
        .find(|x| free(x))
}

/// Where a legend of `size` hides the fewest of `points` in `plot` (corners first, then a
/// grid), for a chart with no free place: it hides as little as it can.
pub fn least_hidden(points: &[(i32, i32)], plot: PixelRect, size: (i32, i32)) -> PixelRect {
    let (w, h) = size;
    let inset = 8;
    let at = |left: i32, top: i32| PixelRect {
        left,
        top,
        right: left + w,
        bottom: top + h,
    };
    let (l, r) = (
        plot.left + inset,
        (plot.right - inset - w).max(plot.left + inset),
    );
    let (t, b) = (
        plot.top + inset,
        (plot.bottom - inset - h).max(plot.top + inset),
    );
    let hidden = |rect: &PixelRect| points.iter().filter(|&&p| rect.holds(p, CLEARANCE)).count();
    [at(r, t), at(l, t), at(r, b), at(l, b)]
        .into_iter()
        .chain(
            (t..=b)
                .step_by(8)
                .flat_map(|y| (l..=r).step_by(8).map(move |x| (x, y)))
                .map(|(x, y)| at(x, y)),
        )
        .min_by_key(|x| hidden(x))
        .unwrap_or(at(r, t))
}

/// Where a chart drew its legend: the plotting area, the legend's box (where it hides least
/// when no place was free) and every point it was kept clear of, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendLayout {
    /// The plotting area.
    pub plot: PixelRect,
    /// The legend's box.
    pub legend: PixelRect,
    /// The points drawn.
    pub points: Vec<(i32, i32)>,
}

thread_local! {
    /// The layouts recorded while [`legend_layouts`] draws a chart (None otherwise).
    static RECORDED: RefCell<Option<Vec<LegendLayout>>> = const { RefCell::new(None) };
}

/// Every legend layout of `chart`, one per panel, from drawing it once (as SVG, discarded).
pub fn legend_layouts<C: Chart>(chart: &C) -> Result<Vec<LegendLayout>, ChartError> {
    RECORDED.with(|r| *r.borrow_mut() = Some(Vec::new()));
    let drawn = super::to_svg(chart);
    let layouts = RECORDED.with(|r| r.borrow_mut().take()).unwrap_or_default();
    drawn.map(|_| layouts)
}

/// What a legend must keep clear of, in data coordinates: marks (every point and both ends
/// of every interval drawn) and lines (polylines, sampled every few pixels along).
#[derive(Debug, Clone, Default)]
pub struct Drawn {
    /// Marks.
    pub points: Vec<(f64, f64)>,
    /// Lines.
    pub lines: Vec<Vec<(f64, f64)>>,
}

impl Drawn {
    /// Adds a simulated point with its interval (vertical).
    pub fn interval(&mut self, x: f64, ci: super::Ci) {
        self.points.extend([(x, ci.lo), (x, ci.mean), (x, ci.hi)]);
        self.lines.push(vec![(x, ci.lo), (x, ci.hi)]);
    }
}

/// The pixels of `lines` on `chart`, every 3 pixels along each segment.
fn sampled<'a, DB: DrawingBackend + 'a>(
    chart: &ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    lines: &[Vec<(f64, f64)>],
) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    for line in lines {
        let px: Vec<(i32, i32)> = (line.iter())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|p| chart.backend_coord(p))
            .collect();
        out.extend(px.first().copied());
        for w in px.windows(2) {
            let (a, b) = (w[0], w[1]);
            let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 3).clamp(1, 2000);
            out.extend(
                (1..=steps).map(|k| (a.0 + (b.0 - a.0) * k / steps, a.1 + (b.1 - a.1) * k / steps)),
            );
        }
    }
    out
}

/// The legend of the series `labels` on `chart`, in the place [`place_legend`] finds clear
/// of what was `drawn`; where none is free, where it hides least ([`least_hidden`]), with
/// an opaque background.
pub fn legend_clear_of<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    drawn: &Drawn,
    labels: &[String],
) -> Result<(), ChartError> {
    let points = &drawn.points;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let plot = PixelRect {
        left: xs.start,
        top: ys.start,
        right: xs.end,
        bottom: ys.end,
    };
    let (ox, oy) = chart.plotting_area().get_base_pixel();
    let mut px: Vec<(i32, i32)> = points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|p| chart.backend_coord(p))
        .collect();
    px.extend(sampled(chart, &drawn.lines));
    // Only what lies in the plot can be hidden.
    px.retain(|&p| plot.holds(p, 0));
    let size = legend_size(labels);
    let (rect, free) = match place_legend(&px, plot, size) {
        Some(rect) => (rect, true),
        None => (least_hidden(&px, plot, size), false),
    };
    RECORDED.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(LegendLayout {
                plot,
                legend: rect,
                points: px.clone(),
            });
        }
    });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::Coordinate(
            rect.left - ox,
            rect.top - oy,
        ))
        .label_font(("sans-serif", LEGEND_FONT))
        .background_style(WHITE.mix(if free { 0.85 } else { 1.0 }))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(err)
}

/// Largest and smallest title sizes, in pixels.
const TITLE_FONT: (u32, u32) = (24, 16);

/// `title` written across the top of `root`, wrapped at spaces onto as many lines as it
/// needs to fit the width (shrunk from 24 to 16 pixels first, for a long title on two
/// lines rather than three); returns the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let width = root.dim_in_pixel().0.min(SIZE.0) as usize;
    let (size, lines) = title_lines(title, width);
    let line_height = size as i32 + 6;
    for (i, line) in lines.iter().enumerate() {
        root.draw(&Text::new(
            line.clone(),
            (width as i32 / 2, 8 + i as i32 * line_height),
            TextStyle::from(("sans-serif", size).into_font())
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
    }
    let used = 12 + lines.len() as i32 * line_height;
    Ok(root.split_vertically(used as u32).1)
}

/// The font size and lines of `title` fitted to `width` pixels (a character is taken as
/// 0.6 of the font size wide, with 40 pixels of margin): the largest size at which it fits
/// on one line, else wrapped at the smallest size that fits it on two, else at 16.
pub fn title_lines(title: &str, width: usize) -> (u32, Vec<String>) {
    let fits = |size: u32| (width.saturating_sub(40)) * 10 / (size as usize * 6);
    for size in (TITLE_FONT.1..=TITLE_FONT.0).rev() {
        if title.chars().count() <= fits(size) {
            return (size, vec![title.to_string()]);
        }
    }
    for size in (TITLE_FONT.1..=TITLE_FONT.0).rev() {
        let lines = wrap(title, fits(size));
        if lines.len() <= 2 {
            return (size, lines);
        }
    }
    (TITLE_FONT.1, wrap(title, fits(TITLE_FONT.1)))
}

/// `text` broken at spaces into lines of at most `max` characters (a longer word alone).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= max => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLOT: PixelRect = PixelRect {
        left: 100,
        top: 50,
        right: 500,
        bottom: 450,
    };

    #[test]
    fn the_legend_avoids_points_in_the_upper_right() {
        // Points filling the upper-right quarter: the legend goes elsewhere.
        let pts: Vec<(i32, i32)> = (0..20)
            .flat_map(|i| (0..20).map(move |j| (300 + 10 * i, 50 + 10 * j)))
            .collect();
        let rect = place_legend(&pts, PLOT, (150, 80)).unwrap();
        assert!(rect.within(&PLOT));
        assert!(!pts.iter().any(|&p| rect.holds(p, CLEARANCE)), "{rect:?}");
        assert_eq!((rect.left, rect.top), (108, 58), "upper left is free");
    }

    #[test]
    fn no_free_place_says_so() {
        let pts: Vec<(i32, i32)> = (0..40)
            .flat_map(|i| (0..40).map(move |j| (100 + 10 * i, 50 + 10 * j)))
            .collect();
        assert_eq!(place_legend(&pts, PLOT, (150, 80)), None);
    }

    #[test]
    fn long_titles_shrink_then_wrap() {
        let (size, lines) = title_lines("short", 960);
        assert_eq!((size, lines.len()), (24, 1));
        let long = "a scenario with a rather long name: T and p99(T) per alternative on common \
                    random numbers";
        let (size, lines) = title_lines(long, 960);
        assert!(lines.len() <= 2 && size >= 16);
        for l in &lines {
            assert!(l.chars().count() * size as usize * 6 / 10 <= 920, "{l}");
        }
        assert_eq!(lines.join(" "), long);
    }
}
