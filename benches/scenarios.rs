//! The benchmark scenarios, as inline TOML (shared by the benches).
#![allow(dead_code)]

use std::path::Path;

use criterion::Criterion;
use kendall_sim::Scenario;

/// Warm-up messages per replication in every benchmark scenario.
pub const WARMUP: u64 = 20_000;

/// A scenario from inline TOML with `customers` measured messages after [`WARMUP`].
pub fn scenario(body: &str, customers: u64, replications: u32) -> Scenario {
    let text = format!(
        "time_unit = \"ms\"\n{body}\n[run]\nreplications = {replications}\ncustomers = {customers}\nwarmup = {WARMUP}\nseed = 42\n"
    );
    Scenario::parse(Path::new("bench.toml"), &text).expect("benchmark scenario is valid")
}

/// One queue of `consumers` consumers (exponential service, mean 1) at load ρ, with `dispatch`.
pub fn single(consumers: u32, rho: f64, dispatch: &str, extra: &str) -> String {
    let rate = rho * f64::from(consumers);
    format!(
        "name = \"{dispatch} c={consumers}\"\n\
         [[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = {rate} }}\n\
         [[queues]]\nname = \"q\"\nconsumers = {consumers}\ndispatch = \"{dispatch}\"\n{extra}\
         service = {{ kind = \"exponential\", mean = 1.0 }}\n"
    )
}

/// M/M/1 at ρ = 0.9.
pub fn mm1() -> String {
    single(1, 0.9, "shared", "")
}

/// Three priority classes (rates 0.3 each, exponential service mean 1) on one consumer.
pub fn priority3() -> String {
    let mut s = String::from("name = \"priority x3\"\n");
    for (i, name) in ["gold", "silver", "bronze"].iter().enumerate() {
        s += &format!("[[classes]]\nname = \"{name}\"\npriority = {i}\n");
    }
    for name in ["gold", "silver", "bronze"] {
        s += &format!(
            "[[producers]]\nname = \"{name}\"\nclass = \"{name}\"\n\
             interarrival = {{ kind = \"exponential\", rate = 0.3 }}\n"
        );
    }
    s += "[[queues]]\nname = \"q\"\nconsumers = 1\ndiscipline = \"priority\"\n\
          service = { kind = \"exponential\", mean = 1.0 }\n";
    s
}

/// Three M/M/1 queues in tandem, each at ρ = 0.9.
pub fn pipeline3() -> String {
    let mut s = String::from(
        "name = \"pipeline x3\"\n[[producers]]\nname = \"p\"\nto = \"a\"\n\
         interarrival = { kind = \"exponential\", rate = 0.9 }\n",
    );
    for (name, next) in [("a", Some("b")), ("b", Some("c")), ("c", None)] {
        s += &format!(
            "[[queues]]\nname = \"{name}\"\nconsumers = 1\n\
             service = {{ kind = \"exponential\", mean = 1.0 }}\n"
        );
        if let Some(n) = next {
            s += &format!("route = [{{ to = \"{n}\", p = 1.0 }}]\n");
        }
    }
    s
}

/// The benches' criterion settings. Its HTML charts are off: they need a system font (its
/// plotters backend finds none on a bare machine, and panics); the figures themselves are
/// printed and saved without them.
pub fn config() -> Criterion {
    Criterion::default().without_plots()
}
