//! The schedule search against a fake simulation whose answer is known: window k meets
//! `mean(T) < 2` exactly when it has at least `need[k]` consumers and window k − 1 has at
//! least `need[k − 1]` (a short-staffed window leaves a backlog that spoils the next).

use std::path::Path;

use kendall_reports::plan::Target;
use kendall_sim::stats::Metric;
use kendall_sim::{ExperimentResult, Scenario, Summary, run_experiment};

use super::{search, with_counts};

const NEED: [u32; 6] = [2, 2, 5, 7, 3, 2];

fn day() -> (Scenario, Vec<(f64, f64)>) {
    let s = Scenario::load(Path::new("tests/scenarios/short_day_deterministic.toml")).unwrap();
    let mut s = s;
    s.run.replications = 2;
    s.run.horizon = Some(kendall_sim::scenario::Horizon {
        end: 60.0,
        window: Some(10.0),
    });
    let windows = (0..6)
        .map(|k| (10.0 * k as f64, 10.0 * (k + 1) as f64))
        .collect();
    (s, windows)
}

/// The counts a scenario built by [`with_counts`] staffs each window with.
fn counts_of(s: &Scenario, windows: &[(f64, f64)]) -> Vec<u32> {
    let q = &s.queues[0];
    windows
        .iter()
        .map(|&(a, _)| q.schedule.as_ref().map_or(q.consumers, |sc| sc.value_at(a)))
        .collect()
}

fn fake(template: &ExperimentResult, counts: &[u32]) -> ExperimentResult {
    let mut r = template.clone();
    for (k, w) in r.windows.iter_mut().enumerate() {
        let ok = counts[k] >= NEED[k] && (k == 0 || counts[k - 1] >= NEED[k - 1]);
        w.metrics[Metric::T as usize] = Summary {
            mean: if ok { 1.0 } else { 3.0 },
            half_width: 0.1,
            replications: 2,
            bounds: kendall_sim::Bounds::ANY,
        };
    }
    r
}

fn run_search(start: Vec<u32>) -> (Vec<u32>, Vec<bool>, usize) {
    let (s, windows) = day();
    let template = run_experiment(&s).unwrap();
    assert_eq!(template.windows.len(), 6);
    let targets = vec![Target::parse("mean(T) < 2").unwrap()];
    let mut simulate = |sc: &Scenario| Ok(fake(&template, &counts_of(sc, &windows)));
    let found = search(&s, 0, &targets, &windows, start, &mut simulate).unwrap();
    (found.counts, found.minimal, found.steps)
}

#[test]
fn trims_down_to_the_need_from_above() {
    let (counts, minimal, steps) = run_search(NEED.iter().map(|n| n + 2).collect());
    assert_eq!(counts, NEED.to_vec());
    // Windows at the floor of 1 consumer are minimal by the floor; the others by a miss.
    assert!(minimal.iter().all(|&m| m), "{minimal:?}");
    assert!(steps < super::MAX_STEPS, "{steps}");
}

#[test]
fn fixes_up_to_the_need_from_below() {
    let (counts, _, _) = run_search(NEED.iter().map(|n| n - 1).collect());
    assert_eq!(counts, NEED.to_vec());
}

#[test]
fn schedules_merge_and_repeat_with_the_horizon() {
    let (s, windows) = day();
    let sc = with_counts(&s, 0, &windows, &[2, 2, 5, 5, 3, 2]);
    let q = &sc.queues[0];
    assert_eq!(q.consumers, 5);
    let sched = q.schedule.as_ref().unwrap();
    assert_eq!(sched.at, vec![0.0, 20.0, 40.0, 50.0]);
    assert_eq!(sched.values, vec![2, 5, 3, 2]);
    assert_eq!(sched.repeat, Some(60.0));
    let flat = with_counts(&s, 0, &windows, &[4; 6]);
    assert_eq!(
        (flat.queues[0].consumers, flat.queues[0].schedule.is_none()),
        (4, true)
    );
}
