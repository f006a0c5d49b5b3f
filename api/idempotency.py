"""Idempotency-Key on POST: a retry gets the first answer and writes nothing new.

Keys are scoped to the user (read from the bearer token) and remembered with a hash of the
request; the same key with a different request is refused. A placeholder row claims the key
before the command runs, so two concurrent retries cannot both write. The rows live in
workers/idempotency_keys.py, whose table the one migrate step creates.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import user_of_token
from api.errors import problem
from projections.db import Database
from workers.idempotency_keys import IN_PROGRESS, claim, finish

MAX_KEY_LENGTH = 200


class IdempotencyMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: that costs a task and a stream on every request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        if len(key) > MAX_KEY_LENGTH:
            refused = problem(
                422, "Invalid Idempotency-Key", "the key is longer than 200 characters"
            )
            await refused(scope, receive, send)
            return
        runtime = scope["app"].state.runtime
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        user = user_of_token(token, runtime.settings) if token else None
        if user is None:
            await self.app(scope, receive, send)  # unauthenticated: the route answers 401
            return
        body = await _body(receive)
        digest = hashlib.sha256(
            b"POST " + scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\n" + body
        ).hexdigest()
        db: Database = runtime.db
        existing = await run_in_threadpool(claim, db, str(user), key, digest)
        if existing is not None:
            await _answer_again(existing, digest)(scope, receive, send)
            return
        status, kept_headers, chunks = 500, [], []
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def keep(message: Message) -> None:
            nonlocal status, kept_headers
            if message["type"] == "http.response.start":
                status, kept_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay, keep)
        except BaseException:
            # Nothing the client can rely on was answered: free the key for the retry.
            await run_in_threadpool(finish, db, str(user), key, 500, "", "")
            raise
        content = b"".join(chunks)
        ctype = Headers(raw=kept_headers).get("content-type", "application/json")
        # Stored before it is sent: a retry after the answer always finds it.
        await run_in_threadpool(finish, db, str(user), key, status, content.decode(), ctype)
        await send({"type": "http.response.start", "status": status, "headers": kept_headers})
        await send({"type": "http.response.body", "body": content})


async def _body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _answer_again(existing: dict[str, Any], digest: str) -> Response:
    if existing["request_hash"] != digest:
        return problem(422, "Idempotency-Key reused", "this key was used for a different request")
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
