"""Recording accesses from the API and the pages: the request's address and user agent, and
every admin action.

Admin actions are recorded by one pure ASGI middleware, `AdminActions`, rather than by a call in
each route: every write route (JSON and page, present and future) is covered without anyone
remembering to add it. The principal is the one the request's own authentication resolved
(`api/deps.py` and `api/pages/session.py` leave it in `request.state.principal`), so nothing is
decoded twice; once the response has started, a non-GET request by an admin that succeeded
(status below 400) is recorded with its route template (never the path's values, nor the body:
a password reset carries a password), method, status and the path's values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.sessions import address_of, user_agent_of
from domain.organisation.model import User
from domain.reporting.model import Export
from domain.shared.access import AUDITORS, ensure_role
from domain.shared.actor import Principal, Role
from domain.shared.errors import InvalidValueError, NotFoundError
from workers.access_log import Access, AccessEntry, AccessKind, AccessQuery, search
from workers.runtime import Runtime

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_of(request: Request) -> tuple[str, str | None]:
    """The client's address and user agent, as the request states them (the sessions' own
    reading: one rule for what is kept of a user agent)."""
    return address_of(request), user_agent_of(request) or None


def record(
    runtime: Runtime,
    request: Request,
    kind: AccessKind,
    actor: Principal | None,
    subject: object = None,
    **detail: object,
) -> None:
    """Record an access made through this request (its address and user agent)."""
    address, agent = client_of(request)
    runtime.access_log.record(
        Access(
            kind=kind,
            actor_id=None if actor is None else actor.user_id,
            subject=None if subject is None else str(subject),
            detail={k: str(v) for k, v in detail.items() if v is not None},
            address=address,
            user_agent=agent,
        )
    )


def statement_read(
    runtime: Runtime,
    request: Request,
    actor: Principal,
    period_id: UUID,
    salesperson_id: UUID,
    view: str,
    line: int | None = None,
) -> None:
    """Record a read of someone else's statement (one's own is not recorded)."""
    if actor.staff_id != salesperson_id:
        record(
            runtime,
            request,
            AccessKind.PAY_STATEMENT_READ,
            actor,
            salesperson_id,
            period_id=period_id,
            view=view,
            line=line,
        )


def export_downloaded(
    runtime: Runtime, request: Request, actor: Principal, export: Export, channel: str
) -> None:
    """Record an export's download: which file, of which kind, month and store."""
    record(
        runtime,
        request,
        AccessKind.EXPORT_DOWNLOADED,
        actor,
        export.id,
        export_kind=export.kind,
        month=export.month,
        store_id=export.store_id,
        file_name=export.file_name,
        sha256=export.sha256,
        channel=channel,
    )


class AdminActions:
    """Record every successful non-GET request made by an admin (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READS:
            await self.app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        state: dict[str, Any] = scope.get("state") or {}
        principal = state.get("principal")
        if not isinstance(principal, Principal) or principal.role is not Role.ADMIN:
            return
        if not 0 < status < 400:
            return
        route = scope.get("route")
        template = getattr(route, "path", None) or "(no route)"
        client = scope.get("client")
        agent = next((v for k, v in scope.get("headers", ()) if k == b"user-agent"), None)
        # The path's values name what was acted on (a username, a customer's id): the subject
        # is the first, so that "by customer" finds an admin's changes to that customer.
        params = {str(k): str(v) for k, v in (scope.get("path_params") or {}).items()}
        detail = {**params, "method": scope["method"], "route": template, "status": str(status)}
        scope["app"].state.runtime.access_log.record(
            Access(
                kind=AccessKind.ADMIN_ACTION,
                actor_id=principal.user_id,
                subject=next(iter(params.values()), None),
                detail=detail,
                address=client[0] if client else "unknown",
                user_agent=None if agent is None else agent.decode("latin-1"),
            )
        )


# --- reading the log (auditors) -----------------------------------------------------------------


def usernames(runtime: Runtime, user_ids: Iterable[str | None]) -> dict[str, str]:
    """user id -> username for the actors of a page of entries (users are few; each is loaded
    from the log, as the login does)."""
    names: dict[str, str] = {}
    for user_id in {u for u in user_ids if u}:
        try:
            names[user_id] = runtime.app.load(User, UUID(user_id), "user").username
        except (ValueError, NotFoundError):
            continue
    return names


def access_query(
    *,
    user: str | None,
    customer: UUID | None,
    kind: AccessKind | None,
    since: datetime | None,
    until: datetime | None,
    cursor: int | None,
    limit: int,
) -> AccessQuery:
    """The search the filters ask for; InvalidValueError for times without a zone or out of
    order. `user`: a username (its actions and the logins tried with it) or a user id."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidValueError(f"{name} needs a time zone, e.g. 2026-05-01T00:00:00+08:00")
    if since is not None and until is not None and since >= until:
        raise InvalidValueError("since must be before until")
    actor_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    if user is not None and "\x00" in user:
        raise InvalidValueError("user must not contain a NUL character")
    if user is not None and user.strip():
        try:
            actor_ids = (str(UUID(user.strip())),)
        except ValueError:
            username = user.strip().lower()
            actor_ids, names = (str(User.id_for(username)),), (username,)
    return AccessQuery(
        actor_ids=actor_ids,
        usernames=names,
        subject=None if customer is None else str(customer),
        kind=None if kind is None else str(kind),
        since=since,
        until=until,
        before=cursor,
        limit=limit,
    )


def read_entries(
    runtime: Runtime, actor: Principal, query: AccessQuery
) -> tuple[list[AccessEntry], dict[str, str], int | None]:
    """A page of entries for an auditor, the actors' usernames, the next page's cursor.

    What this process recorded is written first (a bounded wait), so a reader sees it."""
    ensure_role(actor, *AUDITORS)
    runtime.access_log.flush(timeout=2.0)
    entries, cursor = search(runtime.db, query)
    return entries, usernames(runtime, (e.actor_id for e in entries)), cursor
