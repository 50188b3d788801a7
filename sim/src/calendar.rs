//! The event calendar: pending events in time order, ties broken by insertion order.
//!
//! A 4-ary min-heap on one integer key per entry: the time's bits mapped so that integer
//! order is `f64::total_cmp` order, then the insertion number. Same order as a binary heap on
//! (time, seq), with half the depth and one integer comparison per step.

/// A pending event: `key` orders it (see [`key`]).
#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    key: u128,
    event: E,
}

/// Maps `time` to an integer whose order is [`f64::total_cmp`]'s, then appends `seq`.
#[inline]
fn key(time: f64, seq: u64) -> u128 {
    let b = time.to_bits();
    let ordered = if b >> 63 == 1 { !b } else { b | 1 << 63 };
    (u128::from(ordered) << 64) | u128::from(seq)
}

/// The time a key was made from.
#[inline]
fn time_of(key: u128) -> f64 {
    let ordered = (key >> 64) as u64;
    f64::from_bits(if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    })
}

/// Children per node.
const ARITY: usize = 4;

/// A priority queue of events keyed by time, deterministic under ties.
///
/// Its size is the number of pending events (one per producer plus one per busy consumer),
/// never the run length.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            heap: Vec::new(),
            seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty calendar with room for `n` events.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            heap: Vec::with_capacity(n),
            seq: 0,
        }
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn schedule(&mut self, time: f64, event: E) {
        let entry = Entry {
            key: key(time, self.seq),
            event,
        };
        self.seq += 1;
        let heap = &mut self.heap;
        let mut i = heap.len();
        heap.push(entry);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if heap[parent].key <= entry.key {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = entry;
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        let last = self.heap.pop()?;
        let heap = &mut self.heap;
        let n = heap.len();
        if n == 0 {
            return Some((time_of(last.key), last.event));
        }
        let top = heap[0];
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut best = first;
            for c in first + 1..end {
                if heap[c].key < heap[best].key {
                    best = c;
                }
            }
            if heap[best].key >= last.key {
                break;
            }
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = last;
        Some((time_of(top.key), top.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_with_fifo_ties() {
        let mut q = EventQueue::default();
        for (t, e) in [(3.0, 'a'), (1.0, 'b'), (2.0, 'c'), (1.0, 'd'), (1.0, 'e')] {
            q.schedule(t, e);
        }
        let order: String = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "bdeca");
        assert!(q.is_empty());
    }

    #[test]
    fn matches_a_sort_on_time_then_insertion_order() {
        // Many entries with repeated times (negative, zero and positive), against a stable sort.
        let mut q = EventQueue::default();
        let mut want = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..5000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = ((x >> 40) % 200) as f64 * 0.25 - 10.0;
            q.schedule(t, i);
            want.push((t, i));
            if i % 7 == 0 {
                // Interleave pops with pushes.
                want.sort_by(|a, b| a.0.total_cmp(&b.0));
                let first = want.remove(0);
                assert_eq!(q.pop(), Some(first));
            }
        }
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, want);
        assert_eq!(time_of(key(-0.0, 3)).to_bits(), (-0.0f64).to_bits());
        assert_eq!(time_of(key(f64::INFINITY, 0)), f64::INFINITY);
    }
}
