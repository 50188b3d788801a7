//! `kendall fit`: read a column, fit every family, print them ranked; optionally write the
//! best as a scenario line (and, for inter-arrival times, an MMPP(2): `--write-mmpp`) and
//! draw the CDF and Q-Q charts (`--plot`, each written path reported on stderr).

use anyhow::{Context, Result};
use kendall_reports::write_atomic;
use kendall_sim::fit;

use super::Output;
use crate::cli::FitArgs;
use crate::output;

/// Fits the log named by `args`.
pub fn run(args: &FitArgs) -> Result<Output> {
    let role = match (args.role.as_deref(), args.timestamps) {
        (Some("service"), true) => anyhow::bail!(
            "--timestamps gives inter-arrival times: it does not go with --role service"
        ),
        (Some(role), _) => role,
        (None, true) => "interarrival",
        (None, false) => "service",
    };
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
    let resolution = args
        .resolution
        .or_else(|| fit::resolution(&text, args.column.as_deref()));
    let report = fit::fit_all_at(&data, resolution).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    if args.write_mmpp.is_some() && role != "interarrival" {
        anyhow::bail!(
            "--write-mmpp fits inter-arrival times: give them with --timestamps or --role interarrival"
        );
    }
    let mut burstiness = if role == "interarrival" {
        fit::burstiness(&data)
    } else {
        None
    };
    if let Some(path) = &args.write_mmpp {
        let Some(b) = burstiness.as_mut() else {
            anyhow::bail!("{name}: too few gaps for an MMPP(2) (at least 20)");
        };
        if b.mmpp.is_none() {
            b.with_mmpp(&data);
        }
        let Some(m) = &b.mmpp else {
            anyhow::bail!(
                "{name}: no MMPP(2) fits these gaps: their counts are not more dispersed than \
                 Poisson's (an MMPP is never smoother), or the data are too short for two \
                 window widths of {} windows each",
                fit::MIN_FIT_WINDOWS
            );
        };
        write_atomic(path, (m.snippet() + "\n").as_bytes())?;
    }
    let view = kendall_reports::fit::FitView {
        source: match &args.column {
            Some(c) => format!("{name} column {c}"),
            None => name.clone(),
        },
        kind: role,
        report: &report,
        burstiness: burstiness.as_ref(),
    };
    let mut out = Output::new();
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
        for line in output::plot(dir, "fit-cdf", &cdf)? {
            out.err(line);
        }
        for line in output::plot(dir, "fit-qq", &qq)? {
            out.err(line);
        }
    }
    if let Some(path) = &args.write {
        let line = fit::snippet(role, &report.best().spec) + "\n";
        write_atomic(path, line.as_bytes())?;
    }
    out.document(args.json, || view.to_json(), || view.to_table());
    if args.json {
        for w in view.warnings() {
            out.err(format!("warning: {w}"));
        }
    }
    Ok(out)
}
