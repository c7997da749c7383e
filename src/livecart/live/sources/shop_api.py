"""TikTok Shop Analytics API after a LIVE: a signed client for the per-minute LIVE performance and
per-product performance endpoints, and a reconciliation of the monitor's numbers with the
platform's, stored beside the workspace's database.

Request signing, as the TikTok Shop Partner API documents it (API v2, "Sign your API request"):
every request carries the query parameters ``app_key``, ``timestamp`` (Unix seconds) and
``shop_cipher``, the header ``x-tts-access-token``, and ``sign``:

    1. take the query parameters except ``sign`` and ``access_token``, sorted by name, and
       concatenate them as name + value;
    2. prepend the request path (``/analytics/202510/shop_lives/{id}/performance_per_minutes``);
    3. append the request body if there is one (not for multipart/form-data);
    4. wrap the string in the app secret on both sides;
    5. sign = hex(HMAC-SHA256(key = app secret, message = that string)).

Answers are ``{"code": 0, "message": "Success", "request_id": ..., "data": {...}}``; a non-zero
code is an error (its message says why). Both endpoints page with ``page_token`` /
``next_page_token``. The platform only serves these numbers for LIVEs of the shop's official or
marketing accounts, once the LIVE has ended.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from livecart.errors import LivecartError, NotConfiguredError, NotFoundError

BASE_URL = "https://open-api.tiktokglobalshop.com"
PER_MINUTE_PATH = "/analytics/202510/shop_lives/{live_id}/performance_per_minutes"
PRODUCTS_PATH = "/analytics/202512/shop/{live_id}/products_performance"
EXCLUDED = ("sign", "access_token")


def sign_request(app_secret: str, path: str, params: dict[str, Any], body: bytes = b"") -> str:
    """The ``sign`` query parameter of a request (steps in the module docstring)."""
    pairs = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in EXCLUDED)
    message = app_secret.encode() + path.encode() + pairs.encode() + body + app_secret.encode()
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


class ShopApiError(LivecartError):
    """The Shop API refused a request (its code and message) or could not be reached."""


@dataclass
class ShopClient:
    """A signed client. ``transport`` is an ``httpx.Client`` (tests point ``base_url`` at a
    local fake server)."""

    app_key: str
    app_secret: str
    access_token: str
    shop_cipher: str
    base_url: str = BASE_URL
    timeout: float = 30.0
    clock: Callable[[], float] = time.time
    _http: Any = field(default=None, repr=False)

    def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def get(self, path: str, **query: Any) -> dict[str, Any]:
        """GET ``path`` signed; the answer's ``data``, or ShopApiError."""
        params = {k: str(v) for k, v in query.items() if v is not None}
        params |= {
            "app_key": self.app_key,
            "timestamp": str(int(self.clock())),
            "shop_cipher": self.shop_cipher,
        }
        params["sign"] = sign_request(self.app_secret, path, params)
        headers = {"x-tts-access-token": self.access_token, "content-type": "application/json"}
        try:
            r = self._client().get(path, params=params, headers=headers)
            doc = r.json()
        except Exception as e:  # noqa: BLE001 - network and decoding errors alike
            raise ShopApiError(f"Shop API {path} could not be read: {e}") from None
        if not isinstance(doc, dict) or doc.get("code") not in (0, "0"):
            msg = doc.get("message") if isinstance(doc, dict) else str(doc)[:200]
            code = doc.get("code") if isinstance(doc, dict) else r.status_code
            raise ShopApiError(
                f"Shop API {path} refused: code {code}: {msg} (check the app key and secret, "
                f"the access token's expiry and the shop cipher)"
            )
        return doc.get("data") or {}

    def _pages(self, path: str, key: Callable[[dict], list], **query: Any) -> list[dict]:
        rows: list[dict] = []
        token = None
        for _ in range(1000):
            data = self.get(path, page_token=token, **query)
            rows += key(data)
            token = data.get("next_page_token")
            if not token:
                return rows
        raise ShopApiError(f"Shop API {path}: more than 1,000 pages; stopped")

    def live_minutes(self, live_id: str, currency: str = "LOCAL") -> pd.DataFrame:
        """Per-minute performance of an ended LIVE: one row per minute with ``ts`` (UTC),
        ``gmv``, ``currency``, ``sku_orders``, ``items_sold``, ``customers``."""
        path = PER_MINUTE_PATH.format(live_id=live_id)
        rows = self._pages(
            path, lambda d: (d.get("performance") or {}).get("intervals") or [], currency=currency
        )
        out = [
            {
                "ts": pd.Timestamp(int(r["timestamp"]), unit="s"),
                "gmv": _amount(r.get("gmv")),
                "currency": (r.get("gmv") or {}).get("currency"),
                "sku_orders": int(r.get("sku_orders") or 0),
                "items_sold": int(r.get("items_sold") or 0),
                "customers": int(r.get("customers") or 0),
            }
            for r in rows
        ]
        cols = ["ts", "gmv", "currency", "sku_orders", "items_sold", "customers"]
        return pd.DataFrame(out, columns=cols).sort_values("ts", ignore_index=True)

    def live_products(self, live_id: str, currency: str = "LOCAL") -> pd.DataFrame:
        """Per-product performance of a LIVE: ``product_id``, ``name``, ``direct_gmv``,
        ``currency``, ``sku_orders``, ``items_sold``, ``customers``."""
        path = PRODUCTS_PATH.format(live_id=live_id)
        rows = self._pages(path, lambda d: d.get("products") or [], currency=currency, page_size=50)
        out = []
        for p in rows:
            s = p.get("sales") or {}
            out.append(
                {
                    "product_id": str(p.get("id")),
                    "name": p.get("name"),
                    "direct_gmv": _amount(s.get("direct_gmv")),
                    "currency": (s.get("direct_gmv") or {}).get("currency"),
                    "sku_orders": int(s.get("sku_orders") or 0),
                    "items_sold": int(s.get("items_sold") or 0),
                    "customers": int(s.get("customers") or 0),
                }
            )
        cols = [
            "product_id",
            "name",
            "direct_gmv",
            "currency",
            "sku_orders",
            "items_sold",
            "customers",
        ]
        return pd.DataFrame(out, columns=cols)


def _amount(money: dict | None) -> float:
    """Amounts come as decimal strings (``{"amount": "12.30", "currency": "USD"}``)."""
    try:
        return float((money or {}).get("amount") or 0)
    except (TypeError, ValueError):
        return float("nan")


def reconcile(monitor: pd.DataFrame, platform: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The monitor's minutes (workspace ``live_minutes`` rows: minute, gmv, orders, units)
    beside the platform's (``ShopClient.live_minutes``), one row per minute since ``start``,
    with differences. A minute only one side has counts as zero on the other."""
    p = platform.assign(minute=((platform["ts"] - start) // pd.Timedelta(minutes=1)).astype(int))
    p = p.groupby("minute")[["gmv", "sku_orders", "items_sold"]].sum()
    p.columns = ["platform_gmv", "platform_orders", "platform_units"]
    m = monitor.set_index("minute")[["gmv", "orders", "units"]]
    m.columns = ["monitor_gmv", "monitor_orders", "monitor_units"]
    out = m.join(p, how="outer").fillna(0.0).sort_index()
    for k in ("gmv", "orders", "units"):
        out[f"diff_{k}"] = out[f"monitor_{k}"] - out[f"platform_{k}"]
    return out.reset_index()


def summary(rec: pd.DataFrame) -> dict[str, float]:
    """Totals of both sides and the monitor's relative gap to the platform (None when the
    platform reports zero)."""
    out: dict[str, Any] = {}
    for k in ("gmv", "orders", "units"):
        mon, plat = float(rec[f"monitor_{k}"].sum()), float(rec[f"platform_{k}"].sum())
        out[k] = {"monitor": mon, "platform": plat, "gap": (mon - plat) / plat if plat else None}
    out["minutes_off"] = int((rec["diff_gmv"].abs() > 0.005).sum())
    return out


def store(
    folder: str | Path, session_id: str, rec: pd.DataFrame, products: pd.DataFrame | None = None
) -> Path:
    """Keep a reconciliation beside the workspace: ``<folder>/platform/<session>-minutes.csv``,
    ``-products.csv`` and ``-summary.json``. Returns the summary's path."""
    d = Path(folder) / "platform"
    d.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in session_id)
    rec.to_csv(d / f"{safe}-minutes.csv", index=False)
    if products is not None:
        products.to_csv(d / f"{safe}-products.csv", index=False)
    path = d / f"{safe}-summary.json"
    path.write_text(json.dumps({"session_id": session_id, **summary(rec)}, indent=2))
    return path


def monitored_minutes(ws: Any, session_id: str) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The monitor's minutes (minute, gmv, orders, units) of a session and its actual start,
    to reconcile with the platform's; an error says to run the monitor when there are none."""
    mins = ws.query(
        "SELECT minute, gmv, orders, units FROM live_minutes WHERE session_id = ? ORDER BY minute",
        [session_id],
    )
    start = ws.query("SELECT actual_start FROM sessions WHERE session_id = ?", [session_id])
    if mins.empty or start.empty or pd.isna(start["actual_start"].iat[0]):
        raise NotFoundError(
            f"session {session_id!r} has no monitored minutes in {ws.path}: "
            f"run `livecart monitor` (or a worker) on it first"
        )
    return mins, pd.Timestamp(start["actual_start"].iat[0])


CREDENTIALS = ("app_key", "app_secret", "access_token", "shop_cipher")


def missing_credentials() -> list[str]:
    """The ``LIVECART_SHOP_*`` variables this process lacks to call the Shop API."""
    names = (f"LIVECART_SHOP_{k.upper()}" for k in CREDENTIALS)
    return [n for n in names if not os.environ.get(n)]


def shop_client(base_url: str | None = None) -> ShopClient:
    """A client with the keys from ``LIVECART_SHOP_APP_KEY``, ``_APP_SECRET``, ``_ACCESS_TOKEN``
    and ``_SHOP_CIPHER`` at ``base_url`` (default ``LIVECART_SHOP_BASE_URL``, else the Partner
    API); an error names every missing variable."""
    keys = {k: os.environ.get(f"LIVECART_SHOP_{k.upper()}", "") for k in CREDENTIALS}
    missing = missing_credentials()
    if missing:
        raise NotConfiguredError(
            f"set {', '.join(missing)} (from the TikTok Shop Partner Center app)"
        )
    url = base_url or os.environ.get("LIVECART_SHOP_BASE_URL") or BASE_URL
    return ShopClient(**keys, base_url=url)


def reconcile_session(
    ws: Any, session_id: str, live_id: str, client: ShopClient, currency: str = "LOCAL"
) -> tuple[dict[str, Any], Path]:
    """`livecart reconcile`: the monitor's minutes of ``session_id`` against TikTok Shop's for
    ``live_id``, stored under ``<workspace>/platform/``; returns the summary and its path. The
    client is closed at the end."""
    mins, start = monitored_minutes(ws, session_id)
    try:
        rec = reconcile(mins, client.live_minutes(live_id, currency), start)
        path = store(ws.path, session_id, rec, client.live_products(live_id, currency))
    finally:
        client.close()
    return summary(rec), path
