"""Time livecart's read-side analytics (the ``livecart.store.query`` expressions in BENCHED) on a
large synthetic order history, on DuckDB and on Spark ``local[2]``, each in its own process: wall
time and peak memory (resident set of the process and its children, the JVM included, sampled every
0.2 s) per engine, and a checksum of every result that must agree between the engines.

Each expression is run in full and reduced to a checksum row (row count, sums of its numbers,
non-null counts and string lengths), so the timing is the engine's work, not moving millions of
rows into pandas.

    python benchmarks/bench_scale.py                      # 100 million order lines (~40 min)
    python benchmarks/bench_scale.py --rows 2000000       # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from report import result

HERE = Path(__file__).resolve().parent
# the expressions the synthetic lake has the columns for; the stock and ads expressions added
# later (ad_phases, order_minutes, stock_lineups, live_units_sold, warmup_videos, session_spend)
# read columns bench_scale_data does not write yet
BENCHED = (
    "paid_orders",
    "first_purchases",
    "session_kpis",
    "funnel_sessions",
    "product_shares",
    "host_sessions",
    "host_lines",
    "product_test_videos",
    "video_cells",
)


def checksum(table):  # ibis.Table -> ibis.Table of one row
    import ibis

    aggs = {"rows": table.count()}
    for name, dtype in table.schema().items():
        col = table[name]
        aggs[f"n_{name}"] = col.count()
        if dtype.is_numeric():
            aggs[f"sum_{name}"] = col.cast("float64").sum()
        elif dtype.is_string():
            aggs[f"len_{name}"] = col.length().cast("int64").sum()
        elif dtype.is_temporal():
            aggs[f"max_{name}"] = col.max()
    return table.aggregate(**aggs).mutate(one=ibis.literal(1))


def child(engine_name: str, lake: Path, master: str) -> None:
    """Run every expression on one engine; print one JSON line per expression."""
    from livecart.store.query import EXPRESSIONS, parquet_engine, spark_engine

    t0 = time.perf_counter()
    engine = spark_engine(lake, master) if engine_name == "spark" else parquet_engine(lake)
    print(json.dumps({"start_s": time.perf_counter() - t0}), flush=True)
    for name in BENCHED:
        expression, t = EXPRESSIONS[name], time.perf_counter()
        row = engine.frame(checksum(engine.build(expression))).iloc[0]
        sums = {k: (str(v) if k.startswith("max_") else float(v)) for k, v in row.items()}
        print(json.dumps({"expr": name, "s": time.perf_counter() - t, "sums": sums}), flush=True)


def _tree_usage(root: int) -> tuple[int, float]:
    """Resident bytes and CPU seconds (user + system) of ``root`` and every descendant, read
    from /proc (the JVM of a Spark run is a child of its Python process)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    rss, cpu, todo = 0, 0.0, [root]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            pass
    return rss, cpu


def run_engine(engine: str, lake: Path, master: str) -> tuple[list[dict], float, int, float]:
    env = {**os.environ, "PYSPARK_SUBMIT_ARGS": "--driver-memory 4g pyspark-shell"}
    cmd = [sys.executable, __file__, "--child", engine, "--lake", str(lake), "--master", master]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    peak, cpu = [0], [0.0]

    def sample() -> None:
        while proc.poll() is None:
            rss, used = _tree_usage(proc.pid)
            peak[0], cpu[0] = max(peak[0], rss), max(cpu[0], used)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rows = []
    for line in proc.stdout:
        rows.append(json.loads(line))
        r = rows[-1]
        print(f"  {engine:7s} {r.get('expr', 'start'):24s} {r.get('s', r.get('start_s')):8.1f} s")
    proc.wait()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{engine} run failed (exit {proc.returncode})")
    return rows, time.perf_counter() - t0, peak[0], cpu[0]


def agree(a: dict, b: dict) -> list[str]:
    bad = []
    for k, v in a.items():
        w = b.get(k)
        same = v == w if isinstance(v, str) else abs(v - w) <= 1e-9 * max(abs(v), abs(w), 1)
        if not same:
            bad.append(f"{k}: {v} != {w}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000_000, help="order lines to generate")
    ap.add_argument("--lake", type=Path, default=Path("/tmp/livecart-scale-lake"))
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--master", default="local[2]", help="Spark master for the Spark run")
    ap.add_argument("--reuse", action="store_true", help="reuse a lake of the same size")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.lake, a.master)
    from bench_scale_data import build_lake

    marker = a.lake / "rows.json"
    if a.reuse and marker.exists() and json.loads(marker.read_text())["orders"] == a.rows:
        sizes = json.loads(marker.read_text())
        print(f"reusing {a.lake}")
    else:
        t = time.perf_counter()
        sizes = build_lake(a.lake, a.rows)
        marker.write_text(json.dumps(sizes))
        print(f"built {a.lake} in {time.perf_counter() - t:.0f} s")
    gb = sum(f.stat().st_size for f in a.lake.rglob("*.parquet")) / 1e9
    print(f"lake: {gb:.2f} GB Parquet; " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    runs = {}
    for engine in a.engines.split(","):
        rows, wall, peak, cpu = run_engine(engine, a.lake, a.master)
        runs[engine] = {r["expr"]: r for r in rows if "expr" in r}
        start = rows[0]["start_s"]
        work = sum(r["s"] for r in runs[engine].values())
        mln = a.rows / 1e6
        label = f"Spark {a.master}" if engine == "spark" else "DuckDB (2 threads)"
        print(
            f"{label}: start {start:.1f} s, analytics {work:.1f} s, peak {peak / 1e9:.2f} GB, "
            f"{cpu:.0f} CPU-s in all (load average {os.getloadavg()[0]:.1f})"
        )
        result(
            f"scale: all {len(runs[engine])} query-layer expressions on {a.rows:,} order lines, "
            f"{label}",
            f"{work:.1f} s, peak memory {peak / 1e9:.2f} GB",
            note=(
                f"{cpu / mln:.2f} CPU-s per million order lines (start included); engine "
                f"start {start:.1f} s; Parquet lake {gb:.1f} GB; {wall:.0f} s wall in all; "
                f"load average {os.getloadavg()[0]:.1f}"
            ),
        )
    if len(runs) == 2:
        one, two = runs.values()
        bad = {n: agree(one[n]["sums"], two[n]["sums"]) for n in one}
        bad = {n: b for n, b in bad.items() if b}
        print("checksums agree on every expression (rtol 1e-9)" if not bad else f"DIFFER: {bad}")
        for n in one:
            print(f"  {n:24s} duckdb {one[n]['s']:8.1f} s   spark {two[n]['s']:8.1f} s")
        if bad:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
