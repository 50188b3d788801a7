//! A station chain's figures, from its stationary distribution: L and Lq as stationary
//! means, what arrivals meet by PASTA (Wolff, *Operations Research* 30(2), 1982), and T and
//! Wq by Little's law over the messages admitted (an abandoned message counts its wait until
//! it left, as in Erlang-A).

use std::time::Instant;

use super::station::{Chain, Outcome, Station};
use super::{CtmcError, stationary};
use crate::Measures;

/// The first bound on a line's waiting messages; raised until the truncation holds.
const INITIAL_BOUND: u32 = 16;

/// One level's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelFigures {
    /// Its mean-value measures (utilisation: its share of the consumers' time).
    pub measures: Measures,
    /// The share of its arrivals that abandon.
    pub p_abandon: f64,
}

/// A solved station chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainFigures {
    /// All levels together.
    pub system: Measures,
    /// The share of arrivals that abandon (None without patience).
    pub p_abandon: Option<f64>,
    /// Per level, in the station's order (None for a level that never arrives).
    pub levels: Vec<Option<LevelFigures>>,
    /// States of the truncated chain.
    pub states: usize,
    /// Wall-clock seconds to explore and solve it.
    pub seconds: f64,
}

/// Solves `station` exactly (to the truncation) on at most `limit` states.
pub fn solve_station(station: Station, limit: usize) -> Result<ChainFigures, CtmcError> {
    let started = Instant::now();
    let chain = Chain::new(station)?;
    // Many alike consumers each with a line of its own make more states than any limit: say
    // so at once rather than after exploring `limit` of them.
    if chain
        .blocks_estimate(INITIAL_BOUND)
        .is_some_and(|n| n > 4.0 * limit as f64)
    {
        return Err(CtmcError::TooLarge { limit });
    }
    let solution = stationary(&chain, INITIAL_BOUND, limit)?;
    let levels = chain.station().levels.len();
    let (mut waiting, mut busy) = (vec![0.0; levels], vec![0.0; levels]);
    let (mut lost, mut waits) = (vec![0.0; levels], vec![0.0; levels]);
    for (s, &p) in solution.states.iter().zip(&solution.pi) {
        chain.each_level(s, |l, w, b| {
            waiting[l] += p * f64::from(w);
            busy[l] += p * f64::from(b);
        });
        for (l, level) in chain.station().levels.iter().enumerate() {
            if level.rate > 0.0 {
                chain.arrive(s, l, u32::MAX, |outcome, q, _| match outcome {
                    Outcome::Lost => lost[l] += p * q,
                    Outcome::Waits => waits[l] += p * q,
                    Outcome::Started => {}
                });
            }
        }
    }
    let station = chain.station();
    let c = station.speeds.len() as f64;
    let theta = station.patience.unwrap_or(0.0);
    let figures = |rate: f64, waiting: f64, busy: f64, lost: f64, waits: f64| {
        let admitted = rate * (1.0 - lost);
        Measures {
            t: (waiting + busy) / admitted,
            wq: waiting / admitted,
            l: waiting + busy,
            lq: waiting,
            utilization: busy / c,
            throughput: admitted - theta * waiting,
            p_wait: Some(waits / (1.0 - lost)),
            p_loss: lost,
        }
    };
    let per_level = (0..levels)
        .map(|l| {
            let rate = station.levels[l].rate;
            (rate > 0.0).then(|| LevelFigures {
                measures: figures(rate, waiting[l], busy[l], lost[l], waits[l]),
                p_abandon: theta * waiting[l] / rate,
            })
        })
        .collect();
    let rate: f64 = station.levels.iter().map(|l| l.rate).sum();
    let share = |v: &[f64]| {
        station
            .levels
            .iter()
            .zip(v)
            .map(|(l, x)| l.rate * x)
            .sum::<f64>()
            / rate
    };
    let (waiting, busy): (f64, f64) = (waiting.iter().sum(), busy.iter().sum());
    Ok(ChainFigures {
        system: figures(rate, waiting, busy, share(&lost), share(&waits)),
        p_abandon: station.patience.map(|_| theta * waiting / rate),
        levels: per_level,
        states: solution.states.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
