"""Customers' personal data revealed at the moment of answering, and only then.

Names, phones and notes travel sealed (`pii:1:<customer id>:<base64>`, see
`audit/personal.py`) from the log through the views and the services up to here. One pure ASGI
middleware (`RevealPersonal`) looks at every JSON or HTML answer (pages, htmx partials, the
JSON routes, the PIPL export) just before it leaves: it finds the sealed values in it, reads
the keys of all the customers they belong to in one query, and writes each value in clear,
escaped for where it stands. So no route, template or export writer can forget to reveal, and
no sealed string reaches a person.

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
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit import personal
from domain.shared.access import ReadScope, read_scope
from domain.shared.actor import Principal
from domain.shared.personal import ERASED, MASKED_PREFIX, SEALED_PREFIX, shown_masked
from domain.shared.values import masked_phone
from workers.access_log import Access, AccessKind, AccessLog
from workers.customer_keys import CustomerKeys

TOKEN = re.compile(
    r"pii:(?P<kind>1|m):(?P<customer>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r":(?P<data>[A-Za-z0-9+/]+=*)|pii:erased"
)
ERASED_TEXT = {"zh-CN": "已删除", "en": "erased"}
_TEXT_TYPES = (b"application/json", b"text/html", b"application/problem+json")


def erased_text(language: str | None) -> str:
    return ERASED_TEXT["en"] if (language or "").startswith("en") else ERASED_TEXT["zh-CN"]


# --- what a route hands over ----------------------------------------------------------------


def phone_shown(phone: str, scope: ReadScope) -> str:
    """A customer's phone as a detail answer carries it to the middleware: sealed (revealed in
    full if the scope may see it, else masked), or, stored before sealing, already final."""
    if personal.is_sealed(phone) or phone == ERASED:
        return phone if scope.sees_full_phone else shown_masked(phone)
    return phone if scope.sees_full_phone else masked_phone(phone)


# --- revealing --------------------------------------------------------------------------------


class Revealer:
    """Reveals the sealed values of one answer for one principal (keys read in one batch)."""

    def __init__(
        self,
        keys: CustomerKeys,
        principal: Principal | None,
        *,
        access_log: AccessLog | None = None,
        language: str | None = None,
        address: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.keys = keys
        self.principal = principal
        self.full_phone = principal is not None and read_scope(principal).sees_full_phone
        self.access_log = access_log
        self.erased = erased_text(language)
        self.address = address
        self.user_agent = user_agent
        self._cache: dict[UUID, bytes | None] = {}
        self.full_phones_read: set[UUID] = set()

    def load(self, customer_ids: Iterable[UUID]) -> None:
        missing = [c for c in customer_ids if c not in self._cache]
        if missing:
            self._cache.update(self.keys.keys_for(missing))

    def text(self, value: str, escape: Callable[[str], str] = str) -> str:
        """`value` with every sealed token in it revealed (each escaped by `escape`)."""
        if "pii:" not in value:
            return value
        matches = list(TOKEN.finditer(value))
        self.load(UUID(m["customer"]) for m in matches if m["customer"])
        return TOKEN.sub(lambda m: escape(self._one(m)), value)

    def value(self, obj: Any) -> Any:
        """A JSON-like value (dicts, lists, strings) with its sealed strings revealed (the keys
        of all its customers read in one batch first)."""
        self.load(_customers(obj))
        return self._value(obj)

    def _value(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self._value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self._value(v) for v in obj]
        return obj

    def _one(self, match: re.Match[str]) -> str:
        if match["customer"] is None:
            return self.erased
        customer_id = UUID(match["customer"])
        key = self._cache.get(customer_id)
        sealed = personal.parse(SEALED_PREFIX + match[0].split(":", 2)[2])
        if key is None or sealed is None:
            return self.erased
        try:
            field, clear = personal.unseal(key, sealed)
        except ValueError:
            return self.erased
        if field != "phone":
            return clear
        if match["kind"] == "m" or not self.full_phone:
            return masked_phone(clear)
        if customer_id not in self.full_phones_read:
            self.full_phones_read.add(customer_id)
            self._record(customer_id)
        return clear

    def _record(self, customer_id: UUID) -> None:
        if self.access_log is None or self.principal is None:
            return
        self.access_log.record(
            Access(
                kind=AccessKind.FULL_PHONE_READ,
                actor_id=self.principal.user_id,
                subject=str(customer_id),
                address=self.address,
                user_agent=self.user_agent,
            )
        )


def _customers(obj: Any) -> list[UUID]:
    if isinstance(obj, str):
        return [UUID(m["customer"]) for m in TOKEN.finditer(obj) if m["customer"]]
    if isinstance(obj, dict):
        return [c for v in obj.values() for c in _customers(v)]
    if isinstance(obj, list | tuple):
        return [c for v in obj for c in _customers(v)]
    return []


def _json_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


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


__all__ = ["MASKED_PREFIX", "RevealPersonal", "Revealer", "erased_text", "phone_shown"]
