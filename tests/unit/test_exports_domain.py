"""The Export aggregate (Given events / When command / Then events) and the Reporting service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.app import Showroom
from domain.organisation.service import Organisation
from domain.reporting.errors import ExportAlreadyCompletedError, ExportNotReadyError
from domain.reporting.model import Export, ExportStatus
from domain.reporting.service import Reporting
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)

MONDAY = datetime(2026, 5, 4, 1, 30, tzinfo=UTC)
SHA = "ab" * 32


def at(minutes: int) -> datetime:
    return MONDAY + timedelta(minutes=minutes)


def requested(store_id: UUID | None = None) -> Export:
    """Given: an export that was just requested (its creation event already collected)."""
    export = Export(
        kind="kpi_month",
        month="2026-05",
        store_id=store_id,
        language="en",
        requested_by="user-1",
        occurred_at=MONDAY,
    )
    export.collect_events()
    return export


def running() -> Export:
    export = requested()
    export.start(occurred_at=at(1))
    export.collect_events()
    return export


def completed() -> Export:
    export = running()
    export.complete("kpi-2026-05-group.xlsx", 1234, SHA, 7, occurred_at=at(2))
    export.collect_events()
    return export


def new_events(export: Export) -> list[Any]:
    return list(export.collect_events())


def state(export: Export) -> dict[str, Any]:
    return {k: v for k, v in vars(export).items() if k != "_pending_events"}


# --- the aggregate ------------------------------------------------------------------------------


def test_a_requested_export_records_what_was_asked_and_by_whom() -> None:
    export = Export(
        kind="kpi_month",
        month="2026-05",
        store_id=None,
        language="zh",
        requested_by="user-1",
        occurred_at=MONDAY,
    )

    [event] = new_events(export)

    assert isinstance(event, Export.Requested)
    assert (event.kind, event.month, event.store_id, event.language) == (
        "kpi_month",
        "2026-05",
        None,
        "zh",
    )
    assert event.requested_by == "user-1"
    assert export.status is ExportStatus.REQUESTED
    assert export.scope == "group"


def test_starting_a_requested_export_records_the_first_attempt() -> None:
    export = requested()

    export.start(occurred_at=at(1))

    [event] = new_events(export)
    assert isinstance(event, Export.Started)
    assert event.attempt == 1
    assert export.status is ExportStatus.RUNNING


def test_a_retry_of_a_running_export_records_the_next_attempt() -> None:
    export = running()

    export.start(occurred_at=at(5))

    [event] = new_events(export)
    assert isinstance(event, Export.Started)
    assert event.attempt == 2
    assert export.attempts == 2


def test_completing_a_running_export_records_its_file() -> None:
    export = running()

    export.complete("kpi-2026-05-group.xlsx", 1234, SHA, 7, occurred_at=at(2))

    [event] = new_events(export)
    assert isinstance(event, Export.Completed)
    assert (event.file_name, event.size, event.sha256, event.rows) == (
        "kpi-2026-05-group.xlsx",
        1234,
        SHA,
        7,
    )
    assert export.status is ExportStatus.COMPLETED
    assert export.finished_at == at(2)


def test_completing_twice_is_refused() -> None:
    export = completed()

    with pytest.raises(ExportAlreadyCompletedError):
        export.complete("kpi-2026-05-group.xlsx", 1234, SHA, 7, occurred_at=at(3))

    assert new_events(export) == []


def test_a_completed_export_is_not_started_again() -> None:
    export = completed()

    with pytest.raises(ExportAlreadyCompletedError):
        export.start(occurred_at=at(3))

    assert new_events(export) == []


def test_an_export_that_never_started_cannot_complete() -> None:
    export = requested()

    with pytest.raises(IllegalTransitionError):
        export.complete("kpi-2026-05-group.xlsx", 1234, SHA, 7, occurred_at=at(1))


def test_completing_with_a_malformed_checksum_is_refused() -> None:
    export = running()

    with pytest.raises(InvalidValueError):
        export.complete("kpi-2026-05-group.xlsx", 1234, "not-a-sha", 7, occurred_at=at(2))


def test_failing_a_running_export_records_the_error() -> None:
    export = running()

    export.fail("views did not catch up", occurred_at=at(2))

    [event] = new_events(export)
    assert isinstance(event, Export.Failed)
    assert event.error == "views did not catch up"
    assert export.status is ExportStatus.FAILED


def test_a_failed_export_is_final() -> None:
    export = running()
    export.fail("boom", occurred_at=at(2))
    export.collect_events()

    with pytest.raises(IllegalTransitionError):
        export.start(occurred_at=at(3))


def test_a_completed_export_cannot_fail() -> None:
    export = completed()

    with pytest.raises(ExportAlreadyCompletedError):
        export.fail("late error", occurred_at=at(3))


def test_only_a_completed_export_is_downloadable() -> None:
    export = running()

    with pytest.raises(ExportNotReadyError):
        export.ensure_downloadable()


def test_a_store_export_names_its_scope_after_the_store() -> None:
    store_id = uuid4()

    export = requested(store_id)

    assert export.scope == f"store-{store_id.hex[:8]}"


_STEPS = st.lists(st.sampled_from(["start", "complete", "fail"]), max_size=8)


@given(steps=_STEPS)
def test_replaying_the_events_gives_the_live_state(steps: list[str]) -> None:
    export = Export(
        kind="kpi_month",
        month="2026-05",
        store_id=None,
        language="en",
        requested_by="user-1",
        occurred_at=MONDAY,
    )
    for minute, step in enumerate(steps, start=1):
        try:
            if step == "start":
                export.start(occurred_at=at(minute))
            elif step == "complete":
                export.complete("f.xlsx", 10, SHA, 1, occurred_at=at(minute))
            else:
                export.fail("boom", occurred_at=at(minute))
        except (IllegalTransitionError, ExportAlreadyCompletedError):
            pass
    events = list(export.collect_events())

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert state(replayed) == state(export)


# --- the service --------------------------------------------------------------------------------


@pytest.fixture
def app() -> Iterator[Showroom]:
    application = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


@pytest.fixture
def reporting(app: Showroom) -> Reporting:
    return Reporting(app)


@pytest.fixture
def stores(app: Showroom) -> tuple[UUID, UUID]:
    organisation = Organisation(app)
    hangzhou = organisation.open_store(SYSTEM, "Hangzhou BYD", "Hangzhou", ["BYD"]).id
    ningbo = organisation.open_store(SYSTEM, "Ningbo BYD", "Ningbo", ["BYD"]).id
    return hangzhou, ningbo


def manager_of(store_id: UUID) -> Principal:
    return Principal(user_id="user-zhang", role=Role.STORE_MANAGER, store_id=store_id)


def test_a_request_by_a_salesperson_is_forbidden(
    reporting: Reporting, stores: tuple[UUID, UUID]
) -> None:
    seller = Principal(
        user_id="user-chen", role=Role.SALESPERSON, store_id=stores[0], staff_id=uuid4()
    )

    with pytest.raises(PermissionDeniedError):
        reporting.request_export(seller, "2026-05", stores[0])


def test_a_manager_cannot_export_another_store(
    reporting: Reporting, stores: tuple[UUID, UUID]
) -> None:
    hangzhou, ningbo = stores

    with pytest.raises(PermissionDeniedError):
        reporting.request_export(manager_of(hangzhou), "2026-05", ningbo)


def test_a_manager_export_without_a_store_covers_the_own_store(
    reporting: Reporting, stores: tuple[UUID, UUID]
) -> None:
    hangzhou, _ = stores
    manager = manager_of(hangzhou)

    written = reporting.request_export(manager, "2026-05", None)

    assert reporting.get_export(manager, written.id).store_id == hangzhou


@pytest.mark.parametrize("role", [Role.ADMIN, Role.GROUP_EXEC, Role.FINANCE, Role.AUDITOR])
def test_group_roles_may_export_the_whole_group(
    reporting: Reporting, stores: tuple[UUID, UUID], role: Role
) -> None:
    actor = Principal(user_id=f"user-{role.value}", role=role)

    written = reporting.request_export(actor, "2026-05", None, "zh")

    export = reporting.get_export(actor, written.id)
    assert (export.store_id, export.language, export.requested_by) == (
        None,
        "zh",
        actor.user_id,
    )


@pytest.mark.parametrize("month", ["2026-13", "2026-5", "May 2026", "1999-12", ""])
def test_a_malformed_month_is_refused(
    reporting: Reporting, stores: tuple[UUID, UUID], month: str
) -> None:
    with pytest.raises(InvalidValueError):
        reporting.request_export(SYSTEM, month)


def test_an_unknown_language_is_refused(reporting: Reporting, stores: tuple[UUID, UUID]) -> None:
    with pytest.raises(InvalidValueError):
        reporting.request_export(SYSTEM, "2026-05", None, "fr")


def test_an_export_of_an_unknown_store_is_not_found(reporting: Reporting) -> None:
    with pytest.raises(NotFoundError):
        reporting.request_export(SYSTEM, "2026-05", uuid4())


def test_another_user_cannot_see_an_export(reporting: Reporting, stores: tuple[UUID, UUID]) -> None:
    written = reporting.request_export(manager_of(stores[0]), "2026-05")
    finance = Principal(user_id="user-finance", role=Role.FINANCE)

    with pytest.raises(NotFoundError):
        reporting.get_export(finance, written.id)


def test_an_auditor_can_see_any_export(reporting: Reporting, stores: tuple[UUID, UUID]) -> None:
    written = reporting.request_export(manager_of(stores[0]), "2026-05")
    auditor = Principal(user_id="user-auditor", role=Role.AUDITOR)

    assert reporting.get_export(auditor, written.id).id == written.id


def test_the_worker_steps_are_stamped_with_the_system_actor(
    reporting: Reporting, app: Showroom, stores: tuple[UUID, UUID]
) -> None:
    written = reporting.request_export(manager_of(stores[0]), "2026-05")

    reporting.start(written.id)
    reporting.complete(written.id, "kpi.xlsx", 10, SHA, 3)

    events = list(app.repository.event_store.get(written.id))
    assert all(isinstance(e, ShowroomAggregate.Event) for e in events)
    actors = [e.actor for e in events if isinstance(e, ShowroomAggregate.Event)]
    assert actors == ["user-zhang", SYSTEM.user_id, SYSTEM.user_id]


def test_the_file_of_an_unfinished_export_is_not_ready(
    reporting: Reporting, stores: tuple[UUID, UUID]
) -> None:
    written = reporting.request_export(SYSTEM, "2026-05")
    reporting.start(written.id)

    with pytest.raises(ExportNotReadyError):
        reporting.downloadable(SYSTEM, written.id)
