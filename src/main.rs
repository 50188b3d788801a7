//! The `kendall` command line: argument parsing, files and exit codes. The work is done by
//! the library crates; each subcommand is one function here.

mod output;
mod progress;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use kendall_reports::{
    Alternative, Comparison, LiveReport, PredictReport, RunReport, SweepPoint, merge_csv,
    sweep_csv, sweep_table,
};
use kendall_sim::overrides::{Override, grid};
use kendall_sim::scenario::Warmup;
use kendall_sim::{Control, Point, run_points, summarize};
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
    /// Simulate scenarios with known values and hold theory and the simulation to them.
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
    /// Run a grid of scenario variants (--set KEY=V1,V2,...) and write a tidy CSV.
    Sweep(SweepArgs),
    /// Compare alternatives (dispatch strategies, --set values) on common random numbers.
    Compare(CompareArgs),
    /// Join the CSVs of `sweep --shard I/N` runs into the unsharded sweep's CSV.
    Merge {
        /// Shard CSV files.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Write the merged CSV here (default: standard output).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Fit distributions to a log by maximum likelihood and rank them (AIC, KS).
    Fit(FitArgs),
    /// Fewest consumers meeting every target, per load level: theory proposes, simulation confirms.
    Plan(PlanArgs),
    /// Write a self-contained HTML report (with a Markdown twin, CSVs and charts) to a directory.
    Report(ReportArgs),
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
    /// Write the charts to this directory (created if missing): fit-cdf (the data's
    /// empirical CDF against every fit) and fit-qq (Q-Q plot of the best fit), SVG and PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
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
    run: RunOverrides,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    run: RunOverrides,
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
    /// Also write every scope's metrics as a tidy CSV (the format of `sweep --csv`).
    #[arg(long)]
    csv: Option<PathBuf>,
    #[command(flatten)]
    run: RunOverrides,
}

/// Run-length, seed and thread settings every simulating command accepts.
#[derive(Debug, Args)]
struct RunOverrides {
    /// Override `run.replications`.
    #[arg(long)]
    replications: Option<u32>,
    /// Override `run.customers` (messages measured per replication).
    #[arg(long)]
    customers: Option<u64>,
    /// Override `run.warmup`: messages discarded per replication before measuring, or
    /// "auto" (MSER-5). Applied after --customers, so it is kept as given.
    #[arg(long, value_parser = parse_warmup)]
    warmup: Option<Warmup>,
    /// Override `run.seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Override `run.max_events`: a replication stops after this many events.
    #[arg(long)]
    max_events: Option<u64>,
}

impl RunOverrides {
    /// Applies the overrides to `scenario`'s `[run]`; a fixed warm-up longer than a tenth of
    /// an overridden run length shrinks to that tenth.
    fn apply(&self, scenario: &mut Scenario) -> Result<()> {
        if let Some(n) = self.replications {
            anyhow::ensure!(
                n >= 2,
                "--replications must be at least 2 for a confidence interval"
            );
            scenario.run.replications = n;
        }
        if let Some(n) = self.customers {
            anyhow::ensure!(n >= 1, "--customers must be at least 1");
            scenario.run.customers = n;
            // A shorter run keeps a warm-up in proportion: at most a tenth of it.
            scenario.run.warmup = scenario.run.warmup.min(n / 10);
            if let Warmup::Count(_) = scenario.run.warmup_mode {
                scenario.run.warmup_mode = Warmup::Count(scenario.run.warmup);
            }
        }
        if let Some(w) = self.warmup {
            scenario.run.warmup_mode = w;
            scenario.run.warmup = match w {
                Warmup::Count(n) => n,
                // A tenth until the pilot resolves it, as for `warmup = "auto"` in a file.
                Warmup::Auto => scenario.run.customers / 10,
            };
        }
        if let Some(s) = self.seed {
            scenario.run.seed = s;
        }
        if let Some(n) = self.max_events {
            anyhow::ensure!(n >= 1, "--max-events must be at least 1");
            scenario.run.max_events = Some(n);
        }
        Ok(())
    }
}

/// `--warmup`: a count of messages or "auto".
fn parse_warmup(s: &str) -> Result<Warmup, String> {
    if s == "auto" {
        return Ok(Warmup::Auto);
    }
    s.parse()
        .map(Warmup::Count)
        .map_err(|_| format!("expected a count of messages or \"auto\", not {s:?}"))
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// KEY=V1,V2,... by dotted path (e.g. queues.orders.consumers=2,4,8, or a range
    /// producers.web.interarrival.rate=1..10:0.5); several make a grid.
    #[arg(long = "set", required = true)]
    set: Vec<String>,
    /// Write the tidy CSV here (one row per point, scope and metric).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Run only slice I of N (1-based) of the grid; join the slices with `kendall merge`.
    #[arg(long)]
    shard: Option<String>,
    /// Write the chart of T and L against offered load (SVG and PNG) to this directory.
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    run: RunOverrides,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Scenario file.
    scenario: PathBuf,
    /// Dispatch strategies to compare (power-of-d:N sets d = N).
    #[arg(long, value_delimiter = ',')]
    dispatch: Vec<String>,
    /// The queue whose dispatch changes (default: the only queue).
    #[arg(long)]
    queue: Option<String>,
    /// Other alternatives, KEY=V1,V2,... (combined with --dispatch as a grid).
    #[arg(long = "set")]
    set: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Write the chart of T and p99(T) per alternative (SVG and PNG) to this directory.
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    run: RunOverrides,
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
        Command::Sweep(args) => sweep(args),
        Command::Compare(args) => compare(args),
        Command::Merge { shards, csv } => merge(&shards, csv.as_deref()),
        Command::Fit(args) => fit(args),
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
    args.run.apply(&mut scenario)?;
    let pool = thread_pool(args.run.threads)?;
    let started = Instant::now();
    warmup::resolve(&mut scenario).context("warm-up pilot failed")?;
    let result = pool
        .install(|| run_experiment(&scenario))
        .context("simulation failed")?;
    let wall = started.elapsed().as_secs_f64();
    let report = RunReport::new(&scenario, &result, &theory::predict(&scenario), wall);
    if let Some(path) = &args.csv {
        let point = SweepPoint {
            index: 0,
            values: Vec::new(),
            report: report.clone(),
        };
        output::write_atomic(path, &sweep_csv(&[], &[point])?)?;
    }
    print_document(args.json, || report.to_json(), || report.to_table())?;
    Ok(())
}

/// `kendall live`: the live run, then the simulation of the same scenario, side by side.
fn live(args: LiveArgs) -> Result<()> {
    let scenario = kendall_sim::live::load(&args.scenario)?;
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
    print_document(args.json, || report.to_json(), || report.to_table())?;
    Ok(())
}

/// Prints a command's result: its JSON document with `--json`, else its table.
fn print_document(
    json: bool,
    to_json: impl FnOnce() -> serde_json::Value,
    to_table: impl FnOnce() -> String,
) -> Result<()> {
    let text = if json {
        format!("{:#}\n", to_json())
    } else {
        to_table()
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
    for p in &s.producers {
        for w in kendall_sim::fit::producer_warnings(p) {
            text += &format!("\n  warning: {w}");
        }
    }
    text
}

/// `kendall predict`: theory alone.
fn predict(path: &Path, json: bool) -> Result<()> {
    let scenario = load(path)?;
    let report = PredictReport::new(&scenario, &theory::predict(&scenario));
    print_document(json, || report.to_json(), || report.to_table())?;
    Ok(())
}

/// A `--set` value as it appears in tables and CSV: strings bare, numbers as TOML writes them.
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `I/N` with 1 ≤ I ≤ N.
fn parse_shard(text: &str) -> Result<(usize, usize)> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if i >= 1 && i <= n => Ok((i, n)),
        _ => anyhow::bail!("--shard {text}: expected I/N with 1 <= I <= N, e.g. 2/8"),
    }
}

/// Loads one variant of the scenario with `settings` applied, then the run overrides and
/// the warm-up (MSER-5 when asked).
fn variant(
    path: &Path,
    settings: &[(String, toml::Value)],
    run: &RunOverrides,
) -> Result<Scenario> {
    let mut s = Scenario::load_with(path, settings)?;
    run.apply(&mut s)?;
    warmup::resolve(&mut s).context("warm-up pilot failed")?;
    Ok(s)
}

/// Runs all replications of `scenarios` as one parallel batch with a progress bar; stops
/// starting new work on Ctrl-C.
fn run_all(
    scenarios: &[Scenario],
    threads: Option<usize>,
    machine_output: bool,
) -> Result<Vec<Option<Point>>> {
    progress::catch_interrupt();
    let total = scenarios
        .iter()
        .map(|s| u64::from(s.run.replications))
        .sum();
    let bar = progress::bar(total, "replications", machine_output);
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let control = Control {
        on_replication: Some(&tick),
        stop: Some(&progress::STOP),
    };
    let pool = thread_pool(threads)?;
    let results = pool
        .install(|| run_points(scenarios, &control))
        .context("simulation failed")?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(results)
}

/// `kendall sweep`: every point of the grid (or of one shard of it), points × replications
/// in parallel; a table on stdout and, with --csv, the tidy CSV. Ctrl-C keeps the points that
/// finished.
fn sweep(args: SweepArgs) -> Result<()> {
    let overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let keys: Vec<String> = overrides.iter().map(|o| o.key.clone()).collect();
    let points = grid(&overrides);
    let (shard, shards) = args.shard.as_deref().map_or(Ok((1, 1)), parse_shard)?;
    let mine: Vec<usize> = (0..points.len())
        .filter(|p| p % shards == shard - 1)
        .collect();
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
    if let Some(path) = &args.csv {
        output::write_atomic(path, &sweep_csv(&keys, &done)?)?;
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
        output::plot(
            dir,
            "sweep",
            &kendall_reports::sweep_chart(&name, &done, &rho),
        )?;
    }
    io::stdout().write_all(sweep_table(&keys, &done).as_bytes())?;
    // A point's warnings (Little's law, saturation, start-up bias, ...) as `run` prints
    // them, named by the point's settings.
    for point in &done {
        let at: Vec<String> = keys
            .iter()
            .zip(&point.values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for w in &point.report.warnings {
            eprintln!("warning: point {} ({}): {w}", point.index, at.join(", "));
        }
    }
    if progress::interrupted() {
        eprintln!("interrupted: kept {} of {} points", done.len(), mine.len());
        std::process::exit(130);
    }
    Ok(())
}

/// `kendall compare`: each alternative on the same random numbers (seeds), ranked by mean T,
/// with paired differences from the best.
fn compare(args: CompareArgs) -> Result<()> {
    let base = load(&args.scenario)?;
    let mut overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.dispatch.is_empty() {
        let queue = match (&args.queue, base.queues.as_slice()) {
            (Some(q), _) => q.clone(),
            (None, [q]) => q.name.clone(),
            (None, _) => anyhow::bail!("the scenario has several queues: say which with --queue"),
        };
        let values = args
            .dispatch
            .iter()
            .map(|d| toml::Value::String(d.trim().to_string()))
            .collect();
        overrides.insert(
            0,
            Override {
                key: format!("queues.{queue}.dispatch"),
                values,
            },
        );
    }
    anyhow::ensure!(
        !overrides.is_empty(),
        "nothing to compare: give --dispatch A,B,... or --set KEY=V1,V2,..."
    );
    let alternatives: Vec<Vec<(String, toml::Value)>> = grid(&overrides)
        .into_iter()
        .map(|point| {
            // `power-of-d:3` is dispatch power-of-d with d = 3.
            let mut settings = Vec::new();
            for (k, v) in point {
                match v.as_str().and_then(|s| s.split_once(':')) {
                    Some((name, d)) if k.ends_with(".dispatch") => {
                        let d: i64 = d.parse().map_err(|_| {
                            anyhow::anyhow!("`{name}:{d}`: {d} is not a whole number")
                        })?;
                        settings.push((k.clone(), toml::Value::String(name.to_string())));
                        settings.push((
                            format!("{}.d", k.trim_end_matches(".dispatch")),
                            toml::Value::Integer(d),
                        ));
                    }
                    _ => settings.push((k, v)),
                }
            }
            Ok(settings)
        })
        .collect::<Result<_>>()?;
    let name = |settings: &[(String, toml::Value)]| {
        let parts: Vec<String> = settings
            .iter()
            .filter(|(k, _)| !k.ends_with(".d"))
            .map(|(k, v)| {
                let v = value_text(v);
                match settings.iter().find(|(d, _)| {
                    k.ends_with(".dispatch")
                        && *d == format!("{}.d", k.trim_end_matches(".dispatch"))
                }) {
                    Some((_, d)) => format!("{v}:{d}"),
                    None if k.ends_with(".dispatch") => v,
                    None => format!("{k}={v}"),
                }
            })
            .collect();
        parts.join(", ")
    };
    let scenarios = alternatives
        .iter()
        .map(|a| variant(&args.scenario, a, &args.run))
        .collect::<Result<Vec<_>>>()?;
    let results = run_all(&scenarios, args.run.threads, args.json)?;
    if progress::interrupted() || results.iter().any(Option::is_none) {
        eprintln!("interrupted: a comparison needs every alternative; nothing written");
        std::process::exit(130);
    }
    let alternatives: Vec<Alternative> = alternatives
        .iter()
        .zip(results)
        .map(|(a, r)| {
            let point = r.unwrap_or_default();
            Alternative {
                name: name(a),
                replications: point.replications,
                tails: point.tails,
            }
        })
        .collect();
    // Runs too short to settle, or warm-ups too short for the longest stays, bias every
    // alternative, and not alike: say so for each.
    for (a, s) in alternatives.iter().zip(&scenarios) {
        for u in kendall_reports::unsettled(s, &theory::predict(s)) {
            eprintln!("warning: {}: {}", a.name, u.warning(&s.time_unit));
        }
        let result = summarize(s, &a.replications, &a.tails);
        if let Some(short) = kendall_reports::short_warmup(s, &result) {
            eprintln!("warning: {}: {}", a.name, short.warning(&s.time_unit));
        }
    }
    let comparison = Comparison::new(&base.name, &alternatives);
    if let Some(dir) = &args.plot {
        let theory: Vec<(String, Option<f64>)> = alternatives
            .iter()
            .zip(&scenarios)
            .map(|(a, s)| match theory::predict(s).system {
                // Exact theory only: a mean-field limit drawn as "theory" would mislead here.
                kendall_models::Verdict::Predicted(p)
                    if p.exactness == kendall_models::Exactness::Exact =>
                {
                    (a.name.clone(), Some(p.measures.t))
                }
                _ => (a.name.clone(), None),
            })
            .collect();
        let lookup = |n: &str| theory.iter().find(|(m, _)| m == n).and_then(|(_, t)| *t);
        output::plot(dir, "compare", &comparison.chart(&base.time_unit, &lookup))?;
    }
    print_document(args.json, || comparison.to_json(), || comparison.to_table())?;
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
    args.run.apply(&mut scenario)?;
    let queue = varied_queue(&scenario, args.vary.as_deref())?;
    let pool = thread_pool(args.run.threads)?;
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
    print_document(args.json, || report.to_json(), || report.to_table())?;
    Ok(())
}

/// `kendall merge`: the shards' CSVs joined in point order.
fn merge(shards: &[PathBuf], out: Option<&Path>) -> Result<()> {
    let inputs = shards
        .iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let merged = merge_csv(&inputs).map_err(anyhow::Error::msg)?;
    match out {
        Some(path) => output::write_atomic(path, &merged),
        None => Ok(io::stdout().write_all(&merged)?),
    }
}

/// `kendall fit`: read a column, fit every family, print them ranked; optionally write the
/// best as a scenario line (temp file + rename) and draw the CDF and Q-Q charts (`--plot`,
/// each written path reported on stderr).
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
    if let Some(dir) = &args.plot {
        let file = args
            .file
            .file_name()
            .map_or(name.clone(), |f| f.to_string_lossy().into_owned());
        let label = match &args.column {
            Some(c) => format!("{file} column {c}"),
            None => file,
        };
        let (cdf, qq) = view.charts(&data, &label);
        output::plot(dir, "fit-cdf", &cdf)?;
        output::plot(dir, "fit-qq", &qq)?;
    }
    if let Some(path) = &args.write {
        let line = fit::snippet(&args.kind, &report.best().spec) + "\n";
        let tmp = path.with_extension("tmp-kendall-fit");
        std::fs::write(&tmp, line).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    print_document(args.json, || view.to_json(), || view.to_table())?;
    if args.json {
        for w in view.warnings() {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}

/// `kendall report`: the full report in a directory.
fn report(args: ReportArgs) -> Result<()> {
    let mut scenario = load(&args.scenario)?;
    args.run.apply(&mut scenario)?;
    let pool = thread_pool(args.run.threads)?;
    let written = pool
        .install(|| kendall_reports::report::write_report(&scenario, None, &args.out))
        .map_err(|e| anyhow::anyhow!(e))?;
    println!("{}", written.display());
    Ok(())
}
