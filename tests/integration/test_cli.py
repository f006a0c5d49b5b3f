"""The `showroom` command line drives the same services as the API.

The survey and pay dispute commands run on SQLite and PostgreSQL (the `backend` fixture): the
world is arranged through the services, the act is a command, and the views or the payroll
service say what changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.organisation import service as organisation_service
from domain.pay.periods import period_id
from domain.pay.service.payroll import Payroll
from domain.pay.service.plans import PayPlans
from domain.shared.actor import SYSTEM
from domain.shared.values import with_check_digit
from ops.cli import main
from projections.payouts.sources import ViewPayrollSources
from projections.satisfaction import queries as survey_queries
from tests.integration.conftest import World, _hashed, build_world
from tests.unit.four_eyes import publish
from workers.runtime import Runtime
from workers.settings import Settings

MAY = datetime(2026, 5, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["migrate"]) == 0
    return tmp_path


def test_a_pay_plan_is_created_with_its_first_version_proposed_and_listed(
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
    out = capsys.readouterr().out
    assert "waiting for confirmation by another person" in out
    assert "Floor 2026  0 version(s)" in out  # not in force until another person confirms


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


def test_a_malformed_id_is_refused_with_a_message_not_a_traceback(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["pay", "open", "notauuid", "2026-01"])

    assert code == 1
    assert "store must be an id, not 'notauuid'" in capsys.readouterr().err


# --- surveys and pay disputes, on SQLite and PostgreSQL -----------------------------------------


@pytest.fixture
def backend(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI's environment pointed at one backend (the `settings` fixture), migrated."""
    monkeypatch.setenv("SHOWROOM_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SHOWROOM_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("SHOWROOM_PG_SCHEMA", settings.postgres_schema)
    monkeypatch.delenv("REDIS_URL", raising=False)
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        assert settings.keys  # a deployment on PostgreSQL makes its keyring first
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    return settings


@contextmanager
def opened(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.build(settings)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def world(backend: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    """Two stores with managers and salespeople (and their logins), arranged through services."""
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    with opened(backend) as runtime:
        return build_world(runtime)


def sell(settings: Settings, world: World, n: int, seller: str, *, deliver: bool = True) -> str:
    """A new car of store A sold by `seller` on 10 May 2026 (delivered unless told otherwise)."""
    store = world.store_a
    with opened(settings) as runtime:
        vehicle = runtime.inventory.receive_vehicle(
            SYSTEM,
            store,
            with_check_digit(f"LGXCE4CB0PA{n:06d}"),
            "BYD",
            "Han",
            "EV",
            "white",
            2026,
            "new",
            Decimal("150000"),
            Decimal("165000"),
            received_on=date(2026, 4, 20),
            occurred_at=MAY - timedelta(days=20),
        ).id
        runtime.runner.run_until_caught_up()  # the phone index reads the directory view
        customer = runtime.crm.register_customer(
            SYSTEM, store, f"Buyer {n}", f"1390000{n:04d}", occurred_at=MAY
        ).id
        deal = runtime.sales.open_deal(
            SYSTEM, store, customer, world.staff[seller], occurred_at=MAY - timedelta(days=2)
        ).id
        runtime.sales.attach_vehicle(SYSTEM, deal, vehicle, occurred_at=MAY - timedelta(days=2))
        runtime.sales.quote_deal(SYSTEM, deal, "160000", occurred_at=MAY - timedelta(days=2))
        runtime.sales.sign_contract(SYSTEM, deal, occurred_at=MAY - timedelta(days=1))
        if deliver:
            runtime.sales.deliver_deal(SYSTEM, deal, occurred_at=MAY)
    return str(deal)


def log_position(settings: Settings) -> int:
    with opened(settings) as runtime:
        return runtime.app.position()


def surveys_in_view(settings: Settings) -> dict[str, dict[str, Any]]:
    """What GET /surveys lists (the satisfaction view, caught up), by deal id."""
    with opened(settings) as runtime:
        runtime.runner.run_until_caught_up()
        items = survey_queries.list_surveys(runtime.db, limit=100)["items"]
    return {str(s["deal_id"]): s for s in items}


def record(deal: str, overall: str = "92") -> int:
    return main(
        [
            "surveys",
            "record",
            "--deal",
            deal,
            "--overall",
            overall,
            "--answered-on",
            "2026-05-15",
            "--answer",
            "greeting=90",
            "--answer",
            "delivery=100",
        ]
    )


def test_a_survey_recorded_from_the_command_line_is_listed_as_counted(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    deal = sell(backend, world, 1, "sales_a1")

    code = record(deal)

    listed = surveys_in_view(backend)[deal]
    assert code == 0
    assert f"recorded for deal {deal} (overall 92)" in capsys.readouterr().out
    assert (listed["overall"], listed["answers"], listed["excluded"]) == (
        92,
        {"greeting": 90, "delivery": 100},
        False,
    )
    assert listed["salesperson_ids"] == [world.staff["sales_a1"]]


def test_a_survey_excluded_from_the_command_line_is_listed_as_excluded_with_its_reason(
    backend: Settings, world: World
) -> None:
    deal = sell(backend, world, 1, "sales_a1")
    assert record(deal) == 0

    code = main(["surveys", "exclude", "--deal", deal, "--reason", "customer is staff"])

    listed = surveys_in_view(backend)[deal]
    assert code == 0
    assert (listed["excluded"], listed["exclusion_reason"]) == (True, "customer is staff")


def test_a_survey_reinstated_from_the_command_line_counts_again(
    backend: Settings, world: World
) -> None:
    deal = sell(backend, world, 1, "sales_a1")
    assert record(deal) == 0
    assert main(["surveys", "exclude", "--deal", deal, "--reason", "duplicate"]) == 0

    code = main(["surveys", "reinstate", "--deal", deal])

    listed = surveys_in_view(backend)[deal]
    assert code == 0
    assert (listed["excluded"], listed["exclusion_reason"]) == (False, None)


def test_the_survey_list_prints_a_table_of_the_excluded_or_the_counted_surveys(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    counted, excluded = sell(backend, world, 1, "sales_a1"), sell(backend, world, 2, "sales_a2")
    assert (record(counted), record(excluded, overall="40")) == (0, 0)
    assert main(["surveys", "exclude", "--deal", excluded, "--reason", "test drive only"]) == 0
    capsys.readouterr()

    listed_excluded = main(["surveys", "list", "--month", "2026-05", "--excluded"])
    only_excluded = capsys.readouterr().out
    listed_counted = main(["surveys", "list", "--store", str(world.store_a), "--included"])
    only_counted = capsys.readouterr().out

    assert (listed_excluded, listed_counted) == (0, 0)
    assert only_excluded.splitlines()[0].split() == [
        "deal", "store", "answered", "overall", "csi", "salespeople", "exclusion", "reason"
    ]  # fmt: skip
    assert excluded in only_excluded and "test drive only" in only_excluded
    assert counted not in only_excluded
    assert counted in only_counted and excluded not in only_counted
    assert only_counted.splitlines()[-1] == "1 survey(s)"


def test_a_malformed_deal_id_is_refused_with_a_message_and_writes_nothing(
    backend: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = log_position(backend)

    code = record("not-a-deal")

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("showroom surveys: Invalid value: deal must be an id")
    assert "Traceback" not in err
    assert log_position(backend) == before


def test_a_survey_of_an_unknown_deal_is_refused_with_a_message_and_writes_nothing(
    backend: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = log_position(backend)

    code = record(str(uuid4()))

    assert code == 1
    assert capsys.readouterr().err.startswith("showroom surveys: Not found: deal ")
    assert log_position(backend) == before


def test_a_survey_of_an_undelivered_deal_is_refused_with_a_message_and_writes_nothing(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    deal = sell(backend, world, 1, "sales_a1", deliver=False)
    before = log_position(backend)

    code = record(deal)

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("showroom surveys: Deal not delivered:")
    assert "only a delivered deal is surveyed" in err
    assert log_position(backend) == before
    assert deal not in surveys_in_view(backend)


def closed_may(settings: Settings, world: World) -> UUID:
    """Store A's May 2026 period, closed: sales_a1 sold one car under a ¥500-a-unit plan."""
    sell(settings, world, 1, "sales_a1")
    with opened(settings) as runtime:
        service = PayPlans(runtime.app)
        plan = service.create_plan(SYSTEM, "Floor 2026").id
        unit = [{"type": "per_unit", "key": "unit", "new": "500"}]
        publish(service, SYSTEM, plan, date(2026, 1, 1), unit)
        service.assign(SYSTEM, plan, date(2026, 1, 1), store_id=world.store_a, role="salesperson")
    store = str(world.store_a)
    assert main(["pay", "open", store, "2026-05"]) == 0
    assert main(["pay", "close", store, "2026-05"]) == 0
    return period_id(world.store_a, "2026-05")


def statement_of(settings: Settings, period: UUID, person: UUID) -> dict[str, Any]:
    with opened(settings) as runtime:
        runtime.runner.run_until_caught_up()
        payroll = Payroll(runtime.app, ViewPayrollSources(runtime.app, runtime.db, 30))
        return payroll.statement(SYSTEM, period, person)


def dispute(period: UUID, salesperson: UUID, user: str) -> int:
    return main(
        [
            "pay",
            "dispute",
            "--period",
            str(period),
            "--salesperson",
            str(salesperson),
            "--line",
            "1",
            "--reason",
            "the car was mine alone",
            "--user",
            user,
        ]
    )


def test_a_dispute_raised_and_resolved_with_an_amount_adjusts_the_period(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    period, a1 = closed_may(backend, world), world.staff["sales_a1"]
    capsys.readouterr()

    raised = dispute(period, a1, "sales_a1")
    dispute_id = capsys.readouterr().out.split("dispute ")[1].split()[0]
    resolved = main(
        [
            "pay",
            "resolve",
            "--period",
            str(period),
            "--dispute",
            dispute_id,
            "--resolution",
            "agreed: a bonus for the trade-in",
            "--amount",
            "150",
        ]
    )

    statement = statement_of(backend, period, a1)
    [line] = [x for x in statement["lines"] if x["component_type"] == "adjustment"]
    assert (raised, resolved) == (0, 0)
    assert f"adjustment of ¥150.00 on pay period {period}" in capsys.readouterr().out
    assert Decimal(line["amount"]) == Decimal("150.00")
    assert Decimal(statement["total"]) == Decimal("650.00")


def test_the_period_disputes_are_listed_with_their_status(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    period, a1 = closed_may(backend, world), world.staff["sales_a1"]
    assert dispute(period, a1, "sales_a1") == 0
    capsys.readouterr()

    code = main(["pay", "disputes", "--period", str(period)])

    out = capsys.readouterr().out
    [row] = out.splitlines()[1:]
    assert code == 0
    cells = row.split()
    assert (cells[1], cells[2], cells[4]) == (str(a1), "1", "open")
    assert row.endswith("the car was mine alone")


def test_a_salesperson_cannot_dispute_another_salespersons_line(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    period = closed_may(backend, world)
    capsys.readouterr()
    before = log_position(backend)

    code = dispute(period, world.staff["sales_a1"], "sales_a2")

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("showroom pay: Forbidden: sales_a2 is not the login of salesperson")
    assert log_position(backend) == before


# --- users: unlock, deactivate, reactivate --------------------------------------------------


@contextmanager
def _api_client(data_dir: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from api.main import create_app

    app = create_app(Settings.from_env(), run_projections=False, run_workers=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _login_status(client: Any, username: str, password: str) -> int:
    response = client.post("/auth/token", data={"username": username, "password": password})
    return int(response.status_code)


@pytest.fixture
def logins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    monkeypatch.setenv("SHOWROOM_PASSWORD", "correct-horse-1")
    for name in ("root", "second"):
        assert main(["users", "create", name, "--role", "admin"]) == 0
    return data_dir


def test_users_unlock_lifts_a_login_lockout(
    logins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _api_client(logins) as client:
        spent = [_login_status(client, "second", "wrong-password") for _ in range(5)]
        locked = _login_status(client, "second", "correct-horse-1")

        code = main(["users", "unlock", "second"])
        after = _login_status(client, "second", "correct-horse-1")

    assert spent == [401] * 5 and locked == 429
    assert code == 0 and "second unlocked" in capsys.readouterr().out
    assert after == 200


def test_users_deactivate_and_reactivate_switch_a_login_off_and_on(
    logins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with _api_client(logins) as client:
        off = main(["users", "deactivate", "second"])
        refused = _login_status(client, "second", "correct-horse-1")
        on = main(["users", "reactivate", "second"])
        back = _login_status(client, "second", "correct-horse-1")

    assert (off, refused, on, back) == (0, 401, 0, 200)
    assert "second reactivated" in capsys.readouterr().out


def test_users_deactivate_refuses_the_last_admin_with_a_message(
    logins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "deactivate", "second"]) == 0

    code = main(["users", "deactivate", "root"])

    assert code == 1
    assert "last active admin" in capsys.readouterr().err


def test_users_reactivate_of_an_unknown_login_is_refused_with_a_message(
    logins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "reactivate", "nobody"]) == 1
    assert "Not found: user" in capsys.readouterr().err


# --- four eyes from the command line ------------------------------------------------------------


def test_an_approval_requested_from_the_command_line_is_confirmed_by_another_login(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    period = closed_may(backend, world)
    store = str(world.store_a)
    capsys.readouterr()

    requested = main(["pay", "approve", store, "2026-05", "--user", "finance"])
    own = main(["pay", "confirm-approval", store, "2026-05", "--user", "finance"])
    refused_message = capsys.readouterr()
    confirmed = main(["pay", "confirm-approval", store, "2026-05", "--user", "admin"])

    assert (requested, own, confirmed) == (0, 1, 0)
    assert "waiting for confirmation by another person" in refused_message.out
    assert "another person must confirm it" in refused_message.err
    assert f"approved {period}" in capsys.readouterr().out


def test_a_large_adjustment_from_the_command_line_waits_for_a_second_login(
    backend: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    period, a1 = closed_may(backend, world), world.staff["sales_a1"]
    store = str(world.store_a)
    capsys.readouterr()

    proposed = main(
        [
            "pay",
            "adjust",
            store,
            "2026-05",
            "--salesperson",
            str(a1),
            "--amount",
            "2500",
            "--reason",
            "record month",
            "--user",
            "manager_a",
        ]
    )
    adjustment = capsys.readouterr().out.split("adjustment ")[1].split()[0]
    waiting = main(["pay", "waiting", "--user", "admin"])
    listed = capsys.readouterr().out
    confirmed = main(
        [
            "pay",
            "confirm-adjustment",
            store,
            "2026-05",
            "--adjustment",
            adjustment,
            "--user",
            "admin",
        ]
    )

    assert (proposed, waiting, confirmed) == (0, 0, 0)
    assert f"adjustment {adjustment}" in listed and "waits for you" in listed
    assert Decimal(statement_of(backend, period, a1)["adjustments"]) == Decimal("2500.00")
