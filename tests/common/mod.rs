//! Helpers shared by the end-to-end tests: the `kendall` binary, run with arguments.
// Each test file is its own crate and uses some of these.
#![allow(dead_code)]

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Runs the `kendall` binary with `args` (from the repository root) and returns what it did.
pub fn kendall(args: &[&str]) -> Output {
    Command::cargo_bin("kendall")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// Runs the `kendall` binary with `args` and the environment variables `env` set, and
/// without the array and job variables `sweep --shard auto` reads (unless `env` sets them).
pub fn kendall_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::cargo_bin("kendall").unwrap();
    for var in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).args(args).output().unwrap()
}

/// Runs `kendall` with `args`, which must succeed, and parses its standard output as JSON.
pub fn json(args: &[&str]) -> Value {
    let out = kendall(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
