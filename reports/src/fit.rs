//! `kendall fit`: the ranked fits as a table or JSON, the burstiness check, and the data of
//! the `--plot` charts (empirical CDF against every fitted CDF; Q-Q plot of the best fit).

use std::fmt::Write;
use std::ops::Range;

use kendall_sim::dist::DistSpec;
use kendall_sim::fit::{Burstiness, Fit, FitReport};
use serde::Serialize;

use crate::json::ByName;

use crate::charts::{FitCdf, FitCurve, FitQq};

/// What `kendall fit` prints: the fits of one column, best first.
#[derive(Debug, Clone)]
pub struct FitView<'a> {
    /// The data source, for the heading.
    pub source: String,
    /// "interarrival" or "service".
    pub kind: &'a str,
    /// The fits.
    pub report: &'a FitReport,
    /// The burstiness check (inter-arrival data only).
    pub burstiness: Option<&'a Burstiness>,
}

/// The parameters of a fitted spec, named as a scenario writes them.
#[derive(Serialize)]
struct ParamsDocument<'a> {
    #[serde(flatten)]
    scalars: ByName<&'static str, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probs: Option<&'a [f64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rates: Option<&'a [f64]>,
}

impl<'a> ParamsDocument<'a> {
    fn of(spec: &'a DistSpec) -> Self {
        let scalars = spec
            .fitted_params()
            .into_iter()
            .filter_map(|(name, v)| v.map(|v| (name, v)))
            .collect();
        ParamsDocument {
            scalars: ByName(scalars),
            probs: spec.probs.as_deref(),
            rates: spec.rates.as_deref(),
        }
    }
}

/// One fitted family: its parameters, their standard errors and the goodness of fit.
#[derive(Serialize)]
struct FamilyDocument<'a> {
    kind: &'static str,
    params: ParamsDocument<'a>,
    se: ByName<&'a str, f64>,
    mean: f64,
    scv: f64,
    loglik: f64,
    aic: f64,
    ks: f64,
    ks_p: f64,
}

impl<'a> FamilyDocument<'a> {
    fn of(f: &'a Fit) -> Self {
        FamilyDocument {
            kind: f.kind,
            params: ParamsDocument::of(&f.spec),
            se: ByName(f.params.iter().map(|p| (p.name, p.se)).collect()),
            mean: f.mean,
            scv: f.scv,
            loglik: f.loglik,
            aic: f.aic,
            ks: f.ks,
            ks_p: f.ks_p,
        }
    }
}

/// A family not fitted, and why.
#[derive(Serialize)]
struct SkippedDocument {
    kind: &'static str,
    reason: String,
}

/// The burstiness check's figures.
#[derive(Serialize)]
struct BurstinessDocument {
    n: usize,
    lag1: f64,
    lag1_limit: f64,
    window: f64,
    windows: usize,
    idc: f64,
    idc_renewal: f64,
    /// The MMPP(2) proposed instead of a renewal model, only when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    mmpp: Option<MmppDocument>,
}

/// An MMPP(2) proposed for bursty arrivals, as a scenario writes it.
#[derive(Serialize)]
struct MmppDocument {
    rates: [f64; 2],
    mean_durations: [f64; 2],
    /// Lag-1 autocorrelation of the fitted process's gaps (the sample's is the burstiness
    /// check's `lag1`).
    lag1: f64,
}

/// `kendall fit --json`.
#[derive(Serialize)]
pub struct FitDocument<'a> {
    source: &'a str,
    kind: &'a str,
    n: usize,
    mean: f64,
    scv: f64,
    /// The resolution the values were recorded at, when known.
    resolution: Option<f64>,
    /// Values at or below it, fitted as censored.
    censored: usize,
    fits: Vec<FamilyDocument<'a>>,
    skipped: Vec<SkippedDocument>,
    burstiness: Option<BurstinessDocument>,
    warnings: Vec<String>,
}

impl FitView<'_> {
    /// `{"source", "kind", "n", "mean", "scv", "resolution", "censored", "fits": [...best first], "skipped",
    /// "burstiness", "warnings"}`.
    pub fn to_json(&self) -> FitDocument<'_> {
        let r = self.report;
        FitDocument {
            source: &self.source,
            kind: self.kind,
            n: r.n,
            mean: r.mean,
            scv: r.scv,
            resolution: r.resolution,
            censored: r.censored,
            fits: r.fits.iter().map(FamilyDocument::of).collect(),
            skipped: r
                .skipped
                .iter()
                .map(|s| SkippedDocument {
                    kind: s.kind,
                    reason: s.reason.to_string(),
                })
                .collect(),
            burstiness: self.burstiness.map(|b| BurstinessDocument {
                n: b.n,
                lag1: b.lag1,
                lag1_limit: b.lag1_limit,
                window: b.window,
                windows: b.windows,
                idc: b.idc,
                idc_renewal: b.idc_renewal,
                mmpp: b.mmpp.as_ref().map(|m| MmppDocument {
                    rates: m.rates,
                    mean_durations: m.mean_durations,
                    lag1: m.lag1.1,
                }),
            }),
            warnings: self.warnings(),
        }
    }

    /// The burstiness warnings.
    pub fn warnings(&self) -> Vec<String> {
        self.burstiness.map_or(Vec::new(), |b| b.warnings.clone())
    }

    /// The table: one row per fit, best first, then the best as a scenario line.
    pub fn to_table(&self) -> String {
        let r = self.report;
        let mut out = String::new();
        let what = match self.kind {
            "service" => "service times",
            _ => "inter-arrival times",
        };
        let _ = writeln!(
            out,
            "{}: {} {what}, mean {:.6}, scv {:.4}",
            self.source, r.n, r.mean, r.scv
        );
        if let (Some(res), 1..) = (r.resolution, r.censored) {
            let _ = writeln!(
                out,
                "{} values at or below the resolution {res:e} fitted as censored in [0, {res:e}] (every family by the censored likelihood)",
                r.censored
            );
        }
        let _ = writeln!(
            out,
            "ranked by AIC (a fit with fewer parameters within ΔAIC {} goes first); KS p-values are asymptotic and conservative with fitted parameters\n",
            kendall_sim::fit::AIC_TIE
        );
        let _ = writeln!(
            out,
            "  {:<17} {:<64} {:>11} {:>9} {:>14} {:>14} {:>8} {:>9}",
            "kind", "parameters (± SE)", "mean", "scv", "loglik", "AIC", "KS", "KS p"
        );
        for f in &r.fits {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|p| {
                    if p.se.is_finite() {
                        format!("{}={:.5}±{:.2e}", p.name, p.value, p.se)
                    } else {
                        format!("{}={:.5}", p.name, p.value)
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "  {:<17} {:<64} {:>11.6} {:>9.4} {:>14.2} {:>14.2} {:>8.5} {:>9.3e}",
                f.kind,
                params.join(" "),
                f.mean,
                f.scv,
                f.loglik,
                f.aic,
                f.ks,
                f.ks_p
            );
        }
        for s in &r.skipped {
            let _ = writeln!(out, "  {:<17} not fitted: {}", s.kind, s.reason);
        }
        let _ = writeln!(
            out,
            "\nbest: {}",
            kendall_sim::fit::snippet(self.kind, &r.best().spec)
        );
        if let Some(b) = self.burstiness {
            let _ = writeln!(
                out,
                "burstiness: lag-1 autocorrelation {:.4} (limit ±{:.4}), index of dispersion {:.3} over {} windows of {:.4} (renewal with these gaps: {:.3})",
                b.lag1, b.lag1_limit, b.idc, b.windows, b.window, b.idc_renewal
            );
        }
        for w in self.warnings() {
            let _ = writeln!(out, "warning: {w}");
        }
        if let Some(m) = self.burstiness.and_then(|b| b.mmpp.as_ref()) {
            let _ = writeln!(
                out,
                "proposed instead (MMPP(2) matching the mean rate, the index of dispersion over {} window widths and the gap scv {:.4}): {}",
                m.idc_curve.len(),
                m.scv.0,
                m.snippet()
            );
            let _ = writeln!(
                out,
                "lag-1 autocorrelation of the gaps: sample {:.4}, fitted MMPP(2) {:.4}",
                m.lag1.0, m.lag1.1
            );
        }
        out
    }
}

/// Most points drawn for the empirical CDF (two per rank drawn) and for the Q-Q plot. The
/// empirical CDF drawn through 1000 evenly spaced ranks is within 1/1000 in probability of
/// the full step function — under a pixel of the 540-pixel chart — and the files stay small
/// (tens of kB of SVG) whatever the size of the log.
pub const MAX_PLOT_POINTS: usize = 2000;
/// Points per fitted CDF curve.
pub const CURVE_POINTS: usize = 400;
/// A log-scaled x axis when the middle 90% of the data spans more than this many decades.
pub const LOG_AXIS_DECADES: f64 = 2.0;
/// When the Q-Q plot subsamples, it keeps every one of this many smallest and largest
/// values: a Q-Q plot is read in its tails, where evenly spaced ranks would leave few points.
pub const QQ_TAIL_POINTS: usize = 250;

/// The x axis of the fit charts.
#[derive(Debug, Clone, PartialEq)]
pub struct FitAxis {
    /// Log-scaled (the range is then positive).
    pub log: bool,
    /// The values shown.
    pub range: Range<f64>,
}

/// The x axis for a sample `sorted` ascending (non-negative, not empty).
///
/// Linear, from 0 to the 99.5th percentile (the whole sample if that is its maximum, plus
/// 5% so a step at the maximum shows): beyond the 99.5th percentile every CDF is within
/// 0.005 of 1, so a long tail would only squeeze the body against the axis — the Q-Q plot
/// shows the tail instead. But when the middle 90% of the data (5th to 95th percentile)
/// spans more than [`LOG_AXIS_DECADES`] decades, a linear axis would crush most of the data
/// against 0 whatever the limit: the axis is then log-scaled, from the 0.5th percentile (or
/// the smallest positive value) to the maximum. Exponential data span 1.8 decades (ratio
/// 58) and stay linear; bursty hyperexponential or heavy lognormal data go log.
///
/// # Panics
/// If `sorted` is empty.
pub fn fit_axis(sorted: &[f64]) -> FitAxis {
    let (p05, p95) = (sample_quantile(sorted, 0.05), sample_quantile(sorted, 0.95));
    let max = sorted[sorted.len() - 1];
    if p05 > 0.0 && p95 / p05 > 10f64.powf(LOG_AXIS_DECADES) {
        let first_positive = sorted[sorted.partition_point(|&x| x <= 0.0)];
        let lo = sample_quantile(sorted, 0.005).max(first_positive);
        return FitAxis {
            log: true,
            range: lo..max.max(lo * 10.0),
        };
    }
    let p995 = sample_quantile(sorted, 0.995);
    let hi = if p995 >= max || p995 <= 0.0 {
        max * 1.05
    } else {
        p995
    };
    FitAxis {
        log: false,
        // Fitting needs a positive mean, so max > 0; 1 guards a hand-made sample of zeros.
        range: 0.0..if hi > 0.0 { hi } else { 1.0 },
    }
}

/// The sample p-quantile of `sorted` (ascending, not empty): the order statistic of rank
/// ⌈p n⌉, the inverse of the empirical CDF.
///
/// # Panics
/// If `sorted` is empty.
pub fn sample_quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = (p * n as f64).ceil().clamp(1.0, n as f64) as usize;
    sorted[rank - 1]
}

/// The empirical CDF of `sorted` (ascending) as a step line over `range`, through at most
/// `max_points / 2` ranks evenly spaced from the first to the last (every rank for smaller
/// samples): between drawn ranks the line is off by at most the ranks skipped / n.
pub fn ecdf_steps(sorted: &[f64], range: &Range<f64>, max_points: usize) -> Vec<(f64, f64)> {
    let n = sorted.len();
    let m = (max_points / 2).clamp(2, n.max(2));
    let nf = n as f64;
    let ranks: Box<dyn Iterator<Item = usize>> = if n <= m {
        Box::new(0..n)
    } else {
        Box::new(
            (0..m).map(move |j| ((j as f64) * (n - 1) as f64 / (m - 1) as f64).round() as usize),
        )
    };
    let (lo, hi) = (range.start, range.end);
    let mut out = Vec::new();
    let mut prev = 0.0;
    for k in ranks {
        let (x, f) = (sorted[k], (k + 1) as f64 / nf);
        if x < lo {
            prev = f;
            continue;
        }
        if x > hi {
            break;
        }
        if out.is_empty() {
            out.push((lo, prev));
        }
        out.push((x, prev));
        out.push((x, f));
        prev = f;
    }
    if out.is_empty() {
        out.push((lo, prev));
    }
    out.push((hi, prev));
    out
}

/// One point of a Q-Q plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QqPoint {
    /// Plotting position (i − 0.5)/n of the i-th smallest value.
    pub p: f64,
    /// The fitted distribution's p-quantile.
    pub fitted: f64,
    /// The i-th smallest value.
    pub empirical: f64,
}

/// The Q-Q points of `sorted` (ascending) against `fit`: every value for samples of at most
/// `max_points`, else the [`QQ_TAIL_POINTS`] smallest and largest and evenly spaced ranks in
/// between, `max_points` in all.
pub fn qq_points(sorted: &[f64], fit: &Fit, max_points: usize) -> Vec<QqPoint> {
    let n = sorted.len();
    let ranks: Vec<usize> = if n <= max_points {
        (1..=n).collect()
    } else {
        let tail = QQ_TAIL_POINTS.min(max_points / 4);
        let body = max_points - 2 * tail;
        let (first, last) = (tail + 1, n - tail);
        let mut r: Vec<usize> = (1..=tail).collect();
        r.extend((0..body).map(|j| {
            first + ((j as f64) * (last - first) as f64 / (body - 1) as f64).round() as usize
        }));
        r.extend(last + 1..=n);
        r.dedup();
        r
    };
    ranks
        .into_iter()
        .map(|i| {
            let p = (i as f64 - 0.5) / n as f64;
            QqPoint {
                p,
                fitted: fit.quantile(p),
                empirical: sorted[i - 1],
            }
        })
        .collect()
}

impl FitView<'_> {
    /// The `--plot` charts of `data` (the values fitted, in any order): its empirical CDF
    /// against every fit's CDF, and the Q-Q plot of the best fit. `label` names the data in
    /// the titles (a file name and column).
    pub fn charts(&self, data: &[f64], label: &str) -> (FitCdf, FitQq) {
        let mut sorted = data.to_vec();
        sorted.sort_by(f64::total_cmp);
        let r = self.report;
        let axis = fit_axis(&sorted);
        let (lo, hi) = (axis.range.start, axis.range.end);
        let grid: Vec<f64> = (0..CURVE_POINTS)
            .map(|i| {
                let t = i as f64 / (CURVE_POINTS - 1) as f64;
                if axis.log {
                    lo * (hi / lo).powf(t)
                } else {
                    lo + (hi - lo) * t
                }
            })
            .collect();
        let what = if self.kind == "service" {
            "service time"
        } else {
            "inter-arrival time"
        };
        let scale = if axis.log { " (log scale)" } else { "" };
        let fits = r
            .fits
            .iter()
            .enumerate()
            .map(|(i, f)| FitCurve {
                label: format!("{}. {} (KS {:.4})", i + 1, f.kind, f.ks),
                points: grid.iter().map(|&x| (x, f.cdf(x))).collect(),
            })
            .collect();
        let drawn = (MAX_PLOT_POINTS / 2).min(r.n);
        let cdf = FitCdf {
            title: format!("{label}: empirical CDF against the fits"),
            x_desc: format!("{what}{scale}"),
            log_x: axis.log,
            empirical_label: if drawn < r.n {
                format!("data (n = {}, drawn through {drawn} ranks)", r.n)
            } else {
                format!("data (n = {})", r.n)
            },
            empirical: ecdf_steps(&sorted, &axis.range, MAX_PLOT_POINTS),
            x: axis.range.clone(),
            fits,
        };
        let best = r.best();
        let points: Vec<(f64, f64)> = qq_points(&sorted, best, MAX_PLOT_POINTS)
            .into_iter()
            .map(|q| (q.fitted, q.empirical))
            .filter(|&(x, y)| x.is_finite() && y.is_finite() && (!axis.log || (x > 0.0 && y > 0.0)))
            .collect();
        let qq = FitQq {
            title: format!("{label}: Q-Q plot against the best fit, {}", best.kind),
            x_desc: format!("{} quantile{scale}", best.kind),
            y_desc: format!("data quantile{scale}"),
            log: axis.log,
            label: if points.len() < r.n {
                format!("data ({} of n = {} plotted)", points.len(), r.n)
            } else {
                format!("data (n = {})", r.n)
            },
            points,
        };
        (cdf, qq)
    }
}
