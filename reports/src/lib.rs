//! kendall-reports: what users read — tables on the terminal and the JSON contract.
//!
//! [`RunReport`] pairs each simulated metric with its theory; [`RunReport::to_json`] and
//! [`RunReport::to_table`] render it.

mod atomic_write;
mod autoscale;
mod compare;
mod cost;
mod early_sojourns;
pub mod fit;
pub mod growth;
pub mod interval;
mod json;
mod live;
mod live_broker;
mod predict;
mod run;
mod sojourn_tail;
mod startup;
mod sweep;
mod table;
mod warnings;
pub mod windows;

pub use early_sojourns::{CutMetric, ShortWarmup, short_warmup};
pub use startup::{STARTUP_BIAS, Unsettled, unsettled};
pub use warnings::{
    HEAVY_SCV, LITTLE_SLACK, MIN_REPLICATIONS, NEAR_SATURATION, bias_warnings, heavy_tail_warnings,
};

pub use atomic_write::{WriteError, write_atomic};
pub use compare::{Alternative, COMPARED, Comparison, Difference, Ranked};
pub use live::LiveReport;
pub use predict::PredictReport;
pub use run::{MetricRow, NoneSeen, RULE_OF_THREE, RunReport, ScopeReport, TheoryStatus};
pub use sweep::{COLUMNS, MergeError, SweepPoint, merge_csv, sweep_chart, sweep_csv, sweep_table};
pub mod charts;
pub mod describe;
pub mod plan;
pub mod plan_autoscale;
pub mod plan_windows;
pub mod report;
pub mod report_runs;
pub mod report_scopes;
pub mod report_whatif;
pub mod storm;
pub mod validation;
mod validation_output;
