//! Processor sharing's cost per event against the messages a consumer holds (issue 24): one
//! sharing consumer kept full at `capacity` = 10 and 10,000 messages by an arrival rate
//! twice its capacity (arrivals to a full queue are refused). Each event costs O(log n) in
//! the messages held (a heap by virtual finishing time; the broker indexes a large prefetch
//! by message id), so the two should be within a small factor.
//! `cargo bench --bench sharing` (needs an otherwise idle machine to mean anything).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kendall_sim::run_experiment;

mod scenarios;

use scenarios::scenario;

const CUSTOMERS: u64 = 200_000;

/// One sharing consumer (exponential work, mean 1) offered twice its capacity, holding
/// `held` messages at most.
fn sharing(held: u32) -> String {
    format!(
        "name = \"ps held {held}\"\n\
         [[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = 2.0 }}\n\
         [[queues]]\nname = \"q\"\nconsumers = 1\ndiscipline = \"ps\"\ncapacity = {held}\n\
         service = {{ kind = \"exponential\", mean = 1.0 }}\n"
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sharing");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    for held in [10u32, 10_000] {
        let s = scenario(&sharing(held), CUSTOMERS, 2);
        // Per event: the throughput is the run's event count.
        let events = run_experiment(&s).expect("experiment runs").events;
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("held={held}"), |b| {
            b.iter(|| run_experiment(black_box(&s)).expect("experiment runs"))
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
