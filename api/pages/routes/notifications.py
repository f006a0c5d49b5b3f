"""Notifications in the pages: the inbox and its badge (every user), one's channels, and for
admins the stores' group robots and the dead-letter list with its replay.

Each route makes one call to `workers.notify.service` (the same as the JSON routes), which
applies the access policy; texts are translated here, at render time, in the reader's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from api.deps import RuntimeDep
from api.pages.forms import field_of, message_of, read_form
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared.access import NOTIFY_ADMINS
from domain.shared.errors import DomainError
from projections.notifications.queries import Notification
from projections.notifications.rules import KINDS, STORE_GROUP_KINDS
from projections.notifications.rules import render as render_text
from workers.notify import service
from workers.notify.store import CHANNELS

INBOX = PREFIX + "/inbox"
PREFERENCES = PREFIX + "/account/notifications"
ADMIN = PREFIX + "/admin/notifications"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
# The inbox is reached from the badge in every page's header, not the menu.
NAV = [NavItem(ADMIN, N_("Notifications"), NOTIFY_ADMINS, order=84)]
PER_PAGE = 30
CHANNEL_LABELS = {"email": N_("E-mail"), "wecom": N_("WeCom"), "dingtalk": N_("DingTalk")}
# The kinds' labels are in projections/notifications/rules.py; marked here for the catalogs.
_KIND_LABELS = [
    N_("New lead assigned"),
    N_("Pay dispute to resolve"),
    N_("Pay dispute resolved"),
    N_("Pay statement ready"),
    N_("Pay period to confirm"),
    N_("Pay adjustment to confirm"),
    N_("Evaluation to acknowledge"),
]


def text_of(note: Notification) -> str:
    return render_text(note.kind, note.params, _)


def kind_label(kind: str) -> str:
    return _(KINDS.get(kind, kind))


def _safe_next(value: str) -> str:
    if value.startswith(PREFIX + "/") and not value.startswith("//"):
        return value
    return INBOX


# --- the inbox ----------------------------------------------------------------------------------


@router.get("/inbox")
def inbox_page(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    unread: int = 0,
    before: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """My notifications, newest first, unread ones marked; mark one or all read."""
    notes = service.inbox(
        runtime.db, actor, unread_only=bool(unread), limit=PER_PAGE, before=before
    )
    older = None
    if len(notes) == PER_PAGE:
        older = f"{INBOX}?before={notes[-1].position}" + ("&unread=1" if unread else "")
    context: dict[str, Any] = {
        "notes": notes,
        "text_of": text_of,
        "kind_label": kind_label,
        "unread_only": bool(unread),
        "unread": service.unread(runtime.db, actor),
        "older": older,
        "paged": bool(before),
    }
    return render(request, "notifications/inbox.html", context, actor=actor)


@router.get("/inbox/badge")
def badge(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The header's count of unread notifications (htmx polls it)."""
    count = service.unread(runtime.db, actor)
    return render(request, "notifications/_badge.html", {"count": count}, actor=actor)


@router.post("/inbox/read-all")
async def read_all(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Mark every notification of mine read."""
    await read_form(request)
    await run_in_threadpool(service.mark_all_read, runtime.db, actor)
    return RedirectResponse(INBOX, status_code=303)


@router.post("/inbox/{notification_id}/read")
async def read_one(
    notification_id: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Mark one read; then go to `next` (the thing it is about) or back to the inbox."""
    form = await read_form(request)
    await run_in_threadpool(service.mark_read, runtime.db, actor, notification_id)
    return RedirectResponse(_safe_next(form.values.get("next", "")), status_code=303)


# --- my channels --------------------------------------------------------------------------------


def _preferences_context(runtime: Any, actor: Any) -> dict[str, Any]:
    return {
        "prefs": service.preferences(runtime.db, actor),
        "kinds": list(KINDS.items()),
        "channels": [(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        "errors": {},
        "values": {},
        "saved": False,
    }


@router.get("/account/notifications")
def preferences_page(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Which notices reach me by e-mail, WeCom or DingTalk, and at which address."""
    context = _preferences_context(runtime, actor)
    context["saved"] = request.query_params.get("saved") == "1"
    return render(request, "notifications/preferences.html", context, actor=actor)


@router.post("/account/notifications")
async def save_preferences(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Save my channels; a webhook left blank keeps the one saved, "remove" removes it."""
    form = await read_form(request)
    picked: dict[str, list[str]] = {}
    for kind in KINDS:
        picked[kind] = [c for c in CHANNELS if form.form.get(f"{kind}:{c}") == "on"]

    def webhook(name: str) -> str | None:
        if form.values.get(f"remove_{name}") == "on":
            return ""
        return form.values.get(name, "").strip() or None

    try:
        await run_in_threadpool(
            lambda: service.set_preferences(
                runtime.db,
                actor,
                email=form.values.get("email", ""),
                wecom_url=webhook("wecom_url"),
                dingtalk_url=webhook("dingtalk_url"),
                dingtalk_secret=webhook("dingtalk_secret"),
                kinds=picked,
            )
        )
    except DomainError as error:
        context = _preferences_context(runtime, actor)
        fields = ["email", "wecom_url", "dingtalk_url", "wecom", "dingtalk"]
        name = field_of(error, fields) or "form"
        name = {"wecom": "wecom_url", "dingtalk": "dingtalk_url"}.get(name, name)
        context["errors"] = {name: message_of(error)}
        context["values"] = form.values
        return render(request, "notifications/preferences.html", context, actor=actor, status=422)
    return RedirectResponse(PREFERENCES + "?saved=1", status_code=303)


# --- the admin's robots and dead letters --------------------------------------------------------


def _admin_context(runtime: Any, actor: Any) -> dict[str, Any]:
    stores = runtime.db.query("SELECT store_id, name FROM rm_directory_store ORDER BY name")
    return {
        "robots": service.robots(runtime.db, actor),
        "dead": service.dead_letters(runtime.db, actor),
        "counts": service.delivery_counts(runtime.db, actor),
        "stores": [(s["store_id"], s["name"]) for s in stores],
        "store_names": {s["store_id"]: s["name"] for s in stores},
        "group_kinds": [(k, KINDS[k]) for k in STORE_GROUP_KINDS],
        "kind_label": kind_label,
        "errors": {},
        "values": {},
        "replayed": None,
    }


@router.get("/admin/notifications")
def admin_page(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The stores' group robots (URLs masked) and the deliveries that failed, to replay."""
    context = _admin_context(runtime, actor)
    context["replayed"] = request.query_params.get("replayed")
    return render(request, "notifications/admin.html", context, actor=actor)


@router.post("/admin/notifications/robots")
async def add_robot(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Add a WeCom or DingTalk group robot to a store."""
    form = await read_form(request)
    kinds = [k for k in STORE_GROUP_KINDS if form.form.get(f"kind:{k}") == "on"]
    try:
        await run_in_threadpool(
            lambda: service.add_robot(
                runtime.db,
                actor,
                store_id=form.values.get("store_id", ""),
                channel=form.values.get("channel", ""),
                name=form.values.get("name", ""),
                url=form.values.get("url", ""),
                secret=form.values.get("secret", ""),
                kinds=kinds,
                language=form.values.get("language", "zh-CN"),
            )
        )
    except DomainError as error:
        context = _admin_context(runtime, actor)
        fields = ["store_id", "channel", "name", "url", "secret", "kinds", "language"]
        context["errors"] = {field_of(error, fields) or "form": message_of(error)}
        context["values"] = {k: v for k, v in form.values.items() if k != "secret"}
        return render(request, "notifications/admin.html", context, actor=actor, status=422)
    return RedirectResponse(ADMIN, status_code=303)


@router.post("/admin/notifications/robots/{robot_id}/remove")
async def remove_robot(
    robot_id: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Remove a store's robot."""
    await read_form(request)
    await run_in_threadpool(service.remove_robot, runtime.db, actor, robot_id)
    return RedirectResponse(ADMIN, status_code=303)


@router.post("/admin/notifications/deliveries/{delivery_id}/replay")
async def replay(
    delivery_id: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Send a dead letter again (once; recorded with who asked)."""
    await read_form(request)
    try:
        await run_in_threadpool(service.replay, runtime.db, actor, delivery_id)
    except DomainError as error:
        context = _admin_context(runtime, actor)
        context["errors"] = {"replay": message_of(error)}
        return render(request, "notifications/admin.html", context, actor=actor, status=409)
    return RedirectResponse(ADMIN + "?replayed=1", status_code=303)
