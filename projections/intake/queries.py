"""Campaigns with their spend and leads, partners, and spend per campaign for channel ROI."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.shared.access import SYSTEM_READ, ReadScope
from projections.common import Where, flag, page, paged, uid
from projections.db import Database, Row, yuan
from projections.intake.projection import (
    CAMPAIGN_STORES,
    CAMPAIGNS,
    LEAD_SOURCES,
    PARTNERS,
    SPEND,
)


def list_campaigns(
    db: Database,
    store_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    scope: ReadScope = SYSTEM_READ,
) -> dict[str, Any]:
    """Campaigns running in a store of `scope`, newest start first, with spend and lead count.

    Items: id, name, starts_on, ends_on, store_ids, spend (Decimal), leads."""
    if not scope.visible:
        return paged([], 0, limit, offset)
    store_id, _ = scope.narrowed(store_id, None)
    where = Where()
    if store_id is not None:
        where.add(
            f"c.campaign_id IN (SELECT campaign_id FROM {CAMPAIGN_STORES} WHERE store_id = ?)",
            str(store_id),
        )
    rows, total = page(
        db,
        f"SELECT c.*, (SELECT COUNT(*) FROM {LEAD_SOURCES} l"
        f" WHERE l.campaign_id = c.campaign_id) AS leads FROM {CAMPAIGNS} c{where.sql}",
        where.params,
        "starts_on DESC, campaign_id",
        limit,
        offset,
    )
    stores = _stores(db, [r["campaign_id"] for r in rows])
    return paged(
        [_campaign(r, stores.get(r["campaign_id"], [])) for r in rows], total, limit, offset
    )


def campaign_spend(db: Database, campaign_id: UUID) -> list[dict[str, Any]]:
    """A campaign's spend changes, oldest first (amount, total after it, day, note)."""
    rows = db.query(
        f"SELECT * FROM {SPEND} WHERE campaign_id = ? ORDER BY version", (str(campaign_id),)
    )
    return [
        {
            "version": r["version"],
            "amount": yuan(r["amount_fen"]),
            "total": yuan(r["total_fen"]),
            "spent_on": r["spent_on"],
            "note": r["note"],
            "recorded_at": r["recorded_at"],
        }
        for r in rows
    ]


def spend_by_campaign(db: Database, store_id: UUID | None = None) -> list[dict[str, Any]]:
    """For channel ROI: each campaign's spend and the leads captured under it (by source)."""
    where = Where()
    if store_id is not None:
        where.add(
            f"c.campaign_id IN (SELECT campaign_id FROM {CAMPAIGN_STORES} WHERE store_id = ?)",
            str(store_id),
        )
    rows = db.query(
        f"SELECT c.campaign_id, c.name, c.spend_fen, (SELECT COUNT(*) FROM {LEAD_SOURCES} l"
        f" WHERE l.campaign_id = c.campaign_id) AS leads FROM {CAMPAIGNS} c{where.sql}"
        " ORDER BY c.name, c.campaign_id",
        where.params,
    )
    return [
        {
            "campaign_id": uid(r["campaign_id"]),
            "name": r["name"],
            "spend": yuan(r["spend_fen"]),
            "leads": int(r["leads"]),
        }
        for r in rows
    ]


def list_partners(db: Database, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Partners, active first then by name (admins only: the route checks the role)."""
    rows, total = page(
        db, f"SELECT * FROM {PARTNERS}", (), "active DESC, name, partner_id", limit, offset
    )
    return paged([_partner(r) for r in rows], total, limit, offset)


def lead_source(db: Database, lead_id: UUID) -> dict[str, Any] | None:
    row = db.one(f"SELECT * FROM {LEAD_SOURCES} WHERE lead_id = ?", (str(lead_id),))
    if row is None:
        return None
    return {
        "lead_id": uid(row["lead_id"]),
        "channel": row["channel"],
        "source_kind": row["source_kind"],
        "source_name": row["source_name"],
        "campaign_id": uid(row["campaign_id"]),
        "partner_id": uid(row["partner_id"]),
    }


def _stores(db: Database, campaign_ids: list[str]) -> dict[str, list[UUID]]:
    if not campaign_ids:
        return {}
    marks = ", ".join("?" * len(campaign_ids))
    found: dict[str, list[UUID]] = {}
    for row in db.query(
        f"SELECT campaign_id, store_id FROM {CAMPAIGN_STORES} WHERE campaign_id IN ({marks})"
        " ORDER BY store_id",
        campaign_ids,
    ):
        found.setdefault(row["campaign_id"], []).append(UUID(row["store_id"]))
    return found


def _campaign(row: Row, stores: list[UUID]) -> dict[str, Any]:
    return {
        "id": UUID(row["campaign_id"]),
        "name": row["name"],
        "starts_on": row["starts_on"],
        "ends_on": row["ends_on"],
        "store_ids": stores,
        "spend": yuan(row["spend_fen"]),
        "leads": int(row["leads"]),
    }


def _partner(row: Row) -> dict[str, Any]:
    return {
        "id": UUID(row["partner_id"]),
        "name": row["name"],
        "kind": row["kind"],
        "store_ids": [UUID(s) for s in json.loads(row["store_ids"])],
        "sources": json.loads(row["sources"]),
        "active": flag(row["active"]),
        "registered_at": row["registered_at"],
        "secret_issued_at": row["secret_issued_at"],
        "previous_valid_until": row["previous_valid_until"],
        "revoked_at": row["revoked_at"],
    }
