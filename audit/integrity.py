"""Verify the notification log: ordered, gapless per aggregate, decodable, and hash-chained.

The chain folds every stored event, in log order, into a running SHA-256:

    head_0 = 64 zeros
    head_n = sha256(head_{n-1} || field(id) || field(originator_id) || field(version)
                    || field(topic) || field(state))

where `field(x)` is the 8-byte big-endian length of x's bytes followed by the bytes (ids and
versions as decimal ASCII, the state as stored: encrypted/compressed bytes when a cipher is set).
An auditor who wrote down the head at log position N can later run `verify(app, stop=N)` and
compare: any change, insertion or deletion at or before N changes the head.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.app import Showroom

GENESIS = "0" * 64
MAX_PROBLEMS = 100


@dataclass
class IntegrityReport:
    """What `verify` found: `ok` unless some problem was listed."""

    count: int = 0
    first_id: int | None = None
    last_id: int | None = None
    aggregates: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "first_id": self.first_id,
            "last_id": self.last_id,
            "aggregates": self.aggregates,
            "head_hash": self.head_hash,
            "problem_count": self.problem_count,
            "problems": list(self.problems),
        }


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def chain_link(
    head: str, ident: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> str:
    """The next head of the chain after one stored event."""
    digest = hashlib.sha256(bytes.fromhex(head))
    digest.update(_field(str(ident).encode()))
    digest.update(_field(str(originator_id).encode()))
    digest.update(_field(str(version).encode()))
    digest.update(_field(topic.encode()))
    digest.update(_field(bytes(state)))
    return digest.hexdigest()


def verify(
    app: Showroom, *, stop: int | None = None, page_size: int = 1000, decode: bool = True
) -> IntegrityReport:
    """Read the whole log (or up to position `stop`) page by page and check it.

    Checks: notification ids strictly increase; each aggregate's versions run 1, 2, ... n with no
    gap or repeat; every event decodes (with `decode`). Ids may skip numbers (a PostgreSQL
    sequence does after a rolled-back insert); only their order matters.
    """
    report = IntegrityReport()
    versions: dict[str, int] = {}
    previous = 0
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=page_size, stop=stop)
        if not page:
            break
        for notification in page:
            ident = notification.id
            if ident <= previous:
                report.add_problem(f"notification {ident} does not follow {previous}")
            previous = max(previous, ident)
            if report.first_id is None:
                report.first_id = ident
            report.last_id = ident
            report.count += 1

            key = str(notification.originator_id)
            expected = versions.get(key, 0) + 1
            if notification.originator_version != expected:
                report.add_problem(
                    f"notification {ident}: aggregate {key} has version"
                    f" {notification.originator_version} where {expected} was expected"
                )
            versions[key] = max(versions.get(key, 0), notification.originator_version)

            if decode:
                try:
                    app.mapper.to_domain_event(notification)
                except Exception as error:  # any failure to decode is a finding, not a crash
                    report.add_problem(
                        f"notification {ident} ({notification.topic}) does not decode:"
                        f" {type(error).__name__}: {error}"
                    )

            report.head_hash = chain_link(
                report.head_hash,
                ident,
                notification.originator_id,
                notification.originator_version,
                notification.topic,
                notification.state,
            )
        if len(page) < page_size:
            break
        start = page[-1].id + 1
    report.aggregates = len(versions)
    return report
