"""De-duplication of leads, the protection period and merging customers (docs/lead-dedup.md)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from api import merge_candidates
from api.deps import ActorDep, ConsistentDep, CrmDep, LeadsDep, RuntimeDep
from api.schemas.common import Written
from api.schemas.lead_dedup import (
    CandidateCustomer,
    EnquiryOut,
    LeadRulesOut,
    MergeCandidate,
    MergeCustomers,
    SetLeadRules,
    SetProtection,
)
from domain.leads.model import Lead
from projections.directory import merges

router = APIRouter(tags=["lead de-duplication"])


@router.get("/stores/{store_id}/lead-rules")
def get_lead_rules(store_id: UUID, leads: LeadsDep, actor: ActorDep) -> LeadRulesOut:
    """The store's de-duplication rule and window, and the group's protection period."""
    rules = leads.lead_rules(actor, store_id)
    return LeadRulesOut(
        store_id=rules.store_id,
        rule=rules.rule,
        window_days=rules.window_days,
        rule_set=rules.rule_set,
        protection_days=rules.protection_days,
    )


@router.put("/stores/{store_id}/lead-rules", status_code=201)
def set_lead_rules(store_id: UUID, body: SetLeadRules, leads: LeadsDep, actor: ActorDep) -> Written:
    """Set when a customer's enquiry is recorded on their open lead at the store (managers)."""
    return Written.of(
        leads.set_lead_dedup(
            actor, store_id, body.rule.value, body.window_days, occurred_at=body.occurred_at
        )
    )


@router.put("/group/lead-protection", status_code=201)
def set_protection(body: SetProtection, leads: LeadsDep, actor: ActorDep) -> Written:
    """Set the group's protection period of customers (admins)."""
    return Written.of(
        leads.set_protection_period(actor, body.protection_days, occurred_at=body.occurred_at)
    )


@router.get("/leads/{lead_id}/enquiries")
def list_enquiries(lead_id: UUID, leads: LeadsDep, actor: ActorDep) -> list[EnquiryOut]:
    """The further enquiries recorded on the lead, oldest first."""
    _, events = leads.get_timeline(actor, lead_id)
    return [
        EnquiryOut(
            at=e.occurred_at,
            channel=e.channel,
            source=e.source,
            model_interest=e.model_interest,
            note=e.note,
        )
        for e in events
        if isinstance(e, Lead.EnquiryRecorded)
    ]


@router.post("/customers/{customer_id}/merges", status_code=201)
def merge_customers(
    customer_id: UUID, body: MergeCustomers, crm: CrmDep, actor: ActorDep
) -> Written:
    """Merge a duplicate record into this customer (managers of the store holding both;
    admins across stores): every lead, deal and survey of the duplicate reads under this
    customer, and the duplicate answers as merged into it."""
    return Written.of(
        crm.merge_customers(actor, customer_id, body.duplicate_id, occurred_at=body.occurred_at)
    )


@router.get("/customers-merge-candidates")
def list_merge_candidates(
    runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep, store_id: UUID | None = None
) -> list[MergeCandidate]:
    """Pairs of the store's customers that may be one person: the same name, or a phone a
    digit apart (managers; names revealed, phones masked)."""
    scope = runtime.crm.merge_scope(actor, store_id)
    rows = merges.comparable_customers(runtime.db, scope=scope)
    found = merge_candidates.pairs(merge_candidates.revealed(runtime.customer_keys, rows))
    return [
        MergeCandidate(
            reason=reason,  # type: ignore[arg-type]
            first=CandidateCustomer.model_validate(merge_candidates.shown(a)),
            second=CandidateCustomer.model_validate(merge_candidates.shown(b)),
        )
        for reason, a, b in found
    ]
