"""What depends on how a request reached us: the trusted proxies' forwarded headers, HSTS over
TLS only, and CORS for listed origins only (docs/tls.md).

- **Trusted proxies** (`SHOWROOM_TRUSTED_PROXIES`): from these addresses only, `X-Forwarded-For`
  and `X-Forwarded-Proto` replace the connection's client address and scheme (uvicorn's own
  middleware, so the rules are the server's). Anyone else's forwarded headers are ignored: a
  client cannot claim another address (the login throttle counts per address) or claim TLS.
- **HSTS**: `Strict-Transport-Security` only on an answer to a request that came over TLS,
  directly or through a trusted proxy; never over plain HTTP, where a browser ignores it anyway
  and where an operator testing on http://host:8000 must not be locked out of it.
- **CORS** (`SHOWROOM_CORS_ORIGINS`): off unless origins are listed; then Starlette's
  CORSMiddleware answers preflights for exactly those origins. No credentials: the API takes
  bearer tokens, and the pages' cookie is never meant for another origin.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from workers.settings import Settings

CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Accept-Language"]
CORS_EXPOSED = ["Retry-After", "Showroom-Stale-Views", "Showroom-Second-Factor", "Location"]


class StrictTransportSecurity:
    """Adds HSTS to answers of requests whose scheme is https (pure ASGI)."""

    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app = app
        self.header = (b"strict-transport-security", f"max-age={max_age}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, add)


def install(app: FastAPI, settings: Settings) -> None:
    """CORS, then HSTS, then (outermost) the trusted proxies, as the settings ask."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            allow_credentials=False,
            max_age=600,
        )
    if settings.hsts_seconds > 0:
        app.add_middleware(StrictTransportSecurity, max_age=settings.hsts_seconds)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
