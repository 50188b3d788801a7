//! The command line as parsed: clap's structs, one per subcommand. What the flags mean once
//! applied to a scenario is resolved in `settings` and in each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kendall_sim::scenario::Warmup;

/// Simulate and capacity-plan message-processing systems against queueing theory.
#[derive(Debug, Parser)]
#[command(name = "kendall", version, about)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// Run the scenario live (real threads, or a real RabbitMQ with --broker), beside simulation and theory.
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

/// Flags of `kendall fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Log file: a CSV with a header (name the column with --column), or one number a line.
    pub file: PathBuf,
    /// CSV column holding the values.
    #[arg(long)]
    pub column: Option<String>,
    /// What the values are: service times (the default) or inter-arrival times (the
    /// default with --timestamps, whose values are arrival times).
    #[arg(long, alias = "kind", value_parser = ["interarrival", "service"])]
    pub role: Option<String>,
    /// The values are sorted arrival times: fit the gaps between them.
    #[arg(long)]
    pub timestamps: bool,
    /// The resolution the values were recorded at (default: read from their decimals):
    /// values at or below it are fitted as censored in [0, resolution].
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the best fit as a scenario line (`interarrival = { … }`) to this file.
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Write the charts to this directory (created if missing): fit-cdf (the data's
    /// empirical CDF against every fit) and fit-qq (Q-Q plot of the best fit), SVG and PNG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Write an MMPP(2) fitted to the inter-arrival times as a scenario line
    /// (`interarrival = { kind = "mmpp", … }`) to this file, bursty or not.
    #[arg(long, value_name = "FILE")]
    pub write_mmpp: Option<PathBuf>,
}

/// Flags of `kendall plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// A target every row must meet, e.g. "p99(T) < 50", "mean(Wq) <= 5", "util < 0.8",
    /// "p_loss < 0.001", "p_wait < 0.2" (repeatable).
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// Load levels: FROM..TO[:STEP] total arrival rates, or xFROM..xTO[:STEP] multiples of
    /// the scenario's own rates (no STEP: ten levels).
    #[arg(long, required_unless_present_any = ["per_window", "autoscale"])]
    pub load: Option<String>,
    /// Staff every window of a run to a horizon (`[run] horizon` and `window`): the fewest
    /// consumers per window, as a schedule to paste (excludes --load).
    #[arg(long)]
    pub per_window: bool,
    /// Plan an autoscaler for every window of a run to a horizon: the cheapest `target` and
    /// `min` of the queue's `autoscale` (or of a backlog rule with the key's defaults), beside
    /// the cheapest fixed schedule (excludes --load and --per-window).
    #[arg(long, conflicts_with_all = ["load", "per_window"])]
    pub autoscale: bool,
    /// The queue whose consumers vary (default: the only queue).
    #[arg(long)]
    pub vary: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the rows as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write a full report (HTML, Markdown, CSV, charts) to this directory.
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOverrides,
}

/// Flags of `kendall report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunOverrides,
}

/// Flags of `kendall live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Scenario time units per real second (1 = real time as the file is written).
    #[arg(long, default_value_t = 1.0)]
    pub speedup: f64,
    /// Real (wall-clock) seconds to run; the run covers duration x speedup scenario time units.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Run against a real AMQP 0-9-1 broker (RabbitMQ) at this URL instead of kendall's own
    /// broker, e.g. amqp://127.0.0.1:5672/%2f or amqps://host:5671/%2f.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// First measure the broker's own per-message overhead (consumers that do no work) and
    /// add it to every service time's mean in the simulated and theory columns.
    #[arg(long, requires = "broker")]
    pub calibrate: bool,
    /// PEM file of the CA the broker's TLS certificate must chain to (amqps://).
    #[arg(long, value_name = "FILE", requires = "broker")]
    pub tls_ca: Option<PathBuf>,
    /// PEM file of a client certificate to present over TLS (with --tls-key).
    #[arg(long, value_name = "FILE", requires_all = ["broker", "tls_key"])]
    pub tls_cert: Option<PathBuf>,
    /// PEM file of the client certificate's private key.
    #[arg(long, value_name = "FILE", requires_all = ["broker", "tls_cert"])]
    pub tls_key: Option<PathBuf>,
    /// Refuse a plain amqp:// connection.
    #[arg(long, requires = "broker")]
    pub require_tls: bool,
    /// Seal every payload with AES-256-GCM under the key in FILE (32 raw bytes or 64 hex
    /// digits); a payload that fails authentication is rejected, never processed.
    #[arg(long, value_name = "FILE", requires = "broker")]
    pub encrypt: Option<PathBuf>,
}

/// Flags of `kendall run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Print the JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write every scope's metrics as a tidy CSV (the format of `sweep --csv`).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the system's metrics window by window as a tidy CSV (needs `[run] window`
    /// or --window).
    #[arg(long)]
    pub windows_csv: Option<PathBuf>,
    /// Also write the window charts (T, Wq, L, p99 of T, utilisation, p_abandon, consumers
    /// on duty against time, with theory; SVG and PNG) to this directory (needs windows).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOverrides,
}

/// Run-length, seed and thread settings every simulating command accepts.
#[derive(Debug, Args)]
pub struct RunOverrides {
    /// Override `run.replications` (1: one long replication with batch means).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Override `run.batches`: the batches one replication is cut into (needs
    /// replications = 1; default 20).
    #[arg(long)]
    pub batches: Option<u32>,
    /// Override `run.customers` (messages measured per replication).
    #[arg(long)]
    pub customers: Option<u64>,
    /// Override `run.warmup`: messages discarded per replication before measuring, or
    /// "auto" (MSER-5). Applied after --customers, so it is kept as given.
    #[arg(long, value_parser = parse_warmup)]
    pub warmup: Option<Warmup>,
    /// Override `run.seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override `run.max_events`: a replication stops after this many events.
    #[arg(long)]
    pub max_events: Option<u64>,
    /// Override `run.horizon`: each replication covers simulated time [0, H) from empty,
    /// instead of a count of customers (excludes --customers; the warm-up is 0).
    #[arg(long)]
    pub horizon: Option<f64>,
    /// Override `run.window`: also report every metric per window of this width (needs a
    /// horizon, from the file or --horizon).
    #[arg(long)]
    pub window: Option<f64>,
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

/// Flags of `kendall sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// KEY=V1,V2,... by dotted path (e.g. queues.orders.consumers=2,4,8, or a range
    /// producers.web.interarrival.rate=1..10:0.5); several make a grid.
    #[arg(long = "set", required = true)]
    pub set: Vec<String>,
    /// Write the tidy CSV here (one row per point, scope and metric).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Run only slice I of N (1-based) of the grid, or `auto`: the slice of a Slurm job array
    /// (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with
    /// --shards); join the slices with `kendall merge`.
    #[arg(long)]
    pub shard: Option<String>,
    /// With `--shard auto` under a Kubernetes Indexed Job: how many shards (its completions).
    #[arg(long)]
    pub shards: Option<usize>,
    /// Write the chart of T and L against offered load (SVG and PNG) to this directory.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOverrides,
}

/// Flags of `kendall compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Dispatch strategies to compare (power-of-d:N sets d = N).
    #[arg(long, value_delimiter = ',')]
    pub dispatch: Vec<String>,
    /// The queue whose dispatch changes (default: the only queue).
    #[arg(long)]
    pub queue: Option<String>,
    /// Other alternatives, KEY=V1,V2,... (combined with --dispatch as a grid).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write the chart of T and p99(T) per alternative (SVG and PNG) to this directory.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunOverrides,
}

/// Flags of `kendall validate-theory`.
#[derive(Debug, Args)]
pub struct ValidateTheoryArgs {
    /// Scenario files or directories of them (default scenarios/validation).
    pub paths: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Override every file's `run.customers`.
    #[arg(long)]
    pub customers: Option<u64>,
    /// Override every file's `run.replications`.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}
