"""How `showroom serve` and `showroom run` hand TLS to uvicorn (docs/tls.md).

With `SHOWROOM_TLS_CERT` and `SHOWROOM_TLS_KEY` (PEM files) uvicorn serves HTTPS itself. The
forwarded headers of a reverse proxy are read by the app (api/transport.py) from the addresses
in `SHOWROOM_TRUSTED_PROXIES` only, so uvicorn's own reading of them (on by default, trusting
127.0.0.1) is switched off: one setting decides whom to believe, whichever server runs the app.
"""

from __future__ import annotations

from typing import Any

from workers.settings import Settings


class TlsSettingsError(Exception):
    """Only one of the certificate and its key was given, or a file is missing."""


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for TLS and forwarded headers."""
    options: dict[str, Any] = {"proxy_headers": False}
    cert, key = settings.tls_cert, settings.tls_key
    if (cert is None) != (key is None):
        raise TlsSettingsError("set both SHOWROOM_TLS_CERT and SHOWROOM_TLS_KEY, or neither")
    if cert is not None and key is not None:
        for path in (cert, key):
            if not path.is_file():
                raise TlsSettingsError(f"no such file: {path}")
        options |= {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    return options


def scheme(settings: Settings) -> str:
    return "https" if settings.tls_cert is not None else "http"
