//! `kendall report`: the full report in a directory. The simulations behind it (the
//! scenario's own run, then shorter ones for the charts and the capacity table) run here;
//! `kendall_reports::report` draws and writes them.

use anyhow::{Context, Result};
use kendall_broker::DispatchKind;
use kendall_models::Verdict;
use kendall_reports::charts::{Ci, LoadPoint, StrategyPoint};
use kendall_reports::plan::{LoadRange, PlanReport, PlanSpec};
use kendall_reports::report::{
    ClassPoint, ClassWhatIf, LoadRun, REPORT_LOADS, ReportRuns, WhatIfClass, WhatIfLevel,
    default_targets, write_report,
};
use kendall_reports::{Alternative, Comparison};
use kendall_sim::stats::Metric;
use kendall_sim::traffic::{all_stable, queue_loads};
use kendall_sim::{Control, run_points, summarize};
use kendall_sim::{Scenario, run_experiment, theory};

use super::Output;
use crate::cli::ReportArgs;
use crate::plan_search;
use crate::settings::{load_overridden, resolve_warmup, thread_pool};

/// Writes the report; prints the HTML file's path.
pub fn run(args: &ReportArgs) -> Result<Output> {
    let mut scenario = load_overridden(&args.scenario, &args.run)?;
    // Its charts are of steady states (load curves, a capacity table): a run to a horizon
    // has none to show, and its window charts come from `run --plot`.
    anyhow::ensure!(
        scenario.run.horizon.is_none(),
        "{}: `run.horizon`: kendall report draws steady-state charts, which a run to a \
         horizon does not have; draw its windows with `kendall run {} --plot DIR`",
        args.scenario.display(),
        args.scenario.display()
    );
    let pool = thread_pool(args.run.threads)?;
    let written = pool.install(|| -> Result<_> {
        resolve_warmup(&mut scenario)?;
        let runs = simulate(&scenario, None)?;
        Ok(write_report(&runs, &args.out)?)
    })?;
    let mut out = Output::new();
    out.out(format!("{}\n", written.display()));
    Ok(out)
}

/// Runs every simulation a report of `scenario` (warm-up resolved) shows, on the current
/// rayon pool. `plan` is the capacity plan to show; without one, a plan of the default
/// target over 0.5× to 1.5× the scenario's load, when it has one stable queue.
pub fn simulate(scenario: &Scenario, plan: Option<PlanReport>) -> Result<ReportRuns> {
    let s = scenario;
    let result = run_experiment(s).context("simulation failed")?;
    let loads = load_runs(s)?;
    let trace = kendall_sim::occupancy::occupancy_trace(s, 0, 2000).context("simulation failed")?;
    let (dispatch, comparison) =
        if s.queues.len() == 1 && s.queues[0].consumers > 1 && all_stable(s) {
            dispatch_runs(s)?
        } else {
            (Vec::new(), None)
        };
    let what_if = class_what_if(s)?;
    let plan = match plan {
        Some(p) => Some(p),
        None if s.queues.len() == 1 && all_stable(s) => {
            let spec = PlanSpec {
                targets: default_targets(s, 0),
                loads: LoadRange {
                    levels: (0..6).map(|i| 0.5 + 0.2 * f64::from(i)).collect(),
                    relative: true,
                },
                queue: 0,
            };
            Some(plan_search::plan(&short(s), &spec)?)
        }
        None => None,
    };
    Ok(ReportRuns {
        scenario: s.clone(),
        result,
        loads,
        trace,
        dispatch,
        comparison,
        what_if,
        plan,
    })
}

/// The shorter run of the auxiliary simulations: at most 10 replications × 20 000 messages.
fn short(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    s.run.replications = s.run.replications.clamp(2, 10);
    if s.run.customers > 20_000 {
        s.run.warmup = s
            .run
            .warmup
            .min(2_000)
            .max(s.run.warmup * 20_000 / s.run.customers);
        s.run.customers = 20_000;
    }
    s
}

/// T and L at each of [`REPORT_LOADS`] (ρ of the busiest queue), with theory's; none when
/// no queue has load.
fn load_runs(s: &Scenario) -> Result<Vec<LoadRun>> {
    let base_rho = queue_loads(s).iter().map(|l| l.rho).fold(0.0, f64::max);
    if base_rho <= 0.0 {
        return Ok(Vec::new());
    }
    let sh = short(s);
    let mut out = Vec::new();
    for target in REPORT_LOADS {
        let sc = sh.with_load_scaled(target / base_rho);
        let r = crate::settings::simulate(&sc)?;
        let point = LoadPoint {
            rho: target,
            t: Ci::from(r.system.get(Metric::T)),
            l: Ci::from(r.system.get(Metric::L)),
        };
        let theory_tl = match theory::predict(&sc).system {
            Verdict::Predicted(p) => Some((p.measures.t, p.measures.l)),
            _ => None,
        };
        let classes = if sc.classes.len() > 1 {
            (r.classes.iter())
                .map(|c| ClassPoint {
                    t: Ci::from(c.get(Metric::T)),
                    p99: Ci::from(c.get(Metric::TP99)),
                })
                .collect()
        } else {
            Vec::new()
        };
        out.push(LoadRun {
            point,
            theory: theory_tl,
            classes,
        });
    }
    Ok(out)
}

/// Every dispatch strategy on the short run's arrivals (common random numbers), and their
/// comparison: ranked by mean T with paired differences from the best (as `compare`).
fn dispatch_runs(s: &Scenario) -> Result<(Vec<StrategyPoint>, Option<Comparison>)> {
    let sh = short(s);
    let mut points = Vec::new();
    let mut alternatives = Vec::new();
    for (name, d) in [
        ("shared", DispatchKind::Shared),
        ("round-robin", DispatchKind::RoundRobin),
        ("random", DispatchKind::Random),
        ("jsq", DispatchKind::Jsq),
        ("power-of-2", DispatchKind::PowerOfD { d: 2 }),
        ("least-work", DispatchKind::LeastWork),
    ] {
        let mut sc = sh.clone();
        sc.queues[0].dispatch = d;
        crate::settings::resolve_warmup(&mut sc)?;
        let point = run_points(std::slice::from_ref(&sc), &Control::default())
            .context("simulation failed")?
            .pop()
            .flatten()
            .context("simulation stopped")?;
        let r = summarize(&sc, &point.replications, &point.tails);
        alternatives.push(Alternative {
            name: name.to_string(),
            replications: point.replications,
            tails: point.tails,
        });
        let (theory_t, theory_p99) = match theory::predict(&sc).system {
            Verdict::Predicted(p) => (Some(p.measures.t), theory::value(&p, Metric::TP99)),
            _ => (None, None),
        };
        points.push(StrategyPoint {
            name: name.to_string(),
            t: Ci::from(r.system.get(Metric::T)),
            p99: Ci::from(r.system.get(Metric::TP99)),
            theory_t,
            theory_p99,
        });
    }
    let comparison = Comparison::new(&s.name, &alternatives, sh.run.replications == 1);
    Ok((points, Some(comparison)))
}

/// The factors the what-if multiplies one class's rate by.
const WHAT_IF: [f64; 4] = [0.5, 1.0, 1.5, 2.0];

/// With several classes: the class carrying the most work (rate × mean service) at 0.5, 1,
/// 1.5 and 2 times its rate, the others unchanged (levels that leave a queue unstable
/// skipped), each class's T simulated on the short run beside theory's.
fn class_what_if(s: &Scenario) -> Result<Option<ClassWhatIf>> {
    if s.classes.len() < 2 {
        return Ok(None);
    }
    let work = |k: usize| -> f64 {
        (s.producers.iter())
            .filter(|p| p.class == k)
            .map(|p| {
                p.message_rate()
                    * s.queues[p.queue].service[k.min(s.queues[p.queue].service.len() - 1)].mean()
            })
            .sum()
    };
    let Some(grown) = (0..s.classes.len()).max_by(|&a, &b| work(a).total_cmp(&work(b))) else {
        return Ok(None);
    };
    let sh = short(s);
    let mut levels = Vec::new();
    for factor in WHAT_IF {
        let mut sc = sh.clone();
        for p in sc.producers.iter_mut().filter(|p| p.class == grown) {
            p.interarrival = p.interarrival.scaled(1.0 / factor);
        }
        if !all_stable(&sc) {
            continue;
        }
        let r = crate::settings::simulate(&sc)?;
        let th = theory::predict(&sc);
        levels.push(WhatIfLevel {
            factor,
            classes: (0..s.classes.len())
                .map(|k| WhatIfClass {
                    t: Ci::from(r.classes[k].get(Metric::T)),
                    p99: Ci::from(r.classes[k].get(Metric::TP99)),
                    theory_t: th.classes.get(k).cloned().flatten().map(|p| p.measures.t),
                })
                .collect(),
        });
    }
    Ok(Some(ClassWhatIf {
        class: grown,
        levels,
    }))
}
