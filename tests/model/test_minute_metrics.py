"""The table of per-minute metrics (model.events.MINUTE_METRICS) agrees with the event model and
with the live_minutes records it fills."""

from __future__ import annotations

from livecart.model.events import (
    AMOUNT,
    COUNT,
    EVENT_FIELDS,
    JOIN_SOURCES,
    MINUTE_METRICS,
    ONE,
    QUANTITY,
    VALUE,
)
from livecart.model.schema import LIVE_MINUTES

FIELDS_NEEDED = {ONE: (), COUNT: ("count",), QUANTITY: ("quantity",), VALUE: ("quantity", "price")}
FIELDS_NEEDED[AMOUNT] = ("amount",)


def test_each_metric_is_added_by_an_event_type_that_carries_what_it_sums():
    names = [m.name for m in MINUTE_METRICS]
    assert len(names) == len(set(names))
    for m in MINUTE_METRICS:
        required, optional = EVENT_FIELDS[m.event]
        assert set(FIELDS_NEEDED[m.adds]) <= set(required + optional), m
        assert m.money == (m.adds in (VALUE, AMOUNT)), m
    traffic = [m.source for m in MINUTE_METRICS if m.source is not None]
    assert traffic == list(JOIN_SOURCES)


def test_live_minutes_stores_every_metric_money_as_a_float_and_counts_as_integers():
    columns = {c.name: c for c in LIVE_MINUTES.columns}
    for m in MINUTE_METRICS:
        assert m.name in columns, m.name
        assert columns[m.name].type == ("float" if m.money else "int"), m.name
