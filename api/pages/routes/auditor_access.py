"""The auditor's page of the access log: who logged in, who read whose phone number or pay
statement, who downloaded which export, what admins changed; and the check of its chain.

It reads what GET /audit/access reads (`api.access.read_entries`, under the same role rule:
auditors and admins), with the filters as a GET form: by user, by customer (or any subject's
id), by kind, and by day in the reader's time zone; older entries page by cursor.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from api import access
from api.deps import RuntimeDep
from api.pages.forms import FormReader
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.shared.access import AUDITORS, ensure_role
from domain.shared.actor import Principal
from domain.shared.errors import NotFoundError
from workers import checkpoints
from workers.access_log import AccessEntry, AccessKind
from workers.runtime import Runtime

BASE = PREFIX + "/audit/access"
router = APIRouter(prefix=BASE, include_in_schema=False)
NAV = [NavItem(BASE, N_("Access log"), AUDITORS, order=83)]
PER_PAGE = 50
MAX_SEQUENCE = 2**63 - 1

KINDS: dict[str, str] = {
    AccessKind.LOGIN_SUCCEEDED: N_("Login"),
    AccessKind.LOGIN_FAILED: N_("Failed login"),
    AccessKind.TOKEN_ISSUED: N_("Session started"),
    AccessKind.TOKEN_REVOKED: N_("Session ended"),
    AccessKind.FULL_PHONE_READ: N_("Full phone number read"),
    AccessKind.ID_NUMBER_READ: N_("ID number read"),
    AccessKind.PAY_STATEMENT_READ: N_("Pay statement read"),
    AccessKind.EXPORT_DOWNLOADED: N_("Export downloaded"),
    AccessKind.CUSTOMER_DATA_EXPORTED: N_("Customer's data exported"),
    AccessKind.CUSTOMER_ERASED: N_("Customer erased"),
    AccessKind.SECOND_FACTOR_CHANGED: N_("Second factor changed"),
    AccessKind.ADMIN_ACTION: N_("Admin action"),
}
# Kinds whose subject is a user, a staff member or a customer (named, or linked to its history).
USER_SUBJECTS = frozenset(
    {AccessKind.TOKEN_ISSUED, AccessKind.TOKEN_REVOKED, AccessKind.SECOND_FACTOR_CHANGED}
)
STAFF_SUBJECTS = frozenset({AccessKind.PAY_STATEMENT_READ})
RECORD_SUBJECTS = frozenset(
    {
        AccessKind.FULL_PHONE_READ,
        AccessKind.ID_NUMBER_READ,
        AccessKind.CUSTOMER_DATA_EXPORTED,
        AccessKind.CUSTOMER_ERASED,
        AccessKind.EXPORT_DOWNLOADED,
    }
)


def kind_label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


def _form(request: Request) -> FormReader:
    return FormReader(FormData(list(request.query_params.multi_items())))


def _subject_names(
    runtime: Runtime, actor: Principal, entries: list[AccessEntry]
) -> dict[str, str]:
    """Names of the users and staff members the page's entries are about (few per page)."""
    users = [e.subject for e in entries if e.kind in USER_SUBJECTS]
    names = access.usernames(runtime, users)
    for entry in entries:
        if entry.kind in STAFF_SUBJECTS and entry.subject and entry.subject not in names:
            try:
                names[entry.subject] = runtime.organisation.get_staff(
                    actor, UUID(entry.subject)
                ).name
            except (ValueError, NotFoundError):
                continue
    return names


@router.get("")
def access_page(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """The access log, newest first, filtered by user, customer, kind and day."""
    ensure_role(actor, *AUDITORS)
    form = _form(request)
    zone = ZoneInfo(getattr(request.state, "zone", None) or "Asia/Shanghai")
    user = form.text("user", required=False, max_length=200)
    customer = form.uuid("customer", required=False)
    if "customer" in form.errors:
        form.errors["customer"] = _(
            "Enter an id such as 3f2b…-…, as the pages and the API show it."
        )
    kind = form.choice("kind", list(KINDS), required=False) or None
    first = form.day("since", required=False)
    last = form.day("until", required=False)
    cursor = form.integer("cursor", required=False, low=1, high=MAX_SEQUENCE) or None
    if first is not None and last is not None and first > last:
        form.errors["until"] = _("The last day cannot be before the first.")
    context: dict[str, Any] = {
        "values": form.values,
        "kinds": [(k, _(label)) for k, label in KINDS.items()],
        "kind_label": kind_label,
        "entries": [],
        "names": {},
        "subject_names": {},
        "next_url": None,
        "report": None,
        "record_subjects": RECORD_SUBJECTS,
        "paged": False,
    }
    if form.flag("verify"):
        context["report"] = checkpoints.verify_running(runtime.access_log)
    if not form.ok:
        context["errors"] = form.errors
        return render(request, "auditor_access/access.html", context, actor=actor, status=422)
    query = access.access_query(
        user=user or None,
        customer=customer,
        kind=AccessKind(kind) if kind else None,
        since=None if first is None else datetime.combine(first, time(), zone),
        until=None if last is None else datetime.combine(last + timedelta(days=1), time(), zone),
        cursor=cursor,
        limit=PER_PAGE,
    )
    entries, names, next_cursor = access.read_entries(runtime, actor, query)
    kept = {k: v for k, v in form.values.items() if k not in ("cursor", "verify") and v}
    if next_cursor is not None:
        kept["cursor"] = str(next_cursor)
        context["next_url"] = BASE + "?" + urlencode(kept)
    context.update(
        entries=entries,
        names=names,
        subject_names=_subject_names(runtime, actor, entries),
        paged=cursor is not None,
    )
    return render(request, "auditor_access/access.html", context, actor=actor)
