"""Logging in and out, choosing the language, and the start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api import access
from api.auth import claims_of_token
from api.deps import RuntimeDep
from api.errors import AuthenticationError
from api.login import LoginThrottled, SecondFactorRequired, log_in, record_login
from api.pages import i18n
from api.pages.forms import read_form
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import (
    COOKIE,
    CSRF_FIELD,
    PREFIX,
    PageActorDep,
    clear_session,
    csrf_token,
    language_of,
    set_language_cookie,
    set_session,
)
from api.sessions import address_of, end_session, revoked, start_session, user_agent_of
from api.throttle import ThrottleDep
from domain.organisation.errors import WeakPasswordError, WrongPasswordError
from domain.organisation.service import MIN_PASSWORD_LENGTH
from domain.shared.actor import Role
from workers.access_log import AccessKind

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV: list[NavItem] = [NavItem(PREFIX + "/account", N_("My account"), tuple(Role), order=99)]


def _safe_next(next_url: str | None) -> str:
    # Only a path of ours: never an absolute or scheme-relative URL (no open redirect).
    if next_url and next_url.startswith(PREFIX + "/") and not next_url.startswith("//"):
        return next_url
    return PREFIX + "/"


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    request.state.language = language_of(request, None)
    return render(request, "account/login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    runtime: RuntimeDep,
    throttle: ThrottleDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The login form: a session cookie on success; the same message for any wrong pair."""
    request.state.language = language_of(request, None)
    i18n.current.set(request.state.language)
    address, agent = access.client_of(request)
    context = {"next": _safe_next(next), "values": {"username": username}}
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = _("This field is required.")
    if not password:
        errors["password"] = _("This field is required.")
    if errors:
        return render(request, "account/login.html", {**context, "errors": errors}, status=422)
    try:
        token = log_in(
            runtime,
            throttle,
            username,
            password,
            address,
            user_agent=agent or "",
            channel="page",
        )
    except SecondFactorRequired as required:
        step = {"next": _safe_next(next), "second_step": required.second_step}
        return render(request, "account/login_code.html", step)
    except LoginThrottled as throttled:
        message = _("Too many failed logins: try again in %(n)s seconds.", n=throttled.seconds)
        headers = {"Retry-After": str(throttled.seconds)}
        return render(
            request,
            "account/login.html",
            {**context, "form_error": message},
            status=429,
            headers=headers,
        )
    except AuthenticationError:
        message = _("Unknown username or wrong password.")
        return render(request, "account/login.html", {**context, "form_error": message}, status=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, token, runtime.settings.token_minutes)
    return response


@router.post("/logout")
async def logout(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Revoke the session's token (as POST /auth/logout does) and drop the cookie."""
    await run_in_threadpool(end_session, runtime, actor, request.state.claims, request)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    clear_session(response)
    return response


@router.post("/language")
async def choose_language(request: Request, runtime: RuntimeDep) -> Response:
    """Switch the language: kept on the user when signed in, and in this browser either way."""
    form = await request.form()
    language = i18n.supported(str(form.get("language", ""))) or i18n.DEFAULT
    next_url = str(form.get("next", ""))
    token = request.cookies.get(COOKIE, "")
    claims = claims_of_token(token, runtime.settings) if token else None
    if claims is not None:
        # Signed in: the form must carry this session's CSRF token, as every page form does.
        sent = str(form.get(CSRF_FIELD, ""))
        if sent == csrf_token(claims, runtime.settings.secret_key):
            principal = runtime.organisation.principal_of_token(
                claims.user_id, claims.generation, claims.token_id
            )
            if principal is not None and not revoked(runtime, claims):
                await run_in_threadpool(runtime.organisation.choose_language, principal, language)
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    set_language_cookie(response, request, language)
    return response


@router.get("/")
def home(request: Request, actor: PageActorDep) -> Response:
    return render(request, "account/home.html", actor=actor)


@router.get("/account")
def account_page(request: Request, actor: PageActorDep, changed: int = 0) -> Response:
    """Who I am, and changing my own password."""
    return render(request, "account/account.html", {"changed": bool(changed)}, actor=actor)


@router.post("/account/password")
async def change_password(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """One's own password, with the current one (as POST /users/{name}/password); the session
    goes on under a new token, since the change ends every token issued before."""
    form = await read_form(request)
    current = form.values.get("current_password", "")
    new = form.values.get("password", "")
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = _("This field is required.")
    if not new:
        errors["password"] = _("This field is required.")
    elif new != form.values.get("password_again", ""):
        errors["password_again"] = _("The two new passwords differ.")
    if not errors:
        try:
            await run_in_threadpool(
                runtime.organisation.change_password, actor, actor.username, new, current
            )
        except WrongPasswordError:
            errors["current_password"] = _("This is not your current password.")
        except WeakPasswordError:
            errors["password"] = _("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if errors:
        context = {"errors": errors, "changed": False}
        return render(request, "account/account.html", context, actor=actor, status=422)
    access.record(
        runtime,
        request,
        AccessKind.TOKEN_REVOKED,
        actor,
        actor.user_id,
        tokens="all",
        reason="password_changed",
        channel="page",
    )
    response = RedirectResponse(PREFIX + "/account?changed=1", status_code=303)
    token = start_session(runtime, actor, address_of(request), user_agent_of(request))
    address, agent = access.client_of(request)
    record_login(
        runtime,
        actor.user_id,
        actor.username,
        token,
        address,
        agent,
        "page",
        kinds=(AccessKind.TOKEN_ISSUED,),
    )
    set_session(response, request, token, runtime.settings.token_minutes)
    return response
