//! A queue's strategy as the broker holds it: built-ins called directly, custom ones boxed.

use super::{
    ConsumerLoads, Dispatch, DispatchKind, Jiq, Jsq, KeyHash, LeastWork, PowerOfD, Random,
    RoundRobin, Route, WeightedRoundRobin,
};
use crate::Message;

/// A queue's strategy as the broker holds it: a built-in one, called without dynamic
/// dispatch, or a custom one through the [`Dispatch`] trait. Built-ins that ignore load
/// changes are not told of them.
#[repr(u8)] // An explicit tag: the test for `Shared`, on every publish, is one comparison.
pub(crate) enum Router {
    Shared,
    RoundRobin(RoundRobin),
    Random(Random),
    WeightedRoundRobin(WeightedRoundRobin),
    Jsq(Jsq),
    PowerOfD(PowerOfD),
    LeastWork(LeastWork),
    Jiq(Jiq),
    KeyHash(KeyHash),
    /// A custom strategy, and whether it wants [`Dispatch::on_load_change`] calls.
    Custom(Box<dyn Dispatch>, bool),
}

impl Router {
    /// The built-in strategy `kind` for `consumers` consumers (parameters already checked).
    pub(crate) fn builtin(kind: &DispatchKind, consumers: usize, seed: u64) -> Self {
        match kind {
            DispatchKind::Shared => Router::Shared,
            DispatchKind::RoundRobin => Router::RoundRobin(RoundRobin::new(consumers)),
            DispatchKind::Random => Router::Random(Random::new(consumers, seed)),
            DispatchKind::WeightedRoundRobin { weights } => {
                Router::WeightedRoundRobin(WeightedRoundRobin::new(weights))
            }
            DispatchKind::Jsq => Router::Jsq(Jsq::new(consumers, seed)),
            DispatchKind::PowerOfD { d } => Router::PowerOfD(PowerOfD::new(consumers, *d, seed)),
            DispatchKind::LeastWork => Router::LeastWork(LeastWork::new(consumers, seed)),
            DispatchKind::Jiq => Router::Jiq(Jiq::new(consumers, seed)),
            DispatchKind::KeyHash => {
                Router::KeyHash(KeyHash::new(consumers, KeyHash::VIRTUAL_NODES))
            }
        }
    }

    /// A custom strategy.
    pub(crate) fn custom(dispatch: Box<dyn Dispatch>) -> Self {
        let wants = dispatch.wants_load_updates();
        Router::Custom(dispatch, wants)
    }

    /// [`Dispatch::route`] of the message `make` builds, built only for a strategy that looks at
    /// it: the ones handled here ignore it.
    #[inline(always)] // A message built and copied on the stack stalls on store forwarding.
    pub(crate) fn route_with(
        &mut self,
        make: impl FnOnce() -> Message,
        loads: &ConsumerLoads,
    ) -> Route {
        match self {
            Router::Shared => Route::Shared,
            Router::RoundRobin(s) => s.next_consumer(),
            Router::Jsq(s) => s.pick(),
            _ => self.route_other(&make(), loads),
        }
    }

    /// The consumers the next message will be routed among, for strategies that can tell
    /// ahead, drawing now for the next route: round-robin's next turn, random's and JSQ's
    /// pick, or power-of-d's sample (for a `d` of at most [`PowerOfD::FEW`]). None for the
    /// others. Routing is the same with or without it.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<Peek<'_>> {
        match self {
            Router::Jsq(s) => Some(Peek::One(s.peek())),
            Router::PowerOfD(s) => s.peek().map(Peek::Among),
            Router::RoundRobin(s) => Some(Peek::One(s.next)),
            Router::Random(s) => Some(Peek::One(s.peek())),
            _ => None,
        }
    }

    /// [`Dispatch::route`] for the strategies not handled inline.
    #[inline(never)] // Keeps publish small for the strategies handled inline.
    fn route_other(&mut self, message: &Message, loads: &ConsumerLoads) -> Route {
        match self {
            Router::Shared => Route::Shared,
            Router::RoundRobin(s) => s.route(message, loads),
            Router::Random(s) => s.route(message, loads),
            Router::WeightedRoundRobin(s) => s.route(message, loads),
            Router::Jsq(s) => s.route(message, loads),
            Router::PowerOfD(s) => s.route(message, loads),
            Router::LeastWork(s) => s.route(message, loads),
            Router::Jiq(s) => s.route(message, loads),
            Router::KeyHash(s) => s.route(message, loads),
            Router::Custom(s, _) => s.route(message, loads),
        }
    }

    /// Whether the strategy wants [`Router::on_load_change`] calls.
    pub(crate) fn wants_load_updates(&self) -> bool {
        match self {
            Router::Jsq(_) | Router::LeastWork(_) | Router::Jiq(_) => true,
            Router::Custom(_, wants) => *wants,
            _ => false,
        }
    }

    /// [`Dispatch::on_load_change`] of the strategy, for those that want it: JSQ's called
    /// directly, the others' through [`Router::on_other_load_change`].
    #[inline(always)] // Publish, poll and ack call it; JSQ's refile is then one direct call.
    pub(crate) fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        match self {
            Router::Jsq(s) => s.refile(k, loads.held(k) as usize),
            _ => self.on_other_load_change(k, loads),
        }
    }

    /// [`Router::on_load_change`] for the strategies other than JSQ.
    #[inline(never)] // Keeps publish, poll and ack small for JSQ and for strategies not listening.
    fn on_other_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        match self {
            Router::LeastWork(s) => s.on_load_change(k, loads),
            Router::Jiq(s) => s.on_load_change(k, loads),
            Router::Custom(s, true) => s.on_load_change(k, loads),
            _ => {}
        }
    }
}

/// What [`Router::peek`] knows of the next route.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Peek<'a> {
    /// It goes to this consumer.
    One(usize),
    /// It goes to one of these.
    Among(&'a [usize]),
}
