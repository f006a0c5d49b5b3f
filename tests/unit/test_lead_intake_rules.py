"""The intake's rules without a server: partner scope, partner lead ids, sources, campaigns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.intake.partners import Partner, PartnerScopeError, in_scope, scope_sources
from domain.leads.campaign import Campaign, CampaignSpendNegativeError, CampaignStoreError
from domain.leads.model import Lead
from domain.leads.origin import origin, partner_lead_id
from domain.shared.errors import InvalidValueError

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
slugs = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
kinds = st.sampled_from(["marketplace", "oem", "social", "website"])


def test_a_store_not_listed_is_out_of_scope_whatever_the_source() -> None:
    store, other = uuid4(), uuid4()
    assert not in_scope([store], ["marketplace"], other, "marketplace", "autohome")


@given(kind=kinds, name=slugs)
def test_a_whole_kind_in_scope_admits_every_name_of_it(kind: str, name: str) -> None:
    store = uuid4()
    assert in_scope([store], [kind], store, kind, name)


@given(kind=kinds, name=slugs, other=slugs)
def test_a_named_source_admits_that_name_only(kind: str, name: str, other: str) -> None:
    store = uuid4()
    assert in_scope([store], [f"{kind}:{name}"], store, kind, name)
    assert in_scope([store], [f"{kind}:{name}"], store, kind, other) == (other == name)
    assert not in_scope([store], [f"{kind}:{name}"], store, kind, None)


def test_a_partner_refuses_a_source_outside_its_scope_with_a_403_kind_of_error() -> None:
    store = uuid4()
    partner = Partner.register("易车", "marketplace", [store], ["marketplace:yiche"], AT)
    partner.ensure_in_scope(store, "marketplace", "yiche")
    with pytest.raises(PartnerScopeError):
        partner.ensure_in_scope(store, "marketplace", "autohome")


def test_scope_sources_are_normalised_and_checked() -> None:
    assert scope_sources(["Marketplace:AutoHome", "marketplace:autohome", "oem"]) == [
        "marketplace:autohome",
        "oem",
    ]
    with pytest.raises(InvalidValueError):
        scope_sources(["billboard:times-square"])
    with pytest.raises(InvalidValueError):
        scope_sources([])


@given(ref=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
def test_a_partner_lead_id_names_one_lead_per_partner(ref: str, other: str) -> None:
    partner, second = uuid4(), uuid4()
    assert partner_lead_id(partner, ref) == partner_lead_id(partner, ref)
    assert (partner_lead_id(partner, ref) == partner_lead_id(partner, other)) == (ref == other)
    assert partner_lead_id(partner, ref) != partner_lead_id(second, ref)


def test_a_lead_captured_under_a_chosen_id_keeps_it_and_its_origin() -> None:
    chosen = partner_lead_id(uuid4(), "AH-1")
    source = origin("marketplace", "autohome", None, uuid4())
    lead = Lead.capture(uuid4(), uuid4(), "marketplace", None, None, AT, source, chosen)
    assert lead.id == chosen
    assert (lead.source_kind, lead.source_name, lead.partner_id) == (
        "marketplace",
        "autohome",
        source.partner_id,
    )


def test_a_source_name_needs_its_kind_and_a_kind_must_be_known() -> None:
    with pytest.raises(InvalidValueError):
        origin(None, "autohome")
    with pytest.raises(InvalidValueError):
        origin("billboard", None)


def test_campaign_spend_adds_up_and_never_goes_below_zero() -> None:
    store = uuid4()
    campaign = Campaign.create("春季试驾", date(2026, 3, 1), date(2026, 3, 31), [store], AT)
    campaign.record_spend("1000.00", date(2026, 3, 2), None, AT)
    campaign.record_spend("-400", date(2026, 3, 3), "refund", AT)
    assert str(campaign.spend) == "600.00"
    with pytest.raises(CampaignSpendNegativeError):
        campaign.record_spend("-600.01", date(2026, 3, 4), None, AT)
    with pytest.raises(CampaignStoreError):
        campaign.ensure_runs_in(UUID(int=1))


def test_a_campaign_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidValueError):
        Campaign.create("x", date(2026, 3, 2), date(2026, 3, 1), [uuid4()], AT)
