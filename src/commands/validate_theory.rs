//! `kendall validate-theory`: the validation suite; exit 1 when a criterion fails.

use std::path::PathBuf;

use anyhow::Result;
use kendall_reports::validation::{self, Overrides, ValidationSummary};

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
    let files = validation::scenario_files(&paths).map_err(|e| anyhow::anyhow!(e))?;
    let overrides = Overrides {
        customers: args.customers,
        replications: args.replications,
    };
    let pool = thread_pool(args.threads)?;
    let rows = pool
        .install(|| validation::validate_files(&files, overrides, &mut |_| {}))
        .map_err(|e| anyhow::anyhow!(e))?;
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
