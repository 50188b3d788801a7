//! Heavy-tail honesty, end to end: a two-moment approximation (Allen–Cunneen here) of a
//! queue with heavy-tailed service warns that its error can be unbounded in `run` (the
//! `warnings` array), `predict` (stderr), `sweep` (each point's warnings) and `report` (the
//! page's warnings); exponential service does not.

mod common;

use common::{json, kendall};

const PHRASE: &str = "two-moment approximation with service SCV 0.80: its error can be unbounded (Gupta, Harchol-Balter, Dai & Zwart 2010)";

/// M/G/2 at 1.2 per unit with `service` (mean 1), written to a scratch file.
fn scenario(name: &str, service: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("kendall-heavy-{}-{name}.toml", std::process::id()));
    std::fs::write(
        &path,
        format!(
            r#"name = "M/G/2, {name}"
[[producers]]
name = "web"
interarrival = {{ kind = "exponential", rate = 1.2 }}
[[queues]]
name = "q"
consumers = 2
service = {service}
[run]
replications = 4
customers = 3000
seed = 3
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn pareto_service_under_allen_cunneen_warns_everywhere_and_exponential_does_not() {
    let pareto = scenario("pareto", r#"{ kind = "pareto", shape = 2.5, scale = 0.6 }"#);
    let p = pareto.to_str().unwrap();
    let doc = json(&["run", p, "--json"]);
    let warned = |doc: &serde_json::Value| {
        doc["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(PHRASE))
    };
    assert!(warned(&doc), "{}", doc["warnings"]);
    let out = kendall(&["predict", p]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: queue q: ") && err.contains(PHRASE),
        "{err}"
    );
    let out = kendall(&[
        "sweep",
        p,
        "--set",
        "producers.web.interarrival.rate=1.0,1.2",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches(PHRASE).count(), 2, "{err}");
    let dir = std::env::temp_dir().join(format!("kendall-heavy-report-{}", std::process::id()));
    let out = kendall(&["report", p, "--out", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains(PHRASE), "{md}");
    let _ = std::fs::remove_dir_all(&dir);

    let exp = scenario("exponential", r#"{ kind = "exponential", mean = 1.0 }"#);
    let doc = json(&["run", exp.to_str().unwrap(), "--json"]);
    assert!(!warned(&doc), "{}", doc["warnings"]);
    let out = kendall(&["predict", exp.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("two-moment"));
    let _ = std::fs::remove_file(pareto);
    let _ = std::fs::remove_file(exp);
}
