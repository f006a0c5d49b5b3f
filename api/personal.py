"""Customers' personal data revealed at the moment of answering, and only then.

Names, phones and notes travel sealed (`pii:1:<customer id>:<base64>`, see
`audit/personal.py`) from the log through the views and the services up to here. One pure ASGI
middleware (`RevealPersonal`) looks at every JSON or HTML answer (pages, htmx partials, the
JSON routes, the PIPL export) just before it leaves: it finds the sealed values in it, reads
the keys of all the customers they belong to in one query, and writes each value in clear,
escaped for where it stands. So no route or template can forget to reveal, and no sealed
string reaches a person. The revealing itself (`Revealer`) lives in `workers/reveal.py`, where
the pages' people pickers and the workers' export files use it too.

- A phone is revealed masked (`138****8000`) unless the principal may see it in full
  (`read_scope(...).sees_full_phone`) and the route asked for it in full: a list marks its
  phones `pii:m:` (`domain.shared.personal.shown_masked`), shown masked to everyone. Every
  phone revealed in full is recorded in the access log (FULL_PHONE_READ, once per customer per
  answer), with the principal, the address and the user agent.
- A value whose key was destroyed (the customer erased) shows as 已删除, or "erased" in English
  (the page's language; for the JSON API the principal's chosen language, zh-CN by default).
"""

from __future__ import annotations

import html
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit import personal
from domain.shared.access import ReadScope
from domain.shared.personal import ERASED, MASKED_PREFIX, shown_masked
from domain.shared.values import masked_phone
from workers.reveal import TOKEN, Revealer, erased_text

_TEXT_TYPES = (b"application/json", b"text/html", b"application/problem+json")

# --- what a route hands over ----------------------------------------------------------------


def phone_shown(phone: str, scope: ReadScope) -> str:
    """A customer's phone as a detail answer carries it to the middleware: sealed (revealed in
    full if the scope may see it, else masked), or, stored before sealing, already final."""
    if personal.is_sealed(phone) or phone == ERASED:
        return phone if scope.sees_full_phone else shown_masked(phone)
    return phone if scope.sees_full_phone else masked_phone(phone)


def _json_escape(text: str) -> str:
    # What json.dumps(text, ensure_ascii=False) writes, without its per-call set-up.
    return str(encode_basestring(text))[1:-1]


def _html_escape(text: str) -> str:
    return html.escape(text, quote=True)


# --- the middleware ---------------------------------------------------------------------------


class RevealPersonal:
    """Reveals the sealed personal values of every JSON and HTML answer as it leaves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        # The state the routes fill (the principal, the language), shared by reference even
        # where an inner layer copies the scope.
        scope.setdefault("state", {})

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                sent = dict(message.get("headers", []))
                ctype = sent.get(b"content-type", b"")
                # A compressed answer (static assets) holds no personal data: passed on as is.
                if b"content-encoding" not in sent and any(
                    ctype.startswith(t) for t in _TEXT_TYPES
                ):
                    start = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                if b"pii:" in body:
                    body = await to_thread.run_sync(self._reveal, scope, start, body)
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    def _reveal(scope: Scope, start: Message, body: bytes) -> bytes:
        runtime = scope["app"].state.runtime
        state = scope["state"]
        headers = dict(scope.get("headers", []))
        ctype = dict(start.get("headers", [])).get(b"content-type", b"")
        client = scope.get("client")
        revealer = Revealer(
            runtime.customer_keys,
            state.get("principal"),
            access_log=runtime.access_log,
            # The page's language; for the JSON API the principal's (zh-CN by default).
            language=state.get("language") or getattr(state.get("principal"), "language", None),
            address=client[0] if client else None,
            user_agent=headers.get(b"user-agent", b"").decode("latin-1") or None,
        )
        escape = _html_escape if ctype.startswith(b"text/html") else _json_escape
        return revealer.text(body.decode("utf-8"), escape).encode("utf-8")


__all__ = ["MASKED_PREFIX", "TOKEN", "RevealPersonal", "Revealer", "erased_text", "phone_shown"]
