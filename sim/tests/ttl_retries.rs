//! Failed attempts retried under a time to live: one consumer, Poisson arrivals at 0.5,
//! exponential sizes of mean 1, each attempt failing with probability 0.2 (nacked and requeued
//! at the head, same size), and a TTL of 2.
//!
//! A failed message whose TTL ran out while it was in service cannot wait again: the broker
//! expires it at the nack and says so. When that expiry went unreported (the broker dropped
//! the message at the next poll, silently), the simulator kept every such message "in the
//! system" for ever and L grew with the run length: 367 at 10k messages per replication,
//! 1,340 at 40k. These tests pin L down three ways.

use std::collections::VecDeque;
use std::path::Path;

use kendall_sim::replication::run_replication;
use kendall_sim::{Metric, Scenario, Summary, run_experiment};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{ContinuousCDF, StudentsT};

const RATE: f64 = 0.5;
const FAIL: f64 = 0.2;
const TTL: f64 = 2.0;

fn scenario(customers: u64, replications: u32, seed: u64) -> Scenario {
    let text = format!(
        r#"
        [[producers]]
        name = "p"
        interarrival = {{ kind = "exponential", rate = {RATE} }}
        [[queues]]
        name = "q"
        consumers = 1
        fail = {FAIL}
        ttl = {TTL}
        service = {{ kind = "exponential", mean = 1.0 }}
        [run]
        replications = {replications}
        customers = {customers}
        seed = {seed}
        "#
    );
    Scenario::parse(Path::new("inline.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Student's t quantile at `p` with `df` degrees of freedom.
fn t(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(p)
}

/// `s`'s half-width rescaled from 95% to 99.9%.
fn half_width_999(s: &Summary) -> f64 {
    let df = s.replications as f64 - 1.0;
    s.half_width * t(0.9995, df) / t(0.975, df)
}

/// L does not grow with the run: at 10k and at 40k messages per replication the two means
/// differ by less than the 99.9% interval of their difference (independent runs: the
/// half-widths add in quadrature).
#[test]
fn l_does_not_grow_with_the_run_length() {
    let l = |customers| run_experiment(&scenario(customers, 10, 3)).unwrap();
    let (short, long) = (l(10_000), l(40_000));
    let (a, b) = (short.system.get(Metric::L), long.system.get(Metric::L));
    let allowed = half_width_999(&a).hypot(half_width_999(&b));
    assert!(
        (a.mean - b.mean).abs() <= allowed,
        "L = {} at 10k but {} at 40k (allowed {allowed})",
        a.mean,
        b.mean
    );
    // The fates balance: every message published was acknowledged, expired, or is still in.
    for c in [short.counts[0], long.counts[0]] {
        assert!(c.expired > 0.0 && c.redelivered > 0.0, "{c:?}");
        assert!(c.in_system < 20.0, "{c:?}");
    }
}

/// Bounds that hold whatever the order of events. A message's last delivery starts before
/// its TTL runs out (a message waiting past it expires, one taken back past it expires at
/// the nack), and lasts its size S; so every message stays at most TTL + S, and by Little's
/// law L ≤ λ·(TTL + E[S]) = 0.5 × 3 = 1.5. Every message stays at least min(S, TTL) (served
/// whole once, or expired after waiting its TTL): L ≥ λ·E[min(S, TTL)] = 0.5·(1 − e⁻²).
#[test]
fn l_stays_within_what_little_allows() {
    let r = run_experiment(&scenario(40_000, 10, 4)).unwrap();
    let l = r.system.get(Metric::L);
    let (upper, lower) = (RATE * (TTL + 1.0), RATE * (1.0 - (-TTL).exp()));
    let h = half_width_999(&l);
    assert!(l.mean + h < upper, "L = {} ± {h} reaches {upper}", l.mean);
    assert!(l.mean - h > lower, "L = {} ± {h} below {lower}", l.mean);
}

/// The same queue written out by hand, without the broker: one server, FIFO, a failed attempt
/// back at the head (same size) unless its TTL has run out, a waiting message leaving when
/// its TTL runs out. Returns the time-average number in the system over
/// (`warmup`, `horizon`).
fn reference_l(seed: u64, warmup: f64, horizon: f64) -> f64 {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let gap = Exp::new(RATE).unwrap();
    let mut next_arrival = gap.sample(&mut rng);
    // (published, size) of each waiting message, oldest first: a requeued one is older than
    // every one behind it, so the head is always the first to expire.
    let mut waiting: VecDeque<(f64, f64)> = VecDeque::new();
    let mut serving: Option<(f64, f64, f64)> = None; // (published, size, finish)
    let (mut now, mut n, mut area) = (0.0_f64, 0_u32, 0.0);
    loop {
        let expiry = waiting.front().map_or(f64::INFINITY, |m| m.0 + TTL);
        let finish = serving.map_or(f64::INFINITY, |s| s.2);
        let next = next_arrival.min(finish).min(expiry).min(horizon);
        if next > warmup {
            area += f64::from(n) * (next - now.max(warmup));
        }
        now = next;
        if now >= horizon {
            return area / (horizon - warmup);
        }
        if expiry <= finish && expiry <= next_arrival {
            waiting.pop_front();
            n -= 1;
        } else if finish <= next_arrival {
            let (published, size, _) = serving.take().expect("a completion");
            if rng.random::<f64>() >= FAIL || published + TTL <= now {
                n -= 1; // done, or failed past its TTL: gone
            } else {
                waiting.push_front((published, size));
            }
            serving = waiting.pop_front().map(|(p, s)| (p, s, now + s));
        } else {
            n += 1;
            let size: f64 = Exp1.sample(&mut rng);
            match serving {
                None => serving = Some((now, size, now + size)),
                Some(_) => waiting.push_back((now, size)),
            }
            next_arrival = now + gap.sample(&mut rng);
        }
    }
}

/// kendall's L agrees with the hand-written model's: 20 replications of each, Welch's
/// two-sample t test at the 99.9% level.
#[test]
fn l_agrees_with_a_model_written_without_the_broker() {
    let s = scenario(40_000, 20, 5);
    let ours: Vec<f64> = (0..20)
        .map(|i| run_replication(&s, i).unwrap().system.get(Metric::L))
        .collect();
    // 44,000 arrivals at 0.5 (less a sixth expired) span about 100,000 time units.
    let theirs: Vec<f64> = (0..20)
        .map(|i| reference_l(1000 + i, 1_000.0, 100_000.0))
        .collect();
    let moments = |x: &[f64]| {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        (
            m,
            x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0) / n,
        )
    };
    let ((a, va), (b, vb)) = (moments(&ours), moments(&theirs));
    let df = (va + vb).powi(2) / (va * va / 19.0 + vb * vb / 19.0);
    let allowed = t(0.9995, df) * (va + vb).sqrt();
    assert!(
        (a - b).abs() <= allowed,
        "kendall L = {a}, the hand-written model's {b} (allowed {allowed})"
    );
    assert!((0.5..1.2).contains(&b), "the model's L = {b}");
}
