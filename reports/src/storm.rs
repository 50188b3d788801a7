//! The fluid model of a retry storm beside a run whose senders time out and retry
//! ([`kendall_sim::theory::retry_storm`]): one line in the table, one object in the JSON.

use kendall_sim::Scenario;
use kendall_sim::theory::retry_storm::storm_fluid;
use serde::Serialize;

/// What the fluid model says of a scenario's retries, or why it says nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FluidLine {
    /// Always "approximation".
    pub kind: &'static str,
    /// Messages the consumers process per time unit when busy.
    pub capacity: Option<f64>,
    /// The fresh rate at time 0.
    pub base: Option<f64>,
    /// The fresh rate with every sender retrying to the end: base × (1 + retries).
    pub amplified: Option<f64>,
    /// base < capacity < amplified.
    pub metastable: Option<bool>,
    /// The backlog whose wait times senders out.
    pub critical_backlog: Option<f64>,
    /// The highest fresh rate, its start and duration.
    pub burst: Option<[f64; 3]>,
    /// The least burst duration that leaves the queue collapsed.
    pub tipping_duration: Option<f64>,
    /// Why there is no model (None when there is one).
    pub none: Option<String>,
}

impl FluidLine {
    /// The fluid model of `s`, when some producer times out (None otherwise).
    pub fn of(s: &Scenario) -> Option<Self> {
        s.producers
            .iter()
            .any(|p| p.client.is_some())
            .then(|| match storm_fluid(s) {
                Ok(f) => FluidLine {
                    kind: "approximation",
                    capacity: Some(f.fluid.capacity()),
                    base: Some(f.base),
                    amplified: Some(f.fluid.amplified(f.base)),
                    metastable: Some(f.metastable()),
                    critical_backlog: Some(f.fluid.critical_backlog()),
                    burst: f.burst.map(|(r, a, d)| [r, a, d]),
                    tipping_duration: f.tipping,
                    none: None,
                },
                Err(why) => FluidLine {
                    kind: "approximation",
                    capacity: None,
                    base: None,
                    amplified: None,
                    metastable: None,
                    critical_backlog: None,
                    burst: None,
                    tipping_duration: None,
                    none: Some(why),
                },
            })
    }

    /// The table's line, times in `unit`.
    pub fn line(&self, unit: &str) -> String {
        let (Some(c), Some(b), Some(a), Some(m), Some(q)) = (
            self.capacity,
            self.base,
            self.amplified,
            self.metastable,
            self.critical_backlog,
        ) else {
            return format!(
                "fluid model of retries: none ({})",
                self.none.as_deref().unwrap_or("")
            );
        };
        let verdict = if m {
            "metastable: carried without retries, not once every sender retries"
        } else if b >= c {
            "overloaded even without retries"
        } else {
            "not metastable: the retried load fits"
        };
        let mut out = format!(
            "fluid model of retries (approximation): fresh {b:.4}/{unit} x {:.0} attempts = \
             {a:.4}/{unit} against a capacity of {c:.4}/{unit}: {verdict}; senders time out \
             past a backlog of about {q:.1}",
            a / b
        );
        if let (Some([rate, start, dur]), true) = (self.burst, m) {
            out += &match self.tipping_duration {
                Some(d) => format!(
                    "; a burst of {rate}/{unit} from {start} {unit} tips it over after \
                     {d:.3} {unit} (this one lasts {dur} {unit})"
                ),
                None => format!("; no burst of {rate}/{unit} from {start} {unit} tips it over"),
            };
        }
        out
    }
}
