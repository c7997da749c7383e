"""BG/NBD holdout tracking on the CDNOW sample (transaction log shipped by `lifetimes`).

Fader, Hardie and Lee (2005) calibrate on weeks 1-39 (to 1997-09-30) and track the cohort's
cumulative repeat transactions to week 78 (1998-06-30, their Figure 4) with the unconditional
expectation E[X(t)] (equation 9) summed over each buyer's time since first purchase. Repeat
transactions are counted as distinct purchase days, which is how the calibration summary counts
them (2,457 repeat days; the log's 4,960 calibration rows include same-day orders).

Counted: 4,339 repeat days by week 78, 1,882 of them in the 39-week holdout. The model (paper's
parameters) predicts 4,166 by week 78 (-4.0%; tolerance 5%, the issue's: the paper shows the
tracking as a chart, not a printed total we could check here) but only 1,664 of the
holdout's (-11.6%): on CDNOW the BG/NBD under-forecasts the holdout period itself, and the
conditional sum over the holdout (1,653) agrees with `lifetimes` to 1e-3 per buyer
(test_models_reference.py), so the gap is the model's, not a counting or formula slip.
Where histories are drawn from the BG/NBD itself the same forecast lands within 2%
(test_holdout.py). On CDNOW the Pareto/NBD falls as short (-11.5%), and by quarter the
conditional forecast is 634, 537, 482 against 731, 656, 495 counted: the shortfall sits in
October 1997 to March 1998 (-13%, -18%; the holidays and the new year), the spring quarter is
within 3%. Both models assume a stationary purchase rate; CDNOW's cohort buys more in the
season than its first nine months promised.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from livecart.fans import BetaGeoModel, ParetoNBDModel

datasets = pytest.importorskip("lifetimes.datasets")

START, CUT, END = (pd.Timestamp(d) for d in ("1997-01-01", "1997-09-30", "1998-06-30"))


@pytest.fixture(scope="module")
def log():
    path = Path(datasets.__file__).parent / "CDNOW_sample.txt"
    d = pd.read_csv(path, sep=r"\s+", header=None, names=["id", "sid", "date", "cds", "usd"])
    d["date"] = pd.to_datetime(d["date"].astype(str))
    days = d.drop_duplicates(["id", "date"])
    days = days.assign(repeat=days["date"] > days.groupby("id")["date"].transform("min"))
    return days


@pytest.fixture(scope="module")
def fitted():
    s = datasets.load_cdnow_summary()
    x, t_x, T = s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy()
    return BetaGeoModel().fit(x, t_x, T), (x, t_x, T)


def test_repeat_days_count_like_the_calibration_summary(log, fitted):
    _, (x, _, _) = fitted
    calibration = log["repeat"] & (log["date"] <= CUT)
    assert int(calibration.sum()) == int(x.sum()) == 2457
    assert int((log["repeat"] & (log["date"] > CUT)).sum()) == 1882


def test_cumulative_repeat_transactions_track_to_week_78_within_5_percent(log, fitted):
    model, _ = fitted
    first = log.groupby("id")["date"].min()
    born = ((first - START).dt.days / 7).to_numpy()

    def expected_by(week: float) -> float:
        return float(model.expected_purchases_new(np.clip(week - born, 0, None), n=len(born)).sum())

    weeks = (END - START).days / 7 + 1 / 7  # through the end of 1998-06-30
    predicted = expected_by(weeks)
    actual = int(log["repeat"].sum())
    assert actual == 4339
    assert predicted / actual - 1 == pytest.approx(-0.040, abs=0.005)
    assert abs(predicted / actual - 1) < 0.05
    # the calibration half tracks within 2%: the shortfall builds in the holdout
    calibrated = expected_by((CUT - START).days / 7 + 1 / 7)
    assert abs(calibrated / 2457 - 1) < 0.02


def test_holdout_shortfall_is_seasonal_and_shared_by_the_pareto_nbd(log, fitted):
    model, (x, t_x, T) = fitted
    counted = log[log["repeat"] & (log["date"] > CUT)].groupby(log["date"].dt.quarter).size()
    assert counted.loc[[4, 1, 2]].tolist() == [731, 656, 495]
    ends = [(pd.Timestamp(d) - CUT).days / 7 for d in ("1997-12-31", "1998-03-31", "1998-06-30")]
    cum = [float(model.expected_purchases(t, x, t_x, T).sum()) for t in ends]
    by_quarter = np.diff([0.0, *cum]) / counted.loc[[4, 1, 2]].to_numpy() - 1
    # holidays and new year short by more than 10%; the spring quarter within 5%
    assert by_quarter[0] < -0.10 and by_quarter[1] < -0.10 and abs(by_quarter[2]) < 0.05
    pareto = ParetoNBDModel().fit(x, t_x, T).expected_purchases(ends[-1], x, t_x, T).sum()
    assert pareto / 1882 - 1 == pytest.approx(cum[-1] / 1882 - 1, abs=0.02)
