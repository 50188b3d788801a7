//! `kendall plan --autoscale`: the cheapest autoscaler setting of one queue that meets the
//! targets in every window of a run to a horizon (docs/plan.md, "Autoscaler settings").
//!
//! The rule's metric, interval, start-up, stabilisation and tolerance are the queue's own
//! `autoscale` (or, for a queue without one, the key's defaults with metric `backlog`, as
//! KEDA feeds a queue's length to the HPA); the search varies its `target` and `min`:
//!
//! 1. For each target of a grid ([`BACKLOG_TARGETS`] or [`UTILIZATION_TARGETS`]), the least
//!    `min` from 1 for which every window meets the targets, simulating the whole horizon on
//!    the scenario's seed (common random numbers across candidates).
//! 2. The candidates that meet, cheapest consumer-time first, are confirmed on fresh seeds
//!    (seed + 1, …, seed + [`CONFIRMATIONS`]): the first to meet every window in each is
//!    the answer (the search chose on one seed; the winner's curse). One that misses is
//!    tried again with one more `min`, in its place by cost.
//! 3. The cheapest fixed schedule is planned as `plan --per-window` plans it, on the same
//!    seed, and its consumer-time set beside the autoscaler's.
//!
//! Consumer-time is the queue's consumer time paid for over the horizon, as the simulator
//! keeps it (consumers starting up count: they are paid for).

use anyhow::{Result, bail};
use kendall_reports::plan::Target;
use kendall_reports::plan_autoscale::{AutoscalePlan, Candidate};
use kendall_reports::plan_windows::window_meets;
use kendall_reports::windows::WindowsReport;
use kendall_sim::scenario::{Autoscale, ScaleMetric};
use kendall_sim::{ExperimentResult, Scenario};

/// Backlog targets tried (messages waiting per consumer).
pub const BACKLOG_TARGETS: [f64; 10] = [0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0];
/// Utilisation targets tried (the fraction of the fleet busy).
pub const UTILIZATION_TARGETS: [f64; 6] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
/// Fresh seeds a candidate must meet every window on.
pub const CONFIRMATIONS: u64 = 3;

/// The rule the search starts from: the queue's own, or the key's defaults on the backlog
/// with a `max` of four times the most consumers the queue has (at least 8).
pub fn template(s: &Scenario, queue: usize) -> Autoscale {
    let q = &s.queues[queue];
    q.autoscale.unwrap_or(Autoscale {
        metric: ScaleMetric::Backlog,
        target: 1.0,
        min: 1,
        max: (4 * q.consumers).max(8),
        interval: 15.0,
        startup: 0.0,
        stabilization: 300.0,
        tolerance: 0.1,
    })
}

/// `s` with queue `queue` autoscaled by `rule` (its fleet `max` consumers).
pub fn with_rule(s: &Scenario, queue: usize, rule: Autoscale) -> Scenario {
    let mut s = s.clone();
    let q = &mut s.queues[queue];
    q.schedule = None;
    q.consumers = rule.max;
    if !q.speeds.is_empty() {
        q.speeds = vec![q.speeds[0]; rule.max as usize];
    }
    q.autoscale = Some(rule);
    s
}

/// `s` with queue `queue` a fixed fleet of `consumers` (no autoscaler), for the schedule
/// planned beside the autoscaler.
fn fixed(s: &Scenario, queue: usize, consumers: u32) -> Scenario {
    let mut s = s.clone();
    let q = &mut s.queues[queue];
    q.autoscale = None;
    q.consumers = consumers;
    if !q.speeds.is_empty() {
        q.speeds = vec![q.speeds[0]; consumers as usize];
    }
    s
}

/// Queue `queue`'s consumer time paid for over the horizon (starting-up consumers count),
/// mean per replication, as the simulator keeps it.
fn consumer_time(r: &ExperimentResult, queue: usize) -> f64 {
    r.cost
        .as_ref()
        .and_then(|c| c.consumer_time.get(queue))
        .map_or(f64::NAN, |s| s.mean)
}

/// Whether every window of `r` meets every target.
fn meets(targets: &[Target], r: &ExperimentResult) -> bool {
    !r.windows.is_empty() && r.windows.iter().all(|w| window_meets(targets, w))
}

/// The largest fleet replication 0's autoscaler of queue `queue` decided.
fn fleet_reached(r: &ExperimentResult, queue: usize, rule: &Autoscale) -> u32 {
    r.autoscale
        .get(queue)
        .and_then(Option::as_ref)
        .and_then(|log| log.decisions.iter().map(|d| d.desired).max())
        .unwrap_or(rule.min)
        .max(rule.min)
}

/// Runs `rule` on [`CONFIRMATIONS`] fresh seeds until one misses a window: whether none
/// did, and the last run.
fn confirm(
    scenario: &Scenario,
    queue: usize,
    targets: &[Target],
    rule: Autoscale,
    simulations: &mut usize,
) -> Result<(bool, (Scenario, ExperimentResult))> {
    let mut k = 0;
    loop {
        k += 1;
        let mut s = with_rule(scenario, queue, rule);
        s.run.seed = s.run.seed.wrapping_add(k);
        let r = crate::settings::simulate(&s)?;
        *simulations += 1;
        let ok = meets(targets, &r);
        if !ok || k == CONFIRMATIONS {
            return Ok((ok, (s, r)));
        }
    }
}

/// Plans queue `queue`'s autoscaler for `targets` (see the module's notes).
pub fn plan(scenario: &Scenario, queue: usize, targets: &[Target]) -> Result<AutoscalePlan> {
    let Some(h) = scenario.run.horizon.filter(|h| h.window.is_some()) else {
        bail!(
            "--autoscale plans an autoscaler window by window: give the scenario `[run] \
             horizon` and `window` (or --horizon and --window)"
        );
    };
    let base = template(scenario, queue);
    let grid: &[f64] = match base.metric {
        ScaleMetric::Backlog => &BACKLOG_TARGETS,
        ScaleMetric::Utilization => &UTILIZATION_TARGETS,
    };
    let simulate = crate::settings::simulate;
    let mut simulations = 0;
    let mut candidates: Vec<Candidate> = Vec::new();
    // Targets go from generous to lean, so a target's least min is at least the one before's.
    let mut from = 1;
    for &target in grid {
        // The least min that meets: cost grows with min, so the first is this target's best;
        // a min whose fleet alone costs more than the best candidate so far cannot win.
        let best = (candidates.iter())
            .filter(|c| c.meets)
            .map(|c| c.consumer_time)
            .fold(f64::INFINITY, f64::min);
        let mut last = None;
        for min in from..=base.max {
            if f64::from(min) * h.end >= best {
                break;
            }
            let rule = Autoscale {
                target,
                min,
                ..base
            };
            let r = simulate(&with_rule(scenario, queue, rule))?;
            simulations += 1;
            let ok = meets(targets, &r);
            last = Some(Candidate {
                target,
                min,
                meets: ok,
                consumer_time: consumer_time(&r, queue),
                fleet_reached: fleet_reached(&r, queue, &rule),
                confirmed: None,
            });
            if ok {
                from = min;
                break;
            }
        }
        // The least min that met, or the last tried before the cost bound (or max) stopped
        // the search; a target none of whose mins was worth trying is left out.
        candidates.extend(last);
    }
    // Confirmation, cheapest first. A setting that misses on a fresh seed is retried with
    // one more `min` (as a schedule's missing window gets one more consumer), evaluated on
    // the scenario's seed and taking its place in the order by its cost.
    let mut chosen = None;
    let mut tried = vec![false; candidates.len()];
    while let Some(i) = (0..candidates.len())
        .filter(|&i| candidates[i].meets && !tried[i])
        .min_by(|&a, &b| {
            candidates[a]
                .consumer_time
                .total_cmp(&candidates[b].consumer_time)
        })
    {
        tried[i] = true;
        let rule = Autoscale {
            target: candidates[i].target,
            min: candidates[i].min,
            ..base
        };
        let (ok, last) = confirm(scenario, queue, targets, rule, &mut simulations)?;
        candidates[i].confirmed = Some(ok);
        if ok {
            chosen = Some((i, last));
            break;
        }
        if rule.min < base.max {
            let rule = Autoscale {
                min: rule.min + 1,
                ..rule
            };
            let r = simulate(&with_rule(scenario, queue, rule))?;
            simulations += 1;
            candidates.push(Candidate {
                target: rule.target,
                min: rule.min,
                meets: meets(targets, &r),
                consumer_time: consumer_time(&r, queue),
                fleet_reached: fleet_reached(&r, queue, &rule),
                confirmed: None,
            });
            tried.push(false);
        }
    }
    // The cheapest fixed schedule, on the same seed, from a fixed fleet of the rule's max.
    let schedule = crate::plan_windows::plan(&fixed(scenario, queue, base.max), queue, targets)?;
    simulations += schedule.simulations;
    let (chosen, simulated) = match chosen {
        Some((i, (s, r))) => (Some(i), WindowsReport::new(&s, &r)),
        None => (None, None),
    };
    Ok(AutoscalePlan {
        scenario: scenario.name.clone(),
        time_unit: scenario.time_unit.clone(),
        queue: scenario.queues[queue].name.clone(),
        targets: targets.to_vec(),
        replications: scenario.run.replications,
        horizon: h.end,
        rule: base,
        candidates,
        chosen,
        simulated,
        schedule,
        simulations,
        confirmations: CONFIRMATIONS,
    })
}
