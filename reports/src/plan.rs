//! Capacity planning: the fewest consumers that meet every target, per load level.
//!
//! Theory proposes (exact where the oracle has a model, its approximation otherwise; targets
//! theory cannot evaluate are left to simulation), simulation decides around the boundary:
//! n consumers pass and n − 1 fail, each at 95% confidence (the interval against the
//! threshold).

use std::fmt::Write as _;

use kendall_models::{Prediction, Verdict};
use kendall_sim::stats::Metric;
use kendall_sim::theory::{self, Theory};
use kendall_sim::traffic::{all_stable, queue_loads};
use kendall_sim::{ExperimentResult, Scenario, Summary, run_experiment};
use serde_json::{Map, Value, json};

use crate::early_sojourns::{percent_of, short_warmup};
use crate::startup::unsettled;

/// Most consumers the search will consider.
pub const MAX_CONSUMERS: u32 = 100_000;
/// Most simulation steps (one consumer count each) per load level.
const MAX_SIM_STEPS: usize = 12;

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
    pub fn parse(text: &str) -> Result<Target, String> {
        let grammar = "expected METRIC < NUMBER or METRIC <= NUMBER, where METRIC is \
                       p50|p90|p99|p999(T|Wq), mean(T|Wq|L|Lq), util, p_loss or p_wait";
        let (lhs, cmp, rhs) = if let Some((l, r)) = text.split_once("<=") {
            (l, Cmp::Le, r)
        } else if let Some((l, r)) = text.split_once('<') {
            (l, Cmp::Lt, r)
        } else {
            return Err(format!("target `{text}`: no `<` or `<=`; {grammar}"));
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
                return Err(format!(
                    "target `{text}`: unknown metric `{name}`; {grammar}"
                ));
            }
        };
        let threshold: f64 = rhs
            .trim()
            .parse()
            .map_err(|_| format!("target `{text}`: `{}` is not a number", rhs.trim()))?;
        if !threshold.is_finite() {
            return Err(format!("target `{text}`: the threshold must be finite"));
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
    pub fn parse(text: &str) -> Result<LoadRange, String> {
        let bad = |why: &str| {
            format!(
                "--load `{text}`: {why}; expected FROM..TO[:STEP], e.g. 2..20:2 or x0.5..x1.5:0.25"
            )
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
        let num = |s: &str| -> Result<f64, String> {
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

/// Total external arrival rate of a scenario.
pub fn total_rate(s: &Scenario) -> f64 {
    s.producers
        .iter()
        .map(|p| 1.0 / p.interarrival.mean())
        .sum()
}

/// The scenario with every producer's rate multiplied by `factor` (inter-arrival times
/// divided by it, shape kept).
pub fn scale_load(s: &Scenario, factor: f64) -> Scenario {
    let mut out = s.clone();
    for p in &mut out.producers {
        p.interarrival = p.interarrival.scaled(1.0 / factor);
    }
    out
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
    /// True when simulation showed n passing and n − 1 failing at 95% confidence.
    pub confirmed: bool,
    /// What happened, in words (disagreements with theory, undecided intervals).
    pub notes: Vec<String>,
    /// Metrics at `consumers` (targets' metrics first, then T, Wq, utilisation).
    pub metrics: Vec<PlanMetric>,
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

/// The theory value of `m` in `p` (the varied queue's prediction for `util`).
fn theory_metric(t: &Theory, queue: usize, m: Metric) -> Option<f64> {
    let p: &Prediction = if m == Metric::Utilization {
        t.queues.get(queue)?.as_ref()?
    } else {
        match &t.system {
            Verdict::Predicted(p) => p,
            _ => return None,
        }
    };
    let ms = &p.measures;
    if let Some((is_t, i)) = m.percentile() {
        let q = if is_t { p.t_quantiles } else { p.wq_quantiles };
        return q.map(|q| q[i]);
    }
    match m {
        Metric::T => Some(ms.t),
        Metric::Wq => Some(ms.wq),
        Metric::L => Some(ms.l),
        Metric::Lq => Some(ms.lq),
        Metric::Utilization => Some(ms.utilization),
        Metric::Throughput => Some(ms.throughput),
        Metric::PWait => ms.p_wait,
        Metric::PLoss => Some(ms.p_loss),
        _ => None,
    }
}

fn with_consumers(s: &Scenario, queue: usize, c: u32) -> Scenario {
    let mut s = s.clone();
    let q = &mut s.queues[queue];
    q.consumers = c;
    // Per-consumer speeds follow the count (all equal speeds are kept equal).
    if !q.speeds.is_empty() {
        let v = q.speeds[0];
        q.speeds = vec![v; c as usize];
    }
    s
}

/// The simulated value of `m` for the plan (the varied queue's for `util`).
fn sim_metric(r: &ExperimentResult, queue: usize, m: Metric) -> Summary {
    if m == Metric::Utilization {
        r.queues[queue].get(m)
    } else {
        r.system.get(m)
    }
}

/// The targets of `spec` that a warm-up too short for the longest stays biases in `result`
/// (a run of `s`), with their biases ("T_p99 by 2.6%"), and the warm-up that would do; None
/// if the targets are clear of it.
fn cut_targets(s: &Scenario, result: &ExperimentResult, spec: &PlanSpec) -> Option<(String, u64)> {
    let short = short_warmup(s, result)?;
    let cut: Vec<String> = short
        .cut
        .iter()
        .filter(|c| c.scope == "system" && spec.targets.iter().any(|t| t.metric == c.metric))
        .map(|c| format!("{} by {}", c.metric.name(), percent_of(c.bias)))
        .collect();
    (!cut.is_empty()).then(|| (cut.join(", "), short.warmup_needed))
}

/// Theory's verdict at `c` consumers: Some(true/false) on the targets it can evaluate, None
/// when the model is unstable or absent for every target.
fn theory_ok(s: &Scenario, spec: &PlanSpec, c: u32) -> (bool, Theory) {
    let sc = with_consumers(s, spec.queue, c);
    let t = theory::predict(&sc);
    if !all_stable(&sc) {
        return (false, t);
    }
    let ok = spec
        .targets
        .iter()
        .all(|tg| theory_metric(&t, spec.queue, tg.metric).is_none_or(|v| tg.met_by(v)));
    (ok, t)
}

/// Plans one load level of scenario `s` (already scaled). `simulate` runs an experiment.
fn plan_level(
    s: &Scenario,
    spec: &PlanSpec,
    load: f64,
    simulate: &mut dyn FnMut(&Scenario) -> Result<ExperimentResult, String>,
) -> Result<PlanRow, String> {
    let ql = queue_loads(s)[spec.queue];
    let offered = ql.rho * f64::from(s.queues[spec.queue].consumers);
    let mut notes = Vec::new();
    // Theory: the least c from the stability bound up that meets every evaluable target.
    let start = if s.queues[spec.queue].capacity.is_some() {
        1
    } else {
        (offered.floor() as u32).max(1)
    };
    let mut theory_consumers = None;
    let mut model = None;
    let mut theory_lacks = Vec::new();
    let mut c = start;
    while c <= MAX_CONSUMERS {
        let (ok, t) = theory_ok(s, spec, c);
        if ok {
            if let Verdict::Predicted(p) = &t.system {
                model = Some((p.model.clone(), p.exactness.label()));
            }
            theory_lacks = spec
                .targets
                .iter()
                .filter(|tg| theory_metric(&t, spec.queue, tg.metric).is_none())
                .map(|tg| tg.label.clone())
                .collect();
            theory_consumers = Some(c);
            break;
        }
        c += 1;
    }
    if !theory_lacks.is_empty() {
        notes.push(format!(
            "theory has no value for {}: simulation decides",
            theory_lacks.join(", ")
        ));
    }
    // Simulation around the boundary.
    let judge = |r: &ExperimentResult| {
        let mut verdict = Judgement::Pass;
        for tg in &spec.targets {
            match tg.judge(&sim_metric(r, spec.queue, tg.metric)) {
                Judgement::Fail => return Judgement::Fail,
                Judgement::Undecided => verdict = Judgement::Undecided,
                Judgement::Pass => {}
            }
        }
        verdict
    };
    let stable_at = |c: u32| {
        let sc = with_consumers(s, spec.queue, c);
        all_stable(&sc)
    };
    let mut n = theory_consumers.unwrap_or(start).max(1);
    let mut cache: Vec<(u32, Judgement, Option<ExperimentResult>)> = Vec::new();
    let mut eval = |c: u32| -> Result<(Judgement, Option<ExperimentResult>), String> {
        if let Some((_, j, r)) = cache.iter().find(|(k, _, _)| *k == c) {
            return Ok((*j, r.clone()));
        }
        let out = if c == 0 || !stable_at(c) {
            (Judgement::Fail, None)
        } else {
            let r = simulate(&with_consumers(s, spec.queue, c))?;
            (judge(&r), Some(r))
        };
        cache.push((c, out.0, out.1.clone()));
        Ok(out)
    };
    let mut consumers = None;
    let mut confirmed = false;
    let mut chosen: Option<ExperimentResult> = None;
    let first = n;
    for _ in 0..MAX_SIM_STEPS {
        let (j, r) = eval(n)?;
        match j {
            Judgement::Pass => {
                let (below, _) = eval(n - 1)?;
                match below {
                    Judgement::Fail => {
                        consumers = Some(n);
                        confirmed = true;
                        chosen = r;
                        break;
                    }
                    Judgement::Pass => n -= 1,
                    Judgement::Undecided => {
                        notes.push(format!(
                            "simulation cannot tell whether {} consumers suffice (an interval straddles a threshold)",
                            n - 1
                        ));
                        consumers = Some(n);
                        chosen = r;
                        break;
                    }
                }
            }
            Judgement::Fail => n += 1,
            Judgement::Undecided => {
                notes.push(format!(
                    "simulation cannot tell whether {n} consumers suffice (an interval straddles a threshold)"
                ));
                // The next count up is the safe answer if it passes.
                let (up, r_up) = eval(n + 1)?;
                consumers = Some(if up == Judgement::Pass { n + 1 } else { n });
                chosen = if up == Judgement::Pass { r_up } else { r };
                break;
            }
        }
    }
    if consumers.is_none() {
        notes.push("simulation did not settle within its step limit".into());
    }
    // Runs too short for the fleet to settle from empty flatter every count alike: n's pass
    // is not evidence, and theory's answer (if any) stands.
    let mut distrusted = false;
    if let Some(n) = consumers {
        let short = |c: u32| {
            let sc = with_consumers(s, spec.queue, c);
            unsettled(&sc, &theory::predict(&sc)).into_iter().next()
        };
        if let Some(u) = short(n) {
            distrusted = true;
            confirmed = false;
            let unit = &s.time_unit;
            match theory_consumers.filter(|&t| t != n) {
                Some(t) => {
                    notes.push(format!(
                        "at {n} consumers the runs are too short to trust: {}; theory's {t} \
                         consumers stand",
                        u.summary(unit)
                    ));
                    if let Some(at_t) = short(t) {
                        notes.push(format!(
                            "to confirm {t} consumers by simulation, {}",
                            at_t.advice()
                        ));
                    }
                    consumers = Some(t);
                    chosen = eval(t)?.1;
                }
                None => notes.push(format!(
                    "at {n} consumers the runs are too short to trust: {}; to confirm, {}",
                    u.summary(unit),
                    u.advice()
                )),
            }
        }
    }
    // So does a warm-up too short for the longest stays, which biases T low at every count
    // alike: as found at the first count simulated, where the search started.
    if !distrusted
        && let (_, Some(r)) = eval(first)?
        && let Some((cut, warmup)) = cut_targets(&with_consumers(s, spec.queue, first), &r, spec)
    {
        confirmed = false;
        let why = format!(
            "at {first} consumers the warm-up is too short for the longest stays, so targets \
             on T come out low ({cut})"
        );
        match theory_consumers {
            Some(t) if consumers != Some(t) => {
                notes.push(format!("{why}; theory's {t} consumers stand"));
                consumers = Some(t);
                chosen = eval(t)?.1;
            }
            _ => notes.push(why),
        }
        notes.push(format!(
            "to confirm by simulation, use a warm-up of at least {warmup} messages (--warmup \
             {warmup})"
        ));
    }
    if let (Some(a), Some(b)) = (consumers, theory_consumers)
        && a != b
    {
        notes.push(format!(
            "simulation says {a} consumers, theory {b}: they disagree"
        ));
    }
    let theory_at = consumers.map(|c| theory_ok(s, spec, c).1);
    let mut wanted: Vec<Metric> = spec.targets.iter().map(|t| t.metric).collect();
    for m in [Metric::T, Metric::Wq, Metric::Utilization] {
        if !wanted.contains(&m) {
            wanted.push(m);
        }
    }
    let metrics = match &chosen {
        Some(r) => wanted
            .iter()
            .map(|&m| PlanMetric {
                metric: m,
                summary: sim_metric(r, spec.queue, m),
                theory: theory_at
                    .as_ref()
                    .and_then(|t| theory_metric(t, spec.queue, m)),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(PlanRow {
        load,
        offered,
        consumers,
        theory_consumers,
        model,
        theory_lacks,
        confirmed,
        notes,
        metrics,
    })
}

/// Plans every load level of `spec` for `scenario`, simulating with `run_experiment` on the
/// current rayon pool. `progress` is called after each level.
pub fn plan(
    scenario: &Scenario,
    spec: &PlanSpec,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PlanReport, String> {
    let base = total_rate(scenario);
    let mut simulate =
        |s: &Scenario| run_experiment(s).map_err(|e| format!("simulation failed: {e}"));
    let mut rows = Vec::new();
    for (i, &level) in spec.loads.levels.iter().enumerate() {
        let factor = if spec.loads.relative {
            level
        } else {
            level / base
        };
        let s = scale_load(scenario, factor);
        rows.push(plan_level(&s, spec, base * factor, &mut simulate)?);
        progress(i + 1, spec.loads.levels.len());
    }
    Ok(PlanReport {
        scenario: scenario.name.clone(),
        time_unit: scenario.time_unit.clone(),
        queue: scenario.queues[spec.queue].name.clone(),
        targets: spec.targets.iter().map(|t| t.label.clone()).collect(),
        replications: scenario.run.replications,
        customers: scenario.run.customers,
        rows,
    })
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
            "simulation: {} replications x {} messages per count; confirmed = n passes and n-1 fails at 95% confidence\n",
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
        for r in &self.rows {
            let _ = write!(
                out,
                "{:>10} {:>9.3} {:>9} {:>7} {:>9}",
                format!("{:.4}", r.load),
                r.offered,
                opt_u32(r.consumers),
                opt_u32(r.theory_consumers),
                if r.confirmed { "yes" } else { "NO" }
            );
            for m in &metric_names {
                let cell = r
                    .metrics
                    .iter()
                    .find(|x| x.metric.name() == *m)
                    .map_or("-".to_string(), |x| {
                        format!("{:.4} ±{:.2}", x.summary.mean, x.summary.half_width)
                    });
                let _ = write!(out, " {cell:>24}");
            }
            let model = r
                .model
                .as_ref()
                .map_or("-".to_string(), |(m, k)| format!("{m} ({k})"));
            let _ = writeln!(out, "  {model}");
        }
        for r in &self.rows {
            for n in &r.notes {
                let _ = writeln!(out, "note: load {:.4}: {n}", r.load);
            }
        }
        out
    }

    /// `{"rows": [...]}` as in the README, with the plan's settings beside.
    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut metrics = Map::new();
                for m in &r.metrics {
                    let (lo, hi) = m.summary.ci();
                    let f = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
                    metrics.insert(
                        m.metric.name().to_string(),
                        json!({"mean": f(m.summary.mean), "ci95": [f(lo), f(hi)], "theory": m.theory}),
                    );
                }
                json!({
                    "load": r.load,
                    "consumers": r.consumers,
                    "theory_consumers": r.theory_consumers,
                    "confirmed": r.confirmed,
                    "metrics": metrics,
                    "offered": r.offered,
                    "model": r.model.as_ref().map(|m| &m.0),
                    "theory_kind": r.model.as_ref().map(|m| m.1),
                    "theory_lacks": r.theory_lacks,
                    "notes": r.notes,
                })
            })
            .collect();
        json!({
            "scenario": self.scenario,
            "queue": self.queue,
            "targets": self.targets,
            "replications": self.replications,
            "customers_per_replication": self.customers,
            "rows": rows,
        })
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
                r.confirmed.to_string(),
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
