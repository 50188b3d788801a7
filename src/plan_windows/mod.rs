//! `kendall plan --per-window`: the fewest consumers of one queue in every window of a run
//! to a horizon (docs/plan.md, "Staffing over a day").
//!
//! 1. Theory proposes a count per window ([`theory::staffing`], MOL), or the scenario's own
//!    staffing starts the search when no model applies.
//! 2. Simulation of the whole schedule decides. Staffing in one window changes the backlog
//!    the next ones inherit, so every step simulates the whole horizon with the schedule as
//!    it stands (the scenario's seed each time: common random numbers across steps):
//!    - *fix*: every window that does not meet the targets gets one more consumer;
//!    - *trim* (once every window meets): every window not yet known to be minimal gets one
//!      fewer; if the next simulation shows misses, each trimmed window that misses gets its
//!      consumer back and is marked minimal, and a window that misses without having been
//!      trimmed blames the nearest trimmed window before it (the backlog it left), which
//!      gets its consumer back and is marked minimal instead.
//!
//!    Each failed trim marks at least one more window minimal, so the search ends; it also
//!    stops at [`MAX_STEPS`] simulations. The answer is the last schedule simulated in which
//!    every window met the targets; if none did, the last one, with its misses reported.
//! 3. *Confirmation on fresh random numbers*: the search above picks counts on one seed, so
//!    a window trimmed until its interval just clears the bound is likely to miss on other
//!    random numbers (the winner's curse). The schedule found is simulated again with the
//!    seeds seed + 1, seed + 2, … (unrelated streams, [`kendall_sim::rng::seed_for`]); each
//!    window that misses gets one more consumer, until [`CONFIRMATIONS`] runs in a row meet
//!    every window or [`MAX_CONFIRMATIONS`] runs have been made. `confirmed` and the metrics
//!    reported are those of the last confirmation run, a run the counts were not selected on.
//! 4. The cheapest constant count is found the same way, from the schedule's largest count
//!    down (while every window meets) or up (until every window meets) on the scenario's
//!    seed, then confirmed on seed + 1, seed + 2, … (one more consumer while a run misses).

pub mod theory;

use anyhow::{Context, Result, bail};
use kendall_reports::plan::Target;
use kendall_reports::plan_windows::{
    ConstantStaff, WindowPlanReport, WindowStaff, merge_schedule, window_meets,
};
use kendall_reports::windows::WindowsReport;
use kendall_sim::scenario::ConsumerSchedule;
use kendall_sim::windows::{window_bounds, window_count};
use kendall_sim::{ExperimentResult, Scenario};

/// Most whole-horizon simulations the schedule search runs.
pub const MAX_STEPS: usize = 40;
/// Consecutive runs on fresh seeds in which every window must meet the targets.
pub const CONFIRMATIONS: u32 = 3;
/// Most confirmation runs on fresh seeds.
pub const MAX_CONFIRMATIONS: u64 = 12;
/// Most simulations the constant search runs.
const MAX_CONSTANT_STEPS: usize = 20;

/// `s` with queue `queue` staffed by `counts` per window (`windows` their bounds): a
/// schedule repeating with the horizon, adjacent equal counts merged; a constant count when
/// they are all equal.
pub fn with_counts(s: &Scenario, queue: usize, windows: &[(f64, f64)], counts: &[u32]) -> Scenario {
    let starts: Vec<f64> = windows.iter().map(|w| w.0).collect();
    let (at, values) = merge_schedule(&starts, counts);
    let mut s = s.clone();
    let horizon = windows.last().map_or(0.0, |w| w.1);
    let q = &mut s.queues[queue];
    let most = values.iter().copied().max().unwrap_or(1).max(1);
    q.consumers = most;
    if !q.speeds.is_empty() {
        let v = q.speeds[0];
        q.speeds = vec![v; most as usize];
    }
    let varies = values.len() > 1;
    q.schedule = varies.then_some(ConsumerSchedule {
        at,
        values,
        repeat: Some(horizon),
    });
    s
}

/// Refuses a queue that cannot follow a consumer schedule (the rule of the `consumers`
/// key), naming the key in the way.
fn check_schedulable(s: &Scenario, queue: usize) -> Result<()> {
    let q = &s.queues[queue];
    let why = if q.dispatch != kendall_broker::DispatchKind::Shared {
        Some(("dispatch", "needs dispatch = \"shared\""))
    } else if q.sharing {
        Some(("discipline", "cannot follow processor sharing"))
    } else if q.discipline == kendall_broker::Discipline::PriorityPreemptive {
        Some(("discipline", "cannot follow priority-preemptive"))
    } else if q.speeds.iter().any(|&v| v != q.speeds[0]) {
        Some(("speeds", "needs consumers of equal speed"))
    } else if q.crash.is_some() {
        Some(("crash", "cannot follow consumer crashes"))
    } else {
        None
    };
    if let Some((key, what)) = why {
        bail!(
            "--per-window staffs queue {} by a consumer schedule, which {what} (queue `{key}`)",
            q.name
        );
    }
    Ok(())
}

/// Which windows of `r` meet every target.
fn meeting(targets: &[Target], r: &ExperimentResult) -> Vec<bool> {
    r.windows.iter().map(|w| window_meets(targets, w)).collect()
}

/// The least count worth trying in each window: 1, or, where theory knows the rate, the
/// whole consumers of the window's peak offered load (fewer cannot keep up at the peak).
fn floors(s: &Scenario, queue: usize, windows: &[(f64, f64)]) -> Vec<u32> {
    match theory::mt_m_c(s, queue) {
        Ok((rate, mu)) => windows
            .iter()
            .map(|&(a, b)| ((rate.max_on(a, b) / mu).floor() as u32).max(1))
            .collect(),
        Err(_) => vec![1; windows.len()],
    }
}

/// The schedule search: per window its count and whether it is minimal, the simulation of
/// the answer, and the number of simulations.
struct Searched {
    counts: Vec<u32>,
    minimal: Vec<bool>,
    result: ExperimentResult,
    steps: usize,
}

fn search(
    s: &Scenario,
    queue: usize,
    targets: &[Target],
    windows: &[(f64, f64)],
    start: Vec<u32>,
    simulate: &mut dyn FnMut(&Scenario) -> Result<ExperimentResult>,
) -> Result<Searched> {
    let n = windows.len();
    let floor = floors(s, queue, windows);
    let mut counts = start;
    let mut minimal: Vec<bool> = (0..n).map(|k| counts[k] <= floor[k]).collect();
    let mut trimmed: Vec<bool> = vec![false; n];
    let mut best: Option<(Vec<u32>, ExperimentResult)> = None;
    let mut last = None;
    let mut steps = 0;
    while steps < MAX_STEPS {
        let r = simulate(&with_counts(s, queue, windows, &counts))?;
        steps += 1;
        if r.windows.len() != n {
            bail!(
                "the simulation reported {} windows, the plan expected {n}",
                r.windows.len()
            );
        }
        let meets = meeting(targets, &r);
        if meets.iter().all(|&m| m) {
            best = Some((counts.clone(), r));
            // Trim every window not known to be minimal.
            trimmed = (0..n).map(|k| !minimal[k]).collect();
            if !trimmed.iter().any(|&t| t) {
                break;
            }
            for k in 0..n {
                if trimmed[k] {
                    counts[k] -= 1;
                    minimal[k] = counts[k] <= floor[k];
                }
            }
            continue;
        }
        let trimming = best.is_some();
        let mut restored = vec![false; n];
        for k in (0..n).filter(|&k| !meets[k]) {
            // After a trim, a miss is the trim's doing: a trimmed window that misses gets its
            // consumer back; an untrimmed one that misses blames the nearest trimmed window
            // before it (the backlog it left), which gets its consumer back instead. Both
            // become minimal. Any other miss gets one more consumer.
            let culprit = if !trimming || trimmed[k] {
                Some(k).filter(|_| trimming)
            } else {
                (0..k).rev().find(|&j| trimmed[j])
            };
            match culprit {
                Some(j) => {
                    minimal[j] = true;
                    if !restored[j] {
                        restored[j] = true;
                        counts[j] += 1;
                    }
                }
                None => counts[k] += 1,
            }
        }
        trimmed = vec![false; n];
        last = Some(r);
    }
    Ok(match best {
        Some((counts, result)) => {
            // Windows the search ran out of steps before trimming count as not minimal.
            Searched {
                counts,
                minimal,
                result,
                steps,
            }
        }
        None => {
            // Never all met: report the last schedule simulated (the counts after its
            // misses were raised were not simulated, so undo them).
            let result = last.context("no simulation ran")?;
            let meets = meeting(targets, &result);
            for k in 0..n {
                if !meets[k] {
                    counts[k] -= 1;
                }
            }
            Searched {
                counts,
                minimal,
                result,
                steps,
            }
        }
    })
}

/// `s` on the seed `k` steps after its own (k ≥ 1: a confirmation run).
fn reseeded(s: &Scenario, k: u64) -> Scenario {
    let mut s = s.clone();
    s.run.seed = s.run.seed.wrapping_add(k);
    s
}

/// Confirmation of `counts` on fresh seeds: one more consumer in every window that misses,
/// until [`CONFIRMATIONS`] runs in a row meet every window or [`MAX_CONFIRMATIONS`] runs
/// have been made; the last run, the number of runs, and whether the streak was reached.
fn confirm(
    s: &Scenario,
    queue: usize,
    targets: &[Target],
    windows: &[(f64, f64)],
    counts: &mut [u32],
    simulate: &mut dyn FnMut(&Scenario) -> Result<ExperimentResult>,
) -> Result<(ExperimentResult, u64, bool)> {
    let mut k = 0;
    let mut streak = 0;
    loop {
        k += 1;
        let r = simulate(&reseeded(&with_counts(s, queue, windows, counts), k))?;
        let meets = meeting(targets, &r);
        if meets.iter().all(|&m| m) {
            streak += 1;
        } else {
            streak = 0;
        }
        if streak >= CONFIRMATIONS || k >= MAX_CONFIRMATIONS {
            return Ok((r, k, streak >= CONFIRMATIONS));
        }
        for (c, _) in counts.iter_mut().zip(&meets).filter(|(_, m)| !**m) {
            *c += 1;
        }
    }
}

/// The cheapest constant count meeting every window, from `from` down or up.
fn constant(
    s: &Scenario,
    queue: usize,
    targets: &[Target],
    windows: &[(f64, f64)],
    from: u32,
    simulate: &mut dyn FnMut(&Scenario) -> Result<ExperimentResult>,
) -> Result<(ConstantStaff, usize)> {
    let n = windows.len();
    let mut runs = 0;
    let mut ok_at = |c: u32, runs: &mut usize| -> Result<bool> {
        if c == 0 {
            return Ok(false);
        }
        *runs += 1;
        let r = simulate(&with_counts(s, queue, windows, &vec![c; n]))?;
        Ok(meeting(targets, &r).iter().all(|&m| m))
    };
    let mut c = from.max(1);
    let mut found = None;
    let mut confirmed = false;
    if ok_at(c, &mut runs)? {
        found = Some(c);
        while runs < MAX_CONSTANT_STEPS {
            if c > 1 && ok_at(c - 1, &mut runs)? {
                c -= 1;
                found = Some(c);
            } else {
                confirmed = true;
                break;
            }
        }
    } else {
        while runs < MAX_CONSTANT_STEPS {
            c += 1;
            if ok_at(c, &mut runs)? {
                found = Some(c);
                confirmed = true;
                break;
            }
        }
    }
    // Confirmation on fresh seeds, as for the schedule: one more consumer while a run on
    // seed + k misses a window.
    if let Some(c0) = found {
        let mut c = c0;
        for k in 1..=MAX_CONFIRMATIONS {
            runs += 1;
            let r = simulate(&reseeded(&with_counts(s, queue, windows, &vec![c; n]), k))?;
            if meeting(targets, &r).iter().all(|&m| m) {
                break;
            }
            if k == MAX_CONFIRMATIONS {
                confirmed = false;
                break;
            }
            c += 1;
        }
        found = Some(c);
    }
    Ok((
        ConstantStaff {
            consumers: found,
            confirmed,
        },
        runs,
    ))
}

/// Plans queue `queue` of `scenario` (warm-up resolved) window by window against `targets`,
/// simulating with [`crate::settings::simulate`] on the current rayon pool.
pub fn plan(scenario: &Scenario, queue: usize, targets: &[Target]) -> Result<WindowPlanReport> {
    let Some(h) = scenario.run.horizon else {
        bail!(
            "--per-window needs a run to a horizon with windows: give the scenario `[run] \
             horizon` and `window` (or --horizon and --window)"
        );
    };
    let Some(width) = h.window else {
        bail!(
            "--per-window needs windows: give the scenario `[run] window` (or --window) \
             beside its horizon"
        );
    };
    check_schedulable(scenario, queue)?;
    let windows: Vec<(f64, f64)> = (0..window_count(h.end, width))
        .map(|k| window_bounds(h.end, width, k))
        .collect();
    let mut notes = Vec::new();
    let theory = theory::staffing(scenario, queue, targets, &windows, &mut notes);
    let q = &scenario.queues[queue];
    let start: Vec<u32> = match &theory {
        Ok(c) => c.clone(),
        Err(why) => {
            notes.push(format!(
                "no theory applies ({why}): the search starts from the scenario's own staffing"
            ));
            windows
                .iter()
                .map(|&(a, _)| q.schedule.as_ref().map_or(q.consumers, |s| s.value_at(a)))
                .collect()
        }
    };
    let mut simulate = crate::settings::simulate;
    let mut found = search(scenario, queue, targets, &windows, start, &mut simulate)?;
    let searched = found.counts.clone();
    let (result, confirmations, steady) = confirm(
        scenario,
        queue,
        targets,
        &windows,
        &mut found.counts,
        &mut simulate,
    )?;
    found.result = result;
    let raised = found
        .counts
        .iter()
        .zip(&searched)
        .filter(|(a, b)| a != b)
        .count();
    notes.push(format!(
        "confirmation on fresh seeds ({} run(s) from seed {}): {raised} window(s) needed one \
         or more consumers beyond the search's",
        confirmations,
        scenario.run.seed.wrapping_add(1)
    ));
    if !steady {
        notes.push(format!(
            "no {CONFIRMATIONS} confirmation runs in a row met every window within \
             {MAX_CONFIRMATIONS}: the windows' intervals are wide against the bound (some \
             window may miss on any seed, however many consumers), so more --replications \
             are needed to confirm the plan"
        ));
    }
    let meets = meeting(targets, &found.result);
    if found.steps >= MAX_STEPS {
        notes.push(format!(
            "the search stopped at its limit of {MAX_STEPS} simulations; windows not marked \
             minimal might do with fewer"
        ));
    }
    let most = found.counts.iter().copied().max().unwrap_or(1);
    let (constant, runs) = constant(scenario, queue, targets, &windows, most, &mut simulate)?;
    let theory_counts = theory.as_ref().ok();
    let staff = windows
        .iter()
        .enumerate()
        .map(|(k, &(start, end))| WindowStaff {
            start,
            end,
            theory_consumers: theory_counts.map(|c| c[k]),
            consumers: found.counts[k],
            confirmed: meets[k],
            minimal: found.minimal[k],
        })
        .collect();
    let simulated = WindowsReport::new(
        &with_counts(scenario, queue, &windows, &found.counts),
        &found.result,
    )
    .context("the simulation has no windows")?;
    Ok(WindowPlanReport {
        scenario: scenario.name.clone(),
        time_unit: scenario.time_unit.clone(),
        queue: q.name.clone(),
        targets: targets.to_vec(),
        replications: scenario.run.replications,
        horizon: h.end,
        theory: theory.map(|_| theory::MOL_LABEL.to_string()),
        windows: staff,
        simulated,
        constant,
        simulations: found.steps + confirmations as usize + runs,
        notes,
    })
}

#[cfg(test)]
mod tests;
