"""Import speed and memory: livecart's importer against DuckDB's own read_csv (the limit).

Writes an orders CSV of N rows (default 1,000,000, with Seller Center-style money text and
DD/MM/YYYY times) into a temp folder, imports it into a fresh workspace with progress, and
reports rows/s and peak memory; then times DuckDB's ``read_csv`` of the same file into a table
and prints the ratio. Each size runs in a child process so peak RSS is that import's own.

    python benchmarks/bench_import.py                 # 200k and 1M rows
    python benchmarks/bench_import.py --rows 1000000  # one size
    python benchmarks/bench_import.py --rows 200000 1000000 2000000 --memory-limit 256MB

Peak memory is reported per phase. Streaming (read, validate, stage to Parquet) should not grow
with the file; the whole-file checks (duplicate keys) and the upsert run in DuckDB, whose working
memory grows with the rows until its ``memory_limit`` (default 80% of RAM), beyond which it
spills to disk: ``--memory-limit`` sets it for the livecart run to show that cap.

Measured on the 2-core dev machine (shared, so times are noisy), 2026-11-25:
      rows   livecart   duckdb read_csv   ratio   peak RSS: streaming / checks / upsert
   200,000     1.12 s            0.48 s   2.4x    233 / 233 / 286 MB
 1,000,000     4.71 s            2.22 s   2.1x    284 / 284 / 460 MB
 2,000,000    15.40 s            9.47 s   1.6x    288 / 333 / 528 MB
 with --memory-limit 256MB: 2,000,000 rows peak 280 / 402 / 402 MB
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from report import result

N_SKUS = 500
MEMORY_LIMIT = ""  # e.g. "256MB": caps DuckDB's buffer pool (it spills to disk beyond it)


def write_orders_csv(path: Path, rows: int, seed: int = 7) -> None:
    """An orders file in the Seller Center shape, written in chunks (bounded memory)."""
    rng = np.random.default_rng(seed)
    header = (
        "Order ID,SKU ID,Buyer Username,Country,Quantity,SKU Unit Original Price,"
        "SKU Seller Discount,SKU Platform Discount,SKU Subtotal After Discount,"
        "Order Amount,Created Time,Paid Time,Order Status,Seller SKU,Product Name\n"
    )
    start = np.datetime64("2024-01-01T00:00:00")
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for lo in range(0, rows, 100_000):
            n = min(100_000, rows - lo)
            i = np.arange(lo, lo + n)
            sku = rng.integers(0, N_SKUS, n)
            qty = rng.integers(1, 5, n)
            price = rng.integers(199, 99_999, n) / 100
            sub = qty * price
            created = start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
            paid = created + rng.integers(5, 600, n).astype("timedelta64[s]")
            f.writelines(
                f'{o},SKU{s:05d},buyer{o % 50_000},United States,{q},"${p:,.2f}",0.00,0.00,'
                f'"${t:,.2f}","${t:,.2f}",{_dmy(c)},{_dmy(d)},Completed,S-{s},Product {s}\n'
                for o, s, q, p, t, c, d in zip(i, sku, qty, price, sub, created, paid, strict=True)
            )


def _dmy(t: np.datetime64) -> str:
    s = str(t)  # YYYY-MM-DDTHH:MM:SS
    return f"{s[8:10]}/{s[5:7]}/{s[0:4]} {s[11:19]}"


def run_livecart(csv: Path, work: Path) -> dict[str, float]:
    import pandas as pd

    import livecart
    from livecart.ingest import import_file, import_frame

    ws = livecart.init(work / "ws")
    import_frame(
        ws,
        "markets",
        pd.DataFrame({"market": ["US"], "currency": ["USD"], "timezone": ["America/Los_Angeles"]}),
    )
    import_frame(
        ws,
        "products",
        pd.DataFrame(
            {
                "sku_id": [f"SKU{i:05d}" for i in range(N_SKUS)],
                "category": "beauty_personal_care",
                "currency": "USD",
            }
        ),
    )
    if MEMORY_LIMIT:
        ws.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    ticks = [0]

    def progress(done: int, total: int | None) -> None:
        ticks[0] += 1

    marks = _mark_phases(ws)
    c0 = _cpu()
    t0 = time.perf_counter()
    r = import_file(ws, "orders", csv, progress=progress, timezone="America/Los_Angeles")
    end = time.perf_counter()
    cpu = _cpu() - c0
    assert r.rows_written == ws.count("orders")
    ws.close()
    stream_end, checks_end = marks.pop("streaming_done"), marks.pop("checks_done")
    phases = (stream_end - t0, checks_end - stream_end, end - checks_end)
    return {
        "rows": r.rows_written,
        "seconds": end - t0,
        "cpu_seconds": cpu,
        "phase_seconds": phases,
        "progress_calls": ticks[0],
        **marks,
        "peak_rss_mb": _peak_mb(),
    }


def _cpu() -> float:
    """CPU seconds of this process, every thread (DuckDB's and the converters')."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mark_phases(ws) -> dict[str, float]:
    """Record the RSS high-water mark when each phase ends: streaming (read, validate, stage in
    Parquet) ends when the stage is finished; the whole-file checks end when the upsert starts.
    Measurement only: wraps two methods of this run's objects."""
    from livecart.ingest import stage

    marks: dict[str, float] = {}
    finish, upsert = stage.Stage.finish, ws.upsert

    def finish_marked(self):
        marks["streaming_peak_mb"] = _peak_mb()
        marks["streaming_done"] = time.perf_counter()
        return finish(self)

    def upsert_marked(*args):
        marks["checks_peak_mb"] = _peak_mb()
        marks["checks_done"] = time.perf_counter()
        return upsert(*args)

    stage.Stage.finish = finish_marked
    ws.upsert = upsert_marked
    return marks


def run_duckdb(csv: Path, work: Path) -> dict[str, float]:
    import duckdb

    con = duckdb.connect(str(work / "duck.duckdb"))
    c0 = _cpu()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv('{csv}')")
    secs = time.perf_counter() - t0
    cpu = _cpu() - c0
    n = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    con.close()
    return {
        "rows": n,
        "seconds": secs,
        "cpu_seconds": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _livecart_exe() -> list[str]:
    exe = Path(sys.executable).parent / "livecart"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "livecart"]


def _process(cmd: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS of one whole process (its own rusage)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    proc.stderr.close()
    return {
        "seconds": wall,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


DUCKDB_PROCESS = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[2])\n"
    "con.execute(f\"CREATE TABLE orders AS SELECT * FROM read_csv('{sys.argv[1]}')\")\n"
)


def whole_processes(csv: Path, tmp: Path) -> tuple[dict[str, float], dict[str, float]]:
    """What a person waits for: `livecart import DIR orders FILE` as a process, against a
    Python process that loads the file with DuckDB's read_csv into a table."""
    ws = tmp / "cli-ws"
    subprocess.run([*_livecart_exe(), "init", str(ws)], check=True, capture_output=True)
    setup = (
        "import sys, pandas as pd, livecart\n"
        "from livecart.ingest import import_frame\n"
        "ws = livecart.open(sys.argv[1])\n"
        "import_frame(ws, 'markets', pd.DataFrame({'market': ['US'], 'currency': ['USD'], "
        "'timezone': ['America/Los_Angeles']}))\n"
        f"import_frame(ws, 'products', pd.DataFrame({{'sku_id': [f'SKU{{i:05d}}' for i in "
        f"range({N_SKUS})], 'category': 'beauty_personal_care', 'currency': 'USD'}}))\n"
        "ws.close()\n"
    )
    subprocess.run([sys.executable, "-c", setup, str(ws)], check=True)
    lc = _process(
        [*_livecart_exe(), "import", str(ws), "orders", str(csv), "--timezone",
         "America/Los_Angeles"]
    )  # fmt: skip
    dk = _process([sys.executable, "-c", DUCKDB_PROCESS, str(csv), str(tmp / "cli-duck.duckdb")])
    return lc, dk


def child(which: str, csv: str, work: str, limit: str) -> None:
    global MEMORY_LIMIT
    MEMORY_LIMIT = limit
    fn = run_livecart if which == "livecart" else run_duckdb
    print(json.dumps(fn(Path(csv), Path(work))))


def measure(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "orders.csv"
        write_orders_csv(csv, rows)
        mb = csv.stat().st_size / 1e6
        out = {}
        for which in ("livecart", "duckdb"):
            work = Path(tmp) / which
            work.mkdir()
            p = subprocess.run(
                [sys.executable, __file__, "--child", which, str(csv), str(work), MEMORY_LIMIT],
                capture_output=True,
                text=True,
                check=True,
            )
            out[which] = json.loads(p.stdout.strip().splitlines()[-1])
        lc, dk = out["livecart"], out["duckdb"]
        print(f"{rows:>9,} rows ({mb:,.0f} MB CSV)")
        print(
            f"  livecart import_file : {lc['seconds']:6.2f} s  {rows / lc['seconds']:>10,.0f} "
            f"rows/s  peak RSS {lc['peak_rss_mb']:6.0f} MB  ({lc['progress_calls']} progress "
            f"updates)"
        )
        s, c, u = lc["phase_seconds"]
        print(f"    phases: read, validate, stage {s:.2f} s; checks {c:.2f} s; upsert {u:.2f} s")
        print(
            f"    peak RSS when each phase ends: streaming (read, validate, stage) "
            f"{lc['streaming_peak_mb']:.0f} MB, whole-file checks {lc['checks_peak_mb']:.0f} MB,"
            f" upsert {lc['peak_rss_mb']:.0f} MB"
        )
        print(
            f"  duckdb read_csv      : {dk['seconds']:6.2f} s  {rows / dk['seconds']:>10,.0f} "
            f"rows/s  peak RSS {dk['peak_rss_mb']:6.0f} MB"
        )
        print(
            f"  CPU seconds (all threads): livecart {lc['cpu_seconds']:.2f}, "
            f"duckdb {dk['cpu_seconds']:.2f}"
        )
        print(f"  ratio livecart/duckdb: {lc['seconds'] / dk['seconds']:.2f}x the time")
        cl, cd = whole_processes(csv, Path(tmp))
        print(
            f"  whole processes: `livecart import` {cl['seconds']:.2f} s ({cl['cpu_seconds']:.2f}"
            f" CPU-s, peak RSS {cl['peak_rss_mb']:.0f} MB); python + DuckDB read_csv "
            f"{cd['seconds']:.2f} s ({cd['cpu_seconds']:.2f} CPU-s)"
        )
        speed = cd["seconds"] / cl["seconds"]
        print(f"  livecart at {speed:.2f}x DuckDB read_csv's speed (target 0.5x or more)")
        result(
            f"`livecart import` of a {rows:,}-row orders CSV (validated, atomic), whole process",
            f"{rows / cl['seconds'] / 1000:,.0f}k rows/s, {cl['seconds']:.1f} s, "
            f"peak {cl['peak_rss_mb']:.0f} MB",
            f"DuckDB `read_csv` into a table, {cd['seconds']:.1f} s",
            f"{speed:.2f}x its speed",
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[200_000, 1_000_000])
    ap.add_argument("--memory-limit", default="", help="DuckDB memory_limit for the import")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    global MEMORY_LIMIT
    MEMORY_LIMIT = a.memory_limit
    for n in a.rows:
        measure(n)


if __name__ == "__main__":
    main()
