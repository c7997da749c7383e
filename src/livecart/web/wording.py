"""The dashboard's words for advice the core gives in the CLI's. A note kept in a plan or shown
on a page (``import one with `livecart import DIR fx_rates FILE```) names the command or flag
that does it; the dashboard names the page or field instead. The CLI prints the text as it is.
Errors raised with their own ``dashboard`` wording (``livecart.errors``) need none of this."""

from __future__ import annotations

import re

ADS = "'beyond past spend' on the Ads page"
RULES = [
    (r"\((?:with |run )?livecart import DIR (\w+) FILE\)", r"(on the Import page: \1)"),
    (r"(?:with |run )?`livecart import (?:DIR|\S+) (\w+) FILE`", r"on the Import page (\1)"),
    (r"pass --market", "fill in Market"),
    (r"`livecart users list DIR` shows who there is", "the Team page lists the members"),
    (r"\(pass --extrapolate( to optimize anyway)?\)", rf"(tick {ADS}\1)"),
    (r"without --extrapolate", f"without {ADS}"),
    (r"\(`livecart hosts compare` shows every candidate\)", "(the Hosts page compares them all)"),
    (r"`livecart status DIR` lists what it holds", "the Overview page shows what it holds"),
]
PATTERNS = [(re.compile(pattern), words) for pattern, words in RULES]


def in_dashboard_words(text: str) -> str:
    """``text`` with each CLI command or flag it advises replaced by the dashboard's page or
    field for the same thing; text without one is returned as it is."""
    for pattern, words in PATTERNS:
        text = pattern.sub(words, text)
    return text
