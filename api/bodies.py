"""Request bodies a client could break the server with are refused before anything parses them.

A pure ASGI middleware, outermost: a body larger than the limit is refused with 413 as soon as its
`Content-Length` or its chunks say so (never read whole into memory); a JSON or form body must be
UTF-8, and a JSON body may nest only so deep (the parser recurses, and 100,000 levels exhaust its
stack). What passes is handed on unchanged.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem

MAX_DEPTH = 32

# A JSON string (escapes included), then every byte that is not a bracket: what stays is the
# nesting skeleton, whose innermost pairs are removed one level per pass.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when the JSON text nests deeper than `limit` (or its brackets do not pair up)."""
    skeleton = _NOT_BRACKET.sub(b"", _STRING.sub(b"", body))
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton, removed = _INNERMOST.subn(b"", skeleton)
        if not removed:
            return True  # brackets that never pair: not JSON, refused like depth
    return bool(skeleton)


def _kind(headers: Headers) -> str:
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if not ctype or ctype == "application/json" or ctype.endswith("+json"):
        return "json"  # FastAPI reads a body without a content type as JSON too
    if ctype == "application/x-www-form-urlencoded":
        return "form"
    return "other"


class BodyGuard:
    """413 for a body over `max_bytes`; 422 for a JSON or form body that is not UTF-8 or a JSON
    body nested deeper than MAX_DEPTH. Problem documents, like every other error."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        size = 0
        disconnected: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                disconnected = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        refusal = self._refusal(_kind(headers), body) if body else None
        if refusal is not None:
            await problem(422, "Invalid request", refusal, errors=[_error(refusal)])(
                scope, receive, send
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                if disconnected is not None:
                    return disconnected
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _refusal(kind: str, body: bytes) -> str | None:
        if kind == "other":
            return None
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return "the body is not UTF-8 text"
        if kind == "json" and too_deep(body):
            return f"the body nests deeper than {MAX_DEPTH} levels (or its brackets do not pair)"
        return None

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = problem(
            413, "Content too large", f"the body is larger than {self.max_bytes} bytes"
        )
        await refused(scope, receive, send)


def _error(message: str) -> dict[str, object]:
    return {"loc": ["body"], "msg": message, "type": "body_unreadable"}
