//! `kendall plan`: the capacity table.

use anyhow::{Context, Result};
use kendall_reports::plan::{self, LoadRange, PlanSpec, Target};
use kendall_sim::Scenario;

use super::Output;
use crate::cli::PlanArgs;
use crate::settings::{load_overridden, thread_pool};

/// Plans the consumers of the varied queue over the load levels.
pub fn run(args: &PlanArgs) -> Result<Output> {
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!(e))?;
    let loads = LoadRange::parse(&args.load).map_err(|e| anyhow::anyhow!(e))?;
    let scenario = load_overridden(&args.scenario, &args.run)?;
    let queue = varied_queue(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.run.threads)?;
    let spec = PlanSpec {
        targets,
        loads,
        queue,
    };
    let report = pool
        .install(|| plan::plan(&scenario, &spec, &mut |_, _| {}))
        .map_err(|e| anyhow::anyhow!(e))?;
    if let Some(path) = &args.csv {
        kendall_reports::report::write_atomic(path, report.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(dir) = &args.report {
        pool.install(|| kendall_reports::report::write_report(&scenario, Some(&report), dir))
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}

/// The `--vary` queue's index (default: the only queue).
fn varied_queue(s: &Scenario, vary: Option<&str>) -> Result<usize> {
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
