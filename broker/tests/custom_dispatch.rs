//! A user's own dispatch strategy, plugged in through the public API alone: the [`Dispatch`]
//! trait, [`Broker::add_queue_with`] and [`Broker::add_queue_configured`].

use std::sync::{Arc, Mutex};

use kendall_broker::{
    Broker, BrokerError, Clock, ConsumerId, ConsumerLoads, Dispatch, DispatchKind, Message,
    MessageId, NewMessage, QueueConfig, Route,
};

/// A clock that stands still: these tests are about where messages go, not when.
#[derive(Clone, Copy, Default)]
struct Still;

impl Clock for Still {
    fn now(&self) -> f64 {
        0.0
    }
}

/// One load change as the strategy saw it: consumer, held count, work.
type Change = (usize, u32, f64);

/// Routes class 0 to the shared buffer and class `k` > 0 to consumer `k - 1` (so a class past
/// the consumers is a bad route), and records every load change it is told of.
struct ByClass {
    changes: Arc<Mutex<Vec<Change>>>,
    listens: bool,
}

impl ByClass {
    fn new(listens: bool) -> (Self, Arc<Mutex<Vec<Change>>>) {
        let changes = Arc::new(Mutex::new(Vec::new()));
        let strategy = Self {
            changes: Arc::clone(&changes),
            listens,
        };
        (strategy, changes)
    }
}

impl Dispatch for ByClass {
    fn route(&mut self, message: &Message, _: &ConsumerLoads) -> Route {
        match message.class {
            0 => Route::Shared,
            k => Route::Consumer(usize::from(k) - 1),
        }
    }

    fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        self.changes
            .lock()
            .unwrap()
            .push((k, loads.held(k), loads.work(k)));
    }

    fn wants_load_updates(&self) -> bool {
        self.listens
    }
}

fn of_class(class: u16, size: f64) -> NewMessage {
    NewMessage {
        class,
        size,
        ..NewMessage::default()
    }
}

#[test]
fn a_custom_strategy_routes_by_its_own_rule() {
    let mut b = Broker::new(Still);
    let (strategy, _) = ByClass::new(false);
    let q = b.add_queue_with("by-class", 3, Box::new(strategy)).unwrap();
    // Class 2 goes to consumer 1's own buffer: it wakes consumer 1, and only consumer 1 gets it.
    let to_1 = b.publish(q, of_class(2, 1.0)).unwrap();
    assert_eq!(to_1.wake, Some(ConsumerId(1)));
    assert_eq!(b.poll(ConsumerId(0)).unwrap().delivery, None);
    assert_eq!(b.poll(ConsumerId(2)).unwrap().delivery, None);
    let d = b.poll(ConsumerId(1)).unwrap().delivery.unwrap();
    assert_eq!(d.message.id, to_1.id);
    // Class 0 goes to the shared buffer: the longest-idle consumer is woken to pull it.
    let shared = b.publish(q, of_class(0, 1.0)).unwrap();
    assert_eq!(shared.wake, Some(ConsumerId(0)));
    let d = b.poll(ConsumerId(2)).unwrap().delivery.unwrap();
    assert_eq!(
        d.message.id, shared.id,
        "any consumer may pull a shared message"
    );
    assert!(b.stats(q).unwrap().balanced());
}

#[test]
fn a_custom_strategy_is_told_of_load_changes_when_it_listens() {
    let mut b = Broker::new(Still);
    let (strategy, changes) = ByClass::new(true);
    let q = b.add_queue_with("by-class", 2, Box::new(strategy)).unwrap();
    let c = ConsumerId(1);
    let m = b.publish(q, of_class(2, 2.5)).unwrap();
    assert_eq!(
        *changes.lock().unwrap(),
        vec![(1, 1, 2.5)],
        "routed to its own buffer"
    );
    let d = b.poll(c).unwrap().delivery.unwrap();
    assert_eq!(
        changes.lock().unwrap().len(),
        1,
        "its load already counted the message"
    );
    b.ack(c, d.message.id).unwrap();
    assert_eq!(changes.lock().unwrap()[1], (1, 0, 0.0), "acknowledged");
    // A shared message adds to the load of the consumer that pulls it.
    b.publish(q, of_class(0, 4.0)).unwrap();
    let d = b.poll(ConsumerId(0)).unwrap().delivery.unwrap();
    assert_eq!(
        changes.lock().unwrap()[2],
        (0, 1, 4.0),
        "pulled from the shared buffer"
    );
    b.nack(ConsumerId(0), d.message.id, false).unwrap();
    assert_eq!(changes.lock().unwrap()[3], (0, 0, 0.0), "rejected");
    assert_eq!(changes.lock().unwrap().len(), 4);
    assert_eq!(b.loads(q).unwrap().held(1), 0);
    assert_ne!(m.id, d.message.id);

    // A strategy that does not listen is not told.
    let (quiet, quiet_changes) = ByClass::new(false);
    let q = b.add_queue_with("quiet", 2, Box::new(quiet)).unwrap();
    let c = b.publish(q, of_class(1, 1.0)).unwrap().wake.unwrap();
    let d = b.poll(c).unwrap().delivery.unwrap();
    b.ack(c, d.message.id).unwrap();
    assert!(quiet_changes.lock().unwrap().is_empty());
}

#[test]
fn a_route_to_a_consumer_the_queue_lacks_is_refused() {
    let mut b = Broker::new(Still);
    let (strategy, changes) = ByClass::new(true);
    let q = b.add_queue_with("by-class", 2, Box::new(strategy)).unwrap();
    let refused = b.publish(q, of_class(3, 1.0));
    assert_eq!(
        refused,
        Err(BrokerError::BadRoute {
            chosen: 2,
            consumers: 2
        })
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "dispatch chose consumer 2 of a queue with 2"
    );
    // The message never entered: nothing counted, no load, no id used up.
    let stats = b.stats(q).unwrap();
    assert_eq!((stats.published, stats.waiting), (0, 0));
    assert!(stats.balanced());
    assert!(changes.lock().unwrap().is_empty());
    assert_eq!(b.publish(q, of_class(1, 1.0)).unwrap().id, MessageId(0));
}

#[test]
fn a_configured_queue_keeps_its_settings_with_a_custom_strategy() {
    let mut b = Broker::new(Still);
    // The configuration's own dispatch is ignored in favour of the custom strategy.
    let config = QueueConfig::new("bounded", 2)
        .dispatch(DispatchKind::RoundRobin)
        .capacity(2);
    let (strategy, _) = ByClass::new(false);
    let q = b.add_queue_configured(&config, Box::new(strategy)).unwrap();
    assert_eq!(
        b.publish(q, of_class(2, 1.0)).unwrap().wake,
        Some(ConsumerId(1))
    );
    assert_eq!(b.publish(q, of_class(2, 1.0)).unwrap().wake, None);
    assert_eq!(
        b.publish(q, of_class(1, 1.0)),
        Err(BrokerError::Full {
            queue: q,
            capacity: 2
        })
    );
    assert_eq!(b.waiting(q).unwrap(), 2);
    assert_eq!(
        b.poll(ConsumerId(0)).unwrap().delivery,
        None,
        "both wait at consumer 1"
    );

    // The configuration is checked as for a built-in strategy.
    let (strategy, _) = ByClass::new(false);
    let bad = QueueConfig::new("no-room", 1).capacity(0);
    assert!(matches!(
        b.add_queue_configured(&bad, Box::new(strategy)),
        Err(BrokerError::InvalidConfig { .. })
    ));
    let (strategy, _) = ByClass::new(false);
    assert_eq!(
        b.add_queue_with("bounded", 1, Box::new(strategy)),
        Err(BrokerError::DuplicateQueue("bounded".into()))
    );
}
