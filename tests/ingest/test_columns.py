"""Column maps: livecart names and Seller Center headers, case- and space-insensitive."""

from __future__ import annotations

import pyarrow as pa

from livecart.ingest.columns import candidates, map_columns, market_codes, normalise_header
from livecart.model.schema import KINDS, kind


def test_headers_match_ignoring_case_spaces_and_underscores():
    m = map_columns(kind("orders"), [" ORDER  id", "sku_id", "Quantity", "created time", "Zip"])
    assert m.sources["order_id"] == (0, " ORDER  id")
    assert m.sources["created_at"][1] == "created time"
    assert m.ignored == ["Zip"] and m.missing_required == []


def test_livecart_name_wins_over_an_alias_for_the_same_column():
    m = map_columns(kind("sessions"), ["Attributed GMV", "GMV"])  # "GMV" is gmv's own name
    assert m.sources["gmv"] == (1, "GMV") and m.ignored == ["Attributed GMV"]
    m = map_columns(kind("sessions"), ["Attributed GMV", "Room Title", "LIVE name"])
    assert m.sources["title"] == (1, "Room Title") and m.ignored == ["LIVE name"]


def test_missing_required_columns_are_listed():
    assert map_columns(kind("orders"), ["Order ID"]).missing_required == [
        "sku_id",
        "quantity",
        "created_at",
    ]


def test_no_header_names_two_columns_of_one_kind():
    for k in KINDS.values():
        seen: dict[str, str] = {}
        for c in k.columns:
            for name in {normalise_header(n) for n in (c.name, *c.aliases)}:
                assert seen.setdefault(name, c.name) == c.name, (k.name, name)
        assert set(candidates(k)) == set(seen)


def test_country_names_become_market_codes():
    got = market_codes(
        pa.array(["United States", "united kingdom", "Viet Nam", "th", "US", None, "Atlantis"])
    )
    assert got.to_pylist() == ["US", "UK", "VN", "TH", "US", None, "Atlantis"]
