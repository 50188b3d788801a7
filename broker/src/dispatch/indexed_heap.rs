//! A min-heap over consumers whose keys change.

/// A binary min-heap over consumers 0..n with a changeable key each: O(log n) update, O(1) min.
/// Each heap entry carries its key, so that sifting compares within the heap array alone.
#[derive(Debug, Clone)]
pub(super) struct IndexedHeap<K> {
    heap: Vec<(K, u32)>,
    pos: Vec<u32>,
}

impl<K: Ord + Copy> IndexedHeap<K> {
    pub(super) fn new(key: Vec<K>) -> Self {
        let n = key.len();
        let mut h = Self {
            heap: key.into_iter().zip(0..n as u32).collect(),
            pos: (0..n as u32).collect(),
        };
        for i in (0..n / 2).rev() {
            h.sift_down(i);
        }
        h
    }

    pub(super) fn min(&self) -> usize {
        self.heap[0].1 as usize
    }

    #[inline]
    pub(super) fn update(&mut self, k: usize, key: K) {
        let i = self.pos[k] as usize;
        self.heap[i].0 = key;
        let i = self.sift_up(i);
        self.sift_down(i);
    }

    fn less(&self, i: usize, j: usize) -> bool {
        self.heap[i].0 < self.heap[j].0
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        self.pos[self.heap[i].1 as usize] = i as u32;
        self.pos[self.heap[j].1 as usize] = j as u32;
    }

    fn sift_up(&mut self, mut i: usize) -> usize {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.less(i, parent) {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
        i
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < n && self.less(l, m) {
                m = l;
            }
            if r < n && self.less(r, m) {
                m = r;
            }
            if m == i {
                return;
            }
            self.swap(i, m);
            i = m;
        }
    }
}
