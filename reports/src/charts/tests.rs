//! Every chart type is written as SVG (well-formed XML) and PNG (decodes at the right size);
//! PNG text is really drawn, with no system font.

use std::path::PathBuf;

use super::*;

fn ci(mean: f64) -> Ci {
    Ci {
        mean,
        lo: mean * 0.95,
        hi: mean * 1.05,
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kendall-charts-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_written<C: Chart>(chart: &C, name: &str) -> image::RgbImage {
    let dir = tmpdir(name);
    write_chart(chart, &dir, name).unwrap();
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
    assert_eq!(svg_fault(&svg), None);
    assert!(svg.contains("<svg"));
    let png = image::open(dir.join(format!("{name}.png")))
        .unwrap()
        .to_rgb8();
    assert_eq!(png.dimensions(), SIZE);
    // No temporary file left behind.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Deterministic: the same chart gives the same bytes.
    assert_eq!(to_svg(chart).unwrap(), svg);
    std::fs::remove_dir_all(&dir).ok();
    png
}

fn load_curve() -> LoadCurve {
    let rhos = [0.3, 0.5, 0.7, 0.9];
    LoadCurve {
        title: "M/M/1".into(),
        time_unit: "ms".into(),
        model: "M/M/1 (exact)".into(),
        theory: (1..19)
            .map(|i| {
                let r = f64::from(i) * 0.05;
                TheoryLoadPoint {
                    rho: r,
                    t: 1.0 / (1.0 - r),
                    l: r / (1.0 - r),
                }
            })
            .collect(),
        sim: rhos
            .iter()
            .map(|&r| LoadPoint {
                rho: r,
                t: ci(1.0 / (1.0 - r)),
                l: ci(r / (1.0 - r)),
            })
            .collect(),
    }
}

#[test]
fn load_curve_is_written() {
    check_written(&load_curve(), "load");
}

#[test]
fn sojourn_cdf_is_written() {
    let cdf = SojournCdf {
        title: "sojourn".into(),
        time_unit: "ms".into(),
        theory: (0..50)
            .map(|i| {
                let t = f64::from(i) * 0.2;
                (t, 1.0 - (-t).exp())
            })
            .collect(),
        theory_marks: vec![(0.5, 0.693), (0.9, 2.303), (0.99, 4.605)],
        sim: vec![
            (0.5, ci(0.7)),
            (0.9, ci(2.3)),
            (0.99, ci(4.6)),
            (0.999, ci(6.9)),
        ],
    };
    check_written(&cdf, "cdf");
}

#[test]
fn occupancy_trace_is_written() {
    let tr = OccupancyTrace {
        title: "L(t)".into(),
        time_unit: "ms".into(),
        points: (0..2000)
            .map(|i| (f64::from(i), (f64::from(i) * 0.01).sin().abs() * 5.0))
            .collect(),
        warmup_end: Some(200.0),
        theory_l: Some(3.0),
    };
    check_written(&tr, "trace");
}

#[test]
fn dispatch_charts_are_written() {
    let d = DispatchComparison {
        title: "dispatch".into(),
        time_unit: "ms".into(),
        strategies: ["shared", "random", "jsq"]
            .iter()
            .enumerate()
            .map(|(i, n)| StrategyPoint {
                name: n.to_string(),
                t: ci(1.0 + i as f64),
                p99: ci(5.0 + i as f64),
                theory_t: (i == 0).then_some(1.0),
                theory_p99: (i == 0).then_some(4.6),
            })
            .collect(),
    };
    check_written(&d, "dispatch");
    let s = LoadByStrategy {
        title: "T by strategy".into(),
        time_unit: "ms".into(),
        series: ["shared", "random"]
            .iter()
            .map(|n| StrategySeries {
                name: n.to_string(),
                sim: vec![(0.5, ci(1.2)), (0.7, ci(1.6)), (0.9, ci(3.0))],
                theory: vec![(0.5, 1.2), (0.9, 3.0)],
            })
            .collect(),
    };
    check_written(&s, "strategies");
}

#[test]
fn capacity_curve_is_written() {
    let c = CapacityCurve {
        title: "capacity".into(),
        time_unit: "ms".into(),
        series: vec![
            CapacitySeries {
                label: "mean(Wq) < 1: theory".into(),
                points: vec![(1.0, 2), (2.0, 3), (3.0, 4)],
                theory: true,
            },
            CapacitySeries {
                label: "mean(Wq) < 1: simulation".into(),
                points: vec![(1.0, 2), (2.0, 3), (3.0, 4)],
                theory: false,
            },
        ],
    };
    check_written(&c, "capacity");
}

/// A bare panel with the given axis descriptions, drawn by the same code as every chart.
struct Bare(&'static str);

impl Chart for Bare {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        xy(
            root,
            &Panel {
                title: "",
                x_desc: self.0,
                y_desc: "",
                x: 0.0..1.0,
                y: 0.0..1.0,
            },
        )
        .map(|_| ())
    }
}

/// Dark pixels in the band under the x tick labels, where the x axis description goes.
fn dark_in_label_band(img: &image::RgbImage) -> usize {
    let (w, h) = img.dimensions();
    let mut n = 0;
    for y in h - 26..h - 4 {
        for x in w / 4..3 * w / 4 {
            let p = img.get_pixel(x, y);
            if p.0.iter().all(|&c| c < 100) {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn png_axis_labels_are_rendered_without_system_fonts() {
    let with = check_written(&Bare("offered load per consumer (messages per ms)"), "with");
    let without = check_written(&Bare(""), "without");
    let (a, b) = (dark_in_label_band(&with), dark_in_label_band(&without));
    assert_eq!(b, 0, "the band is empty without a label");
    assert!(
        a > 100,
        "only {a} dark pixels where the axis label should be"
    );
}

// --- `kendall fit --plot`: the CDF and Q-Q charts and the data behind them ---

mod fit {
    use rand::SeedableRng;
    use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Pareto, Weibull};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use kendall_sim::fit::{Fit, FitReport, fit_all};

    use super::*;
    use crate::fit::{
        FitView, MAX_PLOT_POINTS, QQ_TAIL_POINTS, ecdf_steps, fit_axis, qq_points, sample_quantile,
    };

    fn draw(d: impl rand_distr::Distribution<f64>, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    /// Two exponential phases: rate `r1` with probability `p`, else `r2`.
    fn hyper(p: f64, r1: f64, r2: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let (a, b) = (Exp::new(r1).unwrap(), Exp::new(r2).unwrap());
        (0..n)
            .map(|_| {
                if rand::RngExt::random::<f64>(&mut rng) < p {
                    a.sample(&mut rng)
                } else {
                    b.sample(&mut rng)
                }
            })
            .collect()
    }

    fn sorted(data: &[f64]) -> Vec<f64> {
        let mut s = data.to_vec();
        s.sort_by(f64::total_cmp);
        s
    }

    fn view<'a>(report: &'a FitReport, kind: &'a str) -> FitView<'a> {
        FitView {
            source: "test".into(),
            kind,
            report,
            burstiness: None,
        }
    }

    /// Both charts are written (SVG well-formed, PNG decodes at the chart size), on a linear
    /// axis for exponential data and a log axis for bursty hyperexponential data, with at
    /// most [`MAX_PLOT_POINTS`] points per series whatever the size of the sample.
    #[test]
    fn fit_charts_are_written_on_linear_and_log_axes() {
        let cases = [
            ("linear", draw(Exp::new(2.0).unwrap(), 50_000, 61), false),
            ("log", hyper(0.05, 0.02, 5.0, 50_000, 62), true),
        ];
        for (name, data, log) in cases {
            let report = fit_all(&data).unwrap();
            let (cdf, qq) = view(&report, "interarrival").charts(&data, name);
            assert_eq!(cdf.log_x, log, "{name}");
            assert_eq!(qq.log, log, "{name}");
            assert_eq!(cdf.fits.len(), report.fits.len());
            // Legend in rank order, best first.
            for (i, (curve, fit)) in cdf.fits.iter().zip(&report.fits).enumerate() {
                assert!(
                    curve
                        .label
                        .starts_with(&format!("{}. {} ", i + 1, fit.kind)),
                    "{}",
                    curve.label
                );
            }
            assert!(cdf.empirical.len() <= MAX_PLOT_POINTS + 2, "{name}");
            assert!(qq.points.len() <= MAX_PLOT_POINTS, "{name}");
            check_written(&cdf, &format!("fit-cdf-{name}"));
            check_written(&qq, &format!("fit-qq-{name}"));
        }
    }

    #[test]
    fn the_axis_is_log_only_when_the_body_spans_two_decades() {
        // Exponential: the 5th to 95th percentiles span a factor ln 20 / −ln 0.95 = 58.
        let s = sorted(&draw(Exp::new(1.0).unwrap(), 20_000, 63));
        let a = fit_axis(&s);
        assert!(!a.log);
        assert_eq!(a.range, 0.0..sample_quantile(&s, 0.995));
        // Lognormal with sigma 2: a factor e^(2 · 1.645 · 2) ≈ 720.
        let s = sorted(&draw(LogNormal::new(0.0, 2.0).unwrap(), 20_000, 64));
        let a = fit_axis(&s);
        assert!(a.log);
        assert_eq!(a.range, sample_quantile(&s, 0.005)..s[s.len() - 1]);
        // A small sample shows its maximum, with room for the last step.
        let a = fit_axis(&[1.0, 2.0, 3.0]);
        assert_eq!(a.range, 0.0..3.0 * 1.05);
    }

    /// Every rank drawn for a small sample; a subsampled line within 1/1000 of the exact
    /// empirical CDF (its ranks are at most n/999 apart) for a large one.
    #[test]
    fn the_empirical_cdf_is_a_step_line_within_its_resolution() {
        let steps = ecdf_steps(&[1.0, 2.0, 3.0], &(0.0..4.0), MAX_PLOT_POINTS);
        let third = 1.0 / 3.0;
        let want = [
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, third),
            (2.0, third),
            (2.0, 2.0 * third),
            (3.0, 2.0 * third),
            (3.0, 1.0),
            (4.0, 1.0),
        ];
        assert_eq!(steps.len(), want.len());
        for (a, b) in steps.iter().zip(want) {
            assert!(
                (a.0 - b.0).abs() < 1e-15 && (a.1 - b.1).abs() < 1e-15,
                "{steps:?}"
            );
        }
        let s = sorted(&draw(Exp::new(1.0).unwrap(), 100_000, 65));
        let range = fit_axis(&s).range;
        let steps = ecdf_steps(&s, &range, MAX_PLOT_POINTS);
        assert!(steps.len() <= MAX_PLOT_POINTS + 2);
        assert!(
            steps
                .windows(2)
                .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
        );
        // The drawn line at x: the height of the last point at or left of x.
        let drawn = |x: f64| {
            let i = steps.partition_point(|p| p.0 <= x);
            steps[i - 1].1
        };
        let n = s.len() as f64;
        let resolution = (s.len() - 1) as f64 / (MAX_PLOT_POINTS / 2 - 1) as f64 / n;
        for k in 1..200 {
            let x = range.start + (range.end - range.start) * f64::from(k) / 200.0;
            let exact = s.partition_point(|&v| v <= x) as f64 / n;
            assert!(
                (drawn(x) - exact).abs() <= resolution + 1.0 / n,
                "at {x}: drawn {} vs {exact}",
                drawn(x)
            );
        }
    }

    /// The largest standardised Q-Q deviation over the central 90% (plotting positions 0.05
    /// to 0.95) of `data` against `fit`, and the largest relative deviation there.
    ///
    /// A sample p-quantile has asymptotic standard error √(p(1 − p)/n) · Q'(p) (Q' = 1/f at
    /// the quantile), with Q' taken from the fit. The fitted quantile, a function of the
    /// maximum-likelihood estimate, is efficient, so its difference from the sample quantile
    /// has variance at most the sample quantile's (Hausman 1978): dividing by that SE gives
    /// deviations that are at most standard normal, point by point.
    fn qq_deviation(data: &[f64], fit: &Fit) -> (f64, f64) {
        let s = sorted(data);
        let n = s.len() as f64;
        let (mut z_max, mut rel_max) = (0.0_f64, 0.0_f64);
        let points = qq_points(&s, fit, MAX_PLOT_POINTS);
        let central: Vec<_> = points
            .iter()
            .filter(|q| (0.05..=0.95).contains(&q.p))
            .collect();
        assert!(central.len() > 1000, "{} central points", central.len());
        for q in central {
            let h = 1e-4 * q.p.min(1.0 - q.p);
            let slope = (fit.quantile(q.p + h) - fit.quantile(q.p - h)) / (2.0 * h);
            let se = (q.p * (1.0 - q.p) / n).sqrt() * slope;
            z_max = z_max.max((q.empirical - q.fitted).abs() / se);
            rel_max = rel_max.max((q.empirical / q.fitted - 1.0).abs());
        }
        (z_max, rel_max)
    }

    /// How far a standardised deviation may go: over the ~1300 central points, strongly
    /// correlated (a standardised Brownian bridge over log-odds ±ln 19, about three
    /// correlation lengths), the maximum exceeds 5 with probability of order 1e-4.
    const Z_LIMIT: f64 = 5.0;

    /// For data drawn from each family, the Q-Q points of that family's fit lie near y = x:
    /// within [`Z_LIMIT`] standard errors over the central 90%.
    #[test]
    fn qq_points_of_the_right_family_lie_on_the_diagonal() {
        const N: usize = 20_000;
        let samples = [
            ("exponential", draw(Exp::new(2.0).unwrap(), N, 71)),
            ("gamma", draw(Gamma::new(2.5, 0.4).unwrap(), N, 72)),
            ("lognormal", draw(LogNormal::new(0.3, 0.8).unwrap(), N, 73)),
            // rand_distr's order is (scale, shape).
            ("weibull", draw(Weibull::new(1.7, 0.6).unwrap(), N, 74)),
            ("pareto", draw(Pareto::new(0.5, 2.8).unwrap(), N, 75)),
            ("hyperexponential", hyper(0.3, 0.25, 3.0, N, 76)),
        ];
        for (kind, data) in samples {
            let report = fit_all(&data).unwrap();
            let fit = report.fits.iter().find(|f| f.kind == kind).unwrap();
            let (z, rel) = qq_deviation(&data, fit);
            assert!(
                z <= Z_LIMIT,
                "{kind}: a central Q-Q point is {z:.2} SE off y = x (max relative {rel:.4})"
            );
        }
    }

    /// Control: the same criterion rejects a wrong family — pareto data against the
    /// exponential fit (grossly), lognormal data against the gamma fit (subtly).
    #[test]
    fn qq_points_of_a_wrong_family_leave_the_diagonal() {
        const N: usize = 20_000;
        let pareto = draw(Pareto::new(0.5, 2.8).unwrap(), N, 75);
        let lognormal = draw(LogNormal::new(0.3, 0.8).unwrap(), N, 73);
        for (data, kind, what) in [
            (&pareto, "exponential", "pareto data"),
            (&lognormal, "gamma", "lognormal data"),
        ] {
            let report = fit_all(data).unwrap();
            let fit = report.fits.iter().find(|f| f.kind == kind).unwrap();
            let (z, rel) = qq_deviation(data, fit);
            assert!(
                z > Z_LIMIT,
                "{what} against {kind}: only {z:.2} SE off (relative {rel:.4})"
            );
        }
    }

    /// Subsampled Q-Q plots keep every one of the smallest and largest values.
    #[test]
    fn qq_subsampling_keeps_the_tails() {
        let data = draw(Exp::new(1.0).unwrap(), 100_000, 77);
        let s = sorted(&data);
        let report = fit_all(&data).unwrap();
        let pts = qq_points(&s, report.best(), MAX_PLOT_POINTS);
        assert_eq!(pts.len(), MAX_PLOT_POINTS);
        let n = s.len();
        for (i, q) in pts.iter().take(QQ_TAIL_POINTS).enumerate() {
            assert_eq!(q.empirical, s[i]);
            assert!((q.p - (i as f64 + 0.5) / n as f64).abs() < 1e-15);
        }
        for (i, q) in pts.iter().rev().take(QQ_TAIL_POINTS).enumerate() {
            assert_eq!(q.empirical, s[n - 1 - i]);
        }
        assert!(pts.windows(2).all(|w| w[0].p < w[1].p));
    }
}

#[test]
fn svg_fault_finds_broken_documents() {
    let good = r#"<?xml version="1.0"?><svg a="1"><g><path d="M0"/></g></svg>"#;
    assert_eq!(svg_fault(good), None);
    for (bad, fault) in [
        (r#"<svg><g></svg>"#, "mismatched </svg>"),
        (r#"<svg a="1><g/></svg>"#, "unbalanced quotes"),
        (r#"<svg><g/>"#, "unclosed: [\"svg\"]"),
        (r#"<svg><g/></svg"#, "unclosed tag at the end"),
    ] {
        let got = svg_fault(bad).unwrap_or_default();
        assert!(got.starts_with(fault), "{bad}: {got}");
    }
}

/// The compare chart of issue 25: alternatives whose T and p99 rise to the right, so that
/// their points and theory marks fill the plot's upper-right corner, where the legend used
/// to be drawn (a fixed upper-right box on both panels, over `random`'s point and mark).
fn crowded_compare() -> DispatchComparison {
    DispatchComparison {
        title: "a scenario whose name is long enough to run off the image's edge: alternatives on common random numbers".into(),
        time_unit: "ms".into(),
        strategies: ["shared", "jsq", "power-of-2", "least-work", "round-robin", "random"]
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let t = 1.0 + (i * i) as f64;
                StrategyPoint {
                    name: n.to_string(),
                    t: Ci {
                        mean: t,
                        lo: t * 0.8,
                        hi: t * 1.2,
                    },
                    p99: Ci {
                        mean: 5.0 * t,
                        lo: 4.0 * t,
                        hi: 6.0 * t,
                    },
                    theory_t: Some(t * 1.05),
                    theory_p99: Some(5.2 * t),
                }
            })
            .collect(),
    }
}

#[test]
fn the_compare_legend_hides_no_point() {
    let chart = crowded_compare();
    let layouts = legend_layouts(&chart).unwrap();
    assert_eq!(layouts.len(), 2, "one legend per panel");
    let labels = ["theory", "simulation (95% CI)"].map(String::from);
    let (w, h) = layout::legend_size(&labels);
    for l in &layouts {
        // Where today's chart put its legend (upper right, plotters' 10-pixel inset): the
        // data are there, so a fixed upper-right legend would hide them.
        let upper_right = PixelRect {
            left: l.plot.right - 10 - w,
            top: l.plot.top + 10,
            right: l.plot.right - 10,
            bottom: l.plot.top + 10 + h,
        };
        assert!(
            l.points.iter().any(|&p| upper_right.holds(p, 0)),
            "the test's data must fill the upper-right corner"
        );
        // The legend now placed: no point, interval end or theory mark under it.
        assert!(l.legend.within(&l.plot), "{l:?}");
        let hidden: Vec<_> = l.points.iter().filter(|&&p| l.legend.holds(p, 0)).collect();
        assert!(hidden.is_empty(), "legend {:?} hides {hidden:?}", l.legend);
    }
    // And the chart is written whole, its long title wrapped.
    check_written(&chart, "crowded-compare");
    if std::env::var_os("KENDALL_KEEP_CHART").is_some() {
        write_chart(&chart, std::path::Path::new("/tmp"), "crowded-compare").unwrap();
    }
}
