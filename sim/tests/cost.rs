//! Consumer time and cost: a constant fleet's consumer time is c × the measured span, a
//! schedule's its integral computed by hand, an autoscaler's the integral of the fleet its
//! decision log records (starting consumers included), and cost is hours × the price.

mod common;

use common::scenario;
use kendall_sim::replication::run_replication;
use kendall_sim::run_experiment;

fn one_queue(time_unit: &str, consumers: &str, run: &str) -> String {
    format!(
        r#"
time_unit = "{time_unit}"
[[producers]]
name = "p"
interarrival = {{ kind = "exponential", rate = 1.0 }}
[[queues]]
name = "q"
{consumers}
cost_per_consumer_hour = 0.12
service = {{ kind = "exponential", mean = 1.0 }}
[run]
replications = 3
{run}
"#
    )
}

#[test]
fn a_constant_fleet_costs_its_count_times_the_span() {
    let s = scenario(&one_queue(
        "s",
        "consumers = 3",
        "horizon = 500.0\nwindow = 100.0",
    ));
    let r = run_experiment(&s).unwrap();
    let c = r.cost.unwrap();
    assert_eq!(c.consumer_time[0].mean, 1500.0);
    assert_eq!(c.consumer_time_total.mean, 1500.0);
    // 1500 s = 5/12 h, at 0.12 per consumer-hour: 0.05.
    let cost = c.cost_total.unwrap().mean;
    assert!((cost - 0.05).abs() < 1e-12, "{cost}");
    for w in &r.windows {
        assert_eq!(w.consumer_time.mean, 300.0);
    }
    // A run to a count of customers: c × the measured span, which the throughput gives as
    // messages measured / throughput (one replication, so no averaging in between).
    let s = scenario(&one_queue("s", "consumers = 3", "customers = 5000"));
    let one = run_replication(&s, 0).unwrap();
    let span = one.system.measured as f64 / one.system.get(kendall_sim::Metric::Throughput);
    assert!((one.consumer_time[0] - 3.0 * span).abs() < 1e-9 * span);
}

/// Two consumers in [0, 30), four in [30, 60), repeating, over [0, 100): 2·30 + 4·30 +
/// 2·30 + 4·10 = 280 consumer-minutes; windows of 25: 50, 2·5 + 4·20 = 90, 4·10 + 2·15 =
/// 70, 2·15 + 4·10 = 70. At 0.12 per hour: 280/60 · 0.12 = 0.56.
#[test]
fn a_schedule_costs_its_integral() {
    let schedule = "consumers = { at = [0, 30], values = [2, 4], repeat = 60 }";
    let s = scenario(&one_queue(
        "min",
        schedule,
        "horizon = 100.0\nwindow = 25.0",
    ));
    let r = run_experiment(&s).unwrap();
    let c = r.cost.unwrap();
    assert_eq!(c.consumer_time_total.mean, 280.0);
    assert!((c.cost_total.unwrap().mean - 0.56).abs() < 1e-12);
    let windows: Vec<f64> = r.windows.iter().map(|w| w.consumer_time.mean).collect();
    assert_eq!(windows, [50.0, 90.0, 70.0, 70.0]);
    let costs: Vec<f64> = r.windows.iter().map(|w| w.cost.mean).collect();
    for (k, want) in [50.0, 90.0, 70.0, 70.0].iter().enumerate() {
        assert!((costs[k] - want / 60.0 * 0.12).abs() < 1e-12);
    }
    // The same in hours: 280 consumer-hours at 0.12.
    let s = scenario(&one_queue("h", schedule, "horizon = 100.0"));
    let c = run_experiment(&s).unwrap().cost.unwrap();
    assert!((c.cost_total.unwrap().mean - 280.0 * 0.12).abs() < 1e-9);
}

/// An autoscaler with a start-up delay pays for its fleet from each decision on: the
/// integral of the fleet (`min` from 0, then each decision's `desired` from its time),
/// computed from the decision log, is the consumer time. The consumers on duty (who exclude
/// those starting up) integrate to less.
#[test]
fn an_autoscaler_pays_for_its_fleet_starting_consumers_included() {
    let s = scenario(
        r#"
time_unit = "s"
[[producers]]
name = "p"
interarrival = { kind = "exponential", rate = 3.0 }
[[queues]]
name = "q"
autoscale = { metric = "backlog", target = 2.0, min = 1, max = 8, interval = 5.0, startup = 20.0, stabilization = 30.0 }
cost_per_consumer_hour = 1.0
service = { kind = "exponential", mean = 1.0 }
[run]
replications = 2
horizon = 600.0
window = 100.0
seed = 9
"#,
    );
    for k in 0..2 {
        let r = run_replication(&s, k).unwrap();
        let log = r.autoscale[0].as_ref().unwrap();
        assert!(!log.decisions.is_empty() && log.left_out == 0);
        let (mut fleet, mut since, mut area) = (1.0, 0.0, 0.0);
        for d in &log.decisions {
            area += fleet * (d.time - since);
            (fleet, since) = (f64::from(d.desired), d.time);
        }
        area += fleet * (600.0 - since);
        assert!((r.consumer_time[0] - area).abs() < 1e-9 * area, "{k}");
        let on_duty: f64 = r
            .windows
            .iter()
            .map(|w| w.on_duty * (w.end - w.start))
            .sum();
        assert!(on_duty < area, "{on_duty} {area}");
        let windows: f64 = r.windows.iter().map(|w| w.consumer_time).sum();
        assert!((windows - area).abs() < 1e-9 * area);
    }
}
