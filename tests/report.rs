//! `kendall report`: every file written, the HTML self-contained; and a headless-Chromium
//! screenshot when a browser is installed (scripts/screenshot-report.sh installs nothing).

use std::path::Path;
use std::process::Command as Std;

use assert_cmd::Command;

#[test]
fn report_writes_a_self_contained_page_and_its_files() {
    let dir = std::env::temp_dir().join(format!("kendall-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/mmc.toml", "--out"])
        .arg(&dir)
        .args(["--replications", "4", "--customers", "5000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "report.html",
        "report.md",
        "results.csv",
        "load.csv",
        "dispatch.csv",
        "plan.csv",
        "load.svg",
        "load.png",
        "sojourn.svg",
        "sojourn.png",
        "trace.svg",
        "trace.png",
        "dispatch.svg",
        "dispatch.png",
        "capacity.svg",
        "capacity.png",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 5, "charts are inline SVG");
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("url(http") && !html.contains("@import")
    );
    assert!(html.contains("@media print"));
    assert!(html.contains("M/M/c") && html.contains("rho = 0.9000"));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Capacity") && md.contains("![load](load.png)"));
    // Deterministic for the same seed.
    let again = dir.join("again");
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/mmc.toml", "--out"])
        .arg(&again)
        .args(["--replications", "4", "--customers", "5000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(again.join("report.html")).unwrap().len(),
        html.len()
    );
    assert_eq!(
        std::fs::read_to_string(again.join("report.html")).unwrap(),
        html
    );

    // Headless Chromium, when present.
    let has_chromium = ["chromium", "chromium-browser"].iter().any(|b| {
        Std::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if has_chromium {
        let png = dir.join("shot.png");
        let st = Std::new("bash")
            .arg(Path::new("scripts/screenshot-report.sh"))
            .arg(dir.join("report.html"))
            .arg(&png)
            .status()
            .unwrap();
        assert!(st.success());
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(bytes.len() > 20_000, "a blank page would be tiny");
    } else {
        eprintln!("chromium not installed: screenshot step skipped");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A run to a horizon has no steady state to chart: report refuses it by key, exit 1, and
/// points to the window charts of `run --plot` (it used to run for minutes without end).
#[test]
fn report_refuses_a_run_to_a_horizon() {
    let dir = std::env::temp_dir().join(format!("kendall-report-horizon-{}", std::process::id()));
    let out = Command::cargo_bin("kendall")
        .unwrap()
        .args(["report", "scenarios/flash-sale.toml", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`run.horizon`") && err.contains("--plot"),
        "{err}"
    );
    assert!(!dir.exists());
}
