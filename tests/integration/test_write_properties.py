"""Whatever the write API accepts, every view projects: extreme but schema-valid values.

Hypothesis walks a lead to a surveyed deal through HTTP with times across the whole datetime
range and odd offsets, dates of any year, huge and negative numbers where the schema allows
them, and any unicode text. An answer is either 2xx, and then every view must take its events
(the runner raises nothing, counts no error, and every view reaches the log's head), or a 4xx
problem document; never a 5xx.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections import runner as projections_runner
from tests.integration.conftest import Api

PROBLEM = "application/problem+json"
NOW = datetime.now(UTC)


def mostly(sane: st.SearchStrategy[Any], wild: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Seven in eight draws sane, so that whole walks get through; the rest anything at all."""
    return st.one_of(*[sane] * 7, wild)


# Whole-minute offsets of up to a day either way: the ISO form an HTTP client can send.
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
zoned = st.one_of(offsets, st.just(UTC))
# Anything a datetime can be; accepted times near the floor and the present, at odd offsets.
extreme_times = st.datetimes(timezones=zoned)
near_the_floor = st.datetimes(datetime(2000, 1, 1), datetime(2000, 1, 3), timezones=zoned)
recent_times = st.builds(
    lambda ago, zone: (NOW - ago).astimezone(zone),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=730)),
    zoned,
)
# The ends of the calendar, where a conversion to a store's zone or to UTC overflows.
calendar_ends = st.sampled_from(
    [
        datetime.max.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime.min.replace(tzinfo=timezone(timedelta(hours=1))),
        datetime.min.replace(tzinfo=timezone(timedelta(hours=23, minutes=59))),
    ]
)
times = st.one_of(recent_times, recent_times, near_the_floor, calendar_ends, extreme_times).map(
    lambda t: t.isoformat()
)
ahead = st.builds(
    lambda later, zone: (NOW + later).astimezone(zone),
    st.timedeltas(min_value=timedelta(minutes=10), max_value=timedelta(days=700)),
    zoned,
)
planned_times = st.one_of(ahead, ahead, ahead, calendar_ends, extreme_times).map(
    lambda t: t.isoformat()
)
days = mostly(st.dates(date(2000, 1, 1), NOW.date()), st.dates()).map(date.isoformat)
# Text of any script a name or note may well hold, or any unicode at all.
lines = st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=40)
texts = mostly(
    lines | st.sampled_from(["王伟", "Li Wei 🚗", "Zoë", "👨‍👩‍👧"]), st.text(max_size=40)
)
amounts = mostly(
    st.decimals(min_value=1, max_value=10**10 - 1, places=2, allow_nan=False).map(str),
    st.integers(-(10**15), 10**15).map(str),
)
mobiles = st.integers(13_000_000_000, 19_999_999_999).map(str)
phones = st.one_of(mobiles, mobiles, texts)


class Walk:
    """One walk from a lead to a survey; a step whose prerequisite was refused is skipped."""

    def __init__(self, api: Api, data: st.DataObject) -> None:
        self.api, self.data = api, data
        self.answers = 0

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def maybe(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.draw(st.none() | strategy)

    def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        sent = {k: v for k, v in body.items() if v is not None}
        response = self.api.post(user, path, sent)
        self.answers += 1
        if response.status_code < 300:
            assert response.status_code in (200, 201), (path, sent, response.text)
            answer: dict[str, Any] = response.json()
            return answer
        assert 400 <= response.status_code < 500, (path, sent, response.text)
        assert response.headers["content-type"].startswith(PROBLEM), (path, response.text)
        return None

    def run(self) -> None:
        world = self.api.world
        store, seller = str(world.store_a), str(world.staff["sales_a1"])
        lead = self.post(
            "manager_a",
            "/leads",
            {
                "store_id": store,
                "channel": self.draw(st.sampled_from(["website", "walk_in", "phone"])),
                "customer_name": self.draw(texts),
                "customer_phone": self.draw(phones),
                "model_interest": self.maybe(texts),
                "note": self.maybe(texts),
                "salesperson_id": seller,
                "occurred_at": self.maybe(times),
            },
        )
        self.post(
            "manager_a",
            "/customers",
            {
                "store_id": store,
                "name": self.draw(texts),
                "phone": self.draw(phones),
                "occurred_at": self.maybe(times),
            },
        )
        vehicle = self.post(
            "manager_a",
            "/vehicles",
            {
                "store_id": store,
                "vin": self.draw(st.sampled_from(VINS)),
                "make": self.draw(texts),
                "model": self.draw(texts),
                "trim": self.draw(texts),
                "colour": self.draw(texts),
                "model_year": self.draw(mostly(st.integers(2000, 2024), st.integers(1990, 2100))),
                "cost": self.draw(amounts),
                "list_price": self.draw(amounts),
                "received_on": self.maybe(days),
                "occurred_at": self.maybe(times),
            },
        )
        if lead is None:
            return
        lead_id = lead["id"]
        self.post(
            "sales_a1",
            f"/leads/{lead_id}/activities",
            {
                "kind": "call",
                "outcome": self.maybe(texts),
                "note": self.maybe(texts),
                "occurred_at": self.maybe(times),
            },
        )
        self.post(
            "sales_a1",
            f"/leads/{lead_id}/appointments",
            {"scheduled_for": self.draw(planned_times), "occurred_at": self.maybe(times)},
        )
        customer_id = self.api.get("manager_a", f"/leads/{lead_id}").json()["customer_id"]
        self.post(
            "manager_a",
            f"/customers/{customer_id}/preferences",
            {
                "model": self.maybe(texts),
                "colour": self.maybe(texts),
                "budget": self.maybe(amounts),
            },
        )
        deal = self.post(
            "sales_a1",
            "/deals",
            {
                "store_id": store,
                "customer_id": customer_id,
                "lead_id": lead_id,
                "occurred_at": self.maybe(times),
            },
        )
        if deal is None or vehicle is None:
            return
        path = f"/deals/{deal['id']}"
        steps: list[tuple[str, dict[str, Any]]] = [
            ("/vehicle", {"vehicle_id": vehicle["id"]}),
            ("/quote", {"price": self.draw(amounts), "discount": self.draw(amounts)}),
            ("/contract", {}),
            ("/delivery", {}),
        ]
        for step, body in steps:
            if (
                self.post("sales_a1", path + step, {**body, "occurred_at": self.maybe(times)})
                is None
            ):
                return
        self.post(
            "manager_a",
            "/surveys",
            {
                "deal_id": deal["id"],
                "answers": self.draw(
                    st.dictionaries(
                        texts,
                        mostly(st.integers(0, 100), st.integers(-(10**12), 10**12)),
                        min_size=1,
                        max_size=3,
                    )
                ),
                "overall": self.draw(st.integers(0, 100)),
                "answered_on": self.draw(days),
                "occurred_at": self.maybe(times),
            },
        )


def _vins() -> list[str]:
    from domain.shared.values import with_check_digit

    return [with_check_digit(f"LGXCE4CB0PA{n:06d}") for n in range(1, 200)]


VINS = _vins()


def assert_every_view_took_every_event(api: Api) -> None:
    runtime = api.runtime
    runtime.runner.run_until_caught_up()
    head = runtime.app.recorder.max_notification_id() or 0
    views = {p.name for p in runtime.runner.projections}
    # The dispatcher keeps its own tracking row in the same table and runs on its own thread.
    positions = {
        name: at for name, at in projections_runner.positions(runtime.db).items() if name in views
    }
    assert runtime.runner.errors == 0
    assert set(positions) == views and all(p == head for p in positions.values()), (
        head,
        positions,
    )


@settings(
    max_examples=50,  # 15 missed a planted overflow (no validation, no clamping); 100 caught it
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_write_the_api_accepts_is_projected_by_every_view(
    api: Api, data: st.DataObject
) -> None:
    walk = Walk(api, data)

    walk.run()

    assert walk.answers >= 3
    assert_every_view_took_every_event(api)
