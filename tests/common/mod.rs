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
