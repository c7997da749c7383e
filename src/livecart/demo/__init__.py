"""The demo simulator: a generative model of a fictional brand's TikTok Shop business whose hidden
parameters are known, so livecart's estimators can be checked against the truth they could not
see. docs/simulator.md describes the model and where its magnitudes come from.

    from livecart.demo import build, truth, session_events
    summary = build("livecart-demo", seed=42, scale=1.0)
    t = truth("livecart-demo")                      # hidden parameters (truth.json)
    for event in session_events("livecart-demo", "L0001"):
        ...                                         # the raw event stream of one live
"""

from livecart.demo.build import DemoSummary, build
from livecart.demo.demand import uncensored_demand
from livecart.demo.stream import session_events, truth

__all__ = ["DemoSummary", "build", "session_events", "truth", "uncensored_demand"]
