//! `kendall compare`: each alternative on the same random numbers (seeds), ranked by mean T,
//! with paired differences from the best.

use anyhow::Result;
use kendall_reports::{Alternative, Comparison};
use kendall_sim::overrides::{Override, grid};
use kendall_sim::{Scenario, summarize, theory};

use super::batch::{run_all, value_text};
use super::{Interrupted, Output};
use crate::cli::CompareArgs;
use crate::output;
use crate::progress;
use crate::settings::{load, variant};

/// One alternative's settings by dotted key.
type Settings = Vec<(String, toml::Value)>;

/// Runs every alternative and compares them.
pub fn run(args: &CompareArgs) -> Result<Output> {
    let base = load(&args.scenario)?;
    let mut overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.dispatch.is_empty() {
        overrides.insert(0, dispatch_override(args, &base)?);
    }
    anyhow::ensure!(
        !overrides.is_empty(),
        "nothing to compare: give --dispatch A,B,... or --set KEY=V1,V2,..."
    );
    let alternatives: Vec<Settings> = grid(&overrides)
        .into_iter()
        .map(split_power_of_d)
        .collect::<Result<_>>()?;
    let scenarios = alternatives
        .iter()
        .map(|a| variant(&args.scenario, a, &args.run))
        .collect::<Result<Vec<_>>>()?;
    let results = run_all(&scenarios, args.run.threads, args.json)?;
    if progress::interrupted() || results.iter().any(Option::is_none) {
        let why = "a comparison needs every alternative; nothing written";
        return Err(Interrupted(why.into()).into());
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
    let mut out = Output::new();
    // Runs too short to settle, or warm-ups too short for the longest stays, bias every
    // alternative, and not alike: say so for each.
    for (a, s) in alternatives.iter().zip(&scenarios) {
        let result = summarize(s, &a.replications, &a.tails);
        let growth = kendall_reports::growth::growth_warnings(s, &result);
        for w in growth.into_iter().chain(kendall_reports::bias_warnings(
            s,
            &result,
            &theory::predict(s),
        )) {
            out.err(format!("warning: {}: {w}", a.name));
        }
    }
    let batch_means = scenarios.iter().any(|s| s.run.batches > 1);
    let comparison = Comparison::new(&base.name, &alternatives, batch_means);
    if let Some(dir) = &args.plot {
        let theory = exact_theory_t(&alternatives, &scenarios);
        let lookup =
            |n: &str| (theory.iter().find(|(m, _)| m == n)).map_or((None, None), |(_, t)| *t);
        let chart = comparison.chart(&base.time_unit, &lookup);
        for line in output::plot(dir, "compare", &chart)? {
            out.err(line);
        }
    }
    out.document(args.json, || comparison.to_json(), || comparison.to_table());
    Ok(out)
}

/// `--dispatch A,B,...` as an override of the compared queue's `dispatch`.
fn dispatch_override(args: &CompareArgs, base: &Scenario) -> Result<Override> {
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
    Ok(Override {
        key: format!("queues.{queue}.dispatch"),
        values,
    })
}

/// `power-of-d:3` is dispatch power-of-d with d = 3: the one setting becomes two.
fn split_power_of_d(point: Settings) -> Result<Settings> {
    let mut settings = Vec::new();
    for (k, v) in point {
        match v.as_str().and_then(|s| s.split_once(':')) {
            Some((name, d)) if k.ends_with(".dispatch") => {
                let d: i64 = d
                    .parse()
                    .map_err(|_| anyhow::anyhow!("`{name}:{d}`: {d} is not a whole number"))?;
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
}

/// An alternative's name: its dispatch (with `:d`) and its other settings as `KEY=VALUE`.
fn name(settings: &[(String, toml::Value)]) -> String {
    let parts: Vec<String> = settings
        .iter()
        .filter(|(k, _)| !k.ends_with(".d"))
        .map(|(k, v)| {
            let v = value_text(v);
            match settings.iter().find(|(d, _)| {
                k.ends_with(".dispatch") && *d == format!("{}.d", k.trim_end_matches(".dispatch"))
            }) {
                Some((_, d)) => format!("{v}:{d}"),
                None if k.ends_with(".dispatch") => v,
                None => format!("{k}={v}"),
            }
        })
        .collect();
    parts.join(", ")
}

/// Theory's (mean T, p99(T)), each where an exact model gives it.
type TheoryFigures = (Option<f64>, Option<f64>);

/// Each alternative's mean T and p99(T) by exact theory (M/M/c's and c×M/M/1's
/// percentiles are exact), None where theory is not exact or has no percentile: a
/// mean-field limit drawn as "theory" would mislead here.
fn exact_theory_t(
    alternatives: &[Alternative],
    scenarios: &[Scenario],
) -> Vec<(String, TheoryFigures)> {
    alternatives
        .iter()
        .zip(scenarios)
        .map(|(a, s)| match theory::predict(s).system {
            kendall_models::Verdict::Predicted(p)
                if p.exactness == kendall_models::Exactness::Exact =>
            {
                let p99 = theory::value(&p, kendall_sim::Metric::TP99);
                (a.name.clone(), (Some(p.measures.t), p99))
            }
            _ => (a.name.clone(), (None, None)),
        })
        .collect()
}
