//! kendall-sim: scenarios, the discrete-event engine that drives the real broker, streaming
//! statistics and parallel replications.
//!
//! Data flow: [`Scenario::load`] validates a file; [`run_experiment`] runs its replications
//! in parallel, each a [`replication::run_replication`] on its own virtual clock and seeded
//! streams; [`theory::predict`] asks the models crate what theory says.

pub mod arrivals;
pub mod calendar;
pub mod cost;
pub mod dist;
pub mod error;
pub mod expected;
pub mod experiment;
pub mod fit;
pub mod growth;
pub mod live;
pub mod number_column;
pub mod occupancy;
pub mod overrides;
pub mod recorder;
pub mod replication;
pub mod rng;
pub mod scenario;
pub mod scopes;
pub mod setup;
pub mod stats;
pub mod suggest;
pub mod theory;
pub mod traffic;
pub mod warmup;
pub mod windows;

pub use error::ScenarioError;
pub use experiment::{
    Bounds, Control, ExperimentResult, Point, ScopeSummary, Summary, run_experiment, run_points,
    summarize,
};
pub use scenario::Scenario;
pub use stats::Metric;
