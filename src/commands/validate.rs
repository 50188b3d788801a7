//! `kendall validate`: every file checked and described; exit 1 if any is wrong.

use std::path::{Path, PathBuf};

use anyhow::Result;
use kendall_sim::Scenario;

use super::Output;

/// Checks every file; the outcome fails when any is invalid.
pub fn run(paths: &[PathBuf]) -> Result<Output> {
    let mut out = Output::new();
    let mut failed = 0;
    for path in paths {
        match Scenario::load(path) {
            Ok(s) => out.out(describe(path, &s) + "\n"),
            Err(e) => {
                out.err(format!("error: {e}"));
                failed += 1;
            }
        }
    }
    if failed > 0 {
        out.outcome = Err(anyhow::anyhow!(
            "{failed} of {} scenario files are invalid",
            paths.len()
        ));
    }
    Ok(out)
}

/// The scenario in plain words: producers, queues, offered load and stability.
fn describe(path: &Path, s: &Scenario) -> String {
    let mut text = format!("{}: ok — \"{}\"", path.display(), s.name);
    for line in kendall_reports::describe::describe_lines(s) {
        text += "\n  ";
        text += &line;
    }
    for p in &s.producers {
        for w in kendall_sim::fit::producer_warnings(p) {
            text += &format!("\n  warning: {w}");
        }
    }
    text
}
