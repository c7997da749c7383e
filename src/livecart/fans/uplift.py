"""What joining is worth: a naive fan-vs-non-fan comparison beside an estimate that is not
fooled by selection.

Heavier buyers buy more often and so get more chances to follow or join the fan club: comparing
the purchase rates of fans and non-fans (the **naive** figure) mixes that selection with the
effect of joining. The **adjusted** figure compares each buyer who joined after her first
purchase with non-joiners who, on a purchase day, had the same behaviour before (matched
exactly on the number of purchase days so far, weeks since the first purchase in 4-week bins,
days since the previous purchase in bins, and for the fan club whether she followed from the
start). A control may join later inside the window; her purchases after that are dropped and
the ones before it weighted by the inverse chance of not having joined yet,
``(1 - q)^-(purchases since)``, with ``q`` the observed chance of joining at a purchase (joins
happen when buying; dropping such controls whole would keep the ones who bought less). The
before-windows of the two groups are alike by construction (the balance ratio
reports it), so the difference in the after-window is the difference in differences. Uplift is
``purchases in the W weeks after joining / matched counterfactual - 1`` over all joins with a
full window (the effect on those who joined). Intervals: Poisson bootstrap over buyers.

Events are orders at their exact times when the workspace has them (joins are snapped to the
order they were made at, within an hour), else purchase days. Counting days would hide part of
the selection: a heavy buyer's day with two orders gives two chances to join.

The identifying assumption: given the behaviour before, joining is as good as random (no
selection on what is not in the purchase history). The demo simulator satisfies it; a real shop
may not exactly, so read the adjusted figure as the effect net of the selection the history
reveals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from livecart.errors import FitError
from livecart.fans.purchases import Purchases

KINDS = {"follower": "follow_day", "fan_club": "fan_club_day"}


@dataclass(frozen=True)
class Uplift:
    kind: str
    window_weeks: int
    naive: float
    naive_interval: tuple[float, float]
    adjusted: float
    adjusted_interval: tuple[float, float]
    level: float
    joins: int  # late joins with a full window and matched controls
    controls: int  # control purchase days used
    balance: float  # before-window purchases of joiners / matched controls (1 = balanced)

    def to_dict(self) -> dict:
        return asdict(self)


def fan_uplift(
    p: Purchases,
    kind: str = "fan_club",
    *,
    window_weeks: int = 13,
    level: float = 0.8,
    n_boot: int = 300,
    seed: int = 0,
) -> Uplift:
    """Naive and adjusted uplift in purchases of following (``kind="follower"``) or joining the
    fan club, with ``level`` bootstrap intervals."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}")
    if not p.has_follow_data:
        raise FitError(
            "no follow or fan-club data in this workspace: import the buyers table "
            "(followed_at, fan_club_joined_at) to estimate what a fan is worth"
        )
    w = window_weeks * 7
    ev, kept, chances = _events(p, kind, w)
    joins = ev[ev["joined"]]
    if len(joins) < 20:
        raise FitError(
            f"{len(joins)} buyers joined ({kind}) after a first purchase with {window_weeks} "
            "weeks of data after it; need at least 20 to estimate the effect of joining"
        )
    r = _buyer_rates(p, kind)
    rates = {
        "b": r["b"].to_numpy(np.int64),
        "fan": r["fan"].to_numpy(bool),
        "repeats": r["repeats"].to_numpy(float),
        "weeks": r["weeks"].to_numpy(float),
    }
    rng = np.random.default_rng(seed)
    n_buyers = int(max(ev["b"].max(), rates["b"].max(), chances["b"].max())) + 1
    boot = rng.poisson(1.0, size=(n_boot, n_buyers)).astype(float)
    ev = {c: ev[c].to_numpy() for c in ev.columns}
    ch = {c: chances[c].to_numpy() for c in chances.columns}
    kept = kept[~ev["joined"]].astype(float)  # only the controls' windows are reweighted
    adj, se, ctrl, bal = _adjusted(ev, kept, ch, np.ones(n_buyers))
    adj_b = np.array([_adjusted(ev, kept, ch, wt)[:2] for wt in boot])
    naive = _naive(rates, np.ones(n_buyers))
    naive_b = _naive_resampled(rates, boot)
    q = [(1 - level) / 2, (1 + level) / 2]
    return Uplift(
        kind,
        window_weeks,
        naive,
        tuple(np.nanquantile(naive_b, q).tolist()),
        adj,
        _studentized(adj, se, adj_b[:, 0], adj_b[:, 1], level),
        level,
        int(len(joins)),
        ctrl,
        bal,
    )


def _exact(p: Purchases) -> bool:
    return p.orders is not None and "follow_t" in p.buyers


def _status_days(p: Purchases, kind: str) -> pd.DataFrame:
    b = p.buyers.reset_index(drop=True)
    unit = "t" if _exact(p) else "day"
    col = KINDS[kind].replace("_day", f"_{unit}")
    return pd.DataFrame(
        {
            "buyer_id": b["buyer_id"],
            "b": np.arange(len(b)),
            "first": b["first_day"].to_numpy(float),
            "join": b[col].to_numpy(),
            "follow": b[f"follow_{unit}"].to_numpy(),
        }
    )


def _snap(d: pd.DataFrame, when: np.ndarray) -> np.ndarray:
    """A join time moved to the order it was made at (the buyer's last order up to an hour
    before it), so "joined at this order" is an equality; other join times are kept."""
    t, b = d["day"].to_numpy(), d["b"].to_numpy()
    at = (when >= t) & (when - t <= 1 / 24)
    # the last qualifying order of each buyer: the next row is another buyer or does not qualify
    nxt_same = np.r_[b[1:] == b[:-1], False]
    nxt_at = np.r_[at[1:], False]
    last = at & ~(nxt_same & nxt_at)
    snapped = pd.Series(t[last], index=b[last])
    snapped = snapped[~snapped.index.duplicated(keep="last")]
    out = when.copy()
    has = pd.Series(b).map(snapped).to_numpy(float)
    return np.where(np.isnan(has), out, has)


def _events(p: Purchases, kind: str, w: int) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """One row per eligible purchase: the joiners' joins and the controls' purchases, with the
    before-behaviour cell and purchases in the windows before and after; beside it, which of a
    row's next purchases in the window came before any join of hers (`_kept_after`), and every
    chance to join (buyer, stratum, joined), from which the join chance ``q`` is estimated."""
    s = _status_days(p, kind)
    if _exact(p):
        d = p.orders[["buyer_id", "t"]].rename(columns={"t": "day"}).merge(s, on="buyer_id")
        d = d.sort_values(["b", "day"]).reset_index(drop=True)
        d["first"] = d.groupby("b")["day"].transform("min")
        d["join"] = _snap(d, d["join"].to_numpy())
        d["follow"] = _snap(d, d["follow"].to_numpy())
    else:
        d = p.days[["buyer_id", "day"]].merge(s, on="buyer_id")
        d = d.sort_values(["b", "day"]).reset_index(drop=True)
    d["k"] = d.groupby("b").cumcount() + 1
    d["prev"] = d.groupby("b")["day"].shift(1)
    after = _count_in(d, w, ahead=True)
    before = _count_in(d, w, ahead=False)
    d = d.assign(after=after, before=before)
    elig_any = (d["day"] > d["first"]) & (d["join"].isna() | (d["join"] >= d["day"]))
    if kind == "fan_club":
        elig_any &= d["follow"] <= d["day"]
    # the chance of joining at a purchase differs by stratum (for the fan club: followed from
    # the start or later)
    d["stratum"] = (d["follow"] <= d["first"]).astype(int) if kind == "fan_club" else 0
    joined = d["join"] == d["day"]
    chances = pd.DataFrame({"b": d["b"], "stratum": d["stratum"], "hit": joined})[
        elig_any.to_numpy()
    ]
    kept = _kept_after(d, after)
    late = d["join"] > d["first"]
    eligible = (d["day"] + w < p.end_day) & (d["day"] > d["first"])
    if kind == "fan_club":  # the fan club is open to followers
        eligible &= d["follow"] <= d["day"]
    # controls have not joined yet on that day; some join later in the window (excluding them
    # would keep the ones who bought less, since joins happen when buying)
    not_yet = d["join"].isna() | (d["join"] > d["day"])
    d["joined"] = joined & late
    rows = (eligible & ((joined & late) | not_yet)).to_numpy()
    d = d[rows]
    age = (d["day"] - d["first"]) // 28
    gap = d["day"] - d["prev"]
    gap_bin = np.select([gap <= 7, gap <= 28, gap <= 91], [0, 1, 2], 3)
    from_start = (d["follow"] <= d["first"]).astype(int) if kind == "fan_club" else 0
    d = d.assign(cell=_cell_ids(np.minimum(d["k"], 8), age, gap_bin, from_start))
    return d[["b", "cell", "joined", "after", "before", "stratum"]], kept[rows], chances


def _kept_after(d: pd.DataFrame, after: np.ndarray) -> np.ndarray:
    """``kept[row, o - 1]``: the o-th purchase after the row's is in its window and not after
    the buyer's join (a control's purchases once she joined are not a non-joiner's)."""
    n_o = int(after.max(initial=0))
    kept = np.zeros((len(d), max(n_o, 1)), bool)
    day, join = d["day"].to_numpy(), d["join"].to_numpy()
    for o in range(1, n_o + 1):
        rows = np.flatnonzero(after >= o)
        later = day[rows + o]
        kept[rows, o - 1] = np.isnan(join[rows]) | (later <= join[rows])
    return kept


def _join_chances(ch: dict[str, np.ndarray], wt: np.ndarray) -> np.ndarray:
    """The chance of joining at a purchase in each stratum, with buyer weights ``wt``."""
    w = wt[ch["b"]]
    n = np.bincount(ch["stratum"], w, minlength=2)
    hits = np.bincount(ch["stratum"], w * ch["hit"], minlength=2)
    return hits / np.maximum(n, 1e-300)


def _after_unjoined(kept: np.ndarray, stratum: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Purchases in the window up to the buyer's join, the o-th weighted by ``(1 - q)^-(o - 1)``
    (the inverse chance she had not joined at the o - 1 before it); ``kept`` as floats."""
    powers = (1 - q[None, :]) ** -np.arange(kept.shape[1])[:, None]
    return (kept @ powers)[np.arange(len(kept)), stratum]


def _count_in(d: pd.DataFrame, w: int, *, ahead: bool) -> np.ndarray:
    """Purchase days of the same buyer in (day, day + w] or [day - w, day)."""
    key = d["b"].to_numpy() * 10**6 + d["day"].to_numpy()
    if ahead:
        hi = np.searchsorted(key, key + w, side="right")
        return hi - np.arange(len(d)) - 1
    lo = np.searchsorted(key, key - w, side="left")
    return np.arange(len(d)) - lo


def _cell_ids(*cols) -> np.ndarray:
    frame = pd.DataFrame({i: np.asarray(c) for i, c in enumerate(cols)})
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()


def _studentized(
    est: float, se: float, draws: np.ndarray, ses: np.ndarray, level: float
) -> tuple[float, float]:
    """Bootstrap-t interval for the uplift on the log scale of ``1 + uplift`` (Efron and
    Tibshirani 1993, ch. 12): each resample's error over its own standard error, so a sample
    that happens to hold heavy buyers gets the wider interval it needs. The percentile interval
    keeps the sample's skew the wrong way round and covered the fan-club truth on 70% of 40
    seeds for a nominal 80%."""
    t = (np.log1p(draws) - np.log1p(est)) / ses
    t_lo, t_hi = np.nanquantile(t[np.isfinite(t)], [(1 - level) / 2, (1 + level) / 2])
    centre = np.log1p(est)
    return float(np.expm1(centre - t_hi * se)), float(np.expm1(centre - t_lo * se))


def _adjusted(
    ev: dict[str, np.ndarray], kept: np.ndarray, ch: dict[str, np.ndarray], wt: np.ndarray
) -> tuple[float, float, int, float]:
    """Matched uplift with buyer weights ``wt`` (bootstrap; ``kept`` of the controls), the
    standard error of
    ``log(1 + uplift)`` by linearisation over buyers, controls used, balance ratio. The join
    chance behind the controls' weights is estimated again with the same weights."""
    w = wt[ev["b"]]
    j = ev["joined"]
    after_ipw = np.zeros(len(j))
    after_ipw[~j] = _after_unjoined(kept, ev["stratum"][~j], _join_chances(ch, wt))
    cell = ev["cell"]
    n = int(cell.max()) + 1
    c_n = np.bincount(cell[~j], w[~j], n)
    c_after = np.bincount(cell[~j], (w * after_ipw)[~j], n)
    c_before = np.bincount(cell[~j], (w * ev["before"])[~j], n)
    ok = j & (c_n[cell] > 0)
    cf = (c_after / np.maximum(c_n, 1e-300))[cell[ok]]
    cf_before = (c_before / np.maximum(c_n, 1e-300))[cell[ok]]
    y = ev["after"][ok]
    yb = ev["before"][ok]
    wj = w[ok]
    denom = float(np.sum(wj * cf))
    uplift = float(np.sum(wj * y)) / denom - 1 if denom > 0 else float("nan")
    bal_d = float(np.sum(wj * cf_before))
    balance = float(np.sum(wj * yb)) / bal_d if bal_d > 0 else float("nan")
    ctrl = ~j & (c_n[cell] > 0)
    # influence of each row on the ratio: a joiner's own purchases against her counterfactual,
    # a control's through the mean of her cell (weighted by the joiners matched to it)
    ratio = uplift + 1
    m_c = np.bincount(cell[ok], wj, n)
    per_c = c_after / np.maximum(c_n, 1e-300)
    infl = np.zeros(len(j))
    infl[ok] = y - ratio * cf
    cc = cell[ctrl]
    infl[ctrl] = -ratio * m_c[cc] / c_n[cc] * (after_ipw[ctrl] - per_c[cc])
    per_buyer = np.bincount(ev["b"], infl, minlength=len(wt))
    se = float(np.sqrt(np.sum(wt * per_buyer**2)) / denom / ratio) if denom > 0 else np.nan
    return uplift, se, int(ctrl.sum()), balance


def _buyer_rates(p: Purchases, kind: str) -> pd.DataFrame:
    """Repeat purchase days per week of each eligible buyer and whether she is a fan now."""
    s = _status_days(p, kind)
    n = (p.orders if _exact(p) else p.days).groupby("buyer_id").size().rename("n")
    s = s.merge(n, left_on="buyer_id", right_index=True)
    weeks = (p.end_day - s["first"] - 0.5) / 7
    eligible = s["follow"].notna() if kind == "fan_club" else np.ones(len(s), bool)
    s = s[eligible & (weeks > 0)]
    return pd.DataFrame(
        {
            "b": s["b"].to_numpy(),
            "fan": s["join"].notna().to_numpy(),
            "repeats": (s["n"] - 1).to_numpy(),
            "weeks": weeks[eligible & (weeks > 0)].to_numpy(),
        }
    )


def _naive(r: dict[str, np.ndarray], wt: np.ndarray) -> float:
    """Fans' repeat purchases per week over non-fans' - 1, buyers as they are today."""
    w = wt[r["b"]]
    fan = r["fan"]
    reps, weeks = r["repeats"], r["weeks"]
    f = np.sum(w[fan] * reps[fan]) / np.sum(w[fan] * weeks[fan])
    o = np.sum(w[~fan] * reps[~fan]) / np.sum(w[~fan] * weeks[~fan])
    return float(f / o - 1)


def _naive_resampled(r: dict[str, np.ndarray], boot: np.ndarray) -> np.ndarray:
    """``_naive`` under each row of buyer weights ``boot``: one matrix product a sum instead
    of a pass over the buyers a resample (equal to 1e-12)."""
    n, fan = boot.shape[1], r["fan"]
    sums = [
        boot @ np.bincount(r["b"][m], r[k][m], minlength=n)
        for m in (fan, ~fan)
        for k in ("repeats", "weeks")
    ]
    return sums[0] / sums[1] / (sums[2] / sums[3]) - 1
