//! Loading a scenario: the file read, parsed, changed by `--set` overrides and validated, each
//! error located in the file or on the command line.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::{Scenario, ScenarioFile};
use crate::error::{InvalidKey, KeyPath, Locator, ScenarioError};

impl Scenario {
    /// Reads, parses and validates the scenario file at `path`.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        Self::parse(path, &read(path)?)
    }

    /// Reads the scenario at `path`, sets each (dotted key, value) of `overrides` (from
    /// `--set`), then validates it. Errors in the file are located in it; an error that
    /// concerns a key set on the command line says so.
    pub fn load_with(
        path: &Path,
        overrides: &[(String, toml::Value)],
    ) -> Result<Scenario, ScenarioError> {
        let text = read(path)?;
        if overrides.is_empty() {
            return Self::parse(path, &text);
        }
        let locator = Locator::new(path, &text);
        let mut table: toml::Table =
            toml::from_str(&text).map_err(|e| locator.at_span(e.span(), e.message()))?;
        let command_line = |message: String| ScenarioError::CommandLine {
            file: path.to_path_buf(),
            message,
        };
        for (key, value) in overrides {
            crate::overrides::apply(&mut table, key, value.clone())
                .map_err(|e| command_line(e.to_string()))?;
        }
        let set: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut file: ScenarioFile =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    command_line(format!("with --set {}: {}", set.join(" "), e.message()))
                })?;
        file.resolve_files(path.parent().unwrap_or(Path::new("")));
        file.validate(&default_name(path)).map_err(|e| {
            let dotted = e.key.to_string();
            match overrides.iter().find(|(k, _)| same_key(k, &dotted)) {
                Some((k, v)) => command_line(format!("--set {k}={v}: {}", e.message)),
                None => locator.at_path(&e.key, e.message),
            }
        })
    }

    /// Parses and validates `text`, reporting errors against `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
        let locator = Locator::new(path, text);
        if let Some(doc) = locator.doc() {
            check_layout(doc).map_err(|e| locator.at_path(&e.key, e.message))?;
        }
        let mut file: ScenarioFile = toml::from_str(text)
            .map_err(|e| locator.at_span(e.span(), &crate::error::plain_words(e.message())))?;
        // Data files (empirical, trace) are relative to the scenario file's directory.
        file.resolve_files(path.parent().unwrap_or(Path::new("")));
        file.validate(&default_name(path))
            .map_err(|e| locator.at_path(&e.key, e.message))
    }
}

/// The text of the file at `path`.
fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
        file: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// A scenario's name when the file gives none: the file's name without its extension.
fn default_name(path: &Path) -> String {
    path.file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned())
}

/// Catches tables written where arrays of tables belong and the reverse, which the
/// deserializer would report in its own terms ("invalid type: map, expected a sequence").
fn check_layout(doc: &DeTable<'_>) -> Result<(), InvalidKey> {
    let root = KeyPath::default();
    for name in ["classes", "producers", "queues"] {
        if let Some(DeValue::Table(_)) = doc.get(name).map(|v| v.get_ref()) {
            return Err(InvalidKey::new(
                root.key(name),
                format!(
                    "`{name}` is a list of tables: write `[[{name}]]` (two brackets) above \
                     each one, not `[{name}]`"
                ),
            ));
        }
    }
    if let Some(DeValue::Array(_)) = doc.get("run").map(|v| v.get_ref()) {
        return Err(InvalidKey::new(
            root.key("run"),
            "`run` is a single table: write `[run]`, not `[[run]]`",
        ));
    }
    if let Some(DeValue::Array(queues)) = doc.get("queues").map(|v| v.get_ref()) {
        for (i, q) in queues.iter().enumerate() {
            let DeValue::Table(q) = q.get_ref() else {
                continue;
            };
            if let Some(DeValue::Table(_)) = q.get("route").map(|v| v.get_ref()) {
                return Err(InvalidKey::new(
                    root.key("queues").index(i).key("route"),
                    "`route` is an array of entries, even with one: \
                     route = [ { to = \"next\", p = 0.5 } ]",
                ));
            }
        }
    }
    Ok(())
}

/// Whether a `--set` key (`queues.orders.consumers`) and a validation path
/// (`queues[0].consumers`) may name the same key: they end in the same key name.
fn same_key(set: &str, path: &str) -> bool {
    let last = |k: &str| k.rsplit(['.', ']']).next().unwrap_or("").to_string();
    !path.is_empty() && last(set) == last(path)
}
