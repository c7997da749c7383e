"""Column maps: which column of a file feeds which column of a record kind.

A file's header is matched against livecart's own column names and the ``aliases`` declared in
``livecart.model.schema`` (chiefly TikTok Shop Seller Center export headers), ignoring case,
spaces and underscores: ``Order ID``, ``order_id`` and ``ORDERID`` all name ``order_id``. When two
file columns name the same livecart column, livecart's own name wins, then the alias declared
first; the loser is ignored (and listed as ignored). Unmatched file columns are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from livecart.model.schema import Kind

# Country names in Seller Center exports -> livecart market codes.
COUNTRY_CODES = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "united kingdom": "UK",
    "great britain": "UK",
    "gb": "UK",
    "indonesia": "ID",
    "thailand": "TH",
    "malaysia": "MY",
    "philippines": "PH",
    "vietnam": "VN",
    "viet nam": "VN",
    "singapore": "SG",
    "mexico": "MX",
    "brazil": "BR",
    "japan": "JP",
    "spain": "ES",
    "germany": "DE",
    "france": "FR",
    "italy": "IT",
}


def normalise_header(name: object) -> str:
    """``' Order  ID '`` -> ``'orderid'``: case, spaces and underscores do not matter."""
    return re.sub(r"[\s_\ufeff]+", "", str(name or "")).lower()


@dataclass
class ColumnMap:
    """How one file's header maps onto a kind. ``sources`` maps a livecart column to the file
    column (its position and header) that feeds it."""

    kind: Kind
    header: list[str]
    sources: dict[str, tuple[int, str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        return [
            c.name
            for c in self.kind.columns
            if c.required and c.default is None and c.name not in self.sources
        ]

    def file_column(self, name: str) -> str:
        """The file's own header for a livecart column (for problem messages)."""
        return self.sources[name][1] if name in self.sources else name


def candidates(kind: Kind) -> dict[str, tuple[str, int]]:
    """normalised header -> (livecart column, rank); rank 0 is livecart's own name."""
    out: dict[str, tuple[str, int]] = {}
    for col in kind.columns:
        for rank, name in enumerate((col.name, *col.aliases)):
            key = normalise_header(name)
            if key not in out or rank < out[key][1]:
                out[key] = (col.name, rank)
    return out


def map_columns(kind: Kind, header: list[str]) -> ColumnMap:
    """Match a file's header against ``kind``; see the module docstring for the rules."""
    table = candidates(kind)
    best: dict[str, tuple[int, int, str]] = {}  # livecart column -> (rank, position, header)
    cmap = ColumnMap(kind, [str(h) for h in header])
    for pos, raw in enumerate(cmap.header):
        hit = table.get(normalise_header(raw))
        if hit is None:
            if raw.strip():  # blank headers (trailing separators) are not worth listing
                cmap.ignored.append(raw)
            continue
        name, rank = hit
        if name in best and best[name][0] <= rank:
            cmap.ignored.append(raw)
            continue
        if name in best:
            cmap.ignored.append(best[name][2])
        best[name] = (rank, pos, raw)
    cmap.sources = {name: (pos, raw) for name, (_, pos, raw) in best.items()}
    cmap.ignored = [h for h in cmap.header if h in cmap.ignored]
    return cmap


def market_codes(arr: pa.Array) -> pa.Array:
    """Market values as codes: country names ('United States') become codes ('US'); two- or
    three-letter codes are upper-cased; anything else is left for the reference check."""
    lower = pc.utf8_lower(arr)
    named = pc.take(
        pa.array(list(COUNTRY_CODES.values())), pc.index_in(lower, pa.array(list(COUNTRY_CODES)))
    )
    short = pc.fill_null(pc.match_substring_regex(arr, r"^[A-Za-z]{2,3}$"), False)
    return pc.coalesce(named, pc.if_else(short, pc.utf8_upper(arr), arr))
