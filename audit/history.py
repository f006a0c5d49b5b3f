"""Replay the history of any aggregate: every event it recorded, and its state at any version.

The auditor's view of the log. It reads stored events only (never the read models), so what it
shows is the ground truth the projections were built from. Secrets (password hashes) are masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.app import Showroom
from domain.shared.errors import NotFoundError
from domain.shared.values import masked_phone

MASK = "***"
# Fields whose values never leave the event store in clear, whatever aggregate holds them.
SECRET_FIELDS = frozenset({"password_hash"})
# Personal data shown the way the customer lists show it to readers who do not work the
# customer (auditors among them): enough to recognise, not to dial. `phone_hash` stays whole.
PHONE_FIELDS = frozenset({"phone"})
# Fields every event carries; `history` reports them beside `data`, not inside it.
BASE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "occurred_at"}
)


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy: money and ids as strings, times ISO, enums as their values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, bytes):
        return value.hex()
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(vars(value))
    return str(value)


def _masked_value(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS:
        return MASK
    if name in PHONE_FIELDS and isinstance(value, str):
        return masked_phone(value)
    return jsonable(value)


def _masked(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _masked_value(k, v) for k, v in fields.items()}


def event_type(event: object) -> str:
    """The stable short name of an event class: `Deal.ContractSigned`."""
    return type(event).__qualname__


def describe_event(event: Any) -> dict[str, Any]:
    """One event as the audit trail shows it: base fields beside its own data."""
    fields = vars(event)
    return {
        "version": event.originator_version,
        "type": event_type(event),
        "occurred_at": jsonable(fields.get("occurred_at")),
        "recorded_at": jsonable(event.timestamp),
        "actor": fields.get("actor"),
        "data": _masked({k: v for k, v in fields.items() if k not in BASE_FIELDS}),
    }


def _events(app: Showroom, aggregate_id: UUID, until_version: int | None) -> list[Any]:
    events = list(app.events.get(aggregate_id))
    if not events:
        raise NotFoundError("aggregate", aggregate_id)
    if until_version is not None:
        _check_version(aggregate_id, until_version, events[-1].originator_version)
        events = [e for e in events if e.originator_version <= until_version]
    return events


def _check_version(aggregate_id: UUID, version: int, latest: int) -> None:
    if not 1 <= version <= latest:
        raise NotFoundError("version", f"{version} of {aggregate_id} (latest is {latest})")


def history(
    app: Showroom, aggregate_id: UUID, *, until_version: int | None = None
) -> list[dict[str, Any]]:
    """Every event of the aggregate in order (up to `until_version` when given)."""
    return [describe_event(e) for e in _events(app, aggregate_id, until_version)]


def _aggregate_at(app: Showroom, aggregate_id: UUID, version: int | None) -> Any:
    try:
        latest: Any = app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        raise NotFoundError("aggregate", aggregate_id) from None
    if version is None or version == latest.version:
        return latest
    _check_version(aggregate_id, version, latest.version)
    try:
        return app.repository.get(aggregate_id, version=version)
    except AggregateNotFoundError:
        raise NotFoundError("version", f"{version} of {aggregate_id}") from None


def describe_state(aggregate: Any) -> dict[str, Any]:
    """The aggregate's public attributes, JSON-friendly, with its identity and version first."""
    public = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    return {
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": jsonable(aggregate.created_on),
        "modified_on": jsonable(aggregate.modified_on),
        **_masked(public),
    }


def state_at(app: Showroom, aggregate_id: UUID, version: int | None = None) -> dict[str, Any]:
    """The aggregate as it stood at `version` (the latest when None)."""
    return describe_state(_aggregate_at(app, aggregate_id, version))


def replay(app: Showroom, aggregate_id: UUID, version: int | None = None) -> dict[str, Any]:
    """Events up to `version` and the state they produced: what GET /history/{id} answers."""
    aggregate = _aggregate_at(app, aggregate_id, version)
    return {
        "aggregate_id": str(aggregate_id),
        "type": type(aggregate).__name__,
        "version": aggregate.version,
        "events": history(app, aggregate_id, until_version=aggregate.version),
        "state": describe_state(aggregate),
    }
