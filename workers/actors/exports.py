"""Export jobs: build a month's KPI and leaderboard workbook and keep it for download."""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import dramatiq
import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from domain.reporting.model import Export, Language
from domain.shared.actor import SYSTEM
from domain.shared.errors import ConflictError
from projections.db import Database
from projections.directory import queries as directory
from projections.leaderboard.queries import leaderboard
from projections.runner import wait_for
from projections.salesperson_kpi.projection import COUNTERS
from projections.salesperson_kpi.queries import kpi_table
from workers import context, files
from workers.context import PLACEHOLDER_BROKER
from workers.customer_keys import CustomerKeys
from workers.reveal import reveal_field

if TYPE_CHECKING:
    from workers.runtime import Runtime

log = logging.getLogger(__name__)

MAX_RETRIES = 5
PAGE = 1000  # the largest page the views' queries hand out
CNY_FORMAT = "¥#,##0.00"
KPI_SHEET, LEADERBOARD_SHEET = "KPIs", "Leaderboard"

# Every KPI of the salesperson_kpi view, so a counter added there shows up here too.
KPI_COLUMNS = ("salesperson", "store", *COUNTERS, "avg_response_seconds")
LEADERBOARD_COLUMNS = ("rank", "salesperson", "store", "units", "gross", "revenue")
NUMBER_FORMATS = {
    "revenue": CNY_FORMAT,
    "front_gross": CNY_FORMAT,
    "gross": CNY_FORMAT,
    "avg_response_seconds": "0.0",
}

# Column headers by language; a column missing here gets its key in words, in both.
HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("Rank", "排名"),
    "salesperson": ("Salesperson", "销售顾问"),
    "store": ("Store", "门店"),
    "leads_assigned": ("Leads assigned", "分配线索数"),
    "first_responses": ("First responses", "首次响应数"),
    "response_seconds": ("Response time, total (s)", "响应总时长(秒)"),
    "activities": ("Activities", "跟进次数"),
    "appointments_set": ("Appointments set", "预约数"),
    "appointments_shown": ("Appointments shown", "到店数"),
    "deals_contracted": ("Deals contracted", "签约数"),
    "units_delivered": ("Units delivered", "交车台数"),
    "revenue": ("Revenue", "销售额"),
    "front_gross": ("Front gross", "前端毛利"),
    "avg_response_seconds": ("Average response (s)", "平均响应时长(秒)"),
    "units": ("Units", "台数"),
    "gross": ("Gross", "毛利"),
}


@dataclass(frozen=True)
class Workbook:
    """A built export file (a workbook, or a CSV)."""

    file_name: str
    content: bytes
    rows: int
    content_type: str = files.XLSX_CONTENT_TYPE

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def header(key: str, language: Language) -> str:
    words = key.replace("_", " ").capitalize()
    en, zh = HEADERS.get(key, (words, words))
    return zh if language is Language.ZH else en


def _cell(value: Any) -> Any:
    """A value as the sheet holds it: ids as text, the rest (Decimal money too) unchanged."""
    return str(value) if isinstance(value, UUID) else value


def _write_sheet(
    writer: Any,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    language: Language,
) -> None:
    frame = pd.DataFrame(
        [[_cell(r.get(c)) for c in columns] for r in rows],
        columns=[header(c, language) for c in columns],
    )
    frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
    sheet = writer.sheets[name]
    bold = Font(bold=True)
    for index, key in enumerate(columns, start=1):
        letter = get_column_letter(index)
        title = sheet.cell(row=1, column=index)
        title.font = bold
        sheet.column_dimensions[letter].width = min(max(len(str(title.value)) * 1.3 + 2, 10), 40)
        number_format = NUMBER_FORMATS.get(key)
        if number_format is None:
            continue
        for row in range(2, len(rows) + 2):
            sheet.cell(row=row, column=index).number_format = number_format


def build_workbook(
    kpis: Sequence[Mapping[str, Any]],
    leaderboard: Sequence[Mapping[str, Any]],
    language: Language,
) -> bytes:
    """The .xlsx bytes: a KPI sheet and a leaderboard sheet, bold frozen headers, CNY money."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _write_sheet(writer, KPI_SHEET, kpis, KPI_COLUMNS, language)
        _write_sheet(writer, LEADERBOARD_SHEET, leaderboard, LEADERBOARD_COLUMNS, language)
    return buffer.getvalue()


def build_export(db: Database, export: Export, keys: CustomerKeys | None = None) -> Workbook:
    """Query the views for the export's month and scope, and lay the figures out. The
    salespeople's names are sealed in the views; with the key store (`keys`) they are
    revealed into the file, which the user asked for with names (an export file holds them in
    clear until it is deleted after the retention period, docs/personal-data.md)."""
    stores = _StoreNames(db)
    kpi_lines = _all(kpi_table, db, month=export.month, store_id=export.store_id)
    board_lines = _all(leaderboard, db, month=export.month, store_id=export.store_id)
    if keys is not None:
        kpi_lines = reveal_field(keys, kpi_lines, language=export.language)
        board_lines = reveal_field(keys, board_lines, language=export.language)
    kpis = [
        {**line, "salesperson": line["name"], "store": stores.name(line["store_id"])}
        for line in kpi_lines
    ]
    board = [
        {**line, "salesperson": line["name"], "store": line["store_name"]} for line in board_lines
    ]
    content = build_workbook(kpis, board, export.language)
    file_name = f"kpi-{export.month}-{export.scope}.xlsx"
    return Workbook(file_name=file_name, content=content, rows=len(kpis))


def _all(query: Callable[..., dict[str, Any]], db: Database, **filters: Any) -> list[Any]:
    """Every item of a paginated view query."""
    items: list[Any] = []
    while True:
        result = query(db, **filters, limit=PAGE, offset=len(items))
        items.extend(result["items"])
        if not result["items"] or len(items) >= result["total"]:
            return items


class _StoreNames:
    """Store names from the directory view, each looked up once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._names: dict[UUID, str] = {}

    def name(self, store_id: UUID | None) -> str:
        if store_id is None:
            return ""
        if store_id not in self._names:
            store = directory.get_store(self.db, store_id)
            self._names[store_id] = "" if store is None else str(store["name"])
        return self._names[store_id]


def run_export(
    export_id: str,
    position: int,
    build: Callable[[Runtime, Export], Workbook],
    before_complete: Callable[[Runtime, Export], None] | None = None,
) -> None:
    """One try at a requested export: wait for the views to reach its request, build the file,
    store it, complete the export. Idempotent: a finished export is left alone, so a message
    delivered twice (or a retry after success) does nothing. The attempt count lives in the
    export's own events (Started.attempt), so the last try is known without broker middleware:
    it is the one after MAX_RETRIES retries, and it marks the export failed."""
    runtime = context.runtime()
    reporting = runtime.reporting
    ident = UUID(export_id)
    export = reporting.get_export(SYSTEM, ident)
    if export.done:
        return
    reporting.start(ident)
    attempt = export.attempts + 1
    try:
        names = [p.name for p in runtime.runner.projections]
        wait_for(runtime.db, names, position, runtime.settings.read_wait_seconds)
        built = build(runtime, export)
        files.save_file(runtime.db, ident, built.file_name, built.content_type, built.content)
        if before_complete is not None:
            before_complete(runtime, export)
        reporting.complete(ident, built.file_name, len(built.content), built.sha256, built.rows)
        log.info("export %s completed: %d rows", export_id, built.rows)
    except Exception as error:
        if attempt > MAX_RETRIES:
            log.error("export %s failed for good after %d attempts", export_id, attempt)
            reporting.fail(ident, f"{type(error).__name__}: {error}")
        raise


@dramatiq.actor(broker=PLACEHOLDER_BROKER, queue_name="default", max_retries=MAX_RETRIES)
def export_kpi_month(export_id: str, position: int = 0) -> None:
    """Build and store the workbook of a requested export (idempotent; retried on error)."""
    run_export(
        export_id,
        position,
        lambda runtime, export: build_export(runtime.db, export, runtime.customer_keys),
    )


def build_here(
    actor: Callable[[str, int], None], export_id: UUID, position: int, wait_seconds: float
) -> None:
    """Run an export's job in this process, now (the CLI wants the file at once).

    The dispatcher sends the same export to a worker as well; should that worker take it at the
    same moment, the first completion wins (optimistic concurrency) and this waits for it."""
    try:
        actor(str(export_id), position)
    except ConflictError:
        reporting = context.runtime().reporting
        deadline = time.monotonic() + wait_seconds
        while not reporting.get_export(SYSTEM, export_id).done:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
