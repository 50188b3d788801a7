//! A producer replaying a trace with `at_end = "stop"` ends its replication once the system
//! has drained — even when consumer crashes keep the event calendar busy for ever.
//!
//! Each replication runs on its own thread with a deadline, so a replication that never ends
//! fails the test instead of hanging the suite (the thread is left spinning until the test
//! binary exits).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use kendall_sim::replication::{ReplicationResult, run_replication};
use kendall_sim::{Metric, Scenario};

/// Far beyond what 40 messages take (microseconds), short enough not to stall the suite.
const DEADLINE: Duration = Duration::from_secs(30);

/// A scratch file of arrival times 0, 1, …, n − 1, removed when dropped.
struct TraceFile(PathBuf);

impl TraceFile {
    fn new(name: &str, n: usize) -> Self {
        let path =
            std::env::temp_dir().join(format!("kendall-trace-stop-{}-{name}", std::process::id()));
        let text: String = (0..n).map(|i| format!("{i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        TraceFile(path)
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn scenario(trace: &Path, queues: &str) -> Scenario {
    let text = format!(
        "[[producers]]\nname = \"replay\"\nto = \"a\"\n\
         interarrival = {{ kind = \"trace\", file = \"{}\", at_end = \"stop\" }}\n\
         {queues}\n\
         [run]\nreplications = 3\ncustomers = 1000\nwarmup = 0\nseed = 7\n",
        trace.display()
    );
    Scenario::parse(Path::new("inline.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs replication `i` on a thread; panics if it has not ended within [`DEADLINE`].
fn run_with_deadline(s: &Scenario, i: u64) -> ReplicationResult {
    let (tx, rx) = mpsc::channel();
    let s = s.clone();
    std::thread::spawn(move || {
        let _ = tx.send(run_replication(&s, i));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(r) => r.unwrap(),
        Err(_) => panic!("replication {i} did not end within {DEADLINE:?}: it never stops"),
    }
}

/// Every one of the trace's `n` messages was published, and each was acknowledged or met
/// another fate: nothing is left anywhere in the system when the replication ends.
fn drained(r: &ReplicationResult, n: f64) {
    for c in &r.counts {
        let fates = c.acked + c.rejected + c.dropped + c.expired + c.dead_lettered;
        assert_eq!(c.published, fates, "a message was left behind: {c:?}");
    }
    assert_eq!(r.counts[0].published, n, "{:?}", r.counts[0]);
}

/// One queue whose consumers crash (mean time between failures 10, repair 2: each of the 40
/// messages has a fair chance of meeting a crash). Before the fix the loop ran for ever: the
/// calendar never empties while crashes are scheduled, and 40 departures never reach the
/// 1000 customers asked.
#[test]
fn a_stopping_trace_with_crashes_ends_when_drained() {
    let trace = TraceFile::new("crash.txt", 40);
    let s = scenario(
        &trace.0,
        "[[queues]]\nname = \"a\"\nconsumers = 2\n\
         service = { kind = \"deterministic\", value = 0.5 }\n\
         crash = { mtbf = { kind = \"exponential\", mean = 10.0 }, mttr = { kind = \"exponential\", mean = 2.0 } }\n",
    );
    let mut redelivered = 0.0;
    for i in 0..3 {
        let r = run_with_deadline(&s, i);
        drained(&r, 40.0);
        // No loss here: every message leaves processed.
        assert_eq!(r.messages, 40);
        assert_eq!(r.counts[0].acked, 40.0);
        // A message is processed for at least its 0.5 of service.
        assert!(r.system.get(Metric::T) >= 0.5, "{:?}", r.system);
        redelivered += r.counts[0].redelivered;
    }
    // The scenario really crashed consumers holding messages (else it tests nothing new).
    assert!(redelivered > 0.0, "no crash hit a message");
}

/// The same with a network: the crashing queue is second in a tandem, its crashed messages
/// wait for a visibility timeout (Deadline events), and a time to live expires some. The run
/// must neither stop while a message is still in flight at a crashed consumer or waiting in
/// the second queue, nor run for ever once they are gone.
#[test]
fn a_stopping_trace_through_a_crashing_tandem_ends_when_drained() {
    let trace = TraceFile::new("tandem.txt", 40);
    let s = scenario(
        &trace.0,
        "[[queues]]\nname = \"a\"\nconsumers = 1\n\
         service = { kind = \"deterministic\", value = 0.3 }\n\
         route = [ { to = \"b\", p = 1.0 } ]\n\
         [[queues]]\nname = \"b\"\nconsumers = 2\n\
         service = { kind = \"exponential\", mean = 0.8 }\n\
         visibility_timeout = 3.0\nttl = 6.0\n\
         crash = { mtbf = { kind = \"exponential\", mean = 8.0 }, mttr = { kind = \"exponential\", mean = 4.0 } }\n",
    );
    let mut redelivered = 0.0;
    for i in 0..3 {
        let r = run_with_deadline(&s, i);
        drained(&r, 40.0);
        let b = r.counts[1];
        assert_eq!(b.published, 40.0, "every message reached b: {b:?}");
        // Departures are processed messages; the rest expired.
        assert_eq!(r.messages as f64 + b.expired, 40.0, "{b:?}");
        redelivered += b.redelivered;
    }
    assert!(redelivered > 0.0, "no crash hit a message");
}
