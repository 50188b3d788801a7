//! Charts the CLI draws on request (`--plot DIR`).

use std::path::Path;

use anyhow::{Context, Result};
use kendall_reports::charts::{Chart, write_chart};

/// Draws `chart` as `DIR/NAME.svg` and `DIR/NAME.png` (creating DIR), each written whole;
/// returns the lines that say where, for stderr: `--plot DIR` of sweep, compare and fit.
pub fn plot<C: Chart>(dir: &Path, name: &str, chart: &C) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_chart(chart, dir, name)?;
    Ok(["svg", "png"]
        .iter()
        .map(|ext| format!("wrote {}", dir.join(format!("{name}.{ext}")).display()))
        .collect())
}
