"""Campaigns and their spend; partners (admins); the partners' signed lead intake."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from api import intake
from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.intake import (
    CampaignLine,
    CampaignOut,
    CampaignSpend,
    CreateCampaign,
    DeliveryLine,
    PartnerIssued,
    PartnerLeadAccepted,
    PartnerLeadIn,
    PartnerLine,
    RecordSpend,
    RegisterPartner,
    RevokePartner,
    RotateSecret,
)
from domain.intake.service import Issued
from domain.shared.access import Reach, read_scope
from domain.shared.clock import now
from projections.intake import queries
from workers import partner_secrets

router = APIRouter(tags=["intake"])

# --- campaigns -----------------------------------------------------------------------------------


@router.post("/campaigns", status_code=201)
def create_campaign(body: CreateCampaign, runtime: RuntimeDep, actor: ActorDep) -> Written:
    """A campaign with its dates and stores (managers for their store, admins for any)."""
    return Written.of(
        runtime.campaigns.create_campaign(
            actor, body.name, body.starts_on, body.ends_on, body.store_ids
        )
    )


@router.get("/campaigns")
def list_campaigns(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[CampaignLine]:
    """Campaigns running in the caller's stores, newest first, with spend and lead counts."""
    result = queries.list_campaigns(
        runtime.db,
        store_id,
        page.limit,
        page.offset,
        scope=read_scope(actor, store_id=store_id, reach=Reach.STORE),
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/campaigns/spend")
def campaign_spend(
    runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep, store_id: UUID | None = None
) -> list[CampaignSpend]:
    """Spend and leads per campaign (for channel ROI), in the caller's stores."""
    scope = read_scope(actor, store_id=store_id, reach=Reach.STORE)
    if not scope.visible:
        return []
    narrowed = scope.narrowed(store_id, None)[0]
    return [CampaignSpend(**row) for row in queries.spend_by_campaign(runtime.db, narrowed)]


@router.get("/campaigns/{campaign_id}")
def get_campaign(
    campaign_id: UUID, runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep
) -> CampaignOut:
    """A campaign, its spend changes and its lead count."""
    campaign = runtime.campaigns.get_campaign(actor, campaign_id)
    lines = queries.campaign_spend(runtime.db, campaign_id)
    counts = {r["campaign_id"]: r["leads"] for r in queries.spend_by_campaign(runtime.db)}
    return CampaignOut(
        id=campaign.id,
        version=campaign.version,
        name=campaign.name,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        store_ids=campaign.store_ids,
        spend=campaign.spend,
        leads=counts.get(campaign.id, 0),
        spend_lines=lines,  # type: ignore[arg-type]
    )


@router.post("/campaigns/{campaign_id}/spend", status_code=201)
def record_spend(
    campaign_id: UUID, body: RecordSpend, runtime: RuntimeDep, actor: ActorDep
) -> Written:
    """Record what the campaign cost (a negative amount corrects an earlier entry)."""
    return Written.of(
        runtime.campaigns.record_spend(
            actor,
            campaign_id,
            body.amount,
            body.spent_on,
            body.note,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


# --- partners (admins) ---------------------------------------------------------------------------


def _issued(issued: Issued) -> PartnerIssued:
    w = issued.written
    return PartnerIssued(
        id=w.id,
        version=w.version,
        position=w.position,
        secret_id=issued.secret_id,
        secret=issued.secret,
    )


@router.post("/partners", status_code=201)
def register_partner(body: RegisterPartner, runtime: RuntimeDep, actor: ActorDep) -> PartnerIssued:
    """Register a partner with its scope; the answer holds its signing secret, shown once."""
    return _issued(
        runtime.partners.register_partner(
            actor, body.name, body.kind.value, body.store_ids, body.sources
        )
    )


@router.get("/partners")
def list_partners(
    runtime: RuntimeDep, actor: ActorDep, page: PageDep, _: ConsistentDep
) -> PageOf[PartnerLine]:
    """Partners with their scope and the last 30 days' accepted and refused requests (admins)."""
    runtime.partners.ensure_admin(actor)
    result = queries.list_partners(runtime.db, page.limit, page.offset)
    counts = partner_secrets.delivery_counts(runtime.db, now() - timedelta(days=30))
    for item in result["items"]:
        item["deliveries"] = counts.get(item["id"], {})
    return PageOf.of(result, page.limit, page.offset)


@router.get("/partners/{partner_id}/deliveries")
def list_deliveries(partner_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> list[DeliveryLine]:
    """The partner's latest requests, newest first (admins)."""
    runtime.partners.get_partner(actor, partner_id)
    return [
        DeliveryLine(**row) for row in partner_secrets.recent_deliveries(runtime.db, partner_id)
    ]


@router.post("/partners/{partner_id}/secret", status_code=201)
def rotate_secret(
    partner_id: UUID, runtime: RuntimeDep, actor: ActorDep, body: RotateSecret | None = None
) -> PartnerIssued:
    """A new signing secret (shown once); the ones before stay accepted for `grace_hours`."""
    body = body or RotateSecret()
    return _issued(
        runtime.partners.rotate_secret(
            actor,
            partner_id,
            timedelta(hours=body.grace_hours),
            expected_version=body.expected_version,
        )
    )


@router.post("/partners/{partner_id}/revocation", status_code=201)
def revoke_partner(
    partner_id: UUID, runtime: RuntimeDep, actor: ActorDep, body: RevokePartner | None = None
) -> Written:
    """The partner may post no more; its secrets are deleted."""
    body = body or RevokePartner()
    return Written.of(
        runtime.partners.revoke_partner(
            actor, partner_id, body.reason, expected_version=body.expected_version
        )
    )


# --- the partners' intake ------------------------------------------------------------------------


async def signed_by_partner(
    partner_id: str,
    request: Request,
    runtime: RuntimeDep,
    throttle: Annotated[intake.IntakeThrottle, Depends(intake.throttle_of)],
) -> intake.Signed:
    """The signature checked over the raw body before the body is validated: an unsigned or
    forged request is a 401 whatever it holds. Any id that names no partner is a 401 too."""
    partner = intake.partner_of(partner_id)
    throttle.check(partner)
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await run_in_threadpool(intake.authenticate, runtime, partner, body, headers)


SignedDep = Annotated[intake.Signed, Depends(signed_by_partner)]
SIGNATURE_HEADERS = {
    "parameters": [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ],
}


@router.post(
    "/intake/{partner_id}/leads",
    status_code=201,
    openapi_extra=SIGNATURE_HEADERS,
    responses={
        200: {"model": PartnerLeadAccepted, "description": "Posted before: its lead"},
        401: {"description": "Unsigned, forged, stale; unknown or revoked partner"},
        403: {"description": "A store or source outside the partner's scope"},
        429: {"description": "Too many requests for this partner"},
    },
)
def post_partner_lead(
    lead: PartnerLeadIn, signed: SignedDep, response: Response, runtime: RuntimeDep
) -> PartnerLeadAccepted:
    """A partner's lead, signed per Standard Webhooks (no login: the signature authenticates).

    The same `partner_lead_id` posted again answers the first post's lead (200). Unsigned,
    tampered, stale (over 5 minutes), replayed (a `webhook-id` seen before) and out-of-scope
    requests get a problem+json answer and write nothing."""
    accepted = intake.accept(runtime, signed, lead)
    if not accepted.created:
        response.status_code = 200
    return accepted
