#!/usr/bin/env python3
"""Generates the example logs of scenarios/data/ from known distributions.

Standard library only, fixed seeds: running it again rewrites the same files byte for byte.

    python3 scenarios/data/generate.py

Files (times in ms):
- service_times.csv       id,service_ms: 3000 lognormal service times (mu = -0.8, sigma = 0.6)
- arrivals_poisson.txt    4000 arrival times of a Poisson process, rate 1.4 per ms
- arrivals_gamma.txt      4000 arrival times with gamma gaps (shape 2.5, scale 0.28)
- arrivals_bursty.txt     5000 arrival times of an on/off source (a two-state Markov-modulated
                          Poisson process): rate 4 per ms for Exp(mean 20 ms) periods, then
                          rate 0.4 per ms for Exp(mean 50 ms); mean rate 100/70 = 1.43 per ms,
                          the same order as the Poisson log, but bursty and not renewal
"""

import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, lines):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(header)
        for line in lines:
            f.write(line + "\n")


def renewal_times(rng, n, gap):
    t, out = 0.0, []
    for _ in range(n):
        t += gap(rng)
        out.append(t)
    return out


def mmpp_times(rng, n, states):
    t, state, out = 0.0, 0, []
    while len(out) < n:
        rate, hold = states[state]
        end = t + rng.expovariate(1.0 / hold)
        while True:
            t += rng.expovariate(rate)
            if t >= end or len(out) == n:
                break
            out.append(t)
        t = end
        state = 1 - state
    return out


def main():
    rng = random.Random(20261126)
    write(
        "service_times.csv",
        "id,service_ms\n",
        [f"{i},{rng.lognormvariate(-0.8, 0.6):.6f}" for i in range(3000)],
    )
    rng = random.Random(1)
    times = renewal_times(rng, 4000, lambda r: r.expovariate(1.4))
    write("arrivals_poisson.txt", "# arrival times (ms), Poisson rate 1.4\n",
          [f"{t:.6f}" for t in times])
    rng = random.Random(2)
    times = renewal_times(rng, 4000, lambda r: r.gammavariate(2.5, 0.28))
    write("arrivals_gamma.txt", "# arrival times (ms), gamma gaps shape 2.5 scale 0.28\n",
          [f"{t:.6f}" for t in times])
    rng = random.Random(3)
    times = mmpp_times(rng, 5000, [(4.0, 20.0), (0.4, 50.0)])
    write("arrivals_bursty.txt",
          "# arrival times (ms), on/off: rate 4 for ~20 ms, rate 0.4 for ~50 ms\n",
          [f"{t:.6f}" for t in times])


if __name__ == "__main__":
    main()
