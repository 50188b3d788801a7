//! `kendall run`: all replications in parallel, then the table or the JSON document.

use std::time::Instant;

use anyhow::{Context, Result};
use kendall_reports::{RunReport, SweepPoint, sweep_csv, write_atomic};
use kendall_sim::{run_experiment, theory};

use super::Output;
use crate::cli::RunArgs;
use crate::settings::{load_overridden, resolve_warmup, thread_pool};

/// Runs the scenario as `args` say; writes the CSV if asked.
pub fn run(args: &RunArgs) -> Result<Output> {
    let mut scenario = load_overridden(&args.scenario, &args.run)?;
    anyhow::ensure!(
        args.windows_csv.is_none() || scenario.run.horizon.is_some_and(|h| h.window.is_some()),
        "--windows-csv needs windows: [run] horizon and window in the file, or --horizon and \
         --window"
    );
    anyhow::ensure!(
        args.plot.is_none() || scenario.run.horizon.is_some_and(|h| h.window.is_some()),
        "--plot draws the windows against time: it needs [run] horizon and window in the \
         file, or --horizon and --window"
    );
    let pool = thread_pool(args.run.threads)?;
    let started = Instant::now();
    resolve_warmup(&mut scenario)?;
    let result = pool
        .install(|| run_experiment(&scenario))
        .context("simulation failed")?;
    let wall = started.elapsed().as_secs_f64();
    let report = RunReport::new(&scenario, &result, &theory::predict(&scenario), wall);
    if let Some(path) = &args.csv {
        let point = SweepPoint {
            index: 0,
            values: Vec::new(),
            report: report.clone(),
        };
        write_atomic(path, &sweep_csv(&[], &[point])?)?;
    }
    if let (Some(path), Some(windows)) = (&args.windows_csv, &report.windows) {
        write_atomic(path, &windows.to_csv()?)?;
    }
    if let (Some(dir), Some(windows)) = (&args.plot, &report.windows) {
        windows.write_charts(dir, &scenario.name, &scenario.time_unit)?;
    }
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}
