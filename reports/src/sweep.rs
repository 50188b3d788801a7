//! `kendall sweep`: the tidy CSV (one row per point, scope and metric) and its table.

use std::fmt::Write;

use crate::RunReport;

/// One point of a sweep: its index in the full grid, the settings that define it, and its
/// report (simulated metrics beside theory).
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// Position in the whole grid (stable across shards).
    pub index: usize,
    /// The point's values, in `--set` order, as text.
    pub values: Vec<String>,
    /// What was measured and predicted there.
    pub report: RunReport,
}

/// The CSV's fixed columns after `point` and the swept keys.
pub const COLUMNS: [&str; 7] = [
    "scope",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "theory",
    "theory_kind",
];

/// The tidy CSV of a sweep: header `point,<keys…>,scope,metric,mean,ci_low,ci_high,theory,
/// theory_kind`, then one row per point, scope (`system`, `queue:NAME`, `class:NAME`) and
/// metric, in point order. Numbers are written in their shortest exact form, so the same
/// results give the same bytes.
pub fn sweep_csv(keys: &[String], points: &[SweepPoint]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(COLUMNS.iter().map(|c| c.to_string()));
    w.write_record(&header)?;
    for p in points {
        let r = &p.report;
        let scopes = std::iter::once(("system".to_string(), &r.system))
            .chain(r.queues.iter().map(|q| (format!("queue:{}", q.name), q)))
            .chain(r.classes.iter().map(|c| (format!("class:{}", c.name), c)));
        for (scope, s) in scopes {
            for row in &s.rows {
                let (lo, hi) = row.summary.ci();
                let mut rec = vec![p.index.to_string()];
                rec.extend(p.values.iter().cloned());
                rec.extend([
                    scope.clone(),
                    row.metric.name().to_string(),
                    number(row.summary.mean),
                    number(lo),
                    number(hi),
                    row.theory.map(number).unwrap_or_default(),
                    row.theory_kind.unwrap_or("").to_string(),
                ]);
                w.write_record(&rec)?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// A float as CSV text: shortest round-trip form, empty for NaN (no value).
fn number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// A terminal table: one line per point with T, L and p99(T) (mean and CI) beside theory.
pub fn sweep_table(keys: &[String], points: &[SweepPoint]) -> String {
    let mut out = String::new();
    let key_head: Vec<String> = keys.iter().map(|k| format!("{k:>18}")).collect();
    let _ = writeln!(
        out,
        "{:>5} {} {:>26} {:>10} {:>26} {:>10} {:>26} {:>10}",
        "point",
        key_head.join(" "),
        "T (95% CI)",
        "theory",
        "L (95% CI)",
        "theory",
        "T_p99 (95% CI)",
        "theory"
    );
    let mut clipped = false;
    for p in points {
        let vals: Vec<String> = p.values.iter().map(|v| format!("{v:>18}")).collect();
        let mut line = format!("{:>5} {}", p.index, vals.join(" "));
        for name in ["T", "L", "T_p99"] {
            let row = p
                .report
                .system
                .rows
                .iter()
                .find(|r| r.metric.name() == name)
                .expect("every metric has a row");
            clipped |= row.summary.clipped();
            let bracket = crate::interval::bracket(&row.summary, |x| format!("{x:.4}"));
            let ci = format!("{:.4} {bracket}", row.summary.mean);
            let theory = row.theory.map_or("-".to_string(), |t| format!("{t:.4}"));
            let _ = write!(line, " {ci:>26} {theory:>10}");
        }
        out += &line;
        out.push('\n');
    }
    crate::interval::note(&mut out, "", clipped);
    out
}

/// Shard CSVs that do not join into one sweep's CSV.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A shard is not valid CSV (the reader's complaint follows as the source).
    #[error("{name}")]
    Csv {
        /// The shard.
        name: String,
        /// The CSV reader's complaint.
        source: csv::Error,
    },
    /// A shard has no `point` column first.
    #[error("{name}: not a kendall sweep CSV (no `point` column first)")]
    NotASweep {
        /// The shard.
        name: String,
    },
    /// A shard's columns differ from the first shard's.
    #[error("{name}: its columns differ from the first shard's: not the same sweep")]
    OtherSweep {
        /// The shard.
        name: String,
    },
    /// A row's `point` is not a number.
    #[error("{name}: line {line}: `point` is not a number")]
    BadPoint {
        /// The shard.
        name: String,
        /// The line of the file (the header is line 1).
        line: usize,
    },
    /// Two shards hold the same point.
    #[error("{name}: point {point} is also in {other}: overlapping shards")]
    Overlap {
        /// The shard.
        name: String,
        /// The point.
        point: usize,
        /// The other shard holding it.
        other: String,
    },
    /// No shard was given.
    #[error("no shards to merge")]
    NoShards,
    /// The merged CSV could not be written out.
    #[error("{0}")]
    Write(String),
}

/// Joins the CSVs of a sharded sweep: same header everywhere, rows ordered by point (each
/// shard keeps its rows' order within a point), no point twice. The result is byte-identical
/// to the unsharded sweep's CSV.
pub fn merge_csv(shards: &[(String, Vec<u8>)]) -> Result<Vec<u8>, MergeError> {
    let mut header: Option<csv::StringRecord> = None;
    let mut rows: Vec<(usize, usize, csv::StringRecord)> = Vec::new();
    let mut owner: std::collections::BTreeMap<usize, usize> = Default::default();
    for (s, (name, bytes)) in shards.iter().enumerate() {
        let csv_error = |source| MergeError::Csv {
            name: name.clone(),
            source,
        };
        let mut r = csv::Reader::from_reader(bytes.as_slice());
        let h = r.headers().map_err(csv_error)?.clone();
        if h.get(0) != Some("point") {
            return Err(MergeError::NotASweep { name: name.clone() });
        }
        match &header {
            None => header = Some(h),
            Some(first) if *first != h => {
                return Err(MergeError::OtherSweep { name: name.clone() });
            }
            Some(_) => {}
        }
        for (line, rec) in r.records().enumerate() {
            let rec = rec.map_err(csv_error)?;
            let point: usize =
                rec.get(0)
                    .and_then(|p| p.parse().ok())
                    .ok_or_else(|| MergeError::BadPoint {
                        name: name.clone(),
                        line: line + 2,
                    })?;
            if let Some(&other) = owner.get(&point)
                && other != s
            {
                return Err(MergeError::Overlap {
                    name: name.clone(),
                    point,
                    other: shards[other].0.clone(),
                });
            }
            owner.insert(point, s);
            rows.push((point, rows.len(), rec));
        }
    }
    let header = header.ok_or(MergeError::NoShards)?;
    rows.sort_by_key(|(point, order, _)| (*point, *order));
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| MergeError::Write(e.to_string());
    w.write_record(&header).map_err(io)?;
    for (_, _, rec) in rows {
        w.write_record(&rec).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| MergeError::Write(e.into_error().to_string()))
}

/// The sweep's T and L against offered load, theory as a line and simulation as points with
/// CIs — the chart `sweep --plot` writes. `rho[i]` is point i's offered load per consumer (the
/// busiest queue's).
pub fn sweep_chart(title: &str, points: &[SweepPoint], rho: &[f64]) -> crate::charts::LoadCurve {
    use crate::charts::{Ci, LoadPoint, TheoryLoadPoint};
    let row = |p: &SweepPoint, name: &str| {
        p.report
            .system
            .rows
            .iter()
            .find(|r| r.metric.name() == name)
            .cloned()
            .expect("every metric has a row")
    };
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| rho[a].total_cmp(&rho[b]));
    let sim = order
        .iter()
        .map(|&i| LoadPoint {
            rho: rho[i],
            t: Ci::from(row(&points[i], "T").summary),
            l: Ci::from(row(&points[i], "L").summary),
        })
        .collect();
    let theory = order
        .iter()
        .filter_map(|&i| {
            let (t, l) = (row(&points[i], "T"), row(&points[i], "L"));
            Some(TheoryLoadPoint {
                rho: rho[i],
                t: t.theory?,
                l: l.theory?,
            })
        })
        .collect();
    let model = points
        .iter()
        .find_map(|p| {
            row(p, "T")
                .model
                .map(|m| format!("{m} ({})", row(p, "T").theory_kind.unwrap_or("")))
        })
        .unwrap_or_else(|| "no model".into());
    crate::charts::LoadCurve {
        title: title.to_string(),
        time_unit: points
            .first()
            .map(|p| p.report.time_unit.clone())
            .unwrap_or_default(),
        model,
        theory,
        sim,
    }
}
