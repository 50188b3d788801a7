//! Fitting every family to one sample and choosing the best: by AIC, preferring fewer
//! parameters within [`AIC_TIE`].

use super::censored;
use super::families::{FAMILIES, fit_deterministic};
use super::{AIC_TIE, DETERMINISTIC_SCV, Fit, FitError, FitReport, Skipped};

/// Fits every family to `data` (non-negative, finite, at least two values) and ranks them.
pub fn fit_all(data: &[f64]) -> Result<FitReport, FitError> {
    fit_all_at(data, None)
}

/// [`fit_all`] of values recorded at `resolution`: where some lie at or below it, they are
/// censored in [0, resolution] and every family is fitted by the censored likelihood.
pub fn fit_all_at(data: &[f64], resolution: Option<f64>) -> Result<FitReport, FitError> {
    if let Some(r) = resolution
        && !(r.is_finite() && r > 0.0)
    {
        return Err(FitError::Resolution(r));
    }
    if data.len() < 2 {
        return Err(FitError::TooFewValues(data.len()));
    }
    if let Some(&x) = data.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return Err(FitError::NotNonNegative(x));
    }
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return Err(FitError::AllZero);
    }
    let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let scv = var / (mean * mean);
    let mut report = FitReport {
        n: sorted.len(),
        mean,
        scv,
        resolution,
        censored: 0,
        fits: Vec::new(),
        skipped: Vec::new(),
    };
    if scv < DETERMINISTIC_SCV {
        report.fits.push(fit_deterministic(&sorted, mean, var));
        return Ok(report);
    }
    let censored = resolution.map_or(0, |r| sorted.partition_point(|&x| x <= r));
    if let (Some(below), 1..) = (resolution, censored) {
        report.censored = censored;
        let exact = &sorted[censored..];
        if exact.len() < 2 {
            return Err(FitError::TooFewValues(exact.len()));
        }
        for (kind, fit, _) in FAMILIES {
            match fit(exact).and_then(|start| censored::refit(&start, &sorted, censored, below)) {
                Ok(f) => report.fits.push(f),
                Err(reason) => report.skipped.push(Skipped { kind, reason }),
            }
        }
        rank(&mut report.fits);
        return Ok(report);
    }
    let positive = sorted[0] > 0.0;
    for (kind, fit, needs_positive) in FAMILIES {
        let result = if needs_positive && !positive {
            Err(FitError::NeedsPositive)
        } else {
            fit(&sorted)
        };
        match result {
            Ok(f) => report.fits.push(f),
            Err(reason) => report.skipped.push(Skipped { kind, reason }),
        }
    }
    rank(&mut report.fits);
    Ok(report)
}

/// Sorts by AIC, then moves forward the fit with fewest parameters within [`AIC_TIE`].
fn rank(fits: &mut [Fit]) {
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let Some(best) = fits.first().map(|f| f.aic) else {
        return;
    };
    let pick = fits
        .iter()
        .enumerate()
        .filter(|(_, f)| f.aic <= best + AIC_TIE)
        .min_by_key(|(_, f)| f.n_params)
        .map(|(i, _)| i)
        .unwrap_or(0);
    fits[..=pick].rotate_right(1);
}
