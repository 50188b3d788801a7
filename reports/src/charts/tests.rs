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

/// A minimal XML well-formedness check: tags balance and nest, attributes are quoted.
fn assert_well_formed(xml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap().to_string();
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert!(xml.contains("<svg"));
}

fn check_written<C: Chart>(chart: &C, name: &str) -> image::RgbImage {
    let dir = tmpdir(name);
    write_chart(chart, &dir, name).unwrap();
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
    assert_well_formed(&svg);
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
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
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
