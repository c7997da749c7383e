"""The words on the dashboard's pages, said in an operator's words, with the model's terms kept
for whoever wants them. Templates mark a term with ``{{ "GPM" | term }}`` (the word with its
meaning as a tooltip, linked to ``/glossary``); the glossary page lists them all."""

from __future__ import annotations

from markupsafe import Markup, escape

# term: (what it means for the person running the live, the model's detail or "")
GLOSSARY: dict[str, tuple[str, str]] = {
    "GMV": (
        "Gross merchandise value: what buyers paid for the orders, in the live's currency.",
        "Net of cancellations and refunds where the page says 'net paid GMV'.",
    ),
    "GPM": (
        "GMV per 1,000 viewers who entered the room (or per 1,000 views of a test video): how "
        "much each thousand people bring in.",
        "GMV x 1,000 / entries, from summed numbers, never an average of ratios.",
    ),
    "CTR": (
        "Click-through rate: the share of product impressions that were clicked.",
        "product clicks / product impressions.",
    ),
    "CTOR": (
        "Click-to-order rate: the share of product clicks that became an order.",
        "SKU orders / product clicks.",
    ),
    "AOV": ("Average order value: GMV per order.", "GMV / SKU orders."),
    "P(beat)": (
        "How likely this product sells better than the benchmark for its category (a typical "
        "product times the lift): 0.9 means 9 chances in 10.",
        "Posterior probability that the product's GPM exceeds lift x the category's typical "
        "GPM, from an empirical-Bayes beta-binomial fit of its test videos.",
    ),
    "P(top k)": (
        "How likely this product is among the k best of its market.",
        "Share of posterior draws in which the product ranks in the top k.",
    ),
    "80% interval": (
        "The range the true value falls in 8 times out of 10; the tests measure how often it "
        "does on the demo's hidden truth.",
        "The 10th and 90th percentiles of the posterior or predictive distribution.",
    ),
    "fractile": (
        "How much of the demand the stock should cover: 0.6 means stock enough to sell out in "
        "only 4 lives out of 10. Higher when running out costs more than having leftovers.",
        "The newsvendor critical fractile: shortage cost / (shortage cost + leftover cost).",
    ),
    "golden hour": (
        "The live's first 60 minutes, when the algorithm decides how much traffic to send; "
        "compared with what past lives had done by the same minute.",
        "",
    ),
    "nowcast": (
        "A forecast of the live's final GMV and orders made while it runs, with its 80% interval.",
        "Fitted on past lives' curves in the same currency (see docs/metrics.md).",
    ),
    "empirical-Bayes": (
        "A product with few test videos is judged partly by its category: its numbers are "
        "pulled toward the category's typical ones until its own evidence is strong.",
        "Beta priors per category fitted by marginal likelihood; posterior per product.",
    ),
    "beta_usd / half_sat_usd": (
        "How ad spend turns into sales: the most extra GMV spend can bring (beta) and the spend "
        "at which it brings half of that (half-saturation), in US dollars.",
        "Parameters of a saturating (Hill) response curve fitted per market and channel.",
    ),
}


def term(name: str) -> Markup:
    """``name`` with its meaning as a tooltip, linking to its glossary entry."""
    meaning = GLOSSARY.get(name, ("", ""))[0]
    if not meaning:
        return Markup(escape(name))
    return Markup(
        f'<a class="term" href="/glossary#{anchor(name)}" title="{escape(meaning)}">'
        f"{escape(name)}</a>"
    )


def anchor(name: str) -> str:
    """The id of a term's entry on the glossary page."""
    return "".join(c if c.isalnum() else "-" for c in name.lower())
