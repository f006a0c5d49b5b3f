"""The aggregate cache: each process keeps the aggregates it saved or loaded, never stale ones.

Two runtimes over one store stand for two API processes. Whatever one of them writes, the
other's next load sees (a cached aggregate is fast-forwarded from the log), so a deactivated
user is refused at once everywhere and a second writer never overwrites the first; and an
aggregate changed in memory by a command that is not saved does not leak into the cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from domain.leads.model import Lead
from domain.organisation.model import User
from domain.shared.actor import SYSTEM
from domain.shared.clock import now
from domain.shared.errors import ConflictError
from ops.bench.harness import BenchFloor, seed_floor
from workers.runtime import Runtime, migrate
from workers.settings import Settings


@pytest.fixture
def two(settings: Settings) -> Iterator[tuple[Runtime, Runtime, BenchFloor]]:
    migrate(settings)
    first, second = Runtime.build(settings), Runtime.build(settings)
    try:
        floor = seed_floor(first, 1, 2, prefix="cache")
        yield first, second, floor
    finally:
        first.close()
        second.close()


def test_the_cache_is_on_by_default_and_off_at_zero(settings: Settings) -> None:
    migrate(settings)
    on, off = Runtime.build(settings), Runtime.build(replace(settings, aggregate_cache=0))
    try:
        assert on.app.repository.cache is not None
        assert off.app.repository.cache is None
    finally:
        on.close()
        off.close()


def test_a_write_through_one_process_is_seen_by_the_others_cached_load(
    two: tuple[Runtime, Runtime, BenchFloor],
) -> None:
    first, second, floor = two
    seller, lead_id = floor.principals[0], floor.leads[0][0]
    before = second.app.load(Lead, lead_id, "lead").version  # now cached in the second
    first.leads.log_activity(seller, lead_id, "call", outcome="no answer")
    seen = second.app.load(Lead, lead_id, "lead")
    assert seen.version == before + 1
    # The second writes on top of the first's event, so neither update is lost.
    written = second.leads.log_activity(seller, lead_id, "call", outcome="answered")
    assert written.version == before + 2
    assert first.app.load(Lead, lead_id, "lead").version == before + 2


def test_a_user_deactivated_through_one_process_is_refused_by_the_other(
    two: tuple[Runtime, Runtime, BenchFloor],
) -> None:
    first, second, floor = two
    user_id = User.id_for(floor.usernames[0])
    assert second.organisation.principal(user_id) is not None  # cached as active
    first.organisation.deactivate_user(SYSTEM, floor.usernames[0])
    assert second.organisation.principal(user_id) is None


def test_a_change_that_is_not_saved_does_not_reach_the_cache(
    two: tuple[Runtime, Runtime, BenchFloor],
) -> None:
    first, _, floor = two
    lead_id = floor.leads[0][0]
    loaded = first.app.load(Lead, lead_id, "lead")
    version = loaded.version
    loaded.log_activity("call", "never saved", None, False, occurred_at=now())
    assert first.app.load(Lead, lead_id, "lead").version == version


def test_a_stale_writer_is_still_refused_with_the_cache_on(
    two: tuple[Runtime, Runtime, BenchFloor],
) -> None:
    first, second, floor = two
    lead_id = floor.leads[0][0]
    stale = second.app.load(Lead, lead_id, "lead")
    first.leads.log_activity(floor.principals[0], lead_id, "call")
    stale.log_activity("call", "from a stale copy", None, False, occurred_at=now())
    with pytest.raises(ConflictError):
        second.app.commit(stale)
