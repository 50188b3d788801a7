//! `kendall plan`: the capacity table (the search is in `plan_search`).

use anyhow::{Context, Result};
use kendall_reports::plan::{LoadRange, PlanSpec, Target};
use kendall_reports::report::write_report;
use kendall_reports::write_atomic;
use kendall_sim::Scenario;

use super::Output;
use crate::cli::PlanArgs;
use crate::plan_search;
use crate::settings::{load_overridden, resolve_warmup, thread_pool};

/// Plans the consumers of the varied queue over the load levels.
pub fn run(args: &PlanArgs) -> Result<Output> {
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    if args.per_window {
        return per_window(args, &targets);
    }
    if args.autoscale {
        return autoscale(args, &targets);
    }
    let Some(load) = &args.load else {
        anyhow::bail!("--load is required (or --per-window)");
    };
    let loads = LoadRange::parse(load)?;
    let mut scenario = load_overridden(&args.scenario, &args.run)?;
    // A run to a horizon has no steady state to size at a load level: it is planned window
    // by window.
    anyhow::ensure!(
        scenario.run.horizon.is_none(),
        "{}: `run.horizon`: a run to a horizon is planned window by window: use --per-window \
         (without --load)",
        args.scenario.display()
    );
    let queue = varied_queue(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.run.threads)?;
    let spec = PlanSpec {
        targets,
        loads,
        queue,
    };
    let report = pool.install(|| -> Result<_> {
        // As `run` does: the pilot settles `warmup = "auto"` once, for every count tried.
        resolve_warmup(&mut scenario)?;
        plan_search::plan(&scenario, &spec)
    })?;
    if let Some(path) = &args.csv {
        write_atomic(path, report.to_csv().as_bytes())?;
    }
    if let Some(dir) = &args.report {
        pool.install(|| -> Result<_> {
            let runs = super::report::simulate(&scenario, Some(report.clone()))?;
            Ok(write_report(&runs, dir)?)
        })?;
    }
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}

/// `plan --per-window`: staffing per window of a run to a horizon.
fn per_window(args: &PlanArgs, targets: &[Target]) -> Result<Output> {
    if let Some(load) = &args.load {
        anyhow::bail!(
            "--per-window plans the scenario's own traffic window by window: it does not \
             take --load (got `{load}`); drop one of the two"
        );
    }
    if args.csv.is_some() || args.report.is_some() {
        anyhow::bail!("--per-window writes no --csv or --report: use --json");
    }
    let mut scenario = load_overridden(&args.scenario, &args.run)?;
    let queue = varied_queue(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.run.threads)?;
    let report = pool.install(|| -> Result<_> {
        resolve_warmup(&mut scenario)?;
        crate::plan_windows::plan(&scenario, queue, targets)
    })?;
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}

/// `plan --autoscale`: an autoscaler's cheapest setting, beside the cheapest fixed schedule.
fn autoscale(args: &PlanArgs, targets: &[Target]) -> Result<Output> {
    if args.csv.is_some() || args.report.is_some() {
        anyhow::bail!("--autoscale writes no --csv or --report: use --json");
    }
    let scenario = load_overridden(&args.scenario, &args.run)?;
    let queue = varied_index(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.run.threads)?;
    let report = pool.install(|| crate::plan_autoscale::plan(&scenario, queue, targets))?;
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}

/// The `--vary` queue's index (default: the only queue). A queue whose `autoscale` sets its
/// count is refused: plan would set the count itself.
fn varied_queue(s: &Scenario, vary: Option<&str>) -> Result<usize> {
    let j = varied_index(s, vary)?;
    let q = &s.queues[j];
    anyhow::ensure!(
        q.autoscale.is_none(),
        "`queues.{}.autoscale`: plan varies the queue's consumer count, which its autoscaler \
         sets; plan a fixed count (drop `autoscale`) or vary another queue",
        q.name
    );
    Ok(j)
}

/// The `--vary` queue's index (default: the only queue).
fn varied_index(s: &Scenario, vary: Option<&str>) -> Result<usize> {
    match vary {
        Some(name) => s
            .queues
            .iter()
            .position(|q| q.name == name)
            .with_context(|| format!("--vary: no queue named `{name}`")),
        None if s.queues.len() == 1 => Ok(0),
        None => anyhow::bail!(
            "the scenario has {} queues: say which to vary with --vary QUEUE",
            s.queues.len()
        ),
    }
}
