//! A Markovian station as a continuous-time Markov chain: Poisson arrivals in priority
//! levels, phase-type service (exponential, Erlang, hyperexponential) on consumers of any
//! speeds, a queue shared by the consumers or one queue per consumer filled by a
//! state-dependent dispatch (random, round-robin, join-the-shortest-queue, power-of-d,
//! join-idle-queue), FIFO or priority order (non-preemptive, or preemptive-resume), a
//! capacity and exponential patience.
//!
//! The state holds what the future depends on and nothing more: the number waiting in each
//! line at each level, and each consumer's phase of service — as counts per (level, phase)
//! when the consumers are alike and share one queue, consumer by consumer otherwise (with the
//! order in which idle consumers wait to be woken, since the broker wakes the longest idle);
//! per-consumer queues of alike consumers under a symmetric dispatch are kept sorted, which
//! identifies states that differ by a relabelling of the consumers. The chain is solved by
//! [`super::stationary`]; the figures follow by Little's law and PASTA (Poisson arrivals see
//! time averages: Wolff, *Operations Research* 30(2), 1982). Phase-type service:
//! Neuts, *Matrix-Geometric Solutions in Stochastic Models*, 1981, ch. 2; the station chain
//! itself: Stewart, *Probability, Markov Chains, Queues, and Simulation*, 2009, ch. 12.

use super::{CtmcError, Markov};

/// Phase-type service on a consumer of speed 1: a message starts in phase `i` with
/// probability `start[i]`; phase `i` lasts an exponential time of rate `rates[i]`, then the
/// message moves to phase `next[i]`, or is done when that is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Phases {
    /// Initial phase probabilities (summing to 1).
    pub start: Vec<f64>,
    /// Each phase's rate.
    pub rates: Vec<f64>,
    /// The phase that follows each one (a later one), or `None` at the end.
    pub next: Vec<Option<usize>>,
}

impl Phases {
    /// Exponential service of mean `mean`.
    pub fn exponential(mean: f64) -> Phases {
        Phases {
            start: vec![1.0],
            rates: vec![1.0 / mean],
            next: vec![None],
        }
    }

    /// Erlang service of `k` phases and mean `mean`.
    pub fn erlang(k: usize, mean: f64) -> Phases {
        let mut start = vec![0.0; k];
        start[0] = 1.0;
        Phases {
            start,
            rates: vec![k as f64 / mean; k],
            next: (0..k).map(|i| (i + 1 < k).then_some(i + 1)).collect(),
        }
    }

    /// A mixture: an Exp(`rates[i]`) with probability `probs[i]`.
    pub fn hyperexponential(probs: &[f64], rates: &[f64]) -> Phases {
        Phases {
            start: probs.to_vec(),
            rates: rates.to_vec(),
            next: vec![None; rates.len()],
        }
    }

    /// The mean service time on a consumer of speed 1.
    pub fn mean(&self) -> f64 {
        // Time to the end from each phase, last phase first (`next` only moves forward).
        let n = self.rates.len();
        let mut to_end = vec![0.0; n];
        for i in (0..n).rev() {
            to_end[i] = 1.0 / self.rates[i] + self.next[i].map_or(0.0, |j| to_end[j]);
        }
        self.start.iter().zip(&to_end).map(|(p, m)| p * m).sum()
    }

    fn len(&self) -> usize {
        self.rates.len()
    }
}

/// Messages of one priority level: their Poisson rate and their service.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Poisson arrival rate of the level.
    pub rate: f64,
    /// Service on a consumer of speed 1.
    pub service: Phases,
}

/// The order in which waiting messages are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// First in, first out: a single level.
    Fifo,
    /// The most urgent level first (level 0), FIFO within a level; a message in service is
    /// never interrupted.
    Priority,
    /// As [`Order::Priority`], and an arrival interrupts the least urgent message in service
    /// when that is less urgent; the interrupted message waits at the head of its level and
    /// later resumes (its service must be exponential).
    Preemptive,
}

/// Where an arriving message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// One queue shared by the consumers; an arrival finding idle consumers goes to the one
    /// idle longest.
    Shared,
    /// A consumer chosen uniformly at random.
    Random,
    /// Consumers in turn.
    RoundRobin,
    /// The consumer holding fewest messages, ties uniformly at random.
    Jsq,
    /// `d` distinct consumers sampled uniformly, the one holding fewest of them, ties
    /// uniformly at random.
    PowerOfD(u32),
    /// An idle consumer uniformly at random if there is one, else any uniformly at random.
    Jiq,
}

/// A Markovian station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Priority levels, most urgent first (exactly one under [`Order::Fifo`]).
    pub levels: Vec<Level>,
    /// Each consumer's speed: it serves a phase of rate r at rate r·speed.
    pub speeds: Vec<f64>,
    /// Where arrivals go.
    pub routing: Routing,
    /// The order within a queue.
    pub order: Order,
    /// Most messages in the station (waiting and in service); arrivals beyond it are
    /// rejected. Shared routing only.
    pub capacity: Option<u32>,
    /// Rate at which each waiting message abandons (exponential patience). Shared routing
    /// only.
    pub patience: Option<f64>,
}

/// What became of an arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// It started service at once (perhaps interrupting another).
    Started,
    /// It waits in a line.
    Waits,
    /// It was rejected: the station was full.
    Lost,
}

/// How the state vector is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One shared line; alike consumers counted per (level, phase):
    /// `[waiting per level, busy per slot]`.
    Pooled,
    /// One shared line; consumers one by one:
    /// `[waiting per level, status per consumer, idle order (consumer + 1, then 0s)]`.
    Individual,
    /// A line per consumer: `c` blocks of `[waiting per level, status]`, then the
    /// round-robin pointer (round-robin only); blocks sorted when `symmetric`.
    Queues {
        /// Alike consumers under a symmetric dispatch: blocks kept sorted.
        symmetric: bool,
    },
}

/// The state of the chain: counts, statuses (0 idle, else 1 + slot) and the order of idle
/// consumers, as laid out by [`Layout`].
pub(super) type State = Vec<u16>;

/// A [`Station`] checked and indexed for the chain.
#[derive(Debug, Clone)]
pub struct Chain {
    station: Station,
    layout: Layout,
    /// First slot of each level: slot = offset[level] + phase.
    offset: Vec<usize>,
    /// (level, phase) of each slot.
    slots: Vec<(usize, usize)>,
}

/// Why a station cannot be put as a chain.
fn unsupported(reason: &str) -> CtmcError {
    CtmcError::Unsupported {
        reason: reason.to_string(),
    }
}

impl Chain {
    /// Checks `station` and prepares its chain.
    pub fn new(station: Station) -> Result<Chain, CtmcError> {
        let s = &station;
        let c = s.speeds.len();
        if c == 0 || c > 64 || s.levels.is_empty() {
            return Err(unsupported("a chain needs 1 to 64 consumers and a level"));
        }
        if s.order == Order::Fifo && s.levels.len() != 1 {
            return Err(unsupported("FIFO order takes one level"));
        }
        let valid = |v: f64| v.is_finite() && v > 0.0;
        if !s.speeds.iter().all(|&v| valid(v))
            || !s.levels.iter().all(|l| {
                l.rate.is_finite()
                    && l.rate >= 0.0
                    && !l.service.rates.is_empty()
                    && l.service.rates.iter().all(|&r| valid(r))
                    && (l.service.start.iter().sum::<f64>() - 1.0).abs() < 1e-9
                    && l.service
                        .next
                        .iter()
                        .enumerate()
                        .all(|(i, n)| n.is_none_or(|j| j > i))
            })
            || s.patience.is_some_and(|t| !valid(t))
        {
            return Err(unsupported("a rate, speed or phase is out of range"));
        }
        let alike = s.speeds.iter().all(|&v| v == s.speeds[0]);
        let shared = s.routing == Routing::Shared;
        if !shared && (s.capacity.is_some() || s.patience.is_some()) {
            return Err(unsupported(
                "capacity and patience are modelled only for a shared queue",
            ));
        }
        if s.order == Order::Preemptive
            && (s.levels.iter().any(|l| l.service.len() > 1) || (shared && !alike))
        {
            return Err(unsupported(
                "preemption is modelled for exponential service on alike consumers",
            ));
        }
        let layout = match s.routing {
            Routing::Shared if alike => Layout::Pooled,
            Routing::Shared => Layout::Individual,
            Routing::RoundRobin => Layout::Queues { symmetric: false },
            _ => Layout::Queues { symmetric: alike },
        };
        let mut offset = Vec::new();
        let mut slots = Vec::new();
        for (l, level) in s.levels.iter().enumerate() {
            offset.push(slots.len());
            slots.extend((0..level.service.len()).map(|p| (l, p)));
        }
        if slots.len() >= usize::from(u16::MAX) {
            return Err(unsupported("too many phases"));
        }
        Ok(Chain {
            station,
            layout,
            offset,
            slots,
        })
    }

    /// How many states a per-consumer layout could have with lines of up to `bound`
    /// waiting per level: every multiset (alike consumers, sorted) or tuple of consumer
    /// blocks. None
    /// for a shared queue, whose chain grows only with the bound.
    pub(super) fn blocks_estimate(&self, bound: u32) -> Option<f64> {
        let Layout::Queues { symmetric } = self.layout else {
            return None;
        };
        let levels = i32::try_from(self.levels()).unwrap_or(i32::MAX);
        // A block is idle and empty, or busy in a slot with up to `bound` waiting per level.
        let block = 1.0 + self.slots.len() as f64 * (f64::from(bound) + 1.0).powi(levels);
        let c = self.consumers();
        Some(if symmetric {
            choose(block as usize + c - 1, c)
        } else {
            block.powi(i32::try_from(c).unwrap_or(i32::MAX))
        })
    }

    /// The station.
    pub fn station(&self) -> &Station {
        &self.station
    }

    fn levels(&self) -> usize {
        self.station.levels.len()
    }

    fn consumers(&self) -> usize {
        self.station.speeds.len()
    }

    /// Width of a consumer's block in [`Layout::Queues`].
    fn block(&self) -> usize {
        self.levels() + 1
    }

    /// The first index of the waiting counts of consumer `k`'s line (the shared line's for
    /// a shared queue).
    fn line(&self, k: usize) -> usize {
        match self.layout {
            Layout::Pooled | Layout::Individual => 0,
            Layout::Queues { .. } => k * self.block(),
        }
    }

    /// Index of consumer `k`'s status (not in [`Layout::Pooled`]).
    fn status(&self, k: usize) -> usize {
        match self.layout {
            Layout::Individual => self.levels() + k,
            _ => k * self.block() + self.levels(),
        }
    }

    /// Index of the idle order in [`Layout::Individual`].
    fn idle_order(&self) -> usize {
        self.levels() + self.consumers()
    }

    /// Messages waiting in the line starting at `at`.
    fn waiting(&self, s: &State, at: usize) -> u32 {
        s[at..at + self.levels()]
            .iter()
            .map(|&n| u32::from(n))
            .sum()
    }

    /// The level of a status (None when idle).
    fn level_of(&self, status: u16) -> Option<usize> {
        (status > 0).then(|| self.slots[usize::from(status) - 1].0)
    }

    /// Messages in the station.
    fn in_system(&self, s: &State) -> u32 {
        let (mut waiting, mut busy) = (0, 0);
        self.each_level(s, |_, w, b| {
            waiting += w;
            busy += b;
        });
        waiting + busy
    }

    /// Calls `f(level, waiting, in service)` for every level.
    pub(super) fn each_level(&self, s: &State, mut f: impl FnMut(usize, u32, u32)) {
        let levels = self.levels();
        let mut waiting = vec![0u32; levels];
        let mut busy = vec![0u32; levels];
        match self.layout {
            Layout::Pooled => {
                for l in 0..levels {
                    waiting[l] = u32::from(s[l]);
                }
                for (slot, &(l, _)) in self.slots.iter().enumerate() {
                    busy[l] += u32::from(s[levels + slot]);
                }
            }
            Layout::Individual | Layout::Queues { .. } => {
                for k in 0..self.consumers() {
                    let at = self.line(k);
                    if k == 0 || matches!(self.layout, Layout::Queues { .. }) {
                        for l in 0..levels {
                            waiting[l] += u32::from(s[at + l]);
                        }
                    }
                    if let Some(l) = self.level_of(s[self.status(k)]) {
                        busy[l] += 1;
                    }
                }
            }
        }
        for l in 0..levels {
            f(l, waiting[l], busy[l]);
        }
    }

    /// The highest level waiting in the line at `at`, if any.
    fn most_urgent(&self, s: &State, at: usize) -> Option<usize> {
        (0..self.levels()).find(|&l| s[at + l] > 0)
    }

    /// Puts `s` in canonical form (sorted consumer blocks for a symmetric layout).
    fn canonical(&self, mut s: State) -> State {
        if let Layout::Queues { symmetric: true } = self.layout {
            let b = self.block();
            let mut blocks: Vec<&[u16]> = s.chunks(b).collect();
            blocks.sort_unstable();
            s = blocks.concat();
        }
        s
    }

    /// Consumer `k` (or, pooled, a consumer) starts a message of `level`: each start phase
    /// with its probability.
    fn start(&self, s: &State, k: usize, level: usize, rate: f64, out: &mut Vec<(State, f64)>) {
        let phases = &self.station.levels[level].service;
        for (p, &prob) in phases.start.iter().enumerate() {
            if prob == 0.0 {
                continue;
            }
            let mut t = s.clone();
            let slot = self.offset[level] + p;
            match self.layout {
                Layout::Pooled => t[self.levels() + slot] += 1,
                _ => t[self.status(k)] = (slot + 1) as u16,
            }
            out.push((t, rate * prob));
        }
    }

    /// The consumers an arrival may be routed to in `s`, with probabilities (per-consumer
    /// queues only).
    fn route(&self, s: &State) -> Vec<(usize, f64)> {
        let c = self.consumers();
        let held = |k: usize| self.waiting(s, self.line(k)) + u32::from(s[self.status(k)] > 0);
        match self.station.routing {
            Routing::Shared => unreachable!("shared routing has no per-consumer lines"),
            Routing::Random => (0..c).map(|k| (k, 1.0 / c as f64)).collect(),
            Routing::RoundRobin => vec![(usize::from(s[c * self.block()]), 1.0)],
            Routing::Jsq => {
                let least = (0..c).map(held).min().expect("a consumer");
                let tied: Vec<usize> = (0..c).filter(|&k| held(k) == least).collect();
                let p = 1.0 / tied.len() as f64;
                tied.into_iter().map(|k| (k, p)).collect()
            }
            Routing::PowerOfD(d) => {
                let d = (d as usize).clamp(1, c);
                // Consumer k wins when it is sampled with j − 1 of the e − 1 others holding as
                // many, none holding fewer, and wins the tie among the j: Σ_j C(e−1, j−1)
                // C(c−a−e, d−j) / C(c, d) / j, with a holding fewer and e as many.
                (0..c)
                    .map(|k| {
                        let h = held(k);
                        let a = (0..c).filter(|&i| held(i) < h).count();
                        let e = (0..c).filter(|&i| held(i) == h).count();
                        let more = c - a - e;
                        let p = (1..=d.min(e))
                            .map(|j| choose(e - 1, j - 1) * choose(more, d - j) / j as f64)
                            .sum::<f64>()
                            / choose(c, d);
                        (k, p)
                    })
                    .filter(|&(_, p)| p > 0.0)
                    .collect()
            }
            Routing::Jiq => {
                let idle: Vec<usize> = (0..c).filter(|&k| held(k) == 0).collect();
                if idle.is_empty() {
                    (0..c).map(|k| (k, 1.0 / c as f64)).collect()
                } else {
                    let p = 1.0 / idle.len() as f64;
                    idle.into_iter().map(|k| (k, p)).collect()
                }
            }
        }
    }

    /// Every outcome of an arrival of `level` in `s`, as `f(outcome, probability, next)`
    /// (`next` None where the arrival is lost, or where `bound` cut its line).
    pub(super) fn arrive(
        &self,
        s: &State,
        level: usize,
        bound: u32,
        mut f: impl FnMut(Outcome, f64, Option<State>),
    ) {
        let levels = self.levels();
        if let Some(k) = self.station.capacity
            && self.in_system(s) >= k
        {
            return f(Outcome::Lost, 1.0, None);
        }
        let mut starts = Vec::new();
        let wait =
            |s: &State, at: usize, f: &mut dyn FnMut(Outcome, f64, Option<State>), p: f64| {
                if self.waiting(s, at) >= bound {
                    f(Outcome::Waits, p, None);
                } else {
                    let mut t = s.clone();
                    t[at + level] += 1;
                    f(Outcome::Waits, p, Some(self.canonical(t)));
                }
            };
        match self.layout {
            Layout::Pooled => {
                let c = self.consumers() as u32;
                let busy: u32 = s[levels..].iter().map(|&n| u32::from(n)).sum();
                if busy < c {
                    self.start(s, 0, level, 1.0, &mut starts);
                } else if let Some(victim) = self.victim_pooled(s, level) {
                    let mut t = s.clone();
                    t[levels + self.offset[victim]] -= 1;
                    t[victim] += 1;
                    self.start(&t, 0, level, 1.0, &mut starts);
                } else {
                    return wait(s, 0, &mut f, 1.0);
                }
            }
            Layout::Individual => {
                let first = s[self.idle_order()];
                if first == 0 {
                    return wait(s, 0, &mut f, 1.0);
                }
                let mut t = s.clone();
                let order = self.idle_order();
                t.copy_within(order + 1..order + self.consumers(), order);
                t[order + self.consumers() - 1] = 0;
                self.start(&t, usize::from(first) - 1, level, 1.0, &mut starts);
            }
            Layout::Queues { .. } => {
                for (k, p) in self.route(s) {
                    let mut t = s.clone();
                    if let Layout::Queues { .. } = self.layout
                        && self.station.routing == Routing::RoundRobin
                    {
                        let at = self.consumers() * self.block();
                        t[at] = ((k + 1) % self.consumers()) as u16;
                    }
                    let status = t[self.status(k)];
                    match self.level_of(status) {
                        None => self.start(&t, k, level, p, &mut starts),
                        Some(m) if self.station.order == Order::Preemptive && m > level => {
                            let at = self.line(k);
                            if self.waiting(&t, at) >= bound {
                                f(Outcome::Started, p, None);
                                continue;
                            }
                            t[at + m] += 1;
                            self.start(&t, k, level, p, &mut starts);
                        }
                        Some(_) => wait(&t, self.line(k), &mut f, p),
                    }
                }
            }
        }
        for (t, p) in starts {
            f(Outcome::Started, p, Some(self.canonical(t)));
        }
    }

    /// The least urgent level in service, if less urgent than `level` (preemption only).
    fn victim_pooled(&self, s: &State, level: usize) -> Option<usize> {
        if self.station.order != Order::Preemptive {
            return None;
        }
        let levels = self.levels();
        (level + 1..levels)
            .rev()
            .find(|&m| s[levels + self.offset[m]] > 0)
    }

    /// Every end of a phase of service in `s`, each with its rate.
    fn services(&self, s: &State, out: &mut Vec<(State, f64)>) {
        let levels = self.levels();
        let speeds = &self.station.speeds;
        match self.layout {
            Layout::Pooled => {
                for (slot, &(l, p)) in self.slots.iter().enumerate() {
                    let n = s[levels + slot];
                    if n == 0 {
                        continue;
                    }
                    let phases = &self.station.levels[l].service;
                    let rate = f64::from(n) * phases.rates[p] * speeds[0];
                    let mut t = s.clone();
                    t[levels + slot] -= 1;
                    if let Some(q) = phases.next[p] {
                        t[levels + self.offset[l] + q] += 1;
                        out.push((t, rate));
                    } else if let Some(m) = self.most_urgent(&t, 0) {
                        t[m] -= 1;
                        self.start(&t, 0, m, rate, out);
                    } else {
                        out.push((t, rate));
                    }
                }
            }
            Layout::Individual | Layout::Queues { .. } => {
                for k in 0..self.consumers() {
                    let status = s[self.status(k)];
                    if status == 0 {
                        continue;
                    }
                    let (l, p) = self.slots[usize::from(status) - 1];
                    let phases = &self.station.levels[l].service;
                    let rate = phases.rates[p] * speeds[k];
                    let mut t = s.clone();
                    if let Some(q) = phases.next[p] {
                        t[self.status(k)] = (self.offset[l] + q + 1) as u16;
                        out.push((self.canonical(t), rate));
                        continue;
                    }
                    t[self.status(k)] = 0;
                    let at = self.line(k);
                    if let Some(m) = self.most_urgent(&t, at) {
                        t[at + m] -= 1;
                        let mut started = Vec::new();
                        self.start(&t, k, m, rate, &mut started);
                        out.extend(started.into_iter().map(|(t, r)| (self.canonical(t), r)));
                    } else {
                        if self.layout == Layout::Individual {
                            let order = self.idle_order();
                            let free = (order..order + self.consumers())
                                .find(|&i| t[i] == 0)
                                .expect("a busy consumer is not on the idle list");
                            t[free] = (k + 1) as u16;
                        }
                        out.push((self.canonical(t), rate));
                    }
                }
            }
        }
    }

    /// Abandonments of waiting messages, each level at θ times its count.
    fn abandonments(&self, s: &State, out: &mut Vec<(State, f64)>) {
        let Some(theta) = self.station.patience else {
            return;
        };
        for l in 0..self.levels() {
            if s[l] > 0 {
                let mut t = s.clone();
                t[l] -= 1;
                out.push((t, theta * f64::from(s[l])));
            }
        }
    }
}

/// The binomial coefficient C(n, k) as a float.
fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

impl Markov for Chain {
    type State = State;

    fn initial(&self) -> State {
        let c = self.consumers();
        let levels = self.levels();
        match self.layout {
            Layout::Pooled => vec![0; levels + self.slots.len()],
            Layout::Individual => {
                let mut s = vec![0; levels + 2 * c];
                for k in 0..c {
                    s[levels + c + k] = (k + 1) as u16;
                }
                s
            }
            Layout::Queues { .. } => {
                let pointer = usize::from(self.station.routing == Routing::RoundRobin);
                vec![0; c * self.block() + pointer]
            }
        }
    }

    fn transitions(&self, s: &State, bound: u32, out: &mut Vec<(State, f64)>) {
        for (l, level) in self.station.levels.iter().enumerate() {
            if level.rate == 0.0 {
                continue;
            }
            self.arrive(s, l, bound, |_, p, next| {
                if let Some(t) = next {
                    out.push((t, level.rate * p));
                }
            });
        }
        self.services(s, out);
        self.abandonments(s, out);
    }

    fn level(&self, s: &State) -> Option<u32> {
        Some(self.in_system(s))
    }

    fn at_boundary(&self, s: &State, bound: u32) -> bool {
        let mut cut = false;
        for (l, level) in self.station.levels.iter().enumerate() {
            if level.rate > 0.0 {
                self.arrive(s, l, bound, |outcome, _, next| {
                    cut |= next.is_none() && outcome != Outcome::Lost;
                });
            }
        }
        cut
    }
}
