//! Cost per message of a time-varying producer against a stationary one at the same mean
//! rate (issue 19: within 1.5×). One replication of a single-consumer queue (exponential
//! service, mean 1) at mean load 0.8, on one thread: a Poisson producer, a sinusoidal rate
//! (mean 0.8, amplitude 0.6, period 1000; drawn by thinning) and a piecewise rate with a 10×
//! peak (a for 800, 10a for 200, repeating every 1000: (800a + 2000a)/1000 = 0.8, so
//! a = 0.8/2.8 = 2/7; drawn by inversion). `cargo bench --bench arrivals`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kendall_sim::replication::run_replication;

mod scenarios;

use scenarios::{WARMUP, scenario, single};

/// Measured messages per replication (warm-up comes on top).
const CUSTOMERS: u64 = 200_000;
/// The mean arrival rate of every producer (load 0.8 on a consumer of mean service 1).
const MEAN_RATE: f64 = 0.8;

/// One consumer (exponential service, mean 1) fed by a producer with `rate`, a TOML inline
/// table of the `rate` key.
fn time_varying(name: &str, rate: &str) -> String {
    format!(
        "name = \"{name}\"\n\
         [[producers]]\nname = \"p\"\nrate = {rate}\n\
         [[queues]]\nname = \"q\"\nconsumers = 1\n\
         service = {{ kind = \"exponential\", mean = 1.0 }}\n"
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("arrivals");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    // Every departure counts, the warm-up's included (it is work done all the same).
    let messages = CUSTOMERS + WARMUP;
    g.throughput(Throughput::Elements(messages));

    let low = MEAN_RATE / 2.8;
    let cases = [
        ("poisson", single(1, MEAN_RATE, "shared", "")),
        (
            "sinusoid",
            time_varying(
                "sinusoid",
                &format!(
                    "{{ kind = \"sinusoid\", mean = {MEAN_RATE}, amplitude = 0.6, period = 1000, phase = 0 }}"
                ),
            ),
        ),
        (
            "piecewise_10x_peak",
            time_varying(
                "piecewise",
                &format!(
                    "{{ kind = \"piecewise\", at = [0, 800], values = [{low}, {}], repeat = 1000 }}",
                    10.0 * low
                ),
            ),
        ),
    ];
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
