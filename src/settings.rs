//! Settings resolved from the flags: the run overrides applied to a scenario, the warm-up
//! resolved, the worker threads started. Every simulating command goes through here, so each
//! resolves its settings the same way and once.

use std::path::Path;

use anyhow::{Context, Result};
use kendall_sim::scenario::{DEFAULT_BATCHES, Horizon, Warmup};
use kendall_sim::{ExperimentResult, Scenario, warmup, windows};

use crate::cli::RunOverrides;

/// Applies the overrides to `scenario`'s `[run]`; a fixed warm-up longer than a tenth of
/// an overridden run length shrinks to that tenth.
pub fn apply(flags: &RunOverrides, scenario: &mut Scenario) -> Result<()> {
    if let Some(n) = flags.replications {
        anyhow::ensure!(
            n >= 1,
            "--replications must be at least 1 (1 runs one long replication with batch means)"
        );
        scenario.run.replications = n;
    }
    if let Some(n) = flags.customers {
        anyhow::ensure!(n >= 1, "--customers must be at least 1");
        scenario.run.customers = n;
        // A shorter run keeps a warm-up in proportion: at most a tenth of it.
        scenario.run.warmup = scenario.run.warmup.min(n / 10);
        if let Warmup::Count(_) = scenario.run.warmup_mode {
            scenario.run.warmup_mode = Warmup::Count(scenario.run.warmup);
        }
    }
    if let Some(w) = flags.warmup {
        scenario.run.warmup_mode = w;
        scenario.run.warmup = match w {
            Warmup::Count(n) => n,
            // A tenth until the pilot resolves it, as for `warmup = "auto"` in a file.
            Warmup::Auto => scenario.run.customers / 10,
        };
    }
    if let Some(s) = flags.seed {
        scenario.run.seed = s;
    }
    if let Some(n) = flags.max_events {
        anyhow::ensure!(n >= 1, "--max-events must be at least 1");
        scenario.run.max_events = Some(n);
    }
    apply_horizon(flags, scenario)?;
    apply_batches(flags, scenario)
}

/// `--batches`, and the batches a run gets when `--replications` makes it one replication
/// (or no longer one).
fn apply_batches(flags: &RunOverrides, scenario: &mut Scenario) -> Result<()> {
    let run = &mut scenario.run;
    if run.replications != 1 {
        anyhow::ensure!(
            flags.batches.is_none(),
            "--batches: batch means cut one long replication into batches; add \
             --replications 1 (the run has {})",
            run.replications
        );
        run.batches = 0;
        return Ok(());
    }
    anyhow::ensure!(
        run.horizon.is_none(),
        "--replications 1: a run to a horizon needs at least 2 replications for its \
         intervals (its windows change over time, so one replication cannot be cut into \
         batches)"
    );
    if let Some(b) = flags.batches {
        anyhow::ensure!(
            b >= 2,
            "--batches must be at least 2 for a confidence interval"
        );
        run.batches = b;
    } else if run.batches == 0 {
        // Fewer than the default only when there are fewer customers than that.
        run.batches = DEFAULT_BATCHES.min(u32::try_from(run.customers.max(2)).unwrap_or(u32::MAX));
    }
    anyhow::ensure!(
        u64::from(run.batches) <= run.customers,
        "--batches {}: {} customers cannot fill that many batches",
        run.batches,
        run.customers
    );
    Ok(())
}

/// `--horizon` and `--window`, and the run-length flags a run to a horizon excludes.
fn apply_horizon(flags: &RunOverrides, scenario: &mut Scenario) -> Result<()> {
    let positive = |x: f64, flag: &str| {
        anyhow::ensure!(
            x.is_finite() && x > 0.0,
            "--{flag} must be a positive, finite time, not {x}"
        );
        Ok(())
    };
    if let Some(end) = flags.horizon {
        positive(end, "horizon")?;
        anyhow::ensure!(
            flags.customers.is_none(),
            "--horizon and --customers exclude each other: a replication ends at a time or \
             after a count of messages, not both"
        );
        let window = scenario.run.horizon.and_then(|h| h.window);
        scenario.run.horizon = Some(Horizon { end, window });
    } else if scenario.run.horizon.is_some() {
        anyhow::ensure!(
            flags.customers.is_none(),
            "--customers: the scenario runs to a time ([run] horizon), not a count of \
             messages; change the time with --horizon"
        );
    }
    if let Some(w) = flags.window {
        positive(w, "window")?;
        let Some(h) = &mut scenario.run.horizon else {
            anyhow::bail!("--window needs a horizon: [run] horizon in the file, or --horizon");
        };
        h.window = Some(w);
    }
    if let Some(h) = scenario.run.horizon {
        if let Some(w) = h.window {
            let count = windows::window_count(h.end, w);
            anyhow::ensure!(
                count <= windows::MAX_WINDOWS,
                "horizon / window gives {count} windows; at most {}",
                windows::MAX_WINDOWS
            );
        }
        anyhow::ensure!(
            matches!(flags.warmup, None | Some(Warmup::Count(0))),
            "--warmup: a run to a horizon starts empty at time 0 and measures from there; \
             its warm-up is 0"
        );
        scenario.run.customers = 0;
        scenario.run.warmup = 0;
        scenario.run.warmup_mode = Warmup::Count(0);
    }
    Ok(())
}

/// Loads the scenario file as written.
pub fn load(path: &Path) -> Result<Scenario> {
    Ok(Scenario::load(path)?)
}

/// Loads the scenario file and applies the run overrides, warm-up not yet resolved.
pub fn load_overridden(path: &Path, flags: &RunOverrides) -> Result<Scenario> {
    let mut scenario = load(path)?;
    apply(flags, &mut scenario)?;
    Ok(scenario)
}

/// Resolves `warmup = "auto"` by the MSER-5 pilot (a no-op for a fixed warm-up).
pub fn resolve_warmup(scenario: &mut Scenario) -> Result<()> {
    warmup::resolve(scenario).context("warm-up pilot failed")?;
    Ok(())
}

/// Simulates `scenario` as `run` does, on the current rayon pool: its warm-up resolved for
/// it (a pilot of its own when `warmup = "auto"`), then every replication. For the
/// variants a command makes itself (counts, loads, strategies), so that each resolves
/// `warmup = "auto"` the same way.
pub fn simulate(scenario: &Scenario) -> Result<ExperimentResult> {
    let mut s = scenario.clone();
    resolve_warmup(&mut s)?;
    kendall_sim::run_experiment(&s).context("simulation failed")
}

/// Loads one variant of the scenario with `settings` applied, then the run overrides and
/// the warm-up (MSER-5 when asked).
pub fn variant(
    path: &Path,
    settings: &[(String, toml::Value)],
    flags: &RunOverrides,
) -> Result<Scenario> {
    let mut s = Scenario::load_with(path, settings)?;
    apply(flags, &mut s)?;
    resolve_warmup(&mut s)?;
    Ok(s)
}

/// The worker threads: `--threads` of them, or one per core.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    builder.build().context("cannot start worker threads")
}
