//! M/G/1 with priority classes: non-preemptive (Cobham) and preemptive-resume.
//!
//! Classes are given most urgent first. Class k's load is ρ_k = λ_k·E[S_k] and
//! σ_k = ρ_1 + … + ρ_k (σ_0 = 0) is the load of the classes at least as urgent as k.

use crate::mg1::scv;
use crate::{Measures, ModelError, positive, stable};

/// One priority class: a Poisson stream and its service-time mean and SCV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityClass {
    /// Arrival rate λ_k.
    pub rate: f64,
    /// Mean service time E[S_k].
    pub mean_service: f64,
    /// Squared coefficient of variation of the service time (1 for exponential).
    pub scv_service: f64,
}

impl PriorityClass {
    /// E[S_k²] = E[S_k]²(1 + c²).
    fn second_moment(&self) -> f64 {
        self.mean_service * self.mean_service * (1.0 + self.scv_service)
    }

    fn load(&self) -> f64 {
        self.rate * self.mean_service
    }
}

/// Validates the classes (positive rates and means, SCV ≥ 0, total load < 1).
fn prepare(classes: &[PriorityClass]) -> Result<Vec<PriorityClass>, ModelError> {
    if classes.is_empty() {
        return Err(ModelError::InvalidParameter {
            name: "classes",
            value: 0.0,
            reason: "needs at least one class",
        });
    }
    let mut out = Vec::with_capacity(classes.len());
    for c in classes {
        out.push(PriorityClass {
            rate: positive("rate", c.rate)?,
            mean_service: positive("mean_service", c.mean_service)?,
            scv_service: scv("scv_service", c.scv_service)?,
        });
    }
    stable(out.iter().map(PriorityClass::load).sum())?;
    Ok(out)
}

/// Combines per-class measures into the measures of the whole station (rate-weighted times,
/// summed counts).
fn aggregate(per_class: &[Measures]) -> Measures {
    let lambda: f64 = per_class.iter().map(|m| m.throughput).sum();
    let l: f64 = per_class.iter().map(|m| m.l).sum();
    let lq: f64 = per_class.iter().map(|m| m.lq).sum();
    let p_wait = per_class
        .iter()
        .map(|m| m.throughput * m.p_wait.unwrap_or(0.0))
        .sum::<f64>()
        / lambda;
    Measures {
        t: l / lambda,
        wq: lq / lambda,
        l,
        lq,
        utilization: per_class.iter().map(|m| m.utilization).sum(),
        throughput: lambda,
        p_wait: Some(p_wait),
        p_loss: 0.0,
    }
}

/// M/G/1 with non-preemptive (head-of-line) priority classes.
///
/// Source: A. Cobham, "Priority assignment in waiting line problems", *Operations Research*
/// 2(1), 1954, 70–76; Kleinrock, *Queueing Systems, Vol. 2* (1976), ch. 3 (priority queueing,
/// the non-preemptive M/G/1 result); M. Harchol-Balter, *Performance Modeling and Design of
/// Computer Systems* (2013), ch. 31. With W₀ = Σ_i λ_i E[S_i²]/2 (mean residual work found in
/// service), class k waits Wq_k = W₀ / ((1−σ_{k−1})(1−σ_k)) and T_k = Wq_k + E[S_k]. A
/// message waits iff the server is busy, so P(wait) = ρ for every class (PASTA).
#[derive(Debug, Clone, PartialEq)]
pub struct NonPreemptivePriority {
    classes: Vec<PriorityClass>,
}

impl NonPreemptivePriority {
    /// A non-preemptive priority queue; `classes` most urgent first. Errors on an empty list,
    /// a non-positive rate or mean, a negative SCV, or a total load ≥ 1.
    pub fn new(classes: &[PriorityClass]) -> Result<Self, ModelError> {
        Ok(Self {
            classes: prepare(classes)?,
        })
    }

    /// Measures of each class, in the order given.
    pub fn class_measures(&self) -> Vec<Measures> {
        let w0: f64 = self
            .classes
            .iter()
            .map(|c| c.rate * c.second_moment() / 2.0)
            .sum();
        let rho: f64 = self.classes.iter().map(PriorityClass::load).sum();
        let mut sigma_prev = 0.0;
        self.classes
            .iter()
            .map(|c| {
                let sigma = sigma_prev + c.load();
                let wq = w0 / ((1.0 - sigma_prev) * (1.0 - sigma));
                sigma_prev = sigma;
                Measures::from_wait(c.rate, c.mean_service, wq, c.load(), Some(rho))
            })
            .collect()
    }

    /// Measures of the whole station (all classes together); `utilization` is total ρ.
    pub fn measures(&self) -> Measures {
        aggregate(&self.class_measures())
    }
}

/// M/G/1 with preemptive-resume priority classes: an arrival interrupts any less urgent
/// message in service, which later resumes where it stopped.
///
/// Source: Kleinrock, *Queueing Systems, Vol. 2* (1976), ch. 3 (preemptive-resume M/G/1
/// priority); Harchol-Balter (2013), ch. 32. With R_k = Σ_{i≤k} λ_i E[S_i²]/2,
/// T_k = E[S_k]/(1−σ_{k−1}) + R_k / ((1−σ_{k−1})(1−σ_k)).
/// (Note: the variant T_k = (E[S_k](1−σ_{k−1}) + R_k)/((1−σ_{k−1})(1−σ_k)) does not reduce
/// to Pollaczek–Khinchine for a single class and is wrong; the CTMC test below confirms the
/// form used here.) Class k is not affected by less urgent classes at all.
///
/// "Waiting" is not a single interval under preemption: `wq` is reported as T_k − E[S_k]
/// (time in system not being served), `lq` = λ_k·wq, and `p_wait` as σ_k, the probability
/// that the message cannot start at once (the server is busy with a class at least as
/// urgent, PASTA); it may still be interrupted later.
#[derive(Debug, Clone, PartialEq)]
pub struct PreemptiveResumePriority {
    classes: Vec<PriorityClass>,
}

impl PreemptiveResumePriority {
    /// A preemptive-resume priority queue; `classes` most urgent first. Errors as
    /// [`NonPreemptivePriority::new`].
    pub fn new(classes: &[PriorityClass]) -> Result<Self, ModelError> {
        Ok(Self {
            classes: prepare(classes)?,
        })
    }

    /// Measures of each class, in the order given.
    pub fn class_measures(&self) -> Vec<Measures> {
        let mut sigma_prev = 0.0;
        let mut r = 0.0;
        self.classes
            .iter()
            .map(|c| {
                let sigma = sigma_prev + c.load();
                r += c.rate * c.second_moment() / 2.0;
                let t =
                    c.mean_service / (1.0 - sigma_prev) + r / ((1.0 - sigma_prev) * (1.0 - sigma));
                sigma_prev = sigma;
                Measures::from_wait(
                    c.rate,
                    c.mean_service,
                    t - c.mean_service,
                    c.load(),
                    Some(sigma),
                )
            })
            .collect()
    }

    /// Measures of the whole station (all classes together); `utilization` is total ρ.
    pub fn measures(&self) -> Measures {
        aggregate(&self.class_measures())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::solve;
    use crate::{MG1, MM1};

    fn class(rate: f64, mean: f64, scv: f64) -> PriorityClass {
        PriorityClass {
            rate,
            mean_service: mean,
            scv_service: scv,
        }
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// One class: both disciplines are plain M/G/1 (Pollaczek–Khinchine).
    #[test]
    fn one_class_is_pollaczek_khinchine() {
        for scv in [0.0, 1.0, 3.5] {
            let pk = MG1::new(0.7, 1.2, scv).unwrap().measures();
            let np = NonPreemptivePriority::new(&[class(0.7, 1.2, scv)]).unwrap();
            let pr = PreemptiveResumePriority::new(&[class(0.7, 1.2, scv)]).unwrap();
            for m in [np.measures(), pr.measures()] {
                assert!(close(m.t, pk.t, 1e-12), "{} vs {}", m.t, pk.t);
                assert!(close(m.wq, pk.wq, 1e-12));
                assert!(close(m.l, pk.l, 1e-12));
            }
        }
    }

    /// Identical classes: non-preemptive priorities only reorder, so the rate-weighted mean
    /// wait equals the FIFO M/G/1 wait (Kleinrock's conservation law, Vol. 2, ch. 3).
    #[test]
    fn conservation_law() {
        let cls = [
            class(0.2, 1.0, 2.0),
            class(0.3, 1.0, 2.0),
            class(0.25, 1.0, 2.0),
        ];
        let fifo = MG1::new(0.75, 1.0, 2.0).unwrap().measures();
        let np = NonPreemptivePriority::new(&cls).unwrap().measures();
        assert!(close(np.wq, fifo.wq, 1e-12));
        // Under preemption the number in system depends on the order unless service is
        // memoryless; with identical exponential classes it is the M/M/1 number.
        let exp = cls.map(|c| class(c.rate, 1.0, 1.0));
        let pr = PreemptiveResumePriority::new(&exp).unwrap().measures();
        assert!(close(
            pr.t,
            MM1::new(0.75, 1.0).unwrap().measures().t,
            1e-12
        ));
        // And in general Σ ρ_k Wq_k is the same for any non-preemptive order (Kleinrock's
        // conservation law): reverse the order of unequal classes.
        let a = [class(0.2, 0.5, 1.0), class(0.3, 2.0, 0.0)];
        let b = [a[1], a[0]];
        let sum = |cl: &[PriorityClass]| {
            NonPreemptivePriority::new(cl)
                .unwrap()
                .class_measures()
                .iter()
                .zip(cl)
                .map(|(m, c)| c.load() * m.wq)
                .sum::<f64>()
        };
        assert!(close(sum(&a), sum(&b), 1e-12));
    }

    /// The most urgent preemptive class sees an M/M/1 queue of its own.
    #[test]
    fn top_preemptive_class_ignores_the_rest() {
        let pr = PreemptiveResumePriority::new(&[class(0.3, 1.0, 1.0), class(0.5, 0.5, 1.0)])
            .unwrap()
            .class_measures();
        let alone = MM1::new(0.3, 1.0).unwrap().measures();
        assert!(close(pr[0].t, alone.t, 1e-12));
    }

    /// Independent method: the two-class M/M/1 non-preemptive priority queue as a CTMC on
    /// (waiting class-1, waiting class-2, class in service), solved numerically.
    #[test]
    fn non_preemptive_matches_ctmc() {
        let (l1, l2, m1, m2) = (0.3, 0.25, 1.0, 0.5); // ρ = 0.3 + 0.5 = 0.8
        let cap = 120u32;
        let (states, pi) = solve((0u32, 0u32, 0u8), |&(a, b, s)| {
            let mut out = Vec::new();
            if s == 0 {
                out.push(((0, 0, 1), l1));
                out.push(((0, 0, 2), l2));
                return out;
            }
            if a + b < cap {
                out.push(((a + 1, b, s), l1));
                out.push(((a, b + 1, s), l2));
            }
            let rate = if s == 1 { m1 } else { m2 };
            let next = if a > 0 {
                (a - 1, b, 1)
            } else if b > 0 {
                (a, b - 1, 2)
            } else {
                (0, 0, 0)
            };
            out.push((next, rate));
            out
        });
        let lq1: f64 = states
            .iter()
            .zip(&pi)
            .map(|(s, p)| f64::from(s.0) * p)
            .sum();
        let lq2: f64 = states
            .iter()
            .zip(&pi)
            .map(|(s, p)| f64::from(s.1) * p)
            .sum();
        let m = NonPreemptivePriority::new(&[class(l1, 1.0 / m1, 1.0), class(l2, 1.0 / m2, 1.0)])
            .unwrap()
            .class_measures();
        assert!(close(m[0].lq, lq1, 1e-8), "Lq1 {} vs {lq1}", m[0].lq);
        assert!(close(m[1].lq, lq2, 1e-8), "Lq2 {} vs {lq2}", m[1].lq);
    }

    /// Independent method: three-class M/M/1 preemptive-resume priority as a CTMC on the
    /// numbers of each class present (the most urgent present class is served).
    #[test]
    fn preemptive_matches_ctmc() {
        let lam = [0.2, 0.15, 0.1];
        let mu = [1.0, 0.75, 2.0]; // ρ = 0.2 + 0.2 + 0.05 = 0.45
        let cap = 45u32;
        let (states, pi) = solve([0u32; 3], |n| {
            let mut out = Vec::new();
            if n.iter().sum::<u32>() < cap {
                for k in 0..3 {
                    let mut m = *n;
                    m[k] += 1;
                    out.push((m, lam[k]));
                }
            }
            if let Some(k) = (0..3).find(|&k| n[k] > 0) {
                let mut m = *n;
                m[k] -= 1;
                out.push((m, mu[k]));
            }
            out
        });
        let classes: Vec<_> = (0..3).map(|k| class(lam[k], 1.0 / mu[k], 1.0)).collect();
        let m = PreemptiveResumePriority::new(&classes)
            .unwrap()
            .class_measures();
        for k in 0..3 {
            let lk: f64 = states
                .iter()
                .zip(&pi)
                .map(|(s, p)| f64::from(s[k]) * p)
                .sum();
            assert!(close(m[k].l, lk, 1e-8), "class {k}: L {} vs {lk}", m[k].l);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            NonPreemptivePriority::new(&[]),
            Err(ModelError::InvalidParameter { .. })
        ));
        assert!(matches!(
            PreemptiveResumePriority::new(&[class(0.5, 1.0, 1.0), class(0.6, 1.0, 1.0)]),
            Err(ModelError::Unstable { .. })
        ));
        assert!(matches!(
            NonPreemptivePriority::new(&[class(0.5, 1.0, -1.0)]),
            Err(ModelError::InvalidParameter { .. })
        ));
    }
}
