//! The second methods, one per family of validation case. Each returns the values it
//! recomputes by metric name; none uses the models crate.

use std::collections::BTreeMap;

use kendall_sim::dist::Distribution;

use crate::ctmc::{solve_ctmc, solve_dtmc};
use crate::numeric::{expect, illinois, invert, moments, poisson, scv};

/// Recomputed values by metric name (`T`, `Wq`, `L`, …).
pub type Values = BTreeMap<&'static str, f64>;

/// Largest stationary mass allowed on states whose transitions the truncation cut off.
pub const MAX_CUT_MASS: f64 = 1e-13;

fn check_cut(mass: f64, what: &str) {
    assert!(
        mass < MAX_CUT_MASS,
        "{what}: truncation leaves mass {mass:e} at the edge"
    );
}

/// The level past which a geometric tail of ratio `rho` holds less than 1e-17.
fn cap_for(rho: f64, c: u32) -> u32 {
    c + (17.0 * 10f64.ln() / -rho.ln()).ceil() as u32 + 20
}

/// P(T > t) of a FIFO message that finds `n` messages (probability `p_n`) at one of `c`
/// exponential consumers of rate `mu`: it waits for n − c + 1 departures at rate cμ (when
/// n ≥ c), then is served. Its sojourn is the absorption time of a small chain, evaluated by
/// uniformisation at rate cμ (Poisson many steps; a waiting step always moves, a service
/// step ends with probability 1/c).
fn fifo_sojourn_sf(found: &[(usize, f64)], c: u32, mu: f64, t: f64) -> f64 {
    let rate = f64::from(c) * mu;
    let steps = (rate * t + 12.0 * (rate * t).sqrt() + 60.0) as usize;
    let weights = poisson(rate * t, steps);
    let stay = 1.0 - 1.0 / f64::from(c);
    let mut sf = 0.0;
    for &(n, p) in found {
        let k = (n + 1).saturating_sub(c as usize);
        let inside: f64 = weights
            .iter()
            .enumerate()
            .map(|(m, w)| {
                if m <= k {
                    *w
                } else {
                    w * stay.powi((m - k) as i32)
                }
            })
            .sum();
        sf += p * inside;
    }
    sf
}

/// Poisson arrivals at rate `lambda`, `c` exponential consumers of rate `mu` sharing a FIFO
/// queue with room for `capacity` messages in all (None: unbounded, truncated where the
/// tail is negligible): the birth–death CTMC solved numerically. With `p99`, T_p99 from
/// the distribution arrivals find (PASTA) through [`fifo_sojourn_sf`].
pub fn markov_station(lambda: f64, mu: f64, c: u32, capacity: Option<u32>, p99: bool) -> Values {
    let rho = lambda / (f64::from(c) * mu);
    let top = capacity.unwrap_or_else(|| cap_for(rho, c));
    let chain = solve_ctmc(0u32, |&n| {
        let mut out = Vec::new();
        if n < top {
            out.push(Some((n + 1, lambda)));
        } else if capacity.is_none() {
            out.push(None);
        }
        if n > 0 {
            out.push(Some((n - 1, f64::from(n.min(c)) * mu)));
        }
        out
    });
    check_cut(chain.cut_mass, "M/M/c chain");
    let full = capacity.map_or(0.0, |k| chain.mean(|&n| f64::from(u8::from(n == k))));
    let accepted = lambda * (1.0 - full);
    let l = chain.mean(|&n| f64::from(n));
    let lq = chain.mean(|&n| f64::from(n.saturating_sub(c)));
    let busy = chain.mean(|&n| f64::from(n.min(c)));
    let waits = chain.mean(|&n| f64::from(u8::from(n >= c && capacity.is_none_or(|k| n < k))));
    let mut v = Values::from([
        ("T", l / accepted),
        ("Wq", lq / accepted),
        ("L", l),
        ("Lq", lq),
        ("utilization", busy / f64::from(c)),
        ("throughput", accepted),
        ("p_wait", waits / (1.0 - full)),
    ]);
    if capacity.is_some() {
        v.insert("p_loss", full);
    }
    if p99 {
        let found: Vec<(usize, f64)> = (chain.states.iter().zip(&chain.pi))
            .filter(|(n, _)| capacity.is_none_or(|k| **n < k))
            .map(|(n, p)| (*n as usize, p / (1.0 - full)))
            .collect();
        v.insert("T_p99", invert(|t| fifo_sojourn_sf(&found, c, mu, t), 0.01));
    }
    v
}

/// c independent copies of a station (a random or round-robin split): counts add up, times
/// and per-consumer shares do not.
pub fn copies(mut v: Values, c: u32) -> Values {
    for key in ["L", "Lq", "throughput"] {
        if let Some(x) = v.get_mut(key) {
            *x *= f64::from(c);
        }
    }
    v
}

/// M/G/1 by Pollaczek–Khinchine, with E[S] and E[S²] integrated from the service density.
pub fn pollaczek_khinchine(lambda: f64, service: &Distribution) -> Values {
    let (m1, m2) = moments(service);
    let rho = lambda * m1;
    let wq = lambda * m2 / (2.0 * (1.0 - rho));
    let t = wq + m1;
    Values::from([
        ("T", t),
        ("Wq", wq),
        ("L", lambda * t),
        ("Lq", lambda * wq),
        ("utilization", rho),
        ("throughput", lambda),
        ("p_wait", rho),
    ])
}

/// GI/M/1: the root σ of σ = A*(μ(1 − σ)), the gaps' Laplace transform integrated from their
/// density, found by Illinois regula falsi (not the models crate's bisection and fixed
/// point); T ~ Exp(μ(1 − σ)).
pub fn gi_m_1(gaps: &Distribution, mu: f64) -> Values {
    let lambda = 1.0 / moments(gaps).0;
    let f = |s: f64| expect(gaps, &|x| (-mu * (1.0 - s) * x).exp()) - s;
    let mut hi = 1.0 - 1e-3;
    while f(hi) >= 0.0 {
        hi = 1.0 - (1.0 - hi) / 2.0;
    }
    let sigma = illinois(f, 0.0, hi);
    let t = 1.0 / (mu * (1.0 - sigma));
    Values::from([
        ("T", t),
        ("Wq", sigma * t),
        ("L", lambda * t),
        ("Lq", lambda * sigma * t),
        ("utilization", lambda / mu),
        ("throughput", lambda),
        ("p_wait", sigma),
        ("T_p99", 100f64.ln() * t),
    ])
}

/// E_k/M/c as a CTMC on (messages present, phase of the next arrival): the phase advances
/// at `phase_rate` and an arrival comes when it wraps. Arrivals find the distribution of
/// the states they leave from (phase k − 1), which gives P(wait) and T_p99.
pub fn erlang_arrivals(phase_rate: f64, k: u32, mu: f64, c: u32) -> Values {
    let lambda = phase_rate / f64::from(k);
    let top = cap_for(lambda / (f64::from(c) * mu), c).max(400);
    let chain = solve_ctmc((0u32, 0u32), |&(n, ph)| {
        let mut out = Vec::new();
        if ph + 1 < k {
            out.push(Some(((n, ph + 1), phase_rate)));
        } else if n < top {
            out.push(Some(((n + 1, 0), phase_rate)));
        } else {
            out.push(None);
        }
        if n > 0 {
            out.push(Some(((n - 1, ph), f64::from(n.min(c)) * mu)));
        }
        out
    });
    check_cut(chain.cut_mass, "E_k/M/c chain");
    let l = chain.mean(|&(n, _)| f64::from(n));
    let lq = chain.mean(|&(n, _)| f64::from(n.saturating_sub(c)));
    let busy = chain.mean(|&(n, _)| f64::from(n.min(c)));
    let at_arrival = chain.mean(|&(_, ph)| f64::from(u8::from(ph + 1 == k)));
    let found: Vec<(usize, f64)> = (chain.states.iter().zip(&chain.pi))
        .filter(|((_, ph), _)| ph + 1 == k)
        .map(|((n, _), p)| (*n as usize, p / at_arrival))
        .collect();
    let waits: f64 = found
        .iter()
        .filter(|(n, _)| *n >= c as usize)
        .map(|(_, p)| p)
        .sum();
    Values::from([
        ("T", l / lambda),
        ("Wq", lq / lambda),
        ("L", l),
        ("Lq", lq),
        ("utilization", busy / f64::from(c)),
        ("throughput", lambda),
        ("p_wait", waits),
        ("T_p99", invert(|t| fifo_sojourn_sf(&found, c, mu, t), 0.01)),
    ])
}

/// D/M/c by its embedded chain at arrival epochs (Kleinrock, *Queueing Systems* Vol. 1,
/// 1975, ch. 6): between arrivals, D apart, the system is a pure-death process, evaluated
/// by uniformisation at rate cμ; the chain is truncated at 250 and solved directly. No root
/// σ and no geometric form (the models crate's Takács solution) are used.
pub fn d_m_c(gap: f64, mu: f64, c: u32) -> Values {
    let n = 250usize;
    let counts = poisson(f64::from(c) * mu * gap, 80);
    let p: Vec<Vec<f64>> = (0..=n)
        .map(|i| {
            let mut row = vec![0.0; n + 1];
            let mut dist = vec![0.0; n + 1];
            dist[(i + 1).min(n)] = 1.0;
            for w in &counts {
                for (j, x) in dist.iter().enumerate() {
                    row[j] += w * x;
                }
                let mut next = vec![0.0; n + 1];
                for (j, x) in dist.iter().enumerate() {
                    let down = j.min(c as usize) as f64 / f64::from(c);
                    if j > 0 {
                        next[j - 1] += x * down;
                    }
                    next[j] += x * (1.0 - down);
                }
                dist = next;
            }
            let total: f64 = row.iter().sum();
            row.iter().map(|x| x / total).collect()
        })
        .collect();
    let pi = solve_dtmc(&p);
    check_cut(pi[n - 20..].iter().sum(), "D/M/c embedded chain");
    let c_ = c as usize;
    let waits: f64 = pi[c_..].iter().sum();
    let wq = (c_..=n).map(|k| pi[k] * (k - c_ + 1) as f64).sum::<f64>() / (f64::from(c) * mu);
    let (lambda, t) = (1.0 / gap, wq + 1.0 / mu);
    Values::from([
        ("T", t),
        ("Wq", wq),
        ("L", lambda * t),
        ("Lq", lambda * wq),
        ("utilization", lambda / (f64::from(c) * mu)),
        ("throughput", lambda),
        ("p_wait", waits),
    ])
}

/// M/D/c by Crommelin's chain, N(t + D) = (N(t) − c)⁺ + Poisson(λD) arrivals (Crommelin,
/// *P.O.E.E. Journal* 25, 1932), whose stationary law is the time-average law. Solved by
/// power iteration (the models crate uses state reduction), truncated at 200.
pub fn m_d_c(lambda: f64, d: f64, c: u32) -> Values {
    let n = 200usize;
    let arrivals = poisson(lambda * d, n);
    let c_ = c as usize;
    let mut p = vec![1.0 / (n + 1) as f64; n + 1];
    for _ in 0..100_000 {
        let mut next = vec![0.0; n + 1];
        for (i, x) in p.iter().enumerate() {
            let base = i.saturating_sub(c_);
            let mut left = 1.0;
            for (k, a) in arrivals.iter().take(n - base).enumerate() {
                next[base + k] += x * a;
                left -= a;
            }
            next[n] += x * left.max(0.0);
        }
        let change = next
            .iter()
            .zip(&p)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        p = next;
        if change < 1e-17 {
            break;
        }
    }
    check_cut(p[n - 20..].iter().sum(), "M/D/c chain");
    let lq: f64 = (c_..=n).map(|k| p[k] * (k - c_) as f64).sum();
    let wq = lq / lambda;
    let t = wq + d;
    Values::from([
        ("T", t),
        ("Wq", wq),
        ("L", lambda * t),
        ("Lq", lq),
        ("utilization", lambda * d / f64::from(c)),
        ("throughput", lambda),
        ("p_wait", p[c_..].iter().sum()),
    ])
}

/// M/H2/1 processor sharing as a CTMC on the numbers of messages in each service phase
/// (each of the n present is served at rate 1/n), no insensitivity result used.
pub fn processor_sharing(lambda: f64, probs: &[f64], rates: &[f64]) -> Values {
    assert_eq!(probs.len(), 2, "two phases");
    let cap = 110u32;
    let chain = solve_ctmc((0u32, 0u32), |&(a, b)| {
        let mut out = Vec::new();
        for (i, (p, r)) in probs.iter().zip(rates).enumerate() {
            let (n_i, up) = if i == 0 {
                (a, (a + 1, b))
            } else {
                (b, (a, b + 1))
            };
            out.push(if n_i < cap {
                Some((up, lambda * p))
            } else {
                None
            });
            if n_i > 0 {
                let down = if i == 0 { (a - 1, b) } else { (a, b - 1) };
                out.push(Some((down, r * f64::from(n_i) / f64::from(a + b))));
            }
        }
        out
    });
    check_cut(chain.cut_mass, "processor-sharing chain");
    let l = chain.mean(|&(a, b)| f64::from(a + b));
    let busy = chain.mean(|&(a, b)| f64::from(u8::from(a + b > 0)));
    // Wq counts the time a message is slowed by sharing: T − E[S], and Lq = L − busy.
    Values::from([
        ("T", l / lambda),
        ("Wq", (l - busy) / lambda),
        ("L", l),
        ("Lq", l - busy),
        ("utilization", busy),
    ])
}

/// Two priority classes (index 0 more urgent), Poisson arrivals, exponential service at
/// `mu[k]`, one consumer: a CTMC on (urgent present, bulk present, class in service).
/// Preemptive: the urgent class is always the one served when present.
pub fn priority(lambda: [f64; 2], mu: [f64; 2], preemptive: bool) -> Values {
    let cap = [60u32, 240u32];
    // in service: 0 none, 1 urgent, 2 bulk
    let chain = solve_ctmc((0u32, 0u32, 0u8), |&(a, b, s)| {
        let mut out = Vec::new();
        let serve = |a: u32, b: u32, s: u8| -> u8 {
            if preemptive || s == 0 {
                if a > 0 {
                    1
                } else if b > 0 {
                    2
                } else {
                    0
                }
            } else {
                s
            }
        };
        out.push((a < cap[0]).then(|| ((a + 1, b, serve(a + 1, b, s)), lambda[0])));
        out.push((b < cap[1]).then(|| ((a, b + 1, serve(a, b + 1, s)), lambda[1])));
        match s {
            1 => out.push(Some(((a - 1, b, serve(a - 1, b, 0)), mu[0]))),
            2 => out.push(Some(((a, b - 1, serve(a, b - 1, 0)), mu[1]))),
            _ => {}
        }
        out
    });
    check_cut(chain.cut_mass, "priority chain");
    let total = lambda[0] + lambda[1];
    let l = chain.mean(|&(a, b, _)| f64::from(a + b));
    let busy = chain.mean(|&(_, _, s)| f64::from(u8::from(s != 0)));
    // An urgent arrival waits when an urgent message is in service; a bulk one whenever the
    // consumer is busy — and, without preemption, so does an urgent one (PASTA).
    let urgent_busy = chain.mean(|&(_, _, s)| f64::from(u8::from(s == 1)));
    let p_wait = if preemptive {
        (lambda[0] * urgent_busy + lambda[1] * busy) / total
    } else {
        busy
    };
    // Everyone present but the one in service waits (an interrupted message too).
    Values::from([
        ("T", l / total),
        ("Wq", (l - busy) / total),
        ("L", l),
        ("Lq", l - busy),
        ("utilization", busy),
        ("p_wait", p_wait),
    ])
}

/// One station of a network: external Poisson rate, service rate, consumers.
#[derive(Debug, Clone, Copy)]
pub struct NetStation {
    /// Arrivals from outside.
    pub external: f64,
    /// Service rate of each consumer.
    pub mu: f64,
    /// Consumers.
    pub c: u32,
}

/// The whole open network as one CTMC on the vector of station populations (each capped
/// where its tail is negligible): no product form assumed.
pub fn network_ctmc(st: &[NetStation], routes: &[Vec<(usize, f64)>]) -> Values {
    let rates = traffic(st, routes);
    let caps: Vec<u32> = st
        .iter()
        .zip(&rates)
        .map(|(s, l)| cap_for(l / (f64::from(s.c) * s.mu), s.c) - 20)
        .collect();
    let chain = solve_ctmc(vec![0u32; st.len()], |x| {
        let mut out = Vec::new();
        for (i, s) in st.iter().enumerate() {
            if s.external > 0.0 {
                out.push(if x[i] < caps[i] {
                    let mut y = x.clone();
                    y[i] += 1;
                    Some((y, s.external))
                } else {
                    None
                });
            }
            if x[i] == 0 {
                continue;
            }
            let done = f64::from(x[i].min(s.c)) * s.mu;
            let mut leave = 1.0;
            for &(j, p) in &routes[i] {
                leave -= p;
                if j == i {
                    continue; // back to the same queue: no change of state
                }
                let mut y = x.clone();
                y[i] -= 1;
                out.push(if y[j] < caps[j] {
                    y[j] += 1;
                    Some((y, done * p))
                } else {
                    None
                });
            }
            if leave > 1e-12 {
                let mut y = x.clone();
                y[i] -= 1;
                out.push(Some((y, done * leave)));
            }
        }
        out
    });
    assert!(
        chain.cut_mass < 1e-11,
        "network truncation leaves {:e}",
        chain.cut_mass
    );
    let gamma: f64 = st.iter().map(|s| s.external).sum();
    let l = chain.mean(|x| x.iter().map(|&n| f64::from(n)).sum());
    let lq = chain.mean(|x| {
        x.iter()
            .zip(st)
            .map(|(&n, s)| f64::from(n.saturating_sub(s.c)))
            .sum()
    });
    let busy = chain.mean(|x| x.iter().zip(st).map(|(&n, s)| f64::from(n.min(s.c))).sum());
    let consumers: u32 = st.iter().map(|s| s.c).sum();
    Values::from([
        ("T", l / gamma),
        ("Wq", lq / gamma),
        ("L", l),
        ("Lq", lq),
        ("utilization", busy / f64::from(consumers)),
    ])
}

/// Visit rates from the traffic equations λ = γ + λR, by Gauss–Seidel iteration.
fn traffic(st: &[NetStation], routes: &[Vec<(usize, f64)>]) -> Vec<f64> {
    let mut lambda: Vec<f64> = st.iter().map(|s| s.external).collect();
    for _ in 0..10_000 {
        let mut change: f64 = 0.0;
        for i in 0..st.len() {
            let inflow: f64 = (0..st.len())
                .map(|j| {
                    lambda[j]
                        * routes[j]
                            .iter()
                            .filter(|r| r.0 == i)
                            .map(|r| r.1)
                            .sum::<f64>()
                })
                .sum();
            let new = st[i].external + inflow;
            change = change.max((new - lambda[i]).abs());
            lambda[i] = new;
        }
        if change < 1e-16 {
            break;
        }
    }
    lambda
}

/// Jackson's product form written out here: visit rates from the traffic equations, each
/// station's measures from its own birth–death chain ([`markov_station`]) at its visit rate.
pub fn jackson_product_form(st: &[NetStation], routes: &[Vec<(usize, f64)>]) -> Values {
    let rates = traffic(st, routes);
    let (mut l, mut lq, mut busy) = (0.0, 0.0, 0.0);
    for (s, &rate) in st.iter().zip(&rates) {
        let v = markov_station(rate, s.mu, s.c, None, false);
        l += v["L"];
        lq += v["Lq"];
        busy += v["utilization"] * f64::from(s.c);
    }
    let gamma: f64 = st.iter().map(|s| s.external).sum();
    let consumers: u32 = st.iter().map(|s| s.c).sum();
    Values::from([
        ("T", l / gamma),
        ("Wq", lq / gamma),
        ("L", l),
        ("Lq", lq),
        ("utilization", busy / f64::from(consumers)),
    ])
}

/// Kingman's G/G/1 formula (Kingman, *Proc. Cambridge Phil. Soc.* 57, 1961) with the SCVs
/// integrated from the densities: Wq = ρ/(1 − ρ) (ca² + cs²)/2 E[S].
pub fn kingman(gaps: &Distribution, service: &Distribution) -> Values {
    let (ea, es) = (moments(gaps).0, moments(service).0);
    let rho = es / ea;
    let wq = rho / (1.0 - rho) * (scv(gaps) + scv(service)) / 2.0 * es;
    Values::from([("T", wq + es), ("Wq", wq)])
}

/// Allen–Cunneen (A. O. Allen, *Probability, Statistics, and Queueing Theory*, 2nd ed.,
/// 1990): Wq = Wq(M/M/c) (ca² + cs²)/2, Wq(M/M/c) from the birth–death chain.
pub fn allen_cunneen(gaps: &Distribution, service: &Distribution, c: u32) -> Values {
    let (ea, es) = (moments(gaps).0, moments(service).0);
    let mmc = markov_station(1.0 / ea, 1.0 / es, c, None, false);
    let wq = mmc["Wq"] * (scv(gaps) + scv(service)) / 2.0;
    Values::from([("T", wq + es), ("Wq", wq)])
}

/// The supermarket model's mean-field T (Mitzenmacher, *IEEE TPDS* 12(10), 2001): the
/// fraction of queues holding at least i is ρ^((dⁱ − 1)/(d − 1)), so
/// T = E[S] Σ_{i≥1} ρ^((dⁱ − d)/(d − 1)). JSQ is its d → ∞ limit, T = E[S].
pub fn power_of_d(rho: f64, es: f64, d: Option<u32>) -> Values {
    let Some(d) = d else {
        return Values::from([("T", es)]);
    };
    let d = f64::from(d);
    let t = es
        * (1..60)
            .map(|i| rho.powf((d.powi(i) - d) / (d - 1.0)))
            .take_while(|x| *x > 0.0)
            .sum::<f64>();
    Values::from([("T", t), ("Wq", t - es)])
}
