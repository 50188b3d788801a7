"""M/M/c in SimPy: Poisson arrivals (rate LAMBDA), c servers, exponential service (rate MU).

usage: simpy_mm.py C LAMBDA MU CUSTOMERS WARMUP SEED -> one JSON line on stdout
"""
import json
import random
import sys
import time

import simpy

from batch_means import BATCHES, batch_means_half_width


def main():
    c, lam, mu = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    customers, warmup, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    total = customers + warmup
    state = {"done": 0, "sum_t": 0.0, "sum_wq": 0.0}
    batch = customers // BATCHES
    batch_t = [0.0] * BATCHES
    finished = env.event()

    def message(born):
        with servers.request() as req:
            yield req
            started = env.now
            yield env.timeout(rng.expovariate(mu))
        state["done"] += 1
        if state["done"] > warmup:
            state["sum_t"] += env.now - born
            state["sum_wq"] += started - born
            k = min((state["done"] - warmup - 1) // batch, BATCHES - 1)
            batch_t[k] += env.now - born
        if state["done"] == total:
            finished.succeed()

    def producer():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(message(env.now))

    env.process(producer())
    t0 = time.perf_counter()
    env.run(until=finished)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "messages": total,
        "wall_seconds": wall,
        "T": state["sum_t"] / customers,
        "Wq": state["sum_wq"] / customers,
        "T_half_width": batch_means_half_width(batch_t, customers),
    }))


if __name__ == "__main__":
    main()
