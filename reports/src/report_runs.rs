//! What a report is made of: the simulations the caller runs for it (the scenario's own
//! experiment, the load levels, the dispatch comparison, the what-if), handed to
//! [`crate::report::write_report`], which renders and never simulates.

use kendall_sim::{ExperimentResult, Scenario};

use crate::charts::{Ci, LoadPoint, StrategyPoint};
use crate::plan::PlanReport;

/// The simulations behind a report, run by the caller: the scenario's own experiment and
/// the shorter ones behind the charts and the capacity table.
#[derive(Debug, Clone)]
pub struct ReportRuns {
    /// The scenario as run (warm-up resolved).
    pub scenario: Scenario,
    /// Its experiment, at the scenario's own `[run]`.
    pub result: ExperimentResult,
    /// T and L simulated at a few loads (ρ of the busiest queue), each with theory's (T, L)
    /// at that load; empty when no queue has load.
    pub loads: Vec<LoadRun>,
    /// L(t) over replication 0.
    pub trace: kendall_sim::occupancy::OccupancyTrace,
    /// Every dispatch strategy on the same arrivals; empty unless the scenario has one
    /// stable queue with several consumers.
    pub dispatch: Vec<StrategyPoint>,
    /// The same strategies compared on common random numbers, with paired differences from
    /// the best (None without a dispatch comparison).
    pub comparison: Option<crate::Comparison>,
    /// With several classes: one class's rate grown and each class's T (None with one).
    pub what_if: Option<ClassWhatIf>,
    /// The capacity plan to show, if any.
    pub plan: Option<PlanReport>,
}

/// One simulated load level of the load chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRun {
    /// Simulated T and L at the level.
    pub point: LoadPoint,
    /// Theory's (T, L) there, if a model predicts them.
    pub theory: Option<(f64, f64)>,
    /// With several classes, each class's simulated T and p99(T) there, in scenario order
    /// (empty with one class).
    pub classes: Vec<ClassPoint>,
}

/// What happens to every class when one class's rate grows.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWhatIf {
    /// The class whose rate is multiplied (index in scenario order).
    pub class: usize,
    /// One level per factor, in increasing order.
    pub levels: Vec<WhatIfLevel>,
}

/// One level of the what-if: the factor and each class's T there.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfLevel {
    /// The grown class's rate multiplied by it.
    pub factor: f64,
    /// Each class, in scenario order.
    pub classes: Vec<WhatIfClass>,
}

/// One class at one what-if level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WhatIfClass {
    /// Simulated mean sojourn time.
    pub t: Ci,
    /// Simulated p99(T).
    pub p99: Ci,
    /// Theory's mean T, where a model gives it.
    pub theory_t: Option<f64>,
}

/// One class's simulated T and p99(T) at a load level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassPoint {
    /// Mean sojourn time.
    pub t: Ci,
    /// 99th percentile of the sojourn time.
    pub p99: Ci,
}
