//! Tests of the distributions, and the helpers the arrival tests share.

mod sampling;
mod validation;

use crate::dist::{DistSpec, Distribution};
use crate::error::KeyPath;

/// A table of `kind` with no parameter set.
pub(crate) fn spec(kind: &str) -> DistSpec {
    DistSpec::of_kind(kind)
}

fn build(s: DistSpec) -> Distribution {
    Distribution::from_spec(&s, &KeyPath::default()).unwrap()
}

/// The error for `s` at `service`: (key path, message).
fn err(s: DistSpec) -> (String, String) {
    let e = Distribution::from_spec(&s, &KeyPath::default().key("service")).unwrap_err();
    (e.path.to_string(), e.problem.to_string())
}

fn assert_err(s: DistSpec, path: &str, needle: &str) {
    let (p, m) = err(s);
    assert_eq!(p, path, "{m}");
    assert!(m.contains(needle), "`{m}` lacks `{needle}`");
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

/// A file in the temp directory that is removed when dropped.
pub(crate) struct TempFile(std::path::PathBuf);

impl TempFile {
    /// Writes `text` to a file named after `name` and this process.
    pub(crate) fn new(name: &str, text: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("kendall-dist-{}-{name}.txt", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    /// An empirical table naming the file.
    pub(crate) fn spec(&self) -> DistSpec {
        DistSpec {
            file: Some(self.0.to_str().unwrap().into()),
            ..spec("empirical")
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
