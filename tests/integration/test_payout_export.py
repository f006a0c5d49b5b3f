"""The finance export of an approved pay period: the dramatiq job builds the workbook (or the
payroll CSV), the existing /exports routes poll and download it. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

from tests.integration.conftest import Api
from tests.integration.test_pay_periods_api import approved_may, fresh, may, open_period, step
from workers.actors.exports import CNY_FORMAT
from workers.actors.payouts import DETAIL_SHEET, SUMMARY_SHEET

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export(api: Api, period: str, **body: Any) -> tuple[dict[str, Any], Any]:
    """Request an export as finance, wait until the job is done, and download the file."""
    requested = api.post("finance", f"/pay-periods/{period}/exports", body)
    assert requested.status_code == 202, requested.text
    export_id = requested.json()["id"]
    deadline = time.monotonic() + 60
    while True:
        done = api.ok(api.get("finance", f"/exports/{export_id}"), 200)
        if done["status"] in ("completed", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert done["status"] == "completed", done
    return done, api.get("finance", f"/exports/{export_id}/file")


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_the_summary_totals_row_sums_every_column_with_formulas(api: Api) -> None:
    _, period = approved_may(api)
    totals = api.ok(api.get("finance", f"/pay-periods/{period}", params=fresh(api)), 200)["totals"]

    done, download = export(api, period)
    sheet = workbook(download.content)[SUMMARY_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    header, people, total_row = rows[0], rows[1:-1], rows[-1]

    assert done["kind"] == "payout_workbook"
    assert download.headers["content-type"] == XLSX
    assert len(people) == 2
    assert total_row[0] == "Total"
    checked = {}
    for index, title in enumerate(header, start=1):
        if title in ("Salesperson", "Staff id", "Store"):
            continue
        letter = get_column_letter(index)
        assert total_row[index - 1] == f"=SUM({letter}2:{letter}{len(people) + 1})"
        checked[title] = sum(Decimal(str(row[index - 1])) for row in people)
    assert checked["Total"] == Decimal(totals["total"])
    assert checked["Units"] == Decimal(totals["units"])
    assert checked["Commission gross"] == Decimal(totals["commission_gross"])
    assert checked["Back-end gross"] == Decimal(totals["back_gross"])
    for key, amount in totals["components"].items():
        assert checked[key] == Decimal(amount)
    # Each row adds up: components + adjustments + chargebacks + draw recovery = total.
    first_component = column_index_from_string("G")
    for row in people:
        assert sum(Decimal(str(v)) for v in row[first_component - 1 : -1]) == Decimal(str(row[-1]))


def test_amounts_are_numbers_in_a_cny_format(api: Api) -> None:
    _, period = approved_may(api)

    _, download = export(api, period)
    sheet = workbook(download.content)[SUMMARY_SHEET]
    total_cell = sheet.cell(row=2, column=sheet.max_column)

    assert isinstance(total_cell.value, int | float)
    assert total_cell.number_format == CNY_FORMAT
    assert sheet.cell(row=sheet.max_row, column=sheet.max_column).number_format == CNY_FORMAT


def test_the_detail_sheet_lists_every_line_with_its_source_deal(api: Api) -> None:
    world, period = approved_may(api)
    lines = sum(
        len(api.ok(api.get("finance", f"/pay-periods/{period}/statements/{p}"), 200)["lines"])
        for p in (world.a1, world.a2)
    )

    _, download = export(api, period, language="zh")
    book = workbook(download.content)
    detail = list(book[DETAIL_SHEET].iter_rows(values_only=True))

    assert book[SUMMARY_SHEET].cell(row=1, column=1).value == "销售顾问"
    assert detail[0][-1] == "金额"
    assert len(detail) - 1 == lines
    solo_lines = [row for row in detail[1:] if row[8] == str(world.solo)]
    assert sum(Decimal(str(row[-1])) for row in solo_lines) == Decimal("1800")


def test_the_payroll_csv_has_one_row_per_salesperson_summing_to_the_total(api: Api) -> None:
    world, period = approved_may(api)

    done, download = export(api, period, format="csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8"))))

    assert done["file_name"] == f"payouts-2026-05-store-{world.store.hex[:8]}.csv"
    assert {row["employee_id"] for row in rows} == {str(world.a1), str(world.a2)}
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("5400.00")
    assert {row["currency"] for row in rows} == {"CNY"}


def test_an_export_moves_the_period_to_exported_and_payment_to_paid(api: Api) -> None:
    _, period = approved_may(api)

    done, _ = export(api, period)
    exported = api.ok(api.get("finance", f"/pay-periods/{period}", params=fresh(api)), 200)
    step(api, "finance", period, "payment", {"reference": "ICBC-2026-06-05"})
    paid = api.ok(api.get("finance", f"/pay-periods/{period}", params=fresh(api)), 200)

    assert exported["status"] == "exported"
    assert exported["export_ids"] == [done["id"]]
    assert (paid["status"], paid["paid_reference"]) == ("paid", "ICBC-2026-06-05")


def test_an_unapproved_period_cannot_be_exported(api: Api) -> None:
    world = may(api)
    period = open_period(api, world.store, "2026-05")

    refused = api.post("finance", f"/pay-periods/{period}/exports", {})

    assert refused.status_code == 422


def test_a_salesperson_cannot_export_payouts(api: Api) -> None:
    _, period = approved_may(api)

    assert api.post("sales_a1", f"/pay-periods/{period}/exports", {}).status_code == 403
