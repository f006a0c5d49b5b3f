"""Receiving a partner's signed lead: Standard Webhooks verification, replay and throttle.

The `standardwebhooks` package (the scheme's own reference library) checks `webhook-id`,
`webhook-timestamp` and `webhook-signature` over the raw body: an HMAC-SHA256 of
`id.timestamp.body` under the partner's secret, the timestamp within 5 minutes of now either
way. A secret rotated away stays accepted during its grace period, so each accepted secret is
tried. A signed request whose `webhook-id` was accepted before is a replay (409): ids are kept
an hour, well past the tolerance after which the timestamp alone refuses it.

Every refusal is a problem+json answer and writes nothing but its line in the delivery log.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from uuid import UUID

from fastapi import HTTPException, Request
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.errors import AuthenticationError, status_of
from api.schemas.intake import PartnerLeadAccepted, PartnerLeadIn
from api.throttle import REDIS_OPTIONS
from domain.intake.service import PartnerLead
from domain.shared.errors import ConflictError, DomainError
from workers import partner_secrets as deliveries
from workers.runtime import Runtime

# Requests per partner (accepted or not): a partner's burst never starves the floor.
PARTNER_LIMIT = "6000/minute"
_lock = threading.Lock()


class IntakeThrottle:
    """A moving window per partner on the `limits` library (Redis when there is one)."""

    def __init__(self, redis_url: str | None, limit: str = PARTNER_LIMIT) -> None:
        storage = storage_from_string(redis_url, **REDIS_OPTIONS) if redis_url else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)
        self.limit = parse(limit)

    def check(self, partner_id: UUID) -> None:
        key = f"intake:{partner_id}"
        try:
            allowed = self.limiter.hit(self.limit, key)
        except Exception:
            return
        if not allowed:
            reset = self.limiter.get_window_stats(self.limit, key).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            raise HTTPException(
                429, "too many requests for this partner", headers={"Retry-After": str(wait)}
            )


def throttle_of(request: Request) -> IntakeThrottle:
    state = request.app.state
    with _lock:
        throttle: IntakeThrottle | None = getattr(state, "intake_throttle", None)
        if throttle is None:
            throttle = IntakeThrottle(state.runtime.settings.redis_url)
            state.intake_throttle = throttle
    return throttle


def partner_of(text: str) -> UUID:
    """The partner id of the path; not an id at all is unauthenticated (as is an unknown one)."""
    try:
        return UUID(text)
    except ValueError:
        raise AuthenticationError("unknown or revoked partner") from None


def verify(secrets: list[bytes], body: bytes, headers: dict[str, str]) -> None:
    """Pass when one accepted secret signed the body; else WebhookVerificationError."""
    error: WebhookVerificationError | None = None
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
            return
        except WebhookVerificationError as refused:
            error = refused
    raise error or WebhookVerificationError("No matching signature found")


@dataclass(frozen=True)
class Signed:
    """A request whose signature one of the partner's accepted secrets made."""

    partner_id: UUID
    message_id: str


def authenticate(
    runtime: Runtime, partner_id: UUID, body: bytes, headers: dict[str, str]
) -> Signed:
    """The partner's signature over the raw body, or AuthenticationError (recorded)."""
    secrets = runtime.partners.signing_secrets(partner_id)
    if not secrets:
        raise AuthenticationError("unknown or revoked partner")
    try:
        verify(secrets, body, headers)
    except WebhookVerificationError as error:
        _refused(runtime, partner_id, 401, f"signature: {error}")
        raise AuthenticationError(f"the request's signature was refused: {error}") from None
    return Signed(partner_id, headers["webhook-id"])


def _refused(runtime: Runtime, partner_id: UUID, status: int, reason: str) -> None:
    deliveries.record_delivery(
        runtime.db, partner_id, accepted=False, status=status, reason=reason[:200]
    )


def accept(runtime: Runtime, signed: Signed, lead: PartnerLeadIn) -> PartnerLeadAccepted:
    """Claim the webhook-id (a replay is a 409), post the lead, record the delivery."""
    db, partner_id, message_id = runtime.db, signed.partner_id, signed.message_id
    if not deliveries.claim_message(db, partner_id, message_id):
        _refused(runtime, partner_id, 409, "webhook-id received before")
        raise ConflictError(
            "this webhook-id was received before (a replay): send a new message id",
            webhook_id=message_id,
        )
    try:
        accepted = runtime.partners.post_lead(
            partner_id,
            PartnerLead(
                partner_lead_id=lead.partner_lead_id,
                store_id=lead.store_id,
                source_kind=lead.source_kind.value,
                source_name=lead.source_name,
                campaign_id=lead.campaign_id,
                customer_name=lead.customer_name,
                customer_phone=lead.customer_phone,
                model_interest=lead.model_interest,
                note=lead.note,
                occurred_at=lead.occurred_at,
            ),
        )
    except DomainError as error:
        deliveries.release_message(db, partner_id, message_id)
        _refused(runtime, partner_id, status_of(error), f"{error.title}: {error.detail}")
        raise
    except Exception:
        deliveries.release_message(db, partner_id, message_id)
        raise
    deliveries.record_delivery(
        db,
        partner_id,
        accepted=True,
        status=201 if accepted.created else 200,
        lead_id=accepted.lead_id,
    )
    return PartnerLeadAccepted(
        lead_id=accepted.lead_id, created=accepted.created, position=accepted.position
    )
