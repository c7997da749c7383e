"""What reading the analytics from a lake costs against the workspace file: `livecart export`'s
speed (Parquet and Delta) and every expression of the query layer run on DuckDB over the
workspace file (the baseline), over the Parquet export and over the Delta export, on the demo.

    python benchmarks/bench_lake.py --scale 1 --runs 3

Each engine is timed over all expressions, best of ``--runs`` (after one warm-up run that
also checks that every engine's frames have the same row counts as the workspace file's).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import result  # noqa: E402


def _all_expressions(engine, expressions) -> tuple[float, dict[str, int]]:
    t0 = time.perf_counter()
    rows = {name: len(engine.frame(e)) for name, e in expressions.items()}
    return time.perf_counter() - t0, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale (1: ~275k order lines)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()

    import livecart
    from livecart.demo import build
    from livecart.model.schema import KINDS
    from livecart.store.query import EXPRESSIONS, duckdb_engine, export_lake, parquet_engine

    tmp = Path(tempfile.mkdtemp(prefix="bench-lake-"))
    build(tmp / "ws", seed=a.seed, scale=a.scale)
    ws = livecart.open(tmp / "ws", read_only=True)
    total = sum(ws.count(k) for k in KINDS)
    exports = {}
    for fmt in ("parquet", "delta"):
        t0 = time.perf_counter()
        exports[fmt] = export_lake(ws, tmp / fmt, fmt=fmt)
        exports[fmt + "_s"] = time.perf_counter() - t0
    print(f"demo seed {a.seed} scale {a.scale}: {total:,} rows in {len(KINDS)} record kinds")
    engines = {
        "workspace file": lambda: duckdb_engine(ws),
        "Parquet folder": lambda: parquet_engine(exports["parquet"]),
        "Delta folder": lambda: parquet_engine(exports["delta"]),
    }
    best: dict[str, float] = {}
    want = None
    for label, make in engines.items():
        engine = make()
        _, rows = _all_expressions(engine, EXPRESSIONS)  # warm-up: views registered, cached
        want = want or rows
        assert rows == want, f"{label} gave other row counts: {rows} != {want}"
        best[label] = min(_all_expressions(engine, EXPRESSIONS)[0] for _ in range(a.runs))
    ws.close()
    load = os.getloadavg()[0]
    for fmt in ("parquet", "delta"):
        s = exports[fmt + "_s"]
        print(f"export {fmt}: {s:.2f} s, {total / s:,.0f} rows/s")
    n = len(EXPRESSIONS)
    for label, s in best.items():
        print(f"{n} expressions on {label}: {s:.2f} s (best of {a.runs})")
    print(f"load average {load:.1f}")
    base = best["workspace file"]
    for label in ("Parquet folder", "Delta folder"):
        result(
            f"the query layer's {n} expressions on a {label} (`livecart export`), demo scale "
            f"{a.scale:g}, DuckDB",
            f"{best[label]:.2f} s",
            f"the workspace file, {base:.2f} s",
            f"{best[label] / base:.2f}x its time",
        )
    for fmt, flag in (("parquet", ""), ("delta", " --delta")):
        s = exports[fmt + "_s"]
        result(
            f"`livecart export{flag}` of the demo at scale {a.scale:g} ({total:,} rows)",
            f"{total / s:,.0f} rows/s, {s:.2f} s",
        )


if __name__ == "__main__":
    main()
