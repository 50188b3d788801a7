//! Floating-point numbers in a total order, for heaps of times and work amounts.

use std::cmp::Ordering;

/// An `f64` ordered by [`f64::total_cmp`], for use in heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TotalF64(pub(crate) f64);

impl Eq for TotalF64 {}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
