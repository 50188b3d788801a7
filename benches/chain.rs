//! The numerical oracle's speed (issue 23): exploring and solving a Markov chain of about a
//! million states — join-the-shortest-queue over three consumers of speeds 0.5, 1 and 1.5
//! at ρ = 0.95 — must take under 10 s on a 2-core machine. The setup prints the chain's
//! size, so the bench shows what it timed.
//! `cargo bench --bench chain` (needs an otherwise idle machine to mean anything).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kendall_models::ctmc::solve_station;
use kendall_models::ctmc::station::{Level, Order, Phases, Routing, Station};

/// Room for the chain the bound search ends with.
const LIMIT: usize = 4_000_000;

fn jsq() -> Station {
    Station {
        levels: vec![Level {
            rate: 0.95 * 3.0,
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
    let first = solve_station(jsq(), LIMIT).expect("the chain solves");
    eprintln!(
        "chain: {} states, T = {:.6}, solved in {:.2} s",
        first.states, first.system.t, first.seconds
    );
    assert!(first.states >= 1_000_000, "{} states", first.states);
    let mut g = c.benchmark_group("chain");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(60));
    g.bench_function("jsq 3 unequal, rho 0.95", |b| {
        b.iter(|| black_box(solve_station(jsq(), LIMIT).expect("the chain solves")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
