"""One's own sessions (one per token issued at a login): list them, end one or all others."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import ActorDep, ClaimsDep, RuntimeDep
from api.schemas.security import RevokedOut, SessionOut
from api.sessions import revoke_other_sessions, revoke_sessions
from domain.shared.clock import now
from domain.shared.errors import NotFoundError
from workers import sessions as table

router = APIRouter(prefix="/auth/sessions", tags=["auth"])


@router.get("")
def list_sessions(actor: ActorDep, claims: ClaimsDep, runtime: RuntimeDep) -> list[SessionOut]:
    """Your sessions not yet ended or expired, newest first; `current` marks this one."""
    return [
        SessionOut(
            id=s.token_id,
            issued_at=s.issued_at,
            expires_at=s.expires_at,
            address=s.address,
            user_agent=s.user_agent,
            current=s.token_id == claims.token_id,
        )
        for s in table.active(runtime.db, actor.user_id, now())
    ]


@router.delete("/others")
def revoke_others(
    actor: ActorDep, claims: ClaimsDep, runtime: RuntimeDep, request: Request
) -> RevokedOut:
    """End every session of yours but the one this request comes from."""
    return RevokedOut(revoked=revoke_other_sessions(runtime, actor, claims, request))


@router.delete("/{session_id}")
def revoke(session_id: str, actor: ActorDep, runtime: RuntimeDep, request: Request) -> RevokedOut:
    """End one of your sessions: its token fails from its next request on."""
    revoked = revoke_sessions(runtime, actor, [session_id[:100]], request)
    if not revoked:
        raise NotFoundError("session", session_id[:100])
    return RevokedOut(revoked=revoked)
