//! `kendall live`: the live run — on kendall's broker, or against a real one with `--broker`
//! — then the simulation of the same scenario, side by side with theory.

use std::time::Instant;

use anyhow::{Context, Result};
use kendall_reports::LiveReport;
use kendall_sim::live::LiveResult;
use kendall_sim::{Scenario, theory};

use super::Output;
use crate::cli::LiveArgs;

/// Runs the scenario live for `args.duration` real seconds, then simulates it.
pub fn run(args: &LiveArgs) -> Result<Output> {
    let positive = |x: f64| x > 0.0 && x.is_finite();
    anyhow::ensure!(
        positive(args.speedup),
        "--speedup must be a positive number"
    );
    anyhow::ensure!(
        positive(args.duration),
        "--duration must be a positive number of seconds"
    );
    let (scenario, live) = match &args.broker {
        Some(url) => against_broker(args, url)?,
        None => {
            let scenario = kendall_sim::live::load(&args.scenario)?;
            let live = kendall_sim::live::run_live(&scenario, args.speedup, args.duration)
                .context("live run failed")?;
            (scenario, live)
        }
    };
    // A calibrated run compares with the scenario whose services carry the broker's overhead.
    let compared = match live.real_broker.as_ref().and_then(|b| b.calibration) {
        Some(c) if c.added_to_service => kendall_amqp::calibrated(&scenario, c.overhead),
        _ => scenario,
    };
    let started = Instant::now();
    let simulated = crate::settings::simulate(&compared)?;
    let wall = started.elapsed().as_secs_f64();
    let report = LiveReport::new(
        &compared,
        &live,
        &simulated,
        &theory::predict(&compared),
        wall,
    );
    let mut out = Output::new();
    out.document(args.json, || report.to_json(), || report.to_table());
    Ok(out)
}

/// Loads the scenario (a key RabbitMQ cannot express is an error located in the file) and
/// runs it against the broker at `url`.
fn against_broker(args: &LiveArgs, url: &str) -> Result<(Scenario, LiveResult)> {
    let scenario = Scenario::load(&args.scenario)?;
    if let Some(refusal) = kendall_amqp::unsupported(&scenario) {
        return Err(refusal.located(&args.scenario).into());
    }
    let seal = match &args.encrypt {
        Some(file) => Some(kendall_amqp::SealKey::load(file)?),
        None => None,
    };
    let options = kendall_amqp::Options {
        url: url.to_string(),
        tls: kendall_amqp::TlsFiles {
            ca: args.tls_ca.clone(),
            cert: args.tls_cert.clone(),
            key: args.tls_key.clone(),
        },
        require_tls: args.require_tls,
        seal,
        speedup: args.speedup,
        duration: args.duration,
        calibrate: args.calibrate,
        tamper_every: None,
    };
    let live =
        kendall_amqp::run(&scenario, &options).context("live run against the broker failed")?;
    Ok((scenario, live))
}
