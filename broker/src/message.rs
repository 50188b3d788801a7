//! Messages as the broker holds them.

/// A broker-assigned message identifier, unique within one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// What a producer hands to [`crate::Broker::publish`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewMessage {
    /// Message type (index into the caller's list of classes).
    pub class: u16,
    /// Priority: smaller is more urgent.
    pub priority: i32,
    /// Optional partition key (already hashed by the caller).
    pub key: Option<u64>,
    /// Size of the message in work units: the processing it needs at speed 1.
    pub size: f64,
    /// When the message first entered the system, if earlier than this publish (a message
    /// forwarded from another queue keeps its origin time); `None` means now.
    pub born_at: Option<f64>,
    /// Time already spent waiting in earlier queues (a header a forwarding service carries so
    /// that end-to-end waiting time can be reported); 0 for a fresh message.
    pub waited_before: f64,
}

impl Default for NewMessage {
    fn default() -> Self {
        Self {
            class: 0,
            priority: 0,
            key: None,
            size: 1.0,
            born_at: None,
            waited_before: 0.0,
        }
    }
}

/// A message held by the broker. `Copy`, so holding one costs no heap allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Message {
    /// Identifier assigned at publish.
    pub id: MessageId,
    /// Message type.
    pub class: u16,
    /// Priority: smaller is more urgent.
    pub priority: i32,
    /// Optional partition key.
    pub key: Option<u64>,
    /// Work units the message needs.
    pub size: f64,
    /// When it entered this queue.
    pub published_at: f64,
    /// When it first entered the system.
    pub born_at: f64,
    /// Time spent waiting in earlier queues.
    pub waited_before: f64,
    /// Deliveries so far: 0 while the message has never been delivered, 1 on its first
    /// delivery, 2 on its first redelivery (after a rejection or a visibility timeout), and so
    /// on. Handing a message back with [`crate::Broker::requeue_front`] (preemption) does not
    /// count as an attempt: it is delivered again with the same number.
    pub attempt: u32,
}

#[cfg(test)]
impl Message {
    /// A message of size 1 numbered `id` with `priority`, published at 0: what the broker's
    /// unit and property tests route and buffer without caring about the rest.
    pub(crate) fn for_test(id: u64, priority: i32) -> Message {
        Message {
            id: MessageId(id),
            class: 0,
            priority,
            key: None,
            size: 1.0,
            published_at: 0.0,
            born_at: 0.0,
            waited_before: 0.0,
            attempt: 0,
        }
    }
}
