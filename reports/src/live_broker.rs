//! The lines and JSON fields a live run against a real broker adds to `kendall live`'s
//! report: where it ran, what the broker's own overhead was (calibration) and what sealing
//! payloads cost.

use std::fmt::Write;

use kendall_sim::live::{LiveRun, RealBroker};
use serde::Serialize;

use crate::table::num;

/// What the run was against, for the report's first line.
pub(crate) fn heading(b: &RealBroker) -> String {
    format!(
        "live against the broker at {} ({}, prefetch {})",
        b.address,
        if b.tls { "TLS" } else { "plain AMQP, no TLS" },
        b.prefetch
    )
}

/// The report's closing lines: client-side overshoot, calibration and sealing.
pub(crate) fn lines(b: &RealBroker, run: &LiveRun, t: f64, unit: &str) -> String {
    let mut out = String::new();
    let real_us = |x: f64| x / run.speedup * 1e6;
    let _ = writeln!(
        out,
        "client-side: services overran their size by {} {unit} on average ({:.0} us real; counted in T)",
        num(run.service_overshoot),
        real_us(run.service_overshoot),
    );
    if let Some(c) = &b.calibration {
        let _ = writeln!(
            out,
            "calibration: with consumers that do no work the broker took {} {unit} from publication to acknowledgement ({:.0} us real; {} {unit} to delivery) over {} messages in {:.1} s: {:.2}% of the measured T{}",
            num(c.overhead),
            real_us(c.overhead),
            num(c.delivery),
            c.messages,
            c.seconds,
            100.0 * c.overhead / t,
            if c.added_to_service {
                "; the simulated and theory columns add it to every service time's mean"
            } else {
                ""
            },
        );
    }
    if let Some(s) = &b.sealing {
        let _ = writeln!(
            out,
            "AES-256-GCM: sealing a payload took {:.1} us and opening one {:.1} us on average ({} sealed); {} deliveries failed authentication and were rejected unprocessed",
            s.seal_us, s.open_us, s.sealed, s.tampered,
        );
    }
    out
}

/// `broker` in `kendall live --json` for a run against a real broker.
#[derive(Serialize)]
pub struct BrokerDocument<'a> {
    address: &'a str,
    tls: bool,
    prefetch: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<CalibrationDocument>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sealing: Option<SealingDocument>,
}

#[derive(Serialize)]
struct CalibrationDocument {
    overhead: f64,
    delivery: f64,
    messages: u64,
    seconds: f64,
    added_to_service: bool,
}

#[derive(Serialize)]
struct SealingDocument {
    seal_us: f64,
    open_us: f64,
    sealed: u64,
    tampered: u64,
}

impl<'a> BrokerDocument<'a> {
    /// The document of `b`.
    pub(crate) fn of(b: &'a RealBroker) -> Self {
        BrokerDocument {
            address: &b.address,
            tls: b.tls,
            prefetch: b.prefetch,
            calibration: b.calibration.map(|c| CalibrationDocument {
                overhead: c.overhead,
                delivery: c.delivery,
                messages: c.messages,
                seconds: c.seconds,
                added_to_service: c.added_to_service,
            }),
            sealing: b.sealing.map(|s| SealingDocument {
                seal_us: s.seal_us,
                open_us: s.open_us,
                sealed: s.sealed,
                tampered: s.tampered,
            }),
        }
    }
}
