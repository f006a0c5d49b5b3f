"""Pay in a real browser at both sizes: finance takes a period from open to a downloaded
workbook; a salesperson reads their statement and has a line explained."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_scroll
from workers.actors.payouts import SUMMARY_SHEET

# The stores in the store list, one per size, so the two runs of a journey on one server do not
# open the same period twice.
STORE_OF_SIZE = {"phone": 0, "desktop": 1}


def test_finance_closes_and_approves_a_period_and_downloads_the_workbook(
    new_page: Callable[..., Page], size: str, tmp_path: Path
) -> None:
    """Open last month's period of a store, close it, request its approval (it waits for
    another person), the admin confirms it from the queue, then finance exports it and
    downloads the workbook: a real .xlsx with the summary sheet."""
    page = new_page(size, user="finance")
    page.goto("/app/pay/periods")
    page.select_option("#f-store", index=STORE_OF_SIZE[size])
    page.click("form[action='/app/pay/periods'] button[type=submit]")
    page.wait_for_url("**/app/pay/periods/*")
    expect(page.locator(".steps .current")).to_have_text("进行中")
    assert no_horizontal_scroll(page)

    page.click("form[action$='/close'] button")
    expect(page.locator(".steps .current")).to_have_text("已关账")
    page.click("form[action$='/approval'] button")
    expect(page.locator("#approval-request")).to_contain_text("等待另一人确认")
    period_path = page.url.split("/app/")[1].split("?")[0]
    admin = new_page(size, user="admin")
    admin.goto("/app/pay/periods")
    expect(admin.locator("#waiting-for-you")).to_be_visible()
    assert no_horizontal_scroll(admin)
    admin.click(f"#waiting-for-you form[action='/app/{period_path}/approval/confirmation'] button")
    expect(admin.locator(".steps .current")).to_have_text("已审批")
    page.reload()
    expect(page.locator(".steps .current")).to_have_text("已审批")
    page.click("form[action$='/exports'] button[type=submit]")
    download_link = page.locator("a[href$='/file']").first
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as started:
        download_link.click()
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)

    assert saved.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(saved)
    assert SUMMARY_SHEET in workbook.sheetnames
    assert workbook[SUMMARY_SHEET].max_row >= 2  # a header, people, the totals row
    assert no_horizontal_scroll(page)


def open_this_months_group_period(page: Page) -> None:
    """As finance: the group's period of this month (already open on a second run: refused
    inline, which is fine)."""
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    page.goto("/app/pay/periods")
    page.select_option("#f-store", value="group")
    page.fill("#f-month", month)
    page.click("form[action='/app/pay/periods'] button[type=submit]")
    page.wait_for_load_state()


def test_a_salesperson_reads_their_statement_and_explains_a_line(
    new_page: Callable[..., Page], size: str
) -> None:
    """My statements lists the periods; the statement shows its lines; a line explains itself
    with its formula, figures and the deal's events."""
    open_this_months_group_period(new_page("desktop", user="finance"))
    page = new_page(size, user="sales1")

    page.goto("/app/pay/mine")
    page.locator(".list a.row").first.click()
    expect(page.locator("h1")).to_contain_text("工资单")
    assert no_horizontal_scroll(page)
    page.locator(".lines a.row").first.click()

    expect(page.locator("h1")).to_have_text("第 1 行明细说明")
    expect(page.locator("#dispute-heading")).to_be_visible()
    assert no_horizontal_scroll(page)
