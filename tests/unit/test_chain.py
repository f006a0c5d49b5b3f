"""The chain step and the checkpoints' signatures (audit/chain.py), without a store."""

from __future__ import annotations

import dataclasses

from audit.chain import (
    GENESIS,
    Checkpoint,
    chain_link,
    public_key_hex,
    sign_checkpoint,
    signature_ok,
)

KEY, OTHER = b"k" * 32, b"o" * 32


def test_a_link_depends_on_the_key() -> None:
    assert chain_link(KEY, GENESIS, 1, "a") != chain_link(OTHER, GENESIS, 1, "a")


def test_fields_are_framed_so_moving_a_boundary_changes_the_link() -> None:
    assert chain_link(KEY, GENESIS, "ab", "c") != chain_link(KEY, GENESIS, "a", "bc")


def test_a_link_depends_on_the_previous_head() -> None:
    first = chain_link(KEY, GENESIS, 1)

    assert chain_link(KEY, first, 2) != chain_link(KEY, GENESIS, 2)


def test_a_checkpoint_verifies_with_the_public_key_alone() -> None:
    mark = sign_checkpoint(
        KEY,
        position=7,
        head="ab" * 32,
        recorded_at="2026-01-01T00:00:00+00:00",
        key_id="c-1",
        reason="timer",
    )

    assert signature_ok(mark, public_key_hex(KEY))


def test_a_checkpoint_changed_after_signing_or_checked_with_another_key_fails() -> None:
    mark = sign_checkpoint(
        KEY,
        position=7,
        head="ab" * 32,
        recorded_at="2026-01-01T00:00:00+00:00",
        key_id="c-1",
        reason="timer",
    )

    assert not signature_ok(dataclasses.replace(mark, position=8), public_key_hex(KEY))
    assert not signature_ok(dataclasses.replace(mark, head="cd" * 32), public_key_hex(KEY))
    assert not signature_ok(mark, public_key_hex(OTHER))


def test_a_checkpoint_carries_the_access_logs_head_under_its_signature() -> None:
    """The access log's head is signed with the event log's: changed or dropped, the signature
    fails; a checkpoint written before it was carried (no access head) still verifies as it
    did, read back from a row without the new columns."""
    mark = sign_checkpoint(
        KEY,
        position=7,
        head="ab" * 32,
        recorded_at="2026-01-01T00:00:00+00:00",
        key_id="c-1",
        reason="timer",
        access=(12, "ef" * 32),
    )
    public = public_key_hex(KEY)

    assert signature_ok(mark, public) and b"showroom-checkpoint-v2" in mark.message()
    assert not signature_ok(dataclasses.replace(mark, access_sequence=11), public)
    assert not signature_ok(dataclasses.replace(mark, access_head="00" * 32), public)
    assert not signature_ok(dataclasses.replace(mark, access_sequence=None), public)

    old = sign_checkpoint(
        KEY, position=7, head="ab" * 32, recorded_at="2026", key_id="c-1", reason="timer"
    )
    row = {k: v for k, v in old.as_dict().items() if not k.startswith("access_")}
    assert b"showroom-checkpoint-v1" in old.message()
    assert Checkpoint.from_dict(row) == old and signature_ok(Checkpoint.from_dict(row), public)
