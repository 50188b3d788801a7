//! `shared`: every message waits in the queue all consumers pull from.

use super::{ConsumerLoads, Dispatch, Route};
use crate::Message;

/// `shared`: every message waits in the shared queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shared;

impl Dispatch for Shared {
    #[inline]
    fn route(&mut self, _: &Message, _: &ConsumerLoads) -> Route {
        Route::Shared
    }

    fn wants_load_updates(&self) -> bool {
        false
    }
}
