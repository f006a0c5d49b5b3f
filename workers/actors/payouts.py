"""Payout exports: an approved pay period's workbook for finance, or its CSV for payroll.

The workbook has a summary sheet — one row per salesperson (units, commission gross, back-end
gross, each plan component, adjustments, chargebacks, draw recovery, total) and a totals row of
`=SUM(...)` formulas that evaluate to the approved totals — and a detail sheet with every
statement line and its source deals. Amounts are numbers in a CNY format. The CSV is what a
payroll system imports: one row per salesperson with the amount to pay.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import dramatiq
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from domain.pay.periods import period_id
from domain.pay.records import OWN_LINE_TYPES
from domain.reporting.model import Export, ExportKind, Language
from projections.db import Database
from projections.directory import queries as directory
from projections.payouts import queries as payouts
from workers.actors.exports import CNY_FORMAT, MAX_RETRIES, Workbook, run_export
from workers.context import PLACEHOLDER_BROKER
from workers.customer_keys import CustomerKeys
from workers.reveal import reveal_field

if TYPE_CHECKING:
    from workers.runtime import Runtime

log = logging.getLogger(__name__)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
SUMMARY_SHEET, DETAIL_SHEET = "Summary", "Lines"
UNITS_FORMAT = "0.00"
PAGE = 1000

# Fixed columns of the summary sheet around the per-component ones.
LEADING = ("salesperson", "salesperson_id", "store", "units", "commission_gross", "back_gross")
TRAILING = ("adjustments", "chargebacks", "draw_recovery", "total")
DETAIL = (
    "salesperson",
    "salesperson_id",
    "store",
    "line",
    "component",
    "component_type",
    "plan",
    "formula",
    "source_deals",
    "links",
    "amount",
)
CSV_COLUMNS = ("employee_id", "name", "store", "month", "units", "amount", "currency", "period_id")

HEADERS: dict[str, tuple[str, str]] = {
    "salesperson": ("Salesperson", "销售顾问"),
    "salesperson_id": ("Staff id", "员工编号"),
    "store": ("Store", "门店"),
    "units": ("Units", "台数"),
    "commission_gross": ("Commission gross", "佣金毛利"),
    "back_gross": ("Back-end gross", "后端毛利"),
    "adjustments": ("Adjustments", "调整"),
    "chargebacks": ("Chargebacks", "扣回"),
    "draw_recovery": ("Draw recovery", "预支回收"),
    "total": ("Total", "合计"),
    "line": ("Line", "行号"),
    "component": ("Component", "项目"),
    "component_type": ("Type", "类型"),
    "plan": ("Plan (version)", "方案(版本)"),
    "formula": ("Formula", "计算公式"),
    "source_deals": ("Source deals", "来源交易"),
    "links": ("Original lines", "原始行"),
    "amount": ("Amount", "金额"),
}
TOTAL_LABEL = ("Total", "合计")


def header(key: str, language: Language) -> str:
    en, zh = HEADERS.get(key, (key, key))
    return zh if language is Language.ZH else en


def summary_columns(totals: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The summary's columns as (kind, key): the fixed ones around every component key."""
    return [
        *(("fixed", k) for k in LEADING),
        *(("component", k) for k in sorted(totals.get("components", {}))),
        *(("fixed", k) for k in TRAILING),
    ]


def column_title(kind: str, key: str, language: Language) -> str:
    """A fixed column's header in the language; a component's is its plan key."""
    return header(key, language) if kind == "fixed" else key


def _number(value: Any) -> Decimal:
    return Decimal(str(value))


def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _money(sheet: Any, value: Any, number_format: str = CNY_FORMAT, bold: bool = False) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def build_payout_workbook(
    records: Sequence[Mapping[str, Any]],
    totals: Mapping[str, Any],
    names: Mapping[str, str],
    stores: Mapping[str, str],
    language: Language,
) -> bytes:
    """The .xlsx bytes of a period's payouts (records: approved statement records)."""
    book = XlsxWorkbook(write_only=True)
    columns = summary_columns(totals)
    summary = book.create_sheet(SUMMARY_SHEET)
    summary.freeze_panes = "A2"
    for index, (_, key) in enumerate(columns, start=1):
        width = 14 if key not in ("salesperson", "salesperson_id") else 24
        summary.column_dimensions[get_column_letter(index)].width = width
    summary.append([_bold(summary, column_title(kind, k, language)) for kind, k in columns])
    for record in records:
        person = record["salesperson_id"]
        row: list[Any] = []
        for kind, key in columns:
            if kind == "component":
                row.append(_money(summary, _number(record["components"].get(key, "0"))))
            elif key == "salesperson":
                row.append(names.get(person, ""))
            elif key == "salesperson_id":
                row.append(person)
            elif key == "store":
                row.append(stores.get(record["store_id"] or "", ""))
            elif key == "units":
                row.append(_money(summary, _number(record["units"]), UNITS_FORMAT))
            else:
                row.append(_money(summary, _number(record[key])))
        summary.append(row)
    last = len(records) + 1
    totals_row: list[Any] = [_bold(summary, TOTAL_LABEL[language is Language.ZH])]
    for index, (kind, key) in enumerate(columns[1:], start=2):
        if kind == "fixed" and key in ("salesperson_id", "store"):
            totals_row.append(None)
            continue
        letter = get_column_letter(index)
        formula = f"=SUM({letter}2:{letter}{last})"
        number_format = UNITS_FORMAT if (kind, key) == ("fixed", "units") else CNY_FORMAT
        totals_row.append(_money(summary, formula, number_format, bold=True))
    summary.append(totals_row)

    detail = book.create_sheet(DETAIL_SHEET)
    detail.freeze_panes = "A2"
    detail.append([_bold(detail, header(k, language)) for k in DETAIL])
    for record in records:
        person = record["salesperson_id"]
        name = names.get(person, "")
        store = stores.get(record["store_id"] or "", "")
        planned = (
            "" if record["plan_id"] is None else f"{record['plan_id']} v{record['plan_version']}"
        )
        for line in record["lines"]:
            plan = "" if line["component_type"] in OWN_LINE_TYPES else planned
            links = "; ".join(f"{link['period_id']} #{link['n']}" for link in line.get("links", ()))
            # Empty texts are left out (None): write-only sheets skip them, a third faster.
            detail.append(
                [
                    name or None,
                    person,
                    store or None,
                    line["n"],
                    line["component_key"],
                    line["component_type"],
                    plan or None,
                    line["formula"],
                    ", ".join(line["source_deal_ids"]) or None,
                    links or None,
                    _money(detail, _number(line["amount"])),
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_payout_csv(
    records: Sequence[Mapping[str, Any]],
    month: str,
    ident: UUID,
    names: Mapping[str, str],
    stores: Mapping[str, str],
) -> bytes:
    """Payroll import: one row per salesperson, machine headers, amounts with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        person = record["salesperson_id"]
        writer.writerow(
            [
                person,
                names.get(person, ""),
                stores.get(record["store_id"] or "", ""),
                month,
                record["units"],
                f"{_number(record['total']):.2f}",
                "CNY",
                str(ident),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def staff_names(
    db: Database, keys: CustomerKeys | None = None, language: str | None = None
) -> dict[str, str]:
    """Every staff member's name by id, from the directory: sealed as the view keeps them, or
    revealed with the key store (`keys`) for a file the user asked for with names."""
    rows: list[dict[str, Any]] = []
    while True:
        result = directory.list_staff(db, limit=PAGE, offset=len(rows))
        rows += result["items"]
        if not result["items"] or len(rows) >= result["total"]:
            break
    if keys is not None:
        rows = reveal_field(keys, rows, language=language)
    return {str(item["id"]): item["name"] for item in rows}


def store_names(db: Database) -> dict[str, str]:
    names: dict[str, str] = {}
    offset = 0
    while True:
        result = directory.list_stores(db, limit=PAGE, offset=offset)
        for item in result["items"]:
            names[str(item["id"])] = item["name"]
        offset += len(result["items"])
        if not result["items"] or offset >= result["total"]:
            return names


def build_payout_export(db: Database, export: Export, keys: CustomerKeys | None = None) -> Workbook:
    """The file of a payout export, from the approved snapshot in the payouts view; names
    revealed with the key store (`keys`): payroll asked for a file with names."""
    ident = period_id(export.store_id, export.month)
    period = payouts.get_period(db, ident)
    if period is None or period["totals"] is None:
        raise LookupError(f"pay period {ident} has no approved snapshot in the view")
    records = payouts.snapshot_statements(db, ident)
    names, stores = staff_names(db, keys, export.language), store_names(db)
    scope = export.scope
    if export.kind is ExportKind.PAYOUT_CSV:
        content = build_payout_csv(records, export.month, ident, names, stores)
        return Workbook(
            f"payouts-{export.month}-{scope}.csv", content, len(records), CSV_CONTENT_TYPE
        )
    content = build_payout_workbook(records, period["totals"], names, stores, export.language)
    return Workbook(f"payouts-{export.month}-{scope}.xlsx", content, len(records))


def _note_on_period(runtime: Runtime, export: Export) -> None:
    # Noted on the period before the export completes: a retry after a crash in between finds
    # the export unfinished and the period already noted (record_export is idempotent).
    runtime.payroll.record_export(period_id(export.store_id, export.month), export.id)


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=MAX_RETRIES)
def export_payouts(export_id: str, position: int = 0) -> None:
    """Build and store a pay period's payout workbook or CSV (idempotent; retried on error)."""
    run_export(
        export_id,
        position,
        lambda runtime, export: build_payout_export(runtime.db, export, runtime.customer_keys),
        before_complete=_note_on_period,
    )
