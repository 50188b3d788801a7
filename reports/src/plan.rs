//! Capacity planning's inputs and answer: the targets and load levels as parsed, the rows
//! the search (in the `kendall` binary) fills in, and their table, JSON and CSV.

use std::fmt::Write as _;

use kendall_sim::stats::Metric;
use kendall_sim::{ExperimentResult, Scenario, Summary};
use serde::Serialize;

use crate::early_sojourns::{percent_of, short_warmup};
use crate::json::{ByName, MeanCi};

/// The grammar of a target, quoted in every target error.
const TARGET_GRAMMAR: &str = "expected METRIC < NUMBER or METRIC <= NUMBER, where METRIC is \
                              p50|p90|p99|p999(T|Wq), mean(T|Wq|L|Lq), util, p_loss or p_wait";

/// A `--target` or `--load` that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The target has neither `<` nor `<=`.
    #[error("target `{text}`: no `<` or `<=`; {TARGET_GRAMMAR}")]
    NoComparison {
        /// The target as written.
        text: String,
    },
    /// The target's metric is not one plan knows.
    #[error("target `{text}`: unknown metric `{name}`; {TARGET_GRAMMAR}")]
    UnknownMetric {
        /// The target as written.
        text: String,
        /// The metric as read (spaces removed).
        name: String,
    },
    /// The threshold is not a number.
    #[error("target `{text}`: `{threshold}` is not a number")]
    BadThreshold {
        /// The target as written.
        text: String,
        /// The threshold as written.
        threshold: String,
    },
    /// The threshold is infinite or NaN.
    #[error("target `{text}`: the threshold must be finite")]
    InfiniteThreshold {
        /// The target as written.
        text: String,
    },
    /// The load range does not parse, and why.
    #[error("--load `{text}`: {why}; expected FROM..TO[:STEP], e.g. 2..20:2 or x0.5..x1.5:0.25")]
    BadLoad {
        /// The range as written.
        text: String,
        /// What is wrong with it.
        why: String,
    },
}

/// `<` or `<=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// Strictly below.
    Lt,
    /// At most.
    Le,
}

/// One service-level target, e.g. `p99(T) < 50`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The metric it constrains (`util` is the varied queue's utilisation; every other
    /// metric is end to end).
    pub metric: Metric,
    /// The comparison.
    pub cmp: Cmp,
    /// The threshold.
    pub threshold: f64,
    /// The target as written (normalised spacing).
    pub label: String,
}

impl Target {
    /// Parses `p50|p90|p99|p999(T|Wq)`, `mean(T|Wq|L|Lq)`, `util`, `p_loss` or `p_wait`,
    /// then `<` or `<=`, then a number.
    pub fn parse(text: &str) -> Result<Target, PlanError> {
        let (lhs, cmp, rhs) = if let Some((l, r)) = text.split_once("<=") {
            (l, Cmp::Le, r)
        } else if let Some((l, r)) = text.split_once('<') {
            (l, Cmp::Lt, r)
        } else {
            return Err(PlanError::NoComparison { text: text.into() });
        };
        let name: String = lhs.chars().filter(|c| !c.is_whitespace()).collect();
        let metric = match name.as_str() {
            "util" | "utilization" => Metric::Utilization,
            "p_loss" => Metric::PLoss,
            "p_wait" => Metric::PWait,
            "mean(T)" => Metric::T,
            "mean(Wq)" => Metric::Wq,
            "mean(L)" => Metric::L,
            "mean(Lq)" => Metric::Lq,
            "p50(T)" => Metric::TP50,
            "p90(T)" => Metric::TP90,
            "p99(T)" => Metric::TP99,
            "p999(T)" => Metric::TP999,
            "p50(Wq)" => Metric::WqP50,
            "p90(Wq)" => Metric::WqP90,
            "p99(Wq)" => Metric::WqP99,
            "p999(Wq)" => Metric::WqP999,
            _ => {
                return Err(PlanError::UnknownMetric {
                    text: text.into(),
                    name,
                });
            }
        };
        let threshold: f64 = rhs.trim().parse().map_err(|_| PlanError::BadThreshold {
            text: text.into(),
            threshold: rhs.trim().into(),
        })?;
        if !threshold.is_finite() {
            return Err(PlanError::InfiniteThreshold { text: text.into() });
        }
        let op = match cmp {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
        };
        Ok(Target {
            metric,
            cmp,
            threshold,
            label: format!("{name} {op} {}", rhs.trim()),
        })
    }

    /// Whether a value meets the target.
    pub fn met_by(&self, x: f64) -> bool {
        match self.cmp {
            Cmp::Lt => x < self.threshold,
            Cmp::Le => x <= self.threshold,
        }
    }

    /// The simulation's verdict at 95% confidence: the whole interval meets the target
    /// (pass), none of it does (fail), or it straddles the threshold (undecided).
    pub fn judge(&self, s: &Summary) -> Judgement {
        let (lo, hi) = s.ci();
        if !(lo.is_finite() && hi.is_finite()) {
            return Judgement::Undecided;
        }
        if self.met_by(hi) {
            Judgement::Pass
        } else if !self.met_by(lo) {
            Judgement::Fail
        } else {
            Judgement::Undecided
        }
    }
}

/// A simulated verdict at 95% confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Every target met with confidence.
    Pass,
    /// Some target missed with confidence.
    Fail,
    /// Neither.
    Undecided,
}

/// The load levels of `--load FROM..TO[:STEP]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRange {
    /// The levels, in order.
    pub levels: Vec<f64>,
    /// True for `xFROM..xTO`: multiples of the scenario's own rates, not total rates.
    pub relative: bool,
}

impl LoadRange {
    /// Parses `FROM..TO[:STEP]` (total arrival rates) or `xFROM..xTO[:STEP]` (multiples of
    /// the scenario's rates). Without a step, ten evenly spaced levels; `FROM` alone is one.
    pub fn parse(text: &str) -> Result<LoadRange, PlanError> {
        let bad = |why: &str| PlanError::BadLoad {
            text: text.into(),
            why: why.into(),
        };
        let t = text.trim();
        let (range, step) = match t.split_once(':') {
            Some((r, s)) => (r, Some(s)),
            None => (t, None),
        };
        let (from, to) = range.split_once("..").unwrap_or((range, range));
        let relative = from.trim().starts_with('x');
        if to.trim().starts_with('x') != relative && range.contains("..") {
            return Err(bad("write x on both ends or on neither"));
        }
        let num = |s: &str| -> Result<f64, PlanError> {
            let s = s.trim().trim_start_matches('x');
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| bad(&format!("`{s}` is not a positive number")))
        };
        let (from, to) = (num(from)?, num(to)?);
        if to < from {
            return Err(bad("TO is below FROM"));
        }
        let levels = match step {
            Some(s) => {
                let step = num(s)?;
                let n = ((to - from) / step + 1e-9).floor() as usize;
                if n > 10_000 {
                    return Err(bad("more than 10000 levels"));
                }
                (0..=n).map(|i| from + step * i as f64).collect()
            }
            None if from == to => vec![from],
            None => (0..10)
                .map(|i| from + (to - from) * i as f64 / 9.0)
                .collect(),
        };
        Ok(LoadRange { levels, relative })
    }
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanSpec {
    /// Targets, all of which must hold.
    pub targets: Vec<Target>,
    /// Load levels.
    pub loads: LoadRange,
    /// Index of the queue whose consumers vary.
    pub queue: usize,
}

/// Simulated (and theory) value of one metric at the chosen consumer count.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanMetric {
    /// The metric.
    pub metric: Metric,
    /// Simulated mean and CI.
    pub summary: Summary,
    /// Theory, where it has the metric.
    pub theory: Option<f64>,
}

/// One load level's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    /// Total arrival rate.
    pub load: f64,
    /// Offered load of the varied queue in consumers' worth of work (λ·E[S]).
    pub offered: f64,
    /// Fewest consumers meeting every target: simulation's answer, or theory's when
    /// simulation could not decide (then `confirmed` is false).
    pub consumers: Option<u32>,
    /// Theory's answer (on the targets it can evaluate).
    pub theory_consumers: Option<u32>,
    /// Model theory used at `theory_consumers`, and whether it is exact.
    pub model: Option<(String, &'static str)>,
    /// Targets theory could not evaluate (left to simulation).
    pub theory_lacks: Vec<String>,
    /// Whether simulation showed n passing and n − 1 failing at 95% confidence.
    pub confirmed: Confirmation,
    /// What happened, in words (disagreements with theory, undecided intervals).
    pub notes: Vec<String>,
    /// Metrics at `consumers` (targets' metrics first, then T, Wq, utilisation).
    pub metrics: Vec<PlanMetric>,
}

/// Whether simulation confirmed a row's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// n passes and n − 1 fails, each at 95% confidence.
    Yes,
    /// Not confirmed: the runs cannot be trusted (too short, a warm-up too short), or no
    /// count was found.
    No,
    /// The intervals could not decide (one straddles a threshold), even with more
    /// replications where theory was exact: the count stands without confirmation.
    Inconclusive,
}

impl Confirmation {
    /// As the table and CSV print it.
    pub fn label(self) -> &'static str {
        match self {
            Confirmation::Yes => "yes",
            Confirmation::No => "NO",
            Confirmation::Inconclusive => "inconclusive",
        }
    }
}

/// JSON: `true`, `false` or `"inconclusive"`.
impl Serialize for Confirmation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Confirmation::Yes => serializer.serialize_bool(true),
            Confirmation::No => serializer.serialize_bool(false),
            Confirmation::Inconclusive => serializer.serialize_str("inconclusive"),
        }
    }
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanReport {
    /// Scenario name.
    pub scenario: String,
    /// Time unit.
    pub time_unit: String,
    /// Varied queue's name.
    pub queue: String,
    /// Targets as written.
    pub targets: Vec<String>,
    /// Replications × customers of each simulation.
    pub replications: u32,
    /// Messages measured per replication.
    pub customers: u64,
    /// One row per load level.
    pub rows: Vec<PlanRow>,
}

/// The targets of `spec` that a warm-up too short for the longest stays biases in `result`
/// (a run of `s`), with their biases ("T_p99 by 2.6%"), and the warm-up that would do; None
/// if the targets are clear of it.
pub fn cut_targets(
    s: &Scenario,
    result: &ExperimentResult,
    spec: &PlanSpec,
) -> Option<(String, u64)> {
    let short = short_warmup(s, result)?;
    let cut: Vec<String> = short
        .cut
        .iter()
        .filter(|c| c.scope == "system" && spec.targets.iter().any(|t| t.metric == c.metric))
        .map(|c| format!("{} by {}", c.metric.name(), percent_of(c.bias)))
        .collect();
    (!cut.is_empty()).then(|| (cut.join(", "), short.warmup_needed))
}

fn opt_u32(x: Option<u32>) -> String {
    x.map_or("-".into(), |v| v.to_string())
}

impl PlanReport {
    /// The table printed on stdout.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "plan for \"{}\": fewest consumers of queue {} meeting {}\n",
            self.scenario,
            self.queue,
            self.targets.join(" and ")
        );
        let _ = writeln!(
            out,
            "simulation: {} replications x {} messages per count; confirmed = n passes and n-1 fails at 95% confidence (inconclusive: an interval straddles a threshold)\n",
            self.replications, self.customers
        );
        let metric_names: Vec<&str> = self
            .rows
            .iter()
            .find(|r| !r.metrics.is_empty())
            .map(|r| r.metrics.iter().map(|m| m.metric.name()).collect())
            .unwrap_or_default();
        let _ = write!(
            out,
            "{:>10} {:>9} {:>9} {:>7} {:>9}",
            "load", "offered", "consumers", "theory", "confirmed"
        );
        for m in &metric_names {
            let _ = write!(out, " {:>24}", format!("{m} (95% CI)"));
        }
        out.push_str("  model\n");
        let mut clipped = false;
        for r in &self.rows {
            let _ = write!(
                out,
                "{:>10} {:>9.3} {:>9} {:>7} {:>9}",
                format!("{:.4}", r.load),
                r.offered,
                opt_u32(r.consumers),
                opt_u32(r.theory_consumers),
                r.confirmed.label()
            );
            for m in &metric_names {
                let cell =
                    r.metrics
                        .iter()
                        .find(|x| x.metric.name() == *m)
                        .map_or("-".to_string(), |x| {
                            let s = &x.summary;
                            if s.clipped() {
                                clipped = true;
                                let bracket = crate::interval::bracket(s, |v| format!("{v:.2}"));
                                format!("{:.4} {bracket}", s.mean)
                            } else {
                                format!("{:.4} ±{:.2}", s.mean, s.half_width)
                            }
                        });
                let _ = write!(out, " {cell:>24}");
            }
            let model = r
                .model
                .as_ref()
                .map_or("-".to_string(), |(m, k)| format!("{m} ({k})"));
            let _ = writeln!(out, "  {model}");
        }
        crate::interval::note(&mut out, "", clipped);
        for r in &self.rows {
            for n in &r.notes {
                let _ = writeln!(out, "note: load {:.4}: {n}", r.load);
            }
        }
        out
    }

    /// `{"rows": [...]}` as docs/plan.md describes it, with the plan's settings beside.
    pub fn to_json(&self) -> PlanDocument<'_> {
        PlanDocument {
            scenario: &self.scenario,
            queue: &self.queue,
            targets: &self.targets,
            replications: self.replications,
            customers_per_replication: self.customers,
            rows: self.rows.iter().map(PlanRowDocument::of).collect(),
        }
    }

    /// CSV: one row per load level.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let names: Vec<&str> = self
            .rows
            .iter()
            .find(|r| !r.metrics.is_empty())
            .map(|r| r.metrics.iter().map(|m| m.metric.name()).collect())
            .unwrap_or_default();
        let mut header: Vec<String> = [
            "load",
            "offered",
            "consumers",
            "theory_consumers",
            "confirmed",
            "model",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in &names {
            header.extend([
                format!("{n}_mean"),
                format!("{n}_ci_lo"),
                format!("{n}_ci_hi"),
                format!("{n}_theory"),
            ]);
        }
        let _ = w.write_record(&header);
        for r in &self.rows {
            let mut rec = vec![
                r.load.to_string(),
                r.offered.to_string(),
                r.consumers.map_or(String::new(), |c| c.to_string()),
                r.theory_consumers.map_or(String::new(), |c| c.to_string()),
                match r.confirmed {
                    Confirmation::Yes => "true".to_string(),
                    Confirmation::No => "false".to_string(),
                    Confirmation::Inconclusive => "inconclusive".to_string(),
                },
                r.model.as_ref().map_or(String::new(), |m| m.0.clone()),
            ];
            for n in &names {
                match r.metrics.iter().find(|m| m.metric.name() == *n) {
                    Some(m) => {
                        let (lo, hi) = m.summary.ci();
                        rec.extend([
                            m.summary.mean.to_string(),
                            lo.to_string(),
                            hi.to_string(),
                            m.theory.map_or(String::new(), |t| t.to_string()),
                        ]);
                    }
                    None => rec.extend(std::iter::repeat_n(String::new(), 4)),
                }
            }
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// `kendall plan --json`: the plan's settings and one row per load level.
#[derive(Serialize)]
pub struct PlanDocument<'a> {
    scenario: &'a str,
    queue: &'a str,
    targets: &'a [String],
    replications: u32,
    customers_per_replication: u64,
    rows: Vec<PlanRowDocument<'a>>,
}

/// One load level: the consumers found, theory's count, and the metrics at that count.
#[derive(Serialize)]
struct PlanRowDocument<'a> {
    load: f64,
    consumers: Option<u32>,
    theory_consumers: Option<u32>,
    confirmed: Confirmation,
    metrics: ByName<&'static str, PlanMetricDocument>,
    offered: f64,
    model: Option<&'a str>,
    theory_kind: Option<&'static str>,
    theory_lacks: &'a [String],
    notes: &'a [String],
}

impl<'a> PlanRowDocument<'a> {
    fn of(r: &'a PlanRow) -> Self {
        PlanRowDocument {
            load: r.load,
            consumers: r.consumers,
            theory_consumers: r.theory_consumers,
            confirmed: r.confirmed,
            metrics: ByName(
                r.metrics
                    .iter()
                    .map(|m| (m.metric.name(), PlanMetricDocument::of(m)))
                    .collect(),
            ),
            offered: r.offered,
            model: r.model.as_ref().map(|m| m.0.as_str()),
            theory_kind: r.model.as_ref().map(|m| m.1),
            theory_lacks: &r.theory_lacks,
            notes: &r.notes,
        }
    }
}

/// A metric at the consumers found: simulated mean and CI, and theory.
#[derive(Serialize)]
struct PlanMetricDocument {
    #[serde(flatten)]
    simulated: MeanCi,
    theory: Option<f64>,
}

impl PlanMetricDocument {
    fn of(m: &PlanMetric) -> Self {
        PlanMetricDocument {
            simulated: MeanCi::of(&m.summary),
            theory: m.theory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = Target::parse("p99(T) < 50").unwrap();
        assert_eq!(
            (t.metric, t.cmp, t.threshold),
            (Metric::TP99, Cmp::Lt, 50.0)
        );
        let t = Target::parse("mean(Wq)<=5").unwrap();
        assert_eq!((t.metric, t.cmp), (Metric::Wq, Cmp::Le));
        assert_eq!(
            Target::parse("util < 0.8").unwrap().metric,
            Metric::Utilization
        );
        assert_eq!(
            Target::parse("p_loss < 0.001").unwrap().metric,
            Metric::PLoss
        );
        assert!(Target::parse("p98(T) < 1").is_err());
        assert!(Target::parse("mean(T) > 1").is_err());
        assert!(Target::parse("mean(T) < abc").is_err());
    }

    #[test]
    fn loads_parse() {
        let l = LoadRange::parse("2..6:2").unwrap();
        assert_eq!(l.levels, vec![2.0, 4.0, 6.0]);
        assert!(!l.relative);
        let l = LoadRange::parse("x1..x3:0.5").unwrap();
        assert_eq!(l.levels, vec![1.0, 1.5, 2.0, 2.5, 3.0]);
        assert!(l.relative);
        assert_eq!(LoadRange::parse("1..10").unwrap().levels.len(), 10);
        assert!(LoadRange::parse("5..1").is_err());
        assert!(LoadRange::parse("a..b").is_err());
    }
}
