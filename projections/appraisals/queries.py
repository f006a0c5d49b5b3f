"""The appraisal list and the look-to-book ratio per store or appraiser for a month."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.appraisals.model import AppraisalStatus
from domain.shared.access import ReadScope
from projections.appraisals.projection import TABLE
from projections.common import Where, moment, page, paged, uid
from projections.db import Database, Row, yuan

# What the ratio groups by, and the columns that hold it.
GROUPINGS = {"store": ("store_id",), "appraiser": ("store_id", "appraiser_id")}
_RATIO = Decimal("0.01")
_RATE = Decimal("0.0001")


def appraisals(
    db: Database,
    *,
    scope: ReadScope,
    now: datetime,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Appraisals of the scope's stores, newest first. An offer past its expiry that nobody
    closed yet shows `offer_expired` true (it can no longer be traded in).

    Items: id, store_id, appraiser_id, customer_id, vin, make, model, trim, colour, model_year,
    mileage_km, grade, status, repair_estimate, acv, offer (Decimal yuan or None), expires_at,
    offer_expired, deal_id, vehicle_id, created_at, month, closed_at.
    """
    store_id, _ = scope.narrowed()
    where = Where().equal("store_id", store_id).equal("status", status)
    rows, total = page(
        db,
        f"SELECT * FROM {TABLE}{where.sql}",
        where.params,
        "created_at DESC, appraisal_id",
        limit,
        offset,
    )
    return paged([_line(r, now) for r in rows], total, limit, offset)


def _money(fen: int | None) -> Decimal | None:
    return None if fen is None else yuan(int(fen))


def _line(r: Row, now: datetime) -> dict[str, Any]:
    expires_at = moment(r["expires_at"])
    return {
        "id": uid(r["appraisal_id"]),
        "store_id": uid(r["store_id"]),
        "appraiser_id": uid(r["appraiser_id"]),
        "customer_id": uid(r["customer_id"]),
        "vin": r["vin"],
        "make": r["make"],
        "model": r["model"],
        "trim": r["trim"],
        "colour": r["colour"],
        "model_year": int(r["model_year"]),
        "mileage_km": int(r["mileage_km"]),
        "grade": r["grade"],
        "status": r["status"],
        "repair_estimate": yuan(int(r["repair_estimate"])),
        "acv": _money(r["acv"]),
        "offer": _money(r["offer"]),
        "expires_at": expires_at,
        "offer_expired": r["status"] == AppraisalStatus.OFFERED.value
        and expires_at is not None
        and now > expires_at,
        "deal_id": uid(r["deal_id"]),
        "vehicle_id": uid(r["vehicle_id"]),
        "created_at": moment(r["created_at"]),
        "month": r["month"],
        "closed_at": moment(r["closed_at"]),
    }


def look_to_book(
    db: Database, month: str, *, scope: ReadScope, by: str = "store"
) -> dict[str, Any]:
    """Appraisals made in `month` (looks) and how many of them became stock (books), per
    store or per appraiser of the scope's stores.

    A book is an appraisal acquired as a trade-in, counted in the month of its look whenever
    the car came in, so a month's ratio can still rise while its offers are open.
    Answer: {month, by, rows: [{store_id, appraiser_id (None by store), looks, books,
    declined, expired, open, looks_per_book (None without books), book_rate}], total: {...}}.
    """
    store_id, _ = scope.narrowed()
    columns = GROUPINGS[by]
    where = Where().add("month = ?", month).equal("store_id", store_id)
    group = ", ".join(columns)
    acquired, declined, expired = (
        AppraisalStatus.ACQUIRED.value,
        AppraisalStatus.DECLINED.value,
        AppraisalStatus.EXPIRED.value,
    )
    rows = db.query(
        f"SELECT {group}, COUNT(*) AS looks,"
        " SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS books,"
        " SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS declined,"
        " SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS expired"
        f" FROM {TABLE}{where.sql} GROUP BY {group} ORDER BY {group}",
        (acquired, declined, expired, *where.params),
    )
    lines = [
        _ratio(
            {
                "store_id": uid(r["store_id"]),
                "appraiser_id": uid(r["appraiser_id"]) if by == "appraiser" else None,
            },
            int(r["looks"]),
            int(r["books"] or 0),
            int(r["declined"] or 0),
            int(r["expired"] or 0),
        )
        for r in rows
    ]
    total = _ratio(
        {"store_id": store_id, "appraiser_id": None},
        sum(line["looks"] for line in lines),
        sum(line["books"] for line in lines),
        sum(line["declined"] for line in lines),
        sum(line["expired"] for line in lines),
    )
    return {"month": month, "by": by, "rows": lines, "total": total}


def _ratio(
    key: dict[str, Any], looks: int, books: int, declined: int, expired: int
) -> dict[str, Any]:
    return key | {
        "looks": looks,
        "books": books,
        "declined": declined,
        "expired": expired,
        "open": looks - books - declined - expired,
        "looks_per_book": (
            None if books == 0 else (Decimal(looks) / books).quantize(_RATIO, ROUND_HALF_UP)
        ),
        "book_rate": (
            Decimal(0) if looks == 0 else (Decimal(books) / looks).quantize(_RATE, ROUND_HALF_UP)
        ),
    }
