//! The `kendall run --json` document of the README's contract.

use serde_json::{Map, Value, json};

use crate::{RunReport, ScopeReport, TheoryStatus};

impl RunReport {
    /// The JSON document: keys in the contract's order, NaN as null.
    pub fn to_json(&self) -> Value {
        let named = |scopes: &[ScopeReport]| {
            let mut m = Map::new();
            for s in scopes {
                m.insert(s.name.clone(), json!({ "metrics": metrics(s) }));
            }
            Value::Object(m)
        };
        let mut queues = Map::new();
        for (s, c) in self.queues.iter().zip(&self.counts) {
            let counts = json!({
                "published": c.published, "acked": c.acked, "rejected": c.rejected,
                "dropped": c.dropped, "expired": c.expired, "dead_lettered": c.dead_lettered,
                "redelivered": c.redelivered, "preempted": c.preempted,
                "in_system": c.in_system,
            });
            queues.insert(
                s.name.clone(),
                json!({ "metrics": metrics(s), "counts": counts }),
            );
        }
        let theory = match &self.theory {
            TheoryStatus::Predicted {
                model,
                kind,
                reason,
            } => {
                json!({"status": "predicted", "model": model, "kind": kind, "reason": reason})
            }
            TheoryStatus::Unstable { rho } => json!({"status": "unstable", "rho": rho}),
            TheoryStatus::NoModel { reason } => json!({"status": "none", "reason": reason}),
        };
        let mut doc = json!({
            "scenario": self.scenario,
            "time_unit": self.time_unit,
            "seed": self.seed,
            "replications": self.replications,
            "customers_per_replication": self.customers_per_replication,
            "warmup": self.warmup,
            "warmup_mode": if self.warmup_auto { "auto" } else { "count" },
            "wall_seconds": self.wall_seconds,
            "events": self.events,
            "messages": self.messages,
            "theory": theory,
            "warnings": self.warnings,
            "metrics": metrics(&self.system),
            "classes": named(&self.classes),
            "queues": queues,
        });
        // [run] horizon and window: keys only a run to a horizon has, after the others.
        if let (Some(h), Value::Object(m)) = (self.horizon, &mut doc) {
            m.insert("horizon".into(), json!(h));
            if let Some(w) = &self.windows {
                m.insert("windows".into(), w.to_json());
            }
        }
        doc
    }
}

fn metrics(scope: &ScopeReport) -> Value {
    let mut m = Map::new();
    for row in &scope.rows {
        let (lo, hi) = row.summary.ci();
        m.insert(
            row.metric.name().to_string(),
            json!({
                "mean": row.summary.mean,
                "ci95": [lo, hi],
                "theory": row.theory,
                "theory_kind": row.theory_kind,
                "model": row.model,
                "theory_in_ci": row.theory_in_ci(),
                "expected_waits": row.none_seen.map(|z| z.expected_waits()),
            }),
        );
    }
    Value::Object(m)
}
