//! The performance targets' ratios, measured interleaved: every round times the bare loop, the
//! bare loop with the real broker in it, then with kendall's statistics as well, M/M/1 and JSQ
//! over 10,000 consumers (twice each, in A-B-B-A order), and 20 replications on one and on two
//! threads, one after the other, and takes each ratio within the round. On a shared machine
//! whose speed drifts by ±20% over minutes, a ratio of two criterion benchmarks run minutes
//! apart measures the drift as much as the code; a ratio within one round does not.
//!
//! The two intermediate loops split the distance from the bare loop to kendall: what the
//! broker costs, what the statistics cost, and what is left for kendall's event loop.
//!
//! The thread-scaling ratio is split in two, from the process's CPU time: the share of the
//! two threads' time they were busy (the code: idle or waiting threads lower it), and each
//! busy thread's speed against one thread running alone (the machine: two vCPUs of a shared
//! host may slow each other down).
//!
//! `cargo bench --bench ratios [-- ROUNDS]` (default 15) prints each round's ratios and their
//! median, lowest and highest.

use std::hint::black_box;
use std::time::Instant;

use kendall_sim::replication::run_replication;
use kendall_sim::run_experiment;
use kendall_sim::stats::Metric;

mod bare;
mod scenarios;

use scenarios::{WARMUP, mm1, scenario, single};

/// Measured messages per replication (warm-up comes on top).
const CUSTOMERS: u64 = 200_000;
/// Replications in the thread-scaling workload.
const REPLICATIONS: u32 = 20;
/// Measured messages per replication of the thread-scaling workload.
const SCALING_CUSTOMERS: u64 = 100_000;

/// Messages per second of `run`, which handles `messages` departures.
fn rate(messages: u64, run: impl FnOnce()) -> f64 {
    messages as f64 / seconds(run)
}

/// Wall-clock seconds `run` takes.
fn seconds(run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_secs_f64()
}

/// CPU time the whole process (every thread) has used so far, in seconds.
fn cpu_seconds() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Messages per second of `run`, which handles `messages` departures, and the CPU seconds
/// it used per wall-clock second: the number of threads kept busy. Splits a thread-scaling
/// ratio into what the code does (threads left idle) and what the machine does (each busy
/// thread running slower when another is).
fn rate_and_busy(messages: u64, run: impl FnOnce()) -> (f64, f64) {
    let cpu = cpu_seconds();
    let wall = seconds(run);
    (messages as f64 / wall, (cpu_seconds() - cpu) / wall)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Median, lowest and highest of `xs`.
fn spread(xs: &mut [f64]) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let median = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    (median, xs[0], xs[n - 1])
}

fn main() {
    // `cargo bench` passes `--bench`; a number among the arguments is the rounds.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    let messages = CUSTOMERS + WARMUP;
    let mm1 = scenario(&mm1(), CUSTOMERS, 2);
    let jsq = scenario(&single(10_000, 0.9, "jsq", ""), CUSTOMERS, 2);
    let replications = scenario(&scenarios::mm1(), SCALING_CUSTOMERS, REPLICATIONS);
    let scaled = u64::from(REPLICATIONS) * (SCALING_CUSTOMERS + WARMUP);
    let (one, two) = (pool(1), pool(2));
    let replication = |s: &kendall_sim::Scenario| {
        let r = run_replication(black_box(s), 0).expect("replication runs");
        assert_eq!(r.messages, messages);
    };
    let experiment = |p: &rayon::ThreadPool| {
        p.install(|| run_experiment(black_box(&replications)).expect("experiment runs"));
    };
    // The broker loop is the bare loop's simulation with the broker in it, to the bit.
    assert_eq!(
        bare::mm1(0.9, 1.0, messages, 42).to_bits(),
        bare::mm1_broker(0.9, 1.0, messages, 42).to_bits(),
        "the bare loop with and without the broker simulate the same"
    );
    assert_eq!(
        bare::mm1(0.9, 1.0, messages, 42).to_bits(),
        bare::mm1_broker_stats(0.9, 1.0, messages, 42)
            .get(Metric::T)
            .to_bits(),
        "the bare loop with the broker and statistics simulates the same"
    );
    // One untimed round: caches, page faults and the thread pools' start-up.
    replication(&mm1);
    replication(&jsq);
    experiment(&one);
    experiment(&two);

    let (mut half, mut third, mut scaling) = (vec![], vec![], vec![]);
    let (mut brokered, mut counted) = (vec![], vec![]);
    let (mut busy, mut speed) = (vec![], vec![]);
    println!(
        "{:>5} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>10} {:>8} {:>8}",
        "round",
        "bare M/s",
        "+broker M/s",
        "+stats M/s",
        "M/M/1 M/s",
        "JSQ-10k M/s",
        "1 thr M/s",
        "2 thr M/s",
        "M/M/1/bare",
        "JSQ/M/M/1",
        "2 thr/1",
        "busy/2",
        "speed"
    );
    for round in 1..=rounds {
        let b = rate(messages, || {
            black_box(bare::mm1(0.9, 1.0, black_box(messages), 42));
        });
        let k = rate(messages, || {
            black_box(bare::mm1_broker(0.9, 1.0, black_box(messages), 42));
        });
        let s = rate(messages, || {
            black_box(bare::mm1_broker_stats(0.9, 1.0, black_box(messages), 42));
        });
        // M/M/1 and JSQ in A-B-B-A order, so that a drift within the round weighs on both
        // alike; each rate is the pair's (messages over the two times).
        let (m1, j1) = (seconds(|| replication(&mm1)), seconds(|| replication(&jsq)));
        let (j2, m2) = (seconds(|| replication(&jsq)), seconds(|| replication(&mm1)));
        let (m, j) = (
            2.0 * messages as f64 / (m1 + m2),
            2.0 * messages as f64 / (j1 + j2),
        );
        let (t1, busy1) = rate_and_busy(scaled, || experiment(&one));
        let (t2, busy2) = rate_and_busy(scaled, || experiment(&two));
        let r = (m / b, j / m, t2 / t1);
        // t2 / t1 = (busy2 / busy1) × (each busy thread's rate with two / with one).
        let each = (t2 / busy2) / (t1 / busy1);
        println!(
            "{round:>5} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.2} {:>11.3} {:>11.3} {:>10.3} {:>8.3} {:>8.3}",
            b / 1e6,
            k / 1e6,
            s / 1e6,
            m / 1e6,
            j / 1e6,
            t1 / 1e6,
            t2 / 1e6,
            r.0,
            r.1,
            r.2,
            busy2 / 2.0,
            each
        );
        half.push(r.0);
        third.push(r.1);
        scaling.push(r.2);
        brokered.push(k / b);
        counted.push(s / b);
        busy.push(busy2 / 2.0);
        speed.push(each);
    }
    for (name, target, xs) in [
        ("M/M/1 / bare loop", "1/2", &mut half),
        ("JSQ-10k / M/M/1", "1/3", &mut third),
        ("2 threads / 1 thread", "1.8", &mut scaling),
        ("bare+broker / bare", "-", &mut brokered),
        ("bare+broker+stats / bare", "-", &mut counted),
        ("2 threads: share busy", "-", &mut busy),
        ("2 threads: thread speed / 1", "-", &mut speed),
    ] {
        let (median, low, high) = spread(xs);
        println!(
            "{name:<22} median {median:.3}  (lowest {low:.3}, highest {high:.3}; target {target})"
        );
    }
}
