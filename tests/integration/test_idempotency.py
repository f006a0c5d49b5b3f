"""Idempotency-Key: a retried POST gets the first answer and writes nothing new."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api


def customer(api: Api, phone: str = "13800001111") -> dict[str, str]:
    return {"store_id": str(api.world.store_a), "name": "Sun Li", "phone": phone}


def test_a_retry_with_the_same_key_returns_the_first_answer_and_writes_nothing(api: Api) -> None:
    first = api.post("sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-1"})
    position = api.runtime.app.position()

    retry = api.post("sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-1"})

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert api.runtime.app.position() == position


def test_the_same_key_with_another_request_is_refused(api: Api) -> None:
    api.post("sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-2"})
    position = api.runtime.app.position()

    other = api.post(
        "sales_a1", "/customers", customer(api, "13800002222"), headers={"Idempotency-Key": "k-2"}
    )

    assert other.status_code == 422
    assert api.runtime.app.position() == position


def test_keys_belong_to_their_user(api: Api) -> None:
    api.post("sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-3"})

    theirs = api.post(
        "sales_a2", "/customers", customer(api, "13800003333"), headers={"Idempotency-Key": "k-3"}
    )

    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers


def test_a_refused_request_is_replayed_as_refused(api: Api) -> None:
    bad = {"store_id": str(api.world.store_b), "name": "X", "phone": "13800004444"}
    first = api.post("sales_a1", "/customers", bad, headers={"Idempotency-Key": "k-4"})

    retry = api.post("sales_a1", "/customers", bad, headers={"Idempotency-Key": "k-4"})

    assert first.status_code == 403
    assert retry.status_code == 403 and retry.json() == first.json()


def test_without_a_key_a_repeat_is_a_new_request(api: Api) -> None:
    api.post("sales_a1", "/customers", customer(api))

    again = api.post("sales_a1", "/customers", customer(api))

    assert again.status_code == 409  # same phone: the de-duplication answers, not idempotency


def test_a_request_that_fails_on_the_server_frees_its_key_for_the_retry(
    api: Api, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(api.runtime.crm, "register_customer", broken)
        failed = api.post(
            "sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-9"}
        )

    retry = api.post("sales_a1", "/customers", customer(api), headers={"Idempotency-Key": "k-9"})

    assert failed.status_code == 500
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
