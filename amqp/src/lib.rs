//! Live runs against a real AMQP 0-9-1 broker (RabbitMQ): the scenario's queues declared with
//! the arguments that match their keys ([`topology`]), producers publishing on the scenario's
//! arrival processes, consumers holding each message for its service time before they ack or
//! nack, and every fate the broker reports — refused by a full queue, dropped, expired,
//! dead-lettered — heard and counted ([`books`]). The measurements are those of a live run on
//! kendall's own broker ([`kendall_sim::live::LiveResult`]), so `kendall live` prints them
//! beside the simulation of the same scenario and theory.
//!
//! What RabbitMQ cannot express is refused by the scenario key before anything runs
//! ([`unsupported`]). Connections may be TLS, verified against a CA the user names
//! ([`connect`]), and payloads may be sealed with AES-256-GCM ([`seal`]).

pub mod books;
pub mod connect;
mod refuse;
mod run;
pub mod seal;
pub mod topology;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use kendall_broker::{QueueStats, WallClock};
use kendall_sim::Scenario;
use kendall_sim::live::{
    BATCHES, Calibration, LiveResult, LiveRun, RealBroker, Sealing, Unsupported, WARMUP_FRACTION,
};
use thiserror::Error;

pub use self::connect::{Target, TlsFiles};
pub use self::refuse::unsupported;
use self::run::{Costs, Run};
pub use self::seal::{SealKey, Sealer};

/// The prefetch count of every consumer: `shared` dispatch is competing consumers that each
/// hold one message at a time.
pub const PREFETCH: u16 = 1;

/// Longest a connection or channel may take to close before the run goes on without it.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Longest calibration run, in real seconds.
const CALIBRATION_SECONDS: f64 = 10.0;

/// How to reach the broker and what to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// `amqp://` or `amqps://` URL.
    pub url: String,
    /// TLS files for `amqps://`.
    pub tls: TlsFiles,
    /// Refuse a plain `amqp://` URL.
    pub require_tls: bool,
    /// Seal every payload with this key.
    pub seal: Option<SealKey>,
    /// Scenario time units per real second.
    pub speedup: f64,
    /// Real seconds to run.
    pub duration: f64,
    /// First measure the broker's own per-message overhead with consumers that do no work.
    pub calibrate: bool,
    /// Corrupt every n-th sealed payload after sealing, to exercise the rejection path
    /// (tests).
    pub tamper_every: Option<u64>,
}

/// Why a run against the broker did not run or did not finish.
#[derive(Debug, Error)]
pub enum AmqpError {
    /// The scenario asks for what RabbitMQ cannot express.
    #[error("{0}")]
    Unsupported(Unsupported),
    /// The URL is not usable as given.
    #[error("{0}")]
    Url(String),
    /// `--require-tls` and a plain URL.
    #[error("--require-tls refuses the plain connection to `{0}`: use an amqps:// URL")]
    PlainRefused(String),
    /// A file named on the command line could not be used.
    #[error("{file}: {why}")]
    File {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The key file is unusable (its content is never shown).
    #[error("key file {file}: {why}")]
    Key {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Connecting failed.
    #[error("cannot connect to {address}: {why}")]
    Connect {
        /// The broker's address, password masked.
        address: String,
        /// What failed.
        why: String,
    },
    /// A queue's time to live is below RabbitMQ's millisecond resolution at this speed-up.
    #[error(
        "queue `{queue}`: its ttl is {ms:.3} real ms at this speed-up; RabbitMQ's x-message-ttl \
         needs a whole number of milliseconds from 1"
    )]
    Ttl {
        /// The queue.
        queue: String,
        /// The TTL in real milliseconds.
        ms: f64,
    },
    /// The broker or the client failed mid-run.
    #[error("AMQP: {0}")]
    Protocol(String),
    /// The broker's count and the run's disagree: the figures would be wrong.
    #[error(
        "queue `{queue}`: RabbitMQ held {held} messages at the end but the run tracked {tracked}"
    )]
    Unaccounted {
        /// The queue.
        queue: String,
        /// Messages RabbitMQ deleted with the queue.
        held: u64,
        /// Messages the run believed were there.
        tracked: u64,
    },
    /// The broker delivered or returned messages the run never published.
    #[error(
        "the broker delivered {deliveries} and returned {returns} messages the run did not publish"
    )]
    Strays {
        /// Deliveries of unknown messages.
        deliveries: u64,
        /// Returns of unknown messages.
        returns: u64,
    },
}

/// Runs `scenario` against the broker at `options.url` for `options.duration` real seconds,
/// after a calibration run when asked.
pub fn run(scenario: &Scenario, options: &Options) -> Result<LiveResult, AmqpError> {
    assert!(
        options.speedup > 0.0 && options.duration > 0.0,
        "speed-up and duration must be positive"
    );
    if let Some(refusal) = unsupported(scenario) {
        return Err(AmqpError::Unsupported(refusal));
    }
    let target = Target::parse(&options.url, options.require_tls)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AmqpError::Protocol(format!("cannot start the client's runtime: {e}")))?;
    let connection = runtime.block_on(target.connect(&options.tls))?;
    let sealer = options.seal.as_ref().map(Sealer::new);
    let calibration = if options.calibrate {
        let seconds = (options.duration / 4.0).min(CALIBRATION_SECONDS);
        let started = Instant::now();
        let (cal, _) = once(
            scenario,
            options,
            &runtime,
            &connection,
            None,
            seconds,
            true,
        )?;
        Some(Calibration {
            overhead: cal.system.metrics[kendall_sim::Metric::T as usize].mean,
            delivery: cal.system.metrics[kendall_sim::Metric::Wq as usize].mean,
            messages: cal.run.measured,
            seconds: started.elapsed().as_secs_f64(),
            added_to_service: true,
        })
    } else {
        None
    };
    let (mut result, costs) = once(
        scenario,
        options,
        &runtime,
        &connection,
        sealer.as_ref(),
        options.duration,
        false,
    )?;
    // Closing may wait on a broker that has stopped answering; the results are in hand.
    let _ = runtime.block_on(async {
        tokio::time::timeout(CLOSE_TIMEOUT, connection.close(200, "done".into())).await
    });
    result.real_broker = Some(RealBroker {
        address: target.address(),
        tls: target.tls,
        prefetch: PREFETCH,
        calibration,
        sealing: sealer.as_ref().map(|_| Sealing {
            seal_us: costs.seal_seconds / costs.sealed as f64 * 1e6,
            open_us: costs.open_seconds / costs.opened as f64 * 1e6,
            sealed: costs.sealed,
            tampered: costs.tampered,
        }),
    });
    Ok(result)
}

/// One run of `seconds` real seconds on `connection`: its result and what sealing cost.
#[allow(clippy::too_many_arguments)]
fn once(
    scenario: &Scenario,
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    connection: &lapin::Connection,
    sealer: Option<&Sealer>,
    seconds: f64,
    zero_work: bool,
) -> Result<(LiveResult, Costs), AmqpError> {
    let speedup = options.speedup;
    let horizon = seconds * speedup;
    let warmup = WARMUP_FRACTION * horizon;
    let prefix = format!("kendall.{:016x}", rand::random::<u64>());
    let topology = topology::Topology::new(scenario, speedup, &prefix)?;
    let rec = kendall_sim::live::recorder(scenario, warmup, horizon);
    let clock = WallClock::scaled(speedup);
    let run = Run {
        scenario,
        books: books::Books::new(scenario, clock, rec),
        topology,
        handle: runtime.handle().clone(),
        connection,
        sealer,
        clock,
        speedup,
        horizon,
        zero_work,
        tamper_every: options.tamper_every,
        stop: AtomicBool::new(false),
    };
    run.declare()?;
    let started = Instant::now();
    let (costs, held) = run.run()?;
    let wall_seconds = started.elapsed().as_secs_f64();
    for (j, &held) in held.iter().enumerate() {
        let tracked = run.books.remaining(j);
        if tracked != held {
            return Err(AmqpError::Unaccounted {
                queue: scenario.queues[j].name.clone(),
                held,
                tracked,
            });
        }
    }
    let (rec, fates, [strays, unknown, tampered]) = run.books.into_parts();
    if strays > 0 || unknown > 0 {
        return Err(AmqpError::Strays {
            deliveries: unknown,
            returns: strays,
        });
    }
    let broker = fates
        .iter()
        .zip(&held)
        .map(|(f, &held)| QueueStats {
            published: f.published,
            acked: f.acked,
            rejected: f.rejected,
            dropped: f.dropped,
            expired: f.expired,
            dead_lettered: f.dead_lettered,
            waiting: held as usize,
            ..QueueStats::default()
        })
        .collect();
    let run_facts = LiveRun {
        speedup,
        duration: seconds,
        horizon,
        warmup,
        batches: BATCHES,
        measured: rec.measured,
        offered: rec.offered,
        completed: rec.completed,
        service_overshoot: rec.overshoot / rec.served as f64,
        wake_latency: f64::NAN,
        expiry_lateness: f64::NAN,
    };
    let result = kendall_sim::live::result(&rec, run_facts, broker, fates, wall_seconds);
    Ok((result, Costs { tampered, ..costs }))
}

/// `scenario` with `overhead` added to the mean of every service time (each distribution
/// scaled by (mean + overhead) / mean, which keeps its family: an exponential stays
/// exponential), for the simulated and theory columns of a calibrated run.
pub fn calibrated(scenario: &Scenario, overhead: f64) -> Scenario {
    let mut s = scenario.clone();
    for q in &mut s.queues {
        for d in &mut q.service {
            let mean = d.mean();
            if mean > 0.0 && overhead > 0.0 {
                *d = d.scaled((mean + overhead) / mean);
            }
        }
    }
    s
}
