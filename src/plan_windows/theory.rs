//! Theory's starting counts for `plan --per-window`: MOL staffing of M_t/M/c_t (Jennings,
//! Mandelbaum, Massey & Whitt 1996; Feldman, Mandelbaum, Massey & Whitt 2008), through
//! [`kendall_models::MtMc::mol_staffing`], when the scenario is one: every producer Poisson
//! (a constant or time-varying rate, no batches), feeding the one queue, which serves every
//! message by the same exponential law, FIFO to a shared pool, with no capacity, impatience,
//! failures or crashes.

use kendall_broker::Discipline;
use kendall_models::{MtMc, PERCENTILES, RateFn, Target as ModelTarget};
use kendall_reports::plan::Target;
use kendall_sim::Scenario;
use kendall_sim::dist::Distribution;
use kendall_sim::stats::Metric;

/// The label of the theory used.
pub const MOL_LABEL: &str = "MOL staffing of M_t/M/c_t (Feldman, Mandelbaum, Massey & Whitt \
                             2008), an approximation";

/// The queue's total arrival rate λ(t) and service rate μ when the scenario is M_t/M/c_t
/// at queue `queue`; otherwise why not.
pub fn mt_m_c(s: &Scenario, queue: usize) -> Result<(RateFn, f64), String> {
    if s.queues.len() != 1 {
        return Err("MOL staffing needs a single queue".into());
    }
    let q = &s.queues[queue];
    let mut parts = Vec::new();
    for p in &s.producers {
        if p.batch.is_some() {
            return Err(format!("producer {} has a batch", p.name));
        }
        match p.interarrival.poisson_rate() {
            Some(r) => parts.push(r),
            None => {
                return Err(format!(
                    "producer {}'s {} is not Poisson",
                    p.name,
                    p.interarrival.key()
                ));
            }
        }
    }
    let mu = match q.service.first() {
        Some(Distribution::Exponential(_, rate)) => *rate,
        _ => return Err("the service is not exponential".into()),
    };
    if q.service
        .iter()
        .any(|d| !matches!(d, Distribution::Exponential(_, r) if *r == mu))
    {
        return Err("the classes' service laws differ".into());
    }
    let equal_priorities = s
        .classes
        .iter()
        .all(|c| c.priority == s.classes[0].priority);
    let why = if q.capacity.is_some() {
        Some("capacity")
    } else if q.patience.is_some() {
        Some("patience")
    } else if q.fail > 0.0 || q.backoff.is_some() {
        Some("fail")
    } else if q.crash.is_some() {
        Some("crash")
    } else if q.sharing || !(q.discipline == Discipline::Fifo || equal_priorities) {
        Some("discipline")
    } else if !q.routes.is_empty() {
        Some("route")
    } else if q.speeds.iter().any(|&v| v != 1.0) {
        Some("speeds")
    } else {
        None
    };
    if let Some(key) = why {
        return Err(format!("the queue's `{key}` is outside M_t/M/c_t"));
    }
    Ok((RateFn::sum(parts).map_err(|e| e.to_string())?, mu))
}

/// The models' form of `t`, when MOL staffing can evaluate it.
pub fn model_target(t: &Target) -> Option<ModelTarget> {
    if let Some((is_t, i)) = t.metric.percentile() {
        let p = PERCENTILES[i];
        return Some(if is_t {
            ModelTarget::SojournQuantile {
                p,
                max: t.threshold,
            }
        } else {
            ModelTarget::WaitQuantile {
                p,
                max: t.threshold,
            }
        });
    }
    match t.metric {
        Metric::T => Some(ModelTarget::MeanSojourn(t.threshold)),
        Metric::Wq => Some(ModelTarget::MeanWait(t.threshold)),
        Metric::PWait => Some(ModelTarget::PWait(t.threshold)),
        _ => None,
    }
}

/// Theory's count per window (the largest over the targets it can evaluate), or why there
/// is none; notes say which targets it left to simulation.
pub fn staffing(
    s: &Scenario,
    queue: usize,
    targets: &[Target],
    windows: &[(f64, f64)],
    notes: &mut Vec<String>,
) -> Result<Vec<u32>, String> {
    let (rate, mu) = mt_m_c(s, queue)?;
    let model = MtMc::new(rate, mu).map_err(|e| e.to_string())?;
    let mut counts = vec![0u32; windows.len()];
    let mut any = false;
    for t in targets {
        let Some(mt) = model_target(t) else {
            notes.push(format!(
                "theory has no value for {}: simulation decides",
                t.label
            ));
            continue;
        };
        let c = model
            .mol_staffing(windows, mt)
            .map_err(|e| format!("{}: {e}", t.label))?;
        any = true;
        for (k, v) in c.into_iter().enumerate() {
            counts[k] = counts[k].max(v);
        }
    }
    if !any {
        return Err("theory can evaluate none of the targets".into());
    }
    Ok(counts)
}
