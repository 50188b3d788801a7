//! `warmup = "auto"`: the MSER-5 truncation rule applied to a pilot replication.
//!
//! MSER (marginal standard error rule, White 1997, "An effective truncation heuristic for
//! bias reduction in simulation output", *Simulation* 69(6); White, Cobb & Spratt 2000, "A
//! comparison of five steady-state truncation heuristics for simulation", WSC) picks the
//! truncation point d that minimises the squared standard error of the mean of what is
//! left, `Σ_{i>d} (Z_i − Z̄_d)² / (n − d)²`, over d ≤ n/2. MSER-5 applies it to the means of
//! consecutive batches of 5 observations, which smooths the series and divides the memory by
//! five.
//!
//! kendall's pilot is replication index [`PILOT_REPLICATION`] of the scenario (the same base
//! seed, a stream no measured replication uses), run for [`pilot_length`] departures from
//! an empty system; its observations are the end-to-end sojourn times of messages in the
//! order they leave. The truncation point, in messages, becomes the warm-up of every
//! replication — but never less than the pilot's [`Fill`] floor.
//!
//! **The floor.** MSER weighs the bias of the mean sojourn against its noise, and with noisy
//! sojourns it may keep every message, so the measurement opens at time 0 on an empty
//! system. That biases the rates (throughput, L, utilisation) by the empty stretch at the
//! start — by about (T − T₀)·λ/n over n messages, T₀ the sojourn of the first ones — which
//! is of the same order as the interval of a rate whose arrivals are regular (a D/M/c
//! throughput's half-width is about 2·√2·sd(T)·λ/(n·√R)), so no run length makes it vanish
//! against its interval. The measurement must open at a departure of a system that has
//! filled: the floor is the departures until the number left behind, seen at each
//! departure, has crossed its own running mean [`CROSSINGS`] times (at least 1). This is
//! Fishman's crossing-of-the-mean rule (G. S. Fishman, *Concepts and Methods in Discrete
//! Event Digital Simulation*, Wiley 1973; evaluated by A. V. Gafarian, C. J. Ancker and T.
//! Morisaku, "Evaluation of commonly used rules for detecting steady state in computer
//! simulation", *Naval Research Logistics Quarterly* 25(3), 1978), applied to the number in
//! system: a loaded queue's excursions are long, so its crossings come late, in step with
//! its relaxation. On D/M/3 at ρ = 0.8 (λ = 2, 20 × 100 000 messages) MSER picks 0 and the
//! throughput interval misses λ in 60 runs of 60; the floor (46 messages) brings it to 2 of
//! 40, the 5% an interval allows (tests/warmup_floor.rs).

use crate::error::SimError;
use crate::replication::run_replication_observed;
use crate::scenario::{Scenario, Warmup};

/// Observations per batch in MSER-5.
pub const BATCH: usize = 5;

/// The replication index of the pilot run (measured replications count up from 0).
pub const PILOT_REPLICATION: u64 = u64::MAX;

/// Fewest and most departures a pilot runs for.
pub const PILOT_MIN: u64 = 50_000;
/// See [`PILOT_MIN`]: memory is one f64 per [`BATCH`] departures, so 2 million cost 3.2 MB.
pub const PILOT_MAX: u64 = 2_000_000;

/// Departures in the pilot of a run of `customers` per replication:
/// max(customers, 50 000), at most 2 000 000.
pub fn pilot_length(customers: u64) -> u64 {
    customers.clamp(PILOT_MIN, PILOT_MAX)
}

/// MSER on a series `z` (already batched or not): the d in 0..=n/2 minimising
/// `Σ_{i≥d} (z_i − mean_d)² / (n − d)²`, where mean_d is the mean of `z[d..]`. The first d
/// values are the ones to discard. Ties go to the smaller d; an empty series gives 0.
pub fn mser(z: &[f64]) -> usize {
    let n = z.len();
    if n < 2 {
        return 0;
    }
    // Suffix sums of z and z², accumulated from the end, with a shift for accuracy.
    let shift = z[n - 1];
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut best = (f64::INFINITY, 0);
    let mut stats = vec![0.0; n / 2 + 1];
    for d in (0..n).rev() {
        let x = z[d] - shift;
        s1 += x;
        s2 += x * x;
        if d <= n / 2 {
            let m = (n - d) as f64;
            let sse = (s2 - s1 * s1 / m).max(0.0);
            stats[d] = sse / (m * m);
        }
    }
    for (d, &v) in stats.iter().enumerate() {
        if v < best.0 {
            best = (v, d);
        }
    }
    best.1
}

/// Means of consecutive batches of [`BATCH`] values; a partial last batch is dropped.
pub fn batch_means(xs: &[f64]) -> Vec<f64> {
    xs.chunks_exact(BATCH)
        .map(|c| c.iter().sum::<f64>() / BATCH as f64)
        .collect()
}

/// MSER-5 on raw observations `xs`: the number of observations to discard.
pub fn mser5(xs: &[f64]) -> usize {
    mser(&batch_means(xs)) * BATCH
}

/// Streams observations into batch means of [`BATCH`], keeping only the means.
#[derive(Debug, Default, Clone)]
pub struct Batcher {
    means: Vec<f64>,
    sum: f64,
    count: usize,
}

impl Batcher {
    /// Adds one observation.
    pub fn push(&mut self, x: f64) {
        self.sum += x;
        self.count += 1;
        if self.count == BATCH {
            self.means.push(self.sum / BATCH as f64);
            self.sum = 0.0;
            self.count = 0;
        }
    }

    /// The MSER-5 truncation point, in observations.
    pub fn truncation(&self) -> usize {
        mser(&self.means) * BATCH
    }
}

/// Crossings of the running mean that the [`Fill`] floor waits for.
pub const CROSSINGS: u32 = 10;

/// The floor of `warmup = "auto"` (see the module's notes): the departures until the number
/// left in the system, seen at each departure, has crossed its own running mean
/// [`CROSSINGS`] times — at least 1, so that the measurement opens at a departure, never at
/// the empty time 0. Constant memory.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fill {
    departures: u64,
    /// The mean number left behind by the departures so far.
    mean: f64,
    /// Whether the last number that differed from the running mean was above it.
    above: Option<bool>,
    crossings: u32,
    /// Departures at the [`CROSSINGS`]-th crossing, once it has come.
    reached: Option<u64>,
}

impl Fill {
    /// A message leaves, with `in_system` messages left behind.
    pub fn push(&mut self, in_system: u64) {
        let x = in_system as f64;
        if self.departures > 0 && x != self.mean && self.reached.is_none() {
            let above = x > self.mean;
            if self.above.is_some_and(|was| was != above) {
                self.crossings += 1;
                if self.crossings == CROSSINGS {
                    self.reached = Some(self.departures + 1);
                }
            }
            self.above = Some(above);
        }
        self.departures += 1;
        self.mean += (x - self.mean) / self.departures as f64;
    }

    /// The floor in messages: the departures until the [`CROSSINGS`]-th crossing, at least
    /// 1; 1 when the crossings never came (a system whose number left behind never varies,
    /// or one that never settles, where MSER alone decides).
    pub fn floor(&self) -> u64 {
        self.reached.unwrap_or(1).max(1)
    }
}

/// What `warmup = "auto"` chose: MSER-5's truncation point and the [`Fill`] floor, both in
/// messages; the warm-up is the larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoWarmup {
    /// MSER-5 on the pilot's sojourn times.
    pub mser: u64,
    /// The pilot's fill floor.
    pub floor: u64,
}

impl AutoWarmup {
    /// The warm-up in messages.
    pub fn warmup(&self) -> u64 {
        self.mser.max(self.floor)
    }
}

/// Runs the pilot of `scenario` and returns its MSER-5 truncation point and fill floor.
pub fn auto_warmup(scenario: &Scenario) -> Result<AutoWarmup, SimError> {
    let mut pilot = scenario.clone();
    pilot.run.warmup = 0;
    pilot.run.customers = pilot_length(scenario.run.customers);
    let mut batcher = Batcher {
        means: Vec::with_capacity(pilot.run.customers as usize / BATCH),
        ..Batcher::default()
    };
    let mut fill = Fill::default();
    run_replication_observed(&pilot, PILOT_REPLICATION, &mut |e| {
        batcher.push(e.sojourn);
        fill.push(e.in_system);
    })?;
    Ok(AutoWarmup {
        mser: batcher.truncation() as u64,
        floor: fill.floor(),
    })
}

/// Resolves `warmup = "auto"`: runs the pilot and stores its truncation point in
/// `scenario.run.warmup`. A fixed count is stored as it is. Returns the count in use.
/// Call it after any override of the run length (the pilot's length follows `customers`).
pub fn resolve(scenario: &mut Scenario) -> Result<u64, SimError> {
    scenario.run.warmup = match scenario.run.warmup_mode {
        Warmup::Count(n) => n,
        Warmup::Auto => auto_warmup(scenario)?.warmup(),
    };
    Ok(scenario.run.warmup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect()
    }

    #[test]
    fn truncates_right_after_an_obvious_transient() {
        // Never inside the transient; at most a few batches into the noise (MSER may also
        // drop a handful of noisy batches when that happens to lower the standard error).
        for seed in 1..=10 {
            let mut xs = vec![100.0; 200];
            xs.extend(noise(10_000, seed));
            let d = mser5(&xs);
            assert!((200..=250).contains(&d), "seed {seed}: truncated {d}");
        }
    }

    #[test]
    fn truncates_a_stationary_series_near_zero() {
        for seed in 1..=5 {
            let d = mser5(&noise(10_000, seed));
            // MSER on iid data picks a small d (no bias to remove); far below n/2 = 5000.
            assert!(d <= 500, "seed {seed}: truncated {d} of 10000");
        }
    }

    #[test]
    fn a_decaying_transient_is_cut_where_it_has_faded() {
        // Exponential decay 50·e^{−i/100} plus noise: the bias is below the noise (±1)
        // after ~400 values and negligible after 700.
        let xs: Vec<f64> = noise(20_000, 3)
            .iter()
            .enumerate()
            .map(|(i, e)| e + 50.0 * (-(i as f64) / 100.0).exp())
            .collect();
        let d = mser5(&xs);
        assert!((250..=1000).contains(&d), "truncated {d}");
    }

    #[test]
    fn mser_matches_a_direct_computation() {
        let z = noise(101, 9);
        let direct = |d: usize| {
            let tail = &z[d..];
            let m = tail.iter().sum::<f64>() / tail.len() as f64;
            tail.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (tail.len() as f64).powi(2)
        };
        let want = (0..=50)
            .min_by(|&a, &b| direct(a).total_cmp(&direct(b)))
            .unwrap();
        assert_eq!(mser(&z), want);
        assert_eq!(mser(&[]), 0);
        assert_eq!(mser(&[3.0]), 0);
    }

    #[test]
    fn the_floor_waits_for_ten_crossings_of_the_running_mean() {
        // 0, 2, 0, 2, …: the running mean is 1 after each 2 and below 1 after each 0, so
        // from the third departure on each one crosses it: the tenth crossing is the 12th.
        let mut fill = Fill::default();
        for i in 0..40 {
            fill.push(if i % 2 == 0 { 0 } else { 2 });
        }
        assert_eq!(fill.floor(), 12);
        // A system that rises and stays (no crossing back) or never varies: floor 1.
        let mut rising = Fill::default();
        (0..100).for_each(|n| rising.push(n));
        assert_eq!(rising.floor(), 1);
        let mut flat = Fill::default();
        (0..100).for_each(|_| flat.push(0));
        assert_eq!(flat.floor(), 1);
        assert_eq!(
            AutoWarmup {
                mser: 30,
                floor: 12
            }
            .warmup(),
            30,
            "the larger of the two"
        );
    }

    #[test]
    fn batcher_streams_like_batch_means() {
        let xs = noise(1003, 4);
        let mut b = Batcher::default();
        xs.iter().for_each(|&x| b.push(x));
        assert_eq!(b.means, batch_means(&xs));
        assert_eq!(b.truncation(), mser5(&xs));
    }

    fn scenario(warmup: &str) -> Result<Scenario, crate::ScenarioError> {
        let text = format!(
            "[[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = 0.9 }}\n\
             [[queues]]\nname = \"q\"\nconsumers = 1\nservice = {{ kind = \"exponential\", mean = 1.0 }}\n\
             [run]\ncustomers = 20000\nwarmup = {warmup}\n"
        );
        Scenario::parse(std::path::Path::new("w.toml"), &text)
    }

    #[test]
    fn auto_runs_the_pilot_and_counts_are_kept() {
        let mut s = scenario("\"auto\"").unwrap();
        assert_eq!(s.run.warmup_mode, Warmup::Auto);
        let d = resolve(&mut s).unwrap();
        assert_eq!(s.run.warmup, d);
        assert!(
            d.is_multiple_of(BATCH as u64) && d <= PILOT_MIN / 2,
            "warm-up {d}"
        );
        // Deterministic: the pilot has its own seeded stream.
        assert_eq!(resolve(&mut s.clone()).unwrap(), d);
        let mut fixed = scenario("123").unwrap();
        assert_eq!(fixed.run.warmup_mode, Warmup::Count(123));
        assert_eq!(resolve(&mut fixed).unwrap(), 123);
    }

    #[test]
    fn other_strings_are_located_errors() {
        let e = scenario("\"automatic\"").unwrap_err().to_string();
        assert!(
            e.contains("warmup must be a count of messages or \"auto\"") && e.contains("w.toml"),
            "{e}"
        );
    }

    #[test]
    fn pilot_length_is_bounded() {
        assert_eq!(pilot_length(10), PILOT_MIN);
        assert_eq!(pilot_length(200_000), 200_000);
        assert_eq!(pilot_length(u64::MAX), PILOT_MAX);
    }
}
