//! Streaming statistics of one replication: constant memory, whatever the run length.

/// The metrics kendall reports, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Mean sojourn time T.
    T,
    /// Mean waiting time Wq.
    Wq,
    /// Time-averaged number in system.
    L,
    /// Time-averaged number waiting.
    Lq,
    /// Fraction of consumer time busy.
    Utilization,
    /// Messages completed per time unit.
    Throughput,
    /// Fraction of messages that waited at all.
    PWait,
    /// Fraction of messages lost.
    PLoss,
}

impl Metric {
    /// Every metric, in output order.
    pub const ALL: [Metric; 8] = [
        Metric::T,
        Metric::Wq,
        Metric::L,
        Metric::Lq,
        Metric::Utilization,
        Metric::Throughput,
        Metric::PWait,
        Metric::PLoss,
    ];

    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Metric::T => "T",
            Metric::Wq => "Wq",
            Metric::L => "L",
            Metric::Lq => "Lq",
            Metric::Utilization => "utilization",
            Metric::Throughput => "throughput",
            Metric::PWait => "p_wait",
            Metric::PLoss => "p_loss",
        }
    }
}

/// One replication's estimate of every metric, indexed like [`Metric::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimates(pub [f64; 8]);

impl Estimates {
    /// The estimate of `m`.
    pub fn get(&self, m: Metric) -> f64 {
        self.0[m as usize]
    }
}

/// Accumulators for one scope (the whole system, one queue or one class).
///
/// State counts (in system, in service) are integrated over time as they change; per-message
/// sums are added as messages leave. [`Tally::reset`] starts the measurement window (end of
/// warm-up) without forgetting the state.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    in_system: u64,
    busy: u64,
    last: f64,
    start: f64,
    area_in_system: f64,
    area_busy: f64,
    done: u64,
    waited: u64,
    sum_t: f64,
    sum_wq: f64,
}

impl Tally {
    #[inline]
    fn advance(&mut self, now: f64) {
        let dt = now - self.last;
        self.area_in_system += self.in_system as f64 * dt;
        self.area_busy += self.busy as f64 * dt;
        self.last = now;
    }

    /// A message enters the scope.
    #[inline]
    pub fn enter(&mut self, now: f64) {
        self.advance(now);
        self.in_system += 1;
    }

    /// A message in the scope starts service.
    #[inline]
    pub fn start_service(&mut self, now: f64) {
        self.advance(now);
        self.busy += 1;
    }

    /// A message in the scope ends service but stays (it moves on to another queue in scope).
    #[inline]
    pub fn end_service(&mut self, now: f64) {
        self.advance(now);
        self.busy -= 1;
    }

    /// A message leaves the scope after sojourn `t`, of which `wq` was spent waiting.
    #[inline]
    pub fn leave(&mut self, now: f64, t: f64, wq: f64) {
        self.advance(now);
        self.in_system -= 1;
        self.done += 1;
        self.sum_t += t;
        self.sum_wq += wq;
        self.waited += u64::from(wq > 0.0);
    }

    /// Starts the measurement window at `now`: sums and areas restart from zero.
    pub fn reset(&mut self, now: f64) {
        *self = Tally {
            in_system: self.in_system,
            busy: self.busy,
            last: now,
            start: now,
            ..Tally::default()
        };
    }

    /// The window's estimates at `now`, for a scope served by `consumers` consumers.
    pub fn estimates(&self, now: f64, consumers: u32) -> Estimates {
        let mut t = self.clone();
        t.advance(now);
        let span = now - self.start;
        let per = |x: f64, n: f64| if n > 0.0 { x / n } else { f64::NAN };
        let l = per(t.area_in_system, span);
        let busy = per(t.area_busy, span);
        Estimates([
            per(t.sum_t, t.done as f64),
            per(t.sum_wq, t.done as f64),
            l,
            l - busy,
            per(busy, f64::from(consumers)),
            per(t.done as f64, span),
            per(t.waited as f64, t.done as f64),
            0.0,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_weighted_areas_and_means() {
        // One consumer: message a in [0, 2) served [0, 2); message b in [1, 4) waits 1, served [2, 4).
        let mut t = Tally::default();
        t.enter(0.0);
        t.start_service(0.0);
        t.enter(1.0);
        t.end_service(2.0);
        t.leave(2.0, 2.0, 0.0);
        t.start_service(2.0);
        t.end_service(4.0);
        t.leave(4.0, 3.0, 1.0);
        let e = t.estimates(4.0, 1);
        assert_eq!(e.get(Metric::T), 2.5);
        assert_eq!(e.get(Metric::Wq), 0.5);
        assert_eq!(e.get(Metric::L), 5.0 / 4.0); // 1·1 + 2·1 + 1·2 over 4
        assert_eq!(e.get(Metric::Utilization), 1.0);
        assert_eq!(e.get(Metric::Lq), 0.25);
        assert_eq!(e.get(Metric::Throughput), 0.5);
        assert_eq!(e.get(Metric::PWait), 0.5);
    }

    #[test]
    fn reset_keeps_state_but_drops_history() {
        let mut t = Tally::default();
        t.enter(0.0);
        t.start_service(0.0);
        t.reset(10.0);
        t.end_service(11.0);
        t.leave(11.0, 11.0, 0.0);
        let e = t.estimates(12.0, 1);
        assert_eq!(e.get(Metric::L), 0.5);
        assert_eq!(e.get(Metric::Utilization), 0.5);
        assert_eq!(e.get(Metric::T), 11.0);
    }
}
