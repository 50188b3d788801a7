//! No message leaves the simulator's books in silence: over many combinations of the broker's
//! features, at the end of every replication the simulator's own count of the messages in
//! each queue (and in the system, and per class) equals what the broker holds, and every
//! message published is accounted for by exactly one fate or is still held.

use std::path::Path;

use kendall_sim::Scenario;
use kendall_sim::replication::{QueueCounts, run_replication};

/// How to read one fate from a queue's counts.
type Seen = fn(&QueueCounts) -> f64;

/// A fate a scenario must produce at least once over its replications (so that the path it
/// exercises is really taken): its name and how to read it.
type Fate = (&'static str, Seen);

const EXPIRED: Fate = ("expired", |c| c.expired);
const REDELIVERED: Fate = ("redelivered", |c| c.redelivered);
const DEAD_LETTERED: Fate = ("dead-lettered", |c| c.dead_lettered);
const REJECTED: Fate = ("rejected", |c| c.rejected);
const DROPPED: Fate = ("dropped", |c| c.dropped);
const PREEMPTED: Fate = ("preempted", |c| c.preempted);

/// Two classes, the urgent one arriving at `u`, the other at `b` per time unit.
fn two_classes(u: f64, b: f64) -> String {
    format!(
        r#"
        [[classes]]
        name = "urgent"
        priority = 0
        [[classes]]
        name = "bulk"
        priority = 1
        [[producers]]
        name = "u"
        class = "urgent"
        to = "q"
        interarrival = {{ kind = "exponential", rate = {u} }}
        [[producers]]
        name = "b"
        class = "bulk"
        to = "q"
        interarrival = {{ kind = "exponential", rate = {b} }}
        "#
    )
}

/// One producer at `rate` per time unit into queue `q`.
fn poisson(rate: f64) -> String {
    format!(
        r#"
        [[producers]]
        name = "p"
        to = "q"
        interarrival = {{ kind = "exponential", rate = {rate} }}
        "#
    )
}

/// Feature combinations: a name, the scenario's producers and queues, the fates it must show
/// (in the queue they are named after: the first queue unless the name is given).
fn cases() -> Vec<(&'static str, String, Vec<Fate>)> {
    let crash = r#"crash = { mtbf = { kind = "exponential", mean = 30.0 }, mttr = { kind = "exponential", mean = 5.0 } }"#;
    let exp = |mean: f64| format!(r#"service = {{ kind = "exponential", mean = {mean} }}"#);
    vec![
        (
            "fail + ttl (a requeue past the TTL)",
            poisson(0.5)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\nfail = 0.2\nttl = 2.0\n{}",
                    exp(1.0)
                ),
            vec![EXPIRED, REDELIVERED],
        ),
        (
            "fail + max_attempts, no dead-letter queue",
            poisson(0.6)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\nfail = 0.4\nmax_attempts = 2\n{}",
                    exp(1.0)
                ),
            vec![DEAD_LETTERED, REDELIVERED],
        ),
        (
            "dead letters into a small queue with a ttl (refused, dropped, expired there)",
            poisson(0.6)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\nfail = 0.5\nmax_attempts = 2\ndead_letter = \"parked\"\n{}\n",
                    exp(1.0)
                )
                + &format!(
                    "[[queues]]\nname = \"parked\"\nconsumers = 1\ncapacity = 2\nttl = 1.5\n{}",
                    exp(3.0)
                ),
            vec![DEAD_LETTERED],
        ),
        (
            "dead letters dropping the oldest in their queue",
            poisson(0.6)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\nfail = 0.5\nmax_attempts = 1\ndead_letter = \"parked\"\n{}\n",
                    exp(1.0)
                )
                + &format!(
                    "[[queues]]\nname = \"parked\"\nconsumers = 1\ncapacity = 2\noverflow = \"drop-oldest\"\n{}",
                    exp(3.0)
                ),
            vec![DEAD_LETTERED],
        ),
        (
            "visibility timeout + ttl (timed out past the TTL)",
            poisson(1.2)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\nvisibility_timeout = 1.0\nttl = 2.5\nmax_attempts = 3\n{}",
                    exp(0.8)
                ),
            vec![EXPIRED, REDELIVERED, DEAD_LETTERED],
        ),
        (
            "crashes nacking back + ttl + fail",
            poisson(1.2)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\nfail = 0.1\nttl = 3.0\n{crash}\n{}",
                    exp(1.0)
                ),
            vec![EXPIRED, REDELIVERED],
        ),
        (
            "crashes timed out + ttl + dead letters",
            poisson(1.2)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\nvisibility_timeout = 2.0\nttl = 3.0\nmax_attempts = 2\ndead_letter = \"parked\"\n{crash}\n{}\n",
                    exp(1.0)
                )
                + &format!("[[queues]]\nname = \"parked\"\nconsumers = 1\n{}", exp(0.5)),
            vec![EXPIRED, REDELIVERED, DEAD_LETTERED],
        ),
        (
            "capacity + reject",
            poisson(1.2)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\ncapacity = 3\n{}",
                    exp(1.0)
                ),
            vec![REJECTED],
        ),
        (
            "capacity + drop-oldest + ttl",
            poisson(1.5)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\ncapacity = 4\noverflow = \"drop-oldest\"\nttl = 2.0\n{}",
                    exp(1.0)
                ),
            vec![DROPPED, EXPIRED],
        ),
        (
            "priority-preemptive + ttl (a hand-back past the TTL)",
            two_classes(0.4, 0.5)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\ndiscipline = \"priority-preemptive\"\nttl = 2.0\n{}",
                    exp(1.0)
                ),
            vec![PREEMPTED, EXPIRED],
        ),
        (
            "priority-preemptive over pushed consumers + fail",
            two_classes(0.8, 0.8)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\ndispatch = \"jsq\"\ndiscipline = \"priority-preemptive\"\nfail = 0.2\nttl = 4.0\n{}",
                    exp(1.0)
                ),
            vec![PREEMPTED, EXPIRED, REDELIVERED],
        ),
        (
            "processor sharing + capacity + drop-oldest + crashes + ttl",
            poisson(1.5)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 2\ndispatch = \"jsq\"\ndiscipline = \"ps\"\ncapacity = 6\noverflow = \"drop-oldest\"\nttl = 2.0\n{crash}\n{}",
                    exp(1.0)
                ),
            vec![DROPPED, EXPIRED],
        ),
        (
            "processor sharing + fail",
            poisson(0.6)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\ndiscipline = \"ps\"\nfail = 0.3\n{}",
                    exp(1.0)
                ),
            vec![REDELIVERED],
        ),
        (
            "routes with feedback + classes + ttl + capacity",
            two_classes(0.3, 0.4).replace("to = \"q\"", "to = \"front\"")
                + &format!(
                    "[[queues]]\nname = \"front\"\nconsumers = 2\nfail = 0.1\nttl = 2.0\nroute = [ {{ to = \"q\", p = 1.0 }} ]\n{}\n",
                    exp(1.0)
                )
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 1\ndiscipline = \"priority\"\ncapacity = 5\nttl = 3.0\nroute = [ {{ to = \"front\", p = 0.2 }} ]\n{}",
                    exp(0.9)
                ),
            vec![EXPIRED, REJECTED],
        ),
        (
            "deterministic times: deadlines tie with completions (expiries found by polls)",
            r#"
            [[producers]]
            name = "p"
            to = "q"
            interarrival = { kind = "deterministic", value = 0.5 }
            [[queues]]
            name = "q"
            consumers = 1
            ttl = 2.0
            service = { kind = "deterministic", value = 1.0 }
            "#
            .to_string(),
            vec![EXPIRED],
        ),
        (
            "round-robin own buffers + fail + ttl",
            poisson(2.2)
                + &format!(
                    "[[queues]]\nname = \"q\"\nconsumers = 3\ndispatch = \"round-robin\"\nfail = 0.2\nttl = 1.5\n{}",
                    exp(1.0)
                ),
            vec![EXPIRED, REDELIVERED],
        ),
    ]
}

/// Runs `text` (with `warmup`) and checks each replication's books; returns the counts.
fn check(name: &str, text: &str, warmup: u64) -> Vec<Vec<QueueCounts>> {
    let text = format!(
        "{text}\n[run]\nreplications = 4\ncustomers = 3000\nwarmup = {warmup}\nseed = 21\n"
    );
    let s = Scenario::parse(Path::new("inline.toml"), &text)
        .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
    (0..u64::from(s.run.replications))
        .map(|i| {
            let r = run_replication(&s, i).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Err(e) = r.books.check() {
                panic!("{name}, replication {i}: {e}");
            }
            for (j, (c, q)) in r.counts.iter().zip(&r.books.queues).enumerate() {
                let whole = QueueCounts::total(&q.broker);
                let fates = whole.acked + whole.rejected + whole.dropped + whole.expired;
                let fates = fates + whole.dead_lettered + whole.in_system;
                assert_eq!(whole.published, fates, "{name}, replication {i}, queue {j}");
                assert_eq!(c.in_system, whole.in_system);
                if warmup == 0 {
                    assert_eq!(*c, whole, "{name}: with no warm-up the window is the run");
                }
            }
            r.counts
        })
        .collect()
}

#[test]
fn every_replication_of_every_feature_keeps_its_books() {
    for (name, text, seen) in cases() {
        for warmup in [0, 500] {
            let counts = check(name, &text, warmup);
            for (fate, get) in &seen {
                let total: f64 = counts.iter().flatten().map(get).sum();
                assert!(
                    total > 0.0,
                    "{name}: no message {fate}: the case tests nothing"
                );
            }
        }
    }
}
