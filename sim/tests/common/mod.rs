//! Helpers shared by the simulator's integration tests: scenarios from inline text, and the
//! check that every figure theory calls exact lies inside the simulation's interval.
// Each test file is its own crate and uses some of these.
#![allow(dead_code)]

use std::path::Path;

use kendall_models::{Exactness, Prediction, Verdict};
use kendall_sim::experiment::ScopeSummary;
use kendall_sim::theory::{Theory, predict, value};
use kendall_sim::{ExperimentResult, Metric, Scenario, run_experiment};

/// Parses `text` as a scenario file (panics with the loader's message if it is invalid).
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse(Path::new("inline.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Fewest values beyond a percentile, per replication, for its estimate to be judged: a
/// sample quantile with fewer is biased low (the run itself warns about it).
pub const MIN_TAIL_VALUES: f64 = 100.0;

/// One exact figure beside its simulated summary.
#[derive(Debug, Clone)]
pub struct Figure {
    /// "system", "queue NAME" or "class NAME".
    pub scope: String,
    /// The metric.
    pub metric: Metric,
    /// Theory's value.
    pub theory: f64,
    /// The simulation's summary.
    pub simulated: kendall_sim::Summary,
    /// Messages the scope measured (over all replications).
    pub measured: u64,
}

impl Figure {
    /// True when theory lies within the simulation's `level` interval — or the interval is
    /// [0, 0] for a probability of which theory expects at most three events among the
    /// messages measured (the rule of three, as the run's table judges it).
    pub fn agrees(&self, level: f64) -> bool {
        let sim = &self.simulated;
        let none_seen = sim.mean == 0.0 && sim.half_width == 0.0;
        let rare = matches!(self.metric, Metric::PWait | Metric::PLoss)
            && self.theory * self.measured as f64 <= -(0.05f64.ln());
        sim.contains_at(self.theory, level) || (none_seen && rare)
    }
}

/// Every figure an exact prediction of `theory` offers for `r`: the mean metrics, and the
/// percentiles the run is long enough to estimate.
pub fn exact_figures<'a>(
    s: &'a Scenario,
    theory: &'a Theory,
    r: &'a ExperimentResult,
) -> Vec<Figure> {
    let mut scopes: Vec<(String, Option<&Prediction>, &ScopeSummary)> = Vec::new();
    if let Verdict::Predicted(p) = &theory.system {
        scopes.push(("system".into(), Some(p), &r.system));
    }
    for (j, q) in s.queues.iter().enumerate() {
        scopes.push((
            format!("queue {}", q.name),
            theory.queues[j].as_ref(),
            &r.queues[j],
        ));
    }
    for (k, c) in s.classes.iter().enumerate() {
        scopes.push((
            format!("class {}", c.name),
            theory.classes[k].as_ref(),
            &r.classes[k],
        ));
    }
    let customers = s.run.customers as f64;
    let mut out = Vec::new();
    for (name, p, summary) in scopes {
        let Some(p) = p.filter(|p| p.exactness == Exactness::Exact) else {
            continue;
        };
        for &m in Metric::ALL.iter() {
            if let Some((_, i)) = m.percentile() {
                let q = kendall_models::PERCENTILES[i];
                if customers * (1.0 - q) < MIN_TAIL_VALUES {
                    continue;
                }
            }
            if let Some(v) = value(p, m) {
                out.push(Figure {
                    scope: name.clone(),
                    metric: m,
                    theory: v,
                    simulated: summary.get(m),
                    measured: summary.measured,
                });
            }
        }
    }
    out
}

/// Runs `s` and asserts that every exact figure lies within the `level` interval of the
/// simulation (a [0, 0] interval where theory expects at most three events in all the
/// messages measured passes by the rule of three, as the run's own table judges it).
/// Returns the theory and the result.
pub fn exact_figures_agree(s: &Scenario, level: f64) -> (Theory, ExperimentResult) {
    let theory = predict(s);
    let r = run_experiment(s).expect("the run completes");
    for f in exact_figures(s, &theory, &r) {
        assert!(
            f.agrees(level),
            "{}: {} {}: theory {} not within the {level} interval of {:?}",
            s.name,
            f.scope,
            f.metric.name(),
            f.theory,
            f.simulated
        );
    }
    (theory, r)
}

/// The system's prediction (panics without one).
pub fn system(theory: &Theory) -> &Prediction {
    match &theory.system {
        Verdict::Predicted(p) => p,
        other => panic!("no prediction: {other:?}"),
    }
}

/// The reason theory gives none (panics if it gives one).
pub fn no_model(theory: &Theory) -> &str {
    match &theory.system {
        Verdict::NoModel { reason } => reason,
        other => panic!("expected no model, got {other:?}"),
    }
}
