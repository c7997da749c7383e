"""Hosts (playbook step 2): who brings traffic and who converts, per category, learned from past
lives with partial pooling; influencer or professional host for a planned live; and the weekly
store-live roster of professional hosts across markets and time zones.

    from livecart.hosts import fit_workspace, compare_for_plan, solve_roster
    model = fit_workspace(ws)                # HostModel: summary() per host x category
"""

from livecart.hosts.compare import Comparison, PlannedLive, compare_hosts
from livecart.hosts.history import HOST_KINDS, HostHistory, load_history
from livecart.hosts.performance import HostModel, NoLivesError
from livecart.hosts.workspace import compare_for_plan, fit_workspace, rank_hosts

__all__ = [
    "HOST_KINDS",
    "Comparison",
    "HostHistory",
    "HostModel",
    "NoLivesError",
    "PlannedLive",
    "compare_for_plan",
    "compare_hosts",
    "fit_workspace",
    "load_history",
    "rank_hosts",
]
