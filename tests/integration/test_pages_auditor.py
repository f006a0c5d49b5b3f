"""The auditor's pages over the demo group: the history browser, the integrity check and the
verification of approved pay periods answer what the JSON routes answer, to the same roles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from api.pages.render import money, when
from api.personal import Revealer
from domain.crm.model import Customer
from domain.shared.access import Reach, read_scope
from domain.shared.actor import SYSTEM, Principal
from ops.simulation import load_demo
from projections.directory import queries as directory
from tests.browser.conftest import password_of
from tests.conftest import PG_URL, REQUIRE, sqlite_settings
from tests.pages.client import PageClient
from workers.runtime import Runtime, migrate
from workers.settings import Settings


@dataclass
class Demo:
    app: FastAPI
    deal_id: UUID
    customer_id: UUID
    phone: str
    vin: str
    vehicle_id: UUID
    period_id: UUID
    busiest: UUID  # the record with the most events

    def page_client(self, username: str) -> PageClient:
        client = PageClient(TestClient(self.app, raise_server_exceptions=False))
        client.log_in(username, password_of(username))
        return client

    def api_get(self, username: str, path: str) -> Any:
        client = TestClient(self.app, raise_server_exceptions=False)
        token = client.post(
            "/auth/token", data={"username": username, "password": password_of(username)}
        ).json()["access_token"]
        return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _signed_in(runtime: Runtime, username: str) -> Principal:
    principal = runtime.organisation.authenticate(username, password_of(username))
    assert principal is not None
    return principal


def _arrange(runtime: Runtime) -> dict[str, Any]:
    """A delivered deal of the demo (its customer and vehicle), and an approved pay period."""
    auditor = _signed_in(runtime, "auditor")
    deals = directory.list_deals(
        runtime.db, scope=read_scope(auditor, reach=Reach.OWN), status="delivered", limit=1
    )["items"]
    deal = deals[0]
    customer: Customer = runtime.app.repository.get(deal["customer_id"])
    finance = _signed_in(runtime, "finance")
    last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    period = runtime.payroll.open_period(finance, deal["store_id"], last_month).id
    runtime.payroll.close_period(finance, period)
    runtime.payroll.request_approval(finance, period)
    runtime.payroll.confirm_approval(_signed_in(runtime, "admin"), period)  # four eyes
    counts = Counter(
        str(n.originator_id) for n in runtime.app.recorder.select_notifications(1, 1_000_000)
    )
    return {
        "busiest": UUID(counts.most_common(1)[0][0]),
        "deal_id": deal["id"],
        "customer_id": customer.id,
        # Sealed in the store: revealed in full as an admin would see it.
        "phone": Revealer(runtime.customer_keys, SYSTEM).text(customer.phone),
        "vin": deal["vin"],
        "vehicle_id": deal["vehicle_id"],
        "period_id": period,
    }


def _demo(settings: Settings) -> Iterator[Demo]:
    migrate(settings)
    runtime = Runtime.build(settings)
    try:
        runtime.runner.start()
        load_demo(runtime, seed=11, stores=2, months=2)
        runtime.runner.run_until_caught_up()
        arranged = _arrange(runtime)
        runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    app = create_app(settings)
    with TestClient(app):  # runs the lifespan: the runtime and its projections
        yield Demo(app=app, **arranged)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from _demo(sqlite_settings(Path(tmp_path_factory.mktemp("auditor-pages"))))


@pytest.fixture(scope="module")
def pg_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo group on PostgreSQL, whose log positions come from a sequence."""
    schema = f"t_{uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as error:
        if REQUIRE:
            pytest.fail(f"PostgreSQL is required but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("auditor-pages-pg")) / "var",
        database_url=PG_URL,
        postgres_schema=schema,
        secret_key="test-secret-" + "x" * 32,
    )
    try:
        yield from _demo(settings)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def auditor(demo: Demo) -> PageClient:
    return demo.page_client("auditor")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the history browser --------------------------------------------------------------------


def test_an_auditor_reads_a_deals_events_with_actor_business_and_record_time(
    demo: Demo, auditor: PageClient
) -> None:
    api = demo.api_get("auditor", f"/history/{demo.deal_id}").json()

    answer = auditor.get(f"/app/history/{demo.deal_id}")

    assert answer.status_code == 200
    page = text_of(answer.text)
    assert "Deal.Opened" in page and "Deal.Delivered" in page
    assert f"版本 {api['version']} 时的状态" in page
    opened = api["events"][0]
    assert opened["occurred_at"] is not None
    user = demo.api_get("auditor", f"/history/{opened['actor']}").json()["state"]
    assert f">{user['username']}</a>" in answer.text
    assert "业务时间" in page and "记录时间" in page


def test_an_older_version_shows_the_events_up_to_it_and_the_state_then(
    demo: Demo, auditor: PageClient
) -> None:
    answer = auditor.get(f"/app/history/{demo.deal_id}?version=1")

    page = text_of(answer.text)
    assert answer.status_code == 200
    assert "Deal.Opened" in page
    assert "Deal.Delivered" not in page
    assert "版本 1 时的状态" in page


def test_the_version_picker_shows_the_version_picked(demo: Demo, auditor: PageClient) -> None:
    answer = auditor.get(f"/app/history/{demo.deal_id}?at=2")

    assert answer.status_code == 200
    assert "版本 2 时的状态" in text_of(answer.text)


@pytest.mark.parametrize("typed", ["0", "999", "two"])
def test_a_version_the_record_never_had_is_answered_beside_the_picker(
    demo: Demo, auditor: PageClient, typed: str
) -> None:
    answer = auditor.get(f"/app/history/{demo.deal_id}?at={typed}")

    assert answer.status_code == 422
    assert 'id="f-at-error"' in answer.text
    assert f'value="{typed}"' in answer.text


def test_a_long_history_is_shown_a_page_at_a_time_newest_first(
    demo: Demo, auditor: PageClient
) -> None:
    latest = demo.api_get("auditor", f"/history/{demo.busiest}").json()["version"]
    assert latest > 4

    first = auditor.get(f"/app/history/{demo.busiest}?limit=4")
    second = auditor.get(f"/app/history/{demo.busiest}?limit=4&offset=4")

    assert first.text.count('class="event"') == 4
    assert f">v{latest}<" in first.text and f">v{latest - 4}<" not in first.text
    assert f'href="/app/history/{demo.busiest}?limit=4&amp;offset=4"' in first.text
    assert f">v{latest - 4}<" in second.text and f">v{latest}<" not in second.text
    assert second.text.count('class="event"') == min(4, latest - 4)


def test_amounts_read_in_yuan_and_times_in_the_stores_zone(demo: Demo, auditor: PageClient) -> None:
    api = demo.api_get("auditor", f"/history/{demo.deal_id}").json()
    quoted = next(e for e in api["events"] if e["type"] == "Deal.Quoted")

    page = auditor.get(f"/app/history/{demo.deal_id}").text

    assert money(quoted["data"]["price"]) in page
    assert when(quoted["occurred_at"], "Asia/Shanghai") in page


def test_an_unknown_or_malformed_id_or_version_is_the_apis_not_found(
    demo: Demo, auditor: PageClient
) -> None:
    unknown = uuid4()
    assert demo.api_get("auditor", f"/history/{unknown}").status_code == 404
    assert demo.api_get("auditor", f"/history/{demo.deal_id}?version=999").status_code == 404

    for path in (
        f"/app/history/{unknown}",
        "/app/history/not-an-id",
        f"/app/history/{demo.deal_id}?version=999",
        f"/app/history/{demo.deal_id}?version=0",
    ):
        answer = auditor.get(path)
        assert answer.status_code == 404, path
        assert "未找到" in answer.text


@pytest.mark.parametrize("username", ["sales1", "manager1", "exec", "finance"])
def test_a_role_the_api_refuses_the_history_is_refused_the_pages(demo: Demo, username: str) -> None:
    assert demo.api_get(username, f"/history/{demo.deal_id}").status_code == 403
    assert demo.api_get(username, "/history/integrity").status_code == 403
    client = demo.page_client(username)

    for path in (
        "/app/history",
        f"/app/history/{demo.deal_id}",
        f"/app/history/{uuid4()}",
        "/app/audit/integrity?run=1",
    ):
        assert client.get(path).status_code == 403, path
    searched = client.post("/app/history", {"by": "phone", "q": demo.phone[-11:]})
    assert searched.status_code == 403


def test_the_menu_offers_the_auditors_pages_to_the_auditor_only(demo: Demo) -> None:
    assert 'href="/app/history"' in demo.page_client("auditor").get("/app/").text
    assert 'href="/app/history"' not in demo.page_client("sales1").get("/app/").text


# --- finding a record ------------------------------------------------------------------------


def test_a_search_by_id_goes_to_the_records_history(demo: Demo, auditor: PageClient) -> None:
    answer = auditor.post("/app/history", {"by": "id", "q": str(demo.deal_id)})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/app/history/{demo.deal_id}"


@pytest.mark.parametrize("username", ["auditor", "admin"])
def test_a_phone_search_shows_the_phone_only_as_the_api_shows_it_to_the_role(
    demo: Demo, username: str
) -> None:
    shown_by_api = demo.api_get(username, f"/customers/{demo.customer_id}").json()["phone"]
    mobile = demo.phone[-11:]

    answer = demo.page_client(username).post("/app/history", {"by": "phone", "q": mobile})

    assert answer.status_code == 200
    assert f'href="/app/history/{demo.customer_id}"' in answer.text
    assert shown_by_api in answer.text
    if shown_by_api != demo.phone:
        assert mobile not in answer.text and demo.phone not in answer.text
    assert f'href="/app/history/{demo.deal_id}"' in answer.text


def test_an_auditor_never_sees_a_whole_phone_number(demo: Demo, auditor: PageClient) -> None:
    mobile = demo.phone[-11:]

    pages = [
        auditor.post("/app/history", {"by": "phone", "q": mobile}).text,
        auditor.get(f"/app/history/{demo.customer_id}").text,
        auditor.get(f"/app/history/{demo.customer_id}?version=1").text,
    ]

    assert all(mobile not in page for page in pages)


def test_an_unknown_phone_finds_nothing(auditor: PageClient) -> None:
    answer = auditor.post("/app/history", {"by": "phone", "q": "199 0000 0001"})

    assert answer.status_code == 200
    assert "没有使用该号码的客户" in answer.text


def test_a_search_by_vin_finds_the_vehicle_and_its_history_links_the_deal(
    demo: Demo, auditor: PageClient
) -> None:
    found = auditor.post("/app/history", {"by": "vin", "q": demo.vin.lower()})
    history = auditor.get(f"/app/history/{demo.vehicle_id}")

    assert found.status_code == 200
    assert f'href="/app/history/{demo.vehicle_id}"' in found.text
    assert f'href="/app/history/{demo.deal_id}"' in history.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (("vin", "LVGHL2BC0TG000KM7"), "车架号（VIN）为 17 位字母和数字"),
        (("id", "deal-42"), "请输入编号"),
        (("phone", "12345"), "请输入 11 位中国大陆手机号"),
        (("phone", ""), "此项必填"),
        (("everything", "x"), "请从列表中选择"),
    ],
)
def test_a_search_it_cannot_read_is_answered_beside_the_field(
    auditor: PageClient, query: tuple[str, str], message: str
) -> None:
    by, q = query

    answer = auditor.post("/app/history", {"by": by, "q": q})

    assert answer.status_code == 422
    assert 'class="error"' in answer.text
    assert message in answer.text


def test_the_pages_speak_english_when_the_user_chooses_it(demo: Demo) -> None:
    admin = demo.page_client("admin")
    admin.post("/app/language", {"language": "en", "next": "/app/history"})

    search = admin.post("/app/history", {"by": "vin", "q": "nonsense"})
    history = admin.get(f"/app/history/{demo.deal_id}")

    assert "A VIN is 17 letters and digits" in search.text
    assert "Events, newest first" in history.text and "Business time" in history.text
    admin.post("/app/language", {"language": "zh-CN", "next": "/app/history"})


# --- integrity and verification --------------------------------------------------------------


def test_the_integrity_check_gives_the_apis_head_hash(demo: Demo, auditor: PageClient) -> None:
    api = demo.api_get("auditor", "/history/integrity?upto=100").json()

    answer = auditor.get("/app/audit/integrity?run=1&upto=100")

    assert answer.status_code == 200
    assert api["ok"] and api["head_hash"] in answer.text
    assert "日志完整无误" in answer.text


def test_the_integrity_page_waits_for_the_auditor_to_run_it(auditor: PageClient) -> None:
    answer = auditor.get("/app/audit/integrity")

    assert answer.status_code == 200
    assert "哈希链头" not in answer.text


def test_a_position_the_check_cannot_take_is_answered_beside_the_field(
    auditor: PageClient,
) -> None:
    for upto in ("abc", "0", str(2**63)):
        answer = auditor.get(f"/app/audit/integrity?run=1&upto={upto}")

        assert answer.status_code == 422, upto
        assert 'id="f-upto-error"' in answer.text


@pytest.mark.parametrize("username", ["auditor", "finance", "admin"])
def test_a_verifier_compares_an_approved_period_with_its_snapshot(
    demo: Demo, username: str
) -> None:
    api = demo.api_get(username, f"/pay-periods/{demo.period_id}/verification").json()
    client = demo.page_client(username)

    listed = client.get("/app/audit/verify")
    answer = client.get(f"/app/audit/verify/{demo.period_id}")

    assert f'href="/app/audit/verify/{demo.period_id}"' in listed.text
    assert answer.status_code == 200
    assert api["equal"] and api["snapshot_hash"] in answer.text
    assert api["recomputed_hash"] in answer.text


@pytest.mark.parametrize("username", ["sales1", "manager1", "exec"])
def test_a_role_the_api_refuses_verification_is_refused_the_pages(
    demo: Demo, username: str
) -> None:
    status = demo.api_get(username, f"/pay-periods/{demo.period_id}/verification").status_code
    client = demo.page_client(username)

    assert client.get(f"/app/audit/verify/{demo.period_id}").status_code == status
    assert client.get("/app/audit/verify").status_code == 403


def test_an_unknown_period_is_the_apis_not_found(demo: Demo, auditor: PageClient) -> None:
    unknown = uuid4()

    assert demo.api_get("auditor", f"/pay-periods/{unknown}/verification").status_code == 404
    assert auditor.get(f"/app/audit/verify/{unknown}").status_code == 404
    assert auditor.get("/app/audit/verify/nope").status_code == 404


# --- the same on PostgreSQL ------------------------------------------------------------------


def test_on_postgresql_the_history_and_the_integrity_check_read_as_the_api(
    pg_demo: Demo,
) -> None:
    auditor = pg_demo.page_client("auditor")
    api = pg_demo.api_get("auditor", "/history/integrity?upto=100").json()

    history = auditor.get(f"/app/history/{pg_demo.deal_id}?at=1")
    integrity = auditor.get("/app/audit/integrity?run=1&upto=100")
    verification = auditor.get(f"/app/audit/verify/{pg_demo.period_id}")

    assert history.status_code == 200 and "Deal.Opened" in history.text
    assert api["ok"] and api["head_hash"] in integrity.text
    assert verification.status_code == 200 and "审批快照一致" in verification.text
