"""The salesperson's day of follow-ups and calls, and the manager's overdue counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.followups.model import Timing, timing
from domain.shared.access import ReadScope
from projections.common import Where, uid
from projections.db import Database
from projections.follow_ups.projection import CALLS, LEADS

CALLS_AHEAD = timedelta(days=7)  # calls show on the day list a week before they are due
LIMIT = 200


def _customer_seen(scope: ReadScope) -> Where:
    # The customer's name shows where the scope reaches the customer too (as GET /leads/due).
    return (
        Where()
        .equal("c.store_id", scope.store_id)
        .equal("c.owner_id", scope.salesperson_id)
        .add("1 = 1")
    )


def my_day(db: Database, *, scope: ReadScope, today: date) -> dict[str, Any]:
    """Open leads' follow-ups in the scope, overdue first (oldest first), then today's, then
    upcoming; and the pending calls due within a week, overdue first. `today`: the store's day."""
    if not scope.visible:
        return {"follow_ups": [], "calls": [], "today": today}
    where = (
        Where()
        .add("l.open = 1")
        .add("l.salesperson_id IS NOT NULL")
        .equal("l.store_id", scope.store_id)
        .equal("l.salesperson_id", scope.salesperson_id)
    )
    seen = _customer_seen(scope)
    name = "CASE WHEN " + " AND ".join(seen.clauses) + " THEN c.name ELSE NULL END"
    rows = db.query(
        f"SELECT l.*, {name} AS customer_name FROM {LEADS} l"
        " LEFT JOIN rm_directory_customer c ON c.customer_id = l.customer_id"
        f"{where.sql} ORDER BY l.follow_up_on, l.lead_id LIMIT {LIMIT}",
        [*seen.params, *where.params],
    )
    follow_ups = [_follow_up(r, today) for r in rows]
    calls_where = (
        Where()
        .add("k.status = 'pending'")
        .add("k.due_on <= ?", (today + CALLS_AHEAD).isoformat())
        .equal("k.store_id", scope.store_id)
        .equal("k.salesperson_id", scope.salesperson_id)
    )
    rows = db.query(
        f"SELECT k.*, {name} AS customer_name FROM {CALLS} k"
        " LEFT JOIN rm_directory_customer c ON c.customer_id = k.customer_id"
        f"{calls_where.sql} ORDER BY k.due_on, k.deal_id, k.day_offset LIMIT {LIMIT}",
        [*seen.params, *calls_where.params],
    )
    return {"follow_ups": follow_ups, "calls": [_call(r, today) for r in rows], "today": today}


def overdue_by_salesperson(db: Database, *, scope: ReadScope, today: date) -> list[dict[str, Any]]:
    """Per salesperson in the scope: open leads whose follow-up is overdue, pending calls
    overdue, and the oldest overdue day; salespeople with nothing overdue are left out."""
    if not scope.visible:
        return []
    day = today.isoformat()
    leads = (
        Where()
        .add("open = 1")
        .add("salesperson_id IS NOT NULL")
        .add("follow_up_on < ?", day)
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
    )
    calls = (
        Where()
        .add("status = 'pending'")
        .add("due_on < ?", day)
        .equal("store_id", scope.store_id)
        .equal("salesperson_id", scope.salesperson_id)
    )
    found: dict[str, dict[str, Any]] = {}
    for kind, table, column, where in (
        ("follow_ups", LEADS, "follow_up_on", leads),
        ("calls", CALLS, "due_on", calls),
    ):
        for r in db.query(
            f"SELECT salesperson_id, store_id, COUNT(*) AS n, MIN({column}) AS oldest"
            f" FROM {table}{where.sql} GROUP BY salesperson_id, store_id",
            where.params,
        ):
            line = found.setdefault(
                str(r["salesperson_id"]),
                {
                    "salesperson_id": uid(str(r["salesperson_id"])),
                    "store_id": uid(str(r["store_id"])),
                    "follow_ups": 0,
                    "calls": 0,
                    "oldest_on": None,
                },
            )
            line[kind] += int(r["n"])
            oldest = date.fromisoformat(str(r["oldest"]))
            if line["oldest_on"] is None or oldest < line["oldest_on"]:
                line["oldest_on"] = oldest
    lines = sorted(found.values(), key=lambda x: (x["oldest_on"], str(x["salesperson_id"])))
    for line in lines:
        line["days_overdue"] = (today - line["oldest_on"]).days
    return lines


def _follow_up(r: Any, today: date) -> dict[str, Any]:
    due = date.fromisoformat(str(r["follow_up_on"]))
    when = timing(due, today)
    return {
        "lead_id": uid(r["lead_id"]),
        "store_id": uid(r["store_id"]),
        "customer_id": uid(r["customer_id"]),
        "customer_name": r["customer_name"],
        "salesperson_id": uid(r["salesperson_id"]),
        "model_interest": r["model_interest"],
        "follow_up_on": due,
        "by_default": not r["chosen"],
        "timing": when.value,
        "days_overdue": (today - due).days if when is Timing.OVERDUE else 0,
    }


def _call(r: Any, today: date) -> dict[str, Any]:
    due = date.fromisoformat(str(r["due_on"]))
    when = timing(due, today)
    return {
        "deal_id": uid(r["deal_id"]),
        "offset": int(r["day_offset"]),
        "store_id": uid(r["store_id"]),
        "customer_id": uid(r["customer_id"]),
        "customer_name": r["customer_name"],
        "salesperson_id": uid(r["salesperson_id"]),
        "due_on": due,
        "timing": when.value,
        "days_overdue": (today - due).days if when is Timing.OVERDUE else 0,
        "version": int(r["version"]),
    }
