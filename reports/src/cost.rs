//! The run table's cost section, beside the end-to-end (SLO) figures: each queue's consumer
//! time and, where it has `cost_per_consumer_hour`, its cost, then the totals.

use std::fmt::Write as _;

use kendall_sim::Summary;
use kendall_sim::cost::CostSummary;

use crate::RunReport;
use crate::table::num;

/// Writes the cost section of `report` (whose cost summary is `c`) to `out`.
pub fn cost_table(out: &mut String, report: &RunReport, c: &CostSummary) {
    let unit = if report.time_unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", report.time_unit)
    };
    let _ = writeln!(out, "cost per replication (measurement window)");
    let _ = writeln!(
        out,
        "  {:<16} {:>20}  {:>27}  {:>12}  {:>27}",
        "queue",
        format!("consumer time{unit}"),
        "95% CI",
        "cost",
        "95% CI"
    );
    let cell = |s: Option<&Summary>| match s {
        Some(s) => (num(s.mean), crate::interval::bracket(s, num)),
        None => ("-".to_string(), "-".to_string()),
    };
    let names = report.queues.iter().map(|q| q.name.as_str());
    let rows = names
        .zip(c.consumer_time.iter().zip(&c.cost))
        .map(|(n, (t, k))| (n, Some(t), k.as_ref()))
        .chain(std::iter::once((
            "total",
            Some(&c.consumer_time_total),
            c.cost_total.as_ref(),
        )));
    let mut clipped = false;
    for (name, t, k) in rows {
        let (tm, tci) = cell(t);
        let (km, kci) = cell(k);
        let _ = writeln!(out, "  {name:<16} {tm:>20}  {tci:>27}  {km:>12}  {kci:>27}");
        clipped |= t.is_some_and(Summary::clipped) || k.is_some_and(Summary::clipped);
    }
    crate::interval::note(out, "  ", clipped);
    out.push('\n');
}
