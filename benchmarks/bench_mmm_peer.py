"""Peer check of the ad response curves (issue #7): livecart's fit (nonlinear least squares on
log GMV + session bootstrap) against PyMC-Marketing fitting the same model to the same data.

Data: the default demo's sessions (seed 42, scale 1.0: 150 sessions), spend per phase in USD,
attributed GMV drawn as the simulator draws it (`livecart.evaluation.ads.simulated_history`).

Peer: PyMC-Marketing's Hill saturation (``pymc_marketing.mmm.transformers.hill_function``) inside
a PyMC model with the same cross-phase carry-over and log-normal noise, sampled with NUTS. The
packaged ``MMM`` class models a daily time series with carry-over inside each channel; our
carry-over runs across the phases of one session, so its building block is used rather than the
class. PyMC-Marketing is heavy (~800 MB with PyMC and PyTensor) and is not a livecart
dependency; install it in its own environment and point the benchmark at that Python:

    python -m venv /tmp/pymcenv && /tmp/pymcenv/bin/pip install pymc-marketing==0.19.2
    python benchmarks/bench_mmm_peer.py --peer-python /tmp/pymcenv/bin/python

Without it (no --peer-python, or the peer run fails) the peer is scipy's ``curve_fit`` of the
same model, and the report says so. Printed: each fit's parameters against the truth, the
largest gap between the two fits' curves over the observed spend range, each one's recommended
split of the median budget against the true optimum, and the seconds each took.

The splits are compared like for like, twice: inside the trust region (each phase's share within
past sessions' 5-95% range, where livecart searches by default; truth and peer searched in the
same region) and over the whole simplex (livecart with ``extrapolate=True``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

from livecart.ads import PHASES, Curves, fit_response, optimize_split, simplex_grid, true_optimum
from livecart.evaluation.ads import simulated_history, true_curves

PEER = r"""
import json, sys, time
import numpy as np, pandas as pd, pymc as pm, pytensor.tensor as pt
from pytensor.xtensor import as_xtensor
from pymc_marketing.mmm.transformers import hill_function
d = pd.read_csv(sys.argv[1]); P = ("pre_live", "live", "closing")
S = d[[f"spend_{p}" for p in P]].to_numpy(); G = d[[f"gmv_{p}" for p in P]].to_numpy()
t0 = time.time()
with pm.Model():
    beta = pm.LogNormal("beta", np.log(2 * np.median(G, 0)), 1.0, shape=3)
    k = pm.LogNormal("k", np.log(np.median(S, 0)), 1.0, shape=3)
    s = pm.LogNormal("s", 0.0, 0.5, shape=3)
    theta = pm.Beta("theta", 2, 2)
    sigma = pm.HalfNormal("sigma", 0.5)
    x = [S[:, 0], S[:, 1] + theta * S[:, 0], S[:, 2] + theta * S[:, 1]]
    for i in range(3):
        h = hill_function(as_xtensor(pt.as_tensor(x[i]), dims=("obs",)), s[i], k[i]).values
        pm.Normal(f"y{i}", pt.log(beta[i] * h + 1e-9), sigma, observed=np.log(G[:, i]))
    tr = pm.sample(500, tune=500, chains=2, cores=1, random_seed=1, progressbar=False)
post = tr.posterior
out = {n: post[n].stack(z=("chain", "draw")).values.T.tolist() for n in ("beta", "k", "s", "theta")}
out["seconds"] = time.time() - t0
json.dump(out, open(sys.argv[2], "w"))
"""


def run_pymc(python: str, hist) -> tuple[list[Curves], float] | None:
    with tempfile.TemporaryDirectory() as d:
        data, out, script = Path(d, "data.csv"), Path(d, "out.json"), Path(d, "peer.py")
        hist.to_csv(data, index=False)
        script.write_text(PEER)
        r = subprocess.run(
            [python, str(script), str(data), str(out)], capture_output=True, text=True, timeout=1800
        )
        if r.returncode != 0 or not out.exists():
            print("PyMC-Marketing run failed; falling back to scipy:\n", r.stderr[-2000:])
            return None
        o = json.loads(out.read_text())
    draws = [
        Curves(np.array(b), np.array(k), np.array(s), float(t))
        for b, k, s, t in zip(o["beta"], o["k"], o["s"], o["theta"], strict=True)
    ]
    return draws, float(o["seconds"])


def run_curve_fit(hist) -> tuple[list[Curves], float]:
    """scipy.optimize.curve_fit of the same model on log GMV (one point estimate)."""
    s = hist[[f"spend_{p}" for p in PHASES]].to_numpy()
    g = hist[[f"gmv_{p}" for p in PHASES]].to_numpy()

    def model(_, *v):
        c = Curves(np.array(v[0:3]), np.array(v[3:6]), np.array(v[6:9]), v[9])
        return np.log(np.maximum(c.response(s), 1e-9)).ravel()

    t0 = time.perf_counter()
    p0 = [*2 * np.median(g, 0), *np.median(s, 0), 1, 1, 1, 0.5]
    lo, hi = [1] * 6 + [0.3] * 3 + [0], [1e6] * 6 + [5] * 3 + [1]
    v, _ = curve_fit(model, None, np.log(g).ravel(), p0=p0, bounds=(lo, hi), maxfev=20000)
    c = Curves(np.array(v[0:3]), np.array(v[3:6]), np.array(v[6:9]), float(v[9]))
    return [c], time.perf_counter() - t0


def mean_curve_split(
    draws: list[Curves], budget: float, share_range: np.ndarray | None = None
) -> np.ndarray:
    """The split with the most GMV averaged over ``draws``; with ``share_range`` (2 x 3) only
    splits inside it, as livecart's trust region searches."""
    grid = simplex_grid(0.01)
    if share_range is not None:
        r = np.asarray(share_range)
        grid = grid[((grid >= r[0] - 1e-9) & (grid <= r[1] + 1e-9)).all(axis=1)]
    v = np.mean([c.response(grid * budget).sum(1) for c in draws], axis=0)
    return grid[int(np.argmax(v))]


def compare_splits(ours, draws: list[Curves], truth: Curves, budget: float) -> None:
    """Each fit's split of ``budget`` against the true optimum, searched over the same region."""
    region = ours.share_range_
    for name, rng, extrapolate in (
        ("inside past sessions' share range (livecart's default)", region, False),
        ("whole simplex (livecart --extrapolate)", None, True),
    ):
        best = true_optimum(truth, budget, share_range=rng)
        so = np.array(optimize_split(ours, budget, extrapolate=extrapolate).optimum_shares)
        sp = mean_curve_split(draws, budget, rng)
        print(f"split of {budget:,.0f} USD, {name}:")
        top = truth.response(best * budget).sum()
        for label, sh in (("true optimum", best), ("livecart", so), ("peer", sp)):
            gmv = truth.response(sh * budget).sum()
            print(
                f"  {label:12s}: {np.round(sh, 3)}  true expected GMV {gmv:,.0f} USD "
                f"({(gmv / top - 1) * 100:+.2f}% of the optimum)"
            )


def params(c: list[Curves]) -> dict[str, np.ndarray]:
    return {
        "beta": np.median([x.beta for x in c], 0),
        "K": np.median([x.half_sat for x in c], 0),
        "shape": np.median([x.shape for x in c], 0),
        "carryover": np.median([x.carryover for x in c]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer-python", help="a Python with pymc-marketing==0.19.2 installed")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    hist = simulated_history(a.seed, 1.0)
    truth = true_curves()
    t0 = time.perf_counter()
    ours = fit_response(hist, n_boot=200, seed=0)
    t_ours = time.perf_counter() - t0
    peer, name = None, "scipy curve_fit (same model)"
    if a.peer_python:
        peer = run_pymc(a.peer_python, hist)
        name = "PyMC-Marketing 0.19.2 (hill_function in PyMC, NUTS 2x500)"
    draws, t_peer = peer if peer else run_curve_fit(hist)
    name = name if peer else "scipy curve_fit (same model)"
    print(f"{len(hist)} sessions, seed {a.seed}; peer: {name}")
    print(f"seconds: livecart {t_ours:.1f} (fit + 200 bootstrap refits), peer {t_peer:.2f}")
    pt, po, pp = params([truth]), params(ours.draws_), params(draws)
    for k in ("beta", "K", "shape", "carryover"):
        print(
            f"{k:10s} truth {np.round(pt[k], 3)}  livecart {np.round(po[k], 3)}  "
            f"peer {np.round(pp[k], 3)}"
        )
    lo, hi = ours.spend_range_
    xs = np.linspace(lo, hi, 50)
    ours_mid = np.median([c.response(xs) for c in ours.draws_], 0)
    peer_mid = np.median([c.response(xs) for c in draws], 0)
    gap = np.abs(ours_mid / peer_mid - 1).max(0)
    print(
        "largest relative gap between the curves over the observed spend range: "
        + ", ".join(f"{p} {g:.1%}" for p, g in zip(PHASES, gap, strict=True))
    )
    lo_s, hi_s = ours.share_range_
    print(
        "past sessions' share range (5-95%): "
        + ", ".join(f"{p} {a:.0%}-{b:.0%}" for p, a, b in zip(PHASES, lo_s, hi_s, strict=True))
    )
    budget = float(hist[[f"spend_{p}" for p in PHASES]].sum(axis=1).median())
    compare_splits(ours, draws, truth, budget)


if __name__ == "__main__":
    main()
