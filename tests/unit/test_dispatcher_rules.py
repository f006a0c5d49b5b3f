"""The dispatcher's rules name actors this release declares, and jobs have stable ids."""

from __future__ import annotations

from domain.reporting.model import ExportKind
from workers.actors import ACTORS
from workers.dispatcher import EXPORT_ACTORS, job_id


def test_every_export_kind_is_built_by_a_declared_actor() -> None:
    declared = {actor.actor_name for actor in ACTORS}

    assert set(EXPORT_ACTORS) == set(ExportKind)
    assert set(EXPORT_ACTORS.values()) <= declared


def test_a_job_id_depends_only_on_its_kind_and_key() -> None:
    assert job_id("export", "a:1") == job_id("export", "a:1")
    assert len({job_id("export", "a:1"), job_id("export", "a:2"), job_id("reminder", "a:1")}) == 3
