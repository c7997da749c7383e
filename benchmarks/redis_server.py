"""The throw-away redis-server the Redis benchmarks start: no persistence, a free loopback port,
its files in a temporary folder, stopped after (``bench_sources``, ``bench_results``,
``bench_rooms_spread``)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_missing(*tools: str) -> bool:
    """Whether a tool (default: redis-server) is not installed; says so, the benchmark skips."""
    missing = [t for t in tools or ("redis-server",) if not shutil.which(t)]
    if missing:
        print(f"{' / '.join(missing)} not installed: skipping the Redis benchmark")
    return bool(missing)


def start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import redis

    c = redis.Redis(port=port)
    for _ in range(100):
        try:
            c.ping()
            return proc, port
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[Path, int]]:
    """A running redis-server: (a temporary folder for the benchmark's files too, its port)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_redis(Path(tmp))
        try:
            yield Path(tmp), port
        finally:
            proc.terminate()
            proc.wait(timeout=10)
