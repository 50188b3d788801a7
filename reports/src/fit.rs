//! `kendall fit`: the ranked fits as a table or JSON, and the burstiness check.

use std::fmt::Write;

use kendall_sim::dist::DistSpec;
use kendall_sim::fit::{Burstiness, Fit, FitReport};
use serde_json::{Map, Value, json};

/// What `kendall fit` prints: the fits of one column, best first.
#[derive(Debug, Clone)]
pub struct FitView<'a> {
    /// The data source, for the heading.
    pub source: String,
    /// "interarrival" or "service".
    pub kind: &'a str,
    /// The fits.
    pub report: &'a FitReport,
    /// The burstiness check (inter-arrival data only).
    pub burstiness: Option<&'a Burstiness>,
}

fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The parameters of a fitted spec, named as a scenario writes them.
fn spec_params(spec: &DistSpec) -> Map<String, Value> {
    let mut m = Map::new();
    let nums = [
        ("rate", spec.rate),
        ("value", spec.value),
        ("shape", spec.shape),
        ("scale", spec.scale),
        ("mu", spec.mu),
        ("sigma", spec.sigma),
    ];
    for (name, v) in nums {
        if let Some(v) = v {
            m.insert(name.into(), num(v));
        }
    }
    if let Some(p) = &spec.probs {
        m.insert("probs".into(), json!(p));
    }
    if let Some(r) = &spec.rates {
        m.insert("rates".into(), json!(r));
    }
    m
}

fn fit_json(f: &Fit) -> Value {
    let se: Map<String, Value> = f
        .params
        .iter()
        .map(|p| (p.name.to_string(), num(p.se)))
        .collect();
    json!({
        "kind": f.kind,
        "params": spec_params(&f.spec),
        "se": se,
        "mean": num(f.mean),
        "scv": num(f.scv),
        "loglik": num(f.loglik),
        "aic": num(f.aic),
        "ks": num(f.ks),
        "ks_p": num(f.ks_p),
    })
}

impl FitView<'_> {
    /// `{"n", "mean", "scv", "fits": [...best first], "skipped", "burstiness", "warnings"}`.
    pub fn to_json(&self) -> Value {
        let r = self.report;
        let skipped: Vec<Value> = r
            .skipped
            .iter()
            .map(|(k, why)| json!({"kind": k, "reason": why}))
            .collect();
        let burstiness = self.burstiness.map_or(Value::Null, |b| {
            json!({
                "n": b.n, "lag1": num(b.lag1), "lag1_limit": num(b.lag1_limit),
                "window": num(b.window), "windows": b.windows,
                "idc": num(b.idc), "idc_renewal": num(b.idc_renewal),
            })
        });
        json!({
            "source": self.source,
            "kind": self.kind,
            "n": r.n,
            "mean": num(r.mean),
            "scv": num(r.scv),
            "fits": r.fits.iter().map(fit_json).collect::<Vec<_>>(),
            "skipped": skipped,
            "burstiness": burstiness,
            "warnings": self.warnings(),
        })
    }

    /// The burstiness warnings.
    pub fn warnings(&self) -> Vec<String> {
        self.burstiness.map_or(Vec::new(), |b| b.warnings.clone())
    }

    /// The table: one row per fit, best first, then the best as a scenario line.
    pub fn to_table(&self) -> String {
        let r = self.report;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {} {} values, mean {:.6}, scv {:.4}",
            self.source, r.n, self.kind, r.mean, r.scv
        );
        let _ = writeln!(
            out,
            "ranked by AIC (a fit with fewer parameters within ΔAIC {} goes first); KS p-values are asymptotic and conservative with fitted parameters\n",
            kendall_sim::fit::AIC_TIE
        );
        let _ = writeln!(
            out,
            "  {:<17} {:<64} {:>11} {:>9} {:>14} {:>14} {:>8} {:>9}",
            "kind", "parameters (± SE)", "mean", "scv", "loglik", "AIC", "KS", "KS p"
        );
        for f in &r.fits {
            let params: Vec<String> = f
                .params
                .iter()
                .map(|p| {
                    if p.se.is_finite() {
                        format!("{}={:.5}±{:.2e}", p.name, p.value, p.se)
                    } else {
                        format!("{}={:.5}", p.name, p.value)
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "  {:<17} {:<64} {:>11.6} {:>9.4} {:>14.2} {:>14.2} {:>8.5} {:>9.3e}",
                f.kind,
                params.join(" "),
                f.mean,
                f.scv,
                f.loglik,
                f.aic,
                f.ks,
                f.ks_p
            );
        }
        for (kind, why) in &r.skipped {
            let _ = writeln!(out, "  {kind:<17} not fitted: {why}");
        }
        let _ = writeln!(
            out,
            "\nbest: {}",
            kendall_sim::fit::snippet(self.kind, &r.best().spec)
        );
        if let Some(b) = self.burstiness {
            let _ = writeln!(
                out,
                "burstiness: lag-1 autocorrelation {:.4} (limit ±{:.4}), index of dispersion {:.3} over {} windows of {:.4} (renewal with these gaps: {:.3})",
                b.lag1, b.lag1_limit, b.idc, b.windows, b.window, b.idc_renewal
            );
        }
        for w in self.warnings() {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}
