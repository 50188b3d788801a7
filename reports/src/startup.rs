//! Whether a run gives its queues time to settle from their empty start.
//!
//! Every replication starts with nothing in the system. A queue near saturation, or a large
//! fleet run close to its capacity, takes many mean sojourn times to fill; averages measured
//! before it has are biased low, in every replication alike, so no confidence interval shows
//! it. This module compares each queue's relaxation time ([`relaxation_times`]) with the run's
//! warm-up and length, and says how many messages would do.

use kendall_models::startup_bias;
use kendall_sim::Scenario;
use kendall_sim::theory::Theory;
use kendall_sim::traffic::{queue_loads, relaxation_times};

/// Start-up bias ([`startup_bias`]) above which a run counts as unsettled: 1%.
pub const STARTUP_BIAS: f64 = 0.01;

/// A queue that the run does not give time to settle.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsettled {
    /// Queue name.
    pub queue: String,
    /// Its relaxation time, in the scenario's time unit.
    pub tau: f64,
    /// Warm-up per replication, in the same unit.
    pub warmup: f64,
    /// Measured run per replication, in the same unit.
    pub window: f64,
    /// The estimated bias left by the start (at most 1).
    pub bias: f64,
    /// Customers per replication that would bring the bias to [`STARTUP_BIAS`], the warm-up
    /// staying as it is but at most a tenth of them (as `--customers` sets it).
    pub customers_needed: u64,
    /// Warm-up messages that would do the same with the customers as they are.
    pub warmup_needed: u64,
}

impl Unsettled {
    /// The warning for a run's report, times in `time_unit`.
    pub fn warning(&self, time_unit: &str) -> String {
        format!(
            "start-up: {} (in every replication alike, so the intervals do not show it); {}",
            self.summary(time_unit),
            self.advice()
        )
    }

    /// What is too short, in one clause: the relaxation time against the warm-up and run.
    pub fn summary(&self, time_unit: &str) -> String {
        format!(
            "queue {} settles from its empty start in about {} {time_unit} (its relaxation \
             time), but the warm-up covers {} {time_unit} and the measured run {} {time_unit}: \
             its averages may be biased low by {}",
            self.queue,
            short(self.tau),
            short(self.warmup),
            short(self.window),
            percent(self.bias),
        )
    }

    /// How long a run would do.
    pub fn advice(&self) -> String {
        format!(
            "use at least {} customers per replication (--customers {}), or a warm-up of at \
             least {} messages (--warmup {})",
            self.customers_needed, self.customers_needed, self.warmup_needed, self.warmup_needed
        )
    }
}

/// Four significant digits, trailing zeros dropped.
pub(crate) fn short(x: f64) -> String {
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A bias as a percentage ("up to 100%" when capped).
fn percent(bias: f64) -> String {
    if bias >= 1.0 {
        "up to 100%".into()
    } else {
        format!("about {:.0}%", (bias * 100.0).max(1.0))
    }
}

/// The queues of `scenario` whose start-up bias, with its run's warm-up and customers per
/// replication, exceeds [`STARTUP_BIAS`]. `theory` (the scenario's prediction) gives each
/// queue's share of waiting messages where it has a model. Times come from the rate at which
/// messages leave the system (the producers' total rate); a scenario without producers has
/// none.
pub fn unsettled(scenario: &Scenario, theory: &Theory) -> Vec<Unsettled> {
    let rate = scenario.arrival_rate();
    if !(rate > 0.0 && rate.is_finite()) {
        return Vec::new();
    }
    let (warmup, customers) = (scenario.run.warmup as f64, scenario.run.customers as f64);
    let queued = |j: usize| {
        let m = &theory.queues.get(j)?.as_ref()?.measures;
        (m.l > 0.0).then(|| m.lq / m.l)
    };
    scenario
        .queues
        .iter()
        .zip(relaxation_times(scenario).iter().zip(queue_loads(scenario)))
        .enumerate()
        .filter_map(|(j, (q, (tau, load)))| {
            let tau = (*tau)?;
            let service = load.mean_service;
            // Bias of a run of `customers` after `warmup` messages, both leaving at `rate`.
            let bias = |warmup: f64, customers: f64| {
                startup_bias(tau, service, queued(j), warmup / rate, customers / rate)
            };
            let now = bias(warmup, customers);
            (now > STARTUP_BIAS).then(|| Unsettled {
                queue: q.name.clone(),
                tau: tau.max(service),
                warmup: warmup / rate,
                window: customers / rate,
                bias: now,
                customers_needed: least(customers, |n| {
                    bias(warmup.min(n / 10.0), n) <= STARTUP_BIAS
                }),
                warmup_needed: least(warmup.max(1.0), |w| bias(w, customers) <= STARTUP_BIAS),
            })
        })
        .collect()
}

/// The least whole number from `from` up for which `enough` holds, `enough` being monotone
/// (false, then true for good); by doubling, then bisection.
pub(crate) fn least(from: f64, enough: impl Fn(f64) -> bool) -> u64 {
    let mut low = from.max(1.0).ceil();
    if enough(low) {
        return low as u64;
    }
    // Invariant: !enough(low) and enough(high). Past 2^62 nothing is enough (a predicate
    // that never holds, as on a NaN bias, must not loop for ever).
    let mut high = 2.0 * low;
    while !enough(high) {
        if high > 4.6e18 {
            return u64::MAX;
        }
        low = high;
        high *= 2.0;
    }
    while high - low > 1.0 {
        let mid = ((low + high) / 2.0).floor();
        if enough(mid) {
            high = mid;
        } else {
            low = mid;
        }
    }
    high as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_finds_the_threshold() {
        assert_eq!(least(1.0, |x| x >= 1000.0), 1000);
        assert_eq!(least(1.0, |x| x * x >= 2e6), 1415);
        assert_eq!(least(5000.0, |x| x >= 10.0), 5000);
        assert_eq!(least(1.0, |x| x.is_nan()), u64::MAX);
    }

    #[test]
    fn numbers_read_short() {
        assert_eq!(short(148.37028716), "148.4");
        assert_eq!(short(2.0 / 3.0), "0.6667");
        assert_eq!(short(20.0), "20");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(379736.6), "379737");
        assert_eq!(percent(1.0), "up to 100%");
        assert_eq!(percent(0.034), "about 3%");
    }
}
