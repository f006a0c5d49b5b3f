"""Forms: reading fields with inline errors, and submitting a write exactly once.

A page route reads its form with `FormReader`, which collects one message per bad field (in the
user's language) instead of stopping at the first; the route re-renders the form with them
beside their fields (status 422) and writes nothing. A valid form goes to the same service call
the JSON route makes, through `submit`:

- the form's hidden `form_key` is an idempotency key, claimed in the API's key table: a double
  tap (or a retry after a lost answer) finds the first write and is sent where it was sent;
- a service's refusal (a DomainError) is shown beside the field it names (`error.extra["field"]`)
  or above the form, translated where the catalog knows the message, and frees the key; a
  role that may not (PermissionDenied), or the page's own record out of reach (NotFound of the
  id in the address), answers the API's 403 or 404 as a page instead;
- success answers 303 to the next page with `?position=` of the write, so that page waits for
  the views to include it (read-your-writes, as the JSON API's `position` parameter).

`run_command` is the one shape of a page's write around `submit`: the form's own errors, or a
service's refusal, re-render the page (`again(errors, form_error)`, 422) with the message beside
its field or above the form; a refusal for who the actor is or what they may see (403, 404)
answers as the JSON API does, with the error page (`raise_access`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.errors import status_of
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from workers.idempotency_keys import IN_PROGRESS, claim, finish

PHONE = re.compile(r"^1[3-9]\d{9}$")
MAX_MONEY = Decimal("100000000")
KEY_FIELD = "form_key"
SKIPPED_IN_DIGEST = {"csrf_token", KEY_FIELD}


class FormReader:
    """Typed fields of a submitted form; `errors` maps a field to its message."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.errors: dict[str, str] = {}
        self.values: dict[str, str] = {
            key: value for key, value in form.items() if isinstance(value, str)
        }

    def _raw(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def _missing(self, name: str, required: bool) -> bool:
        if self._raw(name):
            return False
        if required:
            self.errors[name] = _("This field is required.")
        return True

    def text(self, name: str, *, required: bool = True, max_length: int = 200) -> str:
        if self._missing(name, required):
            return ""
        value = self._raw(name)
        if len(value) > max_length:
            self.errors[name] = _("At most %(n)s characters.", n=max_length)
        return value

    def phone(self, name: str, *, required: bool = True) -> str:
        if self._missing(name, required):
            return ""
        value = re.sub(r"[\s-]", "", self._raw(name))
        if not PHONE.match(value):
            self.errors[name] = _("Enter a mainland mobile number of 11 digits.")
        return value

    def money(self, name: str, *, required: bool = True) -> Decimal | None:
        if self._missing(name, required):
            return None
        try:
            value = Decimal(self._raw(name).replace(",", "").replace("¥", ""))
        except InvalidOperation:
            self.errors[name] = _("Enter an amount such as 1234.50.")
            return None
        if not value.is_finite() or value < 0 or value > MAX_MONEY:
            self.errors[name] = _("Enter an amount between 0 and 100,000,000.")
            return None
        if value != value.quantize(Decimal("0.01")):
            self.errors[name] = _("At most two decimal places.")
            return None
        return value

    def integer(self, name: str, *, required: bool = True, low: int = 0, high: int = 10**6) -> int:
        if self._missing(name, required):
            return 0
        try:
            value = int(self._raw(name))
        except ValueError:
            self.errors[name] = _("Enter a whole number.")
            return 0
        if not low <= value <= high:
            self.errors[name] = _("Enter a number from %(low)s to %(high)s.", low=low, high=high)
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        if self._missing(name, required):
            return None
        try:
            return date.fromisoformat(self._raw(name))
        except ValueError:
            self.errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None

    def moment(self, name: str, zone: str, *, required: bool = True) -> datetime | None:
        """A datetime-local field, read in the store's time zone."""
        if self._missing(name, required):
            return None
        try:
            local = datetime.fromisoformat(self._raw(name))
        except ValueError:
            self.errors[name] = _("Enter a date and time.")
            return None
        return local if local.tzinfo else local.replace(tzinfo=ZoneInfo(zone))

    def month(self, name: str, *, required: bool = True) -> str:
        if self._missing(name, required):
            return ""
        value = self._raw(name)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            self.errors[name] = _("Enter a month as YYYY-MM.")
        return value

    def uuid(self, name: str, *, required: bool = True) -> UUID | None:
        if self._missing(name, required):
            return None
        try:
            return UUID(self._raw(name))
        except ValueError:
            self.errors[name] = _("Choose one from the list.")
            return None

    def choice(
        self, name: str, options: tuple[str, ...] | list[str], *, required: bool = True
    ) -> str:
        if self._missing(name, required):
            return ""
        value = self._raw(name)
        if value not in options:
            self.errors[name] = _("Choose one from the list.")
        return value

    def flag(self, name: str) -> bool:
        return self._raw(name) in ("on", "true", "1", "yes")

    @property
    def ok(self) -> bool:
        return not self.errors


async def read_form(request: Request) -> FormReader:
    return FormReader(await request.form())


# Service messages worded with a field name: translated by their shape, the field kept.
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<f>\w+) must not be blank$"), N_("This field is required.")),
    (
        re.compile(r"^(?P<f>\w+) is longer than (?P<n>\d+) characters$"),
        N_("At most %(n)s characters."),
    ),
    (re.compile(r"^(?P<f>\w+) must not be negative$"), N_("Must not be negative.")),
    (re.compile(r"^(?P<f>\w+) is not a number"), N_("Enter a number.")),
    (re.compile(r"^(?P<f>\w+) is implausibly large$"), N_("The amount is implausibly large.")),
    (re.compile(r"^VIN "), N_("Not a valid VIN: 17 characters with a correct check digit.")),
)


# The kinds of refusal, by the title every DomainError class carries.
TITLES = (
    N_("Business rule violated"),
    N_("Invalid value"),
    N_("Not found"),
    N_("Conflict"),
    N_("Stale version"),
    N_("Forbidden"),
    N_("Illegal transition"),
)


def message_of(error: DomainError) -> str:
    """A service's refusal in the user's language: by its shape, its exact text, or its kind."""
    for pattern, message in _SHAPES:
        found = pattern.match(error.detail)
        if found:
            return _(message, **{k: v for k, v in found.groupdict().items() if k != "f"})
    translated = _(error.detail)
    if translated != error.detail:
        return translated
    title = _(error.title)
    return error.detail if title == error.title else f"{title}: {error.detail}"


def field_of(error: DomainError, fields: tuple[str, ...] | list[str]) -> str | None:
    """The form field an error is about, when the service named one the form has."""
    named = error.extra.get("field")
    if isinstance(named, str) and named in fields:
        return named
    first = error.detail.split(" ", 1)[0]
    return first if first in fields else None


def _about_the_page(request: Request, error: DomainError) -> bool:
    """A NotFoundError about the record the page's address names (not one a field chose)."""
    missing = str(error.extra.get("id", ""))
    return isinstance(error, NotFoundError) and bool(missing) and missing in request.url.path


def _digest(request: Request, form: FormReader) -> str:
    fields = sorted((k, v) for k, v in form.values.items() if k not in SKIPPED_IN_DIGEST)
    text = request.url.path + "\n" + "\n".join(f"{k}={v}" for k, v in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def see_other(location: str, position: int | None = None) -> RedirectResponse:
    if position:
        location += ("&" if "?" in location else "?") + f"position={position}"
    return RedirectResponse(location, status_code=303)


class Refused(Exception):
    """A write refused by a service, with the message to show and the field it belongs to."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


async def submit(
    request: Request,
    user_id: str,
    form: FormReader,
    write: Callable[[], Any],
    then: Callable[[Any], str],
    fields: tuple[str, ...] | list[str] = (),
) -> Response:
    """Run `write` once per form key, then 303 to `then(result)` with the write's position.

    Raises Refused (nothing written, key freed) when the service refuses; the caller renders
    the form again with the message.
    """
    runtime = request.app.state.runtime
    key = form.values.get(KEY_FIELD, "")[:200]
    digest = _digest(request, form)
    if key:
        for _attempt in range(100):
            existing = await run_in_threadpool(claim, runtime.db, user_id, key, digest)
            if existing is None:
                break
            if existing["status"] != IN_PROGRESS and existing["request_hash"] == digest:
                return see_other(existing["body"] or "/app/")
            if existing["request_hash"] != digest:
                raise Refused(_("This form was already sent with other values: reload it."), None)
            await asyncio.sleep(0.05)  # the first tap's write is still running
        else:
            raise Refused(_("The first submission is still being saved: reload the page."), None)
    try:
        result = await run_in_threadpool(write)
    except DomainError as error:
        if key:
            await run_in_threadpool(finish, runtime.db, user_id, key, 500, "", "")
        if isinstance(error, PermissionDeniedError) or _about_the_page(request, error):
            raise  # the API's 403, or 404 for the page's own record, as a page
        raise Refused(message_of(error), field_of(error, fields)) from error
    except BaseException:
        if key:
            await run_in_threadpool(finish, runtime.db, user_id, key, 500, "", "")
        raise
    position = getattr(result, "position", None)
    location = then(result)
    if position:
        location += ("&" if "?" in location else "?") + f"position={position}"
    if key:
        await run_in_threadpool(finish, runtime.db, user_id, key, 303, location, "text/uri-list")
    return RedirectResponse(location, status_code=303)


# Renders the page again after a refusal: (errors by field, the message above the form).
Again = Callable[[dict[str, str], str | None], Response]


def raise_access(refused: Refused) -> None:
    """A refusal for who the actor is (403) or what they may see (404) is raised as the error
    itself, answered as the JSON API answers it (the error page), not as a message beside a
    form the actor should not have; any other refusal returns."""
    cause = refused.__cause__
    if isinstance(cause, DomainError) and status_of(cause) in (403, 404):
        raise cause from None


async def submit_checked(
    request: Request,
    user_id: str,
    form: FormReader,
    write: Callable[[], Any],
    then: Callable[[Any], str],
    fields: tuple[str, ...] | list[str] = (),
) -> Response:
    """`submit`, with a refusal for access answered as the API's error page (`raise_access`);
    any other refusal is raised for the page to show beside its form (pages whose forms are
    drawn by their own code rather than by `run_command`'s `again`)."""
    try:
        return await submit(request, user_id, form, write, then, fields)
    except Refused as refused:
        raise_access(refused)
        raise


async def run_command(
    request: Request,
    user_id: str,
    form: FormReader,
    write: Callable[[], Any],
    then: Callable[[Any], str],
    again: Again,
    fields: tuple[str, ...] | list[str] = (),
    *,
    field: str | Callable[[DomainError | None], str | None] | None = None,
    words: Callable[[DomainError], str | None] | None = None,
) -> Response:
    """Run one page command and answer as a page.

    The form's own errors: `again(form.errors, None)`, nothing written. Otherwise `submit`
    (once per form key, 303 to `then(result)`); a refusal for access raises (`raise_access`);
    any other is shown beside the field it names (one of `fields`), else beside `field` (a
    name, or a function of the refusal's cause giving one), else above the form; `words(cause)`
    may say it in the page's words (None: the service's message, translated). `again` runs in
    the thread pool (pages read the views synchronously)."""
    if not form.ok:
        return await run_in_threadpool(again, form.errors, None)
    try:
        return await submit(request, user_id, form, write, then, fields)
    except Refused as refused:
        raise_access(refused)
        cause = refused.__cause__ if isinstance(refused.__cause__, DomainError) else None
        message = (words(cause) if words is not None and cause is not None else None) or (
            refused.message
        )
        where = refused.field or (field(cause) if callable(field) else field)
        errors = {where: message} if where else {}
        return await run_in_threadpool(again, errors, None if where else message)
