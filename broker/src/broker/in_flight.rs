//! The messages a consumer holds in flight.

use std::collections::HashMap;

use crate::{Message, MessageId};

/// A message in flight at a consumer.
#[derive(Debug, Clone, Copy)]
pub(super) struct InFlight {
    pub(super) message: Message,
    pub(super) delivered_at: f64,
    /// [`InFlight::seq`] shifted left by one, [`InFlight::taken_from_shared`] in the low bit:
    /// one word for both keeps the entry at 88 bytes, not 96 (fewer cache lines per consumer).
    pub(super) delivery: u64,
}

impl InFlight {
    /// Delivery number `seq` of `message` at `delivered_at`, taken from the shared buffer or not.
    #[inline(always)] // Built on every delivery, in place in the consumer's entry.
    pub(super) fn new(message: Message, delivered_at: f64, seq: u64, from_shared: bool) -> Self {
        Self {
            message,
            delivered_at,
            delivery: seq << 1 | u64::from(from_shared),
        }
    }

    /// Broker-wide delivery number: tells this delivery's visibility deadline from stale ones.
    #[inline(always)] // A shift, read on every visibility check.
    pub(super) fn seq(&self) -> u64 {
        self.delivery >> 1
    }

    /// Taken from the shared buffer (handed back there), not from the consumer's own.
    #[inline(always)] // A mask, read on every hand-back.
    pub(super) fn taken_from_shared(&self) -> bool {
        self.delivery & 1 != 0
    }
}

/// The messages one consumer holds in flight: an inline slot for a consumer of prefetch 1
/// (no heap access on its hot path), a vector of at most `prefetch` otherwise, and for a
/// prefetch above [`INDEX_FROM`] (a processor-sharing consumer may hold thousands) the vector
/// with an index from message id to position, so that settling one costs O(1), not a scan.
pub(super) enum Held {
    One(Option<InFlight>),
    Many(Vec<InFlight>, usize),
    Indexed(Box<Indexed>),
}

/// Prefetch from which a consumer's deliveries are indexed by message id.
pub(super) const INDEX_FROM: usize = 32;

/// A large prefetch's deliveries: the vector (in the order `swap_remove` keeps, as
/// [`Held::Many`]'s) and each message's position in it.
pub(super) struct Indexed {
    held: Vec<InFlight>,
    prefetch: usize,
    at: HashMap<MessageId, usize>,
}

impl Indexed {
    /// Adds a delivery. Out of line, so that the prefetch-1 path of [`Held::push`] stays
    /// small where it is inlined.
    #[inline(never)]
    fn push(&mut self, f: InFlight) {
        self.at.insert(f.message.id, self.held.len());
        self.held.push(f);
    }

    /// Removes the delivery at `i` (the last takes its place), returning `read` of it.
    #[inline(never)]
    fn remove_at<R>(&mut self, i: usize, read: impl FnOnce(&InFlight) -> R) -> R {
        let r = read(&self.held[i]);
        self.at.remove(&self.held[i].message.id);
        self.held.swap_remove(i);
        if let Some(moved) = self.held.get(i) {
            self.at.insert(moved.message.id, i);
        }
        r
    }
}

impl Held {
    pub(super) fn new(prefetch: usize) -> Self {
        if prefetch == 1 {
            Held::One(None)
        } else if prefetch > INDEX_FROM {
            Held::Indexed(Box::new(Indexed {
                held: Vec::with_capacity(16),
                prefetch,
                at: HashMap::new(),
            }))
        } else {
            // Grown as needed up to the prefetch, so a large prefetch costs nothing upfront.
            Held::Many(Vec::with_capacity(prefetch.min(16)), prefetch)
        }
    }

    /// True when the consumer holds its prefetch.
    #[inline]
    pub(super) fn is_full(&self) -> bool {
        match self {
            Held::One(slot) => slot.is_some(),
            Held::Many(v, prefetch) => v.len() >= *prefetch,
            Held::Indexed(x) => x.held.len() >= x.prefetch,
        }
    }

    /// Adds a delivery (the consumer is not full).
    #[inline]
    pub(super) fn push(&mut self, f: InFlight) {
        match self {
            Held::One(slot) => *slot = Some(f),
            Held::Many(v, _) => v.push(f),
            Held::Indexed(x) => x.push(f),
        }
    }

    /// The deliveries, in the order a `Vec` with `swap_remove` would keep them.
    pub(super) fn as_slice(&self) -> &[InFlight] {
        match self {
            Held::One(slot) => slot.as_slice(),
            Held::Many(v, _) => v,
            Held::Indexed(x) => &x.held,
        }
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, InFlight> {
        self.as_slice().iter()
    }

    /// Removes and returns the first delivery that satisfies `pred` (the last one takes its
    /// place, as `Vec::swap_remove` does).
    #[inline]
    pub(super) fn take(&mut self, pred: impl Fn(&InFlight) -> bool) -> Option<InFlight> {
        self.take_with(pred, |f| *f)
    }

    /// Removes and returns the delivery of message `id` ([`Held::take`] by id: no scan of
    /// an indexed consumer's deliveries).
    #[inline]
    pub(super) fn take_id(&mut self, id: MessageId) -> Option<InFlight> {
        self.take_id_with(id, |f| *f)
    }

    /// [`Held::take_id`], returning `read` of the delivery instead of a copy of it.
    #[inline(always)]
    pub(super) fn take_id_with<R>(
        &mut self,
        id: MessageId,
        read: impl FnOnce(&InFlight) -> R,
    ) -> Option<R> {
        match self {
            Held::Indexed(x) => {
                let i = *x.at.get(&id)?;
                Some(x.remove_at(i, read))
            }
            _ => self.take_with(|f| f.message.id == id, read),
        }
    }

    /// [`Held::take`], returning `read` of the delivery instead of a copy of it.
    #[inline(always)] // So that `read` builds the caller's answer straight from the entry.
    pub(super) fn take_with<R>(
        &mut self,
        pred: impl Fn(&InFlight) -> bool,
        read: impl FnOnce(&InFlight) -> R,
    ) -> Option<R> {
        match self {
            Held::One(slot) => match slot {
                Some(f) if pred(f) => {
                    let r = read(f);
                    *slot = None;
                    Some(r)
                }
                _ => None,
            },
            Held::Many(v, _) => {
                let i = v.iter().position(pred)?;
                let r = read(&v[i]);
                v.swap_remove(i);
                Some(r)
            }
            Held::Indexed(x) => {
                let i = x.held.iter().position(pred)?;
                Some(x.remove_at(i, read))
            }
        }
    }
}
