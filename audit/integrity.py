"""Verify the notification log: ordered, gapless per aggregate, decodable, and chained.

The chain (audit/chain.py) is a keyed HMAC-SHA256 over every stored event in log order: its
position, aggregate id, version, topic and plaintext body (which holds the record time). Its key
is the keyring's `chain` key, held apart from the database, so whoever can write the database
cannot recompute it. `verify` recomputes it from the start and compares it with

- the chain's *links* (the head after each event, written with the checkpoints): the first
  position where a recomputed head differs is where the log was changed, and a link with no
  event names an event deleted;
- the signed *checkpoints* (position, head, time, key id): each must agree with the recomputed
  head at its position and carry a valid signature; a log that ends before the last checkpoint
  was cut short.

Events after the last checkpoint are not anchored yet: they are counted (`unanchored`), and
the next checkpoint anchors them. Without a keyring the chain is folded with an empty key
(`keyed` false): the order, version and decoding checks still hold, the chain proves nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Mapper

from audit.chain import (
    CLEAR_AFTER_ENCRYPTION,
    GENESIS,
    BodyUnreadableError,
    Checkpoint,
    encrypted,
    event_body,
    event_link,
    public_key_hex,
    signature_ok,
    stored_in_clear,
    unreadable_link,
)
from audit.keyring import Keyring
from domain.app import Showroom

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
    keyed: bool = False
    # The first log position where the chain breaks (None: it does not).
    first_break: int | None = None
    checkpoints: int = 0  # checkpoints compared
    last_checkpoint: dict[str, Any] | None = None
    disagreeing_checkpoints: list[int] = field(default_factory=list)
    bad_signatures: list[int] = field(default_factory=list)
    truncated: bool = False
    unanchored: int = 0  # events after the last checkpoint

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_problem(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def broke_at(self, position: int) -> None:
        if self.first_break is None or position < self.first_break:
            self.first_break = position

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
            "keyed": self.keyed,
            "first_break": self.first_break,
            "checkpoints": self.checkpoints,
            "last_checkpoint": self.last_checkpoint,
            "disagreeing_checkpoints": list(self.disagreeing_checkpoints),
            "bad_signatures": list(self.bad_signatures),
            "truncated": self.truncated,
            "unanchored": self.unanchored,
        }


class _Peek:
    """An iterator of (position, head) links that can look at its next item."""

    def __init__(self, links: Iterable[tuple[int, str]]) -> None:
        self._items: Iterator[tuple[int, str]] = iter(links)
        self.next: tuple[int, str] | None = next(self._items, None)

    def take(self) -> tuple[int, str]:
        item = self.next
        assert item is not None  # callers look first
        self.next = next(self._items, None)
        return item


def _span(first: int, last: int) -> str:
    return f"position {first}" if first == last else f"positions {first}–{last}"


class _Chain:
    """Which key folds which position: the key a checkpoint names covers the events after the
    previous checkpoint up to its own position; after the last one, the current key."""

    def __init__(
        self, keyring: Keyring | None, checkpoints: Sequence[Checkpoint], report: IntegrityReport
    ) -> None:
        self._keyring = keyring
        self._checkpoints = checkpoints
        self._report = report
        self._missing: set[str] = set()
        self.current = keyring.current("chain").secret if keyring else b""

    def key(self, index: int) -> bytes:
        """The key of the segment closed by checkpoint `index` (past the end: the current)."""
        if self._keyring is None or index >= len(self._checkpoints):
            return self.current
        key_id = self._checkpoints[index].key_id
        found = self._keyring.find("chain", key_id)
        if found is None:
            if key_id not in self._missing:
                self._missing.add(key_id)
                self._report.add_problem(
                    f"chain key {key_id!r} of the checkpoint at position"
                    f" {self._checkpoints[index].position} is not in the keyring"
                )
            return self.current
        return found.secret


def verify(
    app: Showroom,
    *,
    stop: int | None = None,
    page_size: int = 1000,
    decode: bool = True,
    keyring: Keyring | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    links: Iterable[tuple[int, str]] = (),
) -> IntegrityReport:
    """Read the whole log (or up to position `stop`) page by page and check it.

    Checks: notification ids strictly increase; each aggregate's versions run 1, 2, ... n with no
    gap or repeat; every event decodes (with `decode`); the keyed chain agrees with every link
    and checkpoint given (sorted by position), and each checkpoint's signature holds. Ids may
    skip numbers (a PostgreSQL sequence does after a rolled-back insert); only their order
    matters.
    """
    report = IntegrityReport(keyed=keyring is not None)
    bound = stop if stop is not None else float("inf")
    given = sorted((c for c in checkpoints if c.position <= bound), key=lambda c: c.position)
    # A checkpoint whose signature fails is reported and then ignored: anyone could have made it.
    marks = _signed(given, keyring, report)
    anchored_to = marks[-1].position if marks else 0
    if marks:
        report.last_checkpoint = marks[-1].as_dict()
    chain = _Chain(keyring, marks, report)
    stored = _Peek(link for link in links if link[0] <= bound)
    plain: Mapper[Any] = Mapper(transcoder=app.mapper.transcoder)  # decodes plaintext bodies

    versions: dict[str, int] = {}
    previous = 0
    began = False  # an encrypted body seen: after it, none may be stored in clear
    head = GENESIS  # the chain as recomputed from the start
    resync = GENESIS  # the chain restarted at each stored link: finds every break, not the first
    mark = 0  # the next checkpoint to compare
    good_mark = 0  # position of the last checkpoint that agreed
    unlinked: list[int] = []  # a run of anchored events with no link (inserted)

    def compare_marks(before: int | float) -> None:
        nonlocal mark, good_mark
        while mark < len(marks) and marks[mark].position < before:
            checkpoint = marks[mark]
            report.checkpoints += 1
            if checkpoint.head == head:
                good_mark = checkpoint.position
            else:
                report.disagreeing_checkpoints.append(checkpoint.position)
                if len(report.disagreeing_checkpoints) == 1:
                    report.add_problem(
                        f"checkpoint at position {checkpoint.position}"
                        f" ({checkpoint.recorded_at}, {checkpoint.reason}) disagrees with the log:"
                        f" the chain changed between positions {good_mark + 1} and"
                        f" {checkpoint.position}"
                    )
                    # Without a link to name it, the break lies somewhere in that span.
                    if report.first_break is None or report.first_break > checkpoint.position:
                        report.broke_at(good_mark + 1)
            mark += 1

    def flush_unlinked() -> None:
        if unlinked:
            report.add_problem(
                f"{_span(unlinked[0], unlinked[-1])}: {len(unlinked)} event(s) the chain never"
                " anchored, within the checkpointed log (inserted)"
            )
            report.broke_at(unlinked[0])
            unlinked.clear()

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

            key_name = str(notification.originator_id)
            expected = versions.get(key_name, 0) + 1
            if notification.originator_version != expected:
                report.add_problem(
                    f"notification {ident}: aggregate {key_name} has version"
                    f" {notification.originator_version} where {expected} was expected"
                )
            versions[key_name] = max(versions.get(key_name, 0), notification.originator_version)

            compare_marks(ident)
            # Links before this event have lost theirs: deleted (or moved) events.
            gone: list[tuple[int, str]] = []
            while stored.next is not None and stored.next[0] < ident:
                gone.append(stored.take())
            if gone:
                flush_unlinked()
                report.add_problem(
                    f"{_span(gone[0][0], gone[-1][0])}: {len(gone)} event(s) the chain anchored"
                    " are missing (deleted)"
                )
                report.broke_at(gone[0][0])
                resync = gone[-1][1]

            key = chain.key(mark)
            fields = (ident, notification.originator_id, notification.originator_version)
            try:
                body = event_body(app.mapper, notification.state)
            except BodyUnreadableError as error:
                report.add_problem(
                    f"notification {ident} ({notification.topic}): the body does not decrypt:"
                    f" {error}"
                )
                report.broke_at(ident)
                in_step = resync == head
                head = unreadable_link(key, head, *fields, notification.topic, notification.state)
                resync = (
                    head
                    if in_step
                    else unreadable_link(
                        key, resync, *fields, notification.topic, notification.state
                    )
                )
            else:
                if encrypted(notification.state):
                    began = True
                elif began and stored_in_clear(notification.state, body):
                    report.add_problem(
                        f"notification {ident} ({notification.topic}): {CLEAR_AFTER_ENCRYPTION}"
                    )
                    report.broke_at(ident)
                # Until a break the two chains are one: fold once.
                in_step = resync == head
                head = event_link(key, head, *fields, notification.topic, body)
                resync = (
                    head if in_step else event_link(key, resync, *fields, notification.topic, body)
                )
                if decode:
                    try:
                        plain.to_domain_event(
                            notification
                            if body is notification.state
                            else dataclasses.replace(notification, state=body)
                        )
                    except Exception as error:  # any failure to decode is a finding, not a crash
                        report.add_problem(
                            f"notification {ident} ({notification.topic}) does not decode:"
                            f" {type(error).__name__}: {error}"
                        )

            if stored.next is not None and stored.next[0] == ident:
                flush_unlinked()
                _, link = stored.take()
                if link != resync:
                    report.add_problem(
                        f"position {ident}: the event differs from the one the chain anchored"
                        " (changed, swapped or replaced)"
                    )
                    report.broke_at(ident)
                resync = link
            elif ident <= anchored_to:
                unlinked.append(ident)
            else:
                flush_unlinked()
                report.unanchored += 1
        if len(page) < page_size:
            break
        start = page[-1].id + 1

    flush_unlinked()
    rest: list[tuple[int, str]] = []
    while stored.next is not None:
        rest.append(stored.take())
    end = report.last_id or 0
    if rest:
        report.add_problem(
            f"{_span(rest[0][0], rest[-1][0])}: {len(rest)} event(s) the chain anchored are"
            " missing after the log's end"
        )
        report.broke_at(rest[0][0])
    compare_marks(float("inf"))
    if marks and marks[-1].position > end:
        report.truncated = True
        report.add_problem(
            f"the log ends at position {end}, before the checkpoint at position"
            f" {marks[-1].position}: it was cut short"
        )
        report.broke_at(end + 1)
    later = len(report.disagreeing_checkpoints) - 1
    if later > 0:
        report.add_problem(f"{later} later checkpoint(s) disagree too (a broken chain stays so)")
    report.head_hash = head
    report.aggregates = len(versions)
    return report


def _signed(
    given: Sequence[Checkpoint], keyring: Keyring | None, report: IntegrityReport
) -> list[Checkpoint]:
    """The checkpoints whose signature holds; the others reported."""
    if keyring is None:
        return list(given)
    public = {key.id: public_key_hex(key.secret) for key in keyring.all("chain")}
    signed = []
    for checkpoint in given:
        key = public.get(checkpoint.key_id)
        if key is not None and signature_ok(checkpoint, key):
            signed.append(checkpoint)
            continue
        report.bad_signatures.append(checkpoint.position)
        report.add_problem(
            f"checkpoint at position {checkpoint.position}: its signature does not verify"
            " (not written by the holder of the chain key)"
        )
    return signed
