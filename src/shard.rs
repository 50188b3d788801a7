//! Which slice of a sweep this process runs (`--shard I/N`, or `--shard auto` from a Slurm job
//! array or a Kubernetes Indexed Job), and the manifest each shard writes beside its CSV so
//! that `kendall merge` can refuse shards of different grids or a missing slice.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The slice `I` of `N` (1 ≤ I ≤ N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    /// Which slice, from 1.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

/// An environment variable's value, None when unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Slice {
    /// `I/N`, or `auto`: `SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN` (default 0), of
    /// `SLURM_ARRAY_TASK_COUNT`; else `JOB_COMPLETION_INDEX` (from 0) of `shards`.
    pub fn parse(text: &str, shards: Option<usize>, env: Env<'_>) -> Result<Slice> {
        if text == "auto" {
            return Slice::auto(shards, env);
        }
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Slice { index, count }),
            _ => bail!("--shard {text}: expected I/N with 1 <= I <= N (e.g. 2/8), or auto"),
        }
    }

    fn auto(shards: Option<usize>, env: Env<'_>) -> Result<Slice> {
        let number = |name: &str| -> Result<Option<usize>> {
            env(name)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .with_context(|| format!("--shard auto: {name}={v} is not a count"))
                })
                .transpose()
        };
        if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = number("SLURM_ARRAY_TASK_COUNT")?.context(
                "--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not",
            )?;
            if id < min || id - min >= count {
                bail!(
                    "--shard auto: SLURM_ARRAY_TASK_ID={id} is outside the array \
                     (SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={count}): the array \
                     must be contiguous, e.g. --array=0-{}",
                    count - 1
                );
            }
            if shards.is_some_and(|n| n != count) {
                bail!("--shards disagrees with SLURM_ARRAY_TASK_COUNT={count}");
            }
            return Ok(Slice {
                index: id - min + 1,
                count,
            });
        }
        if let Some(index) = number("JOB_COMPLETION_INDEX")? {
            let count = shards.context(
                "--shard auto: JOB_COMPLETION_INDEX is set: say how many shards with --shards N \
                 (the Job's completions)",
            )?;
            if index >= count {
                bail!("--shard auto: JOB_COMPLETION_INDEX={index} is not below --shards {count}");
            }
            return Ok(Slice {
                index: index + 1,
                count,
            });
        }
        bail!(
            "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor \
             JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; use --shard I/N elsewhere"
        )
    }

    /// Whether grid point `p` (from 0) is in this slice: p mod N = I − 1.
    pub fn holds(&self, p: usize) -> bool {
        p % self.count == self.index - 1
    }
}

/// What a shard's CSV holds, written beside it as `CSV.manifest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// A hash of what decides the results: the scenario file, the `--set` values and the run
    /// overrides (not `--threads`, which changes nothing).
    pub grid: String,
    /// This shard's slice, from 1.
    pub shard: usize,
    /// How many slices.
    pub shards: usize,
    /// The seed of the runs (the scenario's, or `--seed`).
    pub seed: u64,
}

/// The manifest's path for a shard's CSV.
pub fn manifest_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".manifest");
    PathBuf::from(name)
}

/// FNV-1a, 64 bits (Fowler, Noll & Vo): stable across builds and machines, which std's
/// hasher is not promised to be.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The grid's hash: [`fnv1a`] over `parts`, each followed by a 0 byte.
pub fn grid_hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let bytes = parts
        .into_iter()
        .flat_map(|p| p.iter().copied().chain([0u8]));
    format!("{:016x}", fnv1a(bytes))
}

/// Checks the shards' manifests (each CSV's `CSV.manifest`): all present or none (old
/// shards); one grid, one count, one seed; every slice once. Errors name the file or slice.
pub fn check_manifests(csvs: &[PathBuf]) -> Result<()> {
    let read: Vec<(String, Option<Manifest>)> = csvs
        .iter()
        .map(|p| {
            let path = manifest_path(p);
            let manifest = match std::fs::read(&path) {
                Ok(bytes) => Some(
                    serde_json::from_slice(&bytes)
                        .with_context(|| format!("{}: not a shard manifest", path.display()))?,
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            Ok((p.display().to_string(), manifest))
        })
        .collect::<Result<_>>()?;
    if read.iter().all(|(_, m)| m.is_none()) {
        return Ok(());
    }
    if let Some((name, _)) = read.iter().find(|(_, m)| m.is_none()) {
        bail!(
            "{name}: no manifest ({name}.manifest), while other shards have one: not the same sweep"
        );
    }
    let all: Vec<(&str, &Manifest)> = read
        .iter()
        .map(|(n, m)| (n.as_str(), m.as_ref().expect("checked")))
        .collect();
    let (first_name, first) = all[0];
    let mut seen = vec![None; first.shards];
    for &(name, m) in &all {
        if m.grid != first.grid || m.shards != first.shards || m.seed != first.seed {
            bail!(
                "{name}: shard of another sweep than {first_name} (grid {} of {} shards, seed {}; \
                 against grid {} of {}, seed {})",
                m.grid,
                m.shards,
                m.seed,
                first.grid,
                first.shards,
                first.seed
            );
        }
        let slot = seen
            .get_mut(m.shard.wrapping_sub(1))
            .with_context(|| format!("{name}: slice {} of {} does not exist", m.shard, m.shards))?;
        if let Some(other) = slot.replace(name) {
            bail!(
                "{name}: slice {} of {} is also in {other}",
                m.shard,
                m.shards
            );
        }
    }
    if let Some(missing) = seen.iter().position(Option::is_none) {
        bail!(
            "slice {} of {} is missing: no shard given holds it",
            missing + 1,
            first.shards
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn slices_from_the_flag_and_the_environment() {
        let none = env(&[]);
        assert_eq!(
            Slice::parse("2/8", None, &none).unwrap(),
            Slice { index: 2, count: 8 }
        );
        assert!(Slice::parse("9/8", None, &none).is_err());
        assert!(Slice::parse("0/8", None, &none).is_err());
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Slice::parse("auto", None, &slurm).unwrap(),
            Slice { index: 3, count: 4 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(
            Slice::parse("auto", Some(4), &k8s).unwrap(),
            Slice { index: 1, count: 4 }
        );
        let err = |e: Env<'_>, shards| Slice::parse("auto", shards, e).unwrap_err().to_string();
        assert!(err(&k8s, None).contains("--shards N"));
        assert!(err(&none, None).contains("neither SLURM_ARRAY_TASK_ID"));
        let outside = env(&[
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(err(&outside, None).contains("outside the array"));
        assert!(err(&env(&[("JOB_COMPLETION_INDEX", "x")]), Some(2)).contains("not a count"));
    }

    #[test]
    fn a_slice_holds_every_nth_point() {
        let s = Slice { index: 2, count: 3 };
        let held: Vec<usize> = (0..9).filter(|&p| s.holds(p)).collect();
        assert_eq!(held, [1, 4, 7]);
    }

    #[test]
    fn the_grid_hash_is_fnv_1a() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            grid_hash([b"a".as_slice()]),
            format!("{:016x}", fnv1a(*b"a\0"))
        );
        assert_ne!(
            grid_hash([b"ab".as_slice()]),
            grid_hash([b"a".as_slice(), b"b"])
        );
    }
}
