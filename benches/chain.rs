//! The numerical oracle's speed (issue 23): exploring and solving a Markov chain of a
//! million states must take under 10 s on a 2-core machine. Two benchmarks:
//!
//! - `one million states`: join-the-shortest-queue over three consumers of speeds 0.5, 1 and
//!   1.5 at ρ = 0.95, truncated at 98 waiting per line — (98 + 2)³ = 10⁶ states — explored
//!   and solved once;
//! - `bound search`: the same station as the oracle solves it, raising the bound until the
//!   mass beyond it is below 1e-9 (every smaller chain on the way included), at ρ = 0.9.
//!
//! The setup prints each chain's size. `cargo bench --bench chain` (needs an otherwise idle
//! machine to mean anything).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kendall_models::ctmc::station::{Chain, Level, Order, Phases, Routing, Station};
use kendall_models::ctmc::{solve_station, stationary_at};

/// Room for every chain here.
const LIMIT: usize = 4_000_000;

fn jsq(rho: f64) -> Station {
    Station {
        levels: vec![Level {
            rate: rho * 3.0,
            service: Phases::exponential(1.0),
        }],
        speeds: vec![0.5, 1.0, 1.5],
        routing: Routing::Jsq,
        order: Order::Fifo,
        capacity: None,
        patience: None,
    }
}

fn bench(c: &mut Criterion) {
    let chain = Chain::new(jsq(0.95)).expect("a valid station");
    let started = Instant::now();
    let million = stationary_at(&chain, 98, LIMIT).expect("the chain solves");
    eprintln!(
        "one million: {} states, {} sweeps, {:.2} s",
        million.states.len(),
        million.sweeps,
        started.elapsed().as_secs_f64()
    );
    assert!(
        million.states.len() >= 1_000_000,
        "{}",
        million.states.len()
    );
    let search = solve_station(jsq(0.9), LIMIT).expect("the chain solves");
    eprintln!(
        "bound search: {} states at the end, {:.2} s",
        search.states, search.seconds
    );
    let mut g = c.benchmark_group("chain");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(60));
    g.bench_function("one million states", |b| {
        b.iter(|| black_box(stationary_at(&chain, 98, LIMIT).expect("the chain solves")))
    });
    g.bench_function("bound search, rho 0.9", |b| {
        b.iter(|| black_box(solve_station(jsq(0.9), LIMIT).expect("the chain solves")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
