"""Security headers on every response (a pure ASGI middleware).

- `X-Content-Type-Options: nosniff`: a JSON or CSV answer is never run as a script or page.
- `Referrer-Policy: no-referrer`: ids in our URLs never leak to another site.
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page of ours in someone's frame.
- `Cache-Control: no-store` on *every* answer, not a chosen few: tokens and nearly every
  authenticated answer carry personal data (customers, phones, pay), and a list kept by a route
  could be forgotten by the next route; what is left (/health, /openapi.json, /docs) is small
  and changes with each deployment, so nothing is lost by never caching it. A route that sets
  its own `Cache-Control` keeps it.
- `Content-Security-Policy`: the API answers data, never a page, so it may load nothing
  (`default-src 'none'`). The web pages (/app) load their own scripts and styles only. The
  docs pages get the narrowest policy under which FastAPI's
  Swagger UI and ReDoc work: their bundles and styles from cdn.jsdelivr.net, their inline
  script (the page's configuration), ReDoc's inline styles, Google fonts and web workers from
  blob: URLs, the favicon from fastapi.tiangolo.com, and the OpenAPI document from ourselves.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'",
        "style-src 'self' https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'",
        "font-src https://fonts.gstatic.com data:",
        "img-src 'self' https://fastapi.tiangolo.com https://cdn.jsdelivr.net data:",
        "connect-src 'self'",
        "worker-src blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
# The web pages (api/pages/) load only their own scripts, styles and data; no inline script or
# eval (Alpine's CSP build, htmx without inline indicator styles), no frame, forms only to us.
PAGES_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
# FastAPI's documentation pages (default URLs: create_app does not move them).
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers an answer to `path` carries."""
    if path in DOCS_PATHS:
        csp = DOCS_CSP
    elif path == "/app" or path.startswith(("/app/", "/static/")):
        csp = PAGES_CSP
    else:
        csp = API_CSP
    return [*COMMON, (b"content-security-policy", csp.encode())]


class SecurityHeaders:
    """Adds the security headers to every HTTP response; headers already set are kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""))

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add)
