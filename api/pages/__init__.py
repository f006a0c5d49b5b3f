"""The web pages: server-rendered Jinja2 with htmx, a little Alpine.js and ECharts.

The pages live under /app and call the same services, under the same read-scope policy
(domain/shared/access.py), as the JSON routes; they differ only in how a request is
authenticated (a session cookie with CSRF instead of a bearer token) and answered (HTML, errors
beside their fields). `install` adds them to the FastAPI application.
"""

from __future__ import annotations

from http import HTTPStatus
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import AuthenticationError, status_of
from api.pages import i18n
from api.pages.assets import CACHE_FOREVER, Assets
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, Pages, render
from api.pages.routes import (
    account,
    account_security,
    admin,
    admin_plans,
    admin_privacy,
    auditor,
    auditor_access,
    boards,
    deals,
    desking,
    finance,
    floor,
    floor_rotation,
    follow_ups,
    intake,
    lead_dedup,
    lead_losses,
    loans,
    manager_team,
    managerops_deals,
    managerops_performance,
    notifications,
    response_sla,
    routing,
    stock,
    trade_ins,
    used_cars,
)
from api.pages.session import PREFIX, CsrfRefused, EnrolmentRequired, LoginRequired
from domain.shared.errors import DomainError
from projections.runner import ViewsNotCaughtUpError

# Each area of the pages: a module with `router` and `NAV`.
AREAS: tuple[ModuleType, ...] = (
    account,
    account_security,
    auditor,
    boards,
    deals,
    finance,
    managerops_deals,
    managerops_performance,
    floor,
    admin,
    admin_plans,
    admin_privacy,
    auditor_access,
    intake,
    notifications,
    manager_team,
    lead_dedup,
    lead_losses,
    follow_ups,
    routing,
    floor_rotation,
    used_cars,
    desking,
    loans,
    stock,
    response_sla,
    trade_ins,
)


def _is_page(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def _error_page(request: Request, status: int, heading: str, message: str) -> Response:
    actor = None
    if hasattr(request.state, "claims"):
        runtime = request.app.state.runtime
        claims = request.state.claims
        actor = runtime.organisation.principal_of_token(
            claims.user_id, claims.generation, claims.token_id
        )
    return render(
        request, "error.html", {"heading": heading, "message": message}, actor=actor, status=status
    )


def _install_errors(app: FastAPI) -> None:
    """Errors on a page answer a page (same status as the API would); elsewhere, problem+json."""
    api_handlers: dict[Any, Any] = dict(app.exception_handlers)

    def delegate(kind: type[Exception], on_page: Any) -> None:
        api_handler = api_handlers.get(kind)

        async def handler(request: Request, error: Exception) -> Response:
            if _is_page(request):
                response: Response = await on_page(request, error)
                return response
            if api_handler is None:
                raise error
            api_response: Response = await api_handler(request, error)
            return api_response

        app.add_exception_handler(kind, handler)

    async def domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        status = status_of(error)
        if status == 404:
            return _error_page(request, 404, _("Not found"), _("Nothing here, or not for you."))
        if status == 403:
            return _error_page(request, 403, _("Forbidden"), _("Your role cannot do this."))
        from api.pages.forms import message_of

        return _error_page(request, status, _("Not possible"), message_of(error))

    async def invalid(request: Request, error: Exception) -> Response:
        # A page's path or query the route cannot read (a malformed id): as the API, not found.
        return _error_page(request, 404, _("Not found"), _("Nothing here, or not for you."))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        status = error.status_code
        heading = _(HTTPStatus(status).phrase)
        return _error_page(request, status, heading, _(str(error.detail)))

    async def behind(request: Request, error: Exception) -> Response:
        return _error_page(
            request, 503, _("One moment"), _("Your last change is still being filed: reload.")
        )

    delegate(DomainError, domain_error)
    delegate(RequestValidationError, invalid)
    delegate(StarletteHTTPException, http_error)
    delegate(ViewsNotCaughtUpError, behind)

    async def login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequired)
        target = f"{PREFIX}/login?next={error.next_url}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def csrf_refused(request: Request, error: Exception) -> Response:
        return _error_page(
            request, 403, _("Forbidden"), _("This form has expired: go back, reload and try again.")
        )

    async def enrolment_required(request: Request, error: Exception) -> Response:
        # A role that must use a second factor, without one yet: its set-up page first.
        target = f"{PREFIX}/account/second-factor"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    app.add_exception_handler(EnrolmentRequired, enrolment_required)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(AuthenticationError, api_handlers[AuthenticationError])


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to the app."""
    assets = Assets()
    nav: list[NavItem] = [item for area in AREAS for item in area.NAV]
    app.state.pages = Pages(assets, nav)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str, request: Request) -> Response:
        asset = assets.by_name.get(name)
        if asset is None:
            return Response(status_code=404)
        headers = {"Cache-Control": CACHE_FOREVER, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
        return Response(asset.content, media_type=asset.media_type, headers=headers)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse(PREFIX + "/", status_code=303)

    for area in AREAS:
        app.include_router(area.router)
    _install_errors(app)
    i18n.translations(i18n.DEFAULT)  # read the catalogs now, not on the first page
