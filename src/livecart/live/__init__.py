"""The golden-hour live monitor: events from any source into per-minute KPIs, the golden hour
against plan, a nowcast of the final GMV and orders with intervals, and alerts with an action.

    from livecart.live import Monitor, ReplaySource
    mon = Monitor(lateness_seconds=120)
    for batch in ReplaySource("session.jsonl").batches():
        mon.feed_columns(batch.events)
    snapshot(mon.sessions["S1"])      # headline numbers, minutes, products, dropped counts
"""

from livecart.live.alerts import Alert, AlertBook, AlertRules, WebhookSink, evaluate
from livecart.live.checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from livecart.live.engine.kpis import live_minutes_rows, minute_frame, sku_table, snapshot, totals
from livecart.live.engine.monitor import Monitor
from livecart.live.history import History, load_history
from livecart.live.hub import LiveHub
from livecart.live.nowcast import Nowcaster, baseline
from livecart.live.nowcast import evaluate as evaluate_nowcast
from livecart.live.runner import LiveRun, open_run
from livecart.live.sources import Batch, ReplaySource, Source
from livecart.live.targets import Plan, plan_from_history, plan_from_targets

__all__ = [
    "Alert",
    "AlertBook",
    "AlertRules",
    "Batch",
    "History",
    "LiveHub",
    "LiveRun",
    "Monitor",
    "Nowcaster",
    "Plan",
    "ReplaySource",
    "Source",
    "WebhookSink",
    "baseline",
    "checkpoint_path",
    "evaluate",
    "evaluate_nowcast",
    "live_minutes_rows",
    "load_checkpoint",
    "load_history",
    "minute_frame",
    "open_run",
    "plan_from_history",
    "plan_from_targets",
    "save_checkpoint",
    "sku_table",
    "snapshot",
    "totals",
]
