"""Customers (CRM): profile, preferences, owner, consent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import ActorDep, ConsistentDep, CrmDep, PageDep, RuntimeDep
from api.personal import phone_shown
from api.schemas.common import PageOf, Written
from api.schemas.customers import (
    CustomerDataOut,
    CustomerLine,
    CustomerOut,
    ReassignCustomer,
    RecordConsent,
    RecordErasure,
    RecordPreferences,
    RegisterCustomer,
)
from audit.subject_access import customer_record
from domain.crm.model import Customer
from domain.shared.access import SYSTEM_READ, Reach, ReadScope, read_scope
from domain.shared.clock import now
from domain.shared.personal import ERASED
from projections.directory import queries as directory
from workers.access_log import Access, AccessKind
from workers.runtime import Runtime

router = APIRouter(prefix="/customers", tags=["customers"])


def customer_out(customer: Customer, scope: ReadScope) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        version=customer.version,
        store_id=customer.store_id,
        owner_id=customer.owner_id,
        # Sealed values, revealed as the answer leaves (api/personal.py); an erased customer
        # stored in clear before sealing shows as erased all the same.
        name=ERASED if customer.erased else customer.name,
        phone=ERASED if customer.erased else phone_shown(customer.phone, scope),
        source=str(customer.source),
        preferences={
            "model": customer.preferred_model,
            "colour": customer.preferred_colour,
            "trim": customer.preferred_trim,
            # In fen-exact yuan, as the list shows it (rm_directory_customer keeps fen).
            "budget": None if customer.budget is None else f"{customer.budget:.2f}",
        },
        consents={str(k): v for k, v in customer.consents.items()},
        merged_into=customer.merged_into,
        merged_from=list(customer.merged_ids),
    )


@router.post("", status_code=201)
def register_customer(body: RegisterCustomer, crm: CrmDep, actor: ActorDep) -> Written:
    """Register a customer; a phone the group knows is a 409, naming the customer only to
    those who may see them (one neutral "already served" answer to everyone else)."""
    return Written.of(
        crm.register_customer(
            actor,
            body.store_id,
            body.name,
            body.phone,
            owner_id=body.owner_id,
            source=body.source.value,
            occurred_at=body.occurred_at,
        )
    )


@router.get("")
def list_customers(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[CustomerLine]:
    """Customers in the caller's scope (phone numbers masked in lists)."""
    scope = read_scope(actor, store_id=store_id, reach=Reach.OWN)
    result = directory.list_customers(runtime.db, scope=scope, limit=page.limit, offset=page.offset)
    return PageOf.of(result, page.limit, page.offset)


@router.get("/{customer_id}")
def get_customer(
    customer_id: UUID, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> CustomerOut:
    """One customer with preferences and consents."""
    customer = customer_out(runtime.crm.get_customer(actor, customer_id), read_scope(actor))
    return customer


@router.post("/{customer_id}/preferences", status_code=201)
def record_preferences(
    customer_id: UUID,
    crm: CrmDep,
    actor: ActorDep,
    body: RecordPreferences = RecordPreferences(),
) -> Written:
    """Record what the customer is looking for."""
    return Written.of(
        crm.record_preferences(
            actor,
            customer_id,
            body.model,
            body.colour,
            body.trim,
            body.budget,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.post("/{customer_id}/owner", status_code=201)
def reassign_customer(
    customer_id: UUID, body: ReassignCustomer, crm: CrmDep, actor: ActorDep
) -> Written:
    """Hand the customer to another salesperson (managers)."""
    return Written.of(
        crm.reassign_customer(
            actor, customer_id, body.owner_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/{customer_id}/consents", status_code=201)
def record_consent(customer_id: UUID, body: RecordConsent, crm: CrmDep, actor: ActorDep) -> Written:
    """Record a consent granted or withdrawn for a contact channel."""
    return Written.of(
        crm.record_consent(
            actor, customer_id, body.channel, body.granted, body.expected_version, body.occurred_at
        )
    )


def _access(request: Request, kind: AccessKind, actor_id: str, subject: UUID) -> Access:
    return Access(
        kind=kind,
        actor_id=actor_id,
        subject=str(subject),
        address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


@router.post("/{customer_id}/erasure", status_code=201)
def erase_customer(
    customer_id: UUID, body: RecordErasure, request: Request, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """Erase a customer (PIPL right to deletion; admins): their own key is destroyed, so their
    name, phone and the notes about them read as erased everywhere from now on, backups
    restored later included; the phone number is free to register again. Counts, sums, KPIs
    and pay stay exactly as they were."""
    written = runtime.crm.erase_customer(actor, customer_id, body.reason, body.occurred_at)
    runtime.access_log.record(
        _access(request, AccessKind.CUSTOMER_ERASED, actor.user_id, customer_id)
    )
    return Written.of(written)


@router.get("/{customer_id}/personal-data")
def export_personal_data(
    customer_id: UUID, request: Request, response: Response, runtime: RuntimeDep, actor: ActorDep
) -> CustomerDataOut:
    """Everything held about one customer, as a JSON file (PIPL right of access; admins): the
    events of the customer, their leads, deals and surveys. The download is logged."""
    runtime.crm.privacy_subject(actor, customer_id)  # admins; 404 for an unknown id
    document = personal_data(runtime, customer_id)
    runtime.access_log.record(
        _access(request, AccessKind.CUSTOMER_DATA_EXPORTED, actor.user_id, customer_id)
    )
    name = f"customer-{customer_id}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return CustomerDataOut.model_validate(document)


PAGE = 500


def personal_data(runtime: Runtime, customer_id: UUID) -> dict[str, Any]:
    """The PIPL access document of a customer (sealed; revealed as the answer leaves)."""
    leads = _all(directory.list_leads, runtime, customer_id)
    deals = _all(directory.list_deals, runtime, customer_id)
    return customer_record(runtime.app, customer_id, leads, deals, generated_at=now())


def _all(query: Callable[..., dict[str, Any]], runtime: Runtime, customer_id: UUID) -> list[UUID]:
    """The ids of every row of `query` about the customer (all pages, whoever owns them)."""
    ids: list[UUID] = []
    while True:
        items = query(
            runtime.db, scope=SYSTEM_READ, customer_id=customer_id, limit=PAGE, offset=len(ids)
        )["items"]
        ids.extend(item["id"] for item in items)
        if len(items) < PAGE:
            return ids
