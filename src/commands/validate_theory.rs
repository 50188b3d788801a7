//! `kendall validate-theory`: every file of the suite simulated and judged against the
//! values it states; exit 1 when a criterion fails.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use kendall_reports::validation::{self, ValidationRow, ValidationSummary};
use kendall_sim::{Scenario, run_experiment, theory};

use super::Output;
use crate::cli::ValidateTheoryArgs;
use crate::settings::thread_pool;

/// Runs every file of the suite and judges it.
pub fn run(args: &ValidateTheoryArgs) -> Result<Output> {
    anyhow::ensure!(
        args.replications.is_none_or(|n| n >= 2),
        "--replications must be at least 2 for a confidence interval"
    );
    anyhow::ensure!(
        args.customers.is_none_or(|n| n >= 1),
        "--customers must be at least 1"
    );
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios/validation")]
    } else {
        args.paths.clone()
    };
    let files = scenario_files(&paths)?;
    let pool = thread_pool(args.threads)?;
    let rows = pool.install(|| {
        files
            .iter()
            .map(|f| validate_file(f, args))
            .collect::<Result<Vec<_>>>()
    })?;
    let summary = ValidationSummary::of(&rows);
    let mut out = Output::new();
    out.document(
        args.json,
        || validation::to_json(&rows, &summary),
        || validation::table(&rows, &summary),
    );
    if !summary.passed() {
        out.outcome = Err(anyhow::anyhow!(
            "validation failed: {}",
            summary.failures.join("; ")
        ));
    }
    Ok(out)
}

/// The scenario files named by `paths`: files as they are, directories' `*.toml` files
/// (not recursive), each directory's files sorted by name.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| p.display().to_string())?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            anyhow::ensure!(
                !files.is_empty(),
                "{}: no .toml scenario files",
                p.display()
            );
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Simulates one file (on the current rayon pool), with `--customers` and `--replications`
/// applied, and compares it and its theory with the values it states.
fn validate_file(path: &Path, args: &ValidateTheoryArgs) -> Result<ValidationRow> {
    let mut scenario = Scenario::load(path)?;
    if let Some(n) = args.customers {
        scenario.run.customers = n;
    }
    if let Some(n) = args.replications {
        scenario.run.replications = n;
    }
    let started = Instant::now();
    // The pilot's and the simulation's own messages, as they are.
    kendall_sim::warmup::resolve(&mut scenario)?;
    let result = run_experiment(&scenario)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let verdict = theory::predict(&scenario).system;
    Ok(ValidationRow::new(
        path.display().to_string(),
        &scenario,
        &verdict,
        &result,
        wall_seconds,
    ))
}
