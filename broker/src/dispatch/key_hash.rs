//! `key-hash`: consistent hashing of message keys onto consumers.

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `key-hash`: consistent hashing of [`Message::key`] onto a ring of virtual nodes, so that
/// every message of one key goes to the same consumer. With a FIFO discipline this keeps
/// per-key order, as a partitioned log does; use it when consumers need that order or keep
/// per-key state. Balance depends on the keys: a hot key loads one consumer.
///
/// Each consumer owns [`KeyHash::VIRTUAL_NODES`] points on the ring (placed by a fixed hash,
/// so the mapping is the same in every run and every process); a key goes to the owner of the
/// first point at or after its hash. Adding a consumer would move only about 1/n of the keys.
/// Messages without a key go round-robin. O(log n) per choice.
///
/// ```
/// use kendall_broker::{Broker, DispatchKind, NewMessage, QueueConfig, WallClock};
/// let mut broker = Broker::new(WallClock::new());
/// let q = broker
///     .add_queue(QueueConfig::new("orders", 4).dispatch(DispatchKind::KeyHash))
///     .unwrap();
/// let order = |key| NewMessage { key: Some(key), ..NewMessage::default() };
/// let first = broker.publish(q, order(42)).unwrap();
/// let second = broker.publish(q, order(42)).unwrap();
/// // The first message of key 42 woke its consumer; the second waits behind it there.
/// let consumer = first.wake.unwrap();
/// assert_eq!(second.wake, None);
/// let d = broker.poll(consumer).unwrap().delivery.unwrap();
/// assert_eq!(d.message.id, first.id);
/// broker.ack(consumer, d.message.id).unwrap();
/// assert_eq!(broker.poll(consumer).unwrap().delivery.unwrap().message.id, second.id);
/// ```
#[derive(Debug, Clone)]
pub struct KeyHash {
    ring: Vec<(u64, usize)>,
    next: usize,
    consumers: usize,
}

impl KeyHash {
    /// Virtual nodes per consumer used by [`DispatchKind::KeyHash`](super::DispatchKind::KeyHash).
    pub const VIRTUAL_NODES: usize = 128;

    /// A ring over `consumers` consumers with `virtual_nodes` points each.
    pub fn new(consumers: usize, virtual_nodes: usize) -> Self {
        let mut ring: Vec<(u64, usize)> = (0..consumers)
            .flat_map(|k| {
                (0..virtual_nodes.max(1))
                    .map(move |v| (mix(mix(k as u64) ^ (v as u64).rotate_left(32)), k))
            })
            .collect();
        ring.sort_unstable();
        Self {
            ring,
            next: 0,
            consumers,
        }
    }

    /// The consumer that owns `key`.
    pub fn owner(&self, key: u64) -> usize {
        let h = mix(key);
        let i = self.ring.partition_point(|&(p, _)| p < h);
        self.ring[if i == self.ring.len() { 0 } else { i }].1
    }
}

impl Dispatch for KeyHash {
    fn route(&mut self, message: &Message, _: &ConsumerLoads) -> Route {
        match message.key {
            Some(key) => Route::Consumer(self.owner(key)),
            None => {
                let k = self.next;
                self.next = if k + 1 == self.consumers { 0 } else { k + 1 };
                Route::Consumer(k)
            }
        }
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}

/// SplitMix64's finaliser: a fixed, well-spread 64-bit mix.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
