//! `kendall live`: the live run, then the simulation of the same scenario, side by side.

use std::time::Instant;

use anyhow::{Context, Result};
use kendall_reports::LiveReport;
use kendall_sim::theory;

use super::Output;
use crate::cli::LiveArgs;

/// Runs the scenario live for `args.duration` real seconds, then simulates it.
pub fn run(args: &LiveArgs) -> Result<Output> {
    let scenario = kendall_sim::live::load(&args.scenario)?;
    let positive = |x: f64| x > 0.0 && x.is_finite();
    anyhow::ensure!(
        positive(args.speedup),
        "--speedup must be a positive number"
    );
    anyhow::ensure!(
        positive(args.duration),
        "--duration must be a positive number of seconds"
    );
    let live = kendall_sim::live::run_live(&scenario, args.speedup, args.duration)
        .context("live run failed")?;
    let started = Instant::now();
    let simulated = crate::settings::simulate(&scenario)?;
    let wall = started.elapsed().as_secs_f64();
    let report = LiveReport::new(
        &scenario,
        &live,
        &simulated,
        &theory::predict(&scenario),
        wall,
    );
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}
