//! The data files distribution tables name: empirical samples and trace arrival times, one
//! number per line ([`crate::number_column`]). Errors name the file and the 1-based line.

use super::error::DataFileError;
use crate::number_column::numbers;

fn read(file: &str) -> Result<String, DataFileError> {
    std::fs::read_to_string(file).map_err(|e| DataFileError::CannotRead {
        file: file.to_string(),
        reason: e.to_string(),
    })
}

/// The numbers of `text` (read from `file`) with their 1-based lines; a line that is not a
/// number is an error naming `per_line`, what each line should hold.
fn column<'a>(
    file: &'a str,
    text: &'a str,
    per_line: &'static str,
) -> impl Iterator<Item = Result<(usize, f64), DataFileError>> + 'a {
    numbers(text).map(move |item| {
        item.map_err(|e| DataFileError::NotANumber {
            file: file.to_string(),
            line: e.line,
            text: e.text,
            per_line,
        })
    })
}

/// Reads the samples of an `empirical` table: non-negative numbers, at least one.
pub(crate) fn read_samples(file: &str) -> Result<Vec<f64>, DataFileError> {
    let text = read(file)?;
    let mut samples = Vec::new();
    for item in column(file, &text, "sample") {
        let (line, x) = item?;
        if !(x.is_finite() && x >= 0.0) {
            return Err(DataFileError::BadSample {
                file: file.to_string(),
                line,
                value: x,
            });
        }
        samples.push(x);
    }
    if samples.is_empty() {
        return Err(DataFileError::NoSamples {
            file: file.to_string(),
        });
    }
    Ok(samples)
}

/// Reads the arrival times of a `trace` table: finite (of any sign), sorted, at least two.
pub(crate) fn read_timestamps(file: &str) -> Result<Vec<f64>, DataFileError> {
    let text = read(file)?;
    let mut times: Vec<f64> = Vec::new();
    for item in column(file, &text, "arrival time") {
        let (line, t) = item?;
        if !t.is_finite() {
            return Err(DataFileError::NotFiniteTime {
                file: file.to_string(),
                line,
                value: t,
            });
        }
        if let Some(&previous) = times.last()
            && t < previous
        {
            return Err(DataFileError::Unsorted {
                file: file.to_string(),
                line,
                time: t,
                previous,
            });
        }
        times.push(t);
    }
    if times.len() < 2 {
        return Err(DataFileError::TooFewTimes {
            file: file.to_string(),
            count: times.len(),
        });
    }
    Ok(times)
}
