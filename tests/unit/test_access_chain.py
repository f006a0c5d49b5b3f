"""The access log's chain function alone: what changes a head, and where `verify` reports."""

from __future__ import annotations

from dataclasses import replace

from audit.access_chain import GENESIS, ChainEntry, StoredEntry, link, verify

KEY = b"k" * 32


def entry(sequence: int, **changes: object) -> ChainEntry:
    base = ChainEntry(
        sequence=sequence,
        at=f"2026-05-01T00:00:{sequence:02d}.000000Z",
        kind="full_phone_read",
        actor_id="u-1",
        subject=f"c-{sequence}",
        detail='{"channel":"api"}',
        address="10.0.0.1",
        user_agent="curl/8",
        key_id="access-1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chained(count: int) -> list[StoredEntry]:
    stored, head = [], GENESIS
    for sequence in range(1, count + 1):
        one = entry(sequence)
        new = link(head, KEY, one)
        stored.append(StoredEntry(one, head, new))
        head = new
    return stored


def key_of(key_id: str) -> bytes | None:
    return KEY if key_id == "access-1" else None


def test_every_field_of_an_entry_changes_its_head() -> None:
    one = entry(1)
    heads = {
        link(GENESIS, KEY, replace(one, **{name: value}))  # type: ignore[arg-type]
        for name, value in (
            ("sequence", 2),
            ("at", "2026-05-01T00:00:09.000000Z"),
            ("kind", "login_failed"),
            ("actor_id", "u-2"),
            ("subject", "c-9"),
            ("detail", "{}"),
            ("address", "10.0.0.2"),
            ("user_agent", "curl/9"),
            ("key_id", "access-2"),
        )
    }

    assert len(heads) == 9 and link(GENESIS, KEY, one) not in heads


def test_a_missing_value_and_an_empty_one_chain_differently() -> None:
    assert link(GENESIS, KEY, entry(1, subject=None)) != link(GENESIS, KEY, entry(1, subject=""))


def test_another_key_gives_another_head() -> None:
    assert link(GENESIS, KEY, entry(1)) != link(GENESIS, b"x" * 32, entry(1))


def test_an_intact_chain_verifies_against_its_recorded_head() -> None:
    stored = chained(5)

    report = verify(stored, key_of, recorded_head=(5, stored[-1].head))

    assert report.ok and report.count == 5 and report.head == stored[-1].head


def test_two_swapped_entries_are_reported_where_they_stand() -> None:
    stored = chained(5)
    stored[1], stored[2] = stored[2], stored[1]

    report = verify(stored, key_of)

    assert report.first_break == 3


def test_an_entry_under_a_key_no_longer_in_the_keyring_is_reported() -> None:
    report = verify(chained(2), lambda key_id: None)

    assert [p.sequence for p in report.problems] == [1, 2]
    assert "not in the keyring" in report.problems[0].problem
