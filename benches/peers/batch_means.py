"""Batch means: a confidence interval for the mean of one long, autocorrelated run.

The run's sojourn times, in departure order, are cut into BATCHES consecutive batches; batch
means of long enough batches are close to independent, so Student's t over them gives the
interval (Law, Simulation Modeling and Analysis, 5th ed., section 9.5.3).
"""
import math

BATCHES = 20
# Student's t, 99.9% two-sided, BATCHES - 1 = 19 degrees of freedom.
T_999_19 = 3.883


def batch_means_half_width(batch_sums, customers):
    """99.9% half-width of the mean from per-batch sums (the last batch takes any remainder)."""
    size = customers // BATCHES
    sizes = [size] * (BATCHES - 1) + [customers - size * (BATCHES - 1)]
    means = [s / n for s, n in zip(batch_sums, sizes)]
    mean = sum(means) / BATCHES
    var = sum((m - mean) ** 2 for m in means) / (BATCHES - 1)
    return T_999_19 * math.sqrt(var / BATCHES)
