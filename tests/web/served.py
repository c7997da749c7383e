"""A real `livecart serve` in a child process, on a free loopback port: for the tests of the
server's life cycle (signals, restarts, kills) that an in-process client cannot show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from livecart.live.sources.http_ingest import signed_headers

SECRET = "whsec-served"
T0 = int(time.time() * 1000) - 600_000


class Served:
    """``Served(path).start()``; ``.url``; ``.post_batch(sid, bid, events)``; ``.stop(sig)``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 60.0) -> Served:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "LIVECART_INGEST_SECRET": SECRET,
            "LIVECART_CHECKPOINT_SECONDS": "0.2",
        }
        cmd = [sys.executable, "-m", "livecart", "serve", str(self.path), "--port", "0"]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        while " at http" not in line:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start: {line}{self.proc.stderr.read()}")
            line = self.proc.stdout.readline()
        self.url = line.split(" at ")[1].split()[0].rstrip("/")
        while True:  # answering (uvicorn may still be starting)
            try:
                if self.get("/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve printed its URL but never answered"
            time.sleep(0.05)

    def get(self, path: str, headers: dict | None = None, timeout: float = 10.0):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def post_batch(self, sid: str, bid: str, events: list[dict], timeout: float = 10.0) -> int:
        body = json.dumps({"batch_id": bid, "events": events}).encode()
        req = urllib.request.Request(
            f"{self.url}/api/sessions/{sid}/events",
            data=body,
            headers={**signed_headers(SECRET, body), "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def stop(self, sig: int, timeout: float = 15.0) -> tuple[float, int]:
        """Send ``sig``; the seconds until the process ended, and its exit code."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return float("inf"), -9
        return time.monotonic() - t0, code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdout, self.proc.stderr) if self.proc else ():
            pipe.close()


def batch_events(k: int) -> list[dict]:
    """Batch ``k``: two orders (2 units at 5.0 each) and a like of 3."""
    out = [
        {
            "id": f"o{k}-{j}",
            "ts": T0 + 1000 * k,
            "type": "order",
            "order_id": f"O{k}-{j}",
            "sku_id": "SKU1",
            "quantity": 2,
            "price": 5.0,
            "currency": "USD",
        }
        for j in range(2)
    ]
    return [*out, {"id": f"l{k}", "ts": T0 + 1000 * k, "type": "like", "count": 3}]


class Sender(threading.Thread):
    """Posts batch after batch; a batch is retried until 200 (the server may be down)."""

    def __init__(self, server: Served) -> None:
        super().__init__(daemon=True)
        self.server, self.next, self.accepted = server, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        start = [{"id": "start", "ts": T0, "type": "live_start", "currency": "USD"}]
        while not self._post("start", start):
            time.sleep(0.05)
        while not self.stop.is_set():
            if self._post(f"b{self.next}", batch_events(self.next)):
                self.next += 1
                self.accepted += 1
            else:
                time.sleep(0.05)

    def _post(self, bid: str, events: list[dict]) -> bool:
        try:
            return self.server.post_batch("S1", bid, events, timeout=5) == 200
        except (OSError, urllib.error.URLError):
            return False  # killed mid-request: unknown outcome, so the same batch again
