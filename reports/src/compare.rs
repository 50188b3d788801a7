//! `kendall compare`: alternatives on common random numbers, ranked, with paired differences.

use std::fmt::Write;

use kendall_sim::Summary;
use kendall_sim::experiment::{metric_summary, welch_half_width};
use kendall_sim::replication::ReplicationResult;
use kendall_sim::stats::{Metric, Tails};
use serde::Serialize;

use crate::json::{ByName, MeanCi};

/// The metrics a comparison ranks and differences.
pub const COMPARED: [Metric; 3] = [Metric::T, Metric::TP99, Metric::Wq];

/// One alternative (a dispatch strategy, or one point of `--set` alternatives) and its
/// replications, which share arrivals and service requirements with every other
/// alternative's replication of the same index.
#[derive(Debug, Clone)]
pub struct Alternative {
    /// What it is, e.g. `jsq` or `queues.q.consumers=8`.
    pub name: String,
    /// Its replications, in replication order.
    pub replications: Vec<ReplicationResult>,
    /// Their recorded T and Wq pooled: its percentiles, as `run` reads them.
    pub tails: Tails,
}

impl Alternative {
    /// Metric `m` of the whole system: its mean and interval over the replications, or for a
    /// percentile the pooled one with its sectioning interval (as `run`).
    fn summary(&self, m: Metric) -> Summary {
        let xs: Vec<f64> = self.replications.iter().map(|r| r.system.get(m)).collect();
        metric_summary(m, &xs, self.tails.percentiles(0))
    }
}

/// A metric's difference from the best alternative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Mean of the per-replication differences and its 95% interval (paired: the same
    /// random numbers on both sides).
    pub paired: Summary,
    /// Half-width the interval would have if the two runs were independent (Welch).
    pub unpaired_half_width: f64,
}

/// One ranked row.
#[derive(Debug, Clone)]
pub struct Ranked {
    /// The alternative's name.
    pub name: String,
    /// Mean and 95% interval of each of [`COMPARED`].
    pub metrics: Vec<Summary>,
    /// Difference from the best, per metric of [`COMPARED`] (None for the best itself).
    pub vs_best: Option<Vec<Difference>>,
}

/// A comparison: alternatives ranked by mean T, best first.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Scenario name.
    pub scenario: String,
    /// Replications per alternative.
    pub replications: usize,
    /// With batch means (`replications = 1`), the batches each alternative's one
    /// replication is cut into, paired batch by batch; 0 otherwise.
    pub batches: usize,
    /// Best first.
    pub ranked: Vec<Ranked>,
}

impl Comparison {
    /// Ranks `alternatives` by mean T and differences each from the best, replication by
    /// replication — or with `batch_means` (each alternative's results are the batches of
    /// one replication), batch by batch.
    pub fn new(scenario: &str, alternatives: &[Alternative], batch_means: bool) -> Comparison {
        let values = |a: &Alternative, m: Metric| -> Vec<f64> {
            a.replications.iter().map(|r| r.system.get(m)).collect()
        };
        let means: Vec<f64> = alternatives
            .iter()
            .map(|a| Summary::of(&values(a, Metric::T)).mean)
            .collect();
        let mut order: Vec<usize> = (0..alternatives.len()).collect();
        order.sort_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
        let best = &alternatives[order[0]];
        let ranked = order
            .iter()
            .map(|&i| {
                let a = &alternatives[i];
                let vs_best = (i != order[0]).then(|| {
                    COMPARED
                        .iter()
                        .map(|&m| {
                            let (x, y) = (values(a, m), values(best, m));
                            let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
                            Difference {
                                paired: Summary::of(&d),
                                unpaired_half_width: welch_half_width(&x, &y),
                            }
                        })
                        .collect()
                });
                Ranked {
                    name: a.name.clone(),
                    metrics: COMPARED.iter().map(|&m| a.summary(m)).collect(),
                    vs_best,
                }
            })
            .collect();
        Comparison {
            scenario: scenario.to_string(),
            replications: match (batch_means, alternatives.first()) {
                (_, None) => 0,
                (true, Some(_)) => 1,
                (false, Some(a)) => a.replications.len(),
            },
            batches: if batch_means {
                alternatives.first().map_or(0, |a| a.replications.len())
            } else {
                0
            },
            ranked,
        }
    }

    /// The ranked table.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} alternatives on common random numbers, {} each; ranked by mean T",
            self.scenario,
            self.ranked.len(),
            if self.batches > 0 {
                format!("1 replication in {} batches (batch means)", self.batches)
            } else {
                format!("{} replications", self.replications)
            }
        );
        let _ = writeln!(
            out,
            "{:>4}  {:<28} {:>28} {:>28}   {:<40}",
            "rank",
            "alternative",
            "T (95% CI)",
            "T_p99 (95% CI)",
            "T - best: paired CI (unpaired half-width)"
        );
        for (k, r) in self.ranked.iter().enumerate() {
            let ci = |s: &Summary| {
                let bracket = crate::interval::bracket(s, |x| format!("{x:.4}"));
                format!("{:.4} {bracket}", s.mean)
            };
            let diff = match &r.vs_best {
                None => "best".to_string(),
                Some(d) => {
                    let (lo, hi) = d[0].paired.ci();
                    format!(
                        "{:+.4} [{:+.4}, {:+.4}] (±{:.4})",
                        d[0].paired.mean, lo, hi, d[0].unpaired_half_width
                    )
                }
            };
            let _ = writeln!(
                out,
                "{:>4}  {:<28} {:>28} {:>28}   {diff}",
                k + 1,
                r.name,
                ci(&r.metrics[0]),
                ci(&r.metrics[1])
            );
        }
        let clipped = self
            .ranked
            .iter()
            .flat_map(|r| &r.metrics)
            .any(Summary::clipped);
        crate::interval::note(&mut out, "", clipped);
        out
    }

    /// The JSON document: `{"scenario", "replications", "ranked": [{"name", "metrics":
    /// {"T": {"mean", "ci95"}, …}, "vs_best": {"T": {"diff", "ci95", "unpaired_half_width"},
    /// …} | null}, …]}`.
    pub fn to_json(&self) -> ComparisonDocument<'_> {
        let ranked = self
            .ranked
            .iter()
            .map(|r| RankedDocument {
                name: &r.name,
                metrics: ByName(
                    COMPARED
                        .iter()
                        .zip(&r.metrics)
                        .map(|(m, s)| (m.name(), MeanCi::of(s)))
                        .collect(),
                ),
                vs_best: r.vs_best.as_ref().map(|ds| {
                    ByName(
                        COMPARED
                            .iter()
                            .zip(ds)
                            .map(|(m, d)| (m.name(), DifferenceDocument::of(d)))
                            .collect(),
                    )
                }),
            })
            .collect();
        ComparisonDocument {
            scenario: &self.scenario,
            replications: self.replications,
            batches: (self.batches > 0).then_some(self.batches),
            ranked,
        }
    }
}

/// `kendall compare --json`: the alternatives, best first.
#[derive(Serialize)]
pub struct ComparisonDocument<'a> {
    scenario: &'a str,
    replications: usize,
    /// Only with batch means.
    #[serde(skip_serializing_if = "Option::is_none")]
    batches: Option<usize>,
    ranked: Vec<RankedDocument<'a>>,
}

/// One alternative: its metrics and its differences from the best.
#[derive(Serialize)]
struct RankedDocument<'a> {
    name: &'a str,
    metrics: ByName<&'static str, MeanCi>,
    vs_best: Option<ByName<&'static str, DifferenceDocument>>,
}

/// A difference from the best, paired, with the unpaired half-width beside it.
#[derive(Serialize)]
struct DifferenceDocument {
    diff: f64,
    ci95: [f64; 2],
    unpaired_half_width: f64,
}

impl DifferenceDocument {
    fn of(d: &Difference) -> Self {
        let (lo, hi) = d.paired.ci();
        DifferenceDocument {
            diff: d.paired.mean,
            ci95: [lo, hi],
            unpaired_half_width: d.unpaired_half_width,
        }
    }
}

/// Theory's (mean T, p99(T)) of an alternative by name, each where a model gives it.
pub type TheoryByName<'a> = dyn Fn(&str) -> (Option<f64>, Option<f64>) + 'a;

impl Comparison {
    /// T and p99(T) per alternative with CIs — the chart `compare --plot` writes; `theory`
    /// gives theory's (mean T, p99(T)) by alternative name, each where a model gives it.
    pub fn chart(
        &self,
        time_unit: &str,
        theory: &TheoryByName<'_>,
    ) -> crate::charts::DispatchComparison {
        use crate::charts::{Ci, StrategyPoint};
        crate::charts::DispatchComparison {
            title: format!("{}: alternatives on common random numbers", self.scenario),
            time_unit: time_unit.to_string(),
            strategies: self
                .ranked
                .iter()
                .map(|r| StrategyPoint {
                    name: r.name.clone(),
                    t: Ci::from(r.metrics[0]),
                    p99: Ci::from(r.metrics[1]),
                    theory_t: theory(&r.name).0,
                    theory_p99: theory(&r.name).1,
                })
                .collect(),
        }
    }
}
