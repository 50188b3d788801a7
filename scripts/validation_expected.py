#!/usr/bin/env python3
"""The expected values of scenarios/validation/*.toml, from textbook closed forms (and, for
GI/M/c and M/D/c, which have none, from embedded Markov chains solved numerically), computed
with mpmath at 25 digits from the parameters as written in each file. It does not use kendall.

    python3 scripts/validation_expected.py            # print every file's [expected] table
    python3 scripts/validation_expected.py --write    # replace the tables in the files
    python3 scripts/validation_expected.py --write mm1_rho30.toml   # only these files
    python3 scripts/validation_expected.py --doc      # docs/validation.md from the files

tests/validation_values recomputes every value by a second method (CTMC, numerical
integration, another root finder) in Rust; `kendall validate-theory` then checks the oracle
against them to 1e-9.
"""

import sys
import tomllib
from pathlib import Path

import mpmath as mp

mp.mp.dps = 25
DIR = Path(__file__).resolve().parent.parent / "scenarios" / "validation"


def mpf(x):
    return mp.mpf(x)


# ---- distributions: mean and second moment --------------------------------------------


def moments(d):
    """(E[X], E[X^2]) of a distribution table as the simulator reads it."""
    k = d["kind"]
    if k == "exponential":
        m = 1 / mpf(d["rate"]) if "rate" in d else mpf(d["mean"])
        return m, 2 * m * m
    if k == "deterministic":
        v = mpf(d["value"])
        return v, v * v
    if k == "erlang":
        n, m = mpf(d["k"]), mpf(d["mean"])
        return m, m * m * (1 + 1 / n)
    if k == "gamma":
        a, s = mpf(d["shape"]), mpf(d["scale"])
        return a * s, a * (a + 1) * s * s
    if k == "uniform":
        lo, hi = mpf(d["low"]), mpf(d["high"])
        return (lo + hi) / 2, (lo * lo + lo * hi + hi * hi) / 3
    if k in ("lognormal", "hyperexponential"):
        m, scv = mpf(d["mean"]), mpf(d["scv"])
        return m, m * m * (1 + scv)
    if k == "weibull":
        a, s = mpf(d["shape"]), mpf(d["scale"])
        return s * mp.gamma(1 + 1 / a), s * s * mp.gamma(1 + 2 / a)
    raise ValueError(k)


def scv(d):
    m, m2 = moments(d)
    return m2 / (m * m) - 1


def laplace(d):
    """The Laplace-Stieltjes transform of an inter-arrival distribution."""
    k = d["kind"]
    if k == "deterministic":
        v = mpf(d["value"])
        return lambda s: mp.exp(-s * v)
    if k == "erlang":
        n, m = int(d["k"]), mpf(d["mean"])
        r = n / m
        return lambda s: (r / (r + s)) ** n
    if k == "exponential":
        r = 1 / moments(d)[0]
        return lambda s: r / (r + s)
    raise ValueError(k)


# ---- models -----------------------------------------------------------------------------


def erlang_c(c, a):
    """Erlang's C formula: the probability of waiting in M/M/c with offered load a."""
    top = a**c / mp.factorial(c) / (1 - a / c)
    return top / (sum(a**k / mp.factorial(k) for k in range(c)) + top)


def mmc(lam, mu, c):
    a, rho = lam / mu, lam / (c * mu)
    C = erlang_c(c, a)
    theta = c * mu - lam
    wq = C / theta
    t = wq + 1 / mu

    def sf(x):  # P(T > x): T = S + Wq, S ~ Exp(mu), Wq = 0 w.p. 1 - C, else Exp(theta)
        both = (theta * mp.exp(-mu * x) - mu * mp.exp(-theta * x)) / (theta - mu)
        return (1 - C) * mp.exp(-mu * x) + C * both

    p99 = mp.findroot(lambda x: sf(x) - mpf("0.01"), t * 3)
    return dict(T=t, Wq=wq, L=lam * t, Lq=lam * wq, utilization=rho, p_wait=C, T_p99=p99)


def mmck(lam, mu, c, K):
    a = lam / mu
    w = [a**n / mp.factorial(n) if n <= c else a**n / (mp.factorial(c) * mpf(c) ** (n - c))
         for n in range(K + 1)]
    z = sum(w)
    p = [x / z for x in w]
    eff = lam * (1 - p[K])
    L = sum(n * p[n] for n in range(K + 1))
    Lq = sum((n - c) * p[n] for n in range(c, K + 1))
    # An accepted arrival waits when it finds c..K-1 present (PASTA, conditioned on entry).
    pw = sum(p[n] for n in range(c, K)) / (1 - p[K])
    return dict(T=L / eff, Wq=Lq / eff, L=L, Lq=Lq, utilization=eff / (c * mu),
                throughput=eff, p_wait=pw, p_loss=p[K])


def mg1(lam, es, es2):
    rho = lam * es
    wq = lam * es2 / (2 * (1 - rho))
    t = wq + es
    return dict(T=t, Wq=wq, L=lam * t, Lq=lam * wq, utilization=rho, p_wait=rho)


def split(m, c, percentile=True):
    """c independent copies of a queue: counts add up, times and shares do not."""
    out = dict(m)
    for k in ("L", "Lq", "throughput"):
        if k in out:
            out[k] *= c
    return out


def gim1(A, lam, mu):
    """GI/M/1: sigma = A*(mu(1 - sigma)) (found by mpmath's secant method)."""
    sigma = mp.findroot(lambda s: A(mu * (1 - s)) - s, mpf("0.5"))
    t = 1 / (mu * (1 - sigma))
    wq = sigma * t
    return dict(T=t, Wq=wq, L=lam * t, Lq=lam * wq, utilization=lam / mu, p_wait=sigma,
                T_p99=mp.log(100) * t)


def death_steps(start, c, kmax):
    """Distributions of the uniformised pure-death chain (rate min(n, c) mu out of c mu) after
    0..kmax steps from `start`."""
    dist = {start: mpf(1)}
    out = [dict(dist)]
    for _ in range(kmax):
        nxt = {}
        for n, p in dist.items():
            down = mpf(min(n, c)) / c
            if down > 0:
                nxt[n - 1] = nxt.get(n - 1, 0) + p * down
            if down < 1:
                nxt[n] = nxt.get(n, 0) + p * (1 - down)
        dist = nxt
        out.append(dict(dist))
    return out


def stationary(P):
    """The stationary vector of a stochastic matrix (list of rows), by solving
    pi (P - I) = 0 with one equation replaced by sum(pi) = 1."""
    n = len(P)
    A = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            A[j, i] = P[i][j] - (1 if i == j else 0)
    for i in range(n):
        A[n - 1, i] = 1
    b = mp.matrix(n, 1)
    b[n - 1] = 1
    x = mp.lu_solve(A, b)
    return [x[i] for i in range(n)]


def gimc(count_probs, lam, mu, c, N):
    """GI/M/c by its embedded chain at arrival epochs, truncated at N: between arrivals the
    system is a pure-death process, uniformised at rate c mu; count_probs[k] is the
    probability of k uniformisation events in one inter-arrival time. No root, no
    geometric form assumed."""
    kmax = len(count_probs) - 1
    P = []
    for i in range(N + 1):
        start = min(i + 1, N)
        row = [mpf(0)] * (N + 1)
        for k, dist in enumerate(death_steps(start, c, kmax)):
            for n, p in dist.items():
                row[n] += count_probs[k] * p
        s = sum(row)
        row = [x / s for x in row]
        P.append(row)
    pi = stationary(P)
    pw = sum(pi[c:])
    wq = sum(pi[n] * (n - c + 1) for n in range(c, N + 1)) / (c * mu)
    t = wq + 1 / mu
    return dict(T=t, Wq=wq, L=lam * t, Lq=lam * wq, utilization=lam / (c * mu), p_wait=pw)


def mdc(lam, D, c, N):
    """M/D/c by Crommelin's chain: N(t + D) = (N(t) - c)+ + arrivals in (t, t + D], whose
    stationary law is the time-stationary law (the kernel is the same for every t)."""
    a = lam * D
    pois = [mp.exp(-a) * a**k / mp.factorial(k) for k in range(N + 1)]
    P = []
    for i in range(N + 1):
        base = max(i - c, 0)
        row = [mpf(0)] * (N + 1)
        for k in range(N + 1 - base):
            row[base + k] += pois[k]
        row[N] += 1 - sum(row)
        P.append(row)
    p = stationary(P)
    Lq = sum((n - c) * p[n] for n in range(c, N + 1))
    wq = Lq / lam
    t = wq + D
    return dict(T=t, Wq=wq, L=lam * t, Lq=Lq, utilization=lam * D / c, p_wait=sum(p[c:]))


def jackson(ext, mu, servers, routing):
    n = len(ext)
    # traffic equations lambda = ext + lambda R, solved exactly
    A = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            A[i, j] = (1 if i == j else 0) - routing[j][i]
    lam = mp.lu_solve(A, mp.matrix(ext))
    L = Lq = busy = 0
    for i in range(n):
        m = mmc(lam[i], mu[i], servers[i])
        L += m["L"]
        Lq += m["Lq"]
        busy += lam[i] / mu[i]
    g = sum(ext)
    return dict(T=L / g, Wq=Lq / g, L=L, Lq=Lq, utilization=busy / sum(servers))


def priority(classes, preemptive):
    """classes: [(lambda, E[S], E[S^2])] in priority order."""
    lam = sum(c[0] for c in classes)
    sig, ts, ws = 0, [], []
    for k, (l, es, es2) in enumerate(classes):
        prev = sig
        sig += l * es
        if preemptive:
            r = sum(c[0] * c[2] for c in classes[: k + 1]) / 2
            t = es / (1 - prev) + r / ((1 - prev) * (1 - sig))
            ws.append(None)
        else:
            w0 = sum(c[0] * c[2] for c in classes) / 2
            w = w0 / ((1 - prev) * (1 - sig))
            t = w + es
            ws.append(w)
        ts.append(t)
    t = sum(c[0] * tk for c, tk in zip(classes, ts)) / lam
    # Wq: everything but the message's own service (interruptions included), so Lq = L - rho.
    wq = t - sum(c[0] * c[1] for c in classes) / lam
    out = dict(T=t, Wq=wq, L=lam * t, Lq=lam * wq, utilization=sig)
    if preemptive:
        # class k waits on arrival when a class at least as urgent is in service (PASTA)
        acc, pw = 0, 0
        for l, es, _ in classes:
            acc += l * es
            pw += l * acc
        out["p_wait"] = pw / lam
    else:
        out["p_wait"] = sig  # waits exactly when the consumer is busy (PASTA)
    return out


# ---- one function per file --------------------------------------------------------------


def load(name):
    return tomllib.loads((DIR / name).read_text())


def station(s):
    q = s["queues"][0]
    lam = sum(1 / moments(p["interarrival"])[0] for p in s["producers"])
    es, es2 = moments(q["service"])
    return lam, es, es2, q.get("consumers", 1)


KLEINROCK1 = "Kleinrock, Queueing Systems Vol. 1 (Wiley 1975)"
GROSS = "Gross, Shortle, Thompson & Harris, Fundamentals of Queueing Theory, 4th ed. (Wiley 2008)"


def case(name):
    s = load(name)
    lam, es, es2, c = station(s)
    mu = 1 / es
    q = s["queues"][0]
    if name.startswith("mm1"):
        m = mg1(lam, es, es2)
        m["T_p99"] = mp.log(100) * m["T"]
        src = (f"M/M/1 closed form, {KLEINROCK1}: T = 1/(mu - lambda), Wq = rho T, "
               "L = rho/(1 - rho), P(wait) = rho; T ~ Exp(mu - lambda) so T_p99 = ln(100) T")
        if name == "mm1_two_producers.toml":
            src += "; the two Poisson producers superpose to one Poisson stream (rates add)"
        return "exact", src, m
    if name == "mmck_c2_k6.toml":
        return "exact", (
            f"M/M/c/K birth-death chain in closed form ({GROSS}): p_n from the balance "
            "equations, p_loss = p_K (PASTA), T = L/(lambda(1 - p_K)), P(wait) of accepted "
            "messages = sum_{n=c}^{K-1} p_n / (1 - p_K)"), mmck(lam, mu, c, q["capacity"])
    if name.startswith("mmc"):
        return "exact", (
            f"M/M/c closed form, Erlang's C formula (Erlang 1917; {GROSS}): "
            "Wq = C(c, a)/(c mu - lambda), P(wait) = C(c, a); T_p99 solves "
            "P(S + Wq > t) = 0.01 with S ~ Exp(mu) and Wq = 0 or Exp(c mu - lambda)"), mmc(lam, mu, c)
    if name == "erlang_b_c4.toml":
        m = mmck(lam, mu, c, q["capacity"])
        return "exact", (
            f"Erlang's loss formula B(c, a) (Erlang 1917; {GROSS}): p_loss = B(4, 3), "
            "T = E[S] (no waiting), L = a(1 - B)"), {k: m[k] for k in ("T", "L", "utilization", "throughput", "p_loss")}
    if name.startswith("md1"):
        return "exact", (
            f"Pollaczek-Khinchine with E[S^2] = D^2 ({KLEINROCK1}): "
            "T = D + rho D/(2(1 - rho)), P(wait) = rho"), mg1(lam, es, es2)
    if name.startswith("mg1"):
        kind = q["service"]["kind"]
        how = {
            "erlang": "E[S^2] = E[S]^2 (1 + 1/k)",
            "gamma": "E[S^2] = shape (shape + 1) scale^2",
            "hyperexponential": "E[S^2] = E[S]^2 (1 + scv)",
            "lognormal": "E[S^2] = E[S]^2 (1 + scv)",
            "uniform": "E[S^2] = (low^2 + low high + high^2)/3",
            "weibull": "E[S] = scale Gamma(1 + 1/k), E[S^2] = scale^2 Gamma(1 + 2/k)",
        }[kind]
        return "exact", (
            f"Pollaczek-Khinchine mean-value formula ({KLEINROCK1}): "
            f"Wq = lambda E[S^2]/(2(1 - rho)), P(wait) = rho; {how}"), mg1(lam, es, es2)
    if name.startswith("random"):
        m = mg1(lam / c, es, es2)
        return "exact", (
            "a random split of a Poisson stream is c independent Poisson streams (Ross, "
            "Introduction to Probability Models, 10th ed. (2010),), so each consumer "
            f"is M/G/1: Pollaczek-Khinchine ({KLEINROCK1}) at lambda/c; L and Lq add up "
            "over the c consumers"), split(m, c)
    if name.startswith("roundrobin"):
        A = lambda s_: (lam / (lam + s_)) ** c  # every c-th Poisson arrival: Erlang-c gaps
        m = gim1(A, lam / c, mu)
        return "exact", (
            f"every consumer gets every c-th arrival, Erlang-c gaps: E_c/M/1 ({KLEINROCK1} "
            "ch. 6, G/M/1): sigma = A*(mu(1 - sigma)), T = 1/(mu(1 - sigma)), "
            "P(wait) = sigma, T ~ Exp(mu(1 - sigma)); L and Lq add up over the c consumers"), split(m, c)
    if name in ("dm1_rho70.toml", "dm1_rho80.toml", "e2m1_rho70.toml"):
        p = s["producers"][0]["interarrival"]
        return "exact", (
            f"G/M/1 ({KLEINROCK1}): sigma = A*(mu(1 - sigma)) with A* the gaps' "
            "Laplace transform, T = 1/(mu(1 - sigma)), P(wait) = sigma, "
            "T ~ Exp(mu(1 - sigma))"), gim1(laplace(p), lam, mu)
    if name == "dmc_c4.toml":
        D = mpf(s["producers"][0]["interarrival"]["value"])
        x = c * mu * D
        counts = [mp.exp(-x) * x**k / mp.factorial(k) for k in range(60)]
        return "exact", (
            "D/M/c has no closed form: the embedded chain at arrival epochs (Kleinrock Vol. 1 "
            "ch. 6), its transitions a pure-death process over one gap D, uniformised at rate "
            "c mu (Poisson(c mu D) steps), truncated at 200 and solved directly; Wq = "
            "sum_{n>=c} pi_n (n - c + 1)/(c mu)"), gimc(counts, lam, mu, c, 200)
    if name == "e3mc_c4.toml":
        k = s["producers"][0]["interarrival"]["k"]
        r = k * lam  # phase rate of the Erlang gaps
        p = r / (r + c * mu)
        counts = [mp.binomial(j + k - 1, k - 1) * p**k * (1 - p) ** j for j in range(200)]
        return "exact", (
            "E3/M/c has no closed form: the embedded chain at arrival epochs (Kleinrock Vol. 1 "
            "ch. 6), its transitions a pure-death process over one Erlang-3 gap, uniformised at "
            "rate c mu (negative-binomial step counts), truncated at 200 and solved directly; "
            "Wq = sum_{n>=c} pi_n (n - c + 1)/(c mu)"), gimc(counts, lam, mu, c, 200)
    if name == "mdc_c4.toml":
        return "exact", (
            "M/D/c: Crommelin's chain (Crommelin 1932; "
            "Tijms, A First Course in Stochastic Models (Wiley 2003) §9.6), N(t + D) = (N(t) - c)+ + Poisson(lambda D) arrivals, "
            "truncated at 200 and solved directly; its law is the time-average law, so "
            "Lq = sum (n - c)+ p_n, Wq = Lq/lambda, P(wait) = P(N >= c) (PASTA)"), mdc(lam, es, c, 200)
    if name.startswith("jackson"):
        names = [x["name"] for x in s["queues"]]
        ext = [mpf(0)] * len(names)
        for p in s["producers"]:
            ext[names.index(p["to"])] += 1 / moments(p["interarrival"])[0]
        R = [[mpf(0)] * len(names) for _ in names]
        for i, x in enumerate(s["queues"]):
            for r in x.get("route", []):
                R[i][names.index(r["to"])] += mpf(r["p"])
        mus = [1 / moments(x["service"])[0] for x in s["queues"]]
        servers = [x["consumers"] for x in s["queues"]]
        return "exact", (
            "Jackson's theorem (Jackson, Operations Research 5(4), 1957; "
            f"{GROSS}): traffic equations lambda = gamma + lambda R, each station "
            "M/M/c at its lambda_i (Erlang C), L = sum L_i, T = L/gamma (Little), "
            "utilization = busy consumers / consumers"), jackson(ext, mus, servers, R)
    if name == "ps_hyperexponential.toml":
        rho = lam * es
        t = es / (1 - rho)
        return "exact", (
            "M/G/1 processor sharing: T = E[S]/(1 - rho) whatever the service distribution "
            "(Kleinrock, Queueing Systems Vol. 2 (Wiley 1976) ch. 4); Wq = T - E[S], "
            "Lq = L - rho"), dict(T=t, Wq=t - es, L=lam * t, Lq=lam * t - rho, utilization=rho)
    if name.startswith("priority"):
        by = {p["class"]: 1 / moments(p["interarrival"])[0] for p in s["producers"]}
        cls = sorted(s["classes"], key=lambda x: x["priority"])
        sbc = q.get("service_by_class", {})
        params = [(by[x["name"]], *moments(sbc.get(x["name"], q["service"]))) for x in cls]
        pre = q["discipline"] == "priority-preemptive"
        src = ("M/G/1 preemptive-resume priority (Kleinrock Vol. 2 (1976)): T_k = "
               "E[S_k]/(1 - s_{k-1}) + sum_{i<=k} lambda_i E[S_i^2]/2 / ((1 - s_{k-1})(1 - s_k))"
               if pre else
               "M/G/1 non-preemptive priority (Cobham, Operations Research 2(1), 1954): "
               "W_k = W0/((1 - s_{k-1})(1 - s_k)), W0 = sum lambda_i E[S_i^2]/2")
        return "exact", src + (
            "; T = sum lambda_k T_k / lambda, Wq = T - E[S] (interruptions count as waiting), "
            "P(wait) = sum lambda_k s_k / lambda (preemptive: a class at least as urgent in "
            "service) or rho (non-preemptive), by PASTA"), priority(params, pre)
    if name.startswith("approx_kingman"):
        ca2 = scv(s["producers"][0]["interarrival"])
        cs2 = es2 / es**2 - 1
        rho = lam * es
        wq = rho / (1 - rho) * (ca2 + cs2) / 2 * es
        return "approximation", (
            "Kingman's heavy-traffic approximation (Kingman, Proc. Cambridge Phil. Soc. 57, "
            "1961): Wq = rho/(1 - rho) (ca^2 + cs^2)/2 E[S]"), dict(T=wq + es, Wq=wq)
    if name.startswith("approx_allen_cunneen"):
        ca2 = scv(s["producers"][0]["interarrival"])
        cs2 = es2 / es**2 - 1
        wq = mmc(lam, mu, c)["Wq"] * (ca2 + cs2) / 2
        return "approximation", (
            "Allen-Cunneen (Allen, Probability, Statistics and Queueing Theory, 2nd ed. 1990; "
            "Bolch et al., Queueing Networks and Markov Chains, 2nd ed. 2006, ch. 6): Wq = Wq(M/M/c) (ca^2 + cs^2)/2"), dict(T=wq + es, Wq=wq)
    if name == "approx_jsq_c16.toml":
        return "approximation", (
            "JSQ's mean-field limit (n -> inf) below saturation, the d -> inf limit of the "
            "supermarket model (Mitzenmacher, IEEE TPDS 12(10), 2001): every arrival finds an "
            "idle consumer, T = E[S]"), dict(T=es)
    if name == "approx_power_of_2_c64.toml":
        d = q["d"]
        r = lam / c * es
        t = sum(r ** ((mpf(d) ** i - d) / (d - 1)) for i in range(1, 40)) * es
        return "approximation", (
            "power-of-d mean-field limit (Mitzenmacher, IEEE TPDS 12(10), 2001; Vvedenskaya, "
            "Dobrushin & Karpelevich 1996): T = sum_{i>=1} rho^((d^i - d)/(d - 1)) E[S]"), dict(
                T=t, Wq=t - es)
    raise ValueError(name)


ORDER = ["T", "Wq", "L", "Lq", "utilization", "throughput", "p_wait", "p_loss", "T_p99"]


def table(name):
    kind, src, m = case(name)
    lines = ["[expected]", f'source = "{src}"']
    if kind != "exact":
        lines.append(f'kind = "{kind}"')
    for k in ORDER:
        if k in m:
            lines.append(f"{k} = {mp.nstr(m[k], 17, min_fixed=-30, max_fixed=30)}")
    return "\n".join(lines) + "\n"


# The second method of each family, as tests/validation_values implements it (for the doc).
SECOND = [
    ("approx", "the formula written out (SCVs integrated from the densities; Erlang C from a birth-death chain)"),
    ("jackson", "product form written out (traffic equations by Gauss-Seidel, each station's birth-death chain); the whole network as one CTMC for 1-2 stations"),
    ("mmck", "birth-death CTMC (GTH), finite"),
    ("erlang_b", "birth-death CTMC (GTH), finite"),
    ("mm1", "birth-death CTMC (GTH); T_p99 from the distribution arrivals find, by uniformisation"),
    ("mmc", "birth-death CTMC (GTH); T_p99 from the distribution arrivals find, by uniformisation"),
    ("md1", "Pollaczek-Khinchine, E[S^2] of the point mass"),
    ("mg1", "Pollaczek-Khinchine, E[S] and E[S^2] by integrating the density numerically"),
    ("random_mg1", "Pollaczek-Khinchine per consumer, moments integrated numerically"),
    ("random_mm1", "birth-death CTMC per consumer (GTH)"),
    ("roundrobin", "CTMC on (messages, arrival phase) of one consumer"),
    ("e2m1", "CTMC on (messages, arrival phase)"),
    ("e3mc", "CTMC on (messages, arrival phase)"),
    ("dm1", "GI/M/1 root by Illinois regula falsi, the transform integrated numerically"),
    ("dmc", "embedded chain at arrivals, death process by uniformisation, solved by GTH"),
    ("mdc", "Crommelin's chain solved by power iteration"),
    ("priority", "CTMC on (urgent, bulk, class in service)"),
    ("ps", "CTMC on the numbers in each service phase"),
]

DOC_HEAD = """# Validation cases

Each file of `scenarios/validation/` states, in its `[expected]` table, the values its
system-wide measures are known to take and where they come from. The values were computed
apart from kendall by `scripts/validation_expected.py` (mpmath, 25 digits, from each file's
parameters as written): closed forms from the cited sources, and, for D/M/4, E3/M/4 and
M/D/4, which have none, embedded Markov chains solved numerically.
`tests/validation_values` recomputes every stated value by a second method that does not use
the models crate (last column) and requires agreement to 1e-9; `kendall validate-theory` then
requires the oracle to agree with every stated value to 1e-9 and, for exact cases, every
stated value to lie in the simulation's 99.9% interval. (This page is written by
`python3 scripts/validation_expected.py --doc`.)

| file | kind | T | values stated | source | second method (tests/validation_values) |
|---|---|---|---|---|---|
"""


def doc():
    rows = []
    for f in sorted(DIR.glob("*.toml")):
        e = tomllib.loads(f.read_text())["expected"]
        method = next(m for prefix, m in SECOND if f.name.startswith(prefix))
        stated = ", ".join(k for k in e if k not in ("source", "kind"))
        rows.append(f"| `{f.name}` | {e.get('kind', 'exact')} | {e['T']:.10g} | {stated} | "
                    f"{e['source']} | {method} |")
    out = DIR.parent.parent / "docs" / "validation.md"
    out.write_text(DOC_HEAD + "\n".join(rows) + "\n")


def main():
    if "--doc" in sys.argv:
        doc()
        return
    write = "--write" in sys.argv
    only = [a for a in sys.argv[1:] if a.endswith(".toml")]
    for f in sorted(DIR.glob("*.toml")):
        if only and f.name not in only:
            continue
        t = table(f.name)
        if write:
            text = f.read_text()
            cut = text.find("\n[expected]")
            if cut >= 0:
                text = text[: cut + 1]
            f.write_text(text.rstrip("\n") + "\n\n" + t)
        else:
            print(f"# {f.name}\n{t}")


if __name__ == "__main__":
    main()
