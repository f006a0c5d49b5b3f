"""The auto-finance pages: the salesperson applies on the deal's loan page, the manager records
the approval with its conditions and the funding, the F&I PVR of the month shows, bad input is
shown beside its field and writes nothing; another store's manager gets 404; the managers' list
of declined loans, in English and Chinese."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.test_loan_applications_api import LOAN, contracted_deal
from tests.integration.test_pages_lead_losses import fresh, signed_in


def test_a_loan_is_applied_for_approved_and_funded_from_the_deals_loan_page(api: Api) -> None:
    deal_id = contracted_deal(api)
    seller = signed_in(api, "sales_a1")
    seller.get(fresh(api, f"/app/deals/{deal_id}/loans"))
    form = {k: str(v) for k, v in LOAN.items()}

    applied = seller.post(f"/app/deals/{deal_id}/loans", form)

    assert applied.status_code == 303
    [loan] = api.ok(api.get("sales_a1", fresh(api, f"/deals/{deal_id}/loan-applications")), 200)
    manager = signed_in(api, "manager_a")
    manager.get(fresh(api, f"/app/deals/{deal_id}/loans"))
    approved = manager.post(
        f"/app/loans/{loan['application_id']}/approve", {"conditions": "two payslips"}
    )
    assert approved.status_code == 303
    manager.get(fresh(api, f"/app/deals/{deal_id}/loans"))
    funded = manager.post(
        f"/app/loans/{loan['application_id']}/fund", {"income": "3200", "income_basis": "reserve"}
    )
    assert funded.status_code == 303
    page = seller.get(fresh(api, f"/app/deals/{deal_id}/loans"))
    assert "two payslips" in page.text and "Funded" in page.text and "¥3,200.00" in page.text
    assert 'id="fi-pvr"' in page.text


def test_bad_terms_are_shown_beside_their_fields_and_write_nothing(api: Api) -> None:
    deal_id = contracted_deal(api)
    seller = signed_in(api, "sales_a1")
    seller.get(fresh(api, f"/app/deals/{deal_id}/loans"))
    before = api.runtime.app.position()

    refused = seller.post(
        f"/app/deals/{deal_id}/loans",
        {"lender": "", "amount": "abc", "term_months": "0", "down_payment": "0", "rate": "4"},
    )

    assert refused.status_code == 422
    assert "This field is required." in refused.text
    assert api.runtime.app.position() == before


def test_another_stores_manager_does_not_see_the_loans_of_a_deal(api: Api) -> None:
    deal_id = contracted_deal(api)

    other = signed_in(api, "manager_b")

    assert other.get(fresh(api, f"/app/deals/{deal_id}/loans")).status_code == 404


def test_the_declined_list_shows_a_loan_declined_on_a_contracted_deal_in_chinese(
    api: Api,
) -> None:
    deal_id = contracted_deal(api)
    loan = api.ok(api.post("sales_a1", f"/deals/{deal_id}/loan-applications", LOAN))
    api.ok(api.post("sales_a1", f"/loan-applications/{loan['id']}/decline", {"reason": "收入不足"}))

    page = signed_in(api, "manager_a", "zh-CN").get(fresh(api, "/app/loans/declined"))

    assert page.status_code == 200
    assert "贷款被拒" in page.text and "收入不足" in page.text and "已签约，尚无贷款" in page.text
