//! Dispatch strategies: where a newly published message waits. The [`Dispatch`] trait, the
//! built-ins by name ([`DispatchKind`]), the router the broker calls them through, and one
//! file per strategy.

mod index_set;
mod indexed_heap;
mod jiq;
mod jsq;
mod key_hash;
mod kind;
mod least_work;
mod loads;
mod power_of_d;
mod random;
mod round_robin;
mod router;
mod shared;
mod weighted_round_robin;

pub use jiq::Jiq;
pub use jsq::Jsq;
pub use key_hash::KeyHash;
pub use kind::{DispatchKind, InvalidDispatch};
pub use least_work::LeastWork;
pub use loads::ConsumerLoads;
pub use power_of_d::PowerOfD;
pub use random::Random;
pub use round_robin::RoundRobin;
pub(crate) use router::{Peek, Router};
pub use shared::Shared;
pub use weighted_round_robin::WeightedRoundRobin;

use crate::Message;

/// Where a message goes: the queue shared by all consumers, or one consumer's own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// The shared queue: the next idle consumer pulls it.
    Shared,
    /// Consumer `k`'s own queue (k counts from 0 within the queue).
    Consumer(usize),
}

/// A dispatch strategy. Implement it to plug a custom load balancer into a queue.
///
/// The broker calls [`Dispatch::route`] once per published message and
/// [`Dispatch::on_load_change`] every time a consumer's load changes, so that a strategy can
/// keep its own index of the loads instead of scanning every consumer on each choice.
pub trait Dispatch: Send {
    /// Chooses where `message` waits, given the consumers' current loads.
    fn route(&mut self, message: &Message, loads: &ConsumerLoads) -> Route;

    /// Consumer `k`'s held count or work has just changed to what `loads` now shows (it took a
    /// message into its own queue or from the shared one, acknowledged one, or lost one to
    /// overflow). The default ignores it.
    fn on_load_change(&mut self, k: usize, loads: &ConsumerLoads) {
        let _ = (k, loads);
    }

    /// Whether the strategy wants [`Dispatch::on_load_change`] calls. The broker asks once,
    /// when the queue is added, and skips the calls for a strategy that answers false (one
    /// that reads `loads` in [`Dispatch::route`] only, or ignores them). Default true.
    fn wants_load_updates(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
