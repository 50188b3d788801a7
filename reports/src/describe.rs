//! The scenario in plain words (what `kendall validate` prints and the report states).

use kendall_sim::Scenario;
use kendall_sim::scenario::{Jitter, Warmup};
use kendall_sim::traffic;

/// One line per producer, per queue (arrivals, service, ρ, stability) and the run settings.
pub fn describe_lines(s: &Scenario) -> Vec<String> {
    let unit = if s.time_unit.is_empty() {
        "time unit".to_string()
    } else {
        s.time_unit.clone()
    };
    let mut lines = Vec::new();
    for p in &s.producers {
        let senders = p.client.map_or(String::new(), |c| {
            format!(
                "; its senders wait {} {unit} per attempt and retry up to {} times{}",
                c.timeout,
                c.retries,
                c.backoff.map_or(String::new(), |b| format!(
                    " (backoff {} x {}^(k-1), at most {}, {} jitter)",
                    b.base,
                    b.factor,
                    b.max,
                    match b.jitter {
                        Jitter::None => "no",
                        Jitter::Full => "full",
                        Jitter::Equal => "equal",
                    }
                ))
            )
        });
        if let Some(c) = &p.closed {
            lines.push(format!(
                "producer {} is a closed workload of {} clients sending {} messages to queue {}: each thinks a mean {:.4} {unit} (scv {:.3}) between its message's leaving and its next send (at most {:.4} per {unit}, if no message waited)",
                p.name,
                c.clients,
                s.classes[p.class].name,
                s.queues[p.queue].name,
                c.think.mean(),
                c.think.scv(),
                1.0 / p.interarrival.mean()
            ));
            continue;
        }
        lines.push(format!(
            "producer {} sends {} messages to queue {}: {:.4} per {unit} (mean gap {:.4}, scv {:.3}){senders}",
            p.name,
            s.classes[p.class].name,
            s.queues[p.queue].name,
            1.0 / p.interarrival.mean(),
            p.interarrival.mean(),
            p.interarrival.scv()
        ));
    }
    let clients: u32 = (s.producers.iter())
        .filter_map(|p| p.closed.as_ref().map(|c| c.clients))
        .sum();
    for (j, (q, load)) in s.queues.iter().zip(traffic::queue_loads(s)).enumerate() {
        // A bounded queue is stable at any load (`QueueLoad::stable`): it loses instead.
        let verdict = match q.capacity {
            _ if clients > 0 => format!(
                "stable: closed workloads hold at most {clients} messages (arrivals and rho \
                 are bounds, reached if no message waited)"
            ),
            Some(k) if load.rho >= 1.0 => format!(
                "stable, bounded at {k} ({} when full), but overloaded: it will lose many messages",
                q.overflow.name()
            ),
            Some(k) => format!("stable, bounded at {k} ({} when full)", q.overflow.name()),
            None if load.rho < 1.0 => "stable".to_string(),
            None if load.stable() => format!(
                "stable, as waiting messages expire after {}, but overloaded: many will expire",
                q.delivery.ttl.unwrap_or(f64::NAN)
            ),
            None => "UNSTABLE (rho >= 1: the queue grows without bound)".to_string(),
        };
        // An autoscaled queue: rho is at its largest fleet.
        let consumers = match q.autoscale {
            Some(a) => format!(
                "{} to {} consumers, autoscaled on {}; rho at {}",
                a.min,
                a.max,
                a.metric.name(),
                a.max
            ),
            None => plural(q.consumers as u64, "consumer"),
        };
        let dispatch = match q.dispatch {
            kendall_broker::DispatchKind::PowerOfD { d } => format!("power-of-d dispatch, d = {d}"),
            ref k => format!("{} dispatch", k.name()),
        };
        lines.push(format!(
            "queue {} ({consumers}, {dispatch}): arrivals {:.4} per {unit}, mean service {:.4}, rho = {:.4}, {verdict}{}",
            q.name,
            load.arrival_rate,
            load.mean_service,
            load.rho,
            retried(s, j, load.rho)
        ));
    }
    let r = s.run;
    let warmup = match r.warmup_mode {
        Warmup::Count(n) => n.to_string(),
        Warmup::Auto => "auto (MSER-5 on a pilot run, at least its crossing floor)".to_string(),
    };
    let replications = if r.replications == 1 {
        format!("1 replication (batch means over {} batches)", r.batches)
    } else {
        format!("{} replications", r.replications)
    };
    lines.push(match r.horizon {
        Some(h) => format!(
            "run: {replications} to horizon {} {unit} from empty{}, seed {}",
            h.end,
            h.window
                .map(|w| format!(" (windows of {w} {unit})"))
                .unwrap_or_default(),
            r.seed
        ),
        None => format!(
            "run: {replications} x {} messages after a warm-up of {warmup}, seed {}",
            r.customers, r.seed
        ),
    });
    lines
}

/// `n` of `what`, plural unless one: "1 consumer", "4 consumers".
pub fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// For queue `j` at load `rho`, fed directly by producers whose senders retry: the load if
/// every sender retried to the end (each message arriving 1 + retries times), and whether
/// that makes the queue metastable — carried without retries, overloaded with them.
fn retried(s: &Scenario, j: usize, rho: f64) -> String {
    let (fresh, amplified) = s
        .producers
        .iter()
        .filter(|p| p.queue == j)
        .map(|p| {
            let r = p.message_rate();
            (r, r * f64::from(1 + p.client.map_or(0, |c| c.retries)))
        })
        .fold((0.0, 0.0), |(a, b), (r, x)| (a + r, b + x));
    if !(fresh > 0.0 && amplified > fresh) {
        return String::new();
    }
    let worst = rho * amplified / fresh;
    let verdict = if rho < 1.0 && worst > 1.0 {
        ": metastable — a burst that times senders out can leave it overloaded after the \
         burst (the fluid model in `run` gives the tipping point)"
    } else {
        ""
    };
    format!("; with every sender retrying, rho = {worst:.4}{verdict}")
}
