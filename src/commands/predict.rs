//! `kendall predict`: theory alone.

use std::path::Path;

use anyhow::Result;
use kendall_reports::PredictReport;
use kendall_sim::theory;

use super::Output;
use crate::settings::load;

/// What theory predicts for the scenario at `path`.
pub fn run(path: &Path, json: bool) -> Result<Output> {
    let scenario = load(path)?;
    let theory = theory::predict(&scenario);
    let report = PredictReport::new(&scenario, &theory);
    let mut out = Output::new();
    out.document(json, || report.to_json(), || report.to_table());
    for w in kendall_reports::heavy_tail_warnings(&scenario, &theory) {
        out.err(format!("warning: {w}"));
    }
    Ok(out)
}
