//! kendall-reports: what users read — tables on the terminal and the JSON contract.
//!
//! [`RunReport`] pairs each simulated metric with its theory; [`RunReport::to_json`] and
//! [`RunReport::to_table`] render it.

mod json;
mod live;
mod run;
mod table;

pub use live::LiveReport;
pub use run::{MetricRow, RunReport, ScopeReport, TheoryStatus};
