//! Running many scenarios' replications as one parallel batch, with a progress bar and
//! Ctrl-C: what `sweep` and `compare` share.

use anyhow::{Context, Result};
use kendall_sim::{Control, Point, Scenario, run_points};

use crate::progress;
use crate::settings::thread_pool;

/// Runs all replications of `scenarios` as one parallel batch with a progress bar; stops
/// starting new work on Ctrl-C (then a scenario not finished is None).
pub fn run_all(
    scenarios: &[Scenario],
    threads: Option<usize>,
    machine_output: bool,
) -> Result<Vec<Option<Point>>> {
    progress::catch_interrupt();
    let total = scenarios
        .iter()
        .map(|s| u64::from(s.run.replications))
        .sum();
    let bar = progress::bar(total, "replications", machine_output);
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let control = Control {
        on_replication: Some(&tick),
        stop: Some(&progress::STOP),
    };
    let pool = thread_pool(threads)?;
    let results = pool
        .install(|| run_points(scenarios, &control))
        .context("simulation failed")?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(results)
}

/// A `--set` value as it appears in tables and CSV: strings bare, numbers as TOML writes them.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
