"""Roster exports: a CSV of every shift, and an iCalendar file (RFC 5545) per host that a
calendar app can import or subscribe to. Written by hand: CRLF line ends, lines folded at 75
octets, text escaped, times in UTC (``...Z``), one stable UID per shift so a re-published file
updates events instead of duplicating them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

PRODID = "-//livecart//hosts roster//EN"


def write_csv(assignments: pd.DataFrame, path: Path) -> None:
    assignments.to_csv(path, index=False)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (continuation lines start with one space)."""
    out, cur = [], b""
    for ch in line:
        b = ch.encode()
        limit = 75 if not out else 74
        if len(cur) + len(b) > limit:
            out.append(cur.decode())
            cur = b""
        cur += b
    out.append(cur.decode())
    return "\r\n ".join(out)


def _utc(text: str) -> str:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%dT%H%M%SZ")


def ics_text(assignments: pd.DataFrame, name: str, stamp: dt.datetime | None = None) -> str:
    """One VCALENDAR with a VEVENT per shift."""
    now = (stamp or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for r in assignments.itertuples(index=False):
        uid = f"{r.host_id}-{r.market}-{_utc(r.start_utc)}@livecart"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_utc(r.start_utc)}",
            f"DTEND:{_utc(r.end_utc)}",
            f"SUMMARY:{_escape(f'{r.market} store live ({r.host_id})')}",
            "DESCRIPTION:"
            + _escape(
                f"{r.market} room, {r.start_local} to {r.end_local} {r.timezone}; expected GMV "
                f"{r.expected_gmv:,.0f} {r.currency}"
            ),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(x) + "\r\n" for x in lines)


def write_ics(assignments: pd.DataFrame, folder: Path) -> list[Path]:
    """One ``<host>.ics`` per host in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for host, rows in assignments.groupby("host_id"):
        p = folder / f"{host}.ics"
        p.write_bytes(ics_text(rows, f"livecart roster: {host}").encode())
        out.append(p)
    return out
