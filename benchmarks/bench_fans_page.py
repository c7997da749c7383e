"""The Fans page's loads (#17), in CPU seconds of this process: the first (cold) load, the load
grouped another way, and the load after a live's save (what a live run writes every few
seconds: a session's totals and minute rows), each against the cold load in the same run. With
the results cached per table (livecart.web.cache), a grouping or a live's save recomputes the
funnel only; the models (value, uplift) stay.

    python benchmarks/bench_fans_page.py                    # builds the demo (seed 42)
    python benchmarks/bench_fans_page.py --workspace DIR    # a demo already built (copied)

CPU seconds, not wall time: the figures hold on a machine that other work shares.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from report import result


def cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def live_save(ws, session_id: str) -> None:
    """A live run's save of one session (livecart.live.session_rows.write_rows)."""
    from livecart.live.session_rows import SESSION_TOTALS, write_rows

    cols = ["session_id", "market", "currency", "actual_start", "actual_end", *SESSION_TOTALS]
    cur = ws.cursor()
    s = cur.sql(f"SELECT {', '.join(cols)} FROM sessions WHERE session_id = ?", params=[session_id])
    m = cur.sql("SELECT * FROM live_minutes WHERE session_id = ?", params=[session_id])
    write_rows(ws, s.to_arrow_table(), m.to_arrow_table())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, default=None, help="a demo workspace to copy")
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp()) / "demo"
    if args.workspace is None:
        from livecart.demo import build

        build(path, seed=42)
    else:
        shutil.copytree(args.workspace, path)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*install `httpx2`")
        from fastapi.testclient import TestClient
    from livecart.web import create_app

    with TestClient(create_app(path)) as client:
        ws = client.app.state.workspace
        sid = ws.query("SELECT max(session_id) AS s FROM live_minutes")["s"][0]

        def page(url: str) -> None:
            assert client.get(url).status_code == 200, url

        cold = cpu(lambda: page("/fans"))
        other = cpu(lambda: page("/fans?by=host"))
        live_save(ws, sid)
        after_save = cpu(lambda: page("/fans"))
        again = cpu(lambda: page("/fans"))
    print(f"{'Fans page load':44} {'CPU s':>7} {'cold / this':>12}")
    for name, s in (
        ("first load (cold)", cold),
        ("grouped by host after it", other),
        ("after a live's save", after_save),
        ("repeated", again),
    ):
        print(f"{name:44} {s:7.2f} {cold / max(s, 1e-3):11.1f}x")
    note = "demo seed 42, in-process client, CPU seconds"
    result("Fans page, first load", f"{cold:.1f} CPU s", note=note)
    result(
        "Fans page after a live's save",
        f"{after_save:.2f} CPU s",
        baseline=f"{cold:.1f} CPU s cold",
        ratio=f"{cold / max(after_save, 1e-3):.0f}x",
        note=note,
    )


if __name__ == "__main__":
    main()
