//! Live runs: the shared state driven by hand on a manual clock (deterministic), refusals,
//! and one short run on threads against theory.

use std::path::Path;

use kendall_broker::{ConsumerId, Delivery};

use super::state::{LiveClock, State};
use super::*;
use crate::rng::{Source, Stream, stream};

fn scenario(text: &str) -> Scenario {
    Scenario::parse(Path::new("live-test.toml"), text).unwrap()
}

/// The state of a run on a manual clock for `scenario`, measuring from time 0 to `horizon`.
fn new_state(scenario: &Scenario, horizon: f64) -> State<'_> {
    State::new(
        scenario,
        LiveClock::manual(),
        recorder(scenario, 0.0, horizon),
    )
    .unwrap()
}

fn service() -> Stream {
    stream(1, 0, Source::Service(0))
}

/// One queue, `consumers` consumers pulling from a shared buffer, and `extra` keys.
fn one_queue(consumers: u32, extra: &str) -> Scenario {
    scenario(&one_queue_text(consumers, extra))
}

/// The text of [`one_queue`].
fn one_queue_text(consumers: u32, extra: &str) -> String {
    format!(
        r#"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 1.0 }}
[[queues]]
name = "q"
consumers = {consumers}
service = {{ kind = "exponential", mean = 1.0 }}
{extra}
"#
    )
}

/// Publishes at `t`.
fn publish(state: &mut State<'_>, t: f64) {
    state.set_clock(t);
    state.publish(0, 0, &mut service()).unwrap();
}

/// Consumer `c` polls at `t`.
fn poll(state: &mut State<'_>, c: u32, t: f64) -> Option<Delivery> {
    state.set_clock(t);
    state.poll(ConsumerId(c)).unwrap()
}

/// Consumer `c` finishes `d` at `t` (acked, or nacked when `failed`) and polls again.
fn finish(state: &mut State<'_>, c: u32, d: &Delivery, failed: bool, t: f64) -> Option<Delivery> {
    state.set_clock(t);
    state
        .finish(ConsumerId(c), d, None, failed, None, &mut service())
        .unwrap()
}

/// The system's estimates once the run is closed at `horizon`.
fn system(state: &mut State<'_>, horizon: f64) -> Estimates {
    state.set_clock(horizon);
    state.close();
    state.rec.final_estimates.as_ref().unwrap().0
}

/// The p_wait rule: a message counts as waiting only when its publication found every
/// consumer of its queue busy. m2 is published while A serves m1 and B is idle: it goes to B's
/// mailbox at its publication instant, so A, finishing m1 before B's thread wakes, cannot take
/// it (in a receiving-consumer rule it would have, and m2 would have counted as waiting). m5
/// finds both busy and does wait. So p_wait is 1/5, as is Wq (m5 waited 1).
#[test]
fn p_wait_counts_only_messages_that_found_every_consumer_busy() {
    let s = one_queue(2, "");
    let mut state = new_state(&s, 20.0);
    assert_eq!(poll(&mut state, 0, 0.0), None); // A idle first
    assert_eq!(poll(&mut state, 1, 0.0), None); // then B
    publish(&mut state, 1.0); // m1: delivered to A at once
    assert_eq!(state.notify.drain(..).collect::<Vec<_>>(), [ConsumerId(0)]);
    let m1 = state.mail[0].take().unwrap();
    assert_eq!((m1.message.published_at, m1.delivered_at), (1.0, 1.0));
    publish(&mut state, 2.0); // m2: A busy, B idle: delivered to B at once
    assert_eq!(state.notify.drain(..).collect::<Vec<_>>(), [ConsumerId(1)]);
    assert_eq!(finish(&mut state, 0, &m1, false, 3.0), None); // nothing left for A
    let m2 = state.mail[1].take().unwrap();
    assert_eq!((m2.message.published_at, m2.delivered_at), (2.0, 2.0));
    assert_eq!(finish(&mut state, 1, &m2, false, 4.0), None);
    publish(&mut state, 5.0); // m3 → A (idle the longest)
    let m3 = state.mail[0].take().unwrap();
    publish(&mut state, 5.5); // m4 → B
    let m4 = state.mail[1].take().unwrap();
    state.notify.clear();
    publish(&mut state, 6.0); // m5: both busy, it waits
    assert!(state.notify.is_empty() && state.mail.iter().all(Option::is_none));
    let m5 = finish(&mut state, 0, &m3, false, 7.0).unwrap();
    assert_eq!((m5.message.published_at, m5.delivered_at), (6.0, 7.0));
    assert_eq!(finish(&mut state, 1, &m4, false, 7.5), None);
    assert_eq!(finish(&mut state, 0, &m5, false, 8.0), None);
    let e = system(&mut state, 20.0);
    assert_eq!(e.measured, 5);
    assert_eq!(e.get(Metric::PWait), 0.2);
    assert!((e.get(Metric::Wq) - 0.2).abs() < 1e-12);
    assert!(
        state.fates[0]
            .disagreement(&state.stats().unwrap()[0])
            .is_none()
    );
}

/// A message nacked after its time to live ran out, and one that waited past its own, are
/// expired by the deadline pass that ends the nack — reported, recorded as lost and counted —
/// before the poll that follows could expire them unreported.
#[test]
fn messages_past_their_ttl_expire_reported_not_in_a_silent_poll() {
    let s = one_queue(1, "ttl = 1.0\nfail = 0.5");
    let mut state = new_state(&s, 20.0);
    assert_eq!(poll(&mut state, 0, 0.0), None);
    publish(&mut state, 0.0);
    let m1 = state.mail[0].take().unwrap();
    publish(&mut state, 0.1); // waits behind m1
    // Processing m1 fails at 2: requeued with its TTL (deadline 1) long past, m2's too.
    assert_eq!(finish(&mut state, 0, &m1, true, 2.0), None);
    let stats = state.stats().unwrap()[0];
    assert_eq!((stats.expired, stats.waiting, stats.in_flight), (2, 0, 0));
    assert_eq!(state.fates[0].expired, 2);
    assert!(state.fates[0].disagreement(&stats).is_none());
    let e = system(&mut state, 20.0);
    // Both left unprocessed: p_loss 1, and L integrates m1 over [0, 2], m2 over [0.1, 2].
    assert_eq!(e.get(Metric::PLoss), 1.0);
    assert!((e.get(Metric::L) - 3.9 / 20.0).abs() < 1e-12);
}

/// Dead-lettering after `max_attempts` moves the message to the dead-letter queue, where it
/// is processed and leaves the system; every fate agrees with the broker's counters.
#[test]
fn a_message_out_of_attempts_moves_to_its_dead_letter_queue() {
    let s = scenario(
        r#"
[[producers]]
name = "p"
to = "q"
interarrival = { kind = "exponential", rate = 1.0 }
[[queues]]
name = "q"
consumers = 1
service = { kind = "exponential", mean = 1.0 }
fail = 0.5
max_attempts = 2
dead_letter = "parked"
[[queues]]
name = "parked"
consumers = 1
service = { kind = "exponential", mean = 1.0 }
"#,
    );
    let mut state = new_state(&s, 20.0);
    // Consumer ids follow the broker's order: the dead-letter queue's consumer first.
    let (q, parked) = (1, 0);
    assert_eq!(state.consumer(ConsumerId(q)).0, 0);
    assert_eq!(poll(&mut state, parked, 0.0), None);
    assert_eq!(poll(&mut state, q, 0.0), None);
    publish(&mut state, 0.0);
    let first = state.mail[q as usize].take().unwrap();
    let second = finish(&mut state, q, &first, true, 1.0).unwrap(); // redelivered
    assert_eq!(second.message.attempt, 2);
    assert_eq!(finish(&mut state, q, &second, true, 2.0), None); // out of attempts
    let d = state.mail[parked as usize].take().unwrap();
    assert_eq!(d.message.born_at, 0.0);
    assert_eq!(finish(&mut state, parked, &d, false, 3.0), None);
    let stats = state.stats().unwrap();
    for (fates, stats) in state.fates.iter().zip(&stats) {
        assert!(
            fates.disagreement(stats).is_none(),
            "{fates:?} vs {stats:?}"
        );
    }
    assert_eq!((state.fates[0].dead_lettered, state.fates[1].acked), (1, 1));
    let e = system(&mut state, 20.0);
    // One message, processed after three services: T = 3, no loss.
    assert_eq!(
        (e.measured, e.get(Metric::T), e.get(Metric::PLoss)),
        (1, 3.0, 0.0)
    );
}

/// Each feature live cannot run is refused by its key, naming the queue.
#[test]
fn crash_processor_sharing_and_preemption_are_refused_by_key() {
    for (extra, key) in [
        (
            "crash = { mtbf = { kind = \"exponential\", mean = 9.0 }, mttr = { kind = \"exponential\", mean = 1.0 } }",
            "queues.q.crash",
        ),
        ("discipline = \"ps\"", "queues.q.discipline"),
        (
            "discipline = \"priority-preemptive\"",
            "queues.q.discipline",
        ),
        (
            "patience = { kind = \"exponential\", mean = 5.0 }",
            "queues.q.patience",
        ),
        (
            "autoscale = { metric = \"backlog\", target = 2.0, max = 1 }",
            "queues.q.autoscale",
        ),
    ] {
        let s = one_queue(1, extra);
        let refusal = unsupported(&s).expect(extra);
        assert_eq!(refusal.key, key);
        assert_eq!(
            refusal.path.to_string(),
            key.replace("queues.q", "queues[0]")
        );
        let err = run_live(&s, 1000.0, 0.01).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("live cannot run `{key}` yet")),
            "{err}"
        );
    }
    // A consumer schedule, in place of the count.
    let text = one_queue_text(1, "").replace(
        "consumers = 1",
        "consumers = { at = [0, 10], values = [1, 2], repeat = 20 }",
    );
    let refusal = unsupported(&scenario(&text)).expect("a schedule");
    assert_eq!(refusal.key, "queues.q.consumers");
    for extra in [
        "discipline = \"priority\"",
        "discipline = \"lifo\"",
        "fail = 0.1\nttl = 3.0\nvisibility_timeout = 5.0\nmax_attempts = 3",
        "capacity = 4\noverflow = \"drop-oldest\"",
    ] {
        assert_eq!(unsupported(&one_queue(2, extra)), None, "{extra}");
    }
}

/// M/M/c by the Erlang C formula (Kleinrock, *Queueing Systems, Vol. 1*, §3.5), computed
/// here independently of the models crate: (P(wait), T).
fn erlang_c(lambda: f64, mean_service: f64, c: u32) -> (f64, f64) {
    let a = lambda * mean_service;
    let rho = a / f64::from(c);
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let tail = term / (1.0 - rho);
    let p_wait = tail / (sum + tail);
    (
        p_wait,
        p_wait * mean_service / (f64::from(c) * (1.0 - rho)) + mean_service,
    )
}

/// Student's t quantiles for 19 degrees of freedom (the batch means'): 0.975 and 0.9995.
const T19_975: f64 = 2.093;
const T19_9995: f64 = 3.883;

/// A 3 s run of the M/M/4 of scenarios/live.toml at speed-up 200 (600 time units, about
/// 1,700 messages): T and p_wait agree with Erlang C. The allowed band runs from theory at
/// the nominal service time to theory at the service time the threads achieved (size plus
/// the measured overshoot), T's upper end plus the measured wake-up latency; around it, the
/// batch-means interval at 99.9%. The books balance: every fate the broker counted, the run
/// heard of.
#[test]
fn mm4_on_threads_agrees_with_erlang_c() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/live.toml");
    let s = Scenario::load(&path).unwrap();
    let r = run_live(&s, 200.0, 3.0).unwrap();
    assert_eq!((r.run.horizon, r.run.batches), (600.0, BATCHES));
    let b = r.broker[0];
    assert!(b.balanced(), "{b:?}");
    assert_eq!(r.fates[0].disagreement(&b), None);
    assert!(r.run.measured > 1200, "{} measured", r.run.measured);
    let (lambda, c) = (2.8, 4);
    let nominal = erlang_c(lambda, 1.0, c);
    let achieved = erlang_c(lambda, 1.0 + r.run.service_overshoot.max(0.0), c);
    let check = |m: Metric, lo: f64, hi: f64| {
        let got = r.system.get(m);
        let slack = got.half_width / T19_975 * T19_9995;
        assert!(
            got.mean >= lo - slack && got.mean <= hi + slack,
            "{}: live {} ± {slack} outside theory's [{lo}, {hi}] (overshoot {}, wake latency {})",
            m.name(),
            got.mean,
            r.run.service_overshoot,
            r.run.wake_latency,
        );
    };
    check(Metric::T, nominal.1, achieved.1 + r.run.wake_latency);
    check(Metric::PWait, nominal.0, achieved.0);
}

/// A producer's `timeout` and `retries` are refused by key (retries first named when given).
#[test]
fn client_timeouts_and_retries_are_refused_by_key() {
    for (keys, key) in [
        ("timeout = 5.0", "producers.p.timeout"),
        ("timeout = 5.0\nretries = 2", "producers.p.retries"),
    ] {
        let text = one_queue_text(1, "").replace("name = \"p\"", &format!("name = \"p\"\n{keys}"));
        let refusal = unsupported(&scenario(&text)).expect(keys);
        assert_eq!(refusal.key, key);
        assert_eq!(
            refusal.path.to_string(),
            key.replace("producers.p", "producers[0]")
        );
    }
}

/// A closed workload (`clients`) is refused by key: a producer thread does not wait for its
/// messages.
#[test]
fn a_closed_workload_is_refused_by_key() {
    let text = one_queue_text(1, "").replace(
        "interarrival = { kind = \"exponential\", rate = 1.0 }",
        "clients = 4\nthink = { kind = \"exponential\", mean = 1.0 }",
    );
    let refusal = unsupported(&scenario(&text)).expect("clients refused");
    assert_eq!(refusal.key, "producers.p.clients");
    assert_eq!(refusal.path.to_string(), "producers[0].clients");
}
