"""The intake services: campaigns (and their spend), partners (and the leads they post)."""

from __future__ import annotations

import base64
import secrets
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.app import Showroom, Written
from domain.crm.errors import CustomerAlreadyServedError
from domain.intake.partners import Partner
from domain.intake.ports import SecretVault
from domain.leads.campaign import Campaign
from domain.leads.dedup import PartnerEnquiry
from domain.leads.model import Lead
from domain.leads.origin import SourceKind, origin, partner_lead_id
from domain.leads.service import Leads
from domain.organisation.model import Store
from domain.shared import values
from domain.shared.access import MANAGERS, ensure_role, ensure_store
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware, now
from domain.shared.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)

SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"
# How long the secret before a rotation is still accepted, unless the admin says otherwise.
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
# The channel a partner's lead arrives by, from its source's kind.
CHANNEL_OF = {
    SourceKind.MARKETPLACE.value: "marketplace",
    SourceKind.REFERRAL.value: "referral",
}


def _store_scope(actor: Principal, store_ids: list[UUID]) -> None:
    """A store manager's campaigns run in their own store only; an admin's anywhere."""
    for store_id in store_ids:
        ensure_store(actor, store_id)


def _readable(actor: Principal, campaign: Campaign) -> None:
    """Campaigns are seen by the group's readers and by the staff of the stores they run in."""
    if not actor.reads_everything and actor.store_id not in campaign.store_ids:
        raise NotFoundError("campaign", campaign.id)


def _managed(actor: Principal, campaign: Campaign) -> None:
    _readable(actor, campaign)
    _store_scope(actor, campaign.store_ids)


class Campaigns:
    """Campaigns: created by managers and admins, their spend recorded as it is incurred."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    @staticmethod
    def ensure_manager(actor: Principal) -> None:
        """Campaigns are managed by store managers and admins."""
        ensure_role(actor, *MANAGERS)

    def create_campaign(
        self,
        actor: Principal,
        name: str,
        starts_on: date,
        ends_on: date,
        store_ids: list[UUID],
        occurred_at: datetime | None = None,
    ) -> Written:
        """A campaign for some stores between two days (a manager: their own store)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            _store_scope(actor, store_ids)
            for store_id in dict.fromkeys(store_ids):
                self.app.load(Store, store_id, "store")
            campaign = Campaign.create(name, starts_on, ends_on, store_ids, aware(occurred_at))
            return self.app.written(campaign)

    def record_spend(
        self,
        actor: Principal,
        campaign_id: UUID,
        amount: Decimal | int | str,
        spent_on: date,
        note: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Add to (or, negative, correct) what the campaign cost."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            campaign = self.app.load(
                Campaign,
                campaign_id,
                "campaign",
                expected_version,
                scope=lambda c: _managed(actor, c),
            )
            campaign.record_spend(amount, spent_on, note, aware(occurred_at))
            return self.app.written(campaign)

    def get_campaign(self, actor: Principal, campaign_id: UUID) -> Campaign:
        """The campaign, if it runs in a store the actor reads."""
        return self.app.load(Campaign, campaign_id, "campaign", scope=lambda c: _readable(actor, c))


@dataclass(frozen=True)
class Issued:
    """A write that issued a secret: shown once, never kept in clear."""

    written: Written
    secret: str
    secret_id: UUID


@dataclass(frozen=True)
class PartnerLead:
    """A lead as a partner posts it."""

    partner_lead_id: str
    store_id: UUID
    source_kind: str
    source_name: str | None
    customer_name: str
    customer_phone: str
    campaign_id: UUID | None = None
    model_interest: str | None = None
    note: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Accepted:
    """A partner's lead accepted: the lead's id, and whether this post created it."""

    lead_id: UUID
    created: bool
    position: int | None


def new_secret() -> tuple[bytes, str]:
    """Random secret bytes and their Standard Webhooks form (`whsec_` + base64)."""
    raw = secrets.token_bytes(SECRET_BYTES)
    return raw, SECRET_PREFIX + base64.b64encode(raw).decode()


class Partners:
    """Partners registered, rotated and revoked by admins; the leads they post."""

    def __init__(self, app: Showroom, leads: Leads, vault: SecretVault | None = None) -> None:
        self.app = app
        self.leads = leads
        self.vault = vault

    def _vault(self) -> SecretVault:
        if self.vault is None:
            raise InvalidValueError("this process has no secret store for partners")
        return self.vault

    def register_partner(
        self,
        actor: Principal,
        name: str,
        kind: str,
        store_ids: list[UUID],
        sources: list[str],
        occurred_at: datetime | None = None,
    ) -> Issued:
        """A partner with its scope, and its first signing secret (shown once)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            for store_id in dict.fromkeys(store_ids):
                self.app.load(Store, store_id, "store")
            when = aware(occurred_at)
            partner = Partner.register(name, kind, store_ids, sources, when)
            raw, text = new_secret()
            secret_id = uuid4()
            # The secret is kept before the partner exists: a crash in between leaves a secret
            # nobody can use (no partner), never a partner whose secret was lost.
            self._vault().put(partner.id, secret_id, raw)
            partner.issue_secret(secret_id, None, when)
            return Issued(self.app.written(partner), text, secret_id)

    def rotate_secret(
        self,
        actor: Principal,
        partner_id: UUID,
        grace: timedelta = DEFAULT_GRACE,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Issued:
        """A new secret; the ones before stay accepted for `grace` (zero: stop at once)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            if grace < timedelta(0) or grace > MAX_GRACE:
                raise InvalidValueError("grace must be between 0 and 30 days")
            partner = self.app.load(Partner, partner_id, "partner", expected_version)
            when = aware(occurred_at)
            until = now() + grace
            raw, text = new_secret()
            secret_id = uuid4()
            partner.issue_secret(secret_id, until, when)
            vault = self._vault()
            vault.put(partner.id, secret_id, raw)
            written = self.app.written(partner)
            vault.expire(partner.id, until, keep=secret_id)
            return Issued(written, text, secret_id)

    def revoke_partner(
        self,
        actor: Principal,
        partner_id: UUID,
        reason: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """The partner may post no more; its secrets are deleted."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            partner = self.app.load(Partner, partner_id, "partner", expected_version)
            partner.revoke(reason, aware(occurred_at))
            written = self.app.written(partner)
            self._vault().forget(partner.id)
            return written

    @staticmethod
    def ensure_admin(actor: Principal) -> None:
        """Partners are an admin's business (their list, their deliveries)."""
        ensure_role(actor, Role.ADMIN)

    def get_partner(self, actor: Principal, partner_id: UUID) -> Partner:
        """The partner (admins)."""
        ensure_role(actor, Role.ADMIN)
        return self.app.load(Partner, partner_id, "partner")

    def signing_secrets(self, partner_id: UUID) -> list[bytes]:
        """The secrets a request of this partner may be signed with now; none when the partner
        is unknown or revoked (so its request is refused like an unsigned one)."""
        try:
            partner = self.app.load(Partner, partner_id, "partner")
        except NotFoundError:
            return []
        if not partner.active:
            return []
        return self._vault().accepted(partner_id, now())

    def post_lead(self, partner_id: UUID, posted: PartnerLead) -> Accepted:
        """A signed partner's lead: checked against its scope, captured once per partner lead
        id (a second post answers the first one's lead)."""
        partner = self.app.load(Partner, partner_id, "partner")
        if not partner.active:
            raise PermissionDeniedError("the partner was revoked")
        ref = values.text(posted.partner_lead_id, "partner_lead_id", max_length=100)
        source = origin(posted.source_kind, posted.source_name, posted.campaign_id, partner.id)
        assert source.source_kind is not None
        partner.ensure_in_scope(posted.store_id, source.source_kind, source.source_name)
        lead_id = partner_lead_id(partner.id, ref)
        existing = self._existing(lead_id)
        if existing is not None:
            return existing
        principal = Principal(
            user_id=f"partner:{partner.id}",
            role=Role.STORE_MANAGER,
            store_id=posted.store_id,
            username=partner.name,
        )
        try:
            written = self.leads.capture_lead(
                principal,
                posted.store_id,
                CHANNEL_OF.get(source.source_kind, "website"),
                customer_name=posted.customer_name,
                customer_phone=posted.customer_phone,
                model_interest=posted.model_interest,
                note=posted.note,
                occurred_at=posted.occurred_at,
                origin=source,
                lead_id=lead_id,
            )
        except (ConflictError, CustomerAlreadyServedError):
            # A concurrent post of the same lead won; or the customer is served elsewhere and
            # the lead was passed on to them (under the same id): either way it exists now.
            found = self._existing(lead_id)
            if found is None:
                raise
            passed_on = isinstance(sys.exc_info()[1], CustomerAlreadyServedError)
            return Accepted(found.lead_id, created=passed_on, position=found.position)
        return Accepted(written.id, created=True, position=written.position)

    def _existing(self, lead_id: UUID) -> Accepted | None:
        """The lead a partner lead id already landed on: the lead captured under that id, or
        the customer's open lead it was recorded on as an enquiry (docs/lead-dedup.md)."""
        try:
            self.app.load(Lead, lead_id, "lead")
        except NotFoundError:
            try:
                ref = self.app.load(PartnerEnquiry, lead_id, "lead")
            except NotFoundError:
                return None
            return Accepted(ref.lead_id, created=False, position=None)
        return Accepted(lead_id, created=False, position=None)
