"""One settings object. Defaults, then ``livecart.toml`` in the workspace, then ``LIVECART_*``
environment variables, then what a caller (a CLI flag) passes. Every setting has help text;
docs/settings.md lists them and a test checks that each one is documented."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from livecart.errors import LivecartError


def _s(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    reporting_currency: str = _s("USD", "currency that totals across markets are shown in")
    host: str = _s(
        "127.0.0.1",
        "address `livecart serve` binds to; any other than loopback "
        "requires api_token on every route",
    )
    port: int = _s(8000, "port `livecart serve` listens on")
    allowed_hosts: str = _s(
        "",
        "extra host names `livecart serve` answers to, comma-separated (it always answers to "
        "the address it is bound to, and on loopback to localhost); others are refused "
        "against DNS rebinding",
    )
    api_token: str = _s("", "bearer token for the web API; required off loopback and for writes")
    ingest_secret: str = _s("", "shared secret that signs event batches sent to the HTTP ingest")
    duckdb_memory_limit: str = _s(
        "", "cap on DuckDB's memory, e.g. '2GB' (empty: DuckDB's default, 80% of RAM)"
    )
    import_problem_limit: int = _s(200, "most problems an import rejection lists")
    lateness_seconds: int = _s(
        120, "how late a live event may arrive and still count in its minute"
    )
    checkpoint_seconds: float = _s(
        1.0, "how often the live monitor writes its minutes and checkpoint (seconds of wall time)"
    )
    results_redis: str = _s(
        "",
        "Redis URL whose results stream `livecart serve` follows into this workspace (workers "
        "run with `livecart worker --share-results`): every worker's rooms on one dashboard "
        "(empty: none)",
    )

    query_engine: str = _s(
        "duckdb",
        "engine the read-side analytics run on: 'duckdb' (embedded) or 'spark' (needs the "
        "livecart[spark] extra and query_source)",
    )
    query_source: str = _s(
        "",
        "lake the analytics read instead of the workspace file: a folder or object-store URL "
        "(s3://bucket/prefix) with one <table>.parquet, <table>/ folder of Parquet files or "
        "<table>/ Delta table per record kind (empty: the workspace's DuckDB file)",
    )
    spark_master: str = _s(
        "local[*]", "where Spark runs: 'local[*]' (in this process) or a Spark Connect URL sc://..."
    )

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata["help"] for f in fields(cls)}

    def updated(self, **values: Any) -> Settings:
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in values.items() if k in known and v is not None})


def load_settings(workspace: Path | None = None, **overrides: Any) -> Settings:
    s = Settings()
    if workspace is not None and (workspace / "livecart.toml").exists():
        with open(workspace / "livecart.toml", "rb") as f:
            s = s.updated(**tomllib.load(f))
    env: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(f"LIVECART_{f.name.upper()}")
        if raw is not None:
            kind = {"int": int, "float": float}.get(f.type, f.type)  # annotations are strings
            try:
                env[f.name] = kind(raw) if kind in (int, float) else raw
            except ValueError:
                raise LivecartError(
                    f"LIVECART_{f.name.upper()}={raw!r} is not a number: {Settings.help()[f.name]}"
                ) from None
    return checked(s.updated(**env).updated(**overrides))


def checked(s: Settings) -> Settings:
    """``s`` if every number setting is a finite number >= 0 (NaN would pass any comparison
    and make an interval that never elapses); else LivecartError naming the setting."""
    for f in fields(Settings):
        if f.type not in ("int", "float"):
            continue
        v = getattr(s, f.name)
        whole = f.type == "int"
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or v < 0 or (whole and v != int(v)):
            kind = "whole number" if whole else "finite number"
            raise LivecartError(
                f"setting {f.name} = {v!r} is not a {kind} >= 0: fix it in the workspace's "
                f"livecart.toml or LIVECART_{f.name.upper()} ({Settings.help()[f.name]})"
            )
    return s
