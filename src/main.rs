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
use kendall_sim::{Scenario, run_experiment, theory, warmup};

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
    /// Fewest consumers meeting every target, per load level: theory proposes, simulation confirms.
    Plan(PlanArgs),
    /// Write a self-contained HTML report (with a Markdown twin, CSVs and charts) to a directory.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// A target every row must meet, e.g. "p99(T) < 50", "mean(Wq) <= 5", "util < 0.8",
    /// "p_loss < 0.001", "p_wait < 0.2" (repeatable).
    #[arg(long = "target", required = true)]
    targets: Vec<String>,
    /// Load levels: FROM..TO[:STEP] total arrival rates, or xFROM..xTO[:STEP] multiples of
    /// the scenario's own rates (no STEP: ten levels).
    #[arg(long)]
    load: String,
    /// The queue whose consumers vary (default: the only queue).
    #[arg(long)]
    vary: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the rows as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Also write a full report (HTML, Markdown, CSV, charts) to this directory.
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    sim: SimOverrides,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    sim: SimOverrides,
}

/// Run-length overrides shared by `plan` and `report`.
#[derive(Debug, Args)]
struct SimOverrides {
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

impl SimOverrides {
    /// Applies the overrides; a fixed warm-up of customers / 10 replaces one that was the
    /// file's default.
    fn apply(&self, s: &mut Scenario) -> Result<()> {
        if let Some(n) = self.replications {
            anyhow::ensure!(
                n >= 2,
                "--replications must be at least 2 for a confidence interval"
            );
            s.run.replications = n;
        }
        if let Some(n) = self.customers {
            anyhow::ensure!(n >= 1, "--customers must be at least 1");
            s.run.customers = n;
            s.run.warmup = s.run.warmup.min(n / 10);
            if let Warmup::Count(_) = s.run.warmup_mode {
                s.run.warmup_mode = Warmup::Count(s.run.warmup);
            }
        }
        if let Some(seed) = self.seed {
            s.run.seed = seed;
        }
        Ok(())
    }
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
        Command::Plan(args) => plan(args),
        Command::Report(args) => report(args),
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
    let mut text = format!("{}: ok — \"{}\"", path.display(), s.name);
    for line in kendall_reports::describe::describe_lines(s) {
        text += "\n  ";
        text += &line;
    }
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

/// The `--vary` queue's index (default: the only queue).
fn varied_queue(s: &Scenario, vary: Option<&str>) -> Result<usize> {
    match vary {
        Some(name) => s
            .queues
            .iter()
            .position(|q| q.name == name)
            .with_context(|| format!("--vary: no queue named `{name}`")),
        None if s.queues.len() == 1 => Ok(0),
        None => anyhow::bail!(
            "the scenario has {} queues: say which to vary with --vary QUEUE",
            s.queues.len()
        ),
    }
}

/// `kendall plan`: the capacity table.
fn plan(args: PlanArgs) -> Result<()> {
    use kendall_reports::plan::{self, LoadRange, PlanSpec, Target};
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!(e))?;
    let loads = LoadRange::parse(&args.load).map_err(|e| anyhow::anyhow!(e))?;
    let mut scenario = load(&args.scenario)?;
    args.sim.apply(&mut scenario)?;
    let queue = varied_queue(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.sim.threads)?;
    let spec = PlanSpec {
        targets,
        loads,
        queue,
    };
    let report = pool
        .install(|| plan::plan(&scenario, &spec, &mut |_, _| {}))
        .map_err(|e| anyhow::anyhow!(e))?;
    if let Some(path) = &args.csv {
        kendall_reports::report::write_atomic(path, report.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(dir) = &args.report {
        pool.install(|| kendall_reports::report::write_report(&scenario, Some(&report), dir))
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    let text = if args.json {
        format!("{:#}\n", report.to_json())
    } else {
        report.to_table()
    };
    io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// `kendall report`: the full report in a directory.
fn report(args: ReportArgs) -> Result<()> {
    let mut scenario = load(&args.scenario)?;
    args.sim.apply(&mut scenario)?;
    let pool = thread_pool(args.sim.threads)?;
    let written = pool
        .install(|| kendall_reports::report::write_report(&scenario, None, &args.out))
        .map_err(|e| anyhow::anyhow!(e))?;
    println!("{}", written.display());
    Ok(())
}
