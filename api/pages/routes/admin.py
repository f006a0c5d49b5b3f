"""The administrator's pages: stores and their packs, staff, and users (logins).

Every read and write is the call the JSON routes of api/routes/organisation.py make, with the
signed-in principal: the service decides who may do what (a role that may not gets the API's
403 page), the directory view's queries decide what a list shows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import access
from api.deps import ConsistentDep, PageDep, RuntimeDep
from api.pages import people
from api.pages.forms import read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.session import PREFIX, PageActorDep
from domain.organisation.errors import (
    StaffInactiveError,
    UserAlreadyExistsError,
    UserScopeError,
)
from domain.organisation.model import User
from domain.shared.access import MANAGERS, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.errors import DomainError
from projections.directory import queries as directory
from workers.access_log import AccessKind
from workers.runtime import Runtime

BASE = PREFIX + "/admin"
router = APIRouter(prefix=BASE, include_in_schema=False)
NAV = [
    NavItem(BASE + "/stores", N_("Stores"), (Role.ADMIN,), order=80),
    NavItem(BASE + "/staff", N_("Staff"), MANAGERS, order=81),
    NavItem(BASE + "/users", N_("Users"), (Role.ADMIN,), order=82),
]
ROLES = tuple(role.value for role in Role)
# Time zones a store of a Chinese dealer group is likely in; a store's own zone is always offered.
ZONES = (
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/Berlin",
)
LIMIT = 25


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """The stores the actor can see, for pickers (a group has tens of stores, not thousands)."""
    result = directory.list_stores(runtime.db, scope=read_scope(actor), limit=500)
    items: list[dict[str, Any]] = result["items"]
    return items


def _zones(current: str | None) -> list[tuple[str, str]]:
    zones = list(ZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return [(z, z) for z in zones]


def _brands(text: str) -> list[str]:
    return [b.strip() for b in text.replace("，", ",").split(",") if b.strip()]


# --- stores -------------------------------------------------------------------------------------


def _stores_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    offset: int,
    **form: Any,
) -> Response:
    result = directory.list_stores(runtime.db, scope=read_scope(actor), limit=LIMIT, offset=offset)
    context = {
        "stores": result["items"],
        "total": result["total"],
        "offset": offset,
        "limit": LIMIT,
        "zones": _zones(None),
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/stores.html", context, actor=actor, status=status)


@router.get("/stores")
def stores(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """The group's stores, and a form to open one."""
    return _stores_page(request, runtime, actor, page.offset)


STORE_FIELDS = ("name", "city", "brands", "timezone")


@router.post("/stores")
async def open_store(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    name, city = form.text("name"), form.text("city")
    brands = _brands(form.text("brands"))
    timezone = form.text("timezone", max_length=64)
    if not form.ok:
        return _stores_page(request, runtime, actor, 0, errors=form.errors, values=form.values)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.open_store(actor, name, city, brands, timezone),
        then=lambda written: f"{BASE}/stores/{written.id}",
        again=lambda errors, banner: _stores_page(
            request, runtime, actor, 0, errors=errors, form_error=banner, values=form.values
        ),
        fields=STORE_FIELDS,
    )


def _store_page(
    request: Request, runtime: Runtime, actor: Principal, store_id: UUID, **form: Any
) -> Response:
    store = runtime.organisation.get_store(actor, store_id)
    values = {
        "name": store.name,
        "city": store.city,
        "brands": ", ".join(store.brands),
        "timezone": store.timezone,
        "pack_new": str(store.pack_for("new")),
        "pack_used": str(store.pack_for("used")),
    }
    values.update(form.pop("values", {}))
    context = {"store": store, "zones": _zones(store.timezone), "values": values, **form}
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/store.html", context, actor=actor, status=status)


@router.get("/stores/{store_id}")
def store(
    store_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One store: its details and packs, with forms to change them."""
    return _store_page(request, runtime, actor, store_id)


@router.post("/stores/{store_id}")
async def update_store(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    name, city = form.text("name"), form.text("city")
    brands = _brands(form.text("brands"))
    timezone = form.text("timezone", max_length=64)
    if not form.ok:
        return _store_page(
            request, runtime, actor, store_id, errors=form.errors, values=form.values
        )
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.update_store(
            actor, store_id, name, city, brands, timezone
        ),
        then=lambda _written: f"{BASE}/stores/{store_id}",
        again=lambda errors, banner: _store_page(
            request, runtime, actor, store_id, errors=errors, form_error=banner, values=form.values
        ),
        fields=STORE_FIELDS,
    )


@router.post("/stores/{store_id}/pack")
async def set_pack(
    store_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """The pack of new or used vehicles; the field is named after the condition."""
    form = await read_form(request)
    condition = form.choice("condition", ("new", "used"))
    field = f"pack_{condition}" if condition in ("new", "used") else "pack_new"
    amount = form.money(field)
    if not form.ok or amount is None:
        errors = {field: next(iter(form.errors.values()))}
        return _store_page(request, runtime, actor, store_id, errors=errors, values=form.values)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.set_pack(actor, store_id, condition, amount),
        then=lambda _written: f"{BASE}/stores/{store_id}",
        again=lambda errors, _banner: _store_page(
            request, runtime, actor, store_id, errors=errors, values=form.values
        ),
        field=field,
    )


# --- staff --------------------------------------------------------------------------------------

HIRE_FIELDS = ("name", "role")


def _staff_list(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    store_id: UUID | None,
    offset: int,
    **form: Any,
) -> Response:
    stores = _stores(runtime, actor)
    if store_id is None and stores:
        store_id = stores[0]["id"]
    # A store's staff, by the revealed name (names are sealed in the view; a store's list is
    # small, so it is read whole, revealed and sorted, then paged here).
    everyone = people.everyone(runtime, actor, store_id=store_id)
    context = {
        "stores": stores,
        "store_id": store_id,
        "staff": everyone[max(offset, 0) : max(offset, 0) + LIMIT],
        "total": len(everyone),
        "offset": offset,
        "limit": LIMIT,
        "roles": ROLES,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/staff_list.html", context, actor=actor, status=status)


@router.get("/staff")
def staff_list(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
    store_id: UUID | None = None,
) -> Response:
    """A store's staff, a page at a time, and a form to hire someone there."""
    return _staff_list(request, runtime, actor, store_id, page.offset)


@router.post("/staff")
async def hire(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    store_id = form.uuid("store_id")
    name = form.text("name")
    role = form.choice("role", ROLES)
    if not form.ok or store_id is None:
        return _staff_list(
            request, runtime, actor, store_id, 0, errors=form.errors, values=form.values
        )
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.hire_staff(actor, store_id, name, role),
        then=lambda _written: f"{BASE}/staff?store_id={store_id}",
        again=lambda errors, banner: _staff_list(
            request,
            runtime,
            actor,
            store_id,
            0,
            errors=errors,
            form_error=banner,
            values=form.values,
        ),
        fields=HIRE_FIELDS,
    )


def _staff_page(
    request: Request, runtime: Runtime, actor: Principal, staff_id: UUID, **form: Any
) -> Response:
    member = runtime.organisation.get_staff(actor, staff_id)
    stores = _stores(runtime, actor)
    names = {s["id"]: s["name"] for s in stores}
    context = {
        "member": member,
        "store_name": names.get(member.store_id, str(member.store_id)),
        "stores": [s for s in stores if s["id"] != member.store_id and s["active"]],
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/staff.html", context, actor=actor, status=status)


@router.get("/staff/{staff_id}")
def staff(
    staff_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One staff member: transfer to another store, or record their departure."""
    return _staff_page(request, runtime, actor, staff_id)


@router.post("/staff/{staff_id}/transfer")
async def transfer(
    staff_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    to_store = form.uuid("to_store_id")
    if not form.ok or to_store is None:
        return _staff_page(request, runtime, actor, staff_id, errors=form.errors)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.transfer_staff(actor, staff_id, to_store),
        then=lambda _written: f"{BASE}/staff/{staff_id}",
        again=lambda errors, _banner: _staff_page(request, runtime, actor, staff_id, errors=errors),
        field="to_store_id",
    )


@router.post("/staff/{staff_id}/departure")
async def departure(
    staff_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    reason = form.text("reason", max_length=500)
    if not form.ok:
        return _staff_page(
            request, runtime, actor, staff_id, errors=form.errors, values=form.values
        )
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.staff_leaves(actor, staff_id, reason),
        then=lambda _written: f"{BASE}/staff/{staff_id}",
        again=lambda errors, _banner: _staff_page(
            request, runtime, actor, staff_id, errors=errors, values=form.values
        ),
        fields=("reason",),
        field="reason",
    )


# --- users --------------------------------------------------------------------------------------

USER_FIELDS = ("username", "password", "role", "store_id", "staff_id")


def _users_page(
    request: Request, runtime: Runtime, actor: Principal, offset: int, **form: Any
) -> Response:
    users = runtime.organisation.list_users(actor)
    stores = _stores(runtime, actor)
    staff = people.everyone(runtime, actor, active=True)
    store_names = {s["id"]: s["name"] for s in stores}
    staff_names = {s["id"]: s["name"] for s in staff}
    context = {
        "users": users[offset : offset + LIMIT],
        "total": len(users),
        "offset": offset,
        "limit": LIMIT,
        "roles": ROLES,
        "stores": stores,
        "store_names": store_names,
        "staff": staff,
        "staff_names": staff_names,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/users.html", context, actor=actor, status=status)


@router.get("/users")
def users(
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    page: PageDep,
    _position: ConsistentDep,
) -> Response:
    """Every login, and a form to create one with a role and a scope."""
    return _users_page(request, runtime, actor, page.offset)


@router.post("/users")
async def register_user(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    form = await read_form(request)
    username = form.text("username", max_length=64)
    password = form.values.get("password", "")
    if not password:
        form.errors["password"] = form.errors.get("password") or _required()
    role = form.choice("role", ROLES)
    store_id = form.uuid("store_id", required=False)
    staff_id = form.uuid("staff_id", required=False)
    values = {k: v for k, v in form.values.items() if k != "password"}
    if not form.ok:
        return _users_page(request, runtime, actor, 0, errors=form.errors, values=values)

    def field(cause: DomainError | None) -> str | None:
        if isinstance(cause, UserAlreadyExistsError):
            return "username"
        if isinstance(cause, UserScopeError | StaffInactiveError):
            return "staff_id" if role == Role.SALESPERSON.value else "store_id"
        return None

    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.organisation.register_user(
            actor, username, password, role, store_id, staff_id
        ),
        then=lambda _written: f"{BASE}/users/{username.lower()}",
        again=lambda errors, banner: _users_page(
            request, runtime, actor, 0, errors=errors, form_error=banner, values=values
        ),
        fields=USER_FIELDS,
        field=field,
        words=lambda cause: (
            _("This username is taken.") if isinstance(cause, UserAlreadyExistsError) else None
        ),
    )


def _required() -> str:
    return _("This field is required.")


def _user_page(
    request: Request, runtime: Runtime, actor: Principal, username: str, **form: Any
) -> Response:
    user = runtime.organisation.get_user(actor, username)
    stores = {s["id"]: s["name"] for s in _stores(runtime, actor)}
    staff_name = None
    if user.staff_id is not None:
        staff_name = runtime.organisation.get_staff(actor, user.staff_id).name
    context = {
        "user": user,
        "store_name": stores.get(user.store_id) if user.store_id else None,
        "staff_name": staff_name,
        **form,
    }
    status = 422 if form.get("errors") or form.get("form_error") else 200
    return render(request, "admin/user.html", context, actor=actor, status=status)


@router.get("/users/{username}")
def user(
    username: str,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _position: ConsistentDep,
) -> Response:
    """One login: reset its password, switch it off or on, lift a lockout."""
    return _user_page(request, runtime, actor, username)


@router.post("/users/{username}/password")
async def reset_password(
    username: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    form = await read_form(request)
    password = form.values.get("password", "")
    if not password:
        return _user_page(request, runtime, actor, username, errors={"password": _required()})
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: _all_revoked(
            runtime,
            request,
            actor,
            username,
            "password_changed",
            runtime.organisation.change_password(actor, username, password),
        ),
        then=lambda _written: f"{BASE}/users/{username}?done=password",
        again=lambda errors, _banner: _user_page(request, runtime, actor, username, errors=errors),
        fields=("password",),
        field="password",
    )


def _all_revoked(
    runtime: Runtime, request: Request, actor: Principal, username: str, reason: str, written: Any
) -> Any:
    """Record that every token of the user ended (a password reset, a deactivation)."""
    access.record(
        runtime,
        request,
        AccessKind.TOKEN_REVOKED,
        actor,
        User.id_for(username),
        tokens="all",
        reason=reason,
        channel="page",
    )
    return written


def _user_action(name: str) -> Any:
    async def action(
        username: str, request: Request, runtime: RuntimeDep, actor: PageActorDep
    ) -> Response:
        form = await read_form(request)
        call = getattr(runtime.organisation, f"{name}_user")
        return await run_command(
            request,
            actor.user_id,
            form,
            write=lambda: (
                _all_revoked(
                    runtime, request, actor, username, "deactivated", call(actor, username)
                )
                if name == "deactivate"
                else call(actor, username)
            ),
            then=lambda _written: f"{BASE}/users/{username}?done={name}",
            again=lambda _errors, banner: _user_page(
                request, runtime, actor, username, form_error=banner
            ),
        )

    action.__name__ = f"{name}_user"
    return action


for _name, _path in (
    ("deactivate", "deactivation"),
    ("reactivate", "reactivation"),
    ("unlock", "unlock"),
):
    router.add_api_route(f"/users/{{username}}/{_path}", _user_action(_name), methods=["POST"])
