"""Why a roster slot stays empty, in words a planner can act on.

A slot is empty because no professional host serves its market, because every host who does is
off that day or outside their hours (availability), or because every host who could take it is
already used (another room at the same time or within the rest gap, or their hours a day or a
week). ``gap_reasons`` gives each empty slot its reason; ``empty_days`` says it once per market
and day that has no shift at all (the week's calendar would otherwise just show a blank day).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from livecart.hosts.roster_request import RosterHost, RosterRequest, Slot, host_day

DAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def _hhmm(hours: float) -> str:
    return f"{int(hours):02d}:{int(round((hours - int(hours)) * 60)):02d}"


def _off_reason(h: RosterHost, s: Slot, detail: bool) -> str:
    """Why ``h`` cannot take ``s`` by their availability (the host's own zone)."""
    local = s.start_utc.astimezone(ZoneInfo(h.timezone))
    window = h.windows.get(local.weekday())
    there = f" (the slot is {local:%a %H:%M} in {h.timezone})" if h.timezone != s.timezone else ""
    if window is None:
        return f"{h.host_id} is off on {DAY_NAMES[local.weekday()]}" + (there if detail else "")
    hours = f"{h.host_id} works {_hhmm(window[0])}-{_hhmm(window[1])} {h.timezone} that day"
    end = local + dt.timedelta(minutes=s.minutes)
    return hours + (f" and the slot runs {local:%H:%M}-{end:%H:%M} there" if detail else "")


def _busy_reason(req: RosterRequest, i: int, j: int, taken: dict[int, list[int]]) -> str:
    """Why host ``i``, who may work slot ``j``, has no room left for it in the roster."""
    h, s = req.hosts[i], req.slots[j]
    gap = dt.timedelta(hours=req.rest_hours)
    for k in taken.get(i, []):
        o = req.slots[k]
        if s.start_utc < o.end_utc + gap and o.start_utc < s.end_utc + gap:
            overlap = s.start_utc < o.end_utc and o.start_utc < s.end_utc
            rest = "" if overlap else f" ({req.rest_hours:g} h rest between shifts)"
            return f"{h.host_id} runs {o.market} at {o.start_local:%H:%M}{rest}"
    day = host_day(h, s)
    mine = taken.get(i, [])
    day_min = sum(req.slots[k].minutes for k in mine if host_day(h, req.slots[k]) == day)
    if day_min + s.minutes > h.max_hours_day * 60 + 1e-9:
        return f"{h.host_id} is rostered for their {h.max_hours_day:g} hours that day"
    if sum(req.slots[k].minutes for k in mine) + s.minutes > h.max_hours_week * 60 + 1e-9:
        return f"{h.host_id} is rostered for their {h.max_hours_week:g} hours that week"
    return f"{h.host_id} was free but the slot adds no expected GMV"


class _Gaps:
    """The roster's empty slots and, per serving host, why they did not take each one."""

    def __init__(self, req: RosterRequest, chosen: list[tuple[int, int]]) -> None:
        self.req, self.ok = req, req.allowed()
        self.filled = {j for _i, j in chosen}
        self.taken: dict[int, list[int]] = {}
        for i, j in chosen:
            self.taken.setdefault(i, []).append(j)

    def serving(self, j: int) -> list[int]:
        return [i for i, h in enumerate(self.req.hosts) if self.req.slots[j].market in h.markets]

    def host_reason(self, i: int, j: int, detail: bool = True) -> str:
        if self.ok[i, j]:
            return _busy_reason(self.req, i, j, self.taken)
        return _off_reason(self.req.hosts[i], self.req.slots[j], detail)

    def slot_reason(self, j: int) -> str:
        m = self.req.slots[j].market
        serving = self.serving(j)
        if not serving:
            return f"no professional host serves {m}"
        return f"no {m} host can take it: " + "; ".join(self.host_reason(i, j) for i in serving)


def gap_reasons(req: RosterRequest, chosen: list[tuple[int, int]]) -> dict[int, str]:
    """The reason each slot without a host is empty, by slot index."""
    g = _Gaps(req, chosen)
    return {j: g.slot_reason(j) for j in range(len(req.slots)) if j not in g.filled}


def empty_days(req: RosterRequest, chosen: list[tuple[int, int]]) -> list[dict[str, str]]:
    """Each market and local day without any shift (market, day, reason): why, host by host."""
    g = _Gaps(req, chosen)
    days: dict[tuple[str, dt.date], list[int]] = {}
    for j, s in enumerate(req.slots):
        days.setdefault((s.market, s.start_local.date()), []).append(j)
    notes = []
    for (market, day), idx in sorted(days.items()):
        if any(j in g.filled for j in idx):
            continue
        serving = g.serving(idx[0])
        if not serving:
            why = f"no professional host serves {market}"
        else:
            per_host = [
                ", ".join(dict.fromkeys(g.host_reason(i, j, detail=False) for j in idx))
                for i in serving
            ]
            why = "; ".join(per_host)
        notes.append({"market": market, "day": day.isoformat(), "reason": why})
    return notes


def day_note(gap: dict[str, str]) -> str:
    day = dt.date.fromisoformat(gap["day"])
    return f"{gap['market']} has no shift on {day:%a %Y-%m-%d}: {gap['reason']}"
