//! `kendall fit` and trace replay, end to end.

mod common;

use std::path::PathBuf;

use assert_cmd::Command;
use common::{json, kendall};
use serde_json::Value;

/// A scratch directory under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("kendall-fit-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `kendall fit` on the example service-time log.
const FIT_SERVICE_TIMES: [&str; 6] = [
    "fit",
    "scenarios/data/service_times.csv",
    "--column",
    "service_ms",
    "--kind",
    "service",
];

/// Exit code 1 and a message on stderr containing every needle.
fn fails_with(args: &[&str], needles: &[&str]) {
    let out = kendall(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
    }
}

#[test]
fn malformed_logs_name_the_line() {
    let s = Scratch::new("bad");
    let empty = s.file("empty.txt", "# nothing here\n\n");
    fails_with(&["fit", &empty], &["empty.txt", "no values"]);
    let header_only = s.file("header.csv", "t,service\n");
    fails_with(
        &["fit", &header_only, "--column", "service"],
        &["no values"],
    );
    let text = s.file("text.txt", "1.5\n2.0\nfast\n");
    fails_with(
        &["fit", &text],
        &["text.txt line 3: `fast` is not a number"],
    );
    let csv = s.file("text.csv", "id,service\n1,0.5\n2,n/a\n");
    fails_with(
        &["fit", &csv, "--column", "service", "--kind", "service"],
        &["text.csv line 3: `n/a` is not a number"],
    );
    fails_with(
        &["fit", &csv, "--column", "servce"],
        &["line 1: no column named `servce`", "did you mean `service`"],
    );
    let negative = s.file("negative.txt", "1\n0.5\n-2\n");
    fails_with(
        &["fit", &negative, "--kind", "service"],
        &["negative.txt line 3: a duration must be non-negative, not -2"],
    );
    let unsorted = s.file("unsorted.txt", "0\n1.5\n3\n2.5\n4\n");
    fails_with(
        &["fit", &unsorted, "--timestamps"],
        &["unsorted.txt line 4: timestamps must be sorted, and 2.5 comes after 3"],
    );
    // Timestamps may be negative; their gaps are what is fitted.
    let shifted = s.file("shifted.txt", "-3\n-1\n0\n2.5\n3\n");
    let doc = json(&["fit", &shifted, "--timestamps", "--json"]);
    assert_eq!(doc["n"], 4);
}

#[test]
fn fit_ranks_and_writes_the_best_as_a_scenario_line() {
    let s = Scratch::new("write");
    let out = s.0.join("service.toml");
    let out_str = out.to_str().unwrap();
    let doc = json(&[&FIT_SERVICE_TIMES[..], &["--json", "--write", out_str]].concat());
    // The generator draws lognormal(mu = -0.8, sigma = 0.6) service times.
    let best = &doc["fits"][0];
    assert_eq!(best["kind"], "lognormal");
    let (mu, sigma) = (
        best["params"]["mu"].as_f64().unwrap(),
        best["params"]["sigma"].as_f64().unwrap(),
    );
    let (se_mu, se_sigma) = (
        best["se"]["mu"].as_f64().unwrap(),
        best["se"]["sigma"].as_f64().unwrap(),
    );
    assert!((mu + 0.8).abs() <= 4.0 * se_mu, "mu {mu} ± {se_mu}");
    assert!(
        (sigma - 0.6).abs() <= 4.0 * se_sigma,
        "sigma {sigma} ± {se_sigma}"
    );
    let aics: Vec<f64> = doc["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["aic"].as_f64().unwrap())
        .collect();
    assert!(aics.windows(2).all(|w| w[0] <= w[1] + 2.0), "{aics:?}");
    for key in ["mean", "scv", "loglik", "aic", "ks", "ks_p"] {
        assert!(best[key].is_number(), "{key}");
    }
    // Service data get no burstiness check.
    assert!(doc["burstiness"].is_null());
    // The written line is a scenario line that a scenario accepts as it is.
    let line = std::fs::read_to_string(&out).unwrap();
    assert!(
        line.starts_with("service = { kind = \"lognormal\", mu = "),
        "{line}"
    );
    let scenario = s.file(
        "s.toml",
        &format!(
            "[[producers]]\nname = \"p\"\ninterarrival = {{ kind = \"exponential\", rate = 1.0 }}\n\
             [[queues]]\nname = \"q\"\nconsumers = 1\n{line}"
        ),
    );
    let out = kendall(&["validate", &scenario]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bursty_trace_beats_its_poisson_equivalent_and_warns() {
    // The fit of the bursty log: the exponential row is its Poisson equivalent, and the
    // burstiness check fires.
    let fit = json(&[
        "fit",
        "scenarios/data/arrivals_bursty.txt",
        "--timestamps",
        "--json",
    ]);
    let warnings: Vec<&str> = fit["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("lag-1 autocorrelation")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("burstier")),
        "{warnings:?}"
    );
    let exp = fit["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "exponential")
        .unwrap();
    let rate = exp["params"]["rate"].as_f64().unwrap();
    // trace_bursty_poisson.toml states that rate.
    let poisson_file = std::fs::read_to_string("scenarios/trace_bursty_poisson.toml").unwrap();
    assert!(
        poisson_file.contains(&format!("rate = {rate:.5}")),
        "rate {rate}"
    );

    let trace = json(&["run", "scenarios/trace_bursty.toml", "--json"]);
    let poisson = json(&["run", "scenarios/trace_bursty_poisson.toml", "--json"]);
    let ci = |doc: &Value| {
        let c = &doc["metrics"]["T"]["ci95"];
        (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
    };
    let (trace_lo, _) = ci(&trace);
    let (_, poisson_hi) = ci(&poisson);
    assert!(
        trace_lo > 2.0 * poisson_hi,
        "trace T from {trace_lo} vs Poisson T up to {poisson_hi}"
    );
    let run_warnings = trace["warnings"].to_string();
    assert!(
        run_warnings.contains("producer gateway (trace)"),
        "{run_warnings}"
    );
    assert!(run_warnings.contains("burstier"), "{run_warnings}");
    assert!(!poisson["warnings"].to_string().contains("trace"));
}

#[test]
fn a_stopping_trace_ends_the_run_and_says_so() {
    let s = Scratch::new("stop");
    // 200 arrivals one time unit apart, relative to the scenario's directory.
    let times: String = (0..200).map(|i| format!("{i}\n")).collect();
    s.file("times.txt", &times);
    let scenario = s.file(
        "stop.toml",
        "[[producers]]\nname = \"replay\"\n\
         interarrival = { kind = \"trace\", file = \"times.txt\", at_end = \"stop\" }\n\
         [[queues]]\nname = \"q\"\nconsumers = 1\nservice = { kind = \"deterministic\", value = 0.5 }\n\
         [run]\nreplications = 3\ncustomers = 1000\nwarmup = 0\n",
    );
    let doc = json(&["run", &scenario, "--json"]);
    // Every message is served at once: T = service = 0.5, and 200 per replication.
    let t = doc["metrics"]["T"]["mean"].as_f64().unwrap();
    assert!((t - 0.5).abs() < 1e-9, "T {t}");
    assert_eq!(doc["messages"], 600);
    let w = doc["warnings"].to_string();
    assert!(
        w.contains("replications ended early: 600 of the 3000"),
        "{w}"
    );
    assert!(w.contains("stops after 200 arrivals"), "{w}");
    assert!(!w.contains("include its warm-up"), "{w}");
    // A warm-up longer than the trace never ends: the figures include it, and say so.
    let long_warmup = s.file(
        "stop_warmup.toml",
        &std::fs::read_to_string(&scenario)
            .unwrap()
            .replace("warmup = 0", "warmup = 300"),
    );
    let doc = json(&["run", &long_warmup, "--json"]);
    assert_eq!(doc["messages"], 600);
    let w = doc["warnings"].to_string();
    assert!(
        w.contains("fewer than the warm-up's 300 messages left in at least one replication"),
        "{w}"
    );
}

/// A stopping trace into consumers that crash and recover for ever: the calendar never
/// empties, so the run must end because every producer stopped and the system drained (it
/// looped for ever before). The timeout turns a hang into a failure.
#[test]
fn a_stopping_trace_with_crashes_ends() {
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["run", "tests/data/trace_stop_crash.toml", "--json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status {:?} (a timeout kills it): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    // 4 replications of the trace's 40 messages, every one processed (no loss configured).
    assert_eq!(doc["messages"], 160);
    let w = doc["warnings"].to_string();
    assert!(
        w.contains("replications ended early: 160 of the 4000"),
        "{w}"
    );
    let c = &doc["queues"]["q"]["counts"];
    assert!(
        c["redelivered"].as_f64().unwrap() > 0.0,
        "no crash hit a message: {c}"
    );
}

/// `fit --plot DIR` creates DIR (nested, missing) and writes the CDF and Q-Q charts as SVG
/// and PNG, naming each file on stderr; the table on stdout is unchanged.
#[test]
fn fit_plot_writes_the_cdf_and_qq_charts() {
    let s = Scratch::new("plot");
    let dir = s.0.join("charts").join("service");
    let d = dir.to_str().unwrap();
    let args = FIT_SERVICE_TIMES;
    let out = kendall(&[&args[..], &["--plot", d]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        out.stdout,
        kendall(&args).stdout,
        "--plot changes the table"
    );
    for name in ["fit-cdf", "fit-qq"] {
        for ext in ["svg", "png"] {
            let path = dir.join(format!("{name}.{ext}"));
            assert!(
                stderr.contains(&format!("wrote {}", path.display())),
                "{name}.{ext} not reported: {stderr}"
            );
        }
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert_eq!(kendall_reports::charts::svg_fault(&svg), None);
        assert!(svg.contains("<svg"));
        // The best fit is named in the legend or title.
        assert!(svg.contains("lognormal"), "{name}.svg");
        let png = image::open(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!((png.width(), png.height()), (960, 540), "{name}.png");
    }
    // Nothing else (no temporary file) is left in the directory.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["fit-cdf.png", "fit-cdf.svg", "fit-qq.png", "fit-qq.svg"]
    );
    // A directory that cannot be created is an input error naming it.
    let file = s.file("not-a-dir", "x");
    fails_with(
        &[&args[..], &["--plot", &format!("{file}/sub")]].concat(),
        &["cannot create", "not-a-dir"],
    );
}

#[test]
fn fit_proposes_an_mmpp_for_bursty_arrivals_only() {
    // The bursty log gets an MMPP(2), in the JSON and as a line to paste.
    let args = ["fit", "scenarios/data/arrivals_bursty.txt", "--timestamps"];
    let doc = json(&[&args[..], &["--json"]].concat());
    let mmpp = &doc["burstiness"]["mmpp"];
    for key in ["rates", "mean_durations"] {
        let v = mmpp[key].as_array().unwrap();
        assert_eq!(v.len(), 2, "{mmpp}");
        assert!(v.iter().all(|x| x.as_f64().unwrap() >= 0.0), "{mmpp}");
    }
    let out = kendall(&args);
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = table
        .lines()
        .find(|l| l.starts_with("proposed instead"))
        .unwrap_or_else(|| panic!("{table}"));
    let pasted = &line[line.find("interarrival = ").unwrap()..];
    assert!(pasted.contains("kind = \"mmpp\""), "{pasted}");

    // Pasted in place of the Poisson equivalent, it waits far longer than Poisson does,
    // as the trace itself does (see bursty_trace_beats_its_poisson_equivalent_and_warns).
    let s = Scratch::new("mmpp");
    let poisson_file = std::fs::read_to_string("scenarios/trace_bursty_poisson.toml").unwrap();
    let scenario = poisson_file.replace(
        "interarrival = { kind = \"exponential\", rate = 1.38712 }",
        pasted,
    );
    assert_ne!(scenario, poisson_file);
    let path = s.file("mmpp.toml", &scenario);
    let mmpp_run = json(&["run", &path, "--json"]);
    let poisson = json(&["run", "scenarios/trace_bursty_poisson.toml", "--json"]);
    let ci = |doc: &Value| {
        let c = &doc["metrics"]["T"]["ci95"];
        (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
    };
    let (mmpp_lo, _) = ci(&mmpp_run);
    let (_, poisson_hi) = ci(&poisson);
    assert!(
        mmpp_lo > 2.0 * poisson_hi,
        "MMPP T from {mmpp_lo} vs Poisson T up to {poisson_hi}"
    );

    // Poisson arrivals and service data get none.
    let doc = json(&[
        "fit",
        "scenarios/data/arrivals_poisson.txt",
        "--timestamps",
        "--json",
    ]);
    assert!(
        doc["burstiness"].get("mmpp").is_none(),
        "{}",
        doc["burstiness"]
    );
    let doc = json(&[&FIT_SERVICE_TIMES[..], &["--json"]].concat());
    assert!(doc["burstiness"].is_null());
}

/// `--write-mmpp FILE` writes the fitted MMPP(2) as a scenario line (the one the table
/// proposes), the JSON and the table give the fitted process's lag-1 autocorrelation beside
/// the sample's, and service times are refused by name.
#[test]
fn fit_writes_the_mmpp_and_its_lag1_autocorrelation() {
    let s = Scratch::new("write-mmpp");
    let out_path = s.0.join("mmpp.toml");
    let out_str = out_path.to_str().unwrap();
    let args = ["fit", "scenarios/data/arrivals_bursty.txt", "--timestamps"];
    let doc = json(&[&args[..], &["--json", "--write-mmpp", out_str]].concat());
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert!(
        written.starts_with("interarrival = { kind = \"mmpp\""),
        "{written}"
    );
    let b = &doc["burstiness"];
    let (sample, fitted) = (
        b["lag1"].as_f64().unwrap(),
        b["mmpp"]["lag1"].as_f64().unwrap(),
    );
    assert!(sample > 0.0 && fitted > 0.0, "{b}");
    let out = kendall(&args);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let proposed = table
        .lines()
        .find(|l| l.starts_with("proposed instead"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        proposed.ends_with(written.trim_end()),
        "{proposed} vs {written}"
    );
    assert!(
        table.contains(&format!(
            "lag-1 autocorrelation of the gaps: sample {sample:.4}, fitted MMPP(2) {fitted:.4}"
        )),
        "{table}"
    );
    fails_with(
        &[&FIT_SERVICE_TIMES[..], &["--write-mmpp", out_str]].concat(),
        &["--write-mmpp", "inter-arrival times"],
    );
}

/// A service-time log written with six decimals holds zeros: its resolution, read from the
/// decimals, censors them, every family is fitted, and the rows say "service times" (the
/// default role without --timestamps). The log is the 5,000 quantiles (i + ½)/5000 of a
/// Weibull(shape 0.6, scale 1), whose smallest are below 5e-7 and read 0.000000.
#[test]
fn a_log_with_zeros_is_fitted_with_its_resolution() {
    let s = Scratch::new("zeros");
    let n = 5000;
    let text: String = (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            format!("{:.6}\n", (-(1.0 - u).ln()).powf(1.0 / 0.6))
        })
        .collect();
    assert!(text.starts_with("0.000000\n"));
    let path = s.file("weibull.txt", &text);
    let out = kendall(&["fit", &path]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{table}");
    assert!(table.contains("5000 service times"), "{table}");
    assert!(table.contains("fitted as censored in [0, 1e-6]"), "{table}");
    let doc = json(&["fit", &path, "--json"]);
    assert_eq!(doc["kind"], "service");
    assert_eq!(doc["resolution"], 1e-6);
    assert!(doc["censored"].as_u64().unwrap() >= 1, "{doc}");
    assert_eq!(doc["skipped"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["fits"][0]["kind"], "weibull", "{}", doc["fits"]);
    // A coarser resolution given by hand censors more, and Weibull still ranks first.
    let coarse = json(&["fit", &path, "--json", "--resolution", "0.01"]);
    assert_eq!(coarse["resolution"], 0.01);
    assert!(
        coarse["censored"].as_u64() > doc["censored"].as_u64(),
        "{coarse}"
    );
    assert_eq!(coarse["fits"][0]["kind"], "weibull");
    fails_with(
        &["fit", &path, "--resolution=0"],
        &["resolution must be a positive number"],
    );
    fails_with(
        &["fit", &path, "--timestamps", "--role", "service"],
        &["--role service"],
    );
}
