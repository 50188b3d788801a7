//! Replications spread over threads: 20 replications of M/M/1 on 1 and on 2 threads.
//! `cargo bench --bench scaling` (needs an otherwise idle machine to mean anything).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kendall_sim::run_experiment;

mod scenarios;

use scenarios::{WARMUP, mm1, scenario};

const REPLICATIONS: u32 = 20;
const CUSTOMERS: u64 = 100_000;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("replications");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(
        u64::from(REPLICATIONS) * (CUSTOMERS + WARMUP),
    ));
    let s = scenario(&mm1(), CUSTOMERS, REPLICATIONS);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        g.bench_function(format!("mm1_x20/threads={threads}"), |b| {
            b.iter(|| pool.install(|| run_experiment(black_box(&s)).expect("experiment runs")))
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
