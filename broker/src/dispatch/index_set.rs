//! A set of consumers with constant-time insert, remove and random pick.

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A set of consumer indices with O(1) insert, remove and uniform random pick.
#[derive(Debug, Clone)]
pub(super) struct IndexSet {
    members: Vec<u32>,
    /// Position of each consumer in `members`, or `u32::MAX` when absent.
    pos: Vec<u32>,
}

impl IndexSet {
    pub(super) fn full(n: usize) -> Self {
        Self {
            members: (0..n as u32).collect(),
            pos: (0..n as u32).collect(),
        }
    }

    pub(super) fn insert(&mut self, k: usize) {
        if self.pos[k] == u32::MAX {
            self.pos[k] = self.members.len() as u32;
            self.members.push(k as u32);
        }
    }

    pub(super) fn remove(&mut self, k: usize) {
        let i = self.pos[k];
        if i != u32::MAX {
            let i = i as usize;
            self.members.swap_remove(i);
            if let Some(&moved) = self.members.get(i) {
                self.pos[moved as usize] = i as u32;
            }
            self.pos[k] = u32::MAX;
        }
    }

    pub(super) fn pick(&self, rng: &mut Xoshiro256PlusPlus) -> Option<usize> {
        match self.members.len() {
            0 => None,
            n => Some(self.members[rng.random_range(0..n)] as usize),
        }
    }
}
