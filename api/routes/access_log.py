"""The access log for auditors: who logged in, who read what, who downloaded what; and the
verification of its chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api import access
from api.deps import ActorDep, RuntimeDep
from api.schemas.access_log import (
    AccessEntryOut,
    AccessPageOut,
    AccessProblemOut,
    AccessVerificationOut,
)
from domain.shared.access import AUDITORS, ensure_role
from workers import checkpoints
from workers.access_log import AccessKind

router = APIRouter(prefix="/audit/access", tags=["audit"])


@router.get("")
def list_access(
    runtime: RuntimeDep,
    actor: ActorDep,
    user: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A username (what it did, and the logins tried with it) or a user id",
        ),
    ] = None,
    customer: Annotated[
        UUID | None, Query(description="Entries about this customer (or any subject id)")
    ] = None,
    kind: AccessKind | None = None,
    since: Annotated[datetime | None, Query(description="From this time (with its zone)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (with its zone)")] = None,
    cursor: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AccessPageOut:
    """Access log entries, newest first, by user, customer, kind and time (auditor, admin)."""
    query = access.access_query(
        user=user,
        customer=customer,
        kind=kind,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    entries, names, next_cursor = access.read_entries(runtime, actor, query)
    return AccessPageOut(
        items=[
            AccessEntryOut(
                sequence=e.sequence,
                at=e.at,
                kind=e.kind,
                actor_id=e.actor_id,
                actor_username=names.get(e.actor_id or ""),
                subject=e.subject,
                detail=e.detail,
                address=e.address,
                user_agent=e.user_agent,
            )
            for e in entries
        ],
        limit=limit,
        next_cursor=next_cursor,
    )


@router.get("/verification")
def verify_access(runtime: RuntimeDep, actor: ActorDep) -> AccessVerificationOut:
    """Recompute the access log's HMAC chain: every entry, link and gap (auditor, admin)."""
    ensure_role(actor, *AUDITORS)
    report = checkpoints.verify_running(runtime.access_log)
    return AccessVerificationOut(
        ok=report.ok,
        count=report.count,
        last_sequence=report.last_sequence,
        head=report.head,
        first_break=report.first_break,
        problem_count=report.problem_count,
        problems=[
            AccessProblemOut(sequence=p.sequence, problem=p.problem) for p in report.problems
        ],
        anchored_sequence=report.anchored_sequence,
        anchored_at=report.anchored_at,
        unanchored=report.unanchored,
    )
