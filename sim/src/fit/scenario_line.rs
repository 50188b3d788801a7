//! A fit written as a scenario line, ready to paste into a scenario file.

use crate::dist::DistSpec;

/// The fit as a scenario line, e.g. `interarrival = { kind = "gamma", shape = 2.0, scale = 0.5 }`.
pub fn snippet(key: &str, spec: &DistSpec) -> String {
    let mut parts = vec![format!("kind = \"{}\"", spec.kind)];
    for (name, v) in spec.fitted_params() {
        if let Some(v) = v {
            parts.push(format!("{name} = {v:?}"));
        }
    }
    let list = |v: &[f64]| {
        let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    if let Some(p) = &spec.probs {
        parts.push(format!("probs = {}", list(p)));
    }
    if let Some(r) = &spec.rates {
        parts.push(format!("rates = {}", list(r)));
    }
    format!("{key} = {{ {} }}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use rand_distr::Gamma;

    use super::*;
    use crate::fit::fit_all;
    use crate::fit::tests::draw;

    #[test]
    fn snippet_round_trips_through_the_scenario_parser() {
        let data = draw(Gamma::new(2.0, 1.5).unwrap(), 31);
        let r = fit_all(&data[..2000]).unwrap();
        for f in &r.fits {
            let line = snippet("interarrival", &f.spec);
            let t: toml::Table = toml::from_str(&line).unwrap();
            let back: DistSpec = t["interarrival"].clone().try_into().unwrap();
            assert_eq!(back, f.spec, "{line}");
        }
    }
}
