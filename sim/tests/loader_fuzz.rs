//! Fuzzing the scenario loader: `Scenario::parse` must never panic, and every error it
//! returns must point at a real line (≥ 1, within the text) with a non-empty message.
//!
//! Four generators, 100 000 inputs in all (see [`TOTAL`]): raw bytes, arbitrary Unicode,
//! TOML assembled from the scenario grammar with random keys, values and types, and
//! mutations of the real scenario files in `scenarios/` (lines deleted, duplicated, swapped,
//! values replaced by random tokens, text cut short).

use std::path::Path;

use kendall_sim::{Scenario, ScenarioError};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const BYTES: u32 = 20_000;
const UNICODE: u32 = 10_000;
const GRAMMAR: u32 = 40_000;
const MUTATIONS: u32 = 30_000;
/// Inputs generated over all the tests of this file.
const TOTAL: u32 = BYTES + UNICODE + GRAMMAR + MUTATIONS;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Shrinking only runs after a failure; keep it short.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Parses `text` and checks the error, if any, is located and explained.
fn check(text: &str) -> Result<(), TestCaseError> {
    match Scenario::parse(Path::new("fuzz.toml"), text) {
        Ok(_) => Ok(()),
        Err(ScenarioError::Invalid {
            line,
            column,
            message,
            ..
        }) => {
            let lines = text.split('\n').count();
            prop_assert!(
                line >= 1 && line <= lines,
                "line {line} outside 1..={lines}"
            );
            prop_assert!(column >= 1, "column {column}");
            prop_assert!(!message.trim().is_empty(), "empty message");
            Ok(())
        }
        // `parse` reads no file and applies no --set: these cannot happen here.
        Err(e @ (ScenarioError::Io { .. } | ScenarioError::CommandLine { .. })) => {
            Err(TestCaseError::fail(format!("unexpected error: {e}")))
        }
    }
}

// ---------- the scenario grammar ----------

/// Keys of the contract, a few misspellings, and keys that belong elsewhere.
const KEYS: &[&str] = &[
    "name",
    "time_unit",
    "to",
    "class",
    "priority",
    "interarrival",
    "consumers",
    "dispatch",
    "d",
    "discipline",
    "capacity",
    "overflow",
    "service",
    "service_by_class",
    "route",
    "speeds",
    "visibility_timeout",
    "max_attempts",
    "ttl",
    "dead_letter",
    "fail",
    "crash",
    "mtbf",
    "mttr",
    "replications",
    "customers",
    "warmup",
    "seed",
    "p",
    "consumer",
    "servcie",
    "rate",
    "mean",
];
const DIST_KEYS: &[&str] = &[
    "kind", "rate", "mean", "scv", "value", "low", "high", "k", "shape", "scale", "mu", "sigma",
    "probs", "rates", "file", "maen",
];
/// Words that are valid somewhere (names of queues and classes, strategies, kinds) or nearly.
const WORDS: &[&str] = &[
    "a",
    "b",
    "q",
    "orders",
    "sms",
    "email",
    "default",
    "shared",
    "random",
    "round-robin",
    "jsq",
    "power-of-d",
    "least-work",
    "jiq",
    "key-hash",
    "weighted-round-robin",
    "round_robin",
    "fifo",
    "lifo",
    "priority",
    "priority-preemptive",
    "ps",
    "reject",
    "drop-oldest",
    "auto",
    "exponential",
    "deterministic",
    "uniform",
    "erlang",
    "gamma",
    "lognormal",
    "weibull",
    "hyperexponential",
    "pareto",
    "empirical",
    "trace",
    "",
    "no_such_file.txt",
    "Cargo.toml",
];

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (-3i64..20).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (-2.0f64..5.0).prop_map(|x| format!("{x:?}")),
        prop::sample::select(vec![
            "0",
            "0.0",
            "-0.0",
            "1e308",
            "1e-320",
            "inf",
            "-inf",
            "nan",
            "4294967296",
            "18446744073709551615",
            "1000000",
            "4000000000",
            "0.5",
            "1.0",
            "2",
        ])
        .prop_map(str::to_string),
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(|w| format!("{w:?}"))
}

fn dist() -> impl Strategy<Value = String> {
    let pair = (
        prop::sample::select(DIST_KEYS),
        prop_oneof![number(), word()],
    );
    (word(), prop::collection::vec(pair, 0..4), any::<bool>()).prop_map(|(kind, params, arr)| {
        let mut parts = vec![format!("kind = {kind}")];
        for (k, v) in params {
            if arr && (k == "probs" || k == "rates") {
                parts.push(format!("{k} = [{v}, 0.5]"));
            } else {
                parts.push(format!("{k} = {v}"));
            }
        }
        format!("{{ {} }}", parts.join(", "))
    })
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => number(),
        4 => word(),
        1 => Just("true".to_string()),
        3 => dist(),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..3).prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

fn assignment() -> impl Strategy<Value = String> {
    (prop::sample::select(KEYS), value()).prop_map(|(k, v)| format!("{k} = {v}"))
}

fn section() -> impl Strategy<Value = String> {
    let header = prop::sample::select(vec![
        "[[classes]]",
        "[[producers]]",
        "[[queues]]",
        "[[queues]]",
        "[run]",
        "[[run]]",
        "[queues]",
        "[simulation]",
        "",
    ]);
    (header, prop::collection::vec(assignment(), 0..8))
        .prop_map(|(h, body)| format!("{h}\n{}\n", body.join("\n")))
}

/// A producer and a queue that are nearly right, plus random sections: most inputs get past
/// the TOML parser and deep into validation.
fn grammar_scenario() -> impl Strategy<Value = String> {
    let base_producer =
        (value(), prop::collection::vec(assignment(), 0..3)).prop_map(|(ia, extra)| {
            format!(
                "[[producers]]\nname = \"p\"\ninterarrival = {ia}\n{}\n",
                extra.join("\n")
            )
        });
    let base_queue = (dist(), prop::collection::vec(assignment(), 0..5)).prop_map(|(s, extra)| {
        format!(
            "[[queues]]\nname = \"a\"\nconsumers = 2\nservice = {s}\n{}\n",
            extra.join("\n")
        )
    });
    (
        prop::collection::vec(assignment(), 0..3),
        base_producer,
        base_queue,
        prop::collection::vec(section(), 0..4),
    )
        .prop_map(|(top, p, q, sections)| {
            format!("{}\n{p}\n{q}\n{}", top.join("\n"), sections.concat())
        })
}

// ---------- mutations of the real files ----------

fn real_paths() -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for dir in ["../scenarios", "../scenarios/validation"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        all.extend(paths);
    }
    assert!(all.len() >= 40, "the example scenarios were not found");
    all
}

fn real_files() -> Vec<String> {
    real_paths()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    ReplaceValue(usize, String),
    Insert(usize, String),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        number(),
        word(),
        value(),
        Just(String::new()),
        Just("[".into())
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), token).prop_map(|(i, t)| Mutation::ReplaceValue(i, t)),
        (any::<usize>(), prop_oneof![assignment(), section()])
            .prop_map(|(i, l)| Mutation::Insert(i, l)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in mutations {
        let n = lines.len().max(1);
        match m {
            Mutation::Delete(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) if !lines.is_empty() => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::Swap(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::ReplaceValue(i, token) if !lines.is_empty() => {
                let line = &mut lines[i % n];
                // Replace what follows the first `=` (or one of the inline table's values).
                let eq: Vec<usize> = line.match_indices('=').map(|(j, _)| j).collect();
                if let Some(&at) = eq.get(i % eq.len().max(1)) {
                    let rest = &line[at + 1..];
                    let end = rest.find([',', '}']).map_or(line.len(), |e| at + 1 + e);
                    *line = format!("{}= {token}{}", &line[..at], &line[end..]);
                }
            }
            Mutation::Insert(i, l) => lines.insert(i % (lines.len() + 1), l.clone()),
            Mutation::Truncate(i) => {
                let joined = lines.join("\n");
                let mut cut = i % (joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(str::to_string).collect();
            }
            _ => {}
        }
    }
    lines.join("\n")
}

// ---------- the tests ----------

#[test]
fn input_count_is_ten_to_the_fifth() {
    assert_eq!(TOTAL, 100_000);
}

#[test]
fn real_files_parse_unmutated() {
    for path in real_paths() {
        // Each example is valid as it is (a mutation then breaks a valid file). Loaded from
        // its own path, so data files it names resolve beside it.
        Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    }
}

proptest! {
    #![proptest_config(config(BYTES))]
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }
}

proptest! {
    #![proptest_config(config(UNICODE))]
    #[test]
    fn random_unicode_never_panics(text in "(\\PC|\n|=|\\[|\\]|\\{|\\}|\"){0,200}") {
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(config(GRAMMAR))]
    #[test]
    fn grammar_scenarios_never_panic(text in grammar_scenario()) {
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(config(MUTATIONS))]
    #[test]
    fn mutated_examples_never_panic(
        pick in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static FILES: Vec<String> = real_files());
        let text = FILES.with(|f| mutate(&f[pick.index(f.len())], &mutations));
        check(&text)?;
    }
}
