//! Generated scenarios as a test oracle: random valid scenarios over every feature and their
//! combinations (tests/generator), each run briefly and checked for what must hold whatever
//! the scenario — output identical on 1, 2 and 3 threads, utilisation in [0, 1],
//! probabilities in [0, 1], every interval within its metric's range, throughput no more
//! than the offered load, finite figures — and,
//! for every figure the oracle calls exact, a longer run whose 99.9% interval contains it.
//!
//! CI runs [`CI_SCENARIOS`]; `generated_scenarios_long_run` (ignored) runs
//! `KENDALL_GENERATED` of them (default 20,000; see docs/testing.md for the latest counts):
//! `cargo test --release --test generated -- --ignored --nocapture`.

mod common;
mod generator;

use std::fmt::Write;

use generator::{EVENTS_PER_CUSTOMER, Generated, Mode, generate};
use kendall_models::{Exactness, Verdict};
use kendall_reports::RunReport;
use kendall_sim::arrivals::Interarrival;
use kendall_sim::experiment::ScopeSummary;
use kendall_sim::theory::{Theory, predict, value};
use kendall_sim::{
    Control, ExperimentResult, Metric, Scenario, run_experiment, run_points, summarize, warmup,
};

/// Scenarios checked in CI.
const CI_SCENARIOS: u64 = 500;
/// Confidence of the intervals exact figures must lie in.
const LEVEL: f64 = 0.999;
/// The longer run of a scenario with exact figures: replications and messages each.
const LONG: (u32, u64) = (10, 20_000);
/// Fewest values per replication beyond a percentile for its estimate to be judged: with
/// fewer, a sample quantile is biased low and the run itself warns about it.
const MIN_TAIL_VALUES: f64 = 100.0;

/// What one scenario's checks found.
#[derive(Debug, Default)]
struct Tally {
    scenarios: u64,
    exact: u64,
    approximation: u64,
    none: u64,
    unstable: u64,
    /// Scenarios with a replication that spent its event budget (a collapse).
    stopped: u64,
    figures: u64,
    failures: Vec<String>,
}

/// `kendall run --json`'s document for `s` on `threads` threads (wall time left out).
/// `kendall run --json`'s document for `s` on `threads` threads (wall time left out), the
/// summary, and each replication's books checked: every queue's counters balance, and the
/// simulator's count of the messages in each queue, class and the system is what the broker
/// holds.
fn run_json(
    s: &Scenario,
    threads: usize,
    out: &mut Vec<String>,
) -> (String, ExperimentResult, RunReport) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let point = pool
        .install(|| run_points(std::slice::from_ref(s), &Control::default()))
        .unwrap_or_else(|e| panic!("{}: run failed: {e}", s.name))
        .pop()
        .flatten()
        .expect("an uncontrolled run completes");
    for (i, rep) in point.replications.iter().enumerate() {
        if let Err(e) = rep.books.check() {
            out.push(format!("replication {i} on {threads} threads: {e}"));
        }
    }
    let r = summarize(s, &point.replications, &point.tails);
    let report = RunReport::new(s, &r, &predict(s), 0.0);
    (
        serde_json::to_string_pretty(&report.to_json()).expect("the run document serializes"),
        r,
        report,
    )
}

/// The invariants of one short run; each broken one is a line in `out`.
fn invariants(s: &Scenario, r: &ExperimentResult, out: &mut Vec<String>) {
    let scopes = std::iter::once(("system".to_string(), &r.system))
        .chain(
            s.queues
                .iter()
                .zip(&r.queues)
                .map(|(q, x)| (format!("queue {}", q.name), x)),
        )
        .chain(
            s.classes
                .iter()
                .zip(&r.classes)
                .map(|(c, x)| (format!("class {}", c.name), x)),
        );
    for (name, scope) in scopes {
        for m in [Metric::Utilization, Metric::PWait, Metric::PLoss] {
            let x = scope.get(m).mean;
            if x.is_nan() && name != "system" {
                continue; // a scope no message reached in some replication
            }
            if !(-1e-12..=1.0 + 1e-9).contains(&x) {
                out.push(format!("{name} {}: {x} outside [0, 1]", m.name()));
            }
        }
    }
    for &m in Metric::ALL.iter() {
        let x = r.system.get(m);
        if !(x.mean.is_finite() && x.half_width.is_finite()) {
            out.push(format!("system {}: not finite ({x:?})", m.name()));
        }
    }
    // Throughput above the offered load. A replication's window ends at its `customers`-th
    // departure, after `span` time units: its departures are at most its arrivals plus the
    // backlog it started with (about L messages; thrice the measured L is allowed), and its
    // arrivals fluctuate about λ·span with variance λ·span·I, I the arrival process's index
    // of dispersion of counts (c_a² for renewal arrivals; an MMPP's limit over long
    // windows, which bounds it over shorter ones; at most the largest producer's), of which
    // four standard deviations of the mean over the replications are allowed.
    let x = r.system.get(Metric::Throughput);
    let lambda = s.arrival_rate();
    let span = s.run.customers as f64 / x.mean;
    let ca2 = s
        .producers
        .iter()
        .map(|p| match &p.interarrival {
            Interarrival::Mmpp(m) => m.idc_limit().unwrap_or(f64::INFINITY),
            other => other.scv(),
        })
        .fold(1.0, f64::max);
    let backlog = 3.0 * r.system.get(Metric::L).mean.max(0.0) + 3.0;
    let noise = 4.0 * (lambda * ca2 / (span * f64::from(s.run.replications))).sqrt();
    let allowed = lambda * (1.0 + 1e-9) + backlog / span + noise;
    if x.mean > allowed {
        out.push(format!(
            "system throughput {} ± {} (95%) exceeds the offered {lambda} by more than the \
             start-up backlog and the arrivals' noise allow ({allowed})",
            x.mean, x.half_width
        ));
    }
}

/// One exact figure: where, which metric, theory's value.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    scope: Scope,
    metric: Metric,
    model: String,
    theory: f64,
}

/// A scope of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scope {
    System,
    Queue(usize),
    Class(usize),
}

impl Scope {
    fn name(self, s: &Scenario) -> String {
        match self {
            Scope::System => "system".into(),
            Scope::Queue(j) => format!("queue {}", s.queues[j].name),
            Scope::Class(k) => format!("class {}", s.classes[k].name),
        }
    }

    fn of(self, r: &ExperimentResult) -> &ScopeSummary {
        match self {
            Scope::System => &r.system,
            Scope::Queue(j) => &r.queues[j],
            Scope::Class(k) => &r.classes[k],
        }
    }
}

/// Every figure `theory` calls exact for `s`: the mean metrics, and the percentiles a run of
/// `customers` per replication is long enough to estimate.
fn exact_figures(s: &Scenario, theory: &Theory, customers: u64) -> Vec<Figure> {
    let mut scopes = Vec::new();
    if let Verdict::Predicted(p) = &theory.system {
        scopes.push((Scope::System, Some(p)));
    }
    scopes.extend((0..s.queues.len()).map(|j| (Scope::Queue(j), theory.queues[j].as_ref())));
    scopes.extend((0..s.classes.len()).map(|k| (Scope::Class(k), theory.classes[k].as_ref())));
    let mut out = Vec::new();
    for (scope, p) in scopes {
        let Some(p) = p.filter(|p| p.exactness == Exactness::Exact) else {
            continue;
        };
        if p.measures.throughput == 0.0 {
            // No message reaches the scope (a queue nothing routes to): its figures are what
            // a message would see, and no run can measure them.
            continue;
        }
        for &m in Metric::ALL.iter() {
            if let Some((_, i)) = m.percentile()
                && (customers as f64) * (1.0 - kendall_models::PERCENTILES[i]) < MIN_TAIL_VALUES
            {
                continue;
            }
            if let Some(v) = value(p, m) {
                out.push(Figure {
                    scope,
                    metric: m,
                    model: p.model.clone(),
                    theory: v,
                });
            }
        }
    }
    out
}

/// True when `f` lies within the 99.9% interval of run `r` — or the interval is [0, 0] for a
/// probability of which theory expects at most three events among the messages the scope
/// measured (the rule of three, as the run's own table judges it).
fn agrees(f: &Figure, r: &ExperimentResult) -> bool {
    let scope = f.scope.of(r);
    let sim = scope.get(f.metric);
    let none_seen = sim.mean == 0.0 && sim.half_width == 0.0;
    let rare = matches!(f.metric, Metric::PWait | Metric::PLoss)
        && f.theory * scope.measured as f64 <= -(0.05f64.ln());
    sim.contains_at(f.theory, LEVEL) || (none_seen && rare)
}

/// `s` run for `replications` × `customers` (a tenth of them warm-up) from `seed`.
fn run_long(s: &Scenario, replications: u32, customers: u64, seed: u64) -> ExperimentResult {
    let mut long = s.clone();
    long.run.replications = replications;
    long.run.customers = customers;
    long.run.warmup = customers / 10;
    long.run.max_events = Some(customers * EVENTS_PER_CUSTOMER);
    long.run.seed = seed;
    run_experiment(&long).unwrap_or_else(|e| panic!("{}: long run failed: {e}", s.name))
}

/// Checks every exact figure of `theory` against a longer run of `s`; a figure outside its
/// 99.9% interval is run again from another seed, twice as long, and a line in `out` says so
/// only if it is outside there too. Among the thousands of figures checked, a few fall
/// outside a 99.9% interval by chance alone; a wrong figure falls outside both. Returns how
/// many figures were checked.
fn check_exact(s: &Scenario, theory: &Theory, out: &mut Vec<String>) -> u64 {
    let figures = exact_figures(s, theory, LONG.1);
    if figures.is_empty() {
        return 0;
    }
    let r = run_long(s, LONG.0, LONG.1, s.run.seed);
    let doubtful: Vec<&Figure> = figures.iter().filter(|f| !agrees(f, &r)).collect();
    if !doubtful.is_empty() {
        let again = run_long(s, 2 * LONG.0, 2 * LONG.1, s.run.seed ^ 0xc0ff_ee00);
        for f in doubtful {
            if !agrees(f, &again) {
                let sim = f.scope.of(&again).get(f.metric);
                out.push(format!(
                    "{} {} ({}, exact): theory {} outside the 99.9% interval about {} \
                     (95% half-width {}) in two runs",
                    f.scope.name(s),
                    f.metric.name(),
                    f.model,
                    f.theory,
                    sim.mean,
                    sim.half_width
                ));
            }
        }
    }
    figures.len() as u64
}

/// Even seeds draw on the exact models' features, odd ones on every feature.
fn mode_of(seed: u64) -> Mode {
    if seed.is_multiple_of(2) {
        Mode::Exact
    } else {
        Mode::Any
    }
}

/// Runs every check on the scenario of `seed`.
fn check(seed: u64, tally: &mut Tally) {
    let mode = mode_of(seed);
    let Generated { text, mut scenario } = generate(seed, mode);
    let mut out = Vec::new();
    warmup::resolve(&mut scenario).unwrap_or_else(|e| panic!("warm-up failed: {e}\n{text}"));
    let theory = predict(&scenario);
    let (one, r, report) = run_json(&scenario, 1, &mut out);
    for threads in [2, 3] {
        if run_json(&scenario, threads, &mut out).0 != one {
            out.push(format!("output differs on {threads} threads"));
        }
    }
    invariants(&scenario, &r, &mut out);
    let doc: serde_json::Value = serde_json::from_str(&one).expect("the run document parses");
    out.extend(common::intervals_outside_range(&doc));
    if r.stopped > 0 {
        // A collapse: the run says so itself, and its figures cover a system still filling
        // up, where Little's law over the departures need not hold. A system theory calls
        // exact (so stable, and within its assumptions) must never collapse.
        tally.stopped += 1;
        if matches!(&theory.system, Verdict::Predicted(p) if p.exactness == Exactness::Exact) {
            out.push(format!(
                "{} of {} replications spent their event budget, yet theory is exact",
                r.stopped, scenario.run.replications
            ));
        }
        if !report.warnings.iter().any(|w| w.starts_with("stopped")) {
            out.push("a run that stopped at its event budget does not warn of it".into());
        }
    } else {
        // Little's law over the same messages, as the run's own check applies it (L
        // against the rate and mean stay of every message that left, processed or lost).
        out.extend(
            report
                .warnings
                .iter()
                .filter(|w| w.starts_with("Little's law"))
                .cloned(),
        );
    }
    match &theory.system {
        Verdict::Predicted(p) if p.exactness == Exactness::Exact => tally.exact += 1,
        Verdict::Predicted(_) => tally.approximation += 1,
        Verdict::NoModel { .. } => tally.none += 1,
        Verdict::Unstable { .. } => tally.unstable += 1,
    }
    tally.figures += check_exact(&scenario, &theory, &mut out);
    tally.scenarios += 1;
    if !out.is_empty() {
        let mut msg = format!("seed {seed}:\n");
        for line in &out {
            let _ = writeln!(msg, "  {line}");
        }
        let _ = writeln!(msg, "{text}");
        tally.failures.push(msg);
    }
}

fn run(seeds: std::ops::Range<u64>) -> Tally {
    let mut tally = Tally::default();
    for seed in seeds {
        if std::env::var_os("KENDALL_GENERATED_TRACE").is_some() {
            eprintln!("seed {seed}");
        }
        check(seed, &mut tally);
    }
    println!(
        "{} scenarios: system theory exact {}, approximation {}, none {}, unstable {}; {} stopped at their event budget; {} exact figures checked; {} failed",
        tally.scenarios,
        tally.exact,
        tally.approximation,
        tally.none,
        tally.unstable,
        tally.stopped,
        tally.figures,
        tally.failures.len()
    );
    tally
}

fn assert_clean(tally: &Tally) {
    assert!(
        tally.failures.is_empty(),
        "{} of {} generated scenarios broke an invariant:\n{}",
        tally.failures.len(),
        tally.scenarios,
        tally.failures.join("\n")
    );
}

#[test]
fn generated_scenarios_keep_every_invariant() {
    let tally = run(0..CI_SCENARIOS);
    assert_clean(&tally);
    // The generator reaches every kind of verdict.
    assert!(
        tally.exact > 50 && tally.approximation > 20 && tally.none > 50,
        "{tally:?}"
    );
}

/// One scenario, printed and checked: `KENDALL_SEED=N cargo test --test generated one -- --ignored --nocapture`.
#[test]
#[ignore]
fn one() {
    let seed: u64 = std::env::var("KENDALL_SEED").unwrap().parse().unwrap();
    let mode = mode_of(seed);
    println!("{}", generate(seed, mode).text);
    let tally = run(seed..seed + 1);
    assert_clean(&tally);
}

/// The long run of the docs: `KENDALL_GENERATED` scenarios (default 20,000) after CI's.
#[test]
#[ignore]
fn generated_scenarios_long_run() {
    let n: u64 = std::env::var("KENDALL_GENERATED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tally = run(CI_SCENARIOS..CI_SCENARIOS + n);
    assert_clean(&tally);
}
