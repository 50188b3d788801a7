//! Stations fed by several message classes: per-class predictions under FIFO, LIFO and
//! priority orders.
//!
//! Every class arrives as its own Poisson stream. Classes may differ in service time and in
//! priority (smaller = more urgent). Under a priority order, classes of equal priority are
//! served FIFO among themselves: they form one *group*, which the priority formulas treat as
//! a single class whose service time is the rate-weighted mixture of its members'.

use crate::assumptions::Model;
use crate::oracle::{Prediction, Verdict, predict_station};
use crate::{
    DispatchKind, MG1, Measures, ModelError, NonPreemptivePriority, PreemptiveResumePriority,
    PriorityClass, Shape, StationSpec, VariateSpec,
};

/// One class's traffic at the station.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassStream {
    /// Poisson arrival rate of the class (0 if nobody sends it here).
    pub rate: f64,
    /// Priority, smaller = more urgent (used by the priority orders only).
    pub priority: i32,
    /// The class's service time.
    pub service: VariateSpec,
}

/// The order in which waiting messages are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// First in, first out.
    Fifo,
    /// Last in, first out (non-preemptive).
    Lifo,
    /// Non-preemptive priority, FIFO within a priority.
    Priority,
    /// Preemptive-resume priority, FIFO within a priority.
    PriorityPreemptive,
}

/// A station with several classes.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiClassSpec {
    /// Per-class traffic, in the scenario's class order.
    pub classes: Vec<ClassStream>,
    /// Number of consumers.
    pub consumers: u32,
    /// Dispatch strategy.
    pub dispatch: DispatchKind,
    /// Service order.
    pub order: Order,
}

/// The oracle's answer for a multi-class station: the whole, and each class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassVerdicts {
    /// All classes together.
    pub system: Verdict,
    /// Per class, in the order given (None where no model applies or nobody sends it).
    pub classes: Vec<Option<Prediction>>,
}

/// Rate-weighted mixture of the service times of `members`: mean and SCV, from
/// E[S²] = Σ (λ_k/λ) E[S_k]²(1 + c_k²).
fn mixture(members: &[ClassStream]) -> (f64, f64, f64) {
    let rate: f64 = members.iter().map(|c| c.rate).sum();
    let mean: f64 = members.iter().map(|c| c.rate / rate * c.service.mean).sum();
    let second: f64 = members
        .iter()
        .map(|c| c.rate / rate * c.service.mean * c.service.mean * (1.0 + c.service.scv))
        .sum();
    (rate, mean, second / (mean * mean) - 1.0)
}

/// Predicts every class of `spec`.
///
/// What applies (Poisson arrivals throughout):
/// - one group (FIFO, LIFO, or a priority order where all classes share one priority) and
///   one service time for all classes: the single-class oracle ([`predict_station`]) on the
///   merged Poisson stream; each class gets the same times and its share of the counts;
/// - one group, one consumer (or a random split), different service times: M/G/1 on the
///   mixture (Pollaczek–Khinchine), and T_k = Wq + E[S_k], since under FIFO the wait does not
///   depend on the class (PASTA);
/// - several priority groups, one consumer: Cobham's non-preemptive formula or the
///   preemptive-resume formula ([`NonPreemptivePriority`], [`PreemptiveResumePriority`]),
///   each group as one class with the mixture service time; see
///   [`preemptive_priority_prediction`].
///
/// LIFO (non-preemptive, blind to service times) has the same means as FIFO by the
/// conservation law (Kleinrock, *Queueing Systems, Vol. 2*, 1976, §3.4): the number in system
/// evolves alike. Its quantiles differ, so none are given.
pub fn predict_classes(spec: &MultiClassSpec) -> ClassVerdicts {
    let n = spec.classes.len();
    let fail = |system: Verdict| ClassVerdicts {
        system,
        classes: vec![None; n],
    };
    let none = |reason: &str| {
        fail(Verdict::NoModel {
            reason: reason.to_string(),
        })
    };
    let active: Vec<usize> = (0..n).filter(|&k| spec.classes[k].rate > 0.0).collect();
    if active.is_empty() {
        return none("no class arrives at the station");
    }
    let c = spec.consumers.max(1);
    let load: f64 = active
        .iter()
        .map(|&k| spec.classes[k].rate * spec.classes[k].service.mean)
        .sum::<f64>()
        / f64::from(c);
    if load >= 1.0 {
        return fail(Verdict::Unstable { rho: load });
    }
    let mut priorities: Vec<i32> = active.iter().map(|&k| spec.classes[k].priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let prioritised = matches!(spec.order, Order::Priority | Order::PriorityPreemptive);
    if prioritised && priorities.len() > 1 {
        if spec.consumers > 1 {
            return none("priority order over several consumers has no model in kendall");
        }
        let result = if spec.order == Order::Priority {
            non_preemptive_priority_prediction(&spec.classes)
        } else {
            preemptive_priority_prediction(&spec.classes)
        };
        return match result {
            Ok(v) => v,
            Err(ModelError::Unstable { rho }) => fail(Verdict::Unstable { rho }),
            Err(e) => none(&e.to_string()),
        };
    }
    let lifo = spec.order == Order::Lifo;
    let lambda: f64 = active.iter().map(|&k| spec.classes[k].rate).sum();
    let service = spec.classes[active[0]].service;
    if active.iter().all(|&k| spec.classes[k].service == service) {
        let verdict = predict_station(&StationSpec {
            interarrival: VariateSpec {
                mean: 1.0 / lambda,
                scv: 1.0,
                shape: Shape::Exponential,
            },
            service,
            consumers: spec.consumers,
            dispatch: spec.dispatch,
        });
        let Verdict::Predicted(mut p) = verdict else {
            return fail(verdict);
        };
        if lifo {
            p.model = format!("{} (LIFO: FIFO means)", p.model);
            p.t_quantiles = None;
            p.wq_quantiles = None;
        }
        let classes = (0..n)
            .map(|k| {
                let rate = spec.classes[k].rate;
                (rate > 0.0).then(|| share(&p, rate / lambda))
            })
            .collect();
        return ClassVerdicts {
            system: Verdict::Predicted(p),
            classes,
        };
    }
    // Different service times in one FIFO group.
    let split = match spec.dispatch {
        _ if spec.consumers == 1 => 1,
        DispatchKind::Random => spec.consumers,
        _ => {
            return none(
                "classes with different service times over several consumers (M/G/c) have no exact model",
            );
        }
    };
    let members: Vec<ClassStream> = active.iter().map(|&k| spec.classes[k]).collect();
    let (_, es, scv) = mixture(&members);
    let per = lambda / f64::from(split);
    let mg1 = match MG1::new(per, es, scv) {
        Ok(q) => q.measures(),
        Err(ModelError::Unstable { rho }) => return fail(Verdict::Unstable { rho }),
        Err(e) => return none(&e.to_string()),
    };
    let mut model = if split == 1 {
        "M/G/1 (FIFO, class mixture)".to_string()
    } else {
        format!("{split} x M/G/1 (random split, class mixture)")
    };
    if lifo {
        model.push_str(" (LIFO: FIFO means)");
    }
    let rho = per * es;
    let prediction = |measures| Prediction::exact(model.clone(), Model::ClassMixture, measures);
    let classes = (0..n)
        .map(|k| {
            let cl = &spec.classes[k];
            (cl.rate > 0.0).then(|| {
                prediction(Measures::from_wait(
                    cl.rate,
                    cl.service.mean,
                    mg1.wq,
                    cl.rate * cl.service.mean / f64::from(split),
                    Some(rho),
                ))
            })
        })
        .collect();
    ClassVerdicts {
        system: Verdict::Predicted(prediction(Measures::from_wait(
            lambda,
            es,
            mg1.wq,
            rho,
            Some(rho),
        ))),
        classes,
    }
}

/// A class's share `f` of a station whose classes all see the same times: the same T, Wq,
/// quantiles and P(wait); counts, throughput and busy share scaled by `f`.
fn share(p: &Prediction, f: f64) -> Prediction {
    let mut out = p.clone();
    let m = &mut out.measures;
    m.l *= f;
    m.lq *= f;
    m.throughput *= f;
    m.utilization *= f;
    out
}

/// The priority groups of `classes` (active ones, most urgent first): the merged class for
/// the formulas and the members' indices.
fn groups(classes: &[ClassStream]) -> Vec<(PriorityClass, Vec<usize>)> {
    let mut priorities: Vec<i32> = classes
        .iter()
        .filter(|c| c.rate > 0.0)
        .map(|c| c.priority)
        .collect();
    priorities.sort_unstable();
    priorities.dedup();
    priorities
        .into_iter()
        .map(|p| {
            let idx: Vec<usize> = (0..classes.len())
                .filter(|&k| classes[k].rate > 0.0 && classes[k].priority == p)
                .collect();
            let members: Vec<ClassStream> = idx.iter().map(|&k| classes[k]).collect();
            let (rate, mean, scv) = mixture(&members);
            (
                PriorityClass {
                    rate,
                    mean_service: mean,
                    scv_service: scv,
                },
                idx,
            )
        })
        .collect()
}

fn priority_verdicts(
    n: usize,
    model: &str,
    family: Model,
    system: Measures,
    per_class: Vec<(usize, Measures)>,
) -> ClassVerdicts {
    let prediction = |measures| Prediction::exact(model, family, measures);
    let mut classes = vec![None; n];
    for (k, m) in per_class {
        classes[k] = Some(prediction(m));
    }
    ClassVerdicts {
        system: Verdict::Predicted(prediction(system)),
        classes,
    }
}

/// One consumer, Poisson classes, non-preemptive priority (FIFO within a priority):
/// Cobham's M/G/1 formula ([`NonPreemptivePriority`]) with each priority group merged into
/// one class (mixture service). A message's wait does not depend on its own service time, so
/// class k of group g waits Wq_g and T_k = Wq_g + E[S_k].
pub fn non_preemptive_priority_prediction(
    classes: &[ClassStream],
) -> Result<ClassVerdicts, ModelError> {
    let groups = groups(classes);
    let merged: Vec<PriorityClass> = groups.iter().map(|g| g.0).collect();
    let model = NonPreemptivePriority::new(&merged)?;
    let rho: f64 = merged.iter().map(|g| g.rate * g.mean_service).sum();
    let mut per_class = Vec::new();
    for ((_, idx), gm) in groups.iter().zip(model.class_measures()) {
        for &k in idx {
            let cl = &classes[k];
            per_class.push((
                k,
                Measures::from_wait(
                    cl.rate,
                    cl.service.mean,
                    gm.wq,
                    cl.rate * cl.service.mean,
                    Some(rho),
                ),
            ));
        }
    }
    Ok(priority_verdicts(
        classes.len(),
        "M/G/1 non-preemptive priority (Cobham)",
        Model::NonPreemptivePriority,
        model.measures(),
        per_class,
    ))
}

/// One consumer, Poisson classes, preemptive-resume priority (FIFO within a priority): the
/// M/G/1 preemptive-resume formula ([`PreemptiveResumePriority`], Kleinrock 1976, ch. 3;
/// Harchol-Balter 2013, ch. 32) with each priority group merged into one class.
///
/// Exact for preemptive-*resume* with any service distribution, and so for exponential
/// service under any preemption rule (memorylessness). Within group g (σ_g the load of
/// groups 1..g, R_g = Σ_{i ≤ g} λ_i E[S_i²]/2), a class-k message must clear the work of
/// groups ≤ g found on arrival (mean R_g/(1−σ_g)) plus its own E[S_k], all stretched by the
/// arrivals of more urgent groups: T_k = (R_g/(1−σ_g) + E[S_k]) / (1−σ_{g−1}). Hence
/// T_k = T_g + (E[S_k] − E[S_g])/(1−σ_{g−1}) from the group's T_g. Reported `wq` is
/// T_k − E[S_k] and `p_wait` is σ_g, as in [`PreemptiveResumePriority`].
pub fn preemptive_priority_prediction(
    classes: &[ClassStream],
) -> Result<ClassVerdicts, ModelError> {
    let groups = groups(classes);
    let merged: Vec<PriorityClass> = groups.iter().map(|g| g.0).collect();
    let model = PreemptiveResumePriority::new(&merged)?;
    let mut per_class = Vec::new();
    let mut sigma_prev = 0.0;
    for ((g, idx), gm) in groups.iter().zip(model.class_measures()) {
        for &k in idx {
            let cl = &classes[k];
            let t = gm.t + (cl.service.mean - g.mean_service) / (1.0 - sigma_prev);
            per_class.push((
                k,
                Measures::from_wait(
                    cl.rate,
                    cl.service.mean,
                    t - cl.service.mean,
                    cl.rate * cl.service.mean,
                    gm.p_wait,
                ),
            ));
        }
        sigma_prev += g.rate * g.mean_service;
    }
    Ok(priority_verdicts(
        classes.len(),
        "M/G/1 preemptive-resume priority",
        Model::PreemptiveResumePriority,
        model.measures(),
        per_class,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::exp;
    use crate::testkit::solve;
    use crate::{Interarrival, MMc};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    fn stream(rate: f64, priority: i32, service: VariateSpec) -> ClassStream {
        ClassStream {
            rate,
            priority,
            service,
        }
    }

    fn spec(classes: Vec<ClassStream>, consumers: u32, order: Order) -> MultiClassSpec {
        MultiClassSpec {
            classes,
            consumers,
            dispatch: DispatchKind::Shared,
            order,
        }
    }

    fn predicted(v: &Verdict) -> &Prediction {
        match v {
            Verdict::Predicted(p) => p,
            other => panic!("no prediction: {other:?}"),
        }
    }

    /// Identical exponential service over 4 consumers: M/M/c; each class its share.
    #[test]
    fn identical_classes_share_mmc() {
        let v = predict_classes(&spec(
            vec![
                stream(1.2, 0, exp(1.0)),
                stream(2.4, 0, exp(1.0)),
                stream(0.0, 0, exp(1.0)),
            ],
            4,
            Order::Fifo,
        ));
        let mmc = MMc::new(3.6, 1.0, 4).unwrap().measures();
        let sys = predicted(&v.system);
        assert_eq!(sys.model, "M/M/c");
        assert!(close(sys.measures.t, mmc.t, 1e-12));
        let a = v.classes[0].as_ref().unwrap();
        assert!(close(a.measures.t, mmc.t, 1e-12));
        assert!(close(a.measures.l, mmc.l / 3.0, 1e-12));
        assert!(close(a.measures.utilization, 0.3, 1e-12));
        assert_eq!(a.t_quantiles, sys.t_quantiles);
        assert!(v.classes[2].is_none());
        // LIFO keeps the means, drops the quantiles.
        let v = predict_classes(&spec(vec![stream(0.8, 0, exp(1.0))], 1, Order::Lifo));
        let p = predicted(&v.system);
        assert!(close(p.measures.t, 5.0, 1e-12));
        assert!(p.t_quantiles.is_none() && p.model.contains("LIFO"));
    }

    /// FIFO with exponential classes of different means: the service time is a
    /// hyperexponential, whose SCV [`Interarrival::scv`] computes independently; each class
    /// waits the same Wq.
    #[test]
    fn fifo_mixture_is_mg1_on_the_hyperexponential() {
        let v = predict_classes(&spec(
            vec![stream(0.3, 0, exp(0.5)), stream(0.2, 1, exp(2.5))],
            1,
            Order::Fifo,
        ));
        let h = Interarrival::Hyperexponential {
            probs: vec![0.6, 0.4],
            rates: vec![2.0, 0.4],
        };
        let pk = MG1::new(0.5, h.mean(), h.scv()).unwrap().measures();
        let sys = predicted(&v.system);
        assert!(close(sys.measures.wq, pk.wq, 1e-12));
        assert!(close(sys.measures.l, pk.l, 1e-12));
        let (a, b) = (
            v.classes[0].as_ref().unwrap(),
            v.classes[1].as_ref().unwrap(),
        );
        assert!(close(a.measures.t, pk.wq + 0.5, 1e-12));
        assert!(close(b.measures.t, pk.wq + 2.5, 1e-12));
        assert!(close(a.measures.l + b.measures.l, pk.l, 1e-12));
        // Several shared consumers with different service: no model.
        let v = predict_classes(&spec(
            vec![stream(0.3, 0, exp(0.5)), stream(0.2, 1, exp(2.5))],
            2,
            Order::Fifo,
        ));
        assert!(matches!(v.system, Verdict::NoModel { .. }));
    }

    /// Equal priorities form one FIFO group: Kleinrock's conservation law
    /// Σ ρ_k Wq_k = ρ·Wq(FIFO) holds for the per-class waits, and the group's two classes wait
    /// alike; with one priority in all, the order is plain FIFO.
    #[test]
    fn priority_groups_conserve_work() {
        let det = VariateSpec {
            mean: 0.8,
            scv: 0.0,
            shape: Shape::Deterministic,
        };
        let general = VariateSpec {
            mean: 1.5,
            scv: 3.0,
            shape: Shape::General,
        };
        let cls = vec![
            stream(0.2, 1, exp(1.0)),
            stream(0.25, 0, det),
            stream(0.15, 1, general),
        ];
        let v = predict_classes(&spec(cls.clone(), 1, Order::Priority));
        assert_eq!(
            predicted(&v.system).model,
            "M/G/1 non-preemptive priority (Cobham)"
        );
        let fifo = predict_classes(&spec(cls.clone(), 1, Order::Fifo));
        let wq_fifo = predicted(&fifo.system).measures.wq;
        let rho: f64 = cls.iter().map(|c| c.rate * c.service.mean).sum();
        let sum: f64 = cls
            .iter()
            .zip(&v.classes)
            .map(|(c, p)| c.rate * c.service.mean * p.as_ref().unwrap().measures.wq)
            .sum();
        assert!(
            close(sum, rho * wq_fifo, 1e-12),
            "{sum} vs {}",
            rho * wq_fifo
        );
        let wq = |k: usize| v.classes[k].as_ref().unwrap().measures.wq;
        assert!(close(wq(0), wq(2), 1e-15));
        assert!(wq(1) < wq(0));
        let same: Vec<_> = cls.iter().map(|c| stream(c.rate, 7, c.service)).collect();
        let one = predict_classes(&spec(same, 1, Order::Priority));
        assert_eq!(one.system, fifo.system);
        // Priority over several consumers: no model.
        let v = predict_classes(&spec(cls, 2, Order::Priority));
        assert!(matches!(v.system, Verdict::NoModel { .. }));
    }

    /// Independent method: a CTMC of one consumer with an urgent exponential class that
    /// preempts a FIFO group of two exponential classes of different means; the state is the
    /// number of urgent messages and the group's queue in order (truncated at low load).
    #[test]
    fn preemptive_groups_match_ctmc() {
        let (l0, m0) = (0.1, 1.0); // urgent
        let (la, ma, lb, mb) = (0.1, 2.0, 0.05, 0.5); // group: means 0.5 and 2
        // Truncation error here is about 1e-6 relative (it shrinks as the caps grow).
        let (cap0, cap1) = (10u8, 13usize);
        let (states, pi) = solve((0u8, Vec::<u8>::new()), |(n0, q)| {
            let mut out = Vec::new();
            if *n0 < cap0 {
                out.push(((n0 + 1, q.clone()), l0));
            }
            if q.len() < cap1 {
                for (class, rate) in [(1u8, la), (2u8, lb)] {
                    let mut r = q.clone();
                    r.push(class);
                    out.push(((*n0, r), rate));
                }
            }
            if *n0 > 0 {
                out.push(((n0 - 1, q.clone()), m0));
            } else if let Some(&head) = q.first() {
                let rate = if head == 1 { ma } else { mb };
                out.push(((0, q[1..].to_vec()), rate));
            }
            out
        });
        let count = |class: u8| -> f64 {
            states
                .iter()
                .zip(&pi)
                .map(|((_, q), p)| q.iter().filter(|&&c| c == class).count() as f64 * p)
                .sum()
        };
        let (la_count, lb_count) = (count(1), count(2));
        let v = predict_classes(&spec(
            vec![
                stream(la, 3, exp(1.0 / ma)),
                stream(l0, 1, exp(1.0 / m0)),
                stream(lb, 3, exp(1.0 / mb)),
            ],
            1,
            Order::PriorityPreemptive,
        ));
        let l = |k: usize| v.classes[k].as_ref().unwrap().measures.l;
        assert!(close(l(0), la_count, 1e-5), "{} vs {la_count}", l(0));
        assert!(close(l(2), lb_count, 1e-5), "{} vs {lb_count}", l(2));
        assert!(close(l(1), 0.1 / 0.9, 1e-12));
    }

    #[test]
    fn overload_and_silence() {
        let v = predict_classes(&spec(
            vec![stream(0.6, 0, exp(1.0)), stream(0.5, 1, exp(1.0))],
            1,
            Order::Priority,
        ));
        assert!(matches!(v.system, Verdict::Unstable { .. }));
        let v = predict_classes(&spec(vec![stream(0.0, 0, exp(1.0))], 1, Order::Fifo));
        assert!(matches!(v.system, Verdict::NoModel { .. }));
    }
}
