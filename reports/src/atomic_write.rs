//! Files written whole or not at all: every file kendall writes goes through here.

use std::io;
use std::path::{Path, PathBuf};

/// A file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The path names a directory or nothing, not a file.
    #[error("an output path needs a file name")]
    NoFileName,
    /// The temporary file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The temporary file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The temporary file could not take the real name.
    #[error("cannot rename {} to {}", from.display(), to.display())]
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// The real name.
        to: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// an interrupted run never leaves a half-written file under the real name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let name = path.file_name().ok_or(WriteError::NoFileName)?;
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|source| WriteError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| WriteError::Rename {
        from: tmp,
        to: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("kendall-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        write_atomic(&path, b"a,b\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a,b\n");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let missing = dir.join("no-such-dir").join("out.csv");
        let err = write_atomic(&missing, b"x").unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
