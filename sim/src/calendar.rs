//! The event calendar: pending events in time order, ties broken by insertion order.
//!
//! A 4-ary min-heap on one integer key per entry: the time's bits mapped so that integer
//! order is `f64::total_cmp` order, then the insertion number. Same order as a binary heap on
//! (time, seq), with half the depth and one integer comparison per step. [`Agenda`] keeps the
//! producers' arrivals in a heap of their own, in the same overall order.

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

/// `(if_true, its key)` when `cond`, else `(if_false, its key)`, without a branch.
#[inline(always)]
fn select(
    cond: bool,
    if_true: usize,
    if_false: usize,
    key: &impl Fn(usize) -> u128,
) -> (usize, u128) {
    let i = std::hint::select_unpredictable(cond, if_true, if_false);
    (i, key(i))
}

/// A 4-ary min-heap of entries by key: the storage behind [`EventQueue`] and [`Agenda`].
#[derive(Debug, Clone)]
struct Heap<E> {
    entries: Vec<Entry<E>>,
}

impl<E: Copy> Heap<E> {
    fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    /// The smallest key, or `u128::MAX` when empty (no real key is that large: it would be a
    /// NaN time with the last insertion number).
    #[inline(always)]
    fn top_key(&self) -> u128 {
        self.entries.first().map_or(u128::MAX, |e| e.key)
    }

    #[inline(always)]
    fn push(&mut self, entry: Entry<E>) {
        let heap = &mut self.entries;
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

    #[inline(always)]
    fn pop(&mut self) -> Option<Entry<E>> {
        let last = self.entries.pop()?;
        if self.entries.is_empty() {
            return Some(last);
        }
        let top = self.entries[0];
        self.sift_down_from_root(last);
        Some(top)
    }

    /// Replaces the smallest entry (there is one) by `entry`.
    #[inline(always)]
    fn replace_top(&mut self, entry: Entry<E>) {
        self.sift_down_from_root(entry);
    }

    /// Puts `entry` in the root's place and moves it down to where it belongs.
    #[inline(always)]
    fn sift_down_from_root(&mut self, entry: Entry<E>) {
        let heap = &mut self.entries;
        let n = heap.len();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let best = if first + ARITY <= n {
                // A full node: branch-free selects, as these comparisons are coin flips.
                let k = |c: usize| heap[c].key;
                let (a, ka) = select(k(first + 1) < k(first), first + 1, first, &k);
                let (b, kb) = select(k(first + 3) < k(first + 2), first + 3, first + 2, &k);
                select(kb < ka, b, a, &k).0
            } else {
                let mut best = first;
                for c in first + 1..n {
                    if heap[c].key < heap[best].key {
                        best = c;
                    }
                }
                best
            };
            if heap[best].key >= entry.key {
                break;
            }
            heap[i] = heap[best];
            i = best;
        }
        heap[i] = entry;
    }
}

/// A priority queue of events keyed by time, deterministic under ties.
///
/// Its size is the number of pending events (one per producer plus one per busy consumer),
/// never the run length.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    heap: Heap<E>,
    seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty calendar with room for `n` events.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            heap: Heap::with_capacity(n),
            seq: 0,
        }
    }

    /// Schedules `event` at `time`.
    #[inline(always)]
    pub fn schedule(&mut self, time: f64, event: E) {
        let entry = Entry {
            key: key(time, self.seq),
            event,
        };
        self.seq += 1;
        self.heap.push(entry);
    }

    /// Removes and returns the earliest event.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (time_of(e.key), e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.entries.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.entries.is_empty()
    }
}

/// What is due next on an [`Agenda`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due<E> {
    /// Producer i's next arrival. It stays on the agenda until the caller renews or ends it.
    Arrival(u32),
    /// Any other event (removed).
    Event(E),
}

/// The simulator's agenda: the producers' next arrivals and every other event, in one time
/// order with ties broken by scheduling order — exactly an [`EventQueue`] holding both.
///
/// Two savings over one queue, neither changing the order:
/// - arrivals are kept apart, and each one's successor replaces it in a single sift instead
///   of a pop and a push (with one producer, that heap never moves);
/// - the event handed out by [`Agenda::take_next`] is only marked taken: the first event scheduled
///   while it is handled takes its place, again in one sift (a consumer that finishes a
///   message and starts the next reuses its slot), and it is removed for real only if
///   nothing was scheduled.
#[derive(Debug, Clone)]
pub struct Agenda<E> {
    arrivals: Heap<u32>,
    events: Heap<E>,
    seq: u64,
    /// An arrival was handed out and awaits [`Agenda::renew_arrival`] or
    /// [`Agenda::end_arrival`].
    arrival_open: bool,
    /// The root of `events` was handed out: it is dead, to be replaced or removed.
    event_open: bool,
}

impl<E: Copy> Agenda<E> {
    /// An empty agenda with room for `producers` arrivals and `events` other events.
    pub fn with_capacity(producers: usize, events: usize) -> Self {
        Self {
            arrivals: Heap::with_capacity(producers),
            events: Heap::with_capacity(events),
            seq: 0,
            arrival_open: false,
            event_open: false,
        }
    }

    #[inline(always)]
    fn next_key(&mut self, time: f64) -> u128 {
        let k = key(time, self.seq);
        self.seq += 1;
        k
    }

    /// Schedules producer `i`'s first arrival at `time`.
    pub fn schedule_arrival(&mut self, time: f64, i: u32) {
        let key = self.next_key(time);
        self.arrivals.push(Entry { key, event: i });
    }

    /// Schedules `event` at `time`.
    #[inline(always)]
    pub fn schedule(&mut self, time: f64, event: E) {
        debug_assert!(!self.arrival_open, "renew or end the arrival first");
        let entry = Entry {
            key: self.next_key(time),
            event,
        };
        if self.event_open {
            self.event_open = false;
            self.events.replace_top(entry);
        } else {
            self.events.push(entry);
        }
    }

    /// The earliest item and its time. An event is taken; an arrival stays until the caller
    /// calls [`Agenda::renew_arrival`] (its producer's next arrival) or
    /// [`Agenda::end_arrival`] (the producer stops) — before scheduling anything else.
    // Not an Iterator: a handed-out arrival stays until renewed or ended.
    #[inline(always)]
    pub fn take_next(&mut self) -> Option<(f64, Due<E>)> {
        debug_assert!(!self.arrival_open, "renew or end the arrival first");
        if self.event_open {
            self.event_open = false;
            self.events.pop();
        }
        let (a, e) = (self.arrivals.top_key(), self.events.top_key());
        if a < e {
            self.arrival_open = true;
            Some((time_of(a), Due::Arrival(self.arrivals.entries[0].event)))
        } else if e == u128::MAX {
            None
        } else {
            self.event_open = true;
            Some((time_of(e), Due::Event(self.events.entries[0].event)))
        }
    }

    /// The producer whose arrival [`Agenda::take_next`] just handed out arrives next at `time`.
    #[inline(always)]
    pub fn renew_arrival(&mut self, time: f64) {
        debug_assert!(self.arrival_open, "no arrival handed out");
        self.arrival_open = false;
        let key = self.next_key(time);
        let event = self.arrivals.entries[0].event;
        self.arrivals.replace_top(Entry { key, event });
    }

    /// The producer whose arrival [`Agenda::take_next`] just handed out publishes no more.
    pub fn end_arrival(&mut self) {
        debug_assert!(self.arrival_open, "no arrival handed out");
        self.arrival_open = false;
        self.arrivals.pop();
    }

    /// Number of pending arrivals and events (not counting one being handled).
    pub fn len(&self) -> usize {
        self.arrivals.entries.len() + self.events.entries.len() - usize::from(self.event_open)
    }

    /// The event likely due after the one [`Agenda::take_next`] just handed out: the earliest
    /// of the handed-out event's successors in the heap (an arrival or an event scheduled
    /// meanwhile may come first). A hint for fetching that event's data ahead of time.
    #[inline(always)]
    pub fn likely_next_event(&self) -> Option<E> {
        let heap = &self.events.entries;
        let n = heap.len();
        if !self.event_open || n < 2 {
            return heap.first().filter(|_| !self.event_open).map(|e| e.event);
        }
        let mut best = 1;
        for c in 2..n.min(ARITY + 1) {
            if heap[c].key < heap[best].key {
                best = c;
            }
        }
        Some(heap[best].event)
    }

    /// Number of pending arrivals: the producers that will publish again (a trace with
    /// `at_end = "stop"` that has run out is gone once its arrival is ended).
    #[inline]
    pub fn arrivals(&self) -> usize {
        self.arrivals.entries.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    #[test]
    fn agenda_hands_out_what_one_queue_would() {
        // Three producers with gaps from a small generator (many ties), events scheduled as
        // arrivals are handled; the agenda must hand out exactly what one EventQueue of both
        // would, including ties by scheduling order.
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Item {
            Arrival(u32),
            Event(u32),
        }
        let mut one: EventQueue<Item> = EventQueue::default();
        let mut agenda: Agenda<u32> = Agenda::with_capacity(3, 8);
        let mut x: u64 = 99;
        let mut gap = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 40) % 4) as f64 * 0.5
        };
        for i in 0..3 {
            let t = gap();
            one.schedule(t, Item::Arrival(i));
            agenda.schedule_arrival(t, i);
        }
        let mut arrivals_left = [40, 25, 60];
        let mut n = 0u32;
        while let Some((t, item)) = one.pop() {
            // Pending arrivals: one per producer that has not stopped.
            let producing = arrivals_left.iter().filter(|&&a| a > 0).count();
            assert!(agenda.arrivals() >= producing && agenda.arrivals() <= 3);
            let (ta, due) = agenda
                .take_next()
                .expect("the agenda has what the queue has");
            assert_eq!(ta.to_bits(), t.to_bits());
            match (item, due) {
                (Item::Arrival(i), Due::Arrival(j)) => {
                    assert_eq!(i, j);
                    if arrivals_left[i as usize] > 0 {
                        arrivals_left[i as usize] -= 1;
                        let next = t + gap();
                        one.schedule(next, Item::Arrival(i));
                        agenda.renew_arrival(next);
                    } else {
                        agenda.end_arrival();
                    }
                    // Sometimes an arrival starts work: an event after it (possibly at once).
                    if n % 3 != 2 {
                        let done = t + gap();
                        one.schedule(done, Item::Event(n));
                        agenda.schedule(done, n);
                    }
                    n += 1;
                }
                (Item::Event(a), Due::Event(b)) => {
                    assert_eq!(a, b);
                    // Half the events start more work (a consumer taking its next message),
                    // which takes the handed-out event's place on the agenda.
                    if a % 2 == 0 && n < 400 {
                        let done = t + gap();
                        one.schedule(done, Item::Event(n));
                        agenda.schedule(done, n);
                        n += 1;
                    }
                }
                (a, b) => panic!("queue gave {a:?}, agenda {b:?}"),
            }
        }
        assert!(agenda.is_empty() && agenda.take_next().is_none());
        assert_eq!(agenda.arrivals(), 0);
    }

    #[test]
    fn agenda_names_the_event_likely_next() {
        let mut agenda: Agenda<u32> = Agenda::with_capacity(0, 8);
        assert_eq!(agenda.likely_next_event(), None);
        for (t, e) in [(5.0, 5), (1.0, 1), (3.0, 3), (2.0, 2), (4.0, 4)] {
            agenda.schedule(t, e);
        }
        // Nothing handed out: the earliest is next.
        assert_eq!(agenda.likely_next_event(), Some(1));
        for want in 2..=5 {
            agenda.take_next();
            assert_eq!(agenda.likely_next_event(), Some(want));
        }
        agenda.take_next();
        assert_eq!(agenda.likely_next_event(), None);
    }

    #[test]
    fn agenda_counts_the_producers_still_arriving() {
        let mut agenda: Agenda<u32> = Agenda::with_capacity(2, 2);
        agenda.schedule_arrival(1.0, 0);
        agenda.schedule_arrival(2.0, 1);
        agenda.schedule(0.5, 7);
        assert_eq!(agenda.arrivals(), 2);
        assert!(matches!(agenda.take_next(), Some((_, Due::Event(7)))));
        assert!(matches!(agenda.take_next(), Some((_, Due::Arrival(0)))));
        // Handed out, not yet renewed or ended: still pending.
        assert_eq!(agenda.arrivals(), 2);
        agenda.end_arrival();
        assert_eq!(agenda.arrivals(), 1);
        assert!(matches!(agenda.take_next(), Some((_, Due::Arrival(1)))));
        agenda.renew_arrival(3.0);
        assert_eq!(agenda.arrivals(), 1);
        assert!(matches!(agenda.take_next(), Some((_, Due::Arrival(1)))));
        agenda.end_arrival();
        assert_eq!(agenda.arrivals(), 0);
        assert!(agenda.take_next().is_none());
    }
}
