//! A recording front for HDR histograms: per-message values are counted in the bucket layout
//! of an `hdrhistogram::Histogram` of three significant digits, and handed to one only when
//! percentiles are asked for.
//!
//! Why: two values are recorded per message, and counting into hdrhistogram's buckets here
//! is several times cheaper than `Histogram::record`; the percentiles, computed by
//! hdrhistogram from identical counts, do not change.
//!
//! Each count is kept as 16 low bits and the rest apart, so the hot buckets take half the
//! cache space.

use hdrhistogram::Histogram;

/// Significant decimal digits of the histogram (0.1% relative precision).
const SIGFIG: u8 = 3;
/// log2 of the number of sub-buckets per bucket: the smallest power of two at least
/// 2 × 10^SIGFIG (hdrhistogram's layout).
const SUB_BUCKET_BITS: u32 = 11;
/// log2 of half the sub-buckets: a bucket past the first uses only its upper half.
const HALF_BITS: u32 = SUB_BUCKET_BITS - 1;
/// Values below this share bucket 0.
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_BITS) - 1;
/// 64 less the bits of bucket 0's values: `BASE - leading_zeros` is a value's bucket.
const LEADING_ZERO_BASE: u32 = 64 - SUB_BUCKET_BITS;

/// Counts of recorded integer values, indexed as hdrhistogram indexes a `Histogram<u32>` of
/// three significant digits whose lowest discernible value is 1. Grows with the largest value
/// (logarithmically), not with the number of values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorder {
    /// Each count modulo 2^16.
    low: Vec<u16>,
    /// Each count divided by 2^16: touched once per 65,536 values in a bucket.
    high: Vec<u32>,
    total: u64,
}

/// The index of `value` in the counts (hdrhistogram's `index_for` for this layout).
#[inline]
fn index_of(value: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub = (value >> bucket) as usize;
    ((bucket as usize + 1) << HALF_BITS) + sub - (1 << HALF_BITS)
}

/// The smallest value counted at `index` (inverse of [`index_of`]).
fn value_at(index: usize) -> u64 {
    let half = 1usize << HALF_BITS;
    // Bucket 0 holds [0, 2 half) one by one; bucket b ≥ 1 holds sub-buckets half..2 half.
    let (bucket, sub) = if index < 2 * half {
        (0, index)
    } else {
        let b = index / half - 1;
        (b, index - b * half)
    };
    (sub as u64) << bucket
}

impl Recorder {
    /// Counts one occurrence of `value`.
    #[inline]
    pub fn record(&mut self, value: u64) {
        let i = index_of(value);
        if i >= self.low.len() {
            self.grow(i);
        }
        self.low[i] = self.low[i].wrapping_add(1);
        if self.low[i] == 0 {
            self.carry(i);
        }
        self.total += 1;
    }

    /// Count `i`'s low bits wrapped round: one more 2^16 in its high part.
    #[cold]
    fn carry(&mut self, i: usize) {
        self.high[i] = self.high[i].saturating_add(1);
    }

    #[cold]
    fn grow(&mut self, index: usize) {
        // Whole buckets at a time, as hdrhistogram resizes.
        let half = 1usize << HALF_BITS;
        let len = (index / half + 1) * half;
        self.low.resize(len, 0);
        self.high.resize(len, 0);
    }

    /// The number of values counted at `index`, saturated at `u32::MAX` (hdrhistogram's
    /// `Histogram<u32>` counts no further).
    fn count(&self, index: usize) -> u32 {
        let n = (u64::from(self.high[index]) << 16) | u64::from(self.low[index]);
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Adds every value `other` counted, as if recorded here: exact, so the order in which
    /// recorders are merged does not change the result.
    pub fn merge(&mut self, other: &Recorder) {
        if other.low.len() > self.low.len() {
            self.low.resize(other.low.len(), 0);
            self.high.resize(other.low.len(), 0);
        }
        for (i, (&low, &high)) in other.low.iter().zip(&other.high).enumerate() {
            let sum = u32::from(self.low[i]) + u32::from(low);
            self.low[i] = sum as u16;
            self.high[i] = self.high[i].saturating_add(high).saturating_add(sum >> 16);
        }
        self.total += other.total;
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Forgets every value recorded (keeping the memory).
    pub fn reset(&mut self) {
        self.low.fill(0);
        self.high.fill(0);
        self.total = 0;
    }

    /// The recorded values as an hdrhistogram, for its percentile queries.
    pub fn histogram(&self) -> Histogram<u32> {
        let mut h = Histogram::new(SIGFIG).expect("3 significant digits is a valid precision");
        for i in 0..self.low.len() {
            let n = self.count(i);
            if n > 0 {
                let v = value_at(i);
                if h.record_n(v, n).is_err() {
                    h.saturating_record_n(v, n);
                }
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Values across every bucket a run can reach: small ones one by one, then random ones
    /// of every magnitude up to 2^62, and each bucket boundary with its neighbours.
    fn probes() -> Vec<u64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut v: Vec<u64> = (0..5000).collect();
        for bits in 0..63 {
            let b = 1u64 << bits;
            v.extend([b - 1, b, b + 1]);
            for _ in 0..200 {
                v.push(rng.random_range(b..2 * b));
            }
        }
        v
    }

    #[test]
    fn buckets_match_hdrhistogram() {
        // hdrhistogram is the referee: a value's bucket here must span exactly the values
        // hdrhistogram treats as equivalent to it.
        let h = Histogram::<u32>::new(SIGFIG).unwrap();
        for v in probes() {
            let i = index_of(v);
            let low = value_at(i);
            assert_eq!(low, h.lowest_equivalent(v), "lowest equivalent of {v}");
            assert_eq!(index_of(low), i, "index of the lowest equivalent of {v}");
            let high = h.highest_equivalent(v);
            assert_eq!(index_of(high), i, "index of the highest equivalent of {v}");
            if high < u64::MAX {
                assert_eq!(index_of(high + 1), i + 1, "the next bucket after {v}");
            }
        }
    }

    #[test]
    fn counts_carry_past_sixteen_bits() {
        let mut r = Recorder::default();
        for _ in 0..200_000 {
            r.record(7);
        }
        for v in [3, 70_000, 70_000] {
            r.record(v);
        }
        let h = r.histogram();
        assert_eq!(h.len(), 200_003);
        assert_eq!(h.count_at(7), 200_000);
        assert_eq!(h.count_at(70_000), 2);
        assert_eq!(h.value_at_quantile(0.5), 7);
    }

    #[test]
    fn merged_recorders_count_as_one() {
        // Values split between three recorders, one past 2^16 in a bucket, merged in two
        // orders: the same counts as one recorder that saw them all.
        let values = probes();
        let mut parts = [
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        ];
        let mut whole = Recorder::default();
        for (i, &v) in values.iter().enumerate() {
            parts[i % 3].record(v);
            whole.record(v);
        }
        for _ in 0..70_000 {
            parts[1].record(9);
            parts[2].record(9);
            whole.record(9);
            whole.record(9);
        }
        let mut forward = Recorder::default();
        let mut backward = Recorder::default();
        for p in &parts {
            forward.merge(p);
        }
        for p in parts.iter().rev() {
            backward.merge(p);
        }
        for merged in [forward, backward] {
            assert_eq!(merged.total, whole.total);
            assert_eq!(merged.histogram(), whole.histogram());
        }
    }

    #[test]
    fn percentiles_equal_those_of_hdrhistogram_recording_directly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut r = Recorder::default();
        let mut direct = Histogram::<u32>::new(SIGFIG).unwrap();
        for _ in 0..200_000 {
            // Exponential-like spread over six decades, as sojourn times in 1e-4 units are.
            let v = (-rng.random::<f64>().ln() * 1e5) as u64;
            r.record(v);
            direct.record(v).unwrap();
        }
        let h = r.histogram();
        assert_eq!(h.len(), direct.len());
        for q in [0.0, 0.001, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
            assert_eq!(
                h.value_at_quantile(q),
                direct.value_at_quantile(q),
                "quantile {q}"
            );
        }
        r.reset();
        assert!(r.is_empty());
        assert!(r.histogram().is_empty());
    }
}
