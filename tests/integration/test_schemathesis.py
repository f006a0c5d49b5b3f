"""Schemathesis over the whole document, as an admin and as a salesperson: no 5xx, every status
documented, every answer in its schema.

Not /metrics: it is left out of the document (the operator's, answered in Prometheus's text
format to its own bearer token, not under the role policy); tests/integration/test_metrics.py
tests its token and answers."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tests.conftest import sqlite_settings
from tests.integration.conftest import Api
from tests.integration.fuzz import fuzz
from workers.settings import Settings

# Cases per operation and generation mode: 5 keeps each role near a minute on SQLite.
EXAMPLES = int(os.environ.get("SHOWROOM_FUZZ_EXAMPLES", "5"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # SQLite only (the document and the answers do not depend on the backend); a short
    # read-your-writes bound so a generated `?position=` ahead of the log costs little.
    return dataclasses.replace(sqlite_settings(tmp_path), read_wait_seconds=0.2)


@pytest.mark.parametrize("username", ["admin", "sales_a1"])
def test_schemathesis_finds_no_5xx_no_undocumented_status_and_no_schema_violation(
    api: Api, username: str
) -> None:
    report = fuzz(api, username, examples=EXAMPLES)

    print(report.summary())
    assert not report.findings, report.summary()
