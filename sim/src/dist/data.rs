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

/// Reads the samples of an `empirical` table: non-negative numbers, at least one.
pub(crate) fn read_samples(file: &str) -> Result<Vec<f64>, DataFileError> {
    let text = read(file)?;
    let mut samples = Vec::new();
    for item in numbers(&text) {
        let (line, x) = item.map_err(|e| DataFileError::NotANumber {
            file: file.to_string(),
            line: e.line,
            text: e.text,
            per_line: "sample",
        })?;
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
    for item in numbers(&text) {
        let (line, t) = item.map_err(|e| DataFileError::NotANumber {
            file: file.to_string(),
            line: e.line,
            text: e.text,
            per_line: "arrival time",
        })?;
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
