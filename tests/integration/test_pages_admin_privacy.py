"""The administrator's privacy pages: a customer's PIPL export and erasure, on both backends."""

from __future__ import annotations

from uuid import UUID

from tests.integration.conftest import Api
from tests.integration.test_pages_admin import pages
from tests.integration.test_personal_data import NAME, NOTE, PHONE, capture_with_note, register
from workers.access_log import AccessKind


def test_the_privacy_list_shows_customers_by_name_with_the_phone_masked(api: Api) -> None:
    register(api)
    client = pages(api, "admin")

    page = client.get("/app/admin/privacy")

    assert page.status_code == 200
    assert NAME in page.text and "+86139****5678" in page.text
    assert PHONE not in page.text and "pii:" not in page.text


def test_an_erasure_needs_the_confirmation_box_and_changes_nothing_without_it(api: Api) -> None:
    customer = register(api)
    client = pages(api, "admin")

    answer = client.post(f"/app/admin/privacy/{customer}/erasure", {"reason": "request 7"})

    assert answer.status_code == 422
    assert "cannot be undone" in answer.text
    assert api.runtime.customer_keys.is_erased(UUID(customer)) is False


def test_an_admin_erases_a_customer_from_the_page_and_the_page_shows_them_erased(
    api: Api,
) -> None:
    customer = register(api)
    client = pages(api, "admin")

    answer = client.post(
        f"/app/admin/privacy/{customer}/erasure", {"reason": "request 7", "confirm": "yes"}
    )

    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert NAME not in page.text and "erased" in page.text
    assert [
        a.subject for a in api.runtime.access_log.entries if a.kind is AccessKind.CUSTOMER_ERASED
    ] == [customer]


def test_an_admin_downloads_the_customers_data_from_the_page_and_it_is_logged(api: Api) -> None:
    customer = register(api)
    capture_with_note(api, customer)
    client = pages(api, "admin")

    download = client.get(f"/app/admin/privacy/{customer}/export")

    assert download.status_code == 200
    assert NAME in download.text and NOTE in download.text and "pii:" not in download.text
    kinds = [a.kind for a in api.runtime.access_log.entries]
    assert AccessKind.CUSTOMER_DATA_EXPORTED in kinds


def test_a_store_manager_may_not_open_a_customers_privacy_page(api: Api) -> None:
    customer = register(api)
    client = pages(api, "manager_a")

    assert client.get(f"/app/admin/privacy/{customer}").status_code == 403
    assert client.get(f"/app/admin/privacy/{customer}/export").status_code == 403
