"""The access log's hash chain: each entry's head is an HMAC over the previous head and the entry.

    head_0 = 64 zeros
    head_n = HMAC-SHA256(key, head_{n-1} || field(sequence) || field(time) || field(kind)
                         || field(actor) || field(subject) || field(detail) || field(address)
                         || field(user agent) || field(key id))

`field(x)` is the 8-byte big-endian length of x's UTF-8 bytes followed by the bytes; a missing
value (None) is eight 0xff bytes, so that None and "" differ. The key is the keyring's `access`
key (audit/keyring.py), named on each entry by its id so that a rotated key still verifies the
entries it signed. Whoever can write the table but lacks the key cannot change, insert or
append an entry whose head verifies.

`verify` walks the entries in sequence order and reports every break where it is: a changed
entry (its head does not match its contents), a missing one (a gap in the sequence, or the
stored head row ahead of the last entry), an inserted or reordered one (its previous head is not
the head before it). Each entry is checked against the head stored before it, so one changed
row is reported once and does not condemn every row after it.

The head row is in the same database as the entries: whoever owns the database can delete the
last entries and set the head row back to the entry before them, and the chain still verifies.
So the signed checkpoints of the event log (audit/chain.py) carry the access log's head too
(an `Anchor`), and `check_anchor` compares the entry a checkpoint anchored with the one stored:
a tail deleted or rewritten before the last checkpoint is reported. Entries appended after it
are protected only by the HMAC chain until the next checkpoint.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
MAX_PROBLEMS = 100
_NONE = b"\xff" * 8


@dataclass(frozen=True)
class ChainEntry:
    """An entry's chained fields, as stored (times and details already text)."""

    sequence: int
    at: str
    kind: str
    actor_id: str | None
    subject: str | None
    detail: str
    address: str | None
    user_agent: str | None
    key_id: str


def _field(value: str | None) -> bytes:
    if value is None:
        return _NONE
    data = value.encode()
    return len(data).to_bytes(8, "big") + data


def link(previous_head: str, key: bytes, entry: ChainEntry) -> str:
    """The head after `entry`, chained to `previous_head` under `key`."""
    mac = hmac.new(key, bytes.fromhex(previous_head), hashlib.sha256)
    for value in (
        str(entry.sequence),
        entry.at,
        entry.kind,
        entry.actor_id,
        entry.subject,
        entry.detail,
        entry.address,
        entry.user_agent,
        entry.key_id,
    ):
        mac.update(_field(value))
    return mac.hexdigest()


@dataclass(frozen=True)
class Problem:
    """Where the chain breaks: the entry's sequence number and what is wrong there."""

    sequence: int
    problem: str


@dataclass
class AccessChainReport:
    """What `verify` found: `ok` unless a problem was listed."""

    count: int = 0
    last_sequence: int = 0
    head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # The last signed checkpoint's access head: its sequence and time (None: no checkpoint
    # carries one yet), and the entries after it, not yet anchored.
    anchored_sequence: int | None = None
    anchored_at: str | None = None
    unanchored: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_break(self) -> int | None:
        return self.problems[0].sequence if self.problems else None

    def add(self, sequence: int, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sequence, problem))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "last_sequence": self.last_sequence,
            "head": self.head,
            "first_break": self.first_break,
            "problem_count": self.problem_count,
            "problems": [{"sequence": p.sequence, "problem": p.problem} for p in self.problems],
            "anchored_sequence": self.anchored_sequence,
            "anchored_at": self.anchored_at,
            "unanchored": self.unanchored,
        }


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back: its chained fields and the two heads stored with it."""

    entry: ChainEntry
    previous_head: str
    head: str


def verify(
    entries: Iterable[StoredEntry],
    key_of: Callable[[str], bytes | None],
    *,
    recorded_head: tuple[int, str] | None = None,
    after: tuple[int, str] = (0, GENESIS),
) -> AccessChainReport:
    """Check entries read in sequence order; `key_of(key_id)` gives a key's secret (None: not in
    the keyring); `recorded_head`: the (sequence, head) the store keeps of its last append;
    `after`: the (sequence, head) the entries continue (the start: none, the genesis head)."""
    report = AccessChainReport(last_sequence=after[0], head=after[1])
    expected_sequence, expected_head = after[0] + 1, after[1]
    for stored in entries:
        entry = stored.entry
        sequence = entry.sequence
        report.count += 1
        if sequence < expected_sequence:
            report.add(
                sequence, f"entry {sequence} is out of order (after {expected_sequence - 1})"
            )
        elif sequence > expected_sequence:
            missing = _span(expected_sequence, sequence - 1)
            report.add(sequence, f"{missing} missing before entry {sequence} (deleted)")
        if stored.previous_head != expected_head:
            report.add(
                sequence,
                f"entry {sequence} does not follow the head before it (inserted, deleted or moved)",
            )
        key = key_of(entry.key_id)
        if key is None:
            report.add(sequence, f"entry {sequence} names key {entry.key_id!r}, not in the keyring")
        elif not hmac.compare_digest(link(stored.previous_head, key, entry), stored.head):
            report.add(sequence, f"entry {sequence} does not match its head (changed or forged)")
        expected_sequence, expected_head = max(expected_sequence, sequence + 1), stored.head
        report.last_sequence, report.head = sequence, stored.head
    if recorded_head is not None:
        last, head = recorded_head
        if last > report.last_sequence:
            missing = _span(report.last_sequence + 1, last)
            report.add(last, f"{missing} missing at the end (the store's head records {last})")
        elif last < report.last_sequence:
            report.add(
                last + 1,
                f"entries after {last} were not appended by the log (its head records {last})",
            )
        elif head != report.head:
            report.add(last, f"the store's head does not match entry {last}")
    return report


@dataclass(frozen=True)
class Anchor:
    """The access log's head as a signed checkpoint of the event log carries it."""

    sequence: int
    head: str
    recorded_at: str  # the checkpoint's time
    position: int  # the checkpoint's position in the event log


def check_anchor(report: AccessChainReport, anchor: Anchor, stored_head: str | None) -> None:
    """Compare the entry `anchor` names with the one stored (`stored_head`: its head; None: no
    such entry), after `verify`: a tail deleted or rewritten before the checkpoint is a problem.
    The entries after the anchor are counted as not anchored yet."""
    report.anchored_sequence, report.anchored_at = anchor.sequence, anchor.recorded_at
    report.unanchored = max(0, report.last_sequence - anchor.sequence)
    signed = f"the checkpoint of {anchor.recorded_at} (position {anchor.position})"
    if stored_head is None:
        if report.last_sequence < anchor.sequence:
            missing = _span(report.last_sequence + 1, anchor.sequence)
            report.add(
                anchor.sequence,
                f"{missing} missing at the end: {signed} anchors entry {anchor.sequence}"
                " (a deleted tail)",
            )
        else:
            report.add(
                anchor.sequence, f"entry {anchor.sequence}, anchored by {signed}, is missing"
            )
    elif not hmac.compare_digest(stored_head, anchor.head):
        report.add(
            anchor.sequence,
            f"entry {anchor.sequence} is not the one {signed} anchored (the log was rewritten)",
        )


def _span(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first}-{last} are"
