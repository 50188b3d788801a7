//! Messages per second through engine + broker + statistics, one replication on one thread,
//! beside the bare-loop reference. `cargo bench --bench throughput`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kendall_sim::replication::run_replication;

mod bare;
mod scenarios;

use scenarios::{WARMUP, mm1, pipeline3, priority3, scenario, single};

/// Measured messages per replication (warm-up comes on top).
const CUSTOMERS: u64 = 200_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("messages");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    // Every departure counts, the warm-up's included (it is work done all the same).
    let messages = CUSTOMERS + WARMUP;
    g.throughput(Throughput::Elements(messages));

    g.bench_function("bare_loop/mm1", |b| {
        b.iter(|| {
            let t = bare::mm1(0.9, 1.0, black_box(messages), 42);
            assert!((t - 10.0).abs() < 1.0, "bare loop T = {t}");
            t
        })
    });

    let mut cases: Vec<(String, String)> = vec![
        ("mm1".into(), mm1()),
        ("mm4_shared".into(), single(4, 0.9, "shared", "")),
        ("mm64_shared".into(), single(64, 0.9, "shared", "")),
        ("priority_3class".into(), priority3()),
        ("pipeline_3queue".into(), pipeline3()),
    ];
    for n in [1_000u32, 10_000] {
        cases.push((format!("jsq/{n}"), single(n, 0.9, "jsq", "")));
        cases.push((
            format!("power_of_2/{n}"),
            single(n, 0.9, "power-of-d", "d = 2\n"),
        ));
        cases.push((format!("least_work/{n}"), single(n, 0.9, "least-work", "")));
    }
    for (name, body) in cases {
        let s = scenario(&body, CUSTOMERS, 2); // only replication 0 runs
        g.bench_function(name, |b| {
            b.iter(|| {
                let r = run_replication(black_box(&s), 0).expect("replication runs");
                assert_eq!(r.messages, messages);
                r
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = scenarios::config();
    targets = bench
}
criterion_main!(benches);
