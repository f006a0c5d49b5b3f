"""Partners post signed leads: on both backends, through the API, as a partner would."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from uuid import UUID

from tests.integration.conftest import Api
from tests.integration.partner_signing import signed
from tests.integration.test_access_log import of_kind
from workers.access_log import AccessKind


def _partner(api: Api, **scope: Any) -> tuple[UUID, str]:
    body = {
        "name": "汽车之家",
        "kind": "marketplace",
        "store_ids": [str(api.world.store_a)],
        "sources": ["marketplace:autohome"],
        **scope,
    }
    issued = api.ok(api.post("admin", "/partners", body))
    assert issued["secret"].startswith("whsec_")
    return UUID(issued["id"]), issued["secret"]


def _lead(api: Api, ref: str, **over: Any) -> dict[str, Any]:
    return {
        "partner_lead_id": ref,
        "store_id": str(api.world.store_a),
        "source_kind": "marketplace",
        "source_name": "autohome",
        "customer_name": "王小明",
        "customer_phone": "13800138111",
        "model_interest": "Han EV",
        "note": "asks for a test drive on Saturday",
        **over,
    }


def _send(api: Api, partner: UUID, data: bytes, headers: dict[str, str]) -> Any:
    return api.client.post(f"/intake/{partner}/leads", content=data, headers=headers)


def _lead_count(api: Api) -> int:
    return api.runtime.db.one("SELECT COUNT(*) AS n FROM rm_lead_source")["n"]  # type: ignore[index]


def test_a_partner_posts_signed_leads_once_each_and_every_bad_request_is_refused_writing_nothing(
    api: Api,
) -> None:
    """A good signed post creates a lead with its source; the same partner lead id again
    answers that lead (200); a tampered body, a wrong secret, a stale timestamp, a replayed
    webhook-id, an unsigned request, a store or source out of scope all get problem+json and
    change nothing in the log; after revocation even a good signature is refused; the admin's
    list counts accepted and refused requests, and holds no secret."""
    partner, secret = _partner(api)
    data, headers = signed(secret, _lead(api, "AH-1"))
    first = _send(api, partner, data, headers)
    assert first.status_code == 201, first.text
    lead_id = first.json()["lead_id"]
    lead = api.ok(api.get("admin", f"/leads/{lead_id}"), 200)
    assert lead["store_id"] == str(api.world.store_a) and lead["channel"] == "marketplace"

    again = _send(api, partner, *signed(secret, _lead(api, "AH-1", note="second post")))
    assert again.status_code == 200 and again.json()["lead_id"] == lead_id

    head = api.runtime.app.position()
    wrong_secret = _partner(api)[1]
    refusals = {
        "tampered": (data.replace(b"Han EV", b"Tang  "), signed(secret, _lead(api, "AH-2"))[1]),
        "wrong secret": signed(wrong_secret, _lead(api, "AH-3")),
        "stale": signed(secret, _lead(api, "AH-4"), age=timedelta(minutes=10)),
        "replayed": (data, headers),
        "unsigned": (data, {"content-type": "application/json"}),
        "store out of scope": signed(secret, _lead(api, "AH-5", store_id=str(api.world.store_b))),
        "source out of scope": signed(secret, _lead(api, "AH-6", source_name="yiche")),
        "bad body": signed(secret, _lead(api, "AH-7", customer_phone="")),
    }
    head = api.runtime.app.position()
    statuses = {}
    for name, (body, sent) in refusals.items():
        answer = _send(api, partner, body, sent)
        assert answer.headers["content-type"].startswith("application/problem+json"), name
        statuses[name] = answer.status_code
    assert statuses == {
        "tampered": 401,
        "wrong secret": 401,
        "stale": 401,
        "replayed": 409,
        "unsigned": 401,
        "store out of scope": 403,
        "source out of scope": 403,
        "bad body": 422,
    }
    assert api.runtime.app.position() == head  # nothing written

    partners = api.ok(api.get("admin", f"/partners?position={head}"), 200)["items"]
    mine = next(p for p in partners if p["id"] == str(partner))
    assert mine["deliveries"]["accepted"] == 2 and mine["deliveries"]["refused"] == 7
    assert "secret" not in str(partners).lower().replace("secret_issued_at", "")
    stored = api.runtime.db.query("SELECT wrapped FROM partner_secrets")
    assert stored and all(secret.removeprefix("whsec_") not in r["wrapped"] for r in stored)
    assert api.get("manager_a", "/partners").status_code == 403

    api.ok(api.post("admin", f"/partners/{partner}/revocation", {"reason": "contract ended"}))
    revoked = _send(api, partner, *signed(secret, _lead(api, "AH-8")))
    assert revoked.status_code == 401


def test_a_rotated_secret_stays_valid_for_its_grace_and_the_new_one_works_at_once(
    api: Api,
) -> None:
    """After a rotation with a grace period both secrets sign; rotated with no grace, the old
    secret is refused at once. The registration and rotations are admin actions in the access
    log."""
    partner, old = _partner(api)
    new = api.ok(api.post("admin", f"/partners/{partner}/secret", {"grace_hours": 2}))["secret"]
    assert _send(api, partner, *signed(old, _lead(api, "R-1"))).status_code == 201
    assert _send(api, partner, *signed(new, _lead(api, "R-2"))).status_code == 201
    newest = api.ok(api.post("admin", f"/partners/{partner}/secret", {"grace_hours": 0}))
    assert _send(api, partner, *signed(new, _lead(api, "R-3"))).status_code == 401
    assert _send(api, partner, *signed(newest["secret"], _lead(api, "R-4"))).status_code == 201
    routes = [a["detail"]["route"] for a in of_kind(api, AccessKind.ADMIN_ACTION)]
    rotated = "/partners/{partner_id}/secret"
    assert sorted(routes) == ["/partners", rotated, rotated]


def test_two_simultaneous_posts_of_the_same_partner_lead_create_one_lead(api: Api) -> None:
    """Eight threads post the same partner lead id at once (each its own webhook-id): every
    answer names the same lead, and the log holds one lead for it."""
    partner, secret = _partner(api)
    requests = [signed(secret, _lead(api, "RACE-1")) for _ in range(8)]
    answers: list[Any] = []
    gate = threading.Barrier(len(requests))

    def post(data: bytes, headers: dict[str, str]) -> None:
        gate.wait()
        answers.append(_send(api, partner, data, headers))

    threads = [threading.Thread(target=post, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201], [a.text for a in answers]
    assert len({a.json()["lead_id"] for a in answers}) == 1
    api.runtime.runner.wake()
    position = api.runtime.app.position()
    api.ok(api.get("admin", f"/partners?position={position}"), 200)
    assert _lead_count(api) == 1


def test_campaigns_record_spend_and_captures_carry_source_and_campaign(api: Api) -> None:
    """A manager creates a campaign of their store and records spend (and a correction); a
    capture names its source and campaign; the spend view answers the total and the leads;
    another store's manager cannot see or spend on it; a capture at a store outside the
    campaign is refused."""
    store_a = str(api.world.store_a)
    made = api.ok(
        api.post(
            "manager_a",
            "/campaigns",
            {
                "name": "双十二试驾季",
                "starts_on": "2026-12-01",
                "ends_on": "2026-12-31",
                "store_ids": [store_a],
            },
        )
    )
    cid = made["id"]
    api.ok(
        api.post(
            "manager_a", f"/campaigns/{cid}/spend", {"amount": "12000.00", "spent_on": "2026-12-02"}
        )
    )
    api.ok(
        api.post(
            "manager_a",
            f"/campaigns/{cid}/spend",
            {"amount": "-2000.00", "spent_on": "2026-12-03", "note": "refund"},
        )
    )
    assert (
        api.post(
            "manager_b", f"/campaigns/{cid}/spend", {"amount": "1.00", "spent_on": "2026-12-03"}
        ).status_code
        == 404
    )
    captured = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": store_a,
                "channel": "marketplace",
                "customer_name": "李雷",
                "customer_phone": "13900139000",
                "source_kind": "marketplace",
                "source_name": "Dongchedi",
                "campaign_id": cid,
            },
        )
    )
    outside = api.post(
        "manager_b",
        "/leads",
        {
            "store_id": str(api.world.store_b),
            "channel": "campaign",
            "customer_name": "韩梅梅",
            "customer_phone": "13700137000",
            "campaign_id": cid,
        },
    )
    assert outside.status_code == 422, outside.text
    position = captured["position"]
    spend = api.ok(api.get("manager_a", f"/campaigns/spend?position={position}"), 200)
    assert spend == [{"campaign_id": cid, "name": "双十二试驾季", "spend": "10000.00", "leads": 1}]
    detail = api.ok(api.get("manager_a", f"/campaigns/{cid}"), 200)
    assert [line["total"] for line in detail["spend_lines"]] == ["12000.00", "10000.00"]
    assert api.get("manager_b", f"/campaigns/{cid}").status_code == 404
    assert api.ok(api.get("manager_b", f"/campaigns?position={position}"), 200)["total"] == 0
    row = api.runtime.db.one(
        "SELECT source_kind, source_name, campaign_id FROM rm_lead_source WHERE lead_id = ?",
        (captured["id"],),
    )
    assert row == {"source_kind": "marketplace", "source_name": "dongchedi", "campaign_id": cid}


def test_a_partner_lead_of_a_customer_with_an_open_lead_is_an_enquiry_on_it_and_a_repost_too(
    api: Api,
) -> None:
    """A customer who already has an open lead at the store enquires through a marketplace: the
    partner's lead is recorded as an enquiry on that lead (the answer names it), and posting the
    same partner lead id again answers that lead without recording a second enquiry."""
    open_lead = api.ok(
        api.post(
            "sales_a1",
            "/leads",
            {
                "store_id": str(api.world.store_a),
                "channel": "walk_in",
                "customer_name": "王小明",
                "customer_phone": "13800138111",
            },
        )
    )
    partner, secret = _partner(api)

    first = _send(api, partner, *signed(secret, _lead(api, "AH-9")))
    again = _send(api, partner, *signed(secret, _lead(api, "AH-9")))

    assert first.status_code == 201, first.text
    assert first.json()["lead_id"] == open_lead["id"]
    assert again.status_code == 200 and again.json()["lead_id"] == open_lead["id"]
    lead = api.ok(api.get("admin", f"/leads/{open_lead['id']}"), 200)
    assert lead["enquiries"] == 1
