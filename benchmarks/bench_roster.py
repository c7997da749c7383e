"""Time the store-live roster (CP-SAT) on a 12 hosts x 6 markets x 7 days x 3 slots week and a
40 x 12 x 7 x 3 week, against the greedy rule in the same run (targets: proven optimal in under
2 s and under 10 s on the 2-core machine), and cross-check each optimum with HiGHS (the same 0-1
program as a MILP through scipy).

    python benchmarks/bench_roster.py
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from report import result

from livecart.hosts.roster import RosterHost, RosterRequest, greedy_roster, solve_roster
from livecart.hosts.roster_highs import solve_roster_highs
from livecart.hosts.slots import week_slots

ZONES = (
    ("US", "America/New_York"),
    ("UK", "Europe/London"),
    ("ID", "Asia/Jakarta"),
    ("TH", "Asia/Bangkok"),
    ("MY", "Asia/Kuala_Lumpur"),
    ("PH", "Asia/Manila"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("SG", "Asia/Singapore"),
    ("MX", "America/Mexico_City"),
    ("ES", "Europe/Madrid"),
    ("JP", "Asia/Tokyo"),
    ("BR", "America/Sao_Paulo"),
)


def request(n_hosts: int, n_markets: int, seed: int = 0) -> RosterRequest:
    rng = np.random.default_rng(seed)
    zones = dict(ZONES[:n_markets])
    codes = list(zones)
    slots = week_slots(zones, dt.date(2027, 3, 1), (12, 19, 21), 120)
    hosts = []
    for i in range(n_hosts):
        home = codes[i % n_markets]
        markets = [home] + ([codes[(i + 1) % n_markets]] if rng.random() < 0.4 else [])
        days = rng.choice(7, size=int(rng.integers(5, 8)), replace=False)
        hosts.append(
            RosterHost(
                f"h{i:02d}",
                markets,
                zones[home],
                {int(d): (10, 24) for d in days},
                float(rng.choice([4, 6])),
                float(rng.choice([20, 24, 30])),
            )
        )
    skill = rng.lognormal(0, 0.2, n_hosts)[:, None]
    demand = rng.lognormal(8, 0.5, len(slots))[None, :]
    return RosterRequest(hosts, slots, skill * demand, rest_hours=1.0)


def main() -> None:
    print(
        "| week | booleans | CP-SAT status | seconds | gap | greedy seconds | gain over greedy "
        "| HiGHS status | HiGHS seconds | HiGHS - CP-SAT |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for n_hosts, n_markets, limit in ((12, 6, 2.0), (40, 12, 10.0)):
        req = request(n_hosts, n_markets)
        opt, greedy = solve_roster(req, time_limit=limit), greedy_roster(req)
        highs = solve_roster_highs(req, time_limit=limit)
        gain = 100 * (opt.objective / greedy.objective - 1)
        diff = 100 * (highs.objective / opt.objective - 1)
        print(
            f"| {n_hosts} x {n_markets} x 7 x 3 | {int(req.allowed().sum())} | {opt.status} | "
            f"{opt.seconds:.2f} | {opt.gap:.4%} | {greedy.seconds:.3f} | {gain:+.1f}% | "
            f"{highs.status} | {highs.seconds:.2f} | {diff:+.4f}% |"
        )
        result(
            f"store-live roster (CP-SAT, two workers), {n_hosts} hosts x {n_markets} markets x 7 "
            f"days x 3 slots, proven optimal (target < {limit:g} s)",
            f"{opt.seconds:.2f} s, {opt.status}",
            f"greedy rule, {greedy.seconds:.3f} s",
            f"{gain:+.1f}% expected GMV",
        )
        result(
            f"store-live roster cross-check (HiGHS MILP via scipy), {n_hosts} hosts x "
            f"{n_markets} markets x 7 days x 3 slots",
            f"{highs.seconds:.2f} s, {highs.status}",
            f"CP-SAT, {opt.seconds:.2f} s",
            f"{diff:+.4f}% expected GMV",
        )


if __name__ == "__main__":
    main()
