"""Slow API reads (issue #14, defect 10): each route's first read (computed) against a repeated
read of the same result (from the cache, see livecart.web.cache), in the same run, on the demo
workspace, through the in-process ASGI client (no network).

    python benchmarks/bench_api_reads.py                 # builds the demo (seed 7, scale 0.2)
    python benchmarks/bench_api_reads.py --workspace DIR --runs 5

Target: a repeated read well under a second; the ratio is first / repeated (median).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from report import result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = args.workspace
    if path is None:
        from livecart.demo import build

        path = Path(tempfile.mkdtemp()) / "demo"
        build(path, seed=7, scale=0.2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*install `httpx2`")
        from fastapi.testclient import TestClient
    from livecart.stock.sizing import sessions_to_plan
    from livecart.web import create_app

    client = TestClient(create_app(path))
    _, sid = sessions_to_plan(client.app.state.workspace)
    routes = [
        "/api/products/rank",
        "/api/products/next",
        "/api/products/stages",
        f"/api/stock/{sid}",
        f"/api/stock/{sid}/planned",
        f"/api/stock/{sid}/replan",
    ]  # the purchase order reads the stock plan's cached result: timed with it
    print(f"{'route':44} {'first s':>8} {'repeat s':>9} {'ratio':>8}")
    for url in routes:
        t0 = time.perf_counter()
        assert client.get(url).status_code == 200, url
        first = time.perf_counter() - t0
        again = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            client.get(url)
            again.append(time.perf_counter() - t0)
        rep = statistics.median(again)
        print(f"{url:44} {first:8.2f} {rep:9.4f} {first / rep:7.0f}x")
        result(
            f"API read {url.replace(sid, '{session}')} (repeat, cached)",
            f"{rep:.3f} s",
            baseline=f"{first:.2f} s first read",
            ratio=f"{first / rep:.0f}x",
            note="demo seed 7 scale 0.2, in-process client",
        )


if __name__ == "__main__":
    main()
