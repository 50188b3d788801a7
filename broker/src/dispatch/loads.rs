//! What a strategy sees of the consumers: each one's held count and work.

/// What a strategy may look at when choosing: for each consumer, how many messages it holds
/// (waiting in its own queue plus the one in service) and how much work they add up to.
///
/// Work is the sum of the [`Message::size`](crate::Message::size)s a consumer holds. The message in
/// service counts with its full size: the broker does not know how far along its processing is.
#[derive(Debug, Clone, Default)]
pub struct ConsumerLoads {
    /// Held count and work side by side: one cache line per consumer touched.
    loads: Vec<Load>,
}

/// One consumer's load.
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    held: u32,
    work: f64,
}

impl ConsumerLoads {
    /// Loads of `consumers` consumers that hold nothing.
    pub fn new(consumers: usize) -> Self {
        Self {
            loads: vec![Load::default(); consumers],
        }
    }

    /// Number of consumers.
    #[inline]
    pub fn len(&self) -> usize {
        self.loads.len()
    }

    /// True when there are no consumers.
    pub fn is_empty(&self) -> bool {
        self.loads.is_empty()
    }

    /// Fetches consumer `k`'s load into the cache (a hint; nothing if there is no such
    /// consumer).
    #[inline]
    pub(crate) fn prefetch(&self, k: usize) {
        if let Some(load) = self.loads.get(k) {
            crate::prefetch::prefetch(load);
        }
    }

    /// Messages consumer `k` holds: in its own queue or in service.
    #[inline]
    pub fn held(&self, k: usize) -> u32 {
        self.loads[k].held
    }

    /// Work consumer `k` holds: the sum of the sizes of its messages, the one in service
    /// counted fully. Exactly 0 when it holds nothing.
    #[inline]
    pub fn work(&self, k: usize) -> f64 {
        self.loads[k].work
    }

    /// True when consumer `k` holds no message at all.
    #[inline]
    pub fn is_idle(&self, k: usize) -> bool {
        self.loads[k].held == 0
    }

    /// Consumer `k` takes on a message of `size` work units.
    #[inline]
    pub(crate) fn add(&mut self, k: usize, size: f64) {
        let load = &mut self.loads[k];
        load.held += 1;
        load.work += size;
    }

    /// Consumer `k` lets go of a message of `size` work units.
    #[inline]
    pub(crate) fn remove(&mut self, k: usize, size: f64) {
        let load = &mut self.loads[k];
        load.held -= 1;
        // Reset exactly when empty, so that rounding never accumulates across busy periods.
        load.work = if load.held == 0 {
            0.0
        } else {
            load.work - size
        };
    }
}
