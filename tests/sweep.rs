//! `kendall sweep`, `merge` and `compare` end to end.

mod common;

use std::path::PathBuf;

use common::{json, kendall, kendall_env};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kendall-sweep-test-{}-{name}", std::process::id()))
}

const GRID: [&str; 10] = [
    "sweep",
    "scenarios/mmc.toml",
    "--set",
    "queues.orders.consumers=4,5,6",
    "--set",
    "producers.web.interarrival.rate=3.0..3.4:0.4",
    "--replications",
    "4",
    "--customers",
    "5000",
];

fn sweep_csv(extra: &[&str], name: &str) -> Vec<u8> {
    let path = temp(name);
    let out = kendall(&[&GRID[..], &["--csv", path.to_str().unwrap()], extra].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(manifest(&path));
    bytes
}

/// The manifest a shard writes beside its CSV.
fn manifest(csv: &std::path::Path) -> PathBuf {
    PathBuf::from(format!("{}.manifest", csv.display()))
}

/// `sweep --shard auto` of [`GRID`] into `csv` with the environment `env`.
fn auto_shard(csv: &std::path::Path, env: &[(&str, &str)], extra: &[&str]) -> std::process::Output {
    let args = [
        &GRID[..],
        &["--shard", "auto", "--csv", csv.to_str().unwrap()],
        extra,
    ]
    .concat();
    kendall_env(&args, env)
}

/// `--shard auto` takes its slice from a Slurm job array (the task id less the array's first,
/// of its count) or a Kubernetes Indexed Job (the completion index, of `--shards`); each shard
/// writes a manifest, and merge joins a full set byte-identical to the unsharded run, refusing
/// a missing slice or a shard of another grid, by name.
#[test]
fn auto_shards_from_slurm_and_kubernetes_merge_and_are_checked() {
    let whole = sweep_csv(&[], "auto-whole.csv");
    let slurm: Vec<PathBuf> = (0..3)
        .map(|i| {
            let csv = temp(&format!("slurm-{i}.csv"));
            let id = (10 + i).to_string();
            let env = [
                ("SLURM_ARRAY_TASK_ID", id.as_str()),
                ("SLURM_ARRAY_TASK_MIN", "10"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ];
            let out = auto_shard(&csv, &env, &[]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(manifest(&csv)).unwrap()).unwrap();
            assert_eq!(
                (m["shard"].as_u64(), m["shards"].as_u64()),
                (Some(i + 1), Some(3))
            );
            csv
        })
        .collect();
    // docs/sweeps.md's Kubernetes Indexed Job: JOB_COMPLETION_INDEX from 0, --shards 3.
    let k8s: Vec<PathBuf> = (0..3)
        .map(|i| {
            let csv = temp(&format!("k8s-{i}.csv"));
            let index = i.to_string();
            let out = auto_shard(
                &csv,
                &[("JOB_COMPLETION_INDEX", &index)],
                &["--shards", "3"],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            csv
        })
        .collect();
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    for set in [&slurm, &k8s] {
        let args: Vec<String> = ["merge".to_string()]
            .into_iter()
            .chain(set.iter().map(path))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = kendall(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, whole);
    }
    // A missing slice, named.
    let out = kendall(&["merge", &path(&slurm[0]), &path(&slurm[2])]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("slice 2 of 3 is missing"), "{err}");
    // A shard of another grid (another seed), named.
    let other = temp("slurm-other.csv");
    let env = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    let out = auto_shard(&other, &env, &["--seed", "99"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kendall(&["merge", &path(&slurm[0]), &path(&other), &path(&slurm[2])]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("slurm-other.csv: shard of another sweep"),
        "{err}"
    );
    // Neither variable set: a clear error.
    let out = auto_shard(&temp("none.csv"), &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither SLURM_ARRAY_TASK_ID"));
    for p in slurm.iter().chain(&k8s).chain([&other]) {
        std::fs::remove_file(p).unwrap();
        std::fs::remove_file(manifest(p)).unwrap();
    }
}

#[test]
fn csv_is_tidy_and_thread_count_does_not_matter() {
    let one = sweep_csv(&["--threads", "1"], "t1.csv");
    let two = sweep_csv(&["--threads", "2"], "t2.csv");
    assert_eq!(one, two, "byte-identical CSV on 1 and 2 threads");
    let text = String::from_utf8(one).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "point,queues.orders.consumers,producers.web.interarrival.rate,scope,metric,mean,ci_low,ci_high,theory,theory_kind"
    );
    // 6 points (3 × 2), one scope each (one queue, one class are listed too), 16 metrics.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 6 * 3 * 16);
    let t_rows: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|r| r.contains(",system,T,"))
        .collect();
    assert_eq!(t_rows.len(), 6);
    assert!(t_rows[1].starts_with("1,4,3.4,system,T,"), "{}", t_rows[1]);
    // More consumers, lower T: the sweep varies what it says it varies.
    let t = |r: &str| r.split(',').nth(5).unwrap().parse::<f64>().unwrap();
    assert!(t(t_rows[0]) > t(t_rows[2]) && t(t_rows[2]) > t(t_rows[4]));
}

#[test]
fn shards_merge_into_the_unsharded_csv() {
    let whole = sweep_csv(&[], "whole.csv");
    let mut shards = Vec::new();
    for i in 1..=3 {
        let bytes = sweep_csv(&["--shard", &format!("{i}/3")], &format!("s{i}.csv"));
        let path = temp(&format!("shard{i}.csv"));
        std::fs::write(&path, bytes).unwrap();
        shards.push(path);
    }
    let merged = temp("merged.csv");
    // Shards given out of order: merge orders by point.
    let args = [
        "merge",
        shards[2].to_str().unwrap(),
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
    ];
    let out = kendall(&[&args[..], &["--csv", merged.to_str().unwrap()]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&merged).unwrap(), whole);
    // A shard given twice overlaps: refused.
    let out = kendall(&[
        "merge",
        shards[0].to_str().unwrap(),
        shards[0].to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("overlapping"));
    for p in shards.iter().chain([&merged]) {
        std::fs::remove_file(p).unwrap();
    }
}

#[test]
fn bad_settings_exit_1_with_the_key() {
    for (set, words) in [
        ("queues.order.consumers=4", "no element named `order`"),
        ("queues.orders.consumers=0", "at least one consumer"),
        ("queues.orders.dispatch=jsqq", "did you mean `jsq`"),
        ("queues.orders.consumers=5..1", "FROM <= TO"),
        ("nonsense", "KEY=V1,V2"),
    ] {
        let out = kendall(&[
            "sweep",
            "scenarios/mmc.toml",
            "--set",
            set,
            "--customers",
            "100",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{set}: {err}");
        assert!(err.contains(words), "{set}: wants {words:?}: {err}");
    }
    assert_eq!(
        kendall(&[
            "sweep",
            "scenarios/mmc.toml",
            "--set",
            "queues.orders.consumers=4",
            "--shard",
            "4/3"
        ])
        .status
        .code(),
        Some(1)
    );
}

/// Common random numbers: every alternative sees the same arrivals and service requirements,
/// so the paired difference from the best is far tighter than two independent runs allow.
#[test]
fn compare_pairs_are_tighter_than_independent_runs() {
    let doc = json(&[
        "compare",
        "scenarios/mmc.toml",
        "--dispatch",
        "round-robin,shared,jsq,power-of-d:2",
        "--replications",
        "10",
        "--customers",
        "20000",
        "--json",
    ]);
    let ranked = doc["ranked"].as_array().unwrap();
    let names: Vec<&str> = ranked.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["shared", "jsq", "power-of-d:2", "round-robin"]);
    assert!(ranked[0]["vs_best"].is_null());
    for r in &ranked[1..] {
        let d = &r["vs_best"]["T"];
        let (lo, hi) = (
            d["ci95"][0].as_f64().unwrap(),
            d["ci95"][1].as_f64().unwrap(),
        );
        let paired = (hi - lo) / 2.0;
        let unpaired = d["unpaired_half_width"].as_f64().unwrap();
        assert!(
            paired < unpaired,
            "{}: paired ±{paired} vs unpaired ±{unpaired}",
            r["name"]
        );
        assert!(
            lo > 0.0,
            "{} is worse than shared, significantly",
            r["name"]
        );
    }
}

#[test]
fn run_writes_the_same_tidy_csv() {
    let path = temp("run.csv");
    let out = kendall(&[
        "run",
        "scenarios/md1.toml",
        "--customers",
        "5000",
        "--csv",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(text.starts_with("point,scope,metric,mean,ci_low,ci_high,theory,theory_kind\n"));
    // M/D/1 at ρ = 0.8: T = 3 (Pollaczek–Khinchine), in the theory column of the T row.
    let t = text.lines().find(|l| l.starts_with("0,system,T,")).unwrap();
    let theory: f64 = t.split(',').nth(6).unwrap().parse().unwrap();
    assert!((theory - 3.0).abs() < 1e-9);
}

/// `sweep --plot` and `compare --plot` write their charts with the report's chart code, and
/// say where.
#[test]
fn plots_are_written() {
    let dir = temp("plots");
    let d = dir.to_str().unwrap();
    let out = kendall(&[&GRID[..], &["--plot", d]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wrote = |out: &std::process::Output, name: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        for ext in ["svg", "png"] {
            let line = format!("wrote {}", dir.join(format!("{name}.{ext}")).display());
            assert!(err.lines().any(|l| l == line), "no '{line}' in {err}");
        }
    };
    wrote(&out, "sweep");
    let args = [
        "compare",
        "scenarios/mmc.toml",
        "--dispatch",
        "shared,jsq",
        "--replications",
        "3",
        "--customers",
        "3000",
    ];
    let out = kendall(&[&args[..], &["--plot", d]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wrote(&out, "compare");
    for name in ["sweep", "compare"] {
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}.svg"
        );
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG", "{name}.png");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `sweep` and `compare` on the large-fleet scenario over `counts` consumers with the
/// run settings `run`, and asserts that each point or alternative's stderr has a start-up
/// warning, named by its settings, whose line contains `says`.
fn start_up_warned_for_each(counts: [u32; 2], run: &[&str], says: &str) {
    let set = format!("queues.orders.consumers={},{}", counts[0], counts[1]);
    for command in ["sweep", "compare"] {
        let mut args = vec![command, "tests/scenarios/fleet_short.toml", "--set", &set];
        args.extend_from_slice(run);
        let out = kendall(&args);
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        for (point, consumers) in counts.into_iter().enumerate() {
            let name = if command == "sweep" {
                format!("warning: point {point} (queues.orders.consumers={consumers}): start-up:")
            } else {
                format!("warning: queues.orders.consumers={consumers}: start-up:")
            };
            assert!(
                err.lines()
                    .any(|l| l.starts_with(&name) && l.contains(says)),
                "{command}: {err}"
            );
        }
    }
}

/// A sweep point's warnings and a compared alternative's start-up warning reach stderr, named
/// by their settings: here both counts of a large fleet, run far too briefly to settle.
#[test]
fn sweep_and_compare_pass_on_warnings() {
    start_up_warned_for_each([4600, 5000], &["--customers", "20000"], "settles");
}

/// A warm-up too short for the longest stays is warned of by both commands, for each point or
/// alternative, named by its settings.
#[test]
fn sweep_and_compare_warn_of_a_warm_up_shorter_than_the_longest_stays() {
    let run = ["--customers", "100000", "--warmup", "9000"];
    start_up_warned_for_each([4800, 5000], &run, "longest stays");
}
