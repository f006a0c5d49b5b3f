"""The response report of a month: first-response buckets and breach rates per salesperson,
team and store, in the reader's scope."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.shared import months
from domain.shared.access import ReadScope
from domain.sla.model import BUCKETS
from projections.common import Where, uid
from projections.db import Database
from projections.response_sla.projection import MEMBERS, TABLE, TEAMS

_PLACES = Decimal("0.0001")


def _line(key: Any, name: str | None = None) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "leads": 0,
        "answered": 0,
        "breached": 0,
        "decided": 0,
        "escalated": 0,
        "breach_rate": None,
        "buckets": {b.value: 0 for b in BUCKETS},
    }


def _count(line: dict[str, Any], row: dict[str, Any]) -> None:
    line["leads"] += 1
    answered = row["answered_at"] is not None
    breached = bool(row["breached"])
    line["answered"] += 1 if answered else 0
    line["breached"] += 1 if breached else 0
    line["escalated"] += 1 if row["escalated"] else 0
    # A clock is decided once answered or breached; one still running within its limit is not.
    line["decided"] += 1 if answered or breached else 0
    if row["bucket"] is not None:
        line["buckets"][row["bucket"]] += 1


def _rate(line: dict[str, Any]) -> dict[str, Any]:
    if line["decided"]:
        rate = Decimal(line["breached"]) / Decimal(line["decided"])
        line["breach_rate"] = rate.quantize(_PLACES, rounding=ROUND_HALF_UP)
    return line


def response_report(db: Database, month: str, *, scope: ReadScope) -> dict[str, Any]:
    """Leads captured in `month` in the scope: how many, answered, breached, escalated, the
    breach rate (breached / decided) and the first-response buckets, overall and per store,
    team (as the teams are now) and salesperson (the owner the clock judged).

    Answer: {month, total, stores, teams, salespeople}; each line {key, name, leads, answered,
    breached, decided, escalated, breach_rate (Decimal to 4 places or None), buckets}."""
    store_id, salesperson_id, team = scope.narrowed_team()
    months.parse(month)
    where = (
        Where()
        .add("r.month = ?", month)
        .equal("r.store_id", store_id)
        .equal("r.salesperson_id", salesperson_id)
        .among("r.salesperson_id", team)
    )
    rows = db.query(
        f"SELECT r.*, m.team_id, t.name AS team_name FROM {TABLE} r"
        f" LEFT JOIN {MEMBERS} m ON m.staff_id = r.salesperson_id"
        f" LEFT JOIN {TEAMS} t ON t.team_id = m.team_id{where.sql}",
        where.params,
    )
    total = _line("total")
    stores: dict[str, dict[str, Any]] = {}
    teams: dict[str, dict[str, Any]] = {}
    people: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        _count(total, row)
        _count(stores.setdefault(row["store_id"], _line(uid(row["store_id"]))), row)
        if row["team_id"] is not None:
            line = teams.setdefault(row["team_id"], _line(uid(row["team_id"]), row["team_name"]))
            _count(line, row)
        person = row["salesperson_id"]
        _count(people.setdefault(person, _line(uid(person) if person else None)), row)

    def ordered(lines: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
        rated = [_rate(x) for x in lines.values()]
        return sorted(rated, key=lambda x: (-x["leads"], str(x["key"])))

    return {
        "month": month,
        "total": _rate(total),
        "stores": ordered(stores),
        "teams": ordered(teams),
        "salespeople": ordered(people),
    }
