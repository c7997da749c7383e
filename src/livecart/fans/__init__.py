"""Fans (playbook step 6): from public-domain viewers to private-domain fans, and what a fan is
worth. Buy-till-you-die models of repeat purchases and spend, written on numpy and scipy:

    from livecart.fans import BetaGeoModel, GammaGammaModel
    bg = BetaGeoModel(covariates=["follower", "fan_club"]).fit(x, t_x, T, z)
    bg.p_alive(x, t_x, T, z); bg.expected_purchases(13, x, t_x, T, z)
"""

from livecart.fans.bgnbd import BetaGeoModel
from livecart.fans.gammagamma import GammaGammaModel
from livecart.fans.histories import Histories, group_histories
from livecart.fans.paretonbd import ParetoNBDModel

__all__ = [
    "BetaGeoModel",
    "GammaGammaModel",
    "Histories",
    "ParetoNBDModel",
    "group_histories",
]
