//! The terminal table of `kendall run`.

use std::fmt::Write;

use crate::{RunReport, ScopeReport, TheoryStatus};

impl RunReport {
    /// A plain-text table per scope: metric, mean, 95% CI, theory, model, verdict.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let unit = if self.time_unit.is_empty() {
            String::new()
        } else {
            format!(", times in {}", self.time_unit)
        };
        let length = match self.horizon {
            // [run] horizon: a time, from empty, no warm-up.
            Some(h) => format!(
                "horizon {h} from empty ({} messages each on average)",
                self.customers_per_replication
            ),
            None => format!(
                "{} messages (warm-up {}{})",
                self.customers_per_replication,
                self.warmup,
                if self.warmup_auto {
                    ", auto: MSER-5 or the crossing floor"
                } else {
                    ""
                },
            ),
        };
        let replications = if self.batches > 0 {
            format!(
                "1 replication in {} batches (batch means) x {length}",
                self.batches
            )
        } else {
            format!("{} replications x {length}", self.replications)
        };
        let _ = writeln!(
            out,
            "{}: {replications}, seed {}{unit}",
            self.scenario, self.seed
        );
        let _ = match &self.theory {
            TheoryStatus::Predicted {
                model,
                kind,
                reason,
            } => {
                let _ = writeln!(out, "theory: {model} ({kind})");
                if *kind != "exact" || reason.starts_with("exact by extension") {
                    let _ = writeln!(out, "  why: {reason}");
                }
                Ok(())
            }
            TheoryStatus::Unstable { rho } => writeln!(
                out,
                "theory: UNSTABLE (rho = {rho:.4} >= 1): queues grow without bound; figures below depend on the run length"
            ),
            TheoryStatus::NoModel { reason } => writeln!(out, "theory: none ({reason})"),
        };
        if let Some(f) = &self.fluid {
            let unit = if self.time_unit.is_empty() {
                "time unit"
            } else {
                &self.time_unit
            };
            let _ = writeln!(out, "{}", f.line(unit));
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        if let Some(w) = &self.windows {
            let l = self.system.rows[kendall_sim::Metric::L as usize]
                .summary
                .mean;
            out.push_str(&w.summary(l, &self.time_unit));
        }
        for (q, log) in self.queues.iter().zip(&self.autoscale) {
            if let Some(log) = log {
                out.push_str(&crate::autoscale::summary_line(&q.name, log));
            }
        }
        out.push('\n');
        scope_table(&mut out, "end to end", &self.system);
        if let (Some(c), true) = (&self.cost, self.cost_in_table) {
            crate::cost::cost_table(&mut out, self, c);
        }
        if self.queues.len() > 1 {
            for q in &self.queues {
                scope_table(&mut out, &format!("queue {}", q.name), q);
            }
        }
        if self.classes.len() > 1 {
            for c in &self.classes {
                scope_table(&mut out, &format!("class {}", c.name), c);
            }
        }
        fates(&mut out, self);
        if let Some(c) = &self.clients {
            let _ = writeln!(
                out,
                "senders per replication (measurement window): {:.1} originals, {:.1} attempts, \
                 {:.1} satisfied, {:.1} gave up, {:.1} duplicates processed\n",
                c.originals, c.attempts, c.satisfied, c.given_up, c.duplicates
            );
        }
        let rate = |n: u64| {
            if self.wall_seconds > 0.0 {
                n as f64 / self.wall_seconds
            } else {
                f64::NAN
            }
        };
        let _ = writeln!(
            out,
            "{} events, {} messages in {:.2} s: {:.2} M events/s, {:.2} M messages/s",
            self.events,
            self.messages,
            self.wall_seconds,
            rate(self.events) / 1e6,
            rate(self.messages) / 1e6
        );
        out
    }
}

fn scope_table(out: &mut String, title: &str, scope: &ScopeReport) {
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "  {:<12} {:>12}  {:>27}  {:>12}  {:<24} theory in CI",
        "metric", "mean", "95% CI", "theory", "model"
    );
    for row in &scope.rows {
        let theory = row.theory.map_or("-".to_string(), num);
        let _ = writeln!(
            out,
            "  {:<12} {:>12}  {:>27}  {:>12}  {:<24} {}",
            row.metric.name(),
            num(row.summary.mean),
            crate::interval::bracket(&row.summary, num),
            theory,
            row.model.as_deref().unwrap_or("-"),
            row.verdict(),
        );
    }
    let clipped = scope.rows.iter().any(|r| r.summary.clipped());
    crate::interval::note(out, "  ", clipped);
    out.push('\n');
}

/// Six significant digits, without exponent for ordinary magnitudes; below 10⁻⁴ with one
/// (Erlang C's waiting probability for a large fleet is 1e-50, not 0.000000000).
pub(crate) fn num(x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if magnitude < -4 {
        return format!("{x:.5e}");
    }
    let digits = (5 - magnitude).clamp(0, 9) as usize;
    format!("{x:.digits$}")
}

/// Per queue, what became of its messages (means per replication), when anything other than
/// a plain acknowledgement happened, and how many were still in it at the end.
fn fates(out: &mut String, report: &RunReport) {
    let unusual = |c: &kendall_sim::replication::QueueCounts| {
        c.rejected
            + c.dropped
            + c.expired
            + c.abandoned
            + c.dead_lettered
            + c.redelivered
            + c.preempted
            > 0.0
    };
    // The abandoned column only where a queue has a patience (other tables stay as they were).
    let abandoned = |out: &mut String, cell: &dyn std::fmt::Display| {
        if report.abandonment {
            let _ = write!(out, " {cell:>9}");
        }
    };
    if !report.counts.iter().any(unusual) {
        return;
    }
    let _ = writeln!(out, "message fates per replication (measurement window)");
    let _ = write!(
        out,
        "  {:<16} {:>11} {:>11} {:>9} {:>9} {:>9}",
        "queue", "published", "acked", "rejected", "dropped", "expired",
    );
    abandoned(out, &"abandoned");
    let _ = writeln!(
        out,
        " {:>9} {:>11} {:>9} {:>9}",
        "dead-ltr", "redelivered", "preempted", "in system"
    );
    for (q, c) in report.queues.iter().zip(&report.counts) {
        let _ = write!(
            out,
            "  {:<16} {:>11.1} {:>11.1} {:>9.1} {:>9.1} {:>9.1}",
            q.name, c.published, c.acked, c.rejected, c.dropped, c.expired,
        );
        abandoned(out, &format!("{:.1}", c.abandoned));
        let _ = writeln!(
            out,
            " {:>9.1} {:>11.1} {:>9.1} {:>9.1}",
            c.dead_lettered, c.redelivered, c.preempted, c.in_system
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_keep_six_significant_digits_at_any_magnitude() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "-");
        assert_eq!(num(1.0), "1.00000");
        assert_eq!(num(600.0), "600.000");
        assert_eq!(num(1234567.0), "1234567");
        assert_eq!(num(0.000123456), "0.000123456");
        // Below 1e-4 fixed notation would print zeros: an exponent keeps the digits.
        assert_eq!(num(1.5e-52), "1.50000e-52");
        assert_eq!(num(-2.0e-7), "-2.00000e-7");
        assert_eq!(num(9.99999e-5), "9.99999e-5");
    }
}
