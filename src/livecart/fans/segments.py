"""CRM segments of buyers from their value model, each with size, value and a suggested action,
and their export as a CRM CSV or a TikTok Ads customer-file audience.

Segments (first match wins): ``new`` (first purchase in the last 30 days, no repeat yet),
``lapsed`` (P(alive) < 0.2), ``active_fans`` (follower or fan club, P(alive) >= 0.6),
``at_risk_fans`` (follower or fan club, P(alive) below 0.6), ``high_value_non_followers`` (the
top fifth of non-followers by expected value: worth inviting to follow and to the fan club) and
``other_non_followers``.

TikTok Ads customer files: CSV, a header row, one identifier a line, at least 1,000 rows. With
the brand's contacts (buyer_id, email and/or phone) the identifiers are SHA-256 of the
normalised email (trimmed, lower case) or phone (E.164: digits with a leading +); without them
the file lists buyer ids, which only the brand's own CRM can match.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from livecart.errors import ConflictError, LivecartError
from livecart.fans.value import ValueModel, segment_value

TIKTOK_MIN_ROWS = 1000
ACTIONS = {
    "new": "welcome them: invite to follow the account and to the fan club after the first order",
    "active_fans": "reward: early access to lives, fan-club exclusives, ask for reviews",
    "at_risk_fans": "bring back before they slip: fan-club perk or a reminder of the next live",
    "lapsed": "win-back offer once, then stop spending on them",
    "high_value_non_followers": "invite to follow and join the fan club (see the fan uplift)",
    "other_non_followers": "retarget with For You lives; low priority",
}
SEGMENTS = tuple(ACTIONS)


class SegmentTooSmall(ConflictError):
    """A segment below the platform's minimum audience size."""


def assign_segments(vm: ValueModel, end_day: int) -> pd.Series:
    b = vm.buyers
    fan = (b["follower_now"] + b["fan_club_now"]) > 0
    new = (b["x"] == 0) & (b["first_day"] >= end_day - 30)
    non = ~fan
    cut = b.loc[non, "value"].quantile(0.8) if non.any() else np.inf
    conds = [
        new,
        b["p_alive"] < 0.2,
        fan & (b["p_alive"] >= 0.6),
        fan,
        non & (b["value"] >= cut),
    ]
    order = ["new", "lapsed", "active_fans", "at_risk_fans", "high_value_non_followers"]
    names = np.select(conds, order, "other_non_followers")
    return pd.Series(names, index=b.index, name="segment")


def segment_table(vm: ValueModel, segments: pd.Series) -> pd.DataFrame:
    """Size, mean P(alive), expected purchases and value (80% interval) and action per segment."""
    t = segment_value(vm, segments).set_index("segment").reindex(SEGMENTS)
    t["buyers"] = t["buyers"].fillna(0).astype(int)
    t["action"] = [ACTIONS[s] for s in t.index]
    t["exportable_to_tiktok"] = t["buyers"] >= TIKTOK_MIN_ROWS
    return t.reset_index()


def crm_csv(vm: ValueModel, segments: pd.Series, name: str, contacts=None) -> str:
    rows = _members(vm, segments, name)
    out = rows[["market", "p_alive", "expected_purchases", "value", "value_lo", "value_hi"]]
    out = out.assign(
        segment=name,
        follower=rows["follower_now"].astype(int),
        fan_club=rows["fan_club_now"].astype(int),
    )
    if contacts is not None:
        out = out.join(contacts.set_index("buyer_id")[_contact_cols(contacts)], how="left")
    return out.round(4).rename_axis("buyer_id").to_csv()


def tiktok_audience(vm: ValueModel, segments: pd.Series, name: str, contacts=None) -> str:
    """The segment as a TikTok Ads customer file; refuses fewer than 1,000 identifiers."""
    ids = _members(vm, segments, name).index
    header, values = "buyer_id", pd.Series(ids)
    if contacts is not None:
        c = contacts.set_index("buyer_id").reindex(ids)
        for col, head, norm in (
            ("email", "Email_SHA256", _email),
            ("phone", "Phone_SHA256", _phone),
        ):
            if col in c and c[col].notna().any():
                got = c[col].dropna().map(norm).dropna()
                header, values = head, got.map(_sha256)
                break
    values = values.drop_duplicates()
    if len(values) < TIKTOK_MIN_ROWS:
        raise SegmentTooSmall(
            f"segment {name!r} has {len(values)} identifiers ({header}); TikTok Ads needs at "
            f"least {TIKTOK_MIN_ROWS:,} rows for a customer-file audience. Export it as CRM CSV "
            "(--format crm) or merge it with a neighbouring segment",
            dashboard=f"segment {name!r} has {len(values)} identifiers ({header}); TikTok Ads "
            f"needs at least {TIKTOK_MIN_ROWS:,} rows for a customer-file audience. Choose CRM "
            "CSV instead, or merge it with a neighbouring segment",
        )
    buf = io.StringIO()
    buf.write(header + "\n")
    buf.write("\n".join(values.astype(str)) + "\n")
    return buf.getvalue()


def read_contacts(source: str | Path | IO[bytes], name: str = "contacts") -> pd.DataFrame:
    """A brand's contact file (``name`` in messages): CSV with a header row, ``buyer_id`` and
    ``email`` and/or ``phone``, every value read as text; refused with what to fix."""
    try:
        c = pd.read_csv(source, dtype=str)
    except (ValueError, UnicodeDecodeError) as e:  # pandas' parser and empty-file errors
        raise LivecartError(
            f"{name} is not a readable CSV ({str(e).splitlines()[0]}): save it as CSV (UTF-8) "
            "with a header row: buyer_id and email and/or phone"
        ) from e
    c.columns = [str(col).strip().lower() for col in c.columns]
    if "buyer_id" not in c or not _contact_cols(c):
        lacks = "buyer_id column" if "buyer_id" not in c else "email or phone column"
        raise LivecartError(
            f"{name} has no {lacks} (its columns: {', '.join(c.columns) or 'none'}): a contact "
            "file needs buyer_id and email and/or phone, one buyer a row"
        )
    return c


def _members(vm: ValueModel, segments: pd.Series, name: str) -> pd.DataFrame:
    if name not in SEGMENTS:
        raise LivecartError(f"unknown segment {name!r}; choose one of: {', '.join(SEGMENTS)}")
    return vm.buyers[segments.reindex(vm.buyers.index) == name]


def _contact_cols(contacts: pd.DataFrame) -> list[str]:
    return [c for c in ("email", "phone") if c in contacts]


def _email(v: str) -> str | None:
    v = str(v).strip().lower()
    return v if "@" in v else None


def _phone(v: str) -> str | None:
    digits = "".join(ch for ch in str(v) if ch.isdigit())
    return "+" + digits if 7 <= len(digits) <= 15 else None


def _sha256(v: str) -> str:
    return hashlib.sha256(v.encode()).hexdigest()
