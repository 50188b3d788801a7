//! The report's per-class and per-queue sections (issue 25): a table per class (T, Wq,
//! p99(T) and p_loss, each beside theory — Cobham's values for priority classes) and per
//! queue (ρ, utilisation, L, T and what became of its messages), with the bottleneck queue
//! named; each table also as CSV. Rendered from a [`RunReport`]: nothing here simulates.

use std::fmt::Write as _;

use kendall_sim::stats::Metric;

use crate::interval::{CLIPPED_MARK, CLIPPED_NOTE, bracket};
use crate::run::MetricRow;
use crate::table::num;
use crate::{RunReport, ScopeReport};

/// A table of the report: headers (units in them), rows of cells, and whether an interval
/// in it was clipped to its metric's range.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells, as many as headers.
    pub rows: Vec<Vec<String>>,
    /// The rows as CSV records (plain numbers, intervals as two columns), headers first.
    pub csv: Vec<Vec<String>>,
}

impl Table {
    /// True when some interval shown was clipped to its metric's range.
    pub fn clipped(&self) -> bool {
        (self.rows.iter().flatten()).any(|c| c.contains(&format!("]{CLIPPED_MARK}")))
    }

    /// The table in Markdown (a clipped interval's mark escaped, its note below).
    pub fn markdown(&self) -> String {
        let mut md = format!("| {} |\n", self.headers.join(" | "));
        let _ = writeln!(
            md,
            "|---|{}",
            "---:|".repeat(self.headers.len().saturating_sub(1))
        );
        for r in &self.rows {
            let _ = writeln!(md, "| {} |", r.join(" | ").replace("]*", "]\\*"));
        }
        if self.clipped() {
            let _ = writeln!(md, "\n\\{CLIPPED_NOTE}");
        }
        md
    }

    /// The table in HTML, `esc` escaping text.
    pub fn html(&self, esc: impl Fn(&str) -> String) -> String {
        let mut h = String::from("<table>\n<tr>");
        for c in &self.headers {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h += "</tr>\n";
        for r in &self.rows {
            h += "<tr>";
            for (i, c) in r.iter().enumerate() {
                let class = if i == 0 { "" } else { " class=\"n\"" };
                let _ = write!(h, "<td{class}>{}</td>", esc(c));
            }
            h += "</tr>\n";
        }
        h += "</table>\n";
        if self.clipped() {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(CLIPPED_NOTE));
        }
        h
    }

    /// The table's CSV.
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &self.csv {
            w.write_record(r)?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The unit of metric `m` in a header: the time unit for times, "messages" for counts,
/// "per <unit>" for rates, nothing for fractions.
pub fn unit_of(m: Metric, time_unit: &str) -> String {
    let u = if time_unit.is_empty() {
        "time units"
    } else {
        time_unit
    };
    match m {
        Metric::L | Metric::Lq => "messages".into(),
        Metric::Throughput | Metric::Goodput => format!("per {u}"),
        Metric::Utilization
        | Metric::PWait
        | Metric::PLoss
        | Metric::PAbandon
        | Metric::Wasted
        | Metric::Amplification => String::new(),
        _ => u.to_string(),
    }
}

/// A metric's column header with its unit where it has one: "T (ms)" (`what` empty),
/// "T (ms, 95% CI)" (`what` "95% CI"), "T theory (ms)" (`what` "theory").
pub fn header(m: Metric, time_unit: &str, what: &str) -> String {
    let u = unit_of(m, time_unit);
    let name = m.name();
    match (what, u.is_empty()) {
        ("theory", true) => format!("{name} theory"),
        ("theory", false) => format!("{name} theory ({u})"),
        ("", true) => name.to_string(),
        ("", false) => format!("{name} ({u})"),
        (w, true) => format!("{name} ({w})"),
        (w, false) => format!("{name} ({u}, {w})"),
    }
}

fn row(scope: &ScopeReport, m: Metric) -> &MetricRow {
    &scope.rows[m as usize]
}

/// "mean [lo, hi]" of a row.
fn cell(r: &MetricRow) -> String {
    format!("{} {}", num(r.summary.mean), bracket(&r.summary, num))
}

/// The CSV columns of one metric: mean, interval ends, theory.
fn csv_cells(r: &MetricRow) -> [String; 4] {
    let (lo, hi) = r.summary.ci();
    [
        r.summary.mean.to_string(),
        lo.to_string(),
        hi.to_string(),
        r.theory.map_or(String::new(), |t| t.to_string()),
    ]
}

fn csv_head(m: Metric) -> [String; 4] {
    let n = m.name();
    [
        n.to_string(),
        format!("{n}_ci_lo"),
        format!("{n}_ci_hi"),
        format!("{n}_theory"),
    ]
}

/// The metrics of the class table.
pub const CLASS_METRICS: [Metric; 4] = [Metric::T, Metric::Wq, Metric::TP99, Metric::PLoss];

/// One row per class: T, Wq, p99(T) and p_loss, each with its 95% interval beside theory's
/// value; None with fewer than two classes (the end-to-end table is the class's).
pub fn class_table(run: &RunReport) -> Option<Table> {
    if run.classes.len() < 2 {
        return None;
    }
    let unit = &run.time_unit;
    let mut headers = vec!["class".to_string()];
    let mut csv_header = vec!["class".to_string()];
    for m in CLASS_METRICS {
        headers.push(header(m, unit, "95% CI"));
        headers.push(header(m, unit, "theory"));
        csv_header.extend(csv_head(m));
    }
    let mut rows = Vec::new();
    let mut csv = vec![csv_header];
    for c in &run.classes {
        let mut r = vec![c.name.clone()];
        let mut rec = vec![c.name.clone()];
        for m in CLASS_METRICS {
            let x = row(c, m);
            r.push(cell(x));
            r.push(x.theory.map_or("-".into(), num));
            rec.extend(csv_cells(x));
        }
        rows.push(r);
        csv.push(rec);
    }
    Some(Table { headers, rows, csv })
}

/// The queue with the highest offered load per consumer ρ (ties: the higher simulated
/// utilisation, then the first): its index.
pub fn bottleneck(run: &RunReport) -> Option<usize> {
    let util = |j: usize| row(&run.queues[j], Metric::Utilization).summary.mean;
    (0..run.queues.len().min(run.loads.len())).max_by(|&a, &b| {
        let key = |j: usize| (run.loads[j].rho, util(j));
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.cmp(&a))
    })
}

/// The sentence naming the bottleneck queue with its ρ and simulated utilisation.
pub fn bottleneck_line(run: &RunReport) -> Option<String> {
    let j = bottleneck(run)?;
    let u = row(&run.queues[j], Metric::Utilization);
    Some(format!(
        "Bottleneck: queue {} (ρ = {:.4}, the highest offered load per consumer; simulated utilisation {}).",
        run.queues[j].name,
        run.loads[j].rho,
        cell(u)
    ))
}

/// One fate's count in a queue's counts.
type Fate = fn(&kendall_sim::replication::QueueCounts) -> f64;

/// What became of a queue's messages, per replication's measurement window: the columns
/// shown wherever some queue has any.
const FATES: [(&str, Fate); 8] = [
    ("processed", |c| c.acked),
    ("rejected", |c| c.rejected),
    ("dropped", |c| c.dropped),
    ("expired", |c| c.expired),
    ("abandoned", |c| c.abandoned),
    ("dead-lettered", |c| c.dead_lettered),
    ("redelivered", |c| c.redelivered),
    ("preempted", |c| c.preempted),
];

/// One row per queue: consumers, ρ, utilisation, L, T, p_loss (each with its interval and
/// theory where a model gives one), then what became of its messages (mean per replication
/// over the measurement window: published, processed, and each loss or repeat any queue
/// had).
pub fn queue_table(run: &RunReport, consumers: &[u32]) -> Table {
    let unit = &run.time_unit;
    let metrics = [Metric::Utilization, Metric::L, Metric::T, Metric::PLoss];
    let fates: Vec<_> = FATES
        .iter()
        .filter(|(name, f)| *name == "processed" || run.counts.iter().any(|c| f(c) > 0.0))
        .collect();
    let mut headers = vec!["queue".to_string(), "consumers".into(), "ρ".into()];
    let mut csv_header = vec!["queue".to_string(), "consumers".into(), "rho".into()];
    for m in metrics {
        headers.push(header(m, unit, "95% CI"));
        headers.push(header(m, unit, "theory"));
        csv_header.extend(csv_head(m));
    }
    headers.push("published (messages per replication)".into());
    csv_header.push("published".into());
    for (name, _) in &fates {
        headers.push(format!("{name} (messages)"));
        csv_header.push(name.replace('-', "_"));
    }
    let mut rows = Vec::new();
    let mut csv = vec![csv_header];
    for (j, q) in run.queues.iter().enumerate() {
        let rho = run.loads.get(j).map_or(f64::NAN, |l| l.rho);
        let c = consumers.get(j).copied().unwrap_or(0);
        let mut r = vec![q.name.clone(), c.to_string(), format!("{rho:.4}")];
        let mut rec = vec![q.name.clone(), c.to_string(), rho.to_string()];
        for m in metrics {
            let x = row(q, m);
            r.push(cell(x));
            r.push(x.theory.map_or("-".into(), num));
            rec.extend(csv_cells(x));
        }
        let counts = run.counts.get(j).copied().unwrap_or_default();
        r.push(format!("{:.1}", counts.published));
        rec.push(counts.published.to_string());
        for (_, f) in &fates {
            r.push(format!("{:.1}", f(&counts)));
            rec.push(f(&counts).to_string());
        }
        rows.push(r);
        csv.push(rec);
    }
    Table { headers, rows, csv }
}

/// Each class's T and p99(T) at the report's load levels beside theory's on a fine grid
/// (ρ of the busiest queue from 0.02 to 0.94); None with fewer than two classes or no load
/// runs.
pub fn class_load_chart(runs: &crate::report::ReportRuns) -> Option<crate::charts::ClassLoadCurve> {
    use crate::charts::{ClassLoadCurve, ClassSeries};
    let s = &runs.scenario;
    let base_rho = kendall_sim::traffic::queue_loads(s)
        .iter()
        .map(|l| l.rho)
        .fold(0.0, f64::max);
    if s.classes.len() < 2 || runs.loads.is_empty() || base_rho <= 0.0 {
        return None;
    }
    let theory: Vec<(f64, kendall_sim::theory::Theory)> = (1..48)
        .map(|i| {
            let rho = f64::from(i) * 0.02;
            (
                rho,
                kendall_sim::theory::predict(&s.with_load_scaled(rho / base_rho)),
            )
        })
        .collect();
    let classes = (s.classes.iter().enumerate())
        .map(|(k, c)| ClassSeries {
            name: c.name.clone(),
            theory: (theory.iter())
                .filter_map(|(rho, th)| {
                    let p = th.classes.get(k)?.as_ref()?;
                    let p99 = kendall_sim::theory::value(p, Metric::TP99).unwrap_or(f64::NAN);
                    Some((*rho, p.measures.t, p99))
                })
                .collect(),
            sim: (runs.loads.iter())
                .filter_map(|l| l.classes.get(k).map(|c| (l.point.rho, c.t, c.p99)))
                .collect(),
        })
        .collect();
    Some(ClassLoadCurve {
        title: format!("{}: T and p99(T) per class against load", s.name),
        time_unit: s.time_unit.clone(),
        classes,
    })
}

/// Each queue's simulated utilisation beside theory's, the bottleneck marked; None with one
/// queue.
pub fn queue_chart(run: &RunReport, title: &str) -> Option<crate::charts::QueueUtilization> {
    use crate::charts::{Ci, QueueBar, QueueUtilization};
    if run.queues.len() < 2 {
        return None;
    }
    Some(QueueUtilization {
        title: format!("{title}: utilisation per queue"),
        queues: (run.queues.iter())
            .map(|q| {
                let u = row(q, Metric::Utilization);
                QueueBar {
                    name: q.name.clone(),
                    utilization: Ci::from(u.summary),
                    theory: u.theory,
                }
            })
            .collect(),
        bottleneck: bottleneck(run)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_units() {
        assert_eq!(header(Metric::T, "ms", "95% CI"), "T (ms, 95% CI)");
        assert_eq!(header(Metric::T, "ms", "theory"), "T theory (ms)");
        assert_eq!(header(Metric::L, "ms", ""), "L (messages)");
        assert_eq!(
            header(Metric::Throughput, "", ""),
            "throughput (per time units)"
        );
        assert_eq!(header(Metric::PLoss, "ms", "95% CI"), "p_loss (95% CI)");
        assert_eq!(header(Metric::TP99, "s", "theory"), "T_p99 theory (s)");
    }

    #[test]
    fn a_table_notes_its_clipped_intervals() {
        let t = Table {
            headers: vec!["a".into(), "b (ms, 95% CI)".into()],
            rows: vec![vec!["x".into(), "0.1 [0, 0.3]*".into()]],
            csv: vec![],
        };
        assert!(t.clipped());
        let md = t.markdown();
        assert!(
            md.contains("[0, 0.3]\\*") && md.contains(CLIPPED_NOTE),
            "{md}"
        );
        assert!(t.html(|s| s.to_string()).contains(CLIPPED_NOTE));
        let plain = Table {
            rows: vec![vec!["x".into(), "0.1 [0.05, 0.3]".into()]],
            ..t
        };
        assert!(!plain.clipped() && !plain.markdown().contains(CLIPPED_NOTE));
    }
}
