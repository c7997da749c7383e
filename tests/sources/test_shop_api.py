"""The Shop Analytics API client against a fake server on 127.0.0.1 that checks each request's
signature the way the Partner API documents it (its own implementation, written from the
documented steps, not livecart's), and the reconciliation with the monitor's minutes."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

from livecart.live import Monitor, minute_frame
from livecart.live.engine import columns as C
from livecart.live.sources.shop_api import ShopApiError, ShopClient, reconcile, store, summary

KEY, SECRET, TOKEN, CIPHER = "app123", "secret456", "tok789", "ROW_cipher"
START = pd.Timestamp("2026-11-25 12:00:00")
T0 = int(START.timestamp())


def documented_sign(secret: str, path: str, query: dict[str, str], body: bytes) -> str:
    """Partner API docs: params except sign/access_token, sorted, key+value; path first; body
    after; secret on both ends; HMAC-SHA256 keyed with the secret; hex."""
    s = path + "".join(k + query[k] for k in sorted(query) if k not in ("sign", "access_token"))
    return hmac.new(
        secret.encode(), (secret + s).encode() + body + secret.encode(), hashlib.sha256
    ).hexdigest()


MINUTES = [  # two pages of per-minute intervals
    [
        {
            "timestamp": T0 + 60 * m,
            "gmv": {"amount": f"{20.0 * (m + 1):.2f}", "currency": "USD"},
            "sku_orders": m + 1,
            "items_sold": 2 * (m + 1),
            "customers": m + 1,
        }
        for m in range(3)
    ],
    [
        {
            "timestamp": T0 + 60 * m,
            "gmv": {"amount": f"{20.0 * (m + 1):.2f}", "currency": "USD"},
            "sku_orders": m + 1,
            "items_sold": 2 * (m + 1),
            "customers": m + 1,
        }
        for m in range(3, 5)
    ],
]
PRODUCTS = [
    {
        "id": "1729",
        "name": "Serum",
        "sales": {
            "direct_gmv": {"amount": "300.00", "currency": "USD"},
            "items_sold": 30,
            "customers": 14,
            "sku_orders": 15,
            "created_sku_orders": 16,
            "main_orders": 15,
        },
    }
]


class Fake(BaseHTTPRequestHandler):
    seen: list = []
    clock = T0 + 3 * 3600

    def log_message(self, *a) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        u = urlsplit(self.path)
        q = dict(parse_qsl(u.query))
        Fake.seen.append((u.path, q, dict(self.headers)))
        ok = (
            q.get("app_key") == KEY
            and q.get("shop_cipher") == CIPHER
            and self.headers.get("x-tts-access-token") == TOKEN
            and abs(int(q.get("timestamp", 0)) - Fake.clock) <= 300
            and hmac.compare_digest(q.get("sign", ""), documented_sign(SECRET, u.path, q, b""))
        )
        if not ok:
            return self.answer({"code": 106001, "message": "Invalid signature", "data": None})
        if u.path == "/analytics/202510/shop_lives/L9/performance_per_minutes":
            page = int(q.get("page_token") or 0)
            data = {
                "performance": {"intervals": MINUTES[page]},
                "next_page_token": "1" if page == 0 else "",
            }
        elif u.path == "/analytics/202512/shop/L9/products_performance":
            data = {"products": PRODUCTS, "next_page_token": ""}
        else:
            return self.answer({"code": 40006, "message": "path not found"})
        self.answer({"code": 0, "message": "Success", "request_id": "r1", "data": data})

    def answer(self, doc: dict) -> None:
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    Fake.seen = []
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def client(url: str, secret: str = SECRET) -> ShopClient:
    return ShopClient(KEY, secret, TOKEN, CIPHER, base_url=url, clock=lambda: Fake.clock)


def test_signed_requests_page_through_per_minute_performance(server):
    c = client(server)
    got = c.live_minutes("L9", currency="USD")
    assert len(got) == 5 and got["gmv"].tolist() == [20.0, 40.0, 60.0, 80.0, 100.0]
    assert got["ts"].iloc[0] == START and got["items_sold"].sum() == 30
    assert [q.get("page_token") for _, q, _ in Fake.seen] == [None, "1"]
    assert all("access_token" not in q for _, q, _ in Fake.seen)  # a header, not a parameter


def test_product_performance(server):
    p = client(server).live_products("L9")
    assert p.to_dict("records") == [
        {
            "product_id": "1729",
            "name": "Serum",
            "direct_gmv": 300.0,
            "currency": "USD",
            "sku_orders": 15,
            "items_sold": 30,
            "customers": 14,
        }
    ]


def test_a_wrong_secret_is_refused_by_the_server(server):
    with pytest.raises(ShopApiError, match="Invalid signature"):
        client(server, secret="nope").live_minutes("L9")


def test_reconcile_with_the_monitor_and_store(server, tmp_path):
    ts0 = T0 * 1000
    ev = [{"id": "s", "session_id": "S1", "ts": ts0, "type": "live_start", "currency": "USD"}]
    for m in range(5):  # the monitor heard minute 3 one order short
        n = m + 1 - (1 if m == 3 else 0)
        ev += [
            {
                "id": f"o{m}-{i}",
                "session_id": "S1",
                "ts": ts0 + 60_000 * m + 1000 * i,
                "type": "order",
                "order_id": f"O{m}-{i}",
                "sku_id": "1729",
                "quantity": 2,
                "price": 10.0,
                "currency": "USD",
            }
            for i in range(n)
        ]
    mon = Monitor()
    mon.feed_columns(C.from_dicts(ev))
    minutes = minute_frame(mon.sessions["S1"])
    rec = reconcile(minutes, client(server).live_minutes("L9"), START)
    assert rec["diff_gmv"].tolist() == [0.0, 0.0, 0.0, -20.0, 0.0]
    s = summary(rec)
    assert s["gmv"]["platform"] == 300.0 and s["gmv"]["monitor"] == 280.0
    assert s["gmv"]["gap"] == pytest.approx(-20 / 300) and s["minutes_off"] == 1
    path = store(tmp_path, "S1", rec, client(server).live_products("L9"))
    assert json.loads(path.read_text())["orders"]["monitor"] == 14
    assert (tmp_path / "platform" / "S1-products.csv").exists()


def monitored_workspace(folder):
    """A workspace at ``folder/ws`` whose monitor heard session S1: 1..5 orders of 2 units at
    10.0 USD in its minutes 0..4 (300.0 in all, as the fake platform reports)."""
    import livecart
    from livecart.live import LiveRun, ReplaySource

    ts0 = T0 * 1000
    ev = [{"id": "s", "session_id": "S1", "ts": ts0, "type": "live_start", "currency": "USD"}]
    ev += [
        {
            "id": f"o{m}-{i}",
            "session_id": "S1",
            "ts": ts0 + 60_000 * m + 1000 * i,
            "type": "order",
            "order_id": f"O{m}-{i}",
            "sku_id": "1729",
            "quantity": 2,
            "price": 10.0,
            "currency": "USD",
        }
        for m in range(5)
        for i in range(m + 1)
    ]
    rec = folder / "s1.jsonl"
    rec.write_text("".join(json.dumps(e) + "\n" for e in ev))
    with livecart.init(folder / "ws") as ws:
        LiveRun(ws, ReplaySource(rec)).run()
    return folder / "ws"


def test_cli_reconcile_stores_both_sides(server, tmp_path, cli, monkeypatch):
    from tests.conftest import invoke

    monitored_workspace(tmp_path)
    for k, v in (
        ("APP_KEY", KEY),
        ("APP_SECRET", SECRET),
        ("ACCESS_TOKEN", TOKEN),
        ("SHOP_CIPHER", CIPHER),
    ):
        monkeypatch.setenv(f"LIVECART_SHOP_{k}", v)
    monkeypatch.setattr(Fake, "clock", int(__import__("time").time()))  # the CLI's real clock
    r = invoke(
        cli, "reconcile", tmp_path / "ws", "S1", "--live-id", "L9", "--base-url", server, "--json"
    )
    assert r.exit_code == 0, r.output
    s = json.loads(r.output)
    assert s["gmv"] == {"monitor": 300.0, "platform": 300.0, "gap": 0.0}
    assert (tmp_path / "ws" / "platform" / "S1-minutes.csv").exists()
