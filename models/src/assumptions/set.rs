//! [`Features`]: a set of scenario features, as one bit each.

use super::Feature;

/// A set of [`Feature`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Features(u64);

impl Features {
    /// No feature: the baseline every model shares.
    pub const NONE: Features = Features(0);

    /// The set of `list`.
    pub const fn of(list: &[Feature]) -> Features {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= 1 << list[i] as u8;
            i += 1;
        }
        Features(bits)
    }

    /// Adds `f`.
    pub fn insert(&mut self, f: Feature) {
        self.0 |= f.bit();
    }

    /// True when `f` is in the set.
    pub fn contains(self, f: Feature) -> bool {
        self.0 & f.bit() != 0
    }

    /// True when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The features in either set.
    pub fn union(self, other: Features) -> Features {
        Features(self.0 | other.0)
    }

    /// The features in `self` but not in `other`.
    pub fn minus(self, other: Features) -> Features {
        Features(self.0 & !other.0)
    }

    /// The features in both sets.
    pub fn intersection(self, other: Features) -> Features {
        Features(self.0 & other.0)
    }

    /// The members, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Feature> for Features {
    fn from_iter<I: IntoIterator<Item = Feature>>(iter: I) -> Self {
        let mut s = Features::NONE;
        iter.into_iter().for_each(|f| s.insert(f));
        s
    }
}
