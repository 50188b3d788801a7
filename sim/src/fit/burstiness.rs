//! Whether inter-arrival times are independent: the lag-1 autocorrelation of the gaps and the
//! dispersion of arrival counts against a renewal process with the same gaps. When either is
//! far off, no renewal model describes the arrivals and a trace should be replayed instead.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::mmpp_fit::{MmppFit, fit_mmpp};
use crate::arrivals::Interarrival;

/// Dependence in inter-arrival times: what a renewal (independent gaps) model would miss.
#[derive(Debug, Clone, PartialEq)]
pub struct Burstiness {
    /// Gaps examined.
    pub n: usize,
    /// Lag-1 autocorrelation of the gaps.
    pub lag1: f64,
    /// 3/√n: beyond it the lag-1 autocorrelation is not noise.
    pub lag1_limit: f64,
    /// Window width, in time units (10 mean gaps).
    pub window: f64,
    /// Windows counted.
    pub windows: usize,
    /// Index of dispersion of counts, Var/mean of arrivals per window.
    pub idc: f64,
    /// The same for the gaps shuffled (a renewal process with the same marginal): what an
    /// independent model of these gaps predicts.
    pub idc_renewal: f64,
    /// Why a renewal model is a poor fit (empty when it is fine).
    pub warnings: Vec<String>,
    /// The MMPP(2) proposed instead (only with warnings, and when the counts are
    /// over-dispersed: see [`fit_mmpp`]).
    pub mmpp: Option<MmppFit>,
}

/// Mean gaps per counting window.
pub const WINDOW_GAPS: f64 = 10.0;
/// Fewest windows for the dispersion comparison.
pub const MIN_WINDOWS: usize = 20;
/// The dispersion differs "far" from the renewal model's beyond this ratio (either way).
pub const IDC_RATIO: f64 = 2.0;
/// The share of a significant positive sample lag-1 autocorrelation the fitted MMPP(2) must
/// reach not to be warned about.
pub const LAG1_REACH: f64 = 0.5;

/// The burstiness check of inter-arrival times `gaps` (None below 20 gaps) and, when it
/// warns, the MMPP(2) fitted to them.
pub fn burstiness(gaps: &[f64]) -> Option<Burstiness> {
    let mut b = check(gaps)?;
    if !b.warnings.is_empty() {
        b.with_mmpp(gaps);
    }
    Some(b)
}

impl Burstiness {
    /// Fits the MMPP(2) to `gaps` (those the check examined), and warns when the sample's
    /// significant lag-1 autocorrelation is one the fitted process does not reach (see
    /// [`LAG1_REACH`]). `kendall fit --write-mmpp` calls it also where the check does not
    /// warn.
    pub fn with_mmpp(&mut self, gaps: &[f64]) {
        self.mmpp = fit_mmpp(gaps);
        if let Some(m) = &self.mmpp {
            let (sample, fitted) = m.lag1;
            if sample > self.lag1_limit && fitted < LAG1_REACH * sample {
                self.warnings.push(format!(
                    "the fitted MMPP(2) does not reach the gaps' lag-1 autocorrelation: \
                     {fitted:.3} against the sample's {sample:.3}; an MMPP(2) matched to the \
                     mean rate, the counts' dispersion and the gap scv cannot correlate \
                     successive gaps this much, so theory on it understates how gaps cluster \
                     (replay the trace instead)"
                ));
            }
        }
    }
}

/// The burstiness check alone (no MMPP fitted).
fn check(gaps: &[f64]) -> Option<Burstiness> {
    let n = gaps.len();
    if n < 20 {
        return None;
    }
    let nf = n as f64;
    let mean = gaps.iter().sum::<f64>() / nf;
    let lag1 = lag1(gaps);
    let lag1_limit = 3.0 / nf.sqrt();
    let window = WINDOW_GAPS * mean;
    let (idc, windows) = dispersion(gaps, window);
    // Four shuffles with fixed seeds: the dispersion of a renewal process with these gaps.
    let mut shuffled = gaps.to_vec();
    let idc_renewal = (0..4)
        .map(|seed| {
            shuffled.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
            dispersion(&shuffled, window).0
        })
        .sum::<f64>()
        / 4.0;
    let mut warnings = Vec::new();
    if lag1.abs() > lag1_limit {
        warnings.push(format!(
            "inter-arrival times are correlated: lag-1 autocorrelation {lag1:.3} (|r| > 3/sqrt(n) = {lag1_limit:.3} for n = {n}), so they are not independent"
        ));
    }
    if windows >= MIN_WINDOWS
        && idc_renewal > 0.0
        && (idc > IDC_RATIO * idc_renewal || idc < idc_renewal / IDC_RATIO)
    {
        warnings.push(format!(
            "arrival counts are {} than a renewal process with these gaps: index of dispersion {idc:.2} over windows of {WINDOW_GAPS} mean gaps, against {idc_renewal:.2} with the gaps shuffled (1 for Poisson)",
            if idc > idc_renewal { "burstier" } else { "smoother" }
        ));
    }
    if !warnings.is_empty() {
        warnings.push(
            "a renewal model (Poisson or any fitted inter-arrival distribution) is a poor fit: \
             theory built on it (M/…, GI/…) misleads here; replay the arrivals with \
             kind = \"trace\""
                .into(),
        );
    }
    Some(Burstiness {
        n,
        lag1,
        lag1_limit,
        window,
        windows,
        idc,
        idc_renewal,
        warnings,
        mmpp: None,
    })
}

/// The sample lag-1 autocorrelation of `gaps` (0 when they do not vary).
pub(super) fn lag1(gaps: &[f64]) -> f64 {
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let ss: f64 = gaps.iter().map(|g| (g - mean).powi(2)).sum();
    if ss > 0.0 {
        gaps.windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>()
            / ss
    } else {
        0.0
    }
}

/// Warnings about one producer's arrivals: for a trace, the burstiness check of its gaps
/// and, with `at_end = "stop"`, that it stops. Empty for every other kind.
pub fn producer_warnings(p: &crate::scenario::Producer) -> Vec<String> {
    let Interarrival::Trace(trace) = &p.interarrival else {
        return Vec::new();
    };
    let mut out: Vec<String> = check(trace.gaps())
        .map(|b| b.warnings)
        .unwrap_or_default()
        .into_iter()
        .map(|w| format!("producer {} (trace): {w}", p.name))
        .collect();
    out.push(format!(
        "producer {} replays a trace: its arrivals are the same in every replication (the \
         intervals reflect service and dispatch only), and theory treats its gaps as renewal \
         (shape General), which a trace is not",
        p.name
    ));
    if trace.stops() {
        out.push(format!(
            "producer {} stops after {} arrivals (at_end = \"stop\"): a replication ends when \
             no producer can publish and the system has drained",
            p.name,
            trace.gaps().len() + 1
        ));
    }
    out
}

/// Var/mean of arrivals per window of width `w` over the whole windows the gaps span.
pub(super) fn dispersion(gaps: &[f64], w: f64) -> (f64, usize) {
    let total: f64 = gaps.iter().sum();
    let m = (total / w).floor() as usize;
    if m < 2 {
        return (f64::NAN, m);
    }
    let mut counts = vec![0.0_f64; m];
    let mut t = 0.0;
    for g in gaps {
        t += g;
        let i = (t / w) as usize;
        if i < m {
            counts[i] += 1.0;
        }
    }
    let mf = m as f64;
    let mean = counts.iter().sum::<f64>() / mf;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (mf - 1.0);
    (var / mean, m)
}

#[cfg(test)]
mod tests {
    use rand_distr::{Distribution as _, Exp};

    use super::*;
    use crate::fit::tests::draw;

    /// Gaps of a two-state Markov-modulated Poisson process: rate 4 for Exp(mean 20) time
    /// units, then rate 0.4 for Exp(mean 50), and so on: bursty and not renewal.
    fn mmpp_gaps(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let states = [(4.0, 20.0), (0.4, 50.0)];
        let (mut t, mut last, mut state, mut gaps) = (0.0, 0.0, 0, Vec::with_capacity(n));
        while gaps.len() < n {
            let (rate, hold) = states[state];
            let end = t + Exp::new(1.0 / hold).unwrap().sample(&mut rng);
            let exp = Exp::new(rate).unwrap();
            loop {
                t += exp.sample(&mut rng);
                if t >= end || gaps.len() == n {
                    break;
                }
                gaps.push(t - last);
                last = t;
            }
            t = end;
            state = 1 - state;
        }
        gaps
    }

    #[test]
    fn burstiness_flags_on_off_arrivals_not_poisson() {
        let poisson = draw(Exp::new(1.0).unwrap(), 41);
        let b = burstiness(&poisson[..20_000]).unwrap();
        assert!(b.warnings.is_empty(), "{b:?}");
        assert!((b.idc - 1.0).abs() < 0.2, "{b:?}");
        let gaps = mmpp_gaps(42, 20_000);
        let b = burstiness(&gaps).unwrap();
        assert!(b.idc > IDC_RATIO * b.idc_renewal, "{b:?}");
        assert!(b.warnings.iter().any(|w| w.contains("burstier")), "{b:?}");
        assert!(b.lag1 > b.lag1_limit, "{b:?}");
        assert!(b.warnings.iter().any(|w| w.contains("trace")), "{b:?}");
    }
}
