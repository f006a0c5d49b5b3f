"""The funnel of a month's leads, per channel and in total, with conversion rates."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from domain.shared import months
from domain.shared.access import ReadScope
from projections.common import Where
from projections.db import Database
from projections.lead_funnel.projection import GROUP, STAGES, TABLE

_PLACES = Decimal("0.0001")


def funnel(db: Database, month: str, *, scope: ReadScope) -> dict[str, Any]:
    """Leads captured in `month` (business time) and how far they got, per channel, for the
    scope's store (None: the group).

    Answer: {month, store_id, channels: [line...], total: line}; a line has channel (None in
    the total), the stage counts captured, contacted, appointment, shown, deal, delivered, and
    `rates`: {contacted, appointment, shown, deal, delivered} each stage ÷ the stage before, and
    `overall` delivered ÷ captured, as Decimal fractions to 4 places (None when dividing by 0).
    """
    store_id, _ = scope.narrowed()
    months.parse(month)
    where = Where().add("month = ?", month).equal("store_id", store_id)
    # The whole group reads its roll-up, a row per channel, instead of every store's rows.
    table = GROUP if store_id is None else TABLE
    sums = ", ".join(f"SUM({s}) AS {s}" for s in STAGES)
    rows = db.query(
        f"SELECT channel, {sums} FROM {table}{where.sql} GROUP BY channel ORDER BY channel",
        where.params,
    )
    channels = [_line(r["channel"], {s: int(r[s] or 0) for s in STAGES}) for r in rows]
    totals = {s: sum(line[s] for line in channels) for s in STAGES}
    return {
        "month": month,
        "store_id": store_id,
        "channels": channels,
        "total": _line(None, totals),
    }


def rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def _line(channel: str | None, counts: dict[str, int]) -> dict[str, Any]:
    rates = {later: rate(counts[later], counts[earlier]) for earlier, later in pairwise(STAGES)}
    rates["overall"] = rate(counts["delivered"], counts["captured"])
    return {"channel": channel, **counts, "rates": rates}
