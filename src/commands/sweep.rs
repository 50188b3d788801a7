//! `kendall sweep`: every point of the grid (or of one shard of it), points × replications
//! in parallel; a table on stdout and, with --csv, the tidy CSV. Ctrl-C keeps the points that
//! finished.

use std::time::Instant;

use anyhow::{Context, Result};
use kendall_reports::{RunReport, SweepPoint, sweep_csv, sweep_table, write_atomic};
use kendall_sim::overrides::{Override, grid};
use kendall_sim::{summarize, theory};

use super::batch::{run_all, value_text};
use super::{Interrupted, Output};
use crate::cli::SweepArgs;
use crate::settings::variant;
use crate::shard::{Manifest, Slice, grid_hash, manifest_path};
use crate::{output, progress};

/// Runs this shard's points of the grid.
pub fn run(args: &SweepArgs) -> Result<Output> {
    let overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let keys: Vec<String> = overrides.iter().map(|o| o.key.clone()).collect();
    let points = grid(&overrides);
    let env = |name: &str| std::env::var(name).ok();
    let slice = match args.shard.as_deref() {
        Some(text) => Slice::parse(text, args.shards, &env)?,
        None if args.shards.is_some() => anyhow::bail!("--shards goes with --shard auto"),
        None => Slice { index: 1, count: 1 },
    };
    let mine: Vec<usize> = (0..points.len()).filter(|&p| slice.holds(p)).collect();
    let scenarios = mine
        .iter()
        .map(|&p| variant(&args.scenario, &points[p], &args.run))
        .collect::<Result<Vec<_>>>()?;
    let started = Instant::now();
    let results = run_all(&scenarios, args.run.threads, false)?;
    let wall = started.elapsed().as_secs_f64();
    let mut done = Vec::new();
    for ((&p, s), r) in mine.iter().zip(&scenarios).zip(results) {
        if let Some(point) = r {
            let result = summarize(s, &point.replications, &point.tails);
            let report = RunReport::new(s, &result, &theory::predict(s), wall);
            done.push(SweepPoint {
                index: p,
                values: points[p].iter().map(|(_, v)| value_text(v)).collect(),
                report,
            });
        }
    }
    let mut out = Output::new();
    if let Some(path) = &args.csv {
        write_atomic(path, &sweep_csv(&keys, &done)?)?;
        if args.shard.is_some() {
            write_manifest(args, slice, path)?;
        }
    }
    if let Some(dir) = &args.plot {
        let rho: Vec<f64> = done
            .iter()
            .map(|p| {
                let s = &scenarios[mine
                    .iter()
                    .position(|&m| m == p.index)
                    .expect("a point of this shard")];
                kendall_sim::traffic::queue_loads(s)
                    .iter()
                    .map(|l| l.rho)
                    .fold(0.0, f64::max)
            })
            .collect();
        let name = scenarios.first().map_or(String::new(), |s| s.name.clone());
        let chart = kendall_reports::sweep_chart(&name, &done, &rho);
        for line in output::plot(dir, "sweep", &chart)? {
            out.err(line);
        }
    }
    out.out(sweep_table(&keys, &done));
    // A point's warnings (Little's law, saturation, start-up bias, ...) as `run` prints
    // them, named by the point's settings.
    for point in &done {
        let at: Vec<String> = keys
            .iter()
            .zip(&point.values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for w in &point.report.warnings {
            out.err(format!(
                "warning: point {} ({}): {w}",
                point.index,
                at.join(", ")
            ));
        }
    }
    if progress::interrupted() {
        let kept = format!("kept {} of {} points", done.len(), mine.len());
        out.outcome = Err(Interrupted(kept).into());
    }
    Ok(out)
}

/// Writes the shard's manifest beside its CSV: the grid's hash (the scenario file, the
/// `--set` values and the run overrides but `--threads`), the slice and the seed.
fn write_manifest(args: &SweepArgs, slice: Slice, csv: &std::path::Path) -> Result<()> {
    let text = std::fs::read(&args.scenario)
        .with_context(|| format!("cannot read {}", args.scenario.display()))?;
    let r = &args.run;
    let overrides = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        r.replications, r.customers, r.warmup, r.seed, r.max_events, r.horizon, r.window
    );
    let mut parts: Vec<&[u8]> = vec![&text, overrides.as_bytes()];
    parts.extend(args.set.iter().map(|s| s.as_bytes()));
    let seed = match r.seed {
        Some(seed) => seed,
        None => kendall_sim::Scenario::load(&args.scenario)?.run.seed,
    };
    let manifest = Manifest {
        grid: grid_hash(parts),
        shard: slice.index,
        shards: slice.count,
        seed,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    write_atomic(&manifest_path(csv), &json)?;
    Ok(())
}
