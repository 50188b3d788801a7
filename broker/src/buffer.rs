//! Waiting buffers, one per queue discipline.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::{Message, MessageId};

/// The order in which a queue's waiting messages are delivered. It applies to the shared buffer
/// and to each consumer's own buffer alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discipline {
    /// First in, first out.
    #[default]
    Fifo,
    /// Last in, first out: the newest waiting message goes next.
    Lifo,
    /// Non-preemptive priority: the most urgent waiting message (smallest
    /// [`Message::priority`]) goes next, FIFO among equal priorities. A message in service is
    /// never interrupted.
    Priority,
}

/// A priority-heap entry: the max of the heap is the smallest (priority, id).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Urgent(pub(crate) Message);

impl PartialEq for Urgent {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Urgent {}

impl PartialOrd for Urgent {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Urgent {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.0.priority, other.0.id).cmp(&(self.0.priority, self.0.id))
    }
}

/// A buffer of waiting messages in the order of its discipline. Storage is reused: pushing and
/// popping allocate only when the buffer grows past its largest size so far.
#[derive(Debug, Clone)]
pub(crate) enum Buffer {
    Fifo(VecDeque<Message>),
    Lifo(VecDeque<Message>),
    Priority(BinaryHeap<Urgent>),
}

impl Buffer {
    pub(crate) fn new(discipline: Discipline) -> Self {
        match discipline {
            Discipline::Fifo => Buffer::Fifo(VecDeque::new()),
            Discipline::Lifo => Buffer::Lifo(VecDeque::new()),
            Discipline::Priority => Buffer::Priority(BinaryHeap::new()),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.len(),
            Buffer::Priority(b) => b.len(),
        }
    }

    pub(crate) fn push(&mut self, m: Message) {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.push_back(m),
            Buffer::Priority(b) => b.push(Urgent(m)),
        }
    }

    /// The next message to deliver.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        match self {
            Buffer::Fifo(b) => b.pop_front(),
            Buffer::Lifo(b) => b.pop_back(),
            Buffer::Priority(b) => b.pop().map(|u| u.0),
        }
    }

    /// The id of the oldest waiting message (the first published): O(1) for FIFO and LIFO,
    /// O(len) for priority.
    pub(crate) fn oldest(&self) -> Option<MessageId> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.front().map(|m| m.id),
            Buffer::Priority(b) => b.iter().map(|u| u.0.id).min(),
        }
    }

    /// Removes the oldest waiting message: O(1) for FIFO and LIFO, O(len) for priority.
    pub(crate) fn remove_oldest(&mut self) -> Option<Message> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.pop_front(),
            Buffer::Priority(b) => {
                let id = b.iter().map(|u| u.0.id).min()?;
                let m = b.iter().find(|u| u.0.id == id)?.0;
                b.retain(|u| u.0.id != id);
                Some(m)
            }
        }
    }

    /// The waiting messages, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> Box<dyn Iterator<Item = &Message> + '_> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => Box::new(b.iter()),
            Buffer::Priority(b) => Box::new(b.iter().map(|u| &u.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64, priority: i32) -> Message {
        Message {
            id: MessageId(id),
            class: 0,
            priority,
            key: None,
            size: 1.0,
            published_at: 0.0,
            born_at: 0.0,
            waited_before: 0.0,
        }
    }

    fn drain(b: &mut Buffer) -> Vec<u64> {
        std::iter::from_fn(|| b.pop()).map(|m| m.id.0).collect()
    }

    #[test]
    fn fifo_lifo_priority_orders() {
        let prios = [2, 0, 1, 0, 2];
        let mut bufs = [Discipline::Fifo, Discipline::Lifo, Discipline::Priority].map(Buffer::new);
        for b in &mut bufs {
            for (i, p) in prios.iter().enumerate() {
                b.push(msg(i as u64, *p));
            }
        }
        assert_eq!(drain(&mut bufs[0]), vec![0, 1, 2, 3, 4]);
        assert_eq!(drain(&mut bufs[1]), vec![4, 3, 2, 1, 0]);
        assert_eq!(
            drain(&mut bufs[2]),
            vec![1, 3, 2, 0, 4],
            "by priority, FIFO within"
        );
    }

    #[test]
    fn remove_oldest_in_every_discipline() {
        for d in [Discipline::Fifo, Discipline::Lifo, Discipline::Priority] {
            let mut b = Buffer::new(d);
            for (i, p) in [3, 1, 2].iter().enumerate() {
                b.push(msg(i as u64 + 10, *p));
            }
            assert_eq!(b.oldest(), Some(MessageId(10)));
            assert_eq!(b.remove_oldest().unwrap().id, MessageId(10), "{d:?}");
            assert_eq!(b.len(), 2);
            assert_eq!(b.oldest(), Some(MessageId(11)));
        }
    }
}
