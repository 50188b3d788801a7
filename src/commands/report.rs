//! `kendall report`: the full report in a directory.

use anyhow::Result;

use super::Output;
use crate::cli::ReportArgs;
use crate::settings::{load_overridden, thread_pool};

/// Writes the report; prints the HTML file's path.
pub fn run(args: &ReportArgs) -> Result<Output> {
    let scenario = load_overridden(&args.scenario, &args.run)?;
    let pool = thread_pool(args.run.threads)?;
    let written = pool
        .install(|| kendall_reports::report::write_report(&scenario, None, &args.out))
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut out = Output::new();
    out.out(format!("{}\n", written.display()));
    Ok(out)
}
