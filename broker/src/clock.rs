//! Where the broker's time comes from.

use std::time::Instant;

/// A source of the current time, in the caller's time unit (seconds for [`WallClock`]).
///
/// The broker stamps messages with `now()` when they are published, delivered and
/// acknowledged. Real services use [`WallClock`]; a simulator supplies a virtual clock.
pub trait Clock {
    /// The current time; never decreases.
    fn now(&self) -> f64;
}

/// Real time: seconds elapsed since the clock was created, optionally scaled.
///
/// ```
/// use kendall_broker::{Clock, WallClock};
/// let clock = WallClock::new();
/// assert!(clock.now() >= 0.0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WallClock {
    start: Instant,
    scale: f64,
}

impl WallClock {
    /// A clock reading seconds since now.
    pub fn new() -> Self {
        Self::scaled(1.0)
    }

    /// A clock reading `scale` time units per real second (e.g. 200 to run 200× faster than
    /// the time unit of a scenario expressed in seconds).
    pub fn scaled(scale: f64) -> Self {
        Self {
            start: Instant::now(),
            scale,
        }
    }
}

impl Default for WallClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for WallClock {
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_advances_at_its_scale() {
        let clock = WallClock::scaled(1000.0);
        let a = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = clock.now();
        // 20 ms real at 1000× is 20 units; allow generous scheduling slack upwards only.
        assert!(b - a >= 19.9 && b - a < 2000.0, "advanced {}", b - a);
    }
}
