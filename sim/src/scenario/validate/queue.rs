//! Validation of one `[[queues]]` table: its dispatch, discipline, consumers, capacity,
//! delivery guarantees, failures, service times and routes.

use kendall_broker::{Discipline, DispatchKind, Overflow};

use super::find;
use crate::dist::Distribution;
use crate::error::{InvalidKey, KeyPath};
use crate::scenario::file::ConsumersSpec;
use crate::scenario::schedule::ConsumerSchedule;
use crate::scenario::{Autoscale, Backoff, Delivery, Jitter, Queue, QueueSpec};
use crate::suggest::suggest;

/// Dispatch names of the scenario format, for suggestions.
const DISPATCHES: &[&str] = &[
    "shared",
    "random",
    "round-robin",
    "jsq",
    "power-of-d",
    "least-work",
    "jiq",
    "key-hash",
    "weighted-round-robin",
];
/// Most consumers one queue may have: each has state allocated when the run starts.
const MAX_CONSUMERS: u32 = 1_000_000;
/// Discipline names of the scenario format, for suggestions.
const DISCIPLINES: &[&str] = &["fifo", "lifo", "priority", "priority-preemptive", "ps"];

/// Validates queue `q`, found at `path`, into the queue the simulator runs; `queues` and
/// `classes` are every queue's and class's name, for its references.
pub(super) fn validate_queue(
    q: &QueueSpec,
    path: &KeyPath,
    queues: &[&str],
    classes: &[&str],
) -> Result<Queue, InvalidKey> {
    // With a schedule, the broker's queue has the most consumers it ever has on duty.
    let (consumers, schedule) = match &q.consumers {
        Some(ConsumersSpec::Count(n)) => (*n, None),
        Some(ConsumersSpec::Schedule(spec)) => {
            let s = ConsumerSchedule::from_spec(spec, &path.key("consumers"))?;
            (s.max(), Some(s))
        }
        None if q.autoscale.is_some() => (0, None),
        None => {
            return Err(InvalidKey::new(
                path.key("consumers"),
                "a queue needs `consumers` (or an `autoscale`)",
            ));
        }
    };
    // With an autoscaler, the broker's queue has its `max` consumers.
    let (consumers, autoscale) = match &q.autoscale {
        None => (consumers, None),
        Some(_) if schedule.is_some() => {
            return Err(InvalidKey::new(
                path.key("autoscale"),
                "`autoscale` and a consumer schedule (`consumers = { at, values }`) exclude \
                 each other: either sets the count on duty",
            ));
        }
        Some(spec) => {
            let given = q.consumers.as_ref().map(|_| consumers);
            let a = Autoscale::from_spec(spec, path, given)?;
            (a.max, Some(a))
        }
    };
    if consumers == 0 {
        return Err(InvalidKey::new(
            path.key("consumers"),
            "a queue needs at least one consumer",
        ));
    }
    if consumers > MAX_CONSUMERS {
        // Per-consumer state is allocated up front: 4 billion consumers would exhaust memory.
        return Err(InvalidKey::new(
            path.key("consumers"),
            format!(
                "{} consumers is more than kendall simulates (at most {MAX_CONSUMERS})",
                consumers
            ),
        ));
    }
    let dispatch = match q.dispatch.as_deref().unwrap_or("shared") {
        "shared" => DispatchKind::Shared,
        "random" => DispatchKind::Random,
        "round-robin" => DispatchKind::RoundRobin,
        "jsq" => DispatchKind::Jsq,
        "least-work" => DispatchKind::LeastWork,
        "jiq" => DispatchKind::Jiq,
        "key-hash" => DispatchKind::KeyHash,
        "weighted-round-robin" => match &q.speeds {
            Some(speeds) => DispatchKind::WeightedRoundRobin {
                weights: speeds.clone(),
            },
            None => {
                return Err(InvalidKey::new(
                    path.key("dispatch"),
                    "weighted-round-robin weighs consumers by their `speeds`: give them",
                ));
            }
        },
        "power-of-d" => {
            let Some(d) = q.d else {
                return Err(InvalidKey::new(
                    path.key("dispatch"),
                    "power-of-d needs `d`, the number of consumers sampled",
                ));
            };
            DispatchKind::PowerOfD { d: d as usize }
        }
        name => {
            return Err(InvalidKey::new(
                path.key("dispatch"),
                format!("unknown dispatch `{name}`{}", suggest(name, DISPATCHES)),
            ));
        }
    };
    if q.d.is_some() && !matches!(dispatch, DispatchKind::PowerOfD { .. }) {
        return Err(InvalidKey::new(
            path.key("d"),
            "`d` applies only to dispatch = \"power-of-d\"",
        ));
    }
    dispatch.check(consumers as usize).map_err(|reason| {
        // Weighted round-robin's weights are the `speeds`; power-of-d's problem is `d`.
        let key = match dispatch {
            DispatchKind::WeightedRoundRobin { .. } => "speeds",
            _ => "d",
        };
        InvalidKey::new(path.key(key), reason.to_string())
    })?;
    let (discipline, sharing) = match q.discipline.as_deref().unwrap_or("fifo") {
        "fifo" => (Discipline::Fifo, false),
        "lifo" => (Discipline::Lifo, false),
        "priority" => (Discipline::Priority, false),
        "priority-preemptive" => (Discipline::PriorityPreemptive, false),
        "ps" => (Discipline::Fifo, true),
        name => {
            return Err(InvalidKey::new(
                path.key("discipline"),
                format!("unknown discipline `{name}`{}", suggest(name, DISCIPLINES)),
            ));
        }
    };
    if sharing && consumers > 1 && dispatch == DispatchKind::Shared {
        return Err(InvalidKey::new(
            path.key("discipline"),
            "processor sharing over several consumers needs a push dispatch (random, jsq, …): \
             with `shared` the first idle consumer would take every waiting message",
        ));
    }
    let speeds = match &q.speeds {
        None => vec![1.0; consumers as usize],
        Some(s) if s.len() != consumers as usize => {
            return Err(InvalidKey::new(
                path.key("speeds"),
                format!("{} speeds for {} consumers", s.len(), consumers),
            ));
        }
        Some(s) => match s.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            Some(i) => {
                return Err(InvalidKey::new(
                    path.key("speeds").index(i),
                    format!("a speed must be positive, not {}", s[i]),
                ));
            }
            None => s.clone(),
        },
    };
    if schedule.is_some() {
        schedule_allows(SCHEDULE, q, path, &dispatch, discipline, sharing, &speeds)?;
    }
    if autoscale.is_some() {
        schedule_allows(
            "`autoscale`",
            q,
            path,
            &dispatch,
            discipline,
            sharing,
            &speeds,
        )?;
    }
    let positive = |key: &str, v: Option<f64>| -> Result<Option<f64>, InvalidKey> {
        match v {
            Some(x) if !(x.is_finite() && x > 0.0) => Err(InvalidKey::new(
                path.key(key),
                format!("must be a positive time, not {x}"),
            )),
            _ => Ok(v),
        }
    };
    let delivery = Delivery {
        visibility_timeout: positive("visibility_timeout", q.visibility_timeout)?,
        max_attempts: match q.max_attempts {
            Some(0) => {
                return Err(InvalidKey::new(
                    path.key("max_attempts"),
                    "must be at least 1",
                ));
            }
            m => m,
        },
        ttl: positive("ttl", q.ttl)?,
        dead_letter: match &q.dead_letter {
            Some(name) if *name == q.name => {
                return Err(InvalidKey::new(
                    path.key("dead_letter"),
                    "a queue cannot be its own dead-letter queue",
                ));
            }
            Some(name) => Some(find(queues, name, &path.key("dead_letter"), "queue")?),
            None => None,
        },
    };
    let fail = match q.fail {
        Some(p) if !(0.0..1.0).contains(&p) => {
            return Err(InvalidKey::new(
                path.key("fail"),
                format!("a probability in [0, 1), not {p}"),
            ));
        }
        p => p.unwrap_or(0.0),
    };
    let crash = match &q.crash {
        Some(c) => Some((
            Distribution::from_spec(&c.mtbf, &path.key("crash").key("mtbf"))?,
            Distribution::from_spec(&c.mttr, &path.key("crash").key("mttr"))?,
        )),
        None => None,
    };
    let patience = match &q.patience {
        Some(spec) => Some(Distribution::from_spec(spec, &path.key("patience"))?),
        None => None,
    };
    let backoff = match &q.retry_backoff {
        Some(spec) => Some(backoff(spec, &path.key("retry_backoff"), fail)?),
        None => None,
    };
    let capacity = match q.capacity {
        Some(0) => {
            return Err(InvalidKey::new(
                path.key("capacity"),
                "a capacity must be at least 1 message",
            ));
        }
        Some(k) if k < u64::from(consumers) => {
            return Err(InvalidKey::new(
                path.key("capacity"),
                format!(
                    "capacity {k} is below the {} consumers: some could never work",
                    consumers
                ),
            ));
        }
        Some(k) => Some(k as usize),
        None => None,
    };
    let overflow = match q.overflow.as_deref() {
        None | Some("reject") => Overflow::Reject,
        Some("drop-oldest") => Overflow::DropOldest,
        Some(other) => {
            return Err(InvalidKey::new(
                path.key("overflow"),
                format!(
                    "unknown overflow `{other}`{}",
                    suggest(other, &["reject", "drop-oldest"])
                ),
            ));
        }
    };
    if q.overflow.is_some() && capacity.is_none() {
        return Err(InvalidKey::new(
            path.key("overflow"),
            "`overflow` needs a `capacity`",
        ));
    }
    let base = Distribution::from_spec(&q.service, &path.key("service"))?;
    let mut service = vec![base; classes.len()];
    for (class, spec) in q.service_by_class.iter().flatten() {
        let p = path.key("service_by_class").key(class);
        let Some(i) = classes.iter().position(|c| c == class) else {
            return Err(InvalidKey::new(
                p,
                format!("no class named `{class}`{}", suggest(class, classes)),
            ));
        };
        service[i] = Distribution::from_spec(spec, &p)?;
    }
    let mut routes = Vec::new();
    let mut total = 0.0;
    for (i, r) in q.route.iter().enumerate() {
        let p = path.key("route").index(i);
        let to = find(queues, &r.to, &p.key("to"), "queue")?;
        if !(r.p > 0.0 && r.p <= 1.0) {
            return Err(InvalidKey::new(
                p.key("p"),
                format!("a probability must be in (0, 1], not {}", r.p),
            ));
        }
        total += r.p;
        routes.push((to, r.p));
    }
    if total > 1.0 + 1e-12 {
        return Err(InvalidKey::new(
            path.key("route"),
            format!("route probabilities add up to {total}, more than 1"),
        ));
    }
    Ok(Queue {
        name: q.name.clone(),
        consumers,
        dispatch,
        discipline,
        capacity,
        overflow,
        service,
        routes,
        sharing,
        speeds,
        delivery,
        fail,
        crash,
        patience,
        schedule,
        backoff,
        autoscale,
        cost_per_hour: crate::scenario::client::cost_per_hour(
            q.cost_per_consumer_hour,
            &path.key("cost_per_consumer_hour"),
        )?,
    })
}

/// Validates `retry_backoff` (at `path`) of a queue whose attempts fail with probability
/// `fail`.
fn backoff(
    spec: &crate::scenario::BackoffSpec,
    path: &KeyPath,
    fail: f64,
) -> Result<Backoff, InvalidKey> {
    if fail == 0.0 {
        return Err(InvalidKey::new(
            path.clone(),
            "a backoff delays the redelivery of failed attempts: it needs `fail` > 0",
        ));
    }
    backoff_delays(spec, path)
}

/// Validates the delays of a `retry_backoff` (at `path`): a queue's, or a producer's.
pub(in crate::scenario) fn backoff_delays(
    spec: &crate::scenario::BackoffSpec,
    path: &KeyPath,
) -> Result<Backoff, InvalidKey> {
    if !(spec.base.is_finite() && spec.base > 0.0) {
        return Err(InvalidKey::new(
            path.key("base"),
            format!("must be a positive time, not {}", spec.base),
        ));
    }
    let factor = spec.factor.unwrap_or(2.0);
    if !(factor.is_finite() && factor >= 1.0) {
        return Err(InvalidKey::new(
            path.key("factor"),
            format!("must be at least 1, not {factor}"),
        ));
    }
    let max = spec.max.unwrap_or(f64::INFINITY);
    if max.is_nan() || max < spec.base {
        return Err(InvalidKey::new(
            path.key("max"),
            format!("must be at least `base` ({}), not {max}", spec.base),
        ));
    }
    let jitter = match spec.jitter.as_deref().unwrap_or("none") {
        "none" => Jitter::None,
        "full" => Jitter::Full,
        "equal" => Jitter::Equal,
        other => {
            return Err(InvalidKey::new(
                path.key("jitter"),
                format!(
                    "unknown jitter `{other}`{}",
                    suggest(other, &["none", "full", "equal"])
                ),
            ));
        }
    };
    Ok(Backoff {
        base: spec.base,
        factor,
        max,
        jitter,
    })
}

/// What a consumer schedule is called in the errors of [`schedule_allows`].
const SCHEDULE: &str = "a consumer schedule (`consumers = { at, values }`)";

/// `Ok` when queue `q` (at `path`) can follow a consumer schedule or an autoscaler (`what`,
/// as the error names it): consumers leave and join only where that is simple — the shared
/// dispatch (waiting messages are the whole queue's), no processor sharing or preemption (a
/// consumer leaving finishes its message), equal speeds, no crashes. Otherwise the key that
/// stands in the way.
fn schedule_allows(
    what: &str,
    q: &QueueSpec,
    path: &KeyPath,
    dispatch: &DispatchKind,
    discipline: Discipline,
    sharing: bool,
    speeds: &[f64],
) -> Result<(), InvalidKey> {
    let refuse =
        |key: &str, why: &str| Err(InvalidKey::new(path.key(key), format!("{what} {why}")));
    if *dispatch != DispatchKind::Shared {
        return refuse(
            "dispatch",
            "needs dispatch = \"shared\": a push strategy would route messages to consumers \
             off duty",
        );
    }
    if sharing {
        return refuse("discipline", "cannot be used with processor sharing (`ps`)");
    }
    if discipline == Discipline::PriorityPreemptive {
        return refuse(
            "discipline",
            "cannot be used with `priority-preemptive`: a consumer leaving finishes its \
             message, it is not interrupted",
        );
    }
    if speeds.iter().any(|&v| v != speeds[0]) {
        return refuse("speeds", "needs consumers of equal speed");
    }
    if q.crash.is_some() {
        return refuse("crash", "cannot be used with consumer crashes");
    }
    Ok(())
}
