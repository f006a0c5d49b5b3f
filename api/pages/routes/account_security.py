"""My sessions and my second factor, and the login page's second step (the one-time code)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import RuntimeDep
from api.errors import AuthenticationError
from api.login import LoginThrottled, complete_login
from api.pages import i18n
from api.pages.forms import read_form
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep, clear_session, language_of, set_session
from api.second_factor import enrolment_token, qr_data_uri, secret_of_enrolment
from api.sessions import (
    address_of,
    record_second_factor_change,
    revoke_other_sessions,
    revoke_sessions,
    user_agent_of,
)
from api.throttle import ThrottleDep
from domain.organisation.errors import (
    SecondFactorAlreadyEnabledError,
    WrongOneTimeCodeError,
    WrongPasswordError,
)
from domain.organisation.model import User
from domain.shared.actor import Principal
from domain.shared.clock import now
from workers import sessions as table
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV: list[NavItem] = []  # reached from "My account"

SESSIONS = PREFIX + "/account/sessions"
SECOND_FACTOR = PREFIX + "/account/second-factor"


def _safe_next(next_url: str | None) -> str:
    if next_url and next_url.startswith(PREFIX + "/") and not next_url.startswith("//"):
        return next_url
    return PREFIX + "/"


# --- the login's second step ------------------------------------------------------------------


@router.get("/login/code")
def login_code_again() -> Response:
    """Reached by switching the language on the code step: the login starts again."""
    return RedirectResponse(PREFIX + "/login", status_code=303)


@router.post("/login/code")
def login_code(
    request: Request,
    runtime: RuntimeDep,
    throttle: ThrottleDep,
    second_step: Annotated[str, Form(max_length=2000)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The code of a login whose password was right: a session cookie when it is right too."""
    request.state.language = language_of(request, None)
    i18n.current.set(request.state.language)
    context: dict[str, Any] = {"next": _safe_next(next), "second_step": second_step}
    if not code.strip():
        errors = {"code": _("This field is required.")}
        return render(request, "account/login_code.html", {**context, "errors": errors}, status=422)
    try:
        token = complete_login(
            runtime,
            throttle,
            second_step,
            code.strip(),
            address_of(request),
            user_agent=user_agent_of(request),
        )
    except LoginThrottled as throttled:
        message = _("Too many failed logins: try again in %(n)s seconds.", n=throttled.seconds)
        return render(
            request,
            "account/login_code.html",
            {**context, "form_error": message},
            status=429,
            headers={"Retry-After": str(throttled.seconds)},
        )
    except AuthenticationError:
        message = _("Wrong or already used code. Wait for the next code and try again.")
        return render(
            request, "account/login_code.html", {**context, "form_error": message}, status=401
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session(response, request, token, runtime.settings.token_minutes)
    return response


# --- my sessions ------------------------------------------------------------------------------

# (token in the User-Agent, name shown), most specific first: Edge and WeChat also say Chrome
# and Safari, Chrome also says Safari.
_BROWSERS = (
    ("MicroMessenger/", "WeChat"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("python-httpx/", "httpx"),
    ("python-requests/", "requests"),
    ("curl/", "curl"),
    ("testclient", "test client"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device(user_agent: str) -> str:
    """ "Chrome on Windows" from a User-Agent (the full string is the item's title)."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), None)
    system = next((name for token, name in _SYSTEMS if token in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or (user_agent[:60] if user_agent else _("Unknown program"))


def _sessions_page(
    request: Request, runtime: Runtime, actor: Principal, revoked: int | None = None
) -> Response:
    sessions = table.active(runtime.db, actor.user_id, now())
    context = {
        "sessions": sessions,
        "current": request.state.claims.token_id,
        "revoked": revoked,
        "device": device,
    }
    return render(request, "account/sessions.html", context, actor=actor)


@router.get("/account/sessions")
async def sessions_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, revoked: int | None = None
) -> Response:
    """My active sessions (this one marked), each with a button to end it."""
    return await run_in_threadpool(_sessions_page, request, runtime, actor, revoked)


@router.post("/account/sessions/revoke")
async def revoke_session(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """End one of my sessions: its token fails on its next request."""
    form = await read_form(request)
    token_id = form.values.get("session_id", "")
    done = await run_in_threadpool(revoke_sessions, runtime, actor, [token_id], request)
    if token_id == request.state.claims.token_id:
        response = RedirectResponse(PREFIX + "/login", status_code=303)
        clear_session(response)
        return response
    return RedirectResponse(f"{SESSIONS}?revoked={len(done)}", status_code=303)


@router.post("/account/sessions/revoke-others")
async def revoke_others(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """End every session of mine but this one."""
    done = await run_in_threadpool(
        revoke_other_sessions, runtime, actor, request.state.claims, request
    )
    return RedirectResponse(f"{SESSIONS}?revoked={len(done)}", status_code=303)


# --- my second factor -------------------------------------------------------------------------


def _enrolment_context(runtime: Runtime, actor: Principal, secret: str | None) -> dict[str, Any]:
    secret = secret or runtime.second_factors.new_secret()
    uri = runtime.second_factors.provisioning_uri(actor, secret)
    return {
        "secret": secret,
        "uri": uri,
        "qr": qr_data_uri(uri),
        "enrolment": enrolment_token(runtime.settings, actor, secret),
    }


def _second_factor_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    state = runtime.second_factors.status(actor)
    values: dict[str, Any] = {
        "enabled": state.enabled,
        "left": state.recovery_codes_left,
        "required": actor.role.value in runtime.settings.second_factor_roles,
        "recovery_codes": None,
        "disabled": False,
    }
    if not state.enabled and not (context or {}).get("recovery_codes"):
        values |= _enrolment_context(runtime, actor, (context or {}).get("secret"))
    values |= context or {}
    return render(request, "account/second_factor.html", values, actor=actor, status=status)


@router.get("/account/second-factor")
async def second_factor_page(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, disabled: int = 0
) -> Response:
    """My second factor: set it up (QR code, secret, first code), or see it and turn it off."""
    return await run_in_threadpool(
        _second_factor_page, request, runtime, actor, {"disabled": bool(disabled)}
    )


def _enable(request: Request, runtime: Runtime, actor: Principal, values: dict[str, str]) -> Any:
    secret = secret_of_enrolment(runtime.settings, values.get("enrolment", ""), actor)
    errors: dict[str, str] = {}
    if not values.get("code", "").strip():
        errors["code"] = _("This field is required.")
    if not values.get("password"):
        errors["password"] = _("This field is required.")
    if secret is None:
        form_error = _("This set-up has expired: scan the new code below.")
        return _second_factor_page(request, runtime, actor, {"form_error": form_error}, 422)
    if errors:
        return _second_factor_page(
            request, runtime, actor, {"errors": errors, "secret": secret}, 422
        )
    try:
        _written, codes = runtime.second_factors.enable(
            actor, secret, values["code"], values["password"]
        )
    except WrongPasswordError:
        errors["password"] = _("This is not your current password.")
    except WrongOneTimeCodeError:
        errors["code"] = _("This code does not match: enter the code your app shows now.")
    except SecondFactorAlreadyEnabledError:
        return _second_factor_page(request, runtime, actor)
    if errors:
        return _second_factor_page(
            request, runtime, actor, {"errors": errors, "secret": secret}, 422
        )
    record_second_factor_change(runtime, actor, actor.user_id, "enabled", request)
    return _second_factor_page(request, runtime, actor, {"recovery_codes": codes})


@router.post("/account/second-factor")
async def enable_second_factor(
    request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Confirm the set-up with the app's first code and my password; show the recovery codes."""
    form = await read_form(request)
    response: Response = await run_in_threadpool(_enable, request, runtime, actor, form.values)
    return response


def _disable(request: Request, runtime: Runtime, actor: Principal, code: str) -> Response:
    if not code:
        errors = {"off_code": _("This field is required.")}
        return _second_factor_page(request, runtime, actor, {"errors": errors}, 422)
    try:
        runtime.second_factors.disable(actor, code)
    except WrongOneTimeCodeError:
        errors = {"off_code": _("Wrong or already used code.")}
        return _second_factor_page(request, runtime, actor, {"errors": errors}, 422)
    record_second_factor_change(runtime, actor, actor.user_id, "disabled", request)
    return RedirectResponse(f"{SECOND_FACTOR}?disabled=1", status_code=303)


@router.post("/account/second-factor/disable")
async def disable_second_factor(
    request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Turn my second factor off with a current code or a recovery code."""
    form = await read_form(request)
    code = form.values.get("off_code", "").strip()
    response: Response = await run_in_threadpool(_disable, request, runtime, actor, code)
    return response


# --- an admin's reset of someone's second factor (from the user's admin page) -----------------


def _reset(request: Request, runtime: Runtime, actor: Principal, username: str) -> None:
    runtime.second_factors.reset(actor, username)
    user_id = str(User.id_for(username))
    record_second_factor_change(runtime, actor, user_id, "reset", request)


@router.post("/admin/users/{username}/second-factor/reset")
async def reset_second_factor(
    username: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Switch off a user's second factor (admin), for a lost phone and lost recovery codes."""
    await run_in_threadpool(_reset, request, runtime, actor, username)
    return RedirectResponse(f"{PREFIX}/admin/users/{username}", status_code=303)
