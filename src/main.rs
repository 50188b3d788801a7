//! The `kendall` command line: argument parsing, files and exit codes. The work is done by
//! the library crates; each subcommand is one function here.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use kendall_reports::{LiveReport, PredictReport, RunReport};
use kendall_sim::scenario::Warmup;
use kendall_sim::{Scenario, run_experiment, theory, traffic, warmup};

/// Simulate and capacity-plan message-processing systems against queueing theory.
#[derive(Debug, Parser)]
#[command(name = "kendall", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and compare every metric with theory.
    Run(RunArgs),
    /// Parse and check scenario files and say what they mean.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Simulate scenarios with known theory and compare T with it, one row per file.
    ValidateTheory(ValidateTheoryArgs),
    /// Print what queueing theory predicts for a scenario, without simulating.
    Predict {
        /// Scenario file.
        scenario: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run the scenario on real threads against the real clock, beside simulation and theory.
    Live(LiveArgs),
    /// Fit distributions to a log by maximum likelihood and rank them (AIC, KS).
    Fit(FitArgs),
}

#[derive(Debug, Args)]
struct FitArgs {
    /// Log file: a CSV with a header (name the column with --column), or one number a line.
    file: PathBuf,
    /// CSV column holding the values.
    #[arg(long)]
    column: Option<String>,
    /// What the values are: inter-arrival times (with --timestamps: arrival times) or
    /// service times.
    #[arg(long, value_parser = ["interarrival", "service"], default_value = "interarrival")]
    kind: String,
    /// The values are sorted arrival times: fit the gaps between them.
    #[arg(long)]
    timestamps: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the best fit as a scenario line (`interarrival = { … }`) to this file.
    #[arg(long)]
    write: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct LiveArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Scenario time units per real second (1 = real time as the file is written).
    #[arg(long, default_value_t = 1.0)]
    speedup: f64,
    /// Real (wall-clock) seconds to run; the run covers duration x speedup scenario time units.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Print the JSON document instead of a table.
    #[arg(long)]
    json: bool,
    /// Override `run.replications`.
    #[arg(long)]
    replications: Option<u32>,
    /// Override `run.customers` (messages measured per replication).
    #[arg(long)]
    customers: Option<u64>,
    /// Override `run.seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Args)]
struct ValidateTheoryArgs {
    /// Scenario files or directories of them (default scenarios/validation).
    paths: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Override every file's `run.customers`.
    #[arg(long)]
    customers: Option<u64>,
    /// Override every file's `run.replications`.
    #[arg(long)]
    replications: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

/// An error that is the user's input, not kendall's fault: exit code 1.
fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn try_main(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Predict { scenario, json } => predict(&scenario, json),
        Command::ValidateTheory(args) => validate_theory(args),
        Command::Live(args) => live(args),
        Command::Fit(args) => fit(args),
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn load(path: &Path) -> Result<Scenario> {
    Ok(Scenario::load(path)?)
}

/// `kendall run`: all replications in parallel, then the table or the JSON document.
fn run(args: RunArgs) -> Result<()> {
    let mut scenario = load(&args.scenario)?;
    if let Some(n) = args.replications {
        anyhow::ensure!(
            n >= 2,
            "--replications must be at least 2 for a confidence interval"
        );
        scenario.run.replications = n;
    }
    if let Some(n) = args.customers {
        anyhow::ensure!(n >= 1, "--customers must be at least 1");
        scenario.run.customers = n;
    }
    if let Some(s) = args.seed {
        scenario.run.seed = s;
    }
    let pool = thread_pool(args.threads)?;
    let started = Instant::now();
    warmup::resolve(&mut scenario).context("warm-up pilot failed")?;
    let result = pool
        .install(|| run_experiment(&scenario))
        .context("simulation failed")?;
    let wall = started.elapsed().as_secs_f64();
    let report = RunReport::new(&scenario, &result, &theory::predict(&scenario), wall);
    let text = if args.json {
        format!("{:#}\n", report.to_json())
    } else {
        report.to_table()
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// `kendall live`: the live run, then the simulation of the same scenario, side by side.
fn live(args: LiveArgs) -> Result<()> {
    let scenario = load(&args.scenario)?;
    let positive = |x: f64| x > 0.0 && x.is_finite();
    anyhow::ensure!(
        positive(args.speedup),
        "--speedup must be a positive number"
    );
    anyhow::ensure!(
        positive(args.duration),
        "--duration must be a positive number of seconds"
    );
    let live = kendall_sim::live::run_live(&scenario, args.speedup, args.duration)
        .context("live run failed")?;
    let started = Instant::now();
    let simulated = run_experiment(&scenario).context("simulation failed")?;
    let wall = started.elapsed().as_secs_f64();
    let report = LiveReport::new(
        &scenario,
        &live,
        &simulated,
        &theory::predict(&scenario),
        wall,
    );
    let text = if args.json {
        format!("{:#}\n", report.to_json())
    } else {
        report.to_table()
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    builder.build().context("cannot start worker threads")
}

/// `kendall validate-theory`: the validation suite; exit 1 when a criterion fails.
fn validate_theory(args: ValidateTheoryArgs) -> Result<()> {
    use kendall_reports::validation::{self, Overrides, ValidationSummary};
    anyhow::ensure!(
        args.replications.is_none_or(|n| n >= 2),
        "--replications must be at least 2 for a confidence interval"
    );
    anyhow::ensure!(
        args.customers.is_none_or(|n| n >= 1),
        "--customers must be at least 1"
    );
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios/validation")]
    } else {
        args.paths
    };
    let files = validation::scenario_files(&paths).map_err(|e| anyhow::anyhow!(e))?;
    let overrides = Overrides {
        customers: args.customers,
        replications: args.replications,
    };
    let pool = thread_pool(args.threads)?;
    let rows = pool
        .install(|| validation::validate_files(&files, overrides, &mut |_| {}))
        .map_err(|e| anyhow::anyhow!(e))?;
    let summary = ValidationSummary::of(&rows);
    let text = if args.json {
        format!("{:#}\n", validation::to_json(&rows, &summary))
    } else {
        validation::table(&rows, &summary)
    };
    io::stdout().write_all(text.as_bytes())?;
    anyhow::ensure!(
        summary.passed(),
        "validation failed: {}",
        summary.failures.join("; ")
    );
    Ok(())
}

/// `kendall validate`: every file checked; exit 1 if any is wrong.
fn validate(paths: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    let mut out = io::stdout().lock();
    for path in paths {
        match Scenario::load(path) {
            Ok(s) => writeln!(out, "{}", describe(path, &s))?,
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} scenario files are invalid",
        paths.len()
    );
    Ok(())
}

/// The scenario in plain words: producers, queues, offered load and stability.
fn describe(path: &Path, s: &Scenario) -> String {
    let unit = if s.time_unit.is_empty() {
        "time unit".to_string()
    } else {
        s.time_unit.clone()
    };
    let mut text = format!("{}: ok — \"{}\"\n", path.display(), s.name);
    for p in &s.producers {
        text += &format!(
            "  producer {} sends {} messages to queue {}: {:.4} per {unit} (mean gap {:.4}, scv {:.3})\n",
            p.name,
            s.classes[p.class].name,
            s.queues[p.queue].name,
            1.0 / p.interarrival.mean(),
            p.interarrival.mean(),
            p.interarrival.scv()
        );
        for w in kendall_sim::fit::producer_warnings(p) {
            text += &format!("  warning: {w}\n");
        }
    }
    for (q, load) in s.queues.iter().zip(traffic::queue_loads(s)) {
        let verdict = match q.capacity {
            Some(k) if load.rho >= 1.0 => {
                format!("bounded at {k}: overloaded, so it will lose messages")
            }
            Some(k) => format!("stable, bounded at {k} ({:?} when full)", q.overflow),
            None if load.rho < 1.0 => "stable".to_string(),
            None => "UNSTABLE (rho >= 1: the queue grows without bound)".to_string(),
        };
        text += &format!(
            "  queue {} ({} consumers, {:?} dispatch): arrivals {:.4} per {unit}, mean service {:.4}, rho = {:.4}, {verdict}\n",
            q.name, q.consumers, q.dispatch, load.arrival_rate, load.mean_service, load.rho
        );
    }
    let r = s.run;
    let warmup = match r.warmup_mode {
        Warmup::Count(n) => n.to_string(),
        Warmup::Auto => "auto (MSER-5 on a pilot run)".to_string(),
    };
    text += &format!(
        "  run: {} replications x {} messages after a warm-up of {warmup}, seed {}",
        r.replications, r.customers, r.seed
    );
    text
}

/// `kendall predict`: theory alone.
fn predict(path: &Path, json: bool) -> Result<()> {
    let scenario = load(path)?;
    let report = PredictReport::new(&scenario, &theory::predict(&scenario));
    let text = if json {
        format!("{:#}\n", report.to_json())
    } else {
        report.to_table()
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// `kendall fit`: read a column, fit every family, print them ranked; optionally write the
/// best as a scenario line (temp file + rename).
fn fit(args: FitArgs) -> Result<()> {
    use kendall_sim::fit;
    anyhow::ensure!(
        !(args.timestamps && args.kind == "service"),
        "--timestamps gives inter-arrival times: it does not go with --kind service"
    );
    let name = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {name}"))?;
    let values =
        fit::read_log(&text, args.column.as_deref()).map_err(|e| anyhow::anyhow!("{name} {e}"))?;
    let data = if args.timestamps {
        fit::gaps_from_timestamps(&values)
    } else {
        fit::durations(&values)
    }
    .map_err(|e| anyhow::anyhow!("{name} {e}"))?;
    let report = fit::fit_all(&data).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let burstiness = if args.kind == "interarrival" {
        fit::burstiness(&data)
    } else {
        None
    };
    let view = kendall_reports::fit::FitView {
        source: match &args.column {
            Some(c) => format!("{name} column {c}"),
            None => name.clone(),
        },
        kind: &args.kind,
        report: &report,
        burstiness: burstiness.as_ref(),
    };
    if let Some(path) = &args.write {
        let line = fit::snippet(&args.kind, &report.best().spec) + "\n";
        let tmp = path.with_extension("tmp-kendall-fit");
        std::fs::write(&tmp, line).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = if args.json {
        format!("{:#}\n", view.to_json())
    } else {
        view.to_table()
    };
    io::stdout().write_all(text.as_bytes())?;
    if args.json {
        for w in view.warnings() {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}
