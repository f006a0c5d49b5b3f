"""Customers (CRM): profile, preferences, owner, consent."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request

from api import access
from api.deps import ActorDep, ConsistentDep, CrmDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.customers import (
    CustomerLine,
    CustomerOut,
    ReassignCustomer,
    RecordConsent,
    RecordPreferences,
    RegisterCustomer,
)
from domain.crm.model import Customer
from domain.shared.access import Reach, ReadScope, read_scope
from domain.shared.values import masked_phone
from projections.directory import queries as directory

router = APIRouter(prefix="/customers", tags=["customers"])


def customer_out(customer: Customer, scope: ReadScope) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        version=customer.version,
        store_id=customer.store_id,
        owner_id=customer.owner_id,
        name=customer.name,
        phone=customer.phone if scope.sees_full_phone else masked_phone(customer.phone),
        source=str(customer.source),
        preferences={
            "model": customer.preferred_model,
            "colour": customer.preferred_colour,
            "trim": customer.preferred_trim,
            # In fen-exact yuan, as the list shows it (rm_directory_customer keeps fen).
            "budget": None if customer.budget is None else f"{customer.budget:.2f}",
        },
        consents={str(k): v for k, v in customer.consents.items()},
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
    access.full_phone_read(runtime, request, actor, [customer_id], "api")  # the access log
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
