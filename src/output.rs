//! Files the CLI writes: whole or not at all.

use std::path::Path;

use anyhow::{Context, Result};
use kendall_reports::charts::{Chart, write_chart};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// an interrupted run never leaves a half-written file under the real name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .context("an output path needs a file name")?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// Draws `chart` as `DIR/NAME.svg` and `DIR/NAME.png` (creating DIR), each written whole;
/// returns the lines that say where, for stderr: `--plot DIR` of sweep, compare and fit.
pub fn plot<C: Chart>(dir: &Path, name: &str, chart: &C) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_chart(chart, dir, name).map_err(anyhow::Error::msg)?;
    Ok(["svg", "png"]
        .iter()
        .map(|ext| format!("wrote {}", dir.join(format!("{name}.{ext}")).display()))
        .collect())
}
