"""Campaigns (with their spend), partners (their scope, no secret) and where leads came from."""

from __future__ import annotations

import json

from domain.intake.partners import Partner
from domain.leads.campaign import Campaign
from domain.leads.model import Lead
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

CAMPAIGNS = "rm_campaign"
CAMPAIGN_STORES = "rm_campaign_store"
SPEND = "rm_campaign_spend"
PARTNERS = "rm_partner"
LEAD_SOURCES = "rm_lead_source"


class IntakeProjection(Projection):
    """One row per campaign (spend total in fen) and per spend change; one per partner; one per
    lead with its channel, source, campaign and partner (the channel-ROI report joins them)."""

    name = "intake"
    tables = (CAMPAIGNS, CAMPAIGN_STORES, SPEND, PARTNERS, LEAD_SOURCES)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {CAMPAIGNS} ("
        " campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, starts_on TEXT NOT NULL,"
        " ends_on TEXT NOT NULL, spend_fen BIGINT NOT NULL DEFAULT 0,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {CAMPAIGN_STORES} ("
        " campaign_id TEXT NOT NULL, store_id TEXT NOT NULL,"
        " PRIMARY KEY (campaign_id, store_id))",
        f"CREATE INDEX IF NOT EXISTS {CAMPAIGN_STORES}_store ON {CAMPAIGN_STORES} (store_id)",
        f"CREATE TABLE IF NOT EXISTS {SPEND} ("
        " campaign_id TEXT NOT NULL, version INTEGER NOT NULL, amount_fen BIGINT NOT NULL,"
        " total_fen BIGINT NOT NULL, spent_on TEXT NOT NULL, note TEXT, actor TEXT NOT NULL,"
        " recorded_at TEXT NOT NULL, PRIMARY KEY (campaign_id, version))",
        f"CREATE TABLE IF NOT EXISTS {PARTNERS} ("
        " partner_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
        " store_ids TEXT NOT NULL, sources TEXT NOT NULL, active INTEGER NOT NULL,"
        " registered_at TEXT NOT NULL, secret_issued_at TEXT, previous_valid_until TEXT,"
        " revoked_at TEXT, revoked_reason TEXT)",
        f"CREATE TABLE IF NOT EXISTS {LEAD_SOURCES} ("
        " lead_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, channel TEXT NOT NULL,"
        " source_kind TEXT, source_name TEXT, campaign_id TEXT, partner_id TEXT,"
        " captured_at TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {LEAD_SOURCES}_campaign ON {LEAD_SOURCES} (campaign_id)",
        f"CREATE INDEX IF NOT EXISTS {LEAD_SOURCES}_source"
        f" ON {LEAD_SOURCES} (store_id, source_kind, source_name)",
    )

    @handles(Campaign.Created)
    def on_campaign_created(self, event: Campaign.Created, tx: Tx) -> None:
        cid, when = sid(event.originator_id), utc_iso(event.occurred_at)
        tx.execute(
            f"INSERT INTO {CAMPAIGNS} (campaign_id, name, starts_on, ends_on, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id) DO NOTHING",
            (cid, event.name, event.starts_on.isoformat(), event.ends_on.isoformat(), when, when),
        )
        tx.executemany(
            f"INSERT INTO {CAMPAIGN_STORES} (campaign_id, store_id) VALUES (?, ?)"
            " ON CONFLICT (campaign_id, store_id) DO NOTHING",
            [(cid, sid(s)) for s in event.store_ids],
        )

    @handles(Campaign.SpendRecorded)
    def on_spend(self, event: Campaign.SpendRecorded, tx: Tx) -> None:
        cid, when = sid(event.originator_id), utc_iso(event.occurred_at)
        tx.execute(
            f"INSERT INTO {SPEND} (campaign_id, version, amount_fen, total_fen, spent_on, note,"
            " actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (campaign_id, version) DO NOTHING",
            (
                cid,
                event.originator_version,
                fen(event.amount),
                fen(event.total),
                event.spent_on.isoformat(),
                event.note,
                event.actor,
                when,
            ),
        )
        tx.execute(
            f"UPDATE {CAMPAIGNS} SET spend_fen = ?, updated_at = ? WHERE campaign_id = ?",
            (fen(event.total), when, cid),
        )

    @handles(Partner.Registered)
    def on_partner_registered(self, event: Partner.Registered, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {PARTNERS} (partner_id, name, kind, store_ids, sources, active,"
            " registered_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (partner_id) DO NOTHING",
            (
                sid(event.originator_id),
                event.name,
                event.kind,
                json.dumps([str(s) for s in event.store_ids]),
                json.dumps(event.sources),
                utc_iso(event.occurred_at),
            ),
        )

    @handles(Partner.SecretIssued)
    def on_secret_issued(self, event: Partner.SecretIssued, tx: Tx) -> None:
        until = event.previous_valid_until
        tx.execute(
            f"UPDATE {PARTNERS} SET secret_issued_at = ?, previous_valid_until = ?"
            " WHERE partner_id = ?",
            (
                utc_iso(event.occurred_at),
                None if until is None else utc_iso(until),
                sid(event.originator_id),
            ),
        )

    @handles(Partner.Revoked)
    def on_partner_revoked(self, event: Partner.Revoked, tx: Tx) -> None:
        tx.execute(
            f"UPDATE {PARTNERS} SET active = 0, revoked_at = ?, revoked_reason = ?"
            " WHERE partner_id = ?",
            (utc_iso(event.occurred_at), event.reason, sid(event.originator_id)),
        )

    @handles(Lead.Captured)
    def on_lead_captured(self, event: Lead.Captured, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {LEAD_SOURCES} (lead_id, store_id, channel, source_kind, source_name,"
            " campaign_id, partner_id, captured_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (lead_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                event.channel,
                event.source_kind,
                event.source_name,
                sid(event.campaign_id),
                sid(event.partner_id),
                utc_iso(event.occurred_at),
            ),
        )
