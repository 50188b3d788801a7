"""M/M/c in Ciw: Poisson arrivals (rate LAMBDA), c servers, exponential service (rate MU).

usage: ciw_mm.py C LAMBDA MU CUSTOMERS WARMUP SEED -> one JSON line on stdout
"""
import json
import sys
import time

import ciw

from batch_means import BATCHES, batch_means_half_width


def main():
    c, lam, mu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    customers, warmup, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    total = customers + warmup
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=mu)],
        number_of_servers=[c],
    )
    sim = ciw.Simulation(network)
    t0 = time.perf_counter()
    sim.simulate_until_max_customers(total, method="Finish")
    wall = time.perf_counter() - t0
    records = sorted(sim.get_all_records(), key=lambda r: r.exit_date)[warmup:]
    n = len(records)
    batch = n // BATCHES
    batch_t = [0.0] * BATCHES
    for i, r in enumerate(records):
        batch_t[min(i // batch, BATCHES - 1)] += r.exit_date - r.arrival_date
    print(json.dumps({
        "messages": total,
        "wall_seconds": wall,
        "T": sum(r.exit_date - r.arrival_date for r in records) / n,
        "Wq": sum(r.waiting_time for r in records) / n,
        "T_half_width": batch_means_half_width(batch_t, n),
    }))


if __name__ == "__main__":
    main()
