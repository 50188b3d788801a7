//! Autoscaled queues (`autoscale = { … }`): every `interval` the queue's metric is read and
//! the fleet resized as the Kubernetes Horizontal Pod Autoscaler resizes a deployment —
//! desired = ⌈current × metric / target⌉, no change within `tolerance`, a scale-down taking
//! the largest recommendation of the last `stabilization` (Kubernetes documentation,
//! "Horizontal Pod Autoscaling", algorithm details; KEDA's queue-length scaler feeds it the
//! messages waiting per replica). docs/scenarios.md states the rules.
//!
//! The fleet is the consumers on duty and those starting up. Consumers on duty are the
//! queue's first ones, as for consumer schedules ([`Replication::set_on_duty`]): a new
//! consumer starts pulling `startup` after the decision that added it; a removed one is the
//! newest (one still starting up first) and finishes the message it holds.
//!
//! Queues without an autoscaler carry none of this: its events exist only where a queue has
//! one.

use std::collections::VecDeque;

use kendall_broker::BrokerError;

use super::event_loop::Event;
use super::staffing::Staffing;
use super::state::Replication;
use crate::scenario::{Autoscale, ScaleMetric};

/// Slack for the rounding of metric / target against `tolerance`.
const TOLERANCE_ROUNDING: f64 = 1e-9;

/// Most decisions a [`ScaleLog`] keeps; later ones are only counted.
pub const MAX_DECISIONS: usize = 10_000;

/// One evaluation that changed the fleet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleDecision {
    /// When.
    pub time: f64,
    /// The metric read: messages waiting per consumer of the fleet (`backlog`; with a fleet
    /// of 0, the messages waiting), or busy consumers over the fleet (`utilization`).
    pub metric: f64,
    /// The fleet before the decision (on duty and starting up).
    pub current: u32,
    /// This evaluation's recommendation, within [min, max].
    pub recommendation: u32,
    /// The fleet decided: the largest recommendation of the stabilisation window.
    pub desired: u32,
    /// Consumers on duty (pulling) just after the decision: those it adds count only once
    /// they have started up.
    pub on_duty: u32,
}

/// One replication's scaling decisions for one queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScaleLog {
    /// The first [`MAX_DECISIONS`] decisions, in time order (warm-up included).
    pub decisions: Vec<ScaleDecision>,
    /// Decisions made after the log was full, counted only.
    pub left_out: u64,
    /// Evaluations made, changing the fleet or not.
    pub evaluations: u64,
}

/// One autoscaled queue's controller in a replication.
#[derive(Debug, Clone)]
pub(super) struct Autoscaler {
    rule: Autoscale,
    /// Consumers counted as the fleet: on duty and starting up.
    fleet: u32,
    /// Scale-ups not pulling yet: (time they start pulling, count), oldest first.
    starting: VecDeque<(f64, u32)>,
    /// The recommendations of the stabilisation window that may yet be its largest:
    /// (time, recommendation), times increasing and recommendations decreasing, so that
    /// the front is the window's largest (a sliding-window maximum).
    recent: VecDeque<(f64, u32)>,
    log: ScaleLog,
}

impl Replication<'_> {
    /// Puts every autoscaled queue's `min` consumers on duty at time 0 and schedules its
    /// first evaluation, at `interval`.
    pub(super) fn start_autoscale(&mut self) -> Result<(), BrokerError> {
        for j in 0..self.scenario.queues.len() {
            let Some(rule) = self.scenario.queues[j].autoscale else {
                continue;
            };
            self.staffing[j] = Some(Staffing::all_on_duty(rule.max));
            self.set_on_duty(j, rule.min, 0.0)?;
            self.autoscalers[j] = Some(Box::new(Autoscaler {
                rule,
                fleet: rule.min,
                starting: VecDeque::new(),
                recent: VecDeque::new(),
                log: ScaleLog::default(),
            }));
            self.calendar
                .schedule(rule.interval, Event::Scale(j as u32));
        }
        Ok(())
    }

    /// Queue `j`'s Scale event at `now`: consumers whose start-up is over start pulling, and
    /// if an evaluation is due, it is made. (Both kinds of event are one [`Event::Scale`]:
    /// one that finds nothing due — a start-up a scale-down cancelled — does nothing.)
    pub(super) fn scale(&mut self, j: usize, now: f64) -> Result<(), BrokerError> {
        let Some(a) = self.autoscalers[j].as_mut() else {
            return Ok(());
        };
        let mut ready = 0;
        while let Some(&(at, n)) = a.starting.front()
            && at <= now
        {
            a.starting.pop_front();
            ready += n;
        }
        let due = a.rule.interval * (a.log.evaluations + 1) as f64;
        if ready > 0 {
            let n = self.on_duty(j) + ready;
            self.set_on_duty(j, n, now)?;
        }
        if now >= due {
            self.evaluate(j, now)?;
        }
        Ok(())
    }

    /// Queue `j`'s evaluation at `now`: the metric read, the recommendation and the
    /// stabilised decision applied, and the next evaluation scheduled.
    fn evaluate(&mut self, j: usize, now: f64) -> Result<(), BrokerError> {
        let q = self.queue_ids[j];
        let waiting = self.broker.waiting(q)?;
        let on_duty = self.on_duty(j);
        let busy = match self.autoscalers[j].as_ref().map(|a| a.rule.metric) {
            Some(ScaleMetric::Utilization) => {
                let mut busy = 0u32;
                for c in self.broker.consumers_of(q)?.take(on_duty as usize) {
                    busy += u32::from(self.broker.in_flight(c)?.next().is_some());
                }
                busy
            }
            _ => 0,
        };
        let Some(a) = self.autoscalers[j].as_mut() else {
            return Ok(());
        };
        let rule = a.rule;
        let current = a.fleet;
        let (metric, recommendation) = recommend(&rule, current, waiting, busy);
        // The stabilisation window [now − stabilization, now], as a sliding maximum.
        while a
            .recent
            .front()
            .is_some_and(|&(t, _)| t < now - rule.stabilization)
        {
            a.recent.pop_front();
        }
        while a.recent.back().is_some_and(|&(_, r)| r <= recommendation) {
            a.recent.pop_back();
        }
        a.recent.push_back((now, recommendation));
        let desired = a.recent.front().map_or(recommendation, |&(_, r)| r);
        a.log.evaluations += 1;
        let next = rule.interval * (a.log.evaluations + 1) as f64;
        a.fleet = desired;
        let mut duty = on_duty;
        if desired > current {
            let n = desired - current;
            if rule.startup > 0.0 {
                let at = now + rule.startup;
                a.starting.push_back((at, n));
                self.calendar.schedule(at, Event::Scale(j as u32));
            } else {
                duty += n;
            }
        } else if desired < current {
            // The newest go first: those still starting up, then those on duty.
            let mut n = current - desired;
            while n > 0
                && let Some(last) = a.starting.back_mut()
            {
                let k = n.min(last.1);
                last.1 -= k;
                n -= k;
                if last.1 == 0 {
                    a.starting.pop_back();
                }
            }
            duty -= n;
        }
        if desired != current {
            let decision = ScaleDecision {
                time: now,
                metric,
                current,
                recommendation,
                desired,
                on_duty: duty,
            };
            if a.log.decisions.len() < MAX_DECISIONS {
                a.log.decisions.push(decision);
            } else {
                a.log.left_out += 1;
            }
        }
        self.calendar.schedule(next, Event::Scale(j as u32));
        if desired != current {
            self.paid.set(j, desired, now);
        }
        if duty != on_duty {
            self.set_on_duty(j, duty, now)?;
        }
        Ok(())
    }

    /// Each queue's scaling decisions (None for a queue without an autoscaler), taken from
    /// the replication as it ends.
    pub(super) fn take_scale_logs(&mut self) -> Vec<Option<ScaleLog>> {
        self.autoscalers
            .iter_mut()
            .map(|a| a.as_mut().map(|a| std::mem::take(&mut a.log)))
            .collect()
    }
}

/// The metric read and the recommendation, within [min, max], of an evaluation of `rule`
/// with a fleet of `current`, `waiting` messages waiting and `busy` consumers busy.
///
/// ⌈current × (metric / target)⌉ is computed as ⌈waiting / target⌉ (or ⌈busy / target⌉),
/// its value, so that no rounding of metric / target pushes an exact ratio over an integer.
/// A fleet of 0 (only with `min = 0`) reads no per-consumer metric: it goes to max(1, min)
/// as soon as a message waits (KEDA's activation from zero), else stays at `min`.
fn recommend(rule: &Autoscale, current: u32, waiting: usize, busy: u32) -> (f64, u32) {
    let clamp = |x: f64| x.clamp(f64::from(rule.min), f64::from(rule.max)) as u32;
    if current == 0 {
        let metric = match rule.metric {
            ScaleMetric::Backlog => waiting as f64,
            ScaleMetric::Utilization => 0.0,
        };
        let wake = if waiting > 0 { 1 } else { 0 };
        return (metric, clamp(f64::from(wake)));
    }
    let total = match rule.metric {
        ScaleMetric::Backlog => waiting as f64,
        ScaleMetric::Utilization => f64::from(busy),
    };
    let metric = total / f64::from(current);
    let ratio = metric / rule.target;
    // A ratio on the tolerance's edge (11 waiting for 5 consumers at target 2: 1.1) is
    // within it, whatever the rounding of 11 / 5 / 2.
    if (ratio - 1.0).abs() <= rule.tolerance + TOLERANCE_ROUNDING {
        return (metric, clamp(f64::from(current)));
    }
    (metric, clamp((total / rule.target).ceil()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(metric: ScaleMetric, target: f64, min: u32, max: u32) -> Autoscale {
        Autoscale {
            metric,
            target,
            min,
            max,
            interval: 15.0,
            startup: 0.0,
            stabilization: 300.0,
            tolerance: 0.1,
        }
    }

    #[test]
    fn recommendations_follow_the_hpa_formula() {
        let backlog = rule(ScaleMetric::Backlog, 2.0, 1, 10);
        // 3 consumers, 10 waiting: 10/3 per consumer, ratio 5/3, ⌈3 × 5/3⌉ = 5.
        assert_eq!(recommend(&backlog, 3, 10, 0), (10.0 / 3.0, 5));
        // 4 consumers, 8 waiting: ratio 1, no change; 7 waiting: ratio 0.875, beyond the
        // tolerance of 0.1, ⌈7 / 2⌉ = 4 (no change either); 9 waiting: ratio 1.125, ⌈9/2⌉ = 5.
        assert_eq!(recommend(&backlog, 4, 8, 0).1, 4);
        assert_eq!(recommend(&backlog, 4, 7, 0).1, 4);
        assert_eq!(recommend(&backlog, 4, 9, 0).1, 5);
        // 5 consumers, 11 waiting: ratio 1.1, within the tolerance: 5, not ⌈11/2⌉ = 6.
        assert_eq!(recommend(&backlog, 5, 11, 0).1, 5);
        assert_eq!(recommend(&backlog, 5, 12, 0).1, 6);
        // Clamped to max and to min.
        assert_eq!(recommend(&backlog, 3, 1000, 0).1, 10);
        assert_eq!(recommend(&backlog, 3, 0, 0).1, 1);
        // From zero: activation at max(1, min) when a message waits.
        let zero = rule(ScaleMetric::Backlog, 2.0, 0, 10);
        assert_eq!(recommend(&zero, 0, 7, 0), (7.0, 1));
        assert_eq!(recommend(&zero, 0, 0, 0), (0.0, 0));
        // Utilisation: 3 of 4 busy with target 0.5 → ⌈3 / 0.5⌉ = 6.
        let util = rule(ScaleMetric::Utilization, 0.5, 1, 10);
        assert_eq!(recommend(&util, 4, 0, 3), (0.75, 6));
        // 2 of 4 busy is the target: no change.
        assert_eq!(recommend(&util, 4, 50, 2), (0.5, 4));
    }
}
