"""The host performance model: how much traffic a host brings and how well they convert, per
category, separated from the products' own fit and from ad spend, with partial pooling.

Two Gaussian mixed models on the log scale (``mixed.fit_mixed``, REML):

- **traffic**: ``log views = market + host kind + b1 log(1 + room followers) + b2 log(1 + ad
  spend) + b3 log minutes + weekday + local hour + u_host + u_market x weekday + u_market x hour
  + e``. ``u_host`` is what the host brings beyond their room's followers and the ads;
- **conversion**: per live x category, ``log((units + 0.5) / exposure) = market + category +
  kind x category + c1 log views + c2 log minutes + c3 log line-up size +
  s_host + a_host,category + live + m_market,category + e``, where exposure sums each line-up
  product's pinned minutes times its fit from the product-testing model (an input, not
  re-learned), corrected by how the product sold beside the other products of its category in
  the same lives (``product_offsets``: a shrunken per-SKU x market offset that no host effect
  can leak into). ``m_market,category`` is a random market x category shift (the fit
  estimates of a market's category are often off together, by ~0.2 on the log scale, and a
  professional host who only works in that market would otherwise carry it). The host x category
  effect is ``kind x category + s_host + a_host,category``: a host with few lives is pulled
  towards the mean of their kind in that category (the variance of ``s`` is fitted per kind,
  so steady professional hosts are pooled harder than influencers), and a host with no lives
  at all gets their kind's mean with its whole spread as the interval.

Every effect is reported with an 80% interval from the mixed-model equations' covariance
(fixed-effect uncertainty included), averaged over draws of the variance components from
their posterior (REML likelihood, half-normal priors on the standard deviations): with 3 to
10 hosts of a kind a plug-in estimate of a kind's spread is often ~0, and intervals that
trust it cover the truth about 73% of the time instead of 80%. Effects are on the log scale;
``exp`` of a difference is a multiplier of units sold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from livecart.errors import ConflictError
from livecart.hosts.history import HOST_KINDS, HostHistory, category_cells
from livecart.hosts.mixed import Block, MixedFit, fit_mixed, full_rank_columns
from livecart.hosts.product_offsets import product_offsets, with_offsets

PSEUDO = 0.5


class NoLivesError(ConflictError):
    """The workspace has no lives with views to learn hosts from."""


@dataclass
class _Design:
    columns: list[str]
    fit: MixedFit
    levels: list[dict[str, int]]  # per block: level name -> index


def _conv_features(f: pd.DataFrame, markets: list[str], cats: list[str]) -> pd.DataFrame:
    x = pd.DataFrame({"const": 1.0}, index=f.index)
    for m in markets[1:]:
        x[f"m_{m}"] = (f["market"] == m).astype(float)
    for c in cats[1:]:
        x[f"c_{c}"] = (f["category"] == c).astype(float)
    for k in HOST_KINDS:
        for c in cats:
            x[f"k_{k}_{c}"] = ((f["host_kind"] == k) & (f["category"] == c)).astype(float)
    x["log_views"] = np.log(f["views"].clip(lower=1))
    x["log_minutes"] = np.log(f["minutes"].clip(lower=1))
    x["log_n"] = np.log(f["n_products"].clip(lower=1))
    return x


def _views_features(f: pd.DataFrame, markets: list[str]) -> pd.DataFrame:
    x = pd.DataFrame({"const": 1.0}, index=f.index)
    for m in markets[1:]:
        x[f"m_{m}"] = (f["market"] == m).astype(float)
    for k in HOST_KINDS[1:]:
        x[f"k_{k}"] = (f["host_kind"] == k).astype(float)
    x["log_followers"] = np.log1p(f["room_followers"].clip(lower=0))
    x["log_ad"] = np.log1p(f["ad_spend"].fillna(0).clip(lower=0))
    x["log_minutes"] = np.log(f["minutes"].clip(lower=1))
    for d in range(1, 7):
        x[f"wd_{d}"] = (f["weekday"] == d).astype(float)
    for h in range(24):
        x[f"hr_{h}"] = (f["hour"] == h).astype(float)
    return x


def _shrunk(
    var: dict[str, float], n: dict[str, int], kind: str, prior: float, default: float = 0.0
) -> float:
    """``var[kind]`` shrunk towards the ``n``-weighted mean of ``var`` with weight
    n / (n + prior); the mean itself for a kind never seen."""
    if not var:
        return default
    w = {k: float(n.get(k, 0)) for k in var}
    total = sum(w.values())
    pooled = (
        sum(w[k] * v for k, v in var.items()) / total
        if total > 0
        else float(np.mean(list(var.values())))
    )
    own = w.get(kind, 0.0)
    if kind not in var or own <= 0:
        return pooled
    return (own * var[kind] + prior * pooled) / (own + prior)


def _levels(values: pd.Series) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(values.unique()))}


class HostModel:
    """``HostModel().fit(history)``; ``summary()`` per host x category; ``effect``, ``views``
    and ``units`` for planning."""

    def __init__(
        self,
        interval: float = 0.8,
        draws: int = 200,
        seed: int = 0,
        noise_prior_lives: float = 30.0,
    ) -> None:
        self.interval = interval
        self.z = float(stats.norm.ppf(0.5 + interval / 2))
        # Draws of the variance components (``mixed.fit_mixed``); 0 plugs their REML estimates
        # in, which leaves intervals too narrow with a handful of hosts of a kind.
        self.draws = draws
        self.seed = seed
        # Lives' worth of the kinds' pooled live-luck variance that a kind's own estimate is
        # shrunk towards in planning (``live_noise``); chosen on training seeds 100-119.
        self.noise_prior_lives = noise_prior_lives

    def fit(self, history: HostHistory) -> HostModel:
        if history.empty:
            raise NoLivesError(
                "no lives with views to learn hosts from: import sessions (`livecart import DIR "
                "sessions FILE`) with their line-ups and orders, or build the demo"
            )
        self.history_ = history
        s = history.sessions
        self.markets_ = sorted(s["market"].unique())
        self.cats_ = sorted(history.lines["category"].unique())
        self._fit_views(s)
        # The cells as observed (the product-testing fit as given), for the evaluation's
        # unpooled baseline; the model reads them with the products' offsets.
        self.input_cells_ = category_cells(history)
        self.product_offsets_ = product_offsets(history.lines)
        lines = with_offsets(history.lines, self.product_offsets_)
        self._fit_conversion(category_cells(replace(history, lines=lines)))
        self.creators_ = history.creators.set_index("creator_id")
        return self

    # -- traffic ------------------------------------------------------------------------------
    def _fit_views(self, s: pd.DataFrame) -> None:
        x = _views_features(s, self.markets_)
        keep = full_rank_columns(x.to_numpy())
        cols = list(x.columns[keep])
        hosts = _levels(s["host_id"])
        mw = _levels(s["market"] + "|" + s["weekday"].astype(str))
        mh = _levels(s["market"] + "|" + s["hour"].astype(str))
        blocks = [
            Block("host", s["host_id"].map(hosts).to_numpy(), len(hosts), np.zeros(len(hosts))),
            Block(
                "market_weekday",
                (s["market"] + "|" + s["weekday"].astype(str)).map(mw).to_numpy(),
                len(mw),
                np.ones(len(mw)),
            ),
            Block(
                "market_hour",
                (s["market"] + "|" + s["hour"].astype(str)).map(mh).to_numpy(),
                len(mh),
                np.full(len(mh), 2),
            ),
        ]
        y = np.log(s["views"].to_numpy(float))
        resid = np.zeros(len(s), int)
        fit = fit_mixed(y, x[cols].to_numpy(), blocks, 3, resid, draws=self.draws, seed=self.seed)
        self.views_ = _Design(cols, fit, [hosts, mw, mh])

    def views(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Expected log views and their variance (parameters plus a live's own noise) for
        planned lives: columns market, host_id, host_kind, room_followers, ad_spend, minutes,
        weekday, hour."""
        d = self.views_
        x = _views_features(frame, self.markets_).reindex(columns=d.columns, fill_value=0.0)
        lm = np.zeros((len(frame), len(d.fit.beta) + len(d.fit.u)))
        lm[:, : len(d.fit.beta)] = x.to_numpy()
        extra = np.zeros(len(frame))
        keys = [
            frame["host_id"],
            frame["market"] + "|" + frame["weekday"].astype(str),
            frame["market"] + "|" + frame["hour"].astype(str),
        ]
        for k, key in enumerate(keys):
            sl = d.fit.block(k)
            for i, v in enumerate(key):
                j = d.levels[k].get(v)
                if j is None:
                    extra[i] += d.fit.sigma2[k]
                else:
                    lm[i, d.fit.n_fixed + sl.start + j] = 1.0
        mean = lm @ np.r_[d.fit.beta, d.fit.u]
        var = np.einsum("ij,jk,ik->i", lm, d.fit.cov, lm) + extra + d.fit.sigma2_resid[0]
        return mean, var

    def slot_effects(self, keys: list[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Log views effects of (market, weekday, local hour) slots (fixed weekday and hour
        effects plus the market's own weekday and hour deviations), and their variances: the
        slot demand the roster uses."""
        d = self.views_
        f = pd.DataFrame(keys, columns=["market", "weekday", "hour"]).assign(
            host_kind="pro_host", room_followers=0.0, ad_spend=0.0, minutes=1.0
        )
        x = _views_features(f, self.markets_).reindex(columns=d.columns, fill_value=0.0)
        keep = [i for i, c in enumerate(d.columns) if c.startswith(("wd_", "hr_"))]
        lm = np.zeros((len(f), len(d.fit.beta) + len(d.fit.u)))
        lm[:, keep] = x.to_numpy()[:, keep]
        extra = np.zeros(len(f))
        for i, (m, wd, hr) in enumerate(keys):
            for k, key in ((1, f"{m}|{wd}"), (2, f"{m}|{hr}")):
                j = d.levels[k].get(key)
                if j is None:
                    extra[i] += d.fit.sigma2[k]
                else:
                    lm[i, d.fit.n_fixed + d.fit.block(k).start + j] = 1.0
        mean = lm @ np.r_[d.fit.beta, d.fit.u]
        return mean, np.einsum("ij,jk,ik->i", lm, d.fit.cov, lm) + extra

    # -- conversion ---------------------------------------------------------------------------
    def _fit_conversion(self, cells: pd.DataFrame) -> None:
        x = _conv_features(cells, self.markets_, self.cats_)
        keep = full_rank_columns(x.to_numpy())
        cols = list(x.columns[keep])
        blocks, levels, n_groups = self._conv_blocks(cells)
        # Residual spread differs by kind and by category (a category with few products in a
        # line-up is a noisier count).
        rkey = cells["host_kind"] + "|" + cells["category"]
        rlev = _levels(rkey)
        units = cells["units"].to_numpy(float)
        y = np.log((units + PSEUDO) / cells["exposure"].to_numpy(float))
        fit = fit_mixed(
            y,
            x[cols].to_numpy(),
            blocks,
            n_groups,
            rkey.map(rlev).to_numpy(),
            1.0 / (units + PSEUDO),
            draws=self.draws,
            seed=self.seed,
        )
        self.conv_ = _Design(cols, fit, levels)
        self.resid_ = {k: float(fit.sigma2_resid[i]) for k, i in rlev.items()}
        self.cells_ = cells
        self.fitted_kinds_ = sorted(cells["host_kind"].unique())
        self.kind_lives_ = cells.groupby("host_kind")["session_id"].nunique().to_dict()
        n_cells = cells.groupby(["category", "host_kind"]).size()
        self.kind_cells_ = {
            c: n_cells.xs(c, level="category").to_dict() for c in n_cells.index.unique(0)
        }

    def _conv_blocks(self, cells: pd.DataFrame):
        """The conversion model's random effects (host, host x category, market x category,
        live), their levels and variance groups; sets the group indices ``_effect_rows`` and
        ``planned_log_units`` read."""
        hosts = _levels(cells["host_id"])
        hc_key = cells["host_id"] + "|" + cells["category"]
        hc = _levels(hc_key)
        kind_of = cells.drop_duplicates("host_id").set_index("host_id")["host_kind"]
        n_hosts_kind = kind_of.value_counts()
        # A kind with few hosts shares one host-variance with the others.
        groups = {k: i for i, k in enumerate(n_hosts_kind.index[n_hosts_kind >= 5])}
        pooled = len(groups)
        hgroup = np.array([groups.get(kind_of[h], pooled) for h in hosts])
        self.host_group_ = {h: int(hgroup[i]) for h, i in hosts.items()}
        self.kind_group_ = {k: groups.get(k, pooled) for k in HOST_KINDS}
        self.hc_group_ = pooled + 1
        self.mc_group_ = pooled + 2
        mc_key = cells["market"] + "|" + cells["category"]
        mc = _levels(mc_key)
        lives = _levels(cells["session_id"])
        # A live's own luck (first-hour heat, the platform's push, the host's form that day)
        # moves all its categories together, and swings more for some kinds (an influencer's
        # form) than others: one variance per kind.
        live_kind = cells.drop_duplicates("session_id").set_index("session_id")["host_kind"]
        kind_idx = _levels(live_kind)
        live_group = np.array([pooled + 3 + kind_idx[live_kind[v]] for v in lives])
        self.live_group_ = {k: pooled + 3 + i for k, i in kind_idx.items()}
        blocks = [
            Block("host", cells["host_id"].map(hosts).to_numpy(), len(hosts), hgroup),
            Block(
                "host_category", hc_key.map(hc).to_numpy(), len(hc), np.full(len(hc), pooled + 1)
            ),
            Block("live", cells["session_id"].map(lives).to_numpy(), len(lives), live_group),
            Block(
                "market_category", mc_key.map(mc).to_numpy(), len(mc), np.full(len(mc), pooled + 2)
            ),
        ]
        return blocks, [hosts, hc, lives, mc], pooled + 3 + len(kind_idx)

    def live_noise(self, category: str, kind: str = "pro_host") -> float:
        """Variance of one live's own luck in ``category`` for a host of ``kind``, for planned
        lives' intervals: the kind's live effect (an influencer's form swings, a professional
        host's hardly) plus the kind's residual in the category. Each is shrunk towards its
        lives-weighted mean over the kinds, with weight n / (n + ``noise_prior_lives``) for a
        kind seen in n lives (cells, for the residual): the variance of a kind seen in a few
        lives (a small demo's store accounts) is mostly its prior (half-normal on the sd)."""
        s2 = self.conv_.fit.sigma2
        live = {k: float(s2[g]) for k, g in self.live_group_.items()}
        resid = {k: v for k, v in self.resid_.items() if k.endswith(f"|{category}")}
        resid = {k.split("|")[0]: v for k, v in resid.items()}
        prior = self.noise_prior_lives
        return _shrunk(live, self.kind_lives_, kind, prior) + _shrunk(
            resid, self.kind_cells_.get(category, {}), kind, prior, default=0.1
        )

    def mean_noise(self, category: str) -> float:
        """The variance in the lognormal correction of every candidate's expected units
        (``exp(mean + variance / 2)``): the professional hosts' live effect plus their residual
        in the category, as estimated. One value for all: a kind's own spread from a few lives
        would inflate its expected GMV and win it lives it should not (measured on training
        seeds in docs/hosts.md)."""
        s2 = self.conv_.fit.sigma2
        live = {k: float(s2[g]) for k, g in self.live_group_.items()}
        resid = self.resid_.get(f"pro_host|{category}", 0.1)
        return resid + live.get("pro_host", min(live.values()))

    def _effect_rows(self, hosts: list[str], kinds: list[str], cats: list[str]):
        """Rows L (over beta and u) of the host x category effects, and their extra variance
        (levels never seen)."""
        d = self.conv_
        f = pd.DataFrame(
            {
                "market": self.markets_[0],
                "category": cats,
                "host_kind": kinds,
                "views": 1.0,
                "minutes": 1.0,
                "n_products": 1.0,
                "avg_view_seconds": 1.0,
            }
        )
        x = _conv_features(f, self.markets_, self.cats_).reindex(columns=d.columns, fill_value=0)
        x = x.drop(
            columns=[c for c in x.columns if c == "const" or c.startswith("m_")], errors="ignore"
        ).reindex(columns=d.columns, fill_value=0.0)
        lm = np.zeros((len(hosts), len(d.fit.beta) + len(d.fit.u)))
        lm[:, : len(d.fit.beta)] = x.to_numpy()
        extra = np.zeros(len(hosts))
        unknown_kind = [i for i, k in enumerate(kinds) if k not in self.fitted_kinds_]
        if unknown_kind:  # no live of this kind: the average kind, with the kinds' spread
            known = [i for i, k in enumerate(self.fitted_kinds_)]
            spread = []
            for i in unknown_kind:
                rows = self._effect_rows(
                    [""] * len(known), list(self.fitted_kinds_), [cats[i]] * len(known)
                )[0]
                lm[i] = rows.mean(0)
                spread.append(float(np.var(rows @ np.r_[d.fit.beta, d.fit.u])))
            extra[unknown_kind] += np.array(spread) + 0.05
        b0, b1 = d.fit.block(0), d.fit.block(1)
        for i, (h, c, k) in enumerate(zip(hosts, cats, kinds, strict=True)):
            j = d.levels[0].get(h)
            if j is None:
                extra[i] += d.fit.sigma2[self.kind_group_.get(k, 0)]
            else:
                lm[i, d.fit.n_fixed + b0.start + j] = 1.0
            j = d.levels[1].get(f"{h}|{c}")
            if j is None:
                extra[i] += d.fit.sigma2[self.hc_group_]
            else:
                lm[i, d.fit.n_fixed + b1.start + j] = 1.0
        return lm, extra

    def effects(self, hosts: list[str], cats: list[str], centre: bool = False):
        """Host x category conversion effects (log) and their covariance for the given pairs.
        With ``centre`` each category's mean over the given pairs is subtracted (rows and
        covariance alike): the effect against the average host in that category, free of the
        category's own baseline."""
        kinds = [self._kind(h) for h in hosts]
        lm, extra = self._effect_rows(hosts, kinds, cats)
        d = self.conv_
        a = np.eye(len(hosts))
        if centre:
            cat = np.asarray(cats)
            for c in set(cats):
                sel = np.flatnonzero(cat == c)
                a[np.ix_(sel, sel)] -= 1.0 / len(sel)
        lm = a @ lm
        mean = lm @ np.r_[d.fit.beta, d.fit.u]
        cov = lm @ d.fit.cov @ lm.T + (a * extra[None, :]) @ a.T
        return mean, cov

    def planned_log_units(
        self,
        hosts: list[str],
        cats: list[str],
        market: str,
        minutes: float,
        n_products: int,
        log_views: np.ndarray | None = None,
    ):
        """Log units per unit of exposure of each host x category for a planned live: the
        baseline for its market, length and line-up size plus the host's effect, at
        ``log_views`` (per pair; without it, before views). Mean and covariance come from the
        same rows of the mixed-model equations, so the baseline's, the views slope's and the
        kinds' estimation errors, which partly cancel, are not counted twice."""
        kinds = [self._kind(h) for h in hosts]
        lm, extra = self._effect_rows(hosts, kinds, cats)
        d = self.conv_
        f = pd.DataFrame(
            {
                "market": market,
                "category": cats,
                "host_kind": kinds,
                "views": 1.0,
                "minutes": minutes,
                "n_products": n_products,
            }
        )
        x = _conv_features(f, self.markets_, self.cats_).reindex(columns=d.columns, fill_value=0.0)
        base = [
            i
            for i, c in enumerate(d.columns)
            if c == "const" or c.startswith("m_") or c in ("log_minutes", "log_n")
        ]
        lm[:, base] = x.to_numpy()[:, base]
        if log_views is not None and "log_views" in d.columns:
            lm[:, d.columns.index("log_views")] = log_views
        sl = d.fit.block(3)  # the market's own category shift
        for i, c in enumerate(cats):
            j = d.levels[3].get(f"{market}|{c}")
            if j is None:
                extra[i] += d.fit.sigma2[self.mc_group_]
            else:
                lm[i, d.fit.n_fixed + sl.start + j] = 1.0
        mean = lm @ np.r_[d.fit.beta, d.fit.u]
        return mean, lm @ d.fit.cov @ lm.T + np.diag(extra)

    def _kind(self, host: str) -> str:
        if host in self.creators_.index:
            return str(self.creators_.at[host, "kind"])
        return "pro_host"

    def summary(self) -> pd.DataFrame:
        """One row per creator who hosted (plus every other pro host, influencer and store
        account) x category: lives, conversion effect (log, centred on the average host x
        category with lives) with its interval, multiplier, traffic effect with its interval."""
        c = self.creators_
        hosted = set(self.history_.sessions["host_id"])
        pool = [h for h in c.index if h in hosted or c.at[h, "kind"] != "koc"]
        pool += sorted(hosted - set(c.index))
        hosts = [h for h in pool for _ in self.cats_]
        cats = [k for _ in pool for k in self.cats_]
        lives_set = self.cells_[["host_id", "category"]].drop_duplicates()
        seen = set(zip(lives_set["host_id"], lives_set["category"], strict=True))
        mean, cov = self.effects(hosts, cats)
        # Centre each category on its hosts with lives there (the category's baseline is not a
        # host's doing).
        ref = {
            k: float(
                np.mean(
                    [
                        m
                        for m, h, kk in zip(mean, hosts, cats, strict=True)
                        if kk == k and (h, k) in seen
                    ]
                    or [0.0]
                )
            )
            for k in self.cats_
        }
        sd = np.sqrt(np.diag(cov))
        lives = self.history_.sessions.groupby("host_id").size()
        lives_cat = self.cells_.groupby(["host_id", "category"]).size()
        tr_mean, tr_sd = self._traffic_effects(pool)
        rows = []
        for i, (h, k) in enumerate(zip(hosts, cats, strict=True)):
            e = mean[i] - ref[k]
            rows.append(
                {
                    "host_id": h,
                    "name": str(c.at[h, "name"]) if h in c.index else h,
                    "kind": self._kind(h),
                    "category": k,
                    "lives": int(lives.get(h, 0)),
                    "lives_in_category": int(lives_cat.get((h, k), 0)),
                    "effect": float(e),
                    "effect_lo": float(e - self.z * sd[i]),
                    "effect_hi": float(e + self.z * sd[i]),
                    "multiplier": float(np.exp(e)),
                    "traffic_effect": float(tr_mean[h]),
                    "traffic_lo": float(tr_mean[h] - self.z * tr_sd[h]),
                    "traffic_hi": float(tr_mean[h] + self.z * tr_sd[h]),
                    "followers": int(c.at[h, "followers"]) if h in c.index else 0,
                }
            )
        return pd.DataFrame(rows)

    def _traffic_effects(self, hosts: list[str]) -> tuple[dict[str, float], dict[str, float]]:
        d = self.views_
        sl = d.fit.block(0)
        mean, sd = {}, {}
        for h in hosts:
            j = d.levels[0].get(h)
            if j is None:
                mean[h], sd[h] = 0.0, float(np.sqrt(d.fit.sigma2[0]))
            else:
                k = d.fit.n_fixed + sl.start + j
                mean[h], sd[h] = float(d.fit.u[sl][j]), float(np.sqrt(d.fit.cov[k, k]))
        return mean, sd
