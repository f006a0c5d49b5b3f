"""The `showroom` command line drives the same services as the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["migrate"]) == 0
    return tmp_path


def test_a_pay_plan_is_created_with_its_first_version_and_listed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components = data_dir / "plan.json"
    components.write_text(json.dumps([{"type": "per_unit", "key": "unit", "new": "300"}]))

    created = main(
        [
            "plans",
            "create",
            "Floor 2026",
            "--components",
            str(components),
            "--effective-from",
            "2026-01-01",
        ]
    )
    listed = main(["plans", "list"])

    assert (created, listed) == (0, 0)
    assert "Floor 2026  1 version(s), latest from 2026-01-01" in capsys.readouterr().out


def test_a_bad_plan_is_refused_with_a_message_not_a_traceback(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    components = data_dir / "plan.json"
    components.write_text(json.dumps([{"type": "per_unit", "key": "unit", "new": "-5"}]))

    code = main(
        [
            "plans",
            "create",
            "Bad",
            "--components",
            str(components),
            "--effective-from",
            "2026-01-01",
        ]
    )

    assert code == 1
    assert "showroom plans:" in capsys.readouterr().err


def test_evaluations_need_a_scorecard_and_say_so(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["evaluations", "compute", "00000000-0000-0000-0000-000000000000", "2026-01"])

    assert code == 0  # a store without salespeople: nothing to evaluate
    assert capsys.readouterr().err == ""


def test_a_group_target_and_a_scorecard_are_set_from_the_command_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items, grades = data_dir / "items.json", data_dir / "grades.json"
    items.write_text(json.dumps([{"kpi_id": "units", "weight": 100}]))
    grades.write_text(
        json.dumps([{"grade": "A", "minimum": "100"}, {"grade": "D", "minimum": "0"}])
    )

    target = main(["targets", "set", "group", "2026-01", "units", "120"])
    created = main(["scorecards", "create", "Group card"])
    scorecard_id = capsys.readouterr().out.split("scorecard ")[1].split()[0]
    published = main(
        [
            "scorecards",
            "publish",
            scorecard_id,
            "--effective-from",
            "2026-01",
            "--items",
            str(items),
            "--grades",
            str(grades),
        ]
    )

    assert (target, created, published) == (0, 0, 0)
    assert "version published from 2026-01" in capsys.readouterr().out


def test_pay_commands_refuse_a_period_that_does_not_exist(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "pay",
            "adjust",
            "group",
            "2026-01",
            "--salesperson",
            "00000000-0000-0000-0000-000000000000",
            "--amount",
            "100",
            "--reason",
            "bonus",
        ]
    )

    assert code == 1
    assert "not found" in capsys.readouterr().err.lower()
