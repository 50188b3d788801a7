//! The report's what-if section (issue 25): with several classes, each class's T as one
//! class's rate grows (theory beside simulation); with several consumers, the dispatch
//! strategies on common random numbers with paired differences from the best. Rendered
//! from runs made in the binary: nothing here simulates.

use crate::Comparison;
use crate::charts::Ci;
use crate::report::ClassWhatIf;
use crate::report_scopes::Table;
use crate::table::num;

/// "mean [lo, hi]" of a chart interval (its ends already clipped to the metric's range).
fn ci_cell(c: Ci) -> String {
    format!("{} [{}, {}]", num(c.mean), num(c.lo), num(c.hi))
}

/// The class what-if as a table: one row per factor of the grown class's rate, each class's
/// simulated T (95% CI) beside theory's.
pub fn class_table(w: &ClassWhatIf, classes: &[String], rate: f64, unit: &str) -> Table {
    let u = if unit.is_empty() { "time units" } else { unit };
    let grown = &classes[w.class];
    let mut headers = vec![format!("{grown} rate (messages per {u})")];
    let mut csv_head = vec![format!("{grown}_rate")];
    for c in classes {
        headers.push(format!("{c}: T ({u}, 95% CI)"));
        headers.push(format!("{c}: T theory ({u})"));
        headers.push(format!("{c}: T_p99 ({u}, 95% CI)"));
        csv_head.extend(
            [
                "T",
                "T_ci_lo",
                "T_ci_hi",
                "T_theory",
                "T_p99",
                "T_p99_ci_lo",
                "T_p99_ci_hi",
            ]
            .map(|x| format!("{c}_{x}")),
        );
    }
    let mut rows = Vec::new();
    let mut csv = vec![csv_head];
    for l in &w.levels {
        let r = rate * l.factor;
        let mut row = vec![format!("{} (×{})", num(r), l.factor)];
        let mut rec = vec![r.to_string()];
        for c in &l.classes {
            row.push(ci_cell(c.t));
            row.push(c.theory_t.map_or("-".into(), num));
            row.push(ci_cell(c.p99));
            rec.extend([c.t.mean, c.t.lo, c.t.hi].map(|x| x.to_string()));
            rec.push(c.theory_t.map_or(String::new(), |t| t.to_string()));
            rec.extend([c.p99.mean, c.p99.lo, c.p99.hi].map(|x| x.to_string()));
        }
        rows.push(row);
        csv.push(rec);
    }
    Table { headers, rows, csv }
}

/// The dispatch comparison as a table: strategies ranked by mean T, each with T and p99(T)
/// (95% CI) and its paired difference in T from the best (95% CI over the paired
/// replications) beside the half-width independent runs would give.
pub fn dispatch_table(c: &Comparison, unit: &str) -> Table {
    let u = if unit.is_empty() { "time units" } else { unit };
    let headers = vec![
        "rank".to_string(),
        "strategy".into(),
        format!("T ({u}, 95% CI)"),
        format!("T_p99 ({u}, 95% CI)"),
        format!("T − best ({u}, paired 95% CI)"),
        format!("unpaired half-width ({u})"),
    ];
    let mut csv = vec![
        [
            "rank",
            "strategy",
            "T",
            "T_ci_lo",
            "T_ci_hi",
            "T_p99",
            "T_p99_ci_lo",
            "T_p99_ci_hi",
            "T_diff",
            "T_diff_ci_lo",
            "T_diff_ci_hi",
            "unpaired_half_width",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut rows = Vec::new();
    for (k, r) in c.ranked.iter().enumerate() {
        let cell = |s: &kendall_sim::Summary| {
            format!("{} {}", num(s.mean), crate::interval::bracket(s, num))
        };
        let (diff, unpaired) = match &r.vs_best {
            None => ("best".to_string(), "-".to_string()),
            Some(d) => (
                format!(
                    "{:+.4} {}",
                    d[0].paired.mean,
                    crate::interval::bracket(&d[0].paired, |x| format!("{x:+.4}"))
                ),
                num(d[0].unpaired_half_width),
            ),
        };
        rows.push(vec![
            (k + 1).to_string(),
            r.name.clone(),
            cell(&r.metrics[0]),
            cell(&r.metrics[1]),
            diff,
            unpaired,
        ]);
        let ends = |s: &kendall_sim::Summary| {
            let (lo, hi) = s.ci();
            [s.mean, lo, hi].map(|x| x.to_string())
        };
        let mut rec = vec![(k + 1).to_string(), r.name.clone()];
        rec.extend(ends(&r.metrics[0]));
        rec.extend(ends(&r.metrics[1]));
        match &r.vs_best {
            None => rec.extend(["0", "0", "0", ""].map(String::from)),
            Some(d) => {
                rec.extend(ends(&d[0].paired));
                rec.push(d[0].unpaired_half_width.to_string());
            }
        }
        csv.push(rec);
    }
    Table { headers, rows, csv }
}
