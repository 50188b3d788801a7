//! The report of one `kendall run`: simulated metrics beside theory, per scope.

use kendall_models::{Prediction, Verdict};
use kendall_sim::replication::{QueueCounts, ScaleLog};
use kendall_sim::scenario::Warmup;
use kendall_sim::stats::{Departures, Metric};
use kendall_sim::theory::Theory;
use kendall_sim::traffic::{QueueLoad, queue_loads};
use kendall_sim::{ExperimentResult, Scenario, ScopeSummary, Summary};

/// −ln 0.05 ≈ 2.996: the most waits theory may expect among the messages measured for
/// seeing none at all to stay consistent with it at the 95% level ([`NoneSeen`]).
pub const RULE_OF_THREE: f64 = 2.995_732_273_553_991;

/// A row that is exactly zero, interval [0, 0], because no message waited in its scope over
/// the whole run — while theory's P(wait) is positive, however small.
///
/// The interval cannot hold such a theory, yet seeing no wait is what theory predicts when
/// waits are rare enough. If each of the n messages measured waits with probability p, none
/// does with probability (1 − p)ⁿ ≈ e^(−np), which is at least 5% exactly when
/// n·p ≤ −ln 0.05 ≈ 3 ([`RULE_OF_THREE`]): the "rule of three", by which 3/n is the 95% upper
/// bound on a rate when 0 of n events were seen (J. A. Hanley and A. Lippman-Hand, "If nothing
/// goes wrong, is everything all right?", JAMA 249(13), 1983, 1743–1745; B. D. Jovanovic and
/// P. S. Levy, "A look at the rule of three", The American Statistician 51(2), 1997, 137–139).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoneSeen {
    /// Messages measured in the scope, over all replications.
    pub messages: u64,
    /// Theory's probability that a message waits, in the scope (end to end in a network
    /// whose model gives none: the waits it expects per message, summed over the queues).
    pub p_wait: f64,
}

impl NoneSeen {
    /// Waits theory expects among the messages measured: n·p.
    pub fn expected_waits(&self) -> f64 {
        self.messages as f64 * self.p_wait
    }

    /// Whether seeing no wait is consistent with theory at the 95% level (n·p ≤ −ln 0.05).
    pub fn agrees(&self) -> bool {
        self.expected_waits() <= RULE_OF_THREE
    }

    /// The facts for metric `m` of the scope summarised by `scope`, where theory gives
    /// P(wait) = `p_wait`: Some when no message waited (p_wait is 0 with interval [0, 0]) and
    /// `m` is a figure that is then zero too — p_wait, Wq, Lq and the Wq percentiles — and
    /// is exactly [0, 0].
    pub fn of(scope: &ScopeSummary, m: Metric, p_wait: Option<f64>) -> Option<NoneSeen> {
        let zero = |s: Summary| s.mean == 0.0 && s.half_width == 0.0;
        let waits = matches!(m, Metric::PWait | Metric::Wq | Metric::Lq)
            || m.percentile().is_some_and(|(is_t, _)| !is_t);
        if !(waits && zero(scope.get(Metric::PWait)) && zero(scope.get(m))) {
            return None;
        }
        Some(NoneSeen {
            messages: scope.measured,
            p_wait: p_wait?,
        })
    }
}

/// One metric: simulated mean, its CI and what theory says.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Which metric.
    pub metric: Metric,
    /// Simulated mean and CI.
    pub summary: Summary,
    /// Theory's value, where a model applies.
    pub theory: Option<f64>,
    /// "exact" or "approximation", with `theory`.
    pub theory_kind: Option<&'static str>,
    /// Model name, with `theory`.
    pub model: Option<String>,
    /// With `theory`, for a row that is zero because no message waited in its scope: what
    /// the rule of three needs to judge it.
    pub none_seen: Option<NoneSeen>,
}

impl MetricRow {
    /// Whether the simulation agrees with theory (None without theory): theory lies inside
    /// the 95% CI or, for a row that is zero because no message waited, seeing none is
    /// consistent with theory's P(wait) ([`NoneSeen::agrees`]).
    pub fn theory_in_ci(&self) -> Option<bool> {
        self.theory
            .map(|t| self.summary.contains(t) || self.none_seen.is_some_and(|z| z.agrees()))
    }

    /// True when the simulation agrees with theory by the rule of three alone: theory lies
    /// outside the interval [0, 0], but seeing no wait is consistent with it.
    pub fn by_rule_of_three(&self) -> bool {
        self.theory_in_ci() == Some(true) && !self.theory.is_some_and(|t| self.summary.contains(t))
    }

    /// The verdict as tables print it: "yes", "yes (none seen)" by the rule of three, "NO",
    /// or "-" without theory.
    pub fn verdict(&self) -> &'static str {
        match self.theory_in_ci() {
            Some(true) if self.by_rule_of_three() => "yes (none seen)",
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        }
    }
}

/// Every metric of one scope (system, a queue or a class).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeReport {
    /// Scope name ("system", a queue's or a class's name).
    pub name: String,
    /// Rows in [`Metric::ALL`] order.
    pub rows: Vec<MetricRow>,
    /// Every message that left the scope, processed or lost, with its mean stay: the λ and T
    /// of Little's law as L counts them ([`Departures`]).
    pub departures: Departures<Summary>,
}

/// What theory had to say about the system, in words when it had no numbers; in the JSON an
/// object whose `status` is "predicted", "unstable" or "none".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "status")]
pub enum TheoryStatus {
    /// A model applies.
    #[serde(rename = "predicted")]
    Predicted {
        /// Its name.
        model: String,
        /// "exact" or "approximation".
        kind: &'static str,
        /// Why: the extensions an exact figure rests on, what an approximation ignores.
        reason: String,
    },
    /// An unbounded queue at ρ ≥ 1: no steady state; the simulated figures depend on the run
    /// length.
    #[serde(rename = "unstable")]
    Unstable {
        /// Offered load per consumer.
        rho: f64,
    },
    /// No model covers the scenario.
    #[serde(rename = "none")]
    NoModel {
        /// Why not.
        reason: String,
    },
}

/// A `kendall run`: the scenario, the run, and every scope's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Time unit label.
    pub time_unit: String,
    /// Base seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// With `replications = 1`, the batches behind every interval (batch means); else 0.
    pub batches: u32,
    /// With batch means, the lag-1 autocorrelation of the system's T across batches.
    pub batch_correlation: Option<f64>,
    /// Messages measured per replication (after warm-up).
    pub customers_per_replication: u64,
    /// Messages discarded per replication.
    pub warmup: u64,
    /// Wall-clock seconds the simulation took.
    pub wall_seconds: f64,
    /// Events processed.
    pub events: u64,
    /// Messages that left the system (warm-up included).
    pub messages: u64,
    /// Theory for the system.
    pub theory: TheoryStatus,
    /// End-to-end metrics.
    pub system: ScopeReport,
    /// Per-queue metrics.
    pub queues: Vec<ScopeReport>,
    /// Per-class metrics.
    pub classes: Vec<ScopeReport>,
    /// Per-queue message fates (mean per replication), in queue order.
    pub counts: Vec<QueueCounts>,
    /// True when the warm-up was chosen by MSER-5 (`warmup = "auto"`).
    pub warmup_auto: bool,
    /// Replications stopped by `[run] max_events` before their customers, and that budget.
    pub stopped: (u32, Option<u64>),
    /// The scopes whose number in system was seen to grow (JSON `unstable_observed`, only
    /// when some did).
    pub unstable_observed: Vec<crate::growth::GrowthJson>,
    /// Some queue has a `patience`: the metric `p_abandon` and the count `abandoned` are
    /// shown (they are left out of every other report, whose figures they would not change).
    pub abandonment: bool,
    /// Each queue's offered load and capacity, in queue order.
    pub loads: Vec<QueueLoad>,
    /// What the reader should know before trusting the figures ([`RunReport::diagnose`]).
    pub warnings: Vec<String>,
    /// `[run] horizon`: the simulated time each replication covered (None for a run to a
    /// count of customers).
    pub horizon: Option<f64>,
    /// `[run] window`: the system's metrics window by window.
    pub windows: Option<crate::windows::WindowsReport>,
    /// Each queue's scaling decisions in replication 0, in queue order (None for a queue
    /// without `autoscale`; empty for a report of no simulated replication).
    pub autoscale: Vec<Option<ScaleLog>>,
    /// With a producer's `timeout`: the senders' counts, mean per replication; the system's
    /// `goodput`, `amplification` and `wasted` are then shown.
    pub clients: Option<kendall_sim::replication::ClientCounts>,
    /// Consumer time on duty, and its cost where a queue has `cost_per_consumer_hour`, per
    /// queue and in all (None for a live run).
    pub cost: Option<kendall_sim::cost::CostSummary>,
    /// Where a producer times out: the fluid model of its retries.
    pub fluid: Option<crate::storm::FluidLine>,
    /// The table shows consumer time and cost: some queue is priced, or its fleet varies (a
    /// schedule or an autoscaler); the JSON always has the consumer time.
    pub cost_in_table: bool,
}

impl RunReport {
    /// Pairs `result` with `theory` for `scenario`; `wall_seconds` is the simulation's time.
    pub fn new(
        scenario: &Scenario,
        result: &ExperimentResult,
        theory: &Theory,
        wall_seconds: f64,
    ) -> Self {
        let prediction = match &theory.system {
            Verdict::Predicted(p) => Some(p),
            _ => None,
        };
        let status = match &theory.system {
            Verdict::Predicted(p) => TheoryStatus::Predicted {
                model: p.model.clone(),
                kind: p.kind(),
                reason: p.reason.clone(),
            },
            Verdict::Unstable { rho } => TheoryStatus::Unstable { rho: *rho },
            Verdict::NoModel { reason } => TheoryStatus::NoModel {
                reason: reason.clone(),
            },
        };
        let abandonment = scenario.queues.iter().any(|q| q.patience.is_some());
        // Client metrics only for the system, and only where a producer has a `timeout`.
        let clients = result.clients.is_some();
        // `p_wait`: theory's P(wait) in the scope, for the rule of three ([`NoneSeen`]).
        let scope = |name: &str, s: &ScopeSummary, p: Option<&Prediction>, p_wait: Option<f64>| {
            let system = std::ptr::eq(s, &result.system);
            ScopeReport {
                name: name.to_string(),
                rows: Metric::ALL
                    .iter()
                    .filter(|&&m| abandonment || m != Metric::PAbandon)
                    .filter(|&&m| (clients && system) || !m.of_clients())
                    .map(|&m| {
                        let theory = p.and_then(|p| kendall_sim::theory::value(p, m));
                        MetricRow {
                            metric: m,
                            summary: s.get(m),
                            theory,
                            theory_kind: theory.and(p.map(|p| p.kind())),
                            model: theory.and(p.map(|p| p.model.clone())),
                            none_seen: theory.and(NoneSeen::of(s, m, p_wait)),
                        }
                    })
                    .collect(),
                departures: s.departures,
            }
        };
        let p_wait = |p: Option<&Prediction>| p.and_then(|p| p.measures.p_wait);
        let mut report = RunReport {
            scenario: scenario.name.clone(),
            time_unit: scenario.time_unit.clone(),
            seed: scenario.run.seed,
            replications: result.replications,
            batches: result.batches,
            batch_correlation: result.batch_correlation,
            // A run to a horizon measures what came: the messages per replication, on average.
            customers_per_replication: match scenario.run.horizon {
                Some(_) => result.system.measured / u64::from(result.replications.max(1)),
                None => scenario.run.customers,
            },
            warmup: scenario.run.warmup,
            wall_seconds,
            events: result.events,
            messages: result.messages,
            theory: status,
            system: scope(
                "system",
                &result.system,
                prediction,
                p_wait(prediction).or_else(|| waits_per_message(result, theory)),
            ),
            queues: scenario
                .queues
                .iter()
                .zip(&result.queues)
                .zip(&theory.queues)
                .map(|((q, s), p)| scope(&q.name, s, p.as_ref(), p_wait(p.as_ref())))
                .collect(),
            classes: scenario
                .classes
                .iter()
                .zip(&result.classes)
                .enumerate()
                // Per-class theory (a lone class gets the system's prediction from `predict`).
                .map(|(k, (c, s))| {
                    let p = theory.classes.get(k).and_then(Option::as_ref);
                    scope(&c.name, s, p, p_wait(p))
                })
                .collect(),
            counts: result.counts.clone(),
            warmup_auto: scenario.run.warmup_mode == Warmup::Auto,
            stopped: (result.stopped, scenario.run.max_events),
            unstable_observed: crate::growth::growth_json(scenario, result),
            abandonment,
            // A closed workload holds at most its N clients' messages: no load to warn of
            // (its producers' `interarrival` is only a bound).
            loads: if scenario.producers.iter().any(|p| p.closed.is_some()) {
                Vec::new()
            } else {
                queue_loads(scenario)
            },
            warnings: Vec::new(),
            horizon: scenario.run.horizon.map(|h| h.end),
            windows: crate::windows::WindowsReport::new(scenario, result)
                .map(|w| w.with_theory(theory.windows.as_ref())),
            autoscale: result.autoscale.clone(),
            clients: result.clients,
            cost: result.cost.clone(),
            cost_in_table: scenario.queues.iter().any(|q| {
                q.cost_per_hour.is_some() || q.schedule.is_some() || q.autoscale.is_some()
            }),
            fluid: crate::storm::FluidLine::of(scenario),
        };
        report.warnings = crate::growth::growth_warnings(scenario, result);
        report.warnings.extend(report.diagnose());
        report
            .warnings
            .extend(crate::warnings::bias_warnings(scenario, result, theory));
        report
            .warnings
            .extend(crate::warnings::heavy_tail_warnings(scenario, theory));
        // [fit] trace producers: burstiness, and replications cut short by a stopping trace.
        for p in &scenario.producers {
            report
                .warnings
                .extend(kendall_sim::fit::producer_warnings(p));
        }
        let asked = u64::from(result.replications) * (scenario.run.warmup + scenario.run.customers);
        // Replications stopped by max_events say so in their own warning.
        if result.messages < asked && result.stopped == 0 {
            // `customers` (after `warmup`) is then an upper bound. A replication that ended
            // inside its warm-up never opened its measurement window: its figures cover the
            // whole run, warm-up included.
            let warmup = scenario.run.warmup;
            let unfinished_warmup =
                if warmup > 0 && result.messages < u64::from(result.replications) * warmup {
                    format!(
                        "; fewer than the warm-up's {warmup} messages left in at least one \
                     replication, whose figures therefore include its warm-up"
                    )
                } else {
                    String::new()
                };
            report.warnings.push(format!(
                "replications ended early: {} of the {asked} messages asked left the system, \
                 because every producer stopped (a trace with at_end = \"stop\") and the \
                 system drained; the figures are over what was measured{unfinished_warmup}",
                result.messages
            ));
        }
        report
    }
}

/// For a network whose model gives no end-to-end P(wait) (a Jackson network): the waits
/// theory expects per message, Σ_j n_j·P_j(wait) / n over the queues j, with n_j the visits
/// measured at queue j and n the messages measured end to end. By linearity n times it is the
/// number of waiting visits theory expects among the messages measured, which bounds the
/// probability that a message waits anywhere (union bound) and equals it to first order when
/// waits are rare — the case the rule of three ([`NoneSeen`]) judges. None when a queue has no
/// P(wait) or nothing was measured.
fn waits_per_message(result: &ExperimentResult, theory: &Theory) -> Option<f64> {
    if result.system.measured == 0 {
        return None;
    }
    let mut expected = 0.0;
    for (s, p) in result.queues.iter().zip(&theory.queues) {
        expected += s.measured as f64 * p.as_ref()?.measures.p_wait?;
    }
    Some(expected / result.system.measured as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(mean: f64, half_width: f64) -> Summary {
        Summary {
            mean,
            half_width,
            replications: 10,
            bounds: kendall_sim::Bounds::ANY,
        }
    }

    /// A row of `metric` simulated as `s` beside `theory`; `none_seen` is (n, P(wait)) for a
    /// scope that saw no wait among its n messages.
    fn row(metric: Metric, s: Summary, theory: f64, none_seen: Option<(u64, f64)>) -> MetricRow {
        MetricRow {
            metric,
            summary: s,
            theory: Some(theory),
            theory_kind: Some("exact"),
            model: Some("M/M/c".into()),
            none_seen: none_seen.map(|(messages, p_wait)| NoneSeen { messages, p_wait }),
        }
    }

    /// A scope whose every metric is `s`, except T and L (never zero), over `n` messages.
    fn scope(s: Summary, n: u64) -> ScopeSummary {
        ScopeSummary {
            metrics: Metric::ALL
                .iter()
                .map(|&m| match m {
                    Metric::T | Metric::L => summary(1.0, 0.01),
                    _ => s,
                })
                .collect(),
            measured: n,
            departures: Departures {
                rate: summary(1.0, 0.01),
                mean_stay: summary(1.0, 0.01),
            },
        }
    }

    #[test]
    fn the_threshold_is_minus_ln_five_percent() {
        assert_eq!(RULE_OF_THREE, -(0.05f64).ln());
    }

    #[test]
    fn no_wait_agrees_with_theory_expecting_at_most_three() {
        // 10⁶ messages, P(wait) = 2.9·10⁻⁶: 2.9 waits expected, none seen with probability
        // e^(−2.9) ≈ 5.5% ≥ 5%. The interval [0, 0] misses theory; the rule does not.
        let zero = summary(0.0, 0.0);
        for m in [Metric::PWait, Metric::Wq, Metric::Lq] {
            let r = row(m, zero, 2.9e-6, Some((1_000_000, 2.9e-6)));
            assert!(!zero.contains(2.9e-6));
            assert_eq!(r.theory_in_ci(), Some(true), "{}", m.name());
            assert!(r.by_rule_of_three());
            assert_eq!(r.verdict(), "yes (none seen)");
        }
        // Just past −ln 0.05 ≈ 2.9957 (e^(−3) ≈ 4.98% < 5%): a disagreement.
        let r = row(Metric::PWait, zero, 3.0e-6, Some((1_000_000, 3.0e-6)));
        assert_eq!(r.theory_in_ci(), Some(false));
    }

    #[test]
    fn no_wait_contradicts_theory_expecting_many() {
        // 10 waits expected: seeing none has probability e^(−10) ≈ 4.5·10⁻⁵.
        let r = row(Metric::Wq, summary(0.0, 0.0), 0.01, Some((1_000, 0.01)));
        assert_eq!(r.none_seen.unwrap().expected_waits(), 10.0);
        assert_eq!(r.theory_in_ci(), Some(false));
        assert!(!r.by_rule_of_three());
        assert_eq!(r.verdict(), "NO");
    }

    #[test]
    fn the_rule_covers_only_figures_that_no_wait_makes_zero() {
        let nothing_waited = scope(summary(0.0, 0.0), 8_000_000);
        for m in Metric::ALL {
            let facts = NoneSeen::of(&nothing_waited, m, Some(1e-13));
            let waits = matches!(
                m,
                Metric::PWait
                    | Metric::Wq
                    | Metric::Lq
                    | Metric::WqP50
                    | Metric::WqP90
                    | Metric::WqP99
                    | Metric::WqP999
            );
            assert_eq!(facts.is_some(), waits, "{}", m.name());
            if let Some(z) = facts {
                assert_eq!(z.messages, 8_000_000);
                assert!((z.expected_waits() - 8e-7).abs() < 1e-18);
            }
        }
        // Without theory's P(wait) there is nothing to judge by.
        assert_eq!(NoneSeen::of(&nothing_waited, Metric::Wq, None), None);
        // One replication: p_wait is 0 but its interval is undefined (NaN), so no rule.
        let one = scope(summary(0.0, f64::NAN), 400_000);
        assert_eq!(NoneSeen::of(&one, Metric::PWait, Some(1e-13)), None);
    }

    #[test]
    fn a_network_expects_the_waits_of_its_queues() {
        // Two queues in tandem, 1,000 messages end to end: 1,000 visits at the first queue
        // (P(wait) 10⁻⁴) and, with feedback, 1,500 at the second (P(wait) 2·10⁻⁴): theory
        // expects 0.1 + 0.3 = 0.4 waiting visits, 4·10⁻⁴ per message.
        let prediction = |p_wait: Option<f64>| Prediction {
            model: "Jackson (M/M/c station)".into(),
            family: kendall_models::Model::Jackson,
            exactness: kendall_models::Exactness::Exact,
            reason: String::new(),
            measures: kendall_models::Measures {
                t: 1.0,
                wq: 0.0,
                l: 1.0,
                lq: 0.0,
                utilization: 0.5,
                throughput: 1.0,
                p_wait,
                p_loss: 0.0,
            },
            t_quantiles: None,
            wq_quantiles: None,
            p_abandon: None,
            numerical: None,
        };
        let zero = summary(0.0, 0.0);
        let result = ExperimentResult {
            system: scope(zero, 1_000),
            queues: vec![scope(zero, 1_000), scope(zero, 1_500)],
            classes: vec![],
            counts: vec![],
            replications: 10,
            batches: 0,
            batch_correlation: None,
            events: 0,
            messages: 0,
            stopped: 0,
            stop: None,
            growth: Vec::new(),
            windows: Vec::new(),
            autoscale: Vec::new(),
            clients: None,
            cost: None,
        };
        let mut theory = Theory {
            system: Verdict::Predicted(prediction(None)),
            queues: vec![Some(prediction(Some(1e-4))), Some(prediction(Some(2e-4)))],
            classes: vec![],
            windows: None,
        };
        let per_message = waits_per_message(&result, &theory).unwrap();
        assert!((per_message - 4e-4).abs() < 1e-15, "{per_message}");
        // A queue without P(wait) leaves the network's unknown.
        theory.queues[1] = Some(prediction(None));
        assert_eq!(waits_per_message(&result, &theory), None);
    }

    #[test]
    fn a_proper_interval_is_judged_by_the_interval_alone() {
        // Some messages waited: the interval decides, whatever theory expects.
        let waited = scope(summary(0.02, 0.005), 1_000);
        for m in [Metric::PWait, Metric::Wq, Metric::Lq, Metric::WqP99] {
            assert_eq!(NoneSeen::of(&waited, m, Some(0.02)), None, "{}", m.name());
        }
        let inside = row(Metric::PWait, summary(0.02, 0.005), 0.021, None);
        assert_eq!(inside.verdict(), "yes");
        assert!(!inside.by_rule_of_three());
        let outside = row(Metric::PWait, summary(0.02, 0.005), 0.03, None);
        assert_eq!(outside.verdict(), "NO");
        // A [0, 0] row whose theory is 0 (a median wait when P(wait) < ½) is inside it,
        // not agreed by the rule, even where the rule would disagree.
        let median = row(Metric::WqP50, summary(0.0, 0.0), 0.0, Some((1_000, 0.01)));
        assert_eq!(median.theory_in_ci(), Some(true));
        assert_eq!(median.verdict(), "yes");
    }
}
