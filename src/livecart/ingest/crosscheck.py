"""Cross-checks of the ratio columns in a Seller Center LIVE list export.

livecart never stores ratios (AOV, GPM, CTR, CTOR, rates): it recomputes them from summed
numerators and denominators (docs/metrics.md). The export's own ratio columns are still useful as a
check that the counts were read right, so each is recomputed per row and compared. A mismatch is
a note in the import result, not a problem: TikTok's definitions vary (CTR over product
impressions or over views), so either denominator is accepted where docs/metrics.md names both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from livecart.ingest.columns import normalise_header
from livecart.ingest.values import parse_number

# file header -> (numerator, denominators accepted, scale, shown as a percentage)
RATIOS: dict[str, tuple[str, tuple[str, ...], float, bool]] = {
    "AOV": ("gmv", ("orders",), 1.0, False),
    "Watch GPM": ("gmv", ("views",), 1000.0, False),
    "Show GPM": ("gmv", ("impressions",), 1000.0, False),
    "Tap through rate": ("views", ("impressions",), 1.0, True),
    "CTR": ("product_clicks", ("product_impressions", "views"), 1.0, True),
    "CTOR": ("orders", ("product_clicks",), 1.0, True),
    "Follow rate": ("new_followers", ("views",), 1.0, True),
    "Comment rate": ("comments", ("views",), 1.0, True),
    "Share rate": ("shares", ("views",), 1.0, True),
    "Like rate": ("likes", ("views",), 1.0, True),
}
RELATIVE = 0.02  # beyond rounding: file values are shown with two decimals
MAX_NOTES = 10


@dataclass
class RatioCheck:
    """Which ratio columns a file has (by position) and what their check found."""

    positions: dict[int, str] = field(default_factory=dict)  # file position -> RATIOS key
    checked: int = 0
    differ: list[str] = field(default_factory=list)

    @classmethod
    def for_header(cls, header: list[str]) -> RatioCheck:
        wanted = {normalise_header(name): name for name in RATIOS}
        return cls(
            {
                i: wanted[normalise_header(h)]
                for i, h in enumerate(header)
                if normalise_header(h) in wanted
            }
        )

    def check(self, table: pa.Table, typed: pa.Table) -> None:
        for pos, name in self.positions.items():
            num, dens, scale, percent = RATIOS[name]
            given = parse_number(table.column(f"c{pos}").combine_chunks(), percent=True).values
            ok = pa.array([False] * len(given), pa.bool_())
            known = pc.is_valid(given)
            for den in dens:
                computed = pc.multiply(
                    pc.divide(pc.cast(typed[num], pa.float64()), pc.cast(typed[den], pa.float64())),
                    scale,
                )
                close = pc.less_equal(
                    pc.abs(pc.subtract(computed, given)),
                    pc.add(pc.multiply(pc.abs(given), RELATIVE), 0.00006 if percent else 0.006),
                )
                ok = pc.or_(ok, pc.fill_null(close, False))
                known = pc.and_(known, pc.is_valid(computed))
            self.checked += pc.sum(pc.cast(known, pa.int64())).as_py() or 0
            self._note(name, pc.and_(known, pc.invert(ok)), typed, given, percent)

    def _note(
        self, name: str, wrong: pa.Array, typed: pa.Table, given: pa.Array, percent: bool
    ) -> None:
        for i in pc.indices_nonzero(pc.fill_null(wrong, False)).to_pylist():
            if len(self.differ) >= MAX_NOTES:
                return
            v = given[i].as_py()
            shown = f"{v:.2%}" if percent else f"{v:,.2f}"
            self.differ.append(
                f"row {typed['_row'][i].as_py()}: {name} is {shown} in the file "
                "but the counts imported give another value"
            )

    def notes(self) -> list[str]:
        if not self.positions:
            return []
        head = (
            f"cross-checked {len(self.positions)} ratio columns (not stored; recomputed "
            f"from counts): {len(self.differ)} differ"
        )
        return [head, *self.differ]
