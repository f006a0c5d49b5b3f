"""Audit: replay any record's history from the log and verify the log was not altered."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, RuntimeDep
from api.schemas.history import CheckpointsOut, HistoryOut, IntegrityOut
from audit.history import replay
from domain.shared.access import AUDITORS, ensure_role
from workers.checkpoints import export, verify_log

router = APIRouter(prefix="/history", tags=["audit"])


# Declared before /{aggregate_id} so that "integrity" is never parsed as an id.
@router.get("/integrity")
def integrity(
    runtime: RuntimeDep,
    actor: ActorDep,
    upto: Annotated[
        int | None,
        # Bounded: the stores keep positions as signed 64-bit integers.
        Query(
            ge=1,
            le=2**63 - 1,
            description="Verify only up to this log position (to compare a recorded head)",
        ),
    ] = None,
) -> IntegrityOut:
    """Check the log (ordered, gapless, decodable), recompute its keyed chain and compare every
    signed checkpoint; the first position where it breaks (auditor)."""
    ensure_role(actor, *AUDITORS)
    keys = runtime.settings.keys
    return IntegrityOut(**verify_log(runtime.app, runtime.db, keys, stop=upto).as_dict())


@router.get("/checkpoints")
def checkpoints(runtime: RuntimeDep, actor: ActorDep) -> CheckpointsOut:
    """Every signed checkpoint of the log's chain with the public keys that check them, to keep
    elsewhere (auditor)."""
    ensure_role(actor, *AUDITORS)
    return CheckpointsOut(**export(runtime.db, runtime.settings.keys))


@router.get("/{aggregate_id}")
def aggregate_history(
    aggregate_id: UUID,
    runtime: RuntimeDep,
    actor: ActorDep,
    version: Annotated[
        int | None,
        Query(ge=1, le=2**63 - 1, description="Show the state at this version (events up to it)"),
    ] = None,
) -> HistoryOut:
    """Every event of a record, who caused it and when, and its state at a version (auditor)."""
    ensure_role(actor, *AUDITORS)
    return HistoryOut.model_validate(replay(runtime.app, aggregate_id, version))
