//! Reading the logs `kendall fit` fits: a CSV column, or one number per line; then
//! durations or the gaps between timestamps. Errors name the 1-based line.

use super::error::LogError;
use crate::number_column::{Line, numbers, parse_number, recorded_step};

/// A finite number `text` found on `line`.
fn finite(text: &str, line: Line) -> Result<f64, LogError> {
    let value = parse_number(text, line).map_err(LogError::NotANumber)?;
    if !value.is_finite() {
        return Err(LogError::NotFinite { line, value });
    }
    Ok(value)
}

/// Reads a log: with `column`, a CSV with a header row naming it; without, one number per
/// line (`#` comments and blank lines skipped). Values with their line numbers.
pub fn read_log(text: &str, column: Option<&str>) -> Result<Vec<(Line, f64)>, LogError> {
    let out = match column {
        None => read_plain(text)?,
        Some(name) => read_csv_column(text, name)?,
    };
    if out.is_empty() {
        return Err(LogError::NoValues);
    }
    Ok(out)
}

/// The resolution the log's values were written at: the finest step among them (six
/// decimals: 1e-6; whole numbers: 1), read from their text — the column `column` of a CSV,
/// or every number of a plain log. None when no value is a plain decimal number. Call it on
/// a log [`read_log`] has read.
pub fn resolution(text: &str, column: Option<&str>) -> Option<f64> {
    let steps: Vec<f64> = match column {
        None => text
            .lines()
            .map(|raw| raw.split('#').next().unwrap_or("").trim())
            .filter(|t| !t.is_empty())
            .filter_map(recorded_step)
            .collect(),
        Some(name) => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .comment(Some(b'#'))
                .from_reader(text.as_bytes());
            let col = reader.headers().ok()?.iter().position(|h| h == name)?;
            reader
                .records()
                .filter_map(|r| r.ok()?.get(col).and_then(recorded_step))
                .collect()
        }
    };
    steps.into_iter().reduce(f64::min)
}

/// One number per line.
fn read_plain(text: &str) -> Result<Vec<(Line, f64)>, LogError> {
    let mut out = Vec::new();
    for item in numbers(text) {
        let value = item
            .map_err(LogError::NotANumber)
            .and_then(|(line, value)| {
                if value.is_finite() {
                    Ok((line, value))
                } else {
                    Err(LogError::NotFinite { line, value })
                }
            });
        match value {
            Ok(v) => out.push(v),
            Err(e) if out.is_empty() => return Err(LogError::HeaderWithoutColumn(Box::new(e))),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The column `name` of a CSV with a header row.
fn read_csv_column(text: &str, name: &str) -> Result<Vec<(Line, f64)>, LogError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| LogError::CsvHeader(e.to_string()))?
        .clone();
    let Some(col) = headers.iter().position(|h| h == name) else {
        let names: Vec<&str> = headers.iter().collect();
        return Err(LogError::NoColumn {
            name: name.to_string(),
            header: names.join(", "),
            suggestion: crate::suggest::did_you_mean(name, &names),
        });
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| LogError::CsvRecord {
            line: e.position().map_or(0, |p| p.line()),
            reason: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let Some(field) = record.get(col) else {
            return Err(LogError::NoField {
                line,
                name: name.to_string(),
            });
        };
        if field.is_empty() {
            return Err(LogError::EmptyField {
                line,
                name: name.to_string(),
            });
        }
        out.push((line, finite(field, line)?));
    }
    Ok(out)
}

/// Durations: every value must be non-negative.
pub fn durations(values: &[(Line, f64)]) -> Result<Vec<f64>, LogError> {
    values
        .iter()
        .map(|&(line, value)| {
            if value < 0.0 {
                Err(LogError::NegativeDuration { line, value })
            } else {
                Ok(value)
            }
        })
        .collect()
}

/// Inter-arrival times from sorted arrival times (at least two).
pub fn gaps_from_timestamps(values: &[(Line, f64)]) -> Result<Vec<f64>, LogError> {
    if values.len() < 2 {
        return Err(LogError::TooFewTimestamps(values.len()));
    }
    values
        .windows(2)
        .map(|w| {
            let ((_, previous), (line, time)) = (w[0], w[1]);
            if time < previous {
                Err(LogError::UnsortedTimestamps {
                    line,
                    time,
                    previous,
                })
            } else {
                Ok(time - previous)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_parse_with_lines_in_errors() {
        let v = read_log("# gaps\n1.5\n\n2\n", None).unwrap();
        assert_eq!(v, [(2, 1.5), (4, 2.0)]);
        let csv = "time,size\n1.0,3\n2.5,4\n";
        assert_eq!(read_log(csv, Some("size")).unwrap(), [(2, 3.0), (3, 4.0)]);
        let e = read_log(csv, Some("sise")).unwrap_err().to_string();
        assert!(
            e.contains("line 1: no column named `sise`") && e.contains("size"),
            "{e}"
        );
        let e = read_log("time\n1\nabc\n", Some("time"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 3: `abc` is not a number"), "{e}");
        let e = read_log("1\n2\nx\n", None).unwrap_err().to_string();
        assert!(e.starts_with("line 3: `x` is not a number"), "{e}");
        assert!(
            read_log("time\n", Some("time"))
                .unwrap_err()
                .to_string()
                .contains("no values")
        );
        assert_eq!(read_log("", None).unwrap_err(), LogError::NoValues);
        let e = durations(&read_log("1\n-2\n", None).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("line 2: a duration must be non-negative"),
            "{e}"
        );
        let e = gaps_from_timestamps(&read_log("1\n3\n2\n", None).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 3: timestamps must be sorted"), "{e}");
        let g = gaps_from_timestamps(&read_log("1\n3\n3.5\n", None).unwrap()).unwrap();
        assert_eq!(g, [2.0, 0.5]);
    }

    /// Without `--column`, a first value that is not a finite number may be a CSV header.
    #[test]
    fn a_bad_first_value_suggests_a_column() {
        let e = read_log("service\n1\n", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: `service` is not a number (a CSV with a header? name the column with \
             --column)"
        );
        let e = read_log("inf\n1\n", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: inf is not a finite number (a CSV with a header? name the column with \
             --column)"
        );
        let e = read_log("1\ninf\n", None).unwrap_err();
        assert_eq!(e.to_string(), "line 2: inf is not a finite number");
    }
}
