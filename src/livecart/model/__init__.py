"""Records, events and money shared by all of livecart. Imports nothing of ours but errors."""

from livecart.model.events import EVENT_TYPES, Event, event_from_dict, parse_event
from livecart.model.money import FxTable, Money
from livecart.model.schema import KINDS, Column, Kind, kind

__all__ = [
    "EVENT_TYPES",
    "KINDS",
    "Column",
    "Event",
    "FxTable",
    "Kind",
    "Money",
    "event_from_dict",
    "kind",
    "parse_event",
]
