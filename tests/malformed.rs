//! The malformed-scenario corpus: every file in `tests/bad/` is a mistake a user makes, and
//! `kendall` must reject it with exit 1 and a message naming the file, the exact line, the
//! dotted key and what is wrong — never a panic.

use std::collections::BTreeSet;

use assert_cmd::Command;

/// (file in tests/bad, line, dotted key ("" for TOML syntax), words the message must contain).
#[rustfmt::skip]
const CASES: &[(&str, usize, &str, &[&str])] = &[
    // TOML itself
    ("syntax.toml", 3, "", &["missing comma"]),
    ("duplicate_key.toml", 8, "", &["duplicate key `consumers`"]),
    // top-level layout
    ("no_queues.toml", 1, "queues", &["at least one [[queues]]"]),
    ("no_producers.toml", 1, "producers", &["at least one [[producers]]"]),
    ("unknown_table.toml", 10, "simulation", &["unknown field `simulation`", "`run`"]),
    ("run_array.toml", 10, "run", &["single table", "`[run]`"]),
    ("queues_table.toml", 5, "queues", &["list of tables", "`[[queues]]`"]),
    ("time_unit_number.toml", 1, "time_unit", &["invalid type: integer", "string"]),
    // unknown keys
    ("unknown_key.toml", 9, "queues[0].consumer", &["unknown field `consumer`", "`consumers`"]),
    ("run_unknown_key.toml", 11, "run.replication", &["unknown field `replication`", "`replications`"]),
    ("param_typo.toml", 8, "queues[0].service.maen", &["unknown field `maen`", "`mean`"]),
    // wrong value types
    ("consumers_string.toml", 7, "queues[0].consumers", &["invalid type: string \"4\"", "whole number"]),
    ("consumers_float.toml", 7, "queues[0].consumers", &["floating point `2.5`", "whole number"]),
    ("rate_string.toml", 3, "producers[0].interarrival.rate", &["string \"fast\"", "expected a number"]),
    ("seed_string.toml", 11, "run.seed", &["string \"42\"", "whole number"]),
    ("class_priority_string.toml", 3, "classes[0].priority", &["string \"high\"", "whole number"]),
    ("interarrival_string.toml", 3, "producers[0].interarrival", &["distribution table", "kind ="]),
    ("route_table.toml", 9, "queues[0].route", &["array of entries", "route = ["]),
    ("service_missing.toml", 5, "queues[0]", &["missing field `service`"]),
    // queues: consumers, capacity, speeds, delivery
    ("negative_consumers.toml", 7, "queues[0].consumers", &["invalid value", "-1"]),
    ("consumers_zero.toml", 7, "queues[0].consumers", &["at least one consumer"]),
    ("consumers_huge.toml", 7, "queues[0].consumers", &["more than kendall simulates", "1000000"]),
    ("capacity_zero.toml", 8, "queues[0].capacity", &["at least 1"]),
    ("capacity_negative.toml", 8, "queues[0].capacity", &["invalid value", "-5"]),
    ("capacity_below_consumers.toml", 8, "queues[0].capacity", &["capacity 2", "4 consumers"]),
    ("speeds_count.toml", 8, "queues[0].speeds", &["2 speeds for 3 consumers"]),
    ("speeds_negative.toml", 8, "queues[0].speeds[1]", &["positive", "-2"]),
    ("max_attempts_zero.toml", 8, "queues[0].max_attempts", &["at least 1"]),
    ("ttl_zero.toml", 8, "queues[0].ttl", &["positive time", "not 0"]),
    ("ttl_negative.toml", 8, "queues[0].ttl", &["positive time", "-3"]),
    ("visibility_negative.toml", 8, "queues[0].visibility_timeout", &["positive time", "-1"]),
    ("fail_one.toml", 9, "queues[0].fail", &["[0, 1)", "not 1"]),
    ("fail_negative.toml", 8, "queues[0].fail", &["[0, 1)", "-0.1"]),
    ("dead_letter_self.toml", 8, "queues[0].dead_letter", &["its own dead-letter"]),
    ("dead_letter_missing.toml", 8, "queues[0].dead_letter", &["no queue named `dlq`"]),
    ("dlq_loop.toml", 9, "queues[0].dead_letter", &["form a loop"]),
    ("crash_bad_mttr.toml", 9, "queues[0].crash.mttr.mean", &["positive", "not 0"]),
    // dispatch
    ("bad_dispatch.toml", 9, "queues[0].dispatch", &["`round_robin`", "did you mean `round-robin`"]),
    ("dispatch_unknown.toml", 8, "queues[0].dispatch", &["did you mean `least-work`"]),
    ("dispatch_case.toml", 8, "queues[0].dispatch", &["`JSQ`", "did you mean `jsq`"]),
    ("dispatch_power_two.toml", 8, "queues[0].dispatch", &["did you mean `power-of-d`"]),
    ("power_of_d_without_d.toml", 8, "queues[0].dispatch", &["power-of-d needs `d`"]),
    ("d_without_power_of_d.toml", 9, "queues[0].d", &["only to dispatch = \"power-of-d\""]),
    ("d_too_large.toml", 9, "queues[0].d", &["d = 5", "1..=4"]),
    ("weighted_no_speeds.toml", 8, "queues[0].dispatch", &["`speeds`"]),
    ("weighted_speeds_count.toml", 9, "queues[0].speeds", &["2 weights for 3 consumers"]),
    // discipline
    ("discipline_typo.toml", 8, "queues[0].discipline", &["did you mean `priority`"]),
    ("discipline_preemptive_typo.toml", 8, "queues[0].discipline", &["did you mean `priority-preemptive`"]),
    ("ps_shared.toml", 8, "queues[0].discipline", &["processor sharing", "push dispatch"]),
    // overflow
    ("overflow_typo.toml", 9, "queues[0].overflow", &["did you mean `drop-oldest`"]),
    ("overflow_unknown.toml", 9, "queues[0].overflow", &["`block`", "one of `reject`, `drop-oldest`"]),
    ("overflow_without_capacity.toml", 8, "queues[0].overflow", &["needs a `capacity`"]),
    // distributions
    ("negative_rate.toml", 4, "producers[0].interarrival.rate", &["positive", "-0.9"]),
    ("kind_typo.toml", 8, "queues[0].service.kind", &["did you mean `exponential`"]),
    ("kind_missing.toml", 8, "queues[0].service", &["missing field `kind`", "hyperexponential"]),
    ("gamma_missing_scale.toml", 8, "queues[0].service", &["`scale` missing"]),
    ("exponential_extra_param.toml", 8, "queues[0].service.value", &["does not apply to an exponential"]),
    ("exponential_rate_and_mean.toml", 8, "queues[0].service.mean", &["does not go with"]),
    ("mean_negative.toml", 8, "queues[0].service.value", &["positive", "-1"]),
    ("uniform_high_below_low.toml", 8, "queues[0].service.high", &["greater than low = 2"]),
    ("erlang_fractional_k.toml", 8, "queues[0].service.k", &["positive integer", "2.5"]),
    ("lognormal_zero_sigma.toml", 8, "queues[0].service.sigma", &["positive", "not 0"]),
    ("weibull_negative_shape.toml", 8, "queues[0].service.shape", &["positive", "-1.5"]),
    ("pareto_zero_scale.toml", 8, "queues[0].service.scale", &["positive", "not 0"]),
    ("deterministic_scv.toml", 8, "queues[0].service.scv", &["scv = 0, not 1"]),
    ("hyper_probs_sum.toml", 8, "queues[0].service.probs", &["add up to 1", "1.1"]),
    ("hyper_rates_count.toml", 8, "queues[0].service.rates", &["one rate per phase"]),
    ("hyper_low_scv.toml", 8, "queues[0].service.scv", &["scv > 1", "0.5"]),
    ("empirical_no_file.toml", 8, "queues[0].service", &["empirical needs `file`"]),
    ("empirical_missing_file.toml", 8, "queues[0].service.file", &["cannot read", "no_such_samples.txt"]),
    ("empirical_bad_file.toml", 8, "queues[0].service.file", &["bad_samples.txt line 5", "`fast` is not a number"]),
    // names and references
    ("duplicate_queue.toml", 11, "queues[1].name", &["two queues are named `a`"]),
    ("duplicate_producer.toml", 6, "producers[1].name", &["two producers are named `web`"]),
    ("duplicate_class.toml", 5, "classes[1].name", &["two classes are named `sms`"]),
    ("missing_queue.toml", 3, "producers[0].to", &["no queue named `order`", "did you mean `orders`"]),
    ("producer_needs_to.toml", 1, "producers[0].to", &["several queues", "`to`"]),
    ("producer_unknown_class.toml", 10, "producers[0].class", &["no class named `chat`", "`email`, `sms`"]),
    ("producer_needs_class.toml", 8, "producers[0].class", &["several classes", "`class`"]),
    ("service_by_class_unknown.toml", 12, "queues[0].service_by_class.emial", &["no class named `emial`", "did you mean `email`"]),
    // routes
    ("route_missing_queue.toml", 9, "queues[0].route[0].to", &["no queue named `audti`", "did you mean `audit`"]),
    ("route_p_zero.toml", 11, "queues[0].route[1].p", &["(0, 1]", "not 0"]),
    ("route_sum.toml", 9, "queues[0].route", &["add up to 1.2"]),
    ("trapped.toml", 9, "queues[0].route", &["no message can ever leave"]),
    // [expected]
    ("expected_unknown_key.toml", 12, "expected.utilisation", &["unknown key `utilisation`", "did you mean `utilization`"]),
    ("expected_no_source.toml", 10, "expected", &["needs `source`"]),
    ("expected_string_value.toml", 12, "expected.T", &["is a number", "\"2\""]),
    ("expected_kind_unknown.toml", 12, "expected.kind", &["unknown kind `approx`", "`approximation`"]),
    ("expected_negative.toml", 12, "expected.p_loss", &["at least 0", "-0.1"]),
    // arrivals that change (issue 19)
    ("rate_at_not_increasing.toml", 3, "producers[0].rate.at[2]", &["strictly increasing", "6 follows 8"]),
    ("rate_negative_value.toml", 3, "producers[0].rate.values[1]", &["≥ 0", "-2"]),
    ("rate_amplitude_above_mean.toml", 3, "producers[0].rate.amplitude", &["must not exceed the mean", "1.5"]),
    ("rate_and_interarrival.toml", 4, "producers[0].rate", &["`rate`", "`interarrival`", "not both"]),
    ("rate_repeat_too_short.toml", 3, "producers[0].rate.repeat", &["must exceed the last time of `at` (16)"]),
    ("no_interarrival.toml", 1, "producers[0]", &["needs `interarrival`", "`rate`"]),
    ("batch_fractional.toml", 4, "producers[0].batch.value", &["positive integer", "2.5"]),
    ("batch_geometric_below_one.toml", 4, "producers[0].batch.mean", &["at least 1", "0.5"]),
    ("mmpp_durations_mismatch.toml", 3, "producers[0].interarrival.mean_durations", &["one mean duration per state"]),
    ("mmpp_negative_rate.toml", 3, "producers[0].interarrival.rates[1]", &["non-negative", "-2"]),
    // autoscale (issue 20)
    ("autoscale_metric_typo.toml", 8, "queues[0].autoscale.metric", &["unknown autoscale metric `backlg`", "did you mean `backlog`"]),
    ("autoscale_min_above_max.toml", 8, "queues[0].autoscale.min", &["at most `max` (4)", "not 5"]),
    ("autoscale_target_zero.toml", 8, "queues[0].autoscale.target", &["positive", "not 0"]),
    // client timeouts and retries
    ("retries_without_timeout.toml", 4, "producers[0].retries", &["retries need a `timeout`"]),
    ("timeout_negative.toml", 4, "producers[0].timeout", &["positive time", "-2"]),
    ("retries_negative.toml", 5, "producers[0].retries", &["invalid value", "-1"]),
    ("client_backoff_jitter.toml", 6, "producers[0].retry_backoff.jitter", &["unknown jitter `ful`", "did you mean `full`"]),
    ("client_backoff_without_retries.toml", 5, "producers[0].retry_backoff", &["needs `retries` > 0"]),
    ("client_backoff_base_zero.toml", 6, "producers[0].retry_backoff.base", &["positive time", "not 0"]),
    // cost
    ("cost_time_unit.toml", 1, "time_unit", &["cost_per_consumer_hour", "not \"ticks\""]),
    ("cost_no_time_unit.toml", 1, "time_unit", &["\"ms\", \"s\", \"min\" or \"h\""]),
    ("cost_negative.toml", 8, "queues[0].cost_per_consumer_hour", &["at least 0", "-1"]),
    ("autoscale_utilization_percent.toml", 8, "queues[0].autoscale.target", &["fraction in (0, 1]", "not 80"]),
    ("autoscale_tolerance_one.toml", 8, "queues[0].autoscale.tolerance", &["[0, 1)", "not 1"]),
    ("autoscale_interval_zero.toml", 8, "queues[0].autoscale.interval", &["positive", "not 0"]),
    ("autoscale_startup_negative.toml", 8, "queues[0].autoscale.startup", &["0 or more", "-30"]),
    ("autoscale_unknown_key.toml", 8, "queues[0].autoscale.cooldown", &["unknown field `cooldown`", "`stabilization`"]),
    ("autoscale_consumers_mismatch.toml", 7, "queues[0].consumers", &["must equal autoscale's `max` (4)", "not 3"]),
    ("autoscale_with_schedule.toml", 9, "queues[0].autoscale", &["exclude each other"]),
    ("autoscale_jsq.toml", 7, "queues[0].dispatch", &["`autoscale` needs dispatch = \"shared\""]),
    ("consumers_missing.toml", 5, "queues[0].consumers", &["needs `consumers`", "`autoscale`"]),
    // [run]
    ("warmup_string.toml", 11, "run.warmup", &["\"auto\"", "\"automatic\""]),
    ("warmup_negative.toml", 11, "run.warmup", &["count of messages", "-100"]),
    ("replications_zero.toml", 11, "run.replications", &["at least 1 replication", "batch means"]),
    ("batches_with_replications.toml", 12, "run.batches", &["set replications = 1", "not 5"]),
    ("batches_one.toml", 12, "run.batches", &["at least 2 batches", "not 1"]),
    ("batches_too_many.toml", 13, "run.batches", &["20 batches of 10 customers"]),
    ("horizon_one_replication.toml", 11, "run.replications", &["at least 2 replications", "batches"]),
    ("customers_zero.toml", 11, "run.customers", &["at least 1"]),
    ("window_without_horizon.toml", 11, "run.window", &["`window` needs `horizon`"]),
    ("horizon_with_customers.toml", 12, "run.customers", &["`customers` and `horizon` exclude each other"]),
    ("horizon_zero.toml", 11, "run.horizon", &["positive, finite time", "not 0"]),
    ("window_negative.toml", 12, "run.window", &["positive, finite time", "not -5"]),
    ("horizon_warmup.toml", 12, "run.warmup", &["warmup must be 0 or absent", "not 50"]),
    // closed workloads
    ("closed_clients_zero.toml", 5, "producers[0].clients", &["at least 1 client", "not 0"]),
    ("closed_clients_with_rate.toml", 7, "producers[0].rate", &["closed workload", "no `rate`"]),
    ("closed_clients_with_interarrival.toml", 6, "producers[0].interarrival", &["closed workload", "no `interarrival`"]),
    ("closed_clients_with_timeout.toml", 7, "producers[0].timeout", &["closed workload", "no `timeout`"]),
    ("closed_clients_without_think.toml", 5, "producers[0].clients", &["needs `think`"]),
    ("closed_think_without_clients.toml", 6, "producers[0].think", &["needs `clients`"]),
];

fn stderr_of(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_malformed_scenario_is_located_and_explained() {
    let mut failures = Vec::new();
    for &(file, line, key, words) in CASES {
        let path = format!("tests/bad/{file}");
        for command in ["validate", "run"] {
            let (code, err) = stderr_of(&[command, &path]);
            let mut wrong = Vec::new();
            if code != Some(1) {
                wrong.push(format!("exit {code:?}, not 1"));
            }
            if !err.contains(&format!("{path}:{line}:")) {
                wrong.push(format!("no `{path}:{line}:`"));
            }
            if !key.is_empty() && !err.contains(&format!("key `{key}`:")) {
                wrong.push(format!("no key `{key}`"));
            }
            for w in words {
                if !err.contains(w) {
                    wrong.push(format!("no {w:?}"));
                }
            }
            if err.contains("panicked") {
                wrong.push("panicked".into());
            }
            if !wrong.is_empty() {
                failures.push(format!("{command} {file}: {}\n    {err}", wrong.join(", ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file in tests/bad is in the table (a new file cannot go untested), and the corpus
/// covers at least 40 mistakes.
#[test]
fn the_table_covers_the_whole_corpus() {
    let on_disk: BTreeSet<String> = std::fs::read_dir("tests/bad")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    assert_eq!(listed.len(), CASES.len(), "a file is listed twice");
    assert_eq!(on_disk, listed, "tests/bad and CASES differ");
    assert!(CASES.len() >= 40, "only {} cases", CASES.len());
}
