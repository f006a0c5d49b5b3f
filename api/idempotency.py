"""Idempotency-Key on POST: a retry gets the first answer and writes nothing new.

Keys are scoped to the user (read from the bearer token) and remembered with a hash of the
request; the same key with a different request is refused. A placeholder row claims the key
before the command runs, so two concurrent retries cannot both write.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from api.auth import user_of_token
from api.errors import problem
from domain.shared.clock import now
from projections.db import Database

DDL = (
    "CREATE TABLE IF NOT EXISTS api_idempotency ("
    " user_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL, body TEXT, content_type TEXT, created_at TEXT NOT NULL,"
    " PRIMARY KEY (user_id, key))"
)
IN_PROGRESS = 0
MAX_KEY_LENGTH = 200


def migrate(db: Database) -> None:
    with db.transaction() as tx:
        tx.execute(DDL)


def _claim(db: Database, user: str, key: str, digest: str) -> dict[str, Any] | None:
    """Claim the key; the existing row when it was claimed before."""
    with db.transaction() as tx:
        row = tx.one(
            "SELECT request_hash, status, body, content_type FROM api_idempotency"
            " WHERE user_id = ? AND key = ?",
            (user, key),
        )
        if row is not None:
            return row
        tx.execute(
            "INSERT INTO api_idempotency (user_id, key, request_hash, status, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user, key, digest, IN_PROGRESS, now().isoformat()),
        )
        return None


def _finish(db: Database, user: str, key: str, status: int, body: str, ctype: str) -> None:
    with db.transaction() as tx:
        if status >= 500:
            # A server failure wrote nothing the client can rely on: let the retry run again.
            tx.execute("DELETE FROM api_idempotency WHERE user_id = ? AND key = ?", (user, key))
        else:
            tx.execute(
                "UPDATE api_idempotency SET status = ?, body = ?, content_type = ?"
                " WHERE user_id = ? AND key = ?",
                (status, body, ctype, user, key),
            )


class IdempotencyMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method != "POST" or not key:
            return await call_next(request)
        if len(key) > MAX_KEY_LENGTH:
            return problem(422, "Invalid Idempotency-Key", "the key is longer than 200 characters")
        runtime = request.app.state.runtime
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        user = user_of_token(token, runtime.settings) if token else None
        if user is None:
            return await call_next(request)  # unauthenticated: the route answers 401
        body = await request.body()
        digest = hashlib.sha256(
            request.method.encode()
            + b" "
            + request.url.path.encode()
            + b"?"
            + request.url.query.encode()
            + b"\n"
            + body
        ).hexdigest()
        db: Database = runtime.db
        existing = await run_in_threadpool(_claim, db, str(user), key, digest)
        if existing is not None:
            if existing["request_hash"] != digest:
                return problem(
                    422,
                    "Idempotency-Key reused",
                    "this key was used for a different request",
                )
            if existing["status"] == IN_PROGRESS:
                return problem(
                    409, "Request in progress", "the first request with this key is still running"
                )
            return Response(
                content=existing["body"] or "",
                status_code=int(existing["status"]),
                media_type=existing["content_type"],
                headers={"Idempotent-Replayed": "true"},
            )
        response = await call_next(request)
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        ctype = response.headers.get("content-type", "application/json")
        await run_in_threadpool(
            _finish, db, str(user), key, response.status_code, content.decode(), ctype
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content=content, status_code=response.status_code, headers=headers)
