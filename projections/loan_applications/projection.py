"""One row per loan application: its terms, where it stands, and the lender's answers, for the
deal's F&I panel and the managers' list of loans declined on contracted deals."""

from __future__ import annotations

from typing import Any

from domain.finance.model import LoanApplication, LoanStatus
from domain.sales.model import Deal
from projections.common import sid, utc_iso
from projections.db import Tx, fen
from projections.projection import Projection, handles

TABLE = "rm_loan_application"
DEALS = "rm_loan_application_deal_status"


class LoanApplicationsProjection(Projection):
    """Applications with their terms and answers; a deal's status as it stands now (a declined
    loan on a deal since cancelled or unwound no longer waits for anyone)."""

    name = "loan_applications"
    tables = (TABLE, DEALS)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        " application_id TEXT PRIMARY KEY, deal_id TEXT NOT NULL, store_id TEXT NOT NULL,"
        " salesperson_id TEXT NOT NULL, lender TEXT NOT NULL, amount BIGINT NOT NULL,"
        " term_months INTEGER NOT NULL, down_payment BIGINT NOT NULL, rate TEXT NOT NULL,"
        " status TEXT NOT NULL, conditions TEXT, reason TEXT, lender_reference TEXT,"
        " income BIGINT, income_basis TEXT, deal_status_at_answer TEXT,"
        " submitted_at TEXT NOT NULL, answered_at TEXT, funded_at TEXT,"
        " version INTEGER NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_by_deal ON {TABLE} (deal_id, submitted_at)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_status ON {TABLE} (status, store_id)",
        f"CREATE TABLE IF NOT EXISTS {DEALS} ( deal_id TEXT PRIMARY KEY, status TEXT NOT NULL)",
    )

    @handles(LoanApplication.Submitted)
    def on_submitted(self, event: LoanApplication.Submitted, tx: Tx) -> None:
        tx.execute(
            f"INSERT INTO {TABLE} (application_id, deal_id, store_id, salesperson_id, lender,"
            " amount, term_months, down_payment, rate, status, submitted_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (application_id) DO NOTHING",
            (
                sid(event.originator_id),
                sid(event.deal_id),
                sid(event.store_id),
                sid(event.salesperson_id),
                event.lender,
                fen(event.amount),
                event.term_months,
                fen(event.down_payment),
                str(event.rate),
                LoanStatus.SUBMITTED.value,
                utc_iso(event.occurred_at),
                event.originator_version,
            ),
        )

    @handles(LoanApplication.Approved)
    def on_approved(self, event: LoanApplication.Approved, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=LoanStatus.APPROVED.value,
            conditions=event.conditions,
            lender_reference=event.lender_reference,
            answered_at=utc_iso(event.occurred_at),
        )

    @handles(LoanApplication.Declined)
    def on_declined(self, event: LoanApplication.Declined, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=LoanStatus.DECLINED.value,
            reason=event.reason,
            lender_reference=event.lender_reference,
            deal_status_at_answer=event.deal_status,
            answered_at=utc_iso(event.occurred_at),
        )

    @handles(LoanApplication.Funded)
    def on_funded(self, event: LoanApplication.Funded, tx: Tx) -> None:
        self._set(
            tx,
            event,
            status=LoanStatus.FUNDED.value,
            income=fen(event.income),
            income_basis=event.income_basis,
            lender_reference=event.lender_reference,
            funded_at=utc_iso(event.occurred_at),
        )

    @handles(LoanApplication.Withdrawn)
    def on_withdrawn(self, event: LoanApplication.Withdrawn, tx: Tx) -> None:
        self._set(tx, event, status=LoanStatus.WITHDRAWN.value, reason=event.reason)

    # --- the deal's status ----------------------------------------------------------------------

    @handles(Deal.Opened)
    def on_deal_opened(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "open")

    @handles(Deal.Quoted, Deal.VehicleAttached)
    def on_deal_negotiating(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "quoted" if isinstance(event, Deal.Quoted) else "open")

    @handles(Deal.ContractSigned)
    def on_deal_contracted(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "contracted")

    @handles(Deal.Delivered)
    def on_deal_delivered(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "delivered")

    @handles(Deal.Unwound)
    def on_deal_unwound(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "unwound")

    @handles(Deal.Cancelled)
    def on_deal_cancelled(self, event: Any, tx: Tx) -> None:
        self._deal(tx, event, "cancelled")

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _deal(tx: Tx, event: Any, status: str) -> None:
        tx.execute(
            f"INSERT INTO {DEALS} (deal_id, status) VALUES (?, ?)"
            " ON CONFLICT (deal_id) DO UPDATE SET status = excluded.status",
            (sid(event.originator_id), status),
        )

    @staticmethod
    def _set(tx: Tx, event: Any, **columns: Any) -> None:
        columns["version"] = event.originator_version
        sets = ", ".join(f"{c} = ?" for c in columns)
        tx.execute(
            f"UPDATE {TABLE} SET {sets} WHERE application_id = ?",
            (*columns.values(), sid(event.originator_id)),
        )
