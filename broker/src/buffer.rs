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
    /// Preemptive-resume priority: waiting messages are ordered as with
    /// [`Discipline::Priority`], and a publish that no idle consumer can take but that is
    /// strictly more urgent than a message in service names, in
    /// [`crate::Published::preempt`], the consumer to interrupt. The caller hands the
    /// interrupted message back with [`crate::Broker::requeue_front`] (with its remaining
    /// work) and polls that consumer again.
    PriorityPreemptive,
}

impl Discipline {
    /// True for the disciplines that order by [`Message::priority`].
    pub fn is_priority(self) -> bool {
        matches!(self, Discipline::Priority | Discipline::PriorityPreemptive)
    }
}

/// A priority-heap entry: the max of the heap is the smallest (priority, order). `order`
/// increases for messages pushed at the back and decreases for those pushed at the front, so
/// that a message handed back goes to the head of its priority level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Urgent(pub(crate) Message, i64);

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
        (other.0.priority, other.1).cmp(&(self.0.priority, self.1))
    }
}

/// Storage for a FIFO or LIFO buffer: a double-ended sequence of messages.
pub(crate) trait Seq: Default {
    fn push_back(&mut self, m: Message);
    fn push_front(&mut self, m: Message);
    fn pop_front(&mut self) -> Option<Message>;
    fn pop_back(&mut self) -> Option<Message>;
    fn front(&self) -> Option<&Message>;
    /// Removes message `id`, keeping the order of the others.
    fn remove(&mut self, id: MessageId) -> Option<Message>;
    #[cfg(test)]
    fn len(&self) -> usize;
    #[cfg(test)]
    fn iter(&self) -> Box<dyn Iterator<Item = &Message> + '_>;
}

/// A plain ring buffer: the shared buffer, where a queue of several messages is usual.
impl Seq for VecDeque<Message> {
    #[inline]
    fn push_back(&mut self, m: Message) {
        VecDeque::push_back(self, m)
    }

    #[inline]
    fn push_front(&mut self, m: Message) {
        VecDeque::push_front(self, m)
    }

    #[inline]
    fn pop_front(&mut self) -> Option<Message> {
        VecDeque::pop_front(self)
    }

    #[inline]
    fn pop_back(&mut self) -> Option<Message> {
        VecDeque::pop_back(self)
    }

    #[inline]
    fn front(&self) -> Option<&Message> {
        VecDeque::front(self)
    }

    fn remove(&mut self, id: MessageId) -> Option<Message> {
        let i = VecDeque::iter(self).position(|m| m.id == id)?;
        VecDeque::remove(self, i)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        VecDeque::len(self)
    }

    #[cfg(test)]
    fn iter(&self) -> Box<dyn Iterator<Item = &Message> + '_> {
        Box::new(VecDeque::iter(self))
    }
}

/// A double-ended queue of messages whose first one is held inline: a consumer's own buffer,
/// which rarely holds more than one message under JSQ-like dispatch, is then read and written
/// without touching the heap. The sequence is `head` (if any) followed by `rest`, and `rest`
/// is empty whenever `head` is. Whether there is a front, and which, is read from `head`
/// alone, and whether `rest` has any from `more`: neither a push nor a pop of the only message
/// touches `rest`.
#[derive(Debug, Clone, Default)]
#[repr(C)] // `more` and `head` first: `rest` lies on another of the consumer's cache lines.
pub(crate) struct Deque {
    /// `!rest.is_empty()`.
    more: bool,
    head: Option<Message>,
    rest: VecDeque<Message>,
}

impl Deque {
    /// Takes the head, moving the first of `rest` (if any) up to replace it.
    #[inline]
    fn take_head(&mut self) -> Option<Message> {
        // Tested first, so that finding it empty reads the tag alone, not the whole head.
        self.head.as_ref()?;
        let head = self.head.take();
        if self.more {
            self.head = self.rest.pop_front();
            self.more = !self.rest.is_empty();
        }
        head
    }
}

impl Seq for Deque {
    #[cfg(test)]
    fn len(&self) -> usize {
        usize::from(self.head.is_some()) + self.rest.len()
    }

    #[inline]
    fn push_back(&mut self, m: Message) {
        if self.head.is_none() {
            self.head = Some(m);
        } else {
            self.rest.push_back(m);
            self.more = true;
        }
    }

    #[inline]
    fn push_front(&mut self, m: Message) {
        if let Some(h) = self.head.replace(m) {
            self.rest.push_front(h);
            self.more = true;
        }
    }

    #[inline]
    fn pop_front(&mut self) -> Option<Message> {
        self.take_head()
    }

    #[inline]
    fn pop_back(&mut self) -> Option<Message> {
        if self.more {
            let m = self.rest.pop_back();
            self.more = !self.rest.is_empty();
            m
        } else {
            self.head.take()
        }
    }

    #[inline]
    fn front(&self) -> Option<&Message> {
        self.head.as_ref()
    }

    #[cfg(test)]
    fn iter(&self) -> Box<dyn Iterator<Item = &Message> + '_> {
        Box::new(self.head.iter().chain(self.rest.iter()))
    }

    fn remove(&mut self, id: MessageId) -> Option<Message> {
        if self.head.is_some_and(|m| m.id == id) {
            return self.take_head();
        }
        let i = self.rest.iter().position(|m| m.id == id)?;
        let m = self.rest.remove(i);
        self.more = !self.rest.is_empty();
        m
    }
}

/// A buffer of waiting messages in the order of its discipline. Storage is reused: pushing and
/// popping allocate only when the buffer grows past its largest size so far.
#[derive(Debug, Clone)]
#[repr(u8)] // An explicit tag: telling the variants apart, on each push and pop, is one test.
pub(crate) enum Buffer<S> {
    Fifo(S),
    Lifo(S),
    Priority {
        heap: BinaryHeap<Urgent>,
        /// Order key of the next message pushed at the back (counts up).
        back: i64,
        /// Order key of the next message pushed at the front (counts down).
        front: i64,
    },
}

/// A queue's shared buffer.
pub(crate) type SharedBuffer = Buffer<VecDeque<Message>>;

/// A consumer's own buffer, its first message inline.
pub(crate) type OwnBuffer = Buffer<Deque>;

impl<S: Seq> Buffer<S> {
    pub(crate) fn new(discipline: Discipline) -> Self {
        match discipline {
            Discipline::Fifo => Buffer::Fifo(S::default()),
            Discipline::Lifo => Buffer::Lifo(S::default()),
            Discipline::Priority | Discipline::PriorityPreemptive => Buffer::Priority {
                heap: BinaryHeap::new(),
                back: 0,
                front: -1,
            },
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.len(),
            Buffer::Priority { heap, .. } => heap.len(),
        }
    }

    /// Adds a newly arrived message.
    #[inline]
    pub(crate) fn push(&mut self, m: Message) {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.push_back(m),
            Buffer::Priority { heap, back, .. } => {
                heap.push(Urgent(m, *back));
                *back += 1;
            }
        }
    }

    /// Adds a message handed back, so that it goes next: at the head of a FIFO or LIFO buffer,
    /// at the head of its priority level in a priority buffer.
    #[inline]
    pub(crate) fn push_front(&mut self, m: Message) {
        match self {
            Buffer::Fifo(b) => b.push_front(m),
            Buffer::Lifo(b) => b.push_back(m),
            Buffer::Priority { heap, front, .. } => {
                heap.push(Urgent(m, *front));
                *front -= 1;
            }
        }
    }

    /// The next message to deliver.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Message> {
        match self {
            Buffer::Fifo(b) => b.pop_front(),
            Buffer::Lifo(b) => b.pop_back(),
            Buffer::Priority { heap, .. } => heap.pop().map(|u| u.0),
        }
    }

    /// [`Buffer::pop`], handing the message to `f` within each discipline's own branch: a
    /// delivery copies it from there straight to where it goes.
    #[inline(always)] // A pop into one stack temporary stalled on store forwarding.
    pub(crate) fn pop_with<R>(&mut self, f: impl FnOnce(&Message) -> R) -> Option<R> {
        match self {
            Buffer::Fifo(b) => b.pop_front().map(|m| f(&m)),
            Buffer::Lifo(b) => b.pop_back().map(|m| f(&m)),
            Buffer::Priority { heap, .. } => heap.pop().map(|u| f(&u.0)),
        }
    }

    /// Removes message `id` if it waits here: O(1) when it is at the oldest end of a FIFO or
    /// LIFO buffer (where expiring messages usually are), O(len) otherwise.
    pub(crate) fn remove(&mut self, id: MessageId) -> Option<Message> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.remove(id),
            Buffer::Priority { heap, .. } => {
                let m = heap.iter().find(|u| u.0.id == id)?.0;
                heap.retain(|u| u.0.id != id);
                Some(m)
            }
        }
    }

    /// The id of the oldest waiting message (the first published): O(1) for FIFO and LIFO,
    /// O(len) for priority.
    pub(crate) fn oldest(&self) -> Option<MessageId> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.front().map(|m| m.id),
            Buffer::Priority { heap, .. } => heap.iter().map(|u| u.0.id).min(),
        }
    }

    /// Removes the oldest waiting message: O(1) for FIFO and LIFO, O(len) for priority.
    pub(crate) fn remove_oldest(&mut self) -> Option<Message> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.pop_front(),
            Buffer::Priority { .. } => {
                let id = self.oldest()?;
                self.remove(id)
            }
        }
    }

    /// The waiting messages, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> Box<dyn Iterator<Item = &Message> + '_> {
        match self {
            Buffer::Fifo(b) | Buffer::Lifo(b) => b.iter(),
            Buffer::Priority { heap, .. } => Box::new(heap.iter().map(|u| &u.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(b: &mut OwnBuffer) -> Vec<u64> {
        std::iter::from_fn(|| b.pop()).map(|m| m.id.0).collect()
    }

    #[test]
    fn fifo_lifo_priority_orders() {
        let prios = [2, 0, 1, 0, 2];
        let mut bufs =
            [Discipline::Fifo, Discipline::Lifo, Discipline::Priority].map(OwnBuffer::new);
        for b in &mut bufs {
            for (i, p) in prios.iter().enumerate() {
                b.push(Message::for_test(i as u64, *p));
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
    fn push_front_goes_next_and_heads_its_priority_level() {
        let mut bufs =
            [Discipline::Fifo, Discipline::Lifo, Discipline::Priority].map(OwnBuffer::new);
        for b in &mut bufs {
            for (i, p) in [1, 0, 1].iter().enumerate() {
                b.push(Message::for_test(i as u64, *p));
            }
            b.push_front(Message::for_test(7, 1));
            b.push_front(Message::for_test(8, 1));
        }
        assert_eq!(drain(&mut bufs[0]), vec![8, 7, 0, 1, 2]);
        assert_eq!(drain(&mut bufs[1]), vec![8, 7, 2, 1, 0]);
        assert_eq!(drain(&mut bufs[2]), vec![1, 8, 7, 0, 2]);
    }

    #[test]
    fn deque_keeps_its_order_and_its_overflow_flag() {
        // Deterministic mix of every operation, checked against a plain VecDeque.
        let (mut d, mut model) = (Deque::default(), VecDeque::new());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..2000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 6 {
                0 | 1 => {
                    d.push_back(Message::for_test(i, 0));
                    model.push_back(i);
                }
                2 => {
                    d.push_front(Message::for_test(i, 0));
                    model.push_front(i);
                }
                3 => assert_eq!(d.pop_front().map(|m| m.id.0), model.pop_front()),
                4 => assert_eq!(d.pop_back().map(|m| m.id.0), model.pop_back()),
                _ => {
                    let id = model.get((x >> 8) as usize % (model.len() + 1)).copied();
                    let id = id.unwrap_or(i);
                    let pos = model.iter().position(|&m| m == id);
                    assert_eq!(
                        d.remove(MessageId(id)).map(|m| m.id.0),
                        pos.and_then(|p| model.remove(p))
                    );
                }
            }
            assert_eq!(d.more, !d.rest.is_empty());
            assert!(d.head.is_some() || d.rest.is_empty());
            assert_eq!(d.front().map(|m| m.id.0), model.front().copied());
            assert_eq!(
                d.iter().map(|m| m.id.0).collect::<Vec<_>>(),
                Vec::from(model.clone())
            );
        }
    }

    #[test]
    fn remove_by_id_anywhere() {
        for d in [Discipline::Fifo, Discipline::Lifo, Discipline::Priority] {
            let mut b = OwnBuffer::new(d);
            for i in 0..4 {
                b.push(Message::for_test(i, (i % 2) as i32));
            }
            assert_eq!(b.remove(MessageId(2)).map(|m| m.id.0), Some(2));
            assert_eq!(b.remove(MessageId(2)), None);
            assert_eq!(b.len(), 3);
        }
    }

    #[test]
    fn remove_oldest_in_every_discipline() {
        for d in [Discipline::Fifo, Discipline::Lifo, Discipline::Priority] {
            let mut b = OwnBuffer::new(d);
            for (i, p) in [3, 1, 2].iter().enumerate() {
                b.push(Message::for_test(i as u64 + 10, *p));
            }
            assert_eq!(b.oldest(), Some(MessageId(10)));
            assert_eq!(b.remove_oldest().unwrap().id, MessageId(10), "{d:?}");
            assert_eq!(b.len(), 2);
            assert_eq!(b.oldest(), Some(MessageId(11)));
        }
    }
}
