"""Sessions of the API and the pages: issuing a token records its session; revoking marks it.

Every authenticated request (api/deps.py, api/pages/session.py) asks `revoked` of its token's
session: one primary-key read of the sessions table (workers/sessions.py). Issue and revocation
are recorded in the access log (workers/access_log.py); a token's issue is recorded by log_in.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from api.auth import TokenClaims, claims_of_token, issue_token
from domain.app import Written
from domain.shared.actor import Principal
from domain.shared.clock import now
from workers import sessions as table
from workers.access_log import Access, AccessKind
from workers.runtime import Runtime


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def user_agent_of(request: Request) -> str:
    return request.headers.get("user-agent", "")[: table.USER_AGENT_MAX]


def start_session(runtime: Runtime, principal: Principal, address: str, user_agent: str) -> str:
    """A new token for the principal (its user's generation now), its session recorded."""
    generation = runtime.organisation.token_generation(UUID(principal.user_id))
    issued = now()  # to the microsecond (the token's own `iat` is in whole seconds)
    token = issue_token(principal, runtime.settings, generation)
    claims = claims_of_token(token, runtime.settings)
    if claims is None:  # a token just made with the same settings always reads back
        raise RuntimeError("a token just issued does not verify")
    table.record(
        runtime.db,
        claims.token_id,
        principal.user_id,
        issued,
        claims.expires_at,
        address,
        user_agent,
    )
    return token


def revoked(runtime: Runtime, claims: TokenClaims) -> bool:
    """Whether the token's session was revoked (from the sessions list, or by logging out)."""
    return table.is_revoked(runtime.db, claims.token_id)


def _record_revocations(
    runtime: Runtime, actor: Principal, token_ids: list[str], reason: str, request: Request
) -> None:
    """One TOKEN_REVOKED entry per token, with the same detail keys as every other revocation
    (`reason`, `token_id`: a password change's, in api/pages/routes/account.py, and the API's)."""
    for token_id in token_ids:
        runtime.access_log.record(
            Access(
                kind=AccessKind.TOKEN_REVOKED,
                actor_id=actor.user_id,
                subject=token_id,
                detail={"reason": reason, "token_id": token_id},
                address=address_of(request),
                user_agent=user_agent_of(request),
            )
        )


def revoke_sessions(
    runtime: Runtime, actor: Principal, token_ids: list[str], request: Request
) -> list[str]:
    """Revoke these sessions of the actor's own (others' ids are ignored); the ids revoked."""
    done = table.revoke(runtime.db, actor.user_id, token_ids, now())
    _record_revocations(runtime, actor, done, "sessions_list", request)
    return done


def revoke_other_sessions(
    runtime: Runtime, actor: Principal, current: TokenClaims, request: Request
) -> list[str]:
    """Revoke every active session of the actor but the current one."""
    others = [
        s.token_id
        for s in table.active(runtime.db, actor.user_id, now())
        if s.token_id != current.token_id
    ]
    done = table.revoke(runtime.db, actor.user_id, others, now())
    _record_revocations(runtime, actor, done, "other_sessions", request)
    return done


def end_session(
    runtime: Runtime, actor: Principal, claims: TokenClaims, request: Request
) -> Written:
    """Log out: the token is revoked on the user (an event, as before) and its session marked."""
    written = runtime.organisation.revoke_token(actor, claims.token_id, claims.expires_at)
    table.revoke(runtime.db, actor.user_id, [claims.token_id], now())
    _record_revocations(runtime, actor, [claims.token_id], "logout", request)
    return written


def record_second_factor_change(
    runtime: Runtime, actor: Principal, user_id: str, change: str, request: Request
) -> None:
    """The access log's entry for a second factor enabled, disabled or reset (by an admin)."""
    runtime.access_log.record(
        Access(
            kind=AccessKind.SECOND_FACTOR_CHANGED,
            actor_id=actor.user_id,
            subject=user_id,
            detail={"change": change},
            address=address_of(request),
            user_agent=user_agent_of(request),
        )
    )
