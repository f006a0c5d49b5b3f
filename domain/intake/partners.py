"""Partners: marketplaces and OEM systems that post leads, each within a scope.

A partner is registered by an admin with the stores and sources it may post for. Its signing
secrets are not in the log (an event body is kept for ever): they live wrapped in a key store
(the `SecretVault` port); the log records that a secret was issued, when the one before it
stops being accepted, and that the partner was revoked.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.leads.origin import parse_source
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError, PermissionDeniedError

MAX_SCOPE = 500


class PartnerKind(StrEnum):
    MARKETPLACE = "marketplace"
    OEM = "oem"
    SOCIAL = "social"
    OTHER = "other"


class PartnerScopeError(PermissionDeniedError):
    """A partner posted for a store or a source outside its scope (HTTP 403)."""

    title = "Outside the partner's scope"


class Partner(ShowroomAggregate):
    """A system allowed to post leads for some stores and sources, until revoked."""

    class Registered(ShowroomAggregate.Created):
        name: str
        kind: str
        store_ids: list[UUID]
        sources: list[str]

    class SecretIssued(ShowroomAggregate.Event):
        secret_id: UUID
        previous_valid_until: datetime | None  # when the secrets issued before stop (None: first)

    class Revoked(ShowroomAggregate.Event):
        reason: str | None

    @classmethod
    def register(
        cls,
        name: str,
        kind: str,
        store_ids: list[UUID],
        sources: list[str],
        occurred_at: datetime,
    ) -> Partner:
        try:
            checked_kind = PartnerKind(kind).value
        except ValueError:
            allowed = ", ".join(k.value for k in PartnerKind)
            raise InvalidValueError(f"kind must be one of {allowed}") from None
        return cls(
            name=values.text(name, "name", max_length=120),
            kind=checked_kind,
            store_ids=scope_stores(store_ids),
            sources=scope_sources(sources),
            occurred_at=occurred_at,
        )

    @event(Registered)
    def __init__(
        self, name: str, kind: str, store_ids: list[UUID], sources: list[str], occurred_at: datetime
    ) -> None:
        self.name = name
        self.kind = kind
        self.store_ids = list(store_ids)
        self.sources = list(sources)
        self.active = True
        self.registered_at = occurred_at
        self.secret_id: UUID | None = None
        self.revoked_at: datetime | None = None

    def issue_secret(
        self, secret_id: UUID, previous_valid_until: datetime | None, occurred_at: datetime
    ) -> None:
        if not self.active:
            raise IllegalTransitionError("partner", self.id, "revoked", "issue a secret to")
        self._issue_secret(
            secret_id=secret_id, previous_valid_until=previous_valid_until, occurred_at=occurred_at
        )

    @event(SecretIssued)
    def _issue_secret(
        self, secret_id: UUID, previous_valid_until: datetime | None, occurred_at: datetime
    ) -> None:
        self.secret_id = secret_id

    def revoke(self, reason: str | None, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("partner", self.id, "revoked", "revoke")
        cleaned = None if not reason else values.text(reason, "reason", max_length=200) or None
        self._revoke(reason=cleaned, occurred_at=occurred_at)

    @event(Revoked)
    def _revoke(self, reason: str | None, occurred_at: datetime) -> None:
        self.active = False
        self.revoked_at = occurred_at

    def ensure_in_scope(self, store_id: UUID, source_kind: str, source_name: str | None) -> None:
        """Refuse a store or a source the partner was not registered for."""
        if not in_scope(self.store_ids, self.sources, store_id, source_kind, source_name):
            raise PartnerScopeError(
                "the partner may not post leads for this store or source",
                store_id=str(store_id),
                source=source_kind if source_name is None else f"{source_kind}:{source_name}",
            )


def in_scope(
    store_ids: list[UUID],
    sources: list[str],
    store_id: UUID,
    source_kind: str,
    source_name: str | None,
) -> bool:
    """A store listed, and a source listed either as `kind:name` or as its whole `kind`."""
    if store_id not in store_ids:
        return False
    if source_kind in sources:
        return True
    return source_name is not None and f"{source_kind}:{source_name}" in sources


def scope_stores(store_ids: list[UUID]) -> list[UUID]:
    stores = list(dict.fromkeys(store_ids))
    if not stores:
        raise InvalidValueError("a partner posts for at least one store")
    if len(stores) > MAX_SCOPE:
        raise InvalidValueError(f"at most {MAX_SCOPE} stores")
    return stores


def scope_sources(sources: list[str]) -> list[str]:
    """Each `kind` or `kind:name`, checked and normalised, no repeats, at least one."""
    cleaned: list[str] = []
    for item in sources:
        kind, name = parse_source(item)
        text = kind if name is None else f"{kind}:{name}"
        if text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise InvalidValueError("a partner posts for at least one source")
    if len(cleaned) > MAX_SCOPE:
        raise InvalidValueError(f"at most {MAX_SCOPE} sources")
    return cleaned
