//! `kendall merge`: the shards' CSVs of `sweep --shard` joined in point order, after their
//! manifests say they are the slices of one sweep.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use kendall_reports::merge_csv;

use kendall_reports::write_atomic;

use super::Output;

/// Joins the shards; writes the result to `out`, or returns it for standard output.
pub fn run(shards: &[PathBuf], out: Option<&Path>) -> Result<Output> {
    crate::shard::check_manifests(shards)?;
    let inputs = shards
        .iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let merged = merge_csv(&inputs)?;
    let mut printed = Output::new();
    match out {
        Some(path) => write_atomic(path, &merged)?,
        None => printed.out(merged),
    }
    Ok(printed)
}
