//! The features a scenario uses, as the models' assumption table knows them, each with the
//! scenario key that turns it on (for reasons that name what the user wrote).

use kendall_broker::{Discipline, DispatchKind, Overflow};
use kendall_models::{Feature, Features, Shape};

use crate::arrivals::Interarrival;
use crate::dist::Distribution;
use crate::scenario::{Producer, Queue, Scenario};

/// The features used in one scope, and the key that turned each on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Used {
    /// The set, for [`kendall_models::judge`].
    pub features: Features,
    keys: Vec<(Feature, String)>,
}

impl Used {
    /// Records that `key` uses `feature` (the first key named for a feature is kept).
    fn add(&mut self, feature: Feature, key: String) {
        if !self.features.contains(feature) {
            self.features.insert(feature);
            self.keys.push((feature, key));
        }
    }

    /// The features of both.
    pub fn union(mut self, other: &Used) -> Used {
        for (f, k) in &other.keys {
            self.add(*f, k.clone());
        }
        self
    }

    /// Keeps only the features in `keep`.
    pub fn without_all_but(mut self, keep: Features) -> Used {
        self.keys.retain(|(f, _)| keep.contains(*f));
        self.features = self.keys.iter().map(|(f, _)| *f).collect();
        self
    }

    /// The scenario key that turned `feature` on, as `queues.orders.ttl`.
    pub fn key(&self, feature: Feature) -> String {
        self.keys
            .iter()
            .find(|(f, _)| *f == feature)
            .map_or_else(|| feature.describe().to_string(), |(_, k)| k.clone())
    }
}

/// How a producer's inter-arrival times depart from Poisson, if they do.
pub fn arrival_feature(a: &Interarrival) -> Option<Feature> {
    let d = match a {
        Interarrival::Renewal(d) => d,
        Interarrival::Trace(_) => return Some(Feature::TraceArrivals),
        Interarrival::Mmpp(_) => return Some(Feature::MmppArrivals),
        Interarrival::Rate(_) => return Some(Feature::TimeVaryingRate),
    };
    let spec = d.to_variate_spec();
    match spec.shape {
        Shape::Exponential => None,
        _ if spec.interarrival().is_some() => Some(Feature::RenewalArrivals),
        _ => Some(Feature::GeneralArrivals),
    }
}

/// How a service distribution departs from exponential, if it does.
fn service_feature(d: &Distribution) -> Option<Feature> {
    match d.to_variate_spec().shape {
        Shape::Exponential => None,
        Shape::Deterministic => Some(Feature::DeterministicService),
        _ => Some(Feature::GeneralService),
    }
}

/// The features of `producers`, all feeding one queue.
pub fn arrivals<'a>(producers: impl IntoIterator<Item = &'a Producer>) -> Used {
    let producers: Vec<&Producer> = producers.into_iter().collect();
    let mut used = Used::default();
    let mut count = 0;
    for &p in &producers {
        if let Some(closed) = &p.closed {
            // A closed producer's arrivals are its clients' sends, not its `interarrival`.
            used.add(
                Feature::ClosedClients,
                format!("producers.{}.clients", p.name),
            );
            if closed.think.to_variate_spec().shape != Shape::Exponential {
                used.add(Feature::GeneralThink, format!("producers.{}.think", p.name));
            }
            continue;
        }
        count += 1;
        if let Some(f) = arrival_feature(&p.interarrival) {
            used.add(f, format!("producers.{}.{}", p.name, p.interarrival.key()));
        }
        if p.batch.is_some() {
            used.add(
                Feature::BatchArrivals,
                format!("producers.{}.batch", p.name),
            );
        }
    }
    if count > 1 && !used.features.is_empty() {
        used.add(Feature::MergedArrivals, "producers".into());
    }
    for p in producers {
        if p.client.is_some_and(|c| c.retries > 0) {
            used.add(
                Feature::ClientRetries,
                format!("producers.{}.retries", p.name),
            );
        }
    }
    used
}

/// The features queue `j` of `s` uses as a station, for the classes whose rates there are
/// `class_rates` (a class that never arrives does not make the service mix).
pub fn station(s: &Scenario, j: usize, class_rates: &[f64]) -> Used {
    let q = &s.queues[j];
    let key = |name: &str| format!("queues.{}.{name}", q.name);
    let mut used = Used::default();
    let active: Vec<usize> = (0..class_rates.len())
        .filter(|&k| class_rates[k] > 0.0)
        .collect();
    for &k in &active {
        if let Some(f) = service_feature(&q.service[k]) {
            used.add(f, key("service"));
        }
    }
    if let Some(&first) = active.first()
        && active.iter().any(|&k| q.service[k] != q.service[first])
    {
        used.add(Feature::ClassServices, key("service_by_class"));
    }
    if q.schedule.is_some() {
        used.add(Feature::ConsumerSchedule, key("consumers"));
    }
    // An autoscaler with `min = max` never changes the fleet of `max` (all on duty from 0).
    if q.autoscale.is_some_and(|a| !a.is_fixed()) {
        used.add(Feature::Autoscale, key("autoscale"));
    }
    if q.consumers > 1 {
        used.add(Feature::SeveralConsumers, key("consumers"));
        if let Some(f) = dispatch_feature(&q.dispatch) {
            used.add(f, key("dispatch"));
        }
    }
    if q.sharing {
        used.add(Feature::ProcessorSharing, key("discipline"));
    }
    let mut priorities: Vec<i32> = active.iter().map(|&k| s.classes[k].priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    match q.discipline {
        Discipline::Lifo => used.add(Feature::Lifo, key("discipline")),
        Discipline::Priority if priorities.len() > 1 => {
            used.add(Feature::Priority, key("discipline"));
        }
        Discipline::PriorityPreemptive if priorities.len() > 1 => {
            used.add(Feature::PriorityPreemptive, key("discipline"));
        }
        _ => {}
    }
    if q.capacity.is_some() {
        used.add(Feature::Capacity, key("capacity"));
        if q.overflow == Overflow::DropOldest {
            used.add(Feature::DropOldest, key("overflow"));
        }
    }
    let speed = q.speeds[0];
    if q.speeds.iter().any(|&v| v != speed) {
        used.add(Feature::UnequalSpeeds, key("speeds"));
    } else if speed != 1.0 {
        used.add(Feature::UniformSpeed, key("speeds"));
    }
    if q.fail > 0.0 {
        used.add(Feature::Fail, key("fail"));
    }
    if q.crash.is_some() {
        used.add(Feature::Crash, key("crash"));
    }
    if q.delivery.visibility_timeout.is_some() {
        used.add(Feature::VisibilityTimeout, key("visibility_timeout"));
    }
    if q.delivery.ttl.is_some() {
        used.add(Feature::Ttl, key("ttl"));
    }
    if q.backoff.is_some() {
        used.add(Feature::RetryBackoff, key("retry_backoff"));
    }
    if let Some(p) = &q.patience {
        let feature = match p.to_variate_spec().shape {
            Shape::Exponential => Feature::ExponentialPatience,
            _ => Feature::GeneralPatience,
        };
        used.add(feature, key("patience"));
    }
    // An attempt limit and a dead-letter queue matter only where an attempt can end
    // unprocessed.
    let retried = q.fail > 0.0 || q.crash.is_some() || q.delivery.visibility_timeout.is_some();
    if retried && q.delivery.max_attempts.is_some() {
        used.add(Feature::MaxAttempts, key("max_attempts"));
        if q.delivery.dead_letter.is_some() {
            used.add(Feature::DeadLetter, key("dead_letter"));
        }
    }
    used
}

/// The feature of a dispatch strategy over several consumers (none for the shared queue).
fn dispatch_feature(d: &DispatchKind) -> Option<Feature> {
    Some(match d {
        DispatchKind::Shared => return None,
        DispatchKind::Random => Feature::RandomDispatch,
        DispatchKind::RoundRobin => Feature::RoundRobinDispatch,
        DispatchKind::WeightedRoundRobin { .. } => Feature::WeightedRoundRobinDispatch,
        DispatchKind::Jsq => Feature::JsqDispatch,
        DispatchKind::PowerOfD { .. } => Feature::PowerOfDDispatch,
        DispatchKind::LeastWork => Feature::LeastWorkDispatch,
        DispatchKind::Jiq => Feature::JiqDispatch,
        DispatchKind::KeyHash => Feature::KeyHashDispatch,
    })
}

/// The features of a whole network: every queue's as a station, every producer's arrivals,
/// and the network itself.
pub fn network(s: &Scenario, class_rates: &[Vec<f64>]) -> Used {
    let mut used = Used::default();
    let routed = s.queues.iter().find(|q| !q.routes.is_empty());
    used.add(
        Feature::Network,
        routed.map_or("queues".into(), |q| format!("queues.{}.route", q.name)),
    );
    for (j, rates) in class_rates.iter().enumerate() {
        used = used
            .union(&station(s, j, rates))
            .union(&arrivals(s.producers.iter().filter(|p| p.queue == j)));
    }
    used
}

/// The common speed of `q`'s consumers (1 when they differ: the assumption table then
/// refuses the queue for [`Feature::UnequalSpeeds`]).
pub fn common_speed(q: &Queue) -> f64 {
    let speed = q.speeds[0];
    if q.speeds.iter().all(|&v| v == speed) {
        speed
    } else {
        1.0
    }
}
