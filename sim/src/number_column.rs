//! Text with one number per line, `#` starting a comment, blank lines skipped: the format of
//! empirical samples, of trace arrival times and of `kendall fit` logs without a column name.
//! Each reader checks the values in its own terms; this module only finds the numbers.

use thiserror::Error;

/// A 1-based line number of a text file.
pub type Line = usize;

/// Text where a number was expected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: `{text}` is not a number")]
pub struct NotANumber {
    /// The 1-based line.
    pub line: Line,
    /// What the line says (trimmed, without its comment).
    pub text: String,
}

/// Parses `text` (surrounding blanks ignored) found on `line` as a number. Infinities and NaN
/// parse: the callers say which values they accept.
pub fn parse_number(text: &str, line: Line) -> Result<f64, NotANumber> {
    let text = text.trim();
    text.parse().map_err(|_| NotANumber {
        line,
        text: text.to_string(),
    })
}

/// The step at which a number was written: 10^−(digits after the point), scaled by its
/// exponent ("0.000123" → 1e-6, "12" → 1, "1.5e-3" → 1e-4); None for text that is not a
/// plain decimal number.
pub fn recorded_step(text: &str) -> Option<f64> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    mantissa
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        .then(|| 10f64.powi(exponent - decimals))
}

/// The numbers of `text` with their 1-based lines, in order, skipping comments and blank
/// lines; a line that is not a number is an error item (the caller decides whether to stop).
pub fn numbers(text: &str) -> impl Iterator<Item = Result<(Line, f64), NotANumber>> + '_ {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let content = raw.split('#').next().unwrap_or("").trim();
        (!content.is_empty()).then(|| parse_number(content, i + 1).map(|v| (i + 1, v)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_steps() {
        assert_eq!(recorded_step("0.000123"), Some(1e-6));
        assert_eq!(recorded_step(" 12 "), Some(1.0));
        assert_eq!(recorded_step("-2.50"), Some(0.01));
        assert_eq!(recorded_step("1.5e-3"), Some(1e-4));
        assert_eq!(recorded_step("3E2"), Some(100.0));
        assert_eq!(recorded_step("inf"), None);
        assert_eq!(recorded_step("1.5x"), None);
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_lines_counted() {
        let got: Vec<_> = numbers("# head\n1.5\n\n  2e0  # two\n-3\ninf\n").collect();
        assert_eq!(
            got,
            [
                Ok((2, 1.5)),
                Ok((4, 2.0)),
                Ok((5, -3.0)),
                Ok((6, f64::INFINITY))
            ]
        );
    }

    #[test]
    fn a_word_is_an_error_that_names_its_line() {
        let got: Vec<_> = numbers("1\n  fast # slow\n2\n").collect();
        let err = got[1].clone().unwrap_err();
        assert_eq!(err.to_string(), "line 2: `fast` is not a number");
        assert_eq!(got[2], Ok((3, 2.0)));
        assert_eq!(parse_number(" n/a ", 7).unwrap_err().text, "n/a");
    }
}
