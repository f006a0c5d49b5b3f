"""Sealed personal values revealed for one reader: the pure part of the API's reveal.

`api/personal.py`'s middleware reveals every answer as it leaves with a `Revealer`; the
pages' people pickers (which sort staff by name before they page) and the workers that write
export files with staff names (the KPI/leaderboard workbook, the payout CSV and workbook,
written below the edge) reveal with the same class. It reads the keys of all the people in
one answer in one batch (`CustomerKeys.keys_for`, which keeps staff keys a short while).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from audit import personal
from domain.shared.access import read_scope
from domain.shared.actor import Principal
from domain.shared.personal import SEALED_PREFIX
from domain.shared.values import masked_phone
from workers.access_log import Access, AccessKind, AccessLog
from workers.customer_keys import CustomerKeys

TOKEN = re.compile(
    r"pii:(?P<kind>1|m):(?P<customer>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r":(?P<data>[A-Za-z0-9+/]+=*)|pii:erased"
)
ERASED_TEXT = {"zh-CN": "已删除", "en": "erased"}


def erased_text(language: str | None) -> str:
    return ERASED_TEXT["en"] if (language or "").startswith("en") else ERASED_TEXT["zh-CN"]


# --- revealing --------------------------------------------------------------------------------


class Revealer:
    """Reveals the sealed values of one answer for one principal (keys read in one batch)."""

    def __init__(
        self,
        keys: CustomerKeys,
        principal: Principal | None,
        *,
        access_log: AccessLog | None = None,
        language: str | None = None,
        address: str | None = None,
        user_agent: str | None = None,
    ) -> None:
        self.keys = keys
        self.principal = principal
        self.full_phone = principal is not None and read_scope(principal).sees_full_phone
        self.access_log = access_log
        self.erased = erased_text(language)
        self.address = address
        self.user_agent = user_agent
        self._cache: dict[UUID, bytes | None] = {}
        self.full_phones_read: set[UUID] = set()

    def load(self, customer_ids: Iterable[UUID]) -> None:
        missing = [c for c in customer_ids if c not in self._cache]
        if missing:
            self._cache.update(self.keys.keys_for(missing))

    def text(self, value: str, escape: Callable[[str], str] = str) -> str:
        """`value` with every sealed token in it revealed (each escaped by `escape`)."""
        if "pii:" not in value:
            return value
        matches = list(TOKEN.finditer(value))
        known = self.keys.staff_value
        # Staff values this process revealed a moment ago need no key (see CustomerKeys).
        self.load(UUID(m["customer"]) for m in matches if m["customer"] and not known(m[0][6:]))
        return TOKEN.sub(lambda m: escape(self._one(m)), value)

    def value(self, obj: Any) -> Any:
        """A JSON-like value (dicts, lists, strings) with its sealed strings revealed (the keys
        of all its customers read in one batch first)."""
        self.load(_customers(obj))
        return self._value(obj)

    def _value(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {k: self._value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self._value(v) for v in obj]
        return obj

    def _one(self, match: re.Match[str]) -> str:
        if match["customer"] is None:
            return self.erased
        token = match[0][6:]  # after `pii:1:` or `pii:m:`
        kept = self.keys.staff_value(token)
        if kept is not None:
            return kept[1]  # a member of staff's value: never a phone
        customer_id = UUID(match["customer"])
        key = self._cache.get(customer_id)
        sealed = personal.parse(SEALED_PREFIX + token)
        if key is None or sealed is None:
            return self.erased
        try:
            field, clear = personal.unseal(key, sealed)
        except ValueError:
            return self.erased
        if field != "phone":
            self.keys.keep_staff_value(customer_id, token, field, clear)
            return clear
        if match["kind"] == "m" or not self.full_phone:
            return masked_phone(clear)
        if customer_id not in self.full_phones_read:
            self.full_phones_read.add(customer_id)
            self._record(customer_id)
        return clear

    def _record(self, customer_id: UUID) -> None:
        if self.access_log is None or self.principal is None:
            return
        self.access_log.record(
            Access(
                kind=AccessKind.FULL_PHONE_READ,
                actor_id=self.principal.user_id,
                subject=str(customer_id),
                address=self.address,
                user_agent=self.user_agent,
            )
        )


def _customers(obj: Any) -> list[UUID]:
    if isinstance(obj, str):
        return [UUID(m["customer"]) for m in TOKEN.finditer(obj) if m["customer"]]
    if isinstance(obj, dict):
        return [c for v in obj.values() for c in _customers(v)]
    if isinstance(obj, list | tuple):
        return [c for v in obj for c in _customers(v)]
    return []


def reveal_field(
    keys: CustomerKeys,
    rows: list[dict[str, Any]],
    field: str = "name",
    *,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """`rows` with `field` revealed (staff names, in files and sorted lists; keys in one batch;
    never a phone in full)."""
    revealer = Revealer(keys, None, language=language)
    revealer.load(c for row in rows for c in _customers(row.get(field)))
    return [{**row, field: revealer.text(row[field])} if row.get(field) else row for row in rows]


def name_order(row: dict[str, Any], field: str = "name", key: str = "id") -> tuple[str, str]:
    """Sort key of a revealed row: its name case-folded, then its id (ties stay stable)."""
    return (str(row.get(field) or "").casefold(), str(row.get(key)))


__all__ = ["TOKEN", "Revealer", "erased_text", "name_order", "reveal_field"]
