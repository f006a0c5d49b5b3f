"""Pay periods (status, scope, month, totals) and the lines of their approved snapshots.

- `rm_payouts_period`: one row per period, with the close's `known_at` and, once approved, the
  totals and content hash.
- `rm_payouts_statement`: one row per salesperson of an approved snapshot, its figures as
  columns (so lists and the finance export need no JSON) and the whole record as JSON.
- `rm_payouts_line`: every line of an approved snapshot, with its source deals.
- `rm_payouts_paid`: what each approved line paid per deal (and per F&I product): the lookup a
  chargeback starts from when a deal is unwound later.

Everything comes from `PayPeriod` events and the `PayStatementSnapshot` records an approval
saves with them (older approvals carry their statements), so the view rebuilds from the log.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from domain.pay.periods import PayPeriod, PeriodStatus
from domain.pay.records import paid_parts
from domain.pay.snapshots import PayStatementSnapshot
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

PERIODS = "rm_payouts_period"
STATEMENTS = "rm_payouts_statement"
LINES = "rm_payouts_line"
PAID = "rm_payouts_paid"
NO_PRODUCT = ""  # the product key of a part that pays for the deal, not for one product


def units_milli(value: Any) -> int:
    return int((Decimal(value) * 1000).to_integral_value())


class PayoutsProjection(Projection):
    """Pay periods and approved payout snapshots."""

    name = "payouts"
    tables = (PERIODS, STATEMENTS, LINES, PAID)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {PERIODS} ("
        " period_id TEXT PRIMARY KEY, store_id TEXT, scope TEXT NOT NULL, month TEXT NOT NULL,"
        " status TEXT NOT NULL, protection_days INTEGER NOT NULL, opened_at TEXT NOT NULL,"
        " known_at TEXT, approved_at TEXT, content_hash TEXT, salespeople INTEGER,"
        " total BIGINT, totals TEXT, exports INTEGER NOT NULL DEFAULT 0, paid_reference TEXT,"
        " adjustments INTEGER NOT NULL DEFAULT 0, open_disputes INTEGER NOT NULL DEFAULT 0,"
        " version INTEGER NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {PERIODS}_month ON {PERIODS} (month, store_id)",
        f"CREATE TABLE IF NOT EXISTS {STATEMENTS} ("
        " period_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, store_id TEXT,"
        " units_milli BIGINT NOT NULL, commission_gross BIGINT NOT NULL,"
        " back_gross BIGINT NOT NULL, earnings BIGINT NOT NULL, draw_recovery BIGINT NOT NULL,"
        " adjustments BIGINT NOT NULL, chargebacks BIGINT NOT NULL, total BIGINT NOT NULL,"
        " lines INTEGER NOT NULL, record TEXT NOT NULL,"
        " PRIMARY KEY (period_id, salesperson_id))",
        f"CREATE TABLE IF NOT EXISTS {LINES} ("
        " period_id TEXT NOT NULL, salesperson_id TEXT NOT NULL, n INTEGER NOT NULL,"
        " component_key TEXT NOT NULL, component_type TEXT NOT NULL, amount BIGINT NOT NULL,"
        " deal_ids TEXT NOT NULL, formula TEXT NOT NULL,"
        " PRIMARY KEY (period_id, salesperson_id, n))",
        f"CREATE TABLE IF NOT EXISTS {PAID} ("
        " deal_id TEXT NOT NULL, period_id TEXT NOT NULL, salesperson_id TEXT NOT NULL,"
        " n INTEGER NOT NULL, product_id TEXT NOT NULL, component_type TEXT NOT NULL,"
        " amount BIGINT NOT NULL,"
        " PRIMARY KEY (deal_id, period_id, salesperson_id, n, product_id))",
    )

    def _set(self, tx: Tx, event: Any, sql: str, *params: Any) -> None:
        tx.execute(
            f"UPDATE {PERIODS} SET {sql}, version = ? WHERE period_id = ?",
            (*params, event.originator_version, sid(event.originator_id)),
        )

    @handles(PayPeriod.Opened)
    def on_opened(self, event: PayPeriod.Opened, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {PERIODS} (period_id, store_id, scope, month, status,"
            " protection_days, opened_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (period_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.store_id),
                "group" if event.store_id is None else "store",
                event.month,
                PeriodStatus.OPEN.value,
                event.protection_days,
                utc_iso(event.occurred_at),
                event.originator_version,
            ),
        )

    @handles(PayPeriod.Closed)
    def on_closed(self, event: PayPeriod.Closed, tx: Tx) -> None:
        self._set(tx, event, "status = ?, known_at = ?", "closed", utc_iso(event.known_at))

    @handles(PayPeriod.Reopened)
    def on_reopened(self, event: PayPeriod.Reopened, tx: Tx) -> None:
        self._set(tx, event, "status = ?, known_at = NULL", "open")

    @handles(PayPeriod.Exported)
    def on_exported(self, event: PayPeriod.Exported, tx: Tx) -> None:
        self._set(
            tx,
            event,
            "status = CASE WHEN status = 'approved' THEN 'exported' ELSE status END,"
            " exports = exports + ?",
            1,
        )

    @handles(PayPeriod.Paid)
    def on_paid(self, event: PayPeriod.Paid, tx: Tx) -> None:
        self._set(tx, event, "status = ?, paid_reference = ?", "paid", event.reference)

    @handles(PayPeriod.AdjustmentAdded)
    def on_adjustment(self, event: PayPeriod.AdjustmentAdded, tx: Tx) -> None:
        self._set(tx, event, "adjustments = adjustments + ?", 1)

    @handles(PayPeriod.DisputeRaised)
    def on_dispute(self, event: PayPeriod.DisputeRaised, tx: Tx) -> None:
        self._set(tx, event, "open_disputes = open_disputes + ?", 1)

    @handles(PayPeriod.DisputeResolved)
    def on_resolved(self, event: PayPeriod.DisputeResolved, tx: Tx) -> None:
        self._set(tx, event, "open_disputes = open_disputes - ?", 1)

    @handles(PayPeriod.Approved)
    def on_approved(self, event: PayPeriod.Approved, tx: Tx) -> None:
        totals = event.totals
        self._set(
            tx,
            event,
            "status = ?, approved_at = ?, content_hash = ?, salespeople = ?, total = ?, totals = ?",
            "approved",
            utc_iso(event.occurred_at),
            event.content_hash,
            len(event.statement_ids),
            fen(totals["total"]),
            json.dumps(totals, sort_keys=True),
        )
        # Approvals before the statements became records of their own carry them.
        legacy: list[dict[str, Any]] | None = getattr(event, "statements", None)
        if legacy is not None:
            self._statements(tx, str(event.originator_id), legacy)

    @handles(PayStatementSnapshot.Recorded)
    def on_statement(self, event: PayStatementSnapshot.Recorded, tx: Tx) -> None:
        self._statements(tx, str(event.period_id), [event.record])

    def _statements(self, tx: Tx, period: str, records: list[dict[str, Any]]) -> None:
        """The rows of approved statements: the statement, its lines, what each paid per deal."""
        statements, lines, paid = [], [], []
        for record in records:
            person = record["salesperson_id"]
            statements.append(
                (
                    period,
                    person,
                    record["store_id"],
                    units_milli(record["units"]),
                    fen(record["commission_gross"]),
                    fen(record["back_gross"]),
                    fen(record["earnings"]),
                    fen(record["draw_recovery"]),
                    fen(record["adjustments"]),
                    fen(record["chargebacks"]),
                    fen(record["total"]),
                    len(record["lines"]),
                    json.dumps(record, sort_keys=True, ensure_ascii=False),
                )
            )
            for line in record["lines"]:
                lines.append(
                    (
                        period,
                        person,
                        line["n"],
                        line["component_key"],
                        line["component_type"],
                        fen(line["amount"]),
                        ",".join(line["source_deal_ids"]),
                        line["formula"],
                    )
                )
                for part in paid_parts(line):
                    paid.append(
                        (
                            part["deal_id"],
                            period,
                            person,
                            line["n"],
                            part["product_id"] or NO_PRODUCT,
                            line["component_type"],
                            fen(part["amount"]),
                        )
                    )
        tx.executemany(
            f"INSERT INTO {STATEMENTS} (period_id, salesperson_id, store_id, units_milli,"
            " commission_gross, back_gross, earnings, draw_recovery, adjustments, chargebacks,"
            " total, lines, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            statements,
        )
        tx.executemany(
            f"INSERT INTO {LINES} (period_id, salesperson_id, n, component_key, component_type,"
            " amount, deal_ids, formula) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
        tx.executemany(
            f"INSERT INTO {PAID} (deal_id, period_id, salesperson_id, n, product_id,"
            " component_type, amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
            paid,
        )
