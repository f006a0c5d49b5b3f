"""One table from error types to HTTP statuses; every error is application/problem+json."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.shared.errors import (
    ConflictError,
    DomainError,
    GoneError,
    NotFoundError,
    PermissionDeniedError,
)
from projections.runner import ViewsNotCaughtUpError

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"

# Most specific first: the first matching row decides the status.
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (GoneError, 410),
    (DomainError, 422),
)


class AuthenticationError(Exception):
    """No valid bearer token (HTTP 401)."""


def problem(
    status: int,
    title: str,
    detail: str = "",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    # Extras never overwrite the standard members of a problem document.
    body = {**extra, "type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM, headers=headers
    )


def status_of(error: Exception) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 500


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, but one wording for a time without a zone on every field and route
    (the domain's `aware()` says the same for times that reach it from elsewhere)."""
    if error.get("type") == "timezone_aware":
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        return f"{loc[-1] if loc else 'the time'} must carry a timezone offset"
    return str(error.get("msg", ""))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a problem document."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        return problem(status_of(error), error.title, error.detail, **error.extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": _message(e), "type": e.get("type", "")}
            for e in error.errors()
        ]
        return problem(
            422, "Invalid request", "the request does not match its schema", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # The framework's "cannot parse the body" (an integer of 100,000 digits, a form of
            # too many fields): bad input, answered as the README promises for bad input.
            cause = error.__cause__
            detail = str(error.detail) if cause is None else f"{error.detail}: {cause}"[:300]
            return problem(
                422,
                "Invalid request",
                detail,
                errors=[{"loc": ["body"], "msg": detail, "type": "body_unreadable"}],
            )
        title = HTTPStatus(error.status_code).phrase
        return problem(error.status_code, title, str(error.detail), headers=error.headers)

    @app.exception_handler(AuthenticationError)
    async def unauthenticated(request: Request, error: AuthenticationError) -> JSONResponse:
        return problem(401, "Unauthenticated", str(error), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(ViewsNotCaughtUpError)
    async def views_behind(request: Request, error: ViewsNotCaughtUpError) -> JSONResponse:
        return problem(
            503,
            "Views not caught up",
            str(error),
            headers={"Retry-After": "1"},
            position=error.position,
            reached=error.reached,
        )

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, error: OperationalError) -> JSONResponse:
        # The event store's lock timeout fired: the write did not happen, a retry may succeed.
        log.warning("event store busy: %s", error)
        return problem(503, "Event store busy", "try again shortly", headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "the error was logged")
