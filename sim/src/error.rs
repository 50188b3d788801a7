//! Scenario errors that point at the file, line, column and key.

use std::ops::Range;
use std::path::{Path, PathBuf};

use thiserror::Error;
use toml::de::{DeTable, DeValue};

/// A scenario that cannot be loaded, located in its file.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    /// A `--set` given on the command line does not fit the scenario.
    #[error("{}: {message}", file.display())]
    CommandLine {
        /// The scenario file.
        file: PathBuf,
        /// What is wrong with the setting.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Io {
        /// The file.
        file: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The file was read but something in it is wrong.
    #[error("{}:{line}:{column}: {}{message}", file.display(), key_prefix(key))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line of the offending key (or of the table that lacks it).
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted path of the key, e.g. `producers[0].interarrival.rate`.
        key: String,
        /// What is wrong and, where it helps, what would be right.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("key `{key}`: ")
    }
}

impl ScenarioError {
    /// The dotted key the error is about (empty for I/O errors or top-level syntax).
    pub fn key(&self) -> &str {
        match self {
            ScenarioError::Io { .. } | ScenarioError::CommandLine { .. } => "",
            ScenarioError::Invalid { key, .. } => key,
        }
    }
}

/// A scenario problem before it is located in the file: the key at fault, and what is wrong.
pub type Invalid = (KeyPath, String);

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A key in a table.
    Key(String),
    /// An element of an array (of tables).
    Index(usize),
}

/// A path from the document root to a value, e.g. `queues[0].service.mean`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    /// The path one key further down.
    pub fn key(&self, k: &str) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Segment::Key(k.to_string()));
        p
    }

    /// The path one array element further down.
    pub fn index(&self, i: usize) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Turns paths and byte offsets of one scenario text into located [`ScenarioError`]s.
pub struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
    doc: Option<toml::Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    /// A locator over `text`, the contents of `file`.
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            doc: DeTable::parse(text).ok(),
        }
    }

    /// An error about the key at `path`: located at the key, or at the deepest part of the
    /// path that exists (the table that lacks a required key).
    pub fn at_path(&self, path: &KeyPath, message: impl Into<String>) -> ScenarioError {
        let offset = self.doc.as_ref().map_or(0, |doc| span_of(doc, path).start);
        self.error(offset, path.to_string(), message.into())
    }

    /// The parsed document, when the text is valid TOML.
    pub fn doc(&self) -> Option<&DeTable<'a>> {
        self.doc.as_ref().map(|d| d.get_ref())
    }

    /// An error found by the deserializer at byte range `span` (None: unknown location).
    pub fn at_span(&self, span: Option<Range<usize>>, message: &str) -> ScenarioError {
        let offset = span.as_ref().map_or(0, |s| s.start);
        let key = self
            .doc
            .as_ref()
            .map(|doc| path_at(doc, offset).to_string())
            .unwrap_or_default();
        let mut message = message.trim().to_string();
        // The TOML parser says only "duplicate key": name it, from the text it points at.
        if message == "duplicate key" {
            let name = span
                .and_then(|s| self.text.get(s))
                .and_then(|t| t.split(['=', '\n']).next())
                .map(|t| t.trim().trim_matches(['[', ']']).trim())
                .unwrap_or_default();
            if !name.is_empty() {
                message = format!("duplicate key `{name}`: it is set twice in the same table");
            }
        }
        self.error(offset, key, message)
    }

    fn error(&self, offset: usize, key: String, message: String) -> ScenarioError {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ScenarioError::Invalid {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

/// The span of the deepest existing part of `path`: the key itself when it exists.
fn span_of(doc: &toml::Spanned<DeTable<'_>>, path: &KeyPath) -> Range<usize> {
    let mut span = 0..0;
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    let mut array: Option<&[toml::Spanned<DeValue<'_>>]> = None;
    for seg in &path.0 {
        let next = match (seg, table, array) {
            (Segment::Key(k), Some(t), _) => t.get_key_value(k.as_str()).map(|(key, v)| {
                span = key.span();
                v
            }),
            (Segment::Index(i), _, Some(a)) => a.get(*i).inspect(|v| span = v.span()),
            _ => None,
        };
        let Some(value) = next else { break };
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(a.as_ref())),
            _ => (None, None),
        };
    }
    span
}

/// The path of the innermost key whose key or value span contains `offset`.
///
/// The whole tree is searched, not just the branch whose span contains the offset, because a
/// `[[table]]` element's span covers only its header, not the keys below it.
fn path_at(doc: &toml::Spanned<DeTable<'_>>, offset: usize) -> KeyPath {
    fn search(value: &DeValue<'_>, offset: usize, path: &mut KeyPath, best: &mut KeyPath) {
        let children: Vec<(Segment, bool, &DeValue<'_>)> = match value {
            DeValue::Table(t) => t
                .iter()
                .map(|(k, v)| {
                    let hit = contains(&k.span(), offset) || contains(&v.span(), offset);
                    (Segment::Key(k.get_ref().to_string()), hit, v.get_ref())
                })
                .collect(),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (Segment::Index(i), contains(&v.span(), offset), v.get_ref()))
                .collect(),
            _ => Vec::new(),
        };
        for (segment, hit, child) in children {
            path.0.push(segment);
            if hit && path.0.len() > best.0.len() {
                *best = path.clone();
            }
            search(child, offset, path, best);
            path.0.pop();
        }
    }
    let mut best = KeyPath::default();
    let root = DeValue::Table(doc.get_ref().clone());
    search(&root, offset, &mut KeyPath::default(), &mut best);
    best
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

/// The deserializer's message in the words of the scenario format rather than Rust's types.
pub fn plain_words(message: &str) -> String {
    let mut m = message.trim().to_string();
    for (rust, plain) in [
        (
            "expected struct DistSpec",
            "expected a distribution table such as { kind = \"exponential\", mean = 1.0 }",
        ),
        (
            "expected struct RouteSpec",
            "expected a table { to = \"queue\", p = 0.5 }",
        ),
        (
            "expected struct CrashSpec",
            "expected a table { mtbf = { … }, mttr = { … } }",
        ),
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("invalid type: map", "invalid type: table"),
        ("invalid type: sequence", "invalid type: array"),
    ] {
        m = m.replace(rust, plain);
    }
    while let Some(at) = m.find("expected struct ") {
        let rest = &m[at + "expected struct ".len()..];
        let end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        m = format!("{}expected a table{}", &m[..at], &rest[end..]);
    }
    if m == "missing field `kind`" {
        m.push_str(&format!(
            ": a distribution needs a `kind`, one of {}",
            crate::dist::KINDS.join(", ")
        ));
    }
    m
}
