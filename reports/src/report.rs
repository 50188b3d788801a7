//! `kendall report`: a self-contained HTML page (inline SVG, no script, no web font, a print
//! stylesheet), its Markdown twin, the CSVs and the charts (PNG + SVG) in one directory.
//!
//! The main results use the scenario's own `[run]`; the extra simulations behind the charts
//! and the capacity table (load levels, dispatch strategies, plan confirmations) use at most
//! 10 replications × 20 000 messages each, to keep a report quick.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kendall_models::{ExpTailQueue, MMc, Verdict};
use kendall_sim::stats::Metric;
use kendall_sim::traffic::queue_loads;
use kendall_sim::{Scenario, theory};

use crate::atomic_write::{WriteError, write_atomic};
use crate::charts::{
    self, CapacityCurve, CapacitySeries, Chart, ChartError, Ci, DispatchComparison, LoadCurve,
    OccupancyTrace, SojournCdf, TheoryLoadPoint,
};
use crate::plan::{PlanReport, Target};
pub use crate::report_runs::{
    ClassPoint, ClassWhatIf, LoadRun, ReportRuns, WhatIfClass, WhatIfLevel,
};
use crate::table::num;
use crate::{RunReport, TheoryStatus};
use crate::{report_scopes, report_whatif};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output directory could not be created.
    #[error("cannot create {}", path.display())]
    Create {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file of the report could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A chart could not be drawn or written.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// Highest ρ over the queues.
fn max_rho(s: &Scenario) -> f64 {
    queue_loads(s).iter().map(|l| l.rho).fold(0.0, f64::max)
}

/// A chart written to `dir`, remembered with its caption for the pages.
struct Figure {
    name: String,
    caption: String,
    svg: String,
}

fn figure<C: Chart>(dir: &Path, name: &str, caption: &str, c: &C) -> Result<Figure, ReportError> {
    charts::write_chart(c, dir, name)?;
    let svg = charts::to_svg(c)?;
    Ok(Figure {
        name: name.to_string(),
        caption: caption.to_string(),
        svg,
    })
}

/// The default capacity target: mean(Wq) ≤ the varied queue's mean service time.
pub fn default_targets(s: &Scenario, queue: usize) -> Vec<Target> {
    let service = queue_loads(s)[queue].mean_service;
    let text = format!("mean(Wq) <= {}", num(service));
    Target::parse(&text).map(|t| vec![t]).unwrap_or_default()
}

/// The load levels (ρ of the busiest queue) the report simulates for its load chart.
pub const REPORT_LOADS: [f64; 5] = [0.3, 0.5, 0.7, 0.8, 0.9];

/// Writes the report of `runs` into `dir`; returns the HTML file's path.
pub fn write_report(runs: &ReportRuns, dir: &Path) -> Result<PathBuf, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Create {
        path: dir.to_path_buf(),
        source,
    })?;
    let s = &runs.scenario;
    let result = &runs.result;
    let th = theory::predict(s);
    let run = RunReport::new(s, result, &th, 0.0);
    let mut figures = Vec::new();

    // (a) T and L against load.
    let base_rho = max_rho(s);
    let unit = s.time_unit.clone();
    let model = match &run.theory {
        TheoryStatus::Predicted { model, kind, .. } => format!("{model} ({kind})"),
        _ => "none".to_string(),
    };
    if base_rho > 0.0 {
        let mut load_csv =
            String::from("rho,T_mean,T_lo,T_hi,L_mean,L_lo,L_hi,T_theory,L_theory\n");
        let mut sim = Vec::new();
        for LoadRun {
            point: p,
            theory: t,
            ..
        } in &runs.loads
        {
            let _ = writeln!(
                load_csv,
                "{},{},{},{},{},{},{},{},{}",
                p.rho,
                p.t.mean,
                p.t.lo,
                p.t.hi,
                p.l.mean,
                p.l.lo,
                p.l.hi,
                t.map_or(String::new(), |t| t.0.to_string()),
                t.map_or(String::new(), |t| t.1.to_string())
            );
            sim.push(*p);
        }
        let theory: Vec<TheoryLoadPoint> = (1..48)
            .filter_map(|i| {
                let rho = f64::from(i) * 0.02;
                theory_tl(&s.with_load_scaled(rho / base_rho)).map(|(t, l)| TheoryLoadPoint {
                    rho,
                    t,
                    l,
                })
            })
            .collect();
        write_atomic(&dir.join("load.csv"), load_csv.as_bytes())?;
        figures.push(figure(
            dir,
            "load",
            "Mean sojourn time T and mean number in system L against the offered load per consumer ρ (of the busiest queue): theory as a line, simulation as points with 95% confidence intervals.",
            &LoadCurve {
                title: format!("{}: T and L against load", s.name),
                time_unit: unit.clone(),
                model: model.clone(),
                theory,
                sim,
            },
        )?);
    }

    // (a') Each class's T and p99(T) against load, and each queue's utilisation.
    if let Some(c) = report_scopes::class_load_chart(runs) {
        figures.push(figure(
            dir,
            "classes",
            "Each class's mean sojourn time T and p99(T) against the offered load per consumer ρ (of the busiest queue): theory as lines where a model gives the figure (Cobham's priority model gives means, not percentiles), simulation as points with 95% confidence intervals.",
            &c,
        )?);
    }
    if let Some(q) = report_scopes::queue_chart(&run, &s.name) {
        figures.push(figure(
            dir,
            "queues",
            "Each queue's utilisation (busy fraction of its consumers) with its 95% confidence interval, theory's value marked; the bottleneck, the queue with the highest offered load per consumer, in its own colour.",
            &q,
        )?);
    }

    // (b) The sojourn-time distribution.
    let pct = [
        (0.5, Metric::TP50),
        (0.9, Metric::TP90),
        (0.99, Metric::TP99),
        (0.999, Metric::TP999),
    ];
    let sim_pct: Vec<(f64, Ci)> = pct
        .iter()
        .map(|&(p, m)| (p, Ci::from(result.system.get(m))))
        .collect();
    let (cdf, marks) = theory_cdf(s, &th);
    figures.push(figure(
        dir,
        "sojourn",
        if cdf.is_empty() {
            "Sojourn-time percentiles: the model has no distribution here, so only the simulated p50/p90/p99/p99.9 (with 95% confidence intervals) are shown."
        } else {
            "Sojourn-time distribution: theory's CDF with its p50/p90/p99 marked, and the simulated p50/p90/p99/p99.9 with 95% confidence intervals."
        },
        &SojournCdf {
            title: format!("{}: sojourn-time distribution", s.name),
            time_unit: unit.clone(),
            theory: cdf,
            theory_marks: marks,
            sim: sim_pct,
        },
    )?);

    // (c) L(t) over one replication.
    let tr = &runs.trace;
    let theory_l = match &th.system {
        Verdict::Predicted(p) => Some(p.measures.l),
        _ => None,
    };
    figures.push(figure(
        dir,
        "trace",
        "Number in system L(t) over replication 0 (time-averaged over at most 2000 intervals), with the end of the warm-up marked: figures are measured only after it.",
        &OccupancyTrace {
            title: format!("{}: L(t), one replication", s.name),
            time_unit: unit.clone(),
            points: tr.points.clone(),
            warmup_end: tr.warmup_end,
            theory_l,
        },
    )?);

    // (d) Dispatch strategies, for one queue with several consumers.
    if !runs.dispatch.is_empty() {
        let mut csv =
            String::from("strategy,T_mean,T_lo,T_hi,T_p99_mean,T_p99_lo,T_p99_hi,T_theory\n");
        for p in &runs.dispatch {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{},{}",
                p.name,
                p.t.mean,
                p.t.lo,
                p.t.hi,
                p.p99.mean,
                p.p99.lo,
                p.p99.hi,
                p.theory_t.map_or(String::new(), |t| t.to_string())
            );
        }
        write_atomic(&dir.join("dispatch.csv"), csv.as_bytes())?;
        figures.push(figure(
            dir,
            "dispatch",
            "Dispatch strategies on the same arrivals (common random numbers): mean T and p99(T) with 95% confidence intervals; theory where a model (exact or approximate) applies.",
            &DispatchComparison {
                title: format!("{}: dispatch strategies", s.name),
                time_unit: unit.clone(),
                strategies: runs.dispatch.clone(),
            },
        )?);
    }

    // (e) Capacity.
    let plan = runs.plan.as_ref();
    if let Some(p) = plan {
        write_atomic(&dir.join("plan.csv"), p.to_csv().as_bytes())?;
        let label = p.targets.join(" and ");
        figures.push(figure(
            dir,
            "capacity",
            "Consumers needed against load: theory's answer as a staircase, simulation's (confirmed around the boundary) as points.",
            &CapacityCurve {
                title: format!("{}: consumers needed", s.name),
                time_unit: unit.clone(),
                series: vec![
                    CapacitySeries {
                        label: format!("{label}: theory"),
                        points: p
                            .rows
                            .iter()
                            .filter_map(|r| r.theory_consumers.map(|c| (r.load, c)))
                            .collect(),
                        theory: true,
                    },
                    CapacitySeries {
                        label: format!("{label}: simulation"),
                        points: p
                            .rows
                            .iter()
                            .filter_map(|r| r.consumers.map(|c| (r.load, c)))
                            .collect(),
                        theory: false,
                    },
                ],
            },
        )?);
    }

    // Results CSV.
    let mut csv = String::from("scope,metric,mean,ci_lo,ci_hi,theory,theory_kind,model\n");
    for scope in std::iter::once(&run.system)
        .chain(&run.queues)
        .chain(&run.classes)
    {
        for r in &scope.rows {
            let (lo, hi) = r.summary.ci();
            let _ = writeln!(
                csv,
                "{},{},{},{lo},{hi},{},{},{}",
                scope.name,
                r.metric.name(),
                r.summary.mean,
                r.theory.map_or(String::new(), |t| t.to_string()),
                r.theory_kind.unwrap_or(""),
                r.model.as_deref().unwrap_or("").replace(',', ";")
            );
        }
    }
    write_atomic(&dir.join("results.csv"), csv.as_bytes())?;
    let consumers: Vec<u32> = s.queues.iter().map(|q| q.consumers).collect();
    let class_names: Vec<String> = s.classes.iter().map(|c| c.name.clone()).collect();
    let scopes = Scopes {
        classes: report_scopes::class_table(&run),
        queues: report_scopes::queue_table(&run, &consumers),
        bottleneck: report_scopes::bottleneck_line(&run),
        what_if: runs
            .what_if
            .as_ref()
            .filter(|w| !w.levels.is_empty())
            .map(|w| {
                let rate: f64 = (s.producers.iter())
                    .filter(|p| p.class == w.class)
                    .map(|p| p.message_rate())
                    .sum();
                (
                    class_names[w.class].clone(),
                    report_whatif::class_table(w, &class_names, rate, &s.time_unit),
                )
            }),
        dispatch: (runs.comparison.as_ref())
            .map(|c| report_whatif::dispatch_table(c, &s.time_unit)),
    };
    let to_csv = |t: &report_scopes::Table| {
        t.to_csv()
            .map_err(|e| ChartError::Draw(format!("CSV: {e}")))
    };
    if let Some(t) = &scopes.classes {
        write_atomic(&dir.join("classes.csv"), to_csv(t)?.as_bytes())?;
    }
    write_atomic(&dir.join("queues.csv"), to_csv(&scopes.queues)?.as_bytes())?;
    if let Some((_, t)) = &scopes.what_if {
        write_atomic(&dir.join("what-if.csv"), to_csv(t)?.as_bytes())?;
    }
    if let Some(t) = &scopes.dispatch {
        write_atomic(&dir.join("dispatch-paired.csv"), to_csv(t)?.as_bytes())?;
    }

    let doc = Doc {
        s,
        run: &run,
        plan,
        figures: &figures,
        scopes: &scopes,
    };
    write_atomic(&dir.join("report.md"), doc.markdown().as_bytes())?;
    let html = dir.join("report.html");
    write_atomic(&html, doc.html().as_bytes())?;
    Ok(html)
}

/// Theory's (T, L) for a scenario, if a model predicts it.
fn theory_tl(s: &Scenario) -> Option<(f64, f64)> {
    match theory::predict(s).system {
        Verdict::Predicted(p) => Some((p.measures.t, p.measures.l)),
        _ => None,
    }
}

/// Theory's sojourn CDF (exact for M/M/c: one queue, shared, Poisson, exponential, unbounded)
/// and its p50/p90/p99 marks (from the model's quantiles wherever it has them).
/// (t, y) points.
type Curve = Vec<(f64, f64)>;

fn theory_cdf(s: &Scenario, th: &theory::Theory) -> (Curve, Curve) {
    let Verdict::Predicted(p) = &th.system else {
        return (Vec::new(), Vec::new());
    };
    let marks: Vec<(f64, f64)> = p
        .t_quantiles
        .map(|q| vec![(0.5, q[0]), (0.9, q[1]), (0.99, q[2])])
        .unwrap_or_default();
    let model = p.model.as_str();
    if (model == "M/M/c" || model == "M/M/1") && s.queues.len() == 1 {
        let q = &s.queues[0];
        let lambda = s.arrival_rate();
        if let Ok(m) = MMc::new(lambda, 1.0 / q.service[0].mean(), q.consumers) {
            let hi = m.sojourn_quantile(0.999);
            let cdf = (0..=200)
                .map(|i| {
                    let t = hi * f64::from(i) / 200.0;
                    (t, 1.0 - m.sojourn_survival(t))
                })
                .collect();
            return (cdf, marks);
        }
    }
    (Vec::new(), marks)
}

struct Doc<'a> {
    s: &'a Scenario,
    run: &'a RunReport,
    plan: Option<&'a PlanReport>,
    figures: &'a [Figure],
    scopes: &'a Scopes,
}

/// The per-class and per-queue sections.
struct Scopes {
    classes: Option<report_scopes::Table>,
    queues: report_scopes::Table,
    bottleneck: Option<String>,
    /// The grown class's name and the what-if table.
    what_if: Option<(String, report_scopes::Table)>,
    dispatch: Option<report_scopes::Table>,
}

impl Scopes {
    /// The what-if section's parts: (heading, intro, table).
    fn what_if(&self) -> Vec<(String, String, &report_scopes::Table)> {
        let mut out = Vec::new();
        if let Some((name, t)) = &self.what_if {
            out.push((
                format!("What if {name} grows"),
                format!("Each class's mean sojourn time T and p99(T) when the rate of {name} (the class carrying the most work) is multiplied by 0.5 to 2, the other classes unchanged (levels that would leave a queue unstable are left out): simulation (short runs, 95% confidence intervals) beside theory."),
                t,
            ));
        }
        if let Some(t) = &self.dispatch {
            out.push((
                "What if the dispatch changes".to_string(),
                "Every dispatch strategy on the same arrivals and service times (common random numbers), ranked by mean T: each one's difference in T from the best as a paired 95% confidence interval (the replications' own differences), beside the half-width two independent runs would give.".to_string(),
                t,
            ));
        }
        out
    }
}

/// The intro of the per-class section.
const CLASS_INTRO: &str = "Each class's mean sojourn time T, mean wait Wq, 99th percentile of T and loss probability, with 95% confidence intervals, beside theory's values (for priority classes, Cobham's M/G/1 priority formulas; they give means, not percentiles).";

/// The intro of the per-queue section.
const QUEUE_INTRO: &str = "Each queue's offered load per consumer ρ, utilisation, L, T and loss probability with 95% confidence intervals beside theory's values, then what became of its messages (mean per replication over the measurement window).";

fn esc(x: &str) -> String {
    x.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Doc<'_> {
    fn model_line(&self) -> String {
        match &self.run.theory {
            TheoryStatus::Predicted { model, kind, .. } if *kind == "exact" => {
                format!("Theory: **{model}**, exact for this scenario.")
            }
            TheoryStatus::Predicted { model, kind, .. } => format!(
                "Theory: **{model}**, an {kind}: a gap to the simulation is the formula's error."
            ),
            TheoryStatus::Unstable { rho } => {
                format!("Theory: none — the system is unstable (ρ = {rho:.4} ≥ 1).")
            }
            TheoryStatus::NoModel { reason } => format!("Theory: none — {reason}."),
        }
    }

    fn results_rows(&self) -> Vec<[String; 5]> {
        self.run
            .system
            .rows
            .iter()
            .map(|r| {
                [
                    report_scopes::header(r.metric, &self.run.time_unit, ""),
                    num(r.summary.mean),
                    crate::interval::bracket(&r.summary, num),
                    r.theory.map_or("-".into(), num),
                    r.verdict().into(),
                ]
            })
            .chain(self.cost_rows())
            .collect()
    }

    /// Where a queue is priced: the consumer time and cost of all queues, beside the
    /// end-to-end figures.
    fn cost_rows(&self) -> Vec<[String; 5]> {
        let Some(c) = &self.run.cost else {
            return Vec::new();
        };
        let row = |name: &str, s: &kendall_sim::Summary| {
            [
                name.to_string(),
                num(s.mean),
                crate::interval::bracket(s, num),
                "-".into(),
                "-".into(),
            ]
        };
        std::iter::once(row("consumer_time", &c.consumer_time_total))
            .chain(c.cost_total.as_ref().map(|k| row("cost", k)))
            .collect()
    }

    fn plan_rows(&self) -> Vec<[String; 5]> {
        self.plan
            .map(|p| {
                p.rows
                    .iter()
                    .map(|r| {
                        [
                            num(r.load),
                            r.consumers.map_or("-".into(), |c| c.to_string()),
                            r.theory_consumers.map_or("-".into(), |c| c.to_string()),
                            r.confirmed.label().to_lowercase(),
                            r.notes.join("; "),
                        ]
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn run_line(&self) -> String {
        let r = self.run;
        format!(
            "Simulation: {} × {} messages (warm-up {}{}), seed {}; times in {}.",
            match r.batches {
                0 => crate::describe::plural(u64::from(r.replications), "replication"),
                b => format!("1 replication in {b} batches (batch means)"),
            },
            r.customers_per_replication,
            r.warmup,
            if r.warmup_auto { ", MSER-5" } else { "" },
            r.seed,
            charts_unit(&r.time_unit)
        )
    }

    fn plan_intro(&self) -> String {
        match self.plan {
            Some(p) => format!(
                "Fewest consumers of queue {} meeting {} at each load (total arrival rate, messages per {}). Theory proposes; simulation ({} replications × {} messages per count) confirms when n consumers pass and n − 1 fail at 95% confidence.",
                p.queue,
                p.targets.join(" and "),
                charts_unit(&p.time_unit),
                p.replications,
                p.customers
            ),
            None => String::new(),
        }
    }

    fn markdown(&self) -> String {
        let mut md = format!("# {}\n\n## Scenario\n\n", self.s.name);
        for l in crate::describe::describe_lines(self.s) {
            let _ = writeln!(md, "- {l}");
        }
        let _ = write!(
            md,
            "\n{}\n\n{}\n\n## Simulated vs theory (end to end)\n\n",
            self.model_line(),
            self.run_line()
        );
        md +=
            "| metric (unit) | mean | 95% CI | theory | theory in CI |\n|---|---:|---|---:|---|\n";
        let rows = self.results_rows();
        for r in &rows {
            // A clipped interval's mark, escaped: two would read as emphasis.
            let _ = writeln!(md, "| {} |", r.join(" | ").replace("]*", "]\\*"));
        }
        if rows
            .iter()
            .any(|r| r[2].ends_with(crate::interval::CLIPPED_MARK))
        {
            let _ = writeln!(md, "\n\\{}", crate::interval::CLIPPED_NOTE);
        }
        if let Some(t) = &self.scopes.classes {
            let _ = write!(md, "\n## Per class\n\n{CLASS_INTRO}\n\n{}", t.markdown());
        }
        let _ = write!(md, "\n## Per queue\n\n{QUEUE_INTRO}\n\n");
        if let Some(b) = &self.scopes.bottleneck {
            let _ = write!(md, "{b}\n\n");
        }
        md += &self.scopes.queues.markdown();
        for (head, intro, t) in self.scopes.what_if() {
            let _ = write!(md, "\n## {head}\n\n{intro}\n\n{}", t.markdown());
        }
        md += "\n## Warnings\n\n";
        if self.run.warnings.is_empty() {
            md += "None.\n";
        }
        for w in &self.run.warnings {
            let _ = writeln!(md, "- {w}");
        }
        if self.plan.is_some() {
            let _ = write!(md, "\n## Capacity\n\n{}\n\n", self.plan_intro());
            let _ = writeln!(
                md,
                "| load (messages per {}) | consumers | theory (consumers) | confirmed | notes |\n|---:|---:|---:|---|---|",
                charts_unit(&self.run.time_unit)
            );
            for r in self.plan_rows() {
                let _ = writeln!(md, "| {} |", r.join(" | "));
            }
        }
        md += "\n## Charts\n\n";
        for f in self.figures {
            let _ = writeln!(
                md,
                "![{}]({}.png)\n\n{} ([SVG]({}.svg))\n",
                f.name, f.name, f.caption, f.name
            );
        }
        md += "Files: `results.csv` (every metric), `queues.csv`, `classes.csv` (several classes), `load.csv`, `dispatch.csv`, `plan.csv` where drawn.\n";
        md
    }

    fn html(&self) -> String {
        let mut h =
            String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        let _ = writeln!(h, "<title>{} — kendall report</title>", esc(&self.s.name));
        h += STYLE;
        h += "</head>\n<body>\n";
        let _ = writeln!(h, "<h1>{}</h1>\n<h2>Scenario</h2>\n<ul>", esc(&self.s.name));
        for l in crate::describe::describe_lines(self.s) {
            let _ = writeln!(h, "<li>{}</li>", esc(&l));
        }
        let bold = |x: &str| {
            let e = esc(x);
            let mut out = String::new();
            for (i, part) in e.split("**").enumerate() {
                out += if i % 2 == 1 { "<b>" } else { "" };
                out += part;
                out += if i % 2 == 1 { "</b>" } else { "" };
            }
            out
        };
        let _ = writeln!(
            h,
            "</ul>\n<p>{}</p>\n<p>{}</p>",
            bold(&self.model_line()),
            esc(&self.run_line())
        );
        h += "<h2>Simulated vs theory (end to end)</h2>\n<table>\n<tr><th>metric (unit)</th><th>mean</th><th>95% CI</th><th>theory</th><th>theory in CI</th></tr>\n";
        let rows = self.results_rows();
        for r in &rows {
            let cls = if r[4] == "NO" { " class=\"miss\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr{cls}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&r[0]),
                r[1],
                r[2],
                r[3],
                r[4]
            );
        }
        h += "</table>\n";
        if rows
            .iter()
            .any(|r| r[2].ends_with(crate::interval::CLIPPED_MARK))
        {
            let _ = writeln!(
                h,
                "<p class=\"note\">{}</p>",
                esc(crate::interval::CLIPPED_NOTE)
            );
        }
        if let Some(t) = &self.scopes.classes {
            let _ = writeln!(h, "<h2>Per class</h2>\n<p>{}</p>", esc(CLASS_INTRO));
            h += &t.html(esc);
        }
        let _ = writeln!(h, "<h2>Per queue</h2>\n<p>{}</p>", esc(QUEUE_INTRO));
        if let Some(b) = &self.scopes.bottleneck {
            let _ = writeln!(h, "<p class=\"bottleneck\"><b>{}</b></p>", esc(b));
        }
        h += &self.scopes.queues.html(esc);
        for (head, intro, t) in self.scopes.what_if() {
            let _ = writeln!(h, "<h2>{}</h2>\n<p>{}</p>", esc(&head), esc(&intro));
            h += &t.html(esc);
        }
        h += "<h2>Warnings</h2>\n";
        if self.run.warnings.is_empty() {
            h += "<p>None.</p>\n";
        } else {
            h += "<ul class=\"warn\">\n";
            for w in &self.run.warnings {
                let _ = writeln!(h, "<li>{}</li>", esc(w));
            }
            h += "</ul>\n";
        }
        if self.plan.is_some() {
            let _ = writeln!(h, "<h2>Capacity</h2>\n<p>{}</p>", esc(&self.plan_intro()));
            let _ = writeln!(
                h,
                "<table>\n<tr><th>load (messages per {})</th><th>consumers</th><th>theory (consumers)</th><th>confirmed</th><th>notes</th></tr>",
                esc(charts_unit(&self.run.time_unit))
            );
            for r in self.plan_rows() {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    esc(&r[4])
                );
            }
            h += "</table>\n";
        }
        h += "<h2>Charts</h2>\n";
        for f in self.figures {
            // Inline SVG: drop the XML declaration, keep the element.
            let svg = f.svg.find("<svg").map_or(f.svg.as_str(), |i| &f.svg[i..]);
            let _ = writeln!(
                h,
                "<figure>\n{svg}\n<figcaption>{} (<a href=\"{}.png\">PNG</a>, <a href=\"{}.svg\">SVG</a>)</figcaption>\n</figure>",
                esc(&f.caption),
                f.name,
                f.name
            );
        }
        h += "<p class=\"foot\">Written by kendall. Files beside this page: results.csv, queues.csv, classes.csv (several classes), load.csv, dispatch.csv, plan.csv (where drawn), every chart as PNG and SVG, and report.md.</p>\n</body>\n</html>\n";
        h
    }
}

fn charts_unit(u: &str) -> &str {
    if u.is_empty() { "time units" } else { u }
}

const STYLE: &str = "<style>
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { border-bottom: 2px solid #1f77b4; padding-bottom: .2em; }
h2 { margin-top: 1.6em; color: #1f4e79; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #eef3f8; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.miss td { background: #fdecea; }
ul.warn li { color: #8a4b00; }
p.note { font-size: .85em; color: #555; }
figure { margin: 1.5em 0; }
figure svg { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #555; }
.foot { font-size: .8em; color: #777; margin-top: 3em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  figure { page-break-inside: avoid; break-inside: avoid; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table { page-break-inside: avoid; }
}
</style>
";
