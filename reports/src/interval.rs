//! How an interval is written: its ends (already clipped to the metric's range by
//! [`Summary::ci`]) and, where an end was clipped, a mark that a note under the table
//! explains. JSON says it with `"clipped": true` beside `ci95`.

use kendall_sim::Summary;

/// The mark after an interval clipped to its metric's range.
pub const CLIPPED_MARK: &str = "*";

/// The note under a table with a clipped interval.
pub const CLIPPED_NOTE: &str = "* interval clipped to the metric's range (times, counts and \
rates are never negative; probabilities and fractions lie in [0, 1])";

/// `[lo, hi]` with each end written by `f`, marked when clipped.
pub fn bracket(s: &Summary, f: impl Fn(f64) -> String) -> String {
    let (lo, hi) = s.ci();
    format!("[{}, {}]{}", f(lo), f(hi), mark(s))
}

/// [`CLIPPED_MARK`] for a clipped interval, else nothing.
pub fn mark(s: &Summary) -> &'static str {
    if s.clipped() { CLIPPED_MARK } else { "" }
}

/// Writes `indent` and [`CLIPPED_NOTE`] on a line of its own when `any` interval shown was
/// clipped.
pub fn note(out: &mut String, indent: &str, any: bool) {
    if any {
        out.push_str(indent);
        out.push_str(CLIPPED_NOTE);
        out.push('\n');
    }
}

/// For serde's `skip_serializing_if`: a `clipped` flag is written only when true.
pub fn is_false(b: &bool) -> bool {
    !*b
}

#[cfg(test)]
mod tests {
    use super::*;
    use kendall_sim::Bounds;

    #[test]
    fn a_clipped_interval_is_marked_and_bounded() {
        let s = Summary::of(&[0.0, 0.0, 0.01]).within(Bounds::NONNEGATIVE);
        assert!(s.unclipped_ci().0 < 0.0);
        assert_eq!(bracket(&s, |x| format!("{x:.3}")), "[0.000, 0.018]*");
        let p = Summary::of(&[1.0, 1.0, 0.99]).within(Bounds::FRACTION);
        assert_eq!(p.ci().1, 1.0);
        assert!(p.clipped());
        let free = Summary::of(&[0.0, 0.0, 0.01]);
        assert!(!free.clipped());
        assert_eq!(mark(&free), "");
    }
}
