"""Pay facts as the pay engine takes them, as known at any moment.

Record time ("known at") is the `timestamp` of the events; business time (`occurred_at`, the
store's day) decides the month. A fact recorded after `known_at` is not known yet; an unwind or
cancellation recorded after it has not happened yet. So `period_facts(month, known_at=T)` gives
back exactly what a pay run at T saw, however much the log has grown since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.pay.facts import CreditFact, PeriodFacts, ProductFact, SurveyFact
from domain.pay.ports import SurveyChange
from domain.shared import months
from domain.shared.shares import credited_units
from projections.common import Where
from projections.db import Database, Row, yuan
from projections.pay_facts.projection import (
    CREDITS,
    PRODUCTS,
    SURVEY_STATUS,
    SURVEYS,
    stamp,
)

_CREDIT_ORDER = "c.delivered_at, c.delivered_recorded_at, c.deal_id, c.ordinal"
_PRODUCT_ORDER = "p.deal_id, p.added_recorded_at, p.product_id"


@dataclass(frozen=True)
class UnwindFact:
    """A delivered deal unwound: the credits it gave, to be charged back.

    `credits` are the deal's credit facts with the products that stood when the unwind was
    recorded (a product cancelled earlier was charged back by its own cancellation).
    """

    deal_id: UUID
    store_id: UUID
    delivered_on: date
    unwound_at: datetime  # business time
    unwound_on: date  # business day in the store's timezone
    recorded_at: datetime  # record time
    reason: str
    credits: tuple[CreditFact, ...]

    @property
    def days_since_delivery(self) -> int:
        return (self.unwound_on - self.delivered_on).days


@dataclass(frozen=True)
class CancellationFact:
    """An F&I product cancelled after its deal was delivered: a chargeback of that product.

    `credits` are the deal's credit facts with the products that stood just before this
    cancellation (the cancelled product among them); `product` is the one cancelled.
    """

    deal_id: UUID
    store_id: UUID
    product: ProductFact
    delivered_on: date
    cancelled_at: datetime  # business time
    cancelled_on: date  # business day in the store's timezone
    recorded_at: datetime  # record time
    reason: str
    credits: tuple[CreditFact, ...]

    @property
    def days_since_delivery(self) -> int:
        return (self.cancelled_on - self.delivered_on).days


def period_facts(
    db: Database, month: str, store_id: UUID | None = None, known_at: datetime | None = None
) -> PeriodFacts:
    """The facts of a month's pay, as known at `known_at` (default: everything recorded).

    - credits: one per (deal, salesperson) of the deals delivered in the month (business day
      in the store's timezone) whose delivery was recorded by `known_at` and whose unwind (if
      any) was not; each with the deal's products added by then and not cancelled by then.
      Money is the whole deal's (selling price, front gross, pack, product income); `share`
      says how much of it is this salesperson's. In delivery order (business time, then
      record time, deal id, credit order).
    - surveys: one per (survey, credited salesperson) of the surveys answered in the month and
      recorded by `known_at`, excluded ones included with `excluded=True` (the exclusion as it
      stood at `known_at`): the pay engine leaves them out of CSI. Surveys of deals unwound
      later still count: they rate the customer's experience.
    - evaluation_scores and draw_balances are left empty (they are not sales facts).
    `store_id` None is the whole group.
    """
    months.parse(month)
    known = None if known_at is None else stamp(known_at)
    where = Where().add("c.month = ?", month).equal("c.store_id", store_id)
    if known is None:
        where.add("c.unwound_recorded_at IS NULL")
    else:
        where.add("c.delivered_recorded_at <= ?", known)
        where.add("(c.unwound_recorded_at IS NULL OR c.unwound_recorded_at > ?)", known)
    sql = f"SELECT c.* FROM {CREDITS} c{where.sql} ORDER BY {_CREDIT_ORDER}"
    rows = db.query(sql, where.params)
    products = _products_of_deals(
        db, f"SELECT c.deal_id FROM {CREDITS} c{where.sql}", where.params, known
    )
    credits = tuple(_credit(r, products.get(r["deal_id"], ())) for r in rows)
    return PeriodFacts(
        month=month,
        store_id=store_id,
        credits=credits,
        surveys=_surveys(db, month, store_id, known),
    )


def unwinds_between(
    db: Database,
    known_after: datetime,
    known_until: datetime,
    store_id: UUID | None = None,
) -> tuple[UnwindFact, ...]:
    """Deals whose unwind was recorded in (known_after, known_until], in record order.

    The window is open at its start and closed at its end, so consecutive windows
    (a, b], (b, c] list every unwind exactly once.
    """
    after, until = stamp(known_after), stamp(known_until)
    where = Where().add("c.unwound_recorded_at > ?", after).add("c.unwound_recorded_at <= ?", until)
    where.equal("c.store_id", store_id)
    rows = db.query(
        f"SELECT c.* FROM {CREDITS} c{where.sql}"
        " ORDER BY c.unwound_recorded_at, c.deal_id, c.ordinal",
        where.params,
    )
    products = _all_products(db, {r["deal_id"] for r in rows})
    unwinds: list[UnwindFact] = []
    for deal_rows in _grouped(rows):
        first = deal_rows[0]
        standing = _standing(products.get(first["deal_id"], []), first["unwound_recorded_at"])
        unwinds.append(
            UnwindFact(
                deal_id=UUID(first["deal_id"]),
                store_id=UUID(first["store_id"]),
                delivered_on=date.fromisoformat(first["delivered_on"]),
                unwound_at=datetime.fromisoformat(first["unwound_at"]),
                unwound_on=date.fromisoformat(first["unwound_on"]),
                recorded_at=datetime.fromisoformat(first["unwound_recorded_at"]),
                reason=first["unwind_reason"] or "",
                credits=tuple(_credit(r, standing) for r in deal_rows),
            )
        )
    return tuple(unwinds)


def cancellations_between(
    db: Database,
    known_after: datetime,
    known_until: datetime,
    store_id: UUID | None = None,
) -> tuple[CancellationFact, ...]:
    """Products cancelled after their deal's delivery, the cancellation recorded in
    (known_after, known_until], in record order. Cancellations before delivery are not listed:
    nothing was paid on them (the product is simply absent from the delivery's facts)."""
    after, until = stamp(known_after), stamp(known_until)
    where = Where().add("p.cancelled_after_delivery = 1")
    where.add("p.cancelled_recorded_at > ?", after).add("p.cancelled_recorded_at <= ?", until)
    where.equal("p.store_id", store_id)
    cancelled = db.query(
        f"SELECT p.* FROM {PRODUCTS} p{where.sql}"
        " ORDER BY p.cancelled_recorded_at, p.deal_id, p.product_id",
        where.params,
    )
    deal_ids = {r["deal_id"] for r in cancelled}
    products = _all_products(db, deal_ids)
    credits = _credits_of(db, deal_ids)
    facts: list[CancellationFact] = []
    for row in cancelled:
        deal_credits = credits.get(row["deal_id"], [])
        if not deal_credits:
            continue  # cannot happen: cancelled after delivery means the deal has credits
        # Just before this cancellation: the cancelled product itself still stood.
        standing = _standing(
            products.get(row["deal_id"], []), row["cancelled_recorded_at"], inclusive=True
        )
        facts.append(
            CancellationFact(
                deal_id=UUID(row["deal_id"]),
                store_id=UUID(row["store_id"]),
                product=_product(row),
                delivered_on=date.fromisoformat(deal_credits[0]["delivered_on"]),
                cancelled_at=datetime.fromisoformat(row["cancelled_at"]),
                cancelled_on=date.fromisoformat(row["cancelled_on"]),
                recorded_at=datetime.fromisoformat(row["cancelled_recorded_at"]),
                reason=row["cancel_reason"] or "",
                credits=tuple(_credit(r, standing) for r in deal_credits),
            )
        )
    return tuple(facts)


# --- helpers --------------------------------------------------------------------------------


def _credit(r: Row, products: Iterable[ProductFact]) -> CreditFact:
    return CreditFact(
        deal_id=UUID(r["deal_id"]),
        salesperson_id=UUID(r["salesperson_id"]),
        store_id=UUID(r["store_id"]),
        share=credited_units(int(r["share"])),
        delivered_at=datetime.fromisoformat(r["delivered_at"]),
        delivered_on=date.fromisoformat(r["delivered_on"]),
        condition=r["condition"],
        make=r["make"],
        model=r["model"],
        trim=r["trim"],
        days_in_stock=int(r["days_in_stock"]),
        selling_price=yuan(int(r["selling_price"])),
        front_gross=yuan(int(r["front_gross"])),
        pack=yuan(int(r["pack"])),
        products=tuple(products),
    )


def _product(r: Row) -> ProductFact:
    return ProductFact(
        product_id=UUID(r["product_id"]),
        kind=r["kind"],
        income=yuan(int(r["income"])),
        revenue=yuan(int(r["revenue"])),
        cost=yuan(int(r["cost"])),
    )


def _products_of_deals(
    db: Database, deal_ids_sql: str, params: Sequence[Any], known: str | None
) -> dict[str, tuple[ProductFact, ...]]:
    """Products of the deals the subquery selects, standing at `known` (None: now)."""
    where = Where().add(f"p.deal_id IN ({deal_ids_sql})", *params)
    if known is None:
        where.add("p.cancelled_recorded_at IS NULL")
    else:
        where.add("p.added_recorded_at <= ?", known)
        where.add("(p.cancelled_recorded_at IS NULL OR p.cancelled_recorded_at > ?)", known)
    sql = f"SELECT p.* FROM {PRODUCTS} p{where.sql} ORDER BY {_PRODUCT_ORDER}"
    rows = db.query(sql, where.params)
    found: dict[str, list[ProductFact]] = defaultdict(list)
    for r in rows:
        found[r["deal_id"]].append(_product(r))
    return {deal_id: tuple(items) for deal_id, items in found.items()}


def _in(column: str, values: Iterable[str]) -> tuple[str, list[str]]:
    items = sorted(values)
    return f"{column} IN ({', '.join('?' for _ in items)})", items


def _all_products(db: Database, deal_ids: set[str]) -> dict[str, list[Row]]:
    if not deal_ids:
        return {}
    clause, params = _in("p.deal_id", deal_ids)
    sql = f"SELECT p.* FROM {PRODUCTS} p WHERE {clause} ORDER BY {_PRODUCT_ORDER}"
    rows = db.query(sql, params)
    found: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        found[r["deal_id"]].append(r)
    return found


def _credits_of(db: Database, deal_ids: set[str]) -> dict[str, list[Row]]:
    if not deal_ids:
        return {}
    clause, params = _in("c.deal_id", deal_ids)
    sql = f"SELECT c.* FROM {CREDITS} c WHERE {clause} ORDER BY c.deal_id, c.ordinal"
    rows = db.query(sql, params)
    found: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        found[r["deal_id"]].append(r)
    return found


def _standing(rows: Iterable[Row], moment: str, *, inclusive: bool = False) -> list[ProductFact]:
    """Products added by `moment` and not cancelled before it (`inclusive`: nor at it)."""
    return [
        _product(r)
        for r in rows
        if r["added_recorded_at"] <= moment
        and (
            r["cancelled_recorded_at"] is None
            or r["cancelled_recorded_at"] > moment
            or (inclusive and r["cancelled_recorded_at"] == moment)
        )
    ]


def _grouped(rows: list[Row]) -> list[list[Row]]:
    """Consecutive rows of the same deal, together."""
    groups: list[list[Row]] = []
    for r in rows:
        if groups and groups[-1][0]["deal_id"] == r["deal_id"]:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def period_surveys(
    db: Database, month: str, store_id: UUID | None = None, known_at: datetime | None = None
) -> tuple[SurveyFact, ...]:
    """The month's surveys as known at `known_at`, as `period_facts` gives them."""
    months.parse(month)
    return _surveys(db, month, store_id, None if known_at is None else stamp(known_at))


def survey_changes(
    db: Database,
    known_after: datetime,
    known_until: datetime,
    store_id: UUID | None = None,
) -> tuple[SurveyChange, ...]:
    """Surveys answered, excluded or reinstated with a record time in (known_after, known_until],
    one per (change, salesperson rated), in record order. Open at the start and closed at the
    end, like `unwinds_between`."""
    where = Where().add("t.recorded_at > ?", stamp(known_after))
    where.add("t.recorded_at <= ?", stamp(known_until)).equal("s.store_id", store_id)
    rows = db.query(
        f"SELECT s.survey_id, s.salesperson_id, s.store_id, s.month, t.recorded_at"
        f" FROM {SURVEY_STATUS} t JOIN {SURVEYS} s ON s.survey_id = t.survey_id{where.sql}"
        " ORDER BY t.recorded_at, s.survey_id, t.version, s.ordinal",
        where.params,
    )
    return tuple(
        SurveyChange(
            survey_id=UUID(r["survey_id"]),
            salesperson_id=UUID(r["salesperson_id"]),
            store_id=UUID(r["store_id"]),
            month=r["month"],
            recorded_at=datetime.fromisoformat(r["recorded_at"]),
        )
        for r in rows
    )


def _surveys(
    db: Database, month: str, store_id: UUID | None, known: str | None
) -> tuple[SurveyFact, ...]:
    where = Where().add("s.month = ?", month).equal("s.store_id", store_id)
    if known is not None:
        where.add("s.recorded_at <= ?", known)
    rows = db.query(
        f"SELECT s.* FROM {SURVEYS} s{where.sql} ORDER BY s.answered_on, s.survey_id, s.ordinal",
        where.params,
    )
    if not rows:
        return ()
    status = Where().add(f"t.survey_id IN (SELECT s.survey_id FROM {SURVEYS} s{where.sql})")
    status.params.extend(where.params)
    if known is not None:
        status.add("t.recorded_at <= ?", known)
    excluded: dict[str, bool] = {}
    for t in db.query(
        f"SELECT t.survey_id, t.excluded FROM {SURVEY_STATUS} t{status.sql}"
        " ORDER BY t.survey_id, t.version",
        status.params,
    ):
        excluded[t["survey_id"]] = bool(t["excluded"])  # the latest known wins
    return tuple(
        SurveyFact(
            survey_id=UUID(r["survey_id"]),
            deal_id=UUID(r["deal_id"]),
            salesperson_id=UUID(r["salesperson_id"]),
            score=Decimal(int(r["score"])),
            answered_on=date.fromisoformat(r["answered_on"]),
            excluded=excluded.get(r["survey_id"], False),
            store_id=UUID(r["store_id"]),
        )
        for r in rows
    )
