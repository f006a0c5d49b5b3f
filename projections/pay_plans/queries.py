"""Pay plans from the view: lists for the API, and whose plan version is in force in a month.

`resolver_for_month` is what a pay run calls: it loads the assignments, versions and staff
posts once and answers `staff_id → PlanVersion | None` with the rules of
domain/pay/plans.py (the month's first day decides; a staff assignment beats a
role-at-store one; the latest effective date wins). `as_of` resolves with only what had been
recorded by then, so an approved period can be recomputed with the plans it was approved with.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.pay.plans import (
    Assignment,
    PlanVersion,
    first_day,
    resolve_assignment,
)
from domain.shared.access import SYSTEM_READ, ReadScope
from domain.shared.errors import NotFoundError
from projections.common import Where, day_of, flag, moment, page, paged, uid, utc_iso
from projections.db import Database, Row
from projections.pay_plans.projection import ASSIGNMENTS, PLANS, POSTS, STAFF, VERSIONS

Resolver = Callable[[UUID], PlanVersion | None]


# --- lists ----------------------------------------------------------------------------------------


def list_plans(
    db: Database,
    *,
    scope: ReadScope = SYSTEM_READ,
    retired: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Plans by name in `scope`: all for group roles; for a salesperson only plans ever
    assigned to them (directly, or to salespeople at their store); for a manager plans
    assigned at their store (to its role, or to someone working there now)."""
    if not scope.visible or (not scope.group_wide and scope.store_id is None):
        return paged([], 0, limit, offset)
    scope_store_id = None if scope.group_wide else scope.store_id
    scope_staff_id = scope.salesperson_id if scope.own_only else None
    where = Where()
    if retired is not None:
        where.add("p.retired = ?", int(retired))
    if scope_staff_id is not None:
        where.add(
            f"p.plan_id IN (SELECT plan_id FROM {ASSIGNMENTS} WHERE staff_id = ?"
            " OR (staff_id IS NULL AND store_id = ? AND role = 'salesperson'))",
            str(scope_staff_id),
            str(scope_store_id),
        )
    elif scope.salesperson_ids is not None:
        # A team leader: plans assigned to the team's members or to the store's sales roles.
        team = sorted(str(i) for i in scope.salesperson_ids)
        marks = ", ".join("?" for _ in team) or "NULL"
        where.add(
            f"p.plan_id IN (SELECT plan_id FROM {ASSIGNMENTS} WHERE staff_id IN ({marks})"
            " OR (staff_id IS NULL AND store_id = ? AND role IN ('salesperson', 'team_leader')))",
            *team,
            str(scope_store_id),
        )
    elif scope_store_id is not None:
        where.add(
            f"p.plan_id IN (SELECT plan_id FROM {ASSIGNMENTS} WHERE store_id = ?"
            f" OR staff_id IN (SELECT staff_id FROM {STAFF} WHERE store_id = ?))",
            str(scope_store_id),
            str(scope_store_id),
        )
    rows, total = page(
        db,
        f"SELECT p.*, (SELECT COUNT(*) FROM {ASSIGNMENTS} a WHERE a.plan_id = p.plan_id"
        " AND a.effective_to IS NULL) AS open_assignments"
        f" FROM {PLANS} p{where.sql}",
        where.params,
        "name, plan_id",
        limit,
        offset,
    )
    return paged([_plan(r) for r in rows], total, limit, offset)


def _plan(row: Row) -> dict[str, Any]:
    return {
        "id": UUID(row["plan_id"]),
        "name": row["name"],
        "description": row["description"],
        "retired": flag(row["retired"]),
        "versions": int(row["versions"]),
        "latest_effective_from": day_of(row["latest_effective_from"]),
        "open_assignments": int(row["open_assignments"]),
        "created_at": moment(row["created_at"]),
        "updated_at": moment(row["updated_at"]),
    }


def plan_versions(db: Database, plan_id: UUID) -> list[dict[str, Any]]:
    """The published versions of a plan, oldest first, components as dicts."""
    rows = db.query(f"SELECT * FROM {VERSIONS} WHERE plan_id = ? ORDER BY version", (str(plan_id),))
    return [
        {
            "version": int(r["version"]),
            "effective_from": date.fromisoformat(r["effective_from"]),
            "components": json.loads(r["components"]),
            "note": r["note"],
            "published_at": moment(r["published_at"]),
        }
        for r in rows
    ]


def plan_assignments(
    db: Database, plan_id: UUID, store_id: UUID | None = None
) -> list[dict[str, Any]]:
    """A plan's assignments by effective date; with `store_id` only those at that store."""
    where = Where().equal("a.plan_id", plan_id)
    if store_id is not None:
        where.add(
            f"(a.store_id = ? OR a.staff_id IN (SELECT staff_id FROM {STAFF} WHERE store_id = ?))",
            str(store_id),
            str(store_id),
        )
    rows = db.query(
        f"SELECT a.* FROM {ASSIGNMENTS} a{where.sql} ORDER BY a.effective_from, a.assignment_id",
        where.params,
    )
    return [
        {
            "assignment_id": UUID(r["assignment_id"]),
            "staff_id": uid(r["staff_id"]),
            "store_id": uid(r["store_id"]),
            "role": r["role"],
            "effective_from": date.fromisoformat(r["effective_from"]),
            "effective_to": day_of(r["effective_to"]),
        }
        for r in rows
    ]


# --- resolution -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Post:
    since: date
    seq: int
    store_id: UUID


class _Plans:
    """Everything resolution needs, loaded once (as recorded by `as_of`, when given)."""

    def __init__(self, db: Database, as_of: datetime | None) -> None:
        cutoff = None if as_of is None else utc_iso(as_of)

        def known(row: Row, column: str = "recorded_at") -> bool:
            value = row[column]
            return value is not None and (cutoff is None or value <= cutoff)

        self.assignments: list[Assignment] = []
        for r in db.query(f"SELECT * FROM {ASSIGNMENTS} ORDER BY assignment_id"):
            if not known(r):
                continue
            ended = known(r, "ended_recorded_at") and r["effective_to"] is not None
            self.assignments.append(
                Assignment(
                    assignment_id=UUID(r["assignment_id"]),
                    plan_id=UUID(r["plan_id"]),
                    staff_id=uid(r["staff_id"]),
                    store_id=uid(r["store_id"]),
                    role=r["role"],
                    effective_from=date.fromisoformat(r["effective_from"]),
                    effective_to=date.fromisoformat(r["effective_to"]) if ended else None,
                )
            )
        self.names = {r["plan_id"]: r["name"] for r in db.query(f"SELECT * FROM {PLANS}")}
        self.versions: dict[UUID, list[Row]] = defaultdict(list)
        for r in db.query(f"SELECT * FROM {VERSIONS} ORDER BY plan_id, version"):
            if known(r):
                self.versions[UUID(r["plan_id"])].append(r)
        self.roles: dict[UUID, str] = {}
        for r in db.query(f"SELECT * FROM {STAFF}"):
            if known(r):
                self.roles[UUID(r["staff_id"])] = r["role"]
        self.posts: dict[UUID, list[_Post]] = defaultdict(list)
        for r in db.query(f"SELECT * FROM {POSTS} ORDER BY staff_id, seq"):
            if known(r):
                self.posts[UUID(r["staff_id"])].append(
                    _Post(date.fromisoformat(r["since"]), int(r["seq"]), UUID(r["store_id"]))
                )
        self._parsed: dict[tuple[UUID, int], PlanVersion] = {}

    def store_on(self, staff_id: UUID, day: date) -> UUID | None:
        """Where the person worked on `day`: the latest post (hire or transfer, in the order they
        were recorded) whose business day is on or before `day`; someone hired later counts at
        the hiring store. Recording order decides between back-dated moves."""
        posts = self.posts.get(staff_id)
        if not posts:
            return None
        current = posts[0].store_id
        for post in posts:
            if post.since <= day:
                current = post.store_id
        return current

    def version(self, plan_id: UUID, day: date) -> PlanVersion | None:
        chosen = None
        for row in self.versions.get(plan_id, ()):
            if date.fromisoformat(row["effective_from"]) <= day:
                chosen = row
        if chosen is None:
            return None
        key = (plan_id, int(chosen["version"]))
        if key not in self._parsed:
            self._parsed[key] = PlanVersion.from_dicts(
                plan_id,
                key[1],
                date.fromisoformat(chosen["effective_from"]),
                json.loads(chosen["components"]),
                self.names.get(str(plan_id), ""),
            )
        return self._parsed[key]

    def resolve(self, staff_id: UUID, day: date) -> PlanVersion | None:
        assignment = resolve_assignment(
            self.assignments,
            staff_id,
            self.store_on(staff_id, day),
            self.roles.get(staff_id),
            day,
        )
        return None if assignment is None else self.version(assignment.plan_id, day)


def resolver_for_month(db: Database, month: str, *, as_of: datetime | None = None) -> Resolver:
    """`staff_id → the PlanVersion in force for them in `month`` (None: no plan).

    Decided on the month's first day: the staff member's store and role that day (someone hired
    later in the month counts at the store that hired them), the assignment in force that day,
    and the plan's version effective that day. Answers are remembered per staff member.
    """
    day = first_day(month)
    plans = _Plans(db, as_of)
    known: dict[UUID, PlanVersion | None] = {}

    def plan_for(staff_id: UUID) -> PlanVersion | None:
        if staff_id not in known:
            known[staff_id] = plans.resolve(staff_id, day)
        return known[staff_id]

    return plan_for


def plan_versions_for_month(
    db: Database,
    month: str,
    store_id: UUID | None = None,
    *,
    as_of: datetime | None = None,
) -> dict[UUID, PlanVersion]:
    """Every staff member with a plan in force in `month`, optionally only those who worked at
    `store_id` on the month's first day (or were hired there later that month)."""
    day = first_day(month)
    plans = _Plans(db, as_of)
    result: dict[UUID, PlanVersion] = {}
    for staff_id in sorted(plans.roles):
        if store_id is not None and plans.store_on(staff_id, day) != store_id:
            continue
        version = plans.resolve(staff_id, day)
        if version is not None:
            result[staff_id] = version
    return result


def plan_in_force(
    db: Database, staff_id: UUID, month: str, *, scope: ReadScope
) -> PlanVersion | None:
    """The plan version in force for a staff member in `month`, if `scope` reaches them: a
    salesperson asks about themselves, a store manager about their store's staff (not found
    otherwise)."""
    if not scope.group_wide:
        own = scope.own_only and staff_id == scope.own_staff_id
        same_store = (
            not scope.own_only
            and scope.store_id is not None
            and staff_store(db, staff_id) == scope.store_id
            and (scope.salesperson_ids is None or staff_id in scope.salesperson_ids)
        )
        if not (scope.visible and (own or same_store)):
            raise NotFoundError("staff", staff_id)
    return version_in_force_for(db, staff_id, month)


def version_in_force_for(
    db: Database, staff_id: UUID, month: str, *, as_of: datetime | None = None
) -> PlanVersion | None:
    """The plan version in force for one staff member in `month`."""
    return resolver_for_month(db, month, as_of=as_of)(staff_id)


def staff_store(db: Database, staff_id: UUID) -> UUID | None:
    """Where the staff member works now, as this view knows it."""
    row = db.one(f"SELECT store_id FROM {STAFF} WHERE staff_id = ?", (str(staff_id),))
    return None if row is None else UUID(row["store_id"])
