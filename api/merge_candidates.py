"""Possible duplicates among a store's customers: the same name, or nearly the same phone.

Phones are unique per customer (a phone claim each), so two records of one person differ in
the number: a typo'd digit, a second phone, a landline. Names and phones are sealed per customer
with different keys, so no query can compare them; this reads them in clear here, at the API's
edge, only to compare them, and answers the pairs with the values still sealed (the answer's
middleware reveals the phones masked). Nothing read here is logged as a full-phone read: no
full number leaves.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from audit import personal
from domain.shared.personal import shown_masked
from workers.customer_keys import CustomerKeys

# More pairs than a manager works through in one sitting are not shown (the newest first).
MAX_PAIRS = 200


@dataclass(frozen=True)
class Compared:
    row: dict[str, Any]
    name: str | None
    phone: str | None


def revealed(keys: CustomerKeys, rows: list[dict[str, Any]]) -> list[Compared]:
    """Each row with its name and phone in clear (None where erased or unreadable)."""
    found = keys.keys_for([r["id"] for r in rows])

    def clear(value: str, customer_id: UUID) -> str | None:
        sealed = personal.parse(value)
        key = found.get(customer_id)
        if sealed is None or key is None:
            return None
        try:
            return personal.unseal(key, sealed)[1]
        except ValueError:
            return None

    return [Compared(r, clear(r["name"], r["id"]), clear(r["phone"], r["id"])) for r in rows]


def normal_name(name: str) -> str:
    """Names compared without case, width (全角) or spaces."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(folded.split())


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def phone_distance(a: str, b: str) -> int:
    """Digits that differ between two numbers of one length (a typo); 99 for other lengths."""
    if len(a) != len(b):
        return 99
    return sum(1 for x, y in zip(a, b, strict=True) if x != y)


def pairs(customers: list[Compared]) -> list[tuple[str, Compared, Compared]]:
    """Pairs of possible duplicates, most likely first: the same name and a phone at most two
    digits apart, then the same name, then a phone one digit apart."""
    by_name: dict[str, list[int]] = defaultdict(list)
    by_pattern: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(customers):
        if c.name:
            by_name[normal_name(c.name)].append(i)
        if c.phone:
            number = digits(c.phone)
            for p in range(len(number)):
                by_pattern[number[:p] + "?" + number[p + 1 :]].append(i)
    found: dict[tuple[int, int], str] = {}
    for group in by_name.values():
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                a, b = customers[i], customers[j]
                near = (
                    a.phone is not None
                    and b.phone is not None
                    and phone_distance(digits(a.phone), digits(b.phone)) <= 2
                )
                found[(min(i, j), max(i, j))] = "same_name_similar_phone" if near else "same_name"
    for group in by_pattern.values():
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                found.setdefault((min(i, j), max(i, j)), "similar_phone")
    order = {"same_name_similar_phone": 0, "same_name": 1, "similar_phone": 2}
    ranked = sorted(found.items(), key=lambda item: (order[item[1]], item[0]))
    return [(reason, customers[i], customers[j]) for (i, j), reason in ranked[:MAX_PAIRS]]


def shown(c: Compared) -> dict[str, Any]:
    """A paired customer as answered: name sealed (revealed by the middleware), phone masked."""
    return {
        "id": c.row["id"],
        "store_id": c.row["store_id"],
        "name": c.row["name"],
        "phone": shown_masked(c.row["phone"]),
        "created_at": c.row["created_at"],
    }
