//! A recorded arrival trace, replayed in order.

use std::sync::Arc;

use crate::dist::{DistError, DistProblem, DistSpec, Params, mean_scv, read_timestamps};
use crate::error::KeyPath;

/// Recorded arrival times, replayed by an [`super::ArrivalProcess`]: the first arrival at 0,
/// then the recorded gaps in order; with `at_end = "loop"` a gap of the mean gap (so the
/// period is n mean gaps for n timestamps) and the gaps again, for ever; with
/// `"stop"` the producer stops after the last recorded arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    gaps: Arc<[f64]>,
    stop: bool,
    mean: f64,
    scv: f64,
}

impl Trace {
    /// Validates a `kind = "trace"` table (found at `path`): `file` with sorted arrival
    /// times, and `at_end` "loop" (the default) or "stop".
    pub fn from_spec(spec: &DistSpec, path: &KeyPath) -> Result<Self, DistError> {
        let p = Params { spec, path };
        p.only(&["file", "at_end"])?;
        let file = p.file(DistProblem::TraceNeedsFile)?;
        let stop = match spec.at_end.as_deref() {
            None | Some("loop") => false,
            Some("stop") => true,
            Some(other) => return Err(p.at("at_end", DistProblem::AtEnd(other.to_string()))),
        };
        let times = read_timestamps(file).map_err(|e| p.at("file", e.into()))?;
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        Self::new(gaps.into(), stop).map_err(|e| p.at("file", e))
    }

    fn new(gaps: Arc<[f64]>, stop: bool) -> Result<Self, DistProblem> {
        let (mean, scv) = mean_scv(&gaps);
        if !(mean > 0.0 && mean.is_finite()) {
            return Err(DistProblem::TraceMeanGap(mean));
        }
        Ok(Trace {
            gaps,
            stop,
            mean,
            scv,
        })
    }

    /// Gaps between consecutive recorded arrival times, in order.
    pub fn gaps(&self) -> &[f64] {
        &self.gaps
    }

    /// Whether the producer stops at the end of the trace instead of looping.
    pub fn stops(&self) -> bool {
        self.stop
    }

    /// Mean gap.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// SCV of the gaps (population variance / mean²).
    pub fn scv(&self) -> f64 {
        self.scv
    }

    /// The same trace with every gap multiplied by `factor` (> 0): the same arrivals at
    /// 1/`factor` times the rate.
    ///
    /// # Panics
    /// If `factor` is not a positive finite number.
    pub fn scaled(&self, factor: f64) -> Self {
        assert!(
            factor.is_finite() && factor > 0.0,
            "scale factor must be positive, not {factor}"
        );
        Self::new(self.gaps.iter().map(|x| x * factor).collect(), self.stop)
            .expect("scaling a valid trace by a positive factor")
    }

    /// The gap before arrival number `n` (0-based) of the replay: 0 for the first, None
    /// once a stopping trace has run out.
    #[inline]
    pub fn gap_before(&self, n: usize) -> Option<f64> {
        let Some(k) = n.checked_sub(1) else {
            return Some(0.0);
        };
        if self.stop {
            return self.gaps.get(k).copied();
        }
        // Looping, the gap from a pass's last arrival to the next pass's first is the mean.
        let i = k % (self.gaps.len() + 1);
        Some(self.gaps.get(i).copied().unwrap_or(self.mean))
    }
}
