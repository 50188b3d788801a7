//! The capacity search of `kendall plan`: the fewest consumers that meet every target, per
//! load level.
//!
//! Theory proposes (exact where the oracle has a model, its approximation otherwise; targets
//! theory cannot evaluate are left to simulation), simulation decides around the boundary:
//! n consumers pass and n − 1 fail, each at 95% confidence (the interval against the
//! threshold).

use anyhow::Result;
use kendall_models::{Prediction, Verdict};
use kendall_reports::plan::{
    Confirmation, Judgement, PlanMetric, PlanReport, PlanRow, PlanSpec, cut_targets,
};
use kendall_reports::unsettled;
use kendall_sim::stats::Metric;
use kendall_sim::theory::{self, Theory};
use kendall_sim::traffic::{all_stable, queue_loads};
use kendall_sim::{ExperimentResult, Scenario, Summary};

/// Most consumers the search will consider.
pub const MAX_CONSUMERS: u32 = 100_000;
/// Most simulation steps (one consumer count each) per load level.
const MAX_SIM_STEPS: usize = 12;
/// How many times the scenario's replications a count may be simulated with when exact
/// theory's answer is to be confirmed and the intervals cannot yet decide.
const MAX_REPLICATIONS_FACTOR: u32 = 8;

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
    simulate: &mut dyn FnMut(&Scenario) -> Result<ExperimentResult>,
) -> Result<PlanRow> {
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
                model = Some((p.model.clone(), p.kind()));
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
    type Evaluated = (Judgement, Option<ExperimentResult>);
    let mut cache: Vec<((u32, u32), Judgement, Option<ExperimentResult>)> = Vec::new();
    // Count c simulated with `reps` replications (with batch means, `reps` times the run).
    let batch_means = s.run.replications == 1;
    let effort = |k: u32| {
        if batch_means {
            format!("{k} times the run length")
        } else {
            format!("{k} replications")
        }
    };
    let mut eval_with = |c: u32, reps: u32| -> Result<Evaluated> {
        if let Some((_, j, r)) = cache.iter().find(|(k, _, _)| *k == (c, reps)) {
            return Ok((*j, r.clone()));
        }
        let out = if c == 0 || !stable_at(c) {
            (Judgement::Fail, None)
        } else {
            let mut sc = with_consumers(s, spec.queue, c);
            if batch_means {
                // One long replication with batch means: more effort is a longer run.
                sc.run.customers = s.run.customers.saturating_mul(u64::from(reps));
            } else {
                sc.run.replications = reps;
            }
            let r = simulate(&sc)?;
            (judge(&r), Some(r))
        };
        cache.push(((c, reps), out.0, out.1.clone()));
        Ok(out)
    };
    let reps = s.run.replications;
    let mut consumers = None;
    let mut confirmed = Confirmation::No;
    let mut chosen: Option<ExperimentResult> = None;
    // Exact theory's count stands unless simulation contradicts it at 95%: where the
    // intervals cannot decide, more replications, up to a budget, and then "inconclusive".
    let exact = model.as_ref().is_some_and(|m| m.1 == "exact") && theory_lacks.is_empty();
    let mut searching = true;
    if let (true, Some(t)) = (exact, theory_consumers) {
        let budget = reps.saturating_mul(MAX_REPLICATIONS_FACTOR);
        let mut k = reps;
        loop {
            let (at, r) = eval_with(t, k)?;
            let (below, _) = eval_with(t - 1, k)?;
            match (at, below) {
                (Judgement::Pass, Judgement::Fail) => {
                    (consumers, confirmed, chosen) = (Some(t), Confirmation::Yes, r);
                    if k > reps {
                        notes.push(format!(
                            "simulation decided at {} (the scenario's {} could not)",
                            effort(k),
                            effort(reps)
                        ));
                    }
                }
                (Judgement::Fail, _) | (_, Judgement::Pass) => {
                    notes.push(format!(
                        "simulation contradicts the exact theory at 95% ({}): searching",
                        effort(k)
                    ));
                }
                _ if k < budget => {
                    k = k.saturating_mul(2).min(budget);
                    continue;
                }
                _ => {
                    (consumers, confirmed, chosen) = (Some(t), Confirmation::Inconclusive, r);
                    notes.push(format!(
                        "simulation cannot tell at {} whether {} or {t} consumers are the \
                         fewest (an interval straddles a threshold): the exact theory's {t} \
                         stand",
                        effort(k),
                        t - 1
                    ));
                }
            }
            searching = consumers.is_none();
            break;
        }
    }
    let mut eval = |c: u32| eval_with(c, reps);
    let first = n;
    for _ in 0..if searching { MAX_SIM_STEPS } else { 0 } {
        let (j, r) = eval(n)?;
        match j {
            Judgement::Pass => {
                let (below, _) = eval(n - 1)?;
                match below {
                    Judgement::Fail => {
                        consumers = Some(n);
                        confirmed = Confirmation::Yes;
                        chosen = r;
                        break;
                    }
                    Judgement::Pass => n -= 1,
                    Judgement::Undecided => {
                        notes.push(format!(
                            "simulation cannot tell whether {} (an interval straddles a threshold)",
                            suffice(n - 1)
                        ));
                        consumers = Some(n);
                        confirmed = Confirmation::Inconclusive;
                        chosen = r;
                        break;
                    }
                }
            }
            Judgement::Fail => n += 1,
            Judgement::Undecided => {
                notes.push(format!(
                    "simulation cannot tell whether {} (an interval straddles a threshold)",
                    suffice(n)
                ));
                // The next count up is the safe answer if it passes.
                let (up, r_up) = eval(n + 1)?;
                consumers = Some(if up == Judgement::Pass { n + 1 } else { n });
                chosen = if up == Judgement::Pass { r_up } else { r };
                confirmed = Confirmation::Inconclusive;
                break;
            }
        }
    }
    if searching && consumers.is_none() {
        notes.push("simulation did not settle within its step limit".into());
    }
    // Instability seen at the chosen count, or a run stopped by its budget (issue 24).
    if let (Some(c), Some(r)) = (consumers, &chosen) {
        let sc = with_consumers(s, spec.queue, c);
        notes.extend(kendall_reports::growth::growth_warnings(&sc, r));
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
            confirmed = Confirmation::No;
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
        confirmed = Confirmation::No;
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
        notes.push(if exact {
            format!("simulation contradicts the exact theory: {a} consumers, theory {b}")
        } else {
            format!("simulation says {a} consumers, the approximation {b}")
        });
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

/// Plans every load level of `spec` for `scenario`, simulating each count at each level as
/// `run` would it, its warm-up resolved for it ([`crate::settings::simulate`]), on the
/// current rayon pool.
pub fn plan(scenario: &Scenario, spec: &PlanSpec) -> Result<PlanReport> {
    let base = scenario.arrival_rate();
    let mut simulate = crate::settings::simulate;
    let mut rows = Vec::new();
    for &level in &spec.loads.levels {
        let factor = if spec.loads.relative {
            level
        } else {
            level / base
        };
        let s = scenario.with_load_scaled(factor);
        rows.push(plan_level(&s, spec, base * factor, &mut simulate)?);
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

/// "1 consumer suffices", "3 consumers suffice".
fn suffice(n: u32) -> String {
    let verb = if n == 1 { "suffices" } else { "suffice" };
    format!(
        "{} {verb}",
        kendall_reports::describe::plural(u64::from(n), "consumer")
    )
}
