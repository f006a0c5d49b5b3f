"""A realistic dealer group at scale: `showroom demo --bulk --stores N --months M --seed S`.

One simulation of the sales floor drives one of two *floors* (write paths):

- `ServiceFloor` calls the context services, one command and one save at a time, exactly as
  the API would (scope checks, loads, read-your-writes phone index);
- `BulkFloor` runs the same commands on the domain aggregates themselves (their public
  command methods, so every invariant is still enforced) and keeps them in memory, stamping
  the actor with `acting_as` like the services do. After each command it collects the new
  events in command order and saves them in batches, one transaction per batch, with
  `app.save(*events)`. The log therefore holds the same events in the same order as the
  service path would write (the tests compare the two topic by topic), at a fraction of the
  cost: no aggregate is ever reloaded, no password hashed twice, no phone looked up.

What the group looks like: stores of eight brands in Chinese cities, each with a manager and a
sales team; models and trims with list prices, dealer costs and discounts per brand; leads
from six channels, each with its own funnel (contact, appointment, show, deal); seasonality
(the Spring Festival dip, "金三银四", the summer lull, Golden Week and the year-end push) on
top of busier weekends; opening stock, weekly reorders and repricing of aged stock; used cars
bought in and trade-ins taken on deliveries; F&I products and accessories on most deals; split
credits; cancellations, unwinds (about 1.5 % of deliveries); CSI surveys; and staff turnover
(salespeople leave, their open leads and customers are handed over, and new hires arrive).

Deterministic for a seed, store count, months and end day: the same commands in the same
order, so the same event count and per-store totals. Only ids, password salts and record
times differ between runs. Customer phones are unique by construction (the phone hash is
still the runtime's keyed `Crm.phone_hash`), so the bulk path can skip the de-dup lookup.
"""

from __future__ import annotations

import heapq
import math
import random
import time as wallclock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.app import Showroom
from domain.crm.model import Customer, PhoneClaim
from domain.crm.service import Crm
from domain.inventory.model import Vehicle
from domain.leads.model import Lead
from domain.leads.service import Leads
from domain.organisation.model import Staff, Store, User
from domain.organisation.passwords import hash_password
from domain.sales.model import Deal
from domain.satisfaction.model import Survey
from domain.satisfaction.service import Satisfaction
from domain.shared import clock
from domain.shared.actor import SYSTEM, Principal, Role, acting_as
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import DEFAULT_TIMEZONE, business_day
from domain.shared.errors import ConflictError
from domain.shared.values import Channel, vin, with_check_digit
from ops.demo import (
    CANCEL_REASONS,
    COLOURS,
    GIVEN,
    GROUP_LOGINS,
    LOST_AFTER_VISIT,
    LOST_WITHOUT_VISIT,
    MANAGER_PASSWORD,
    MOBILE_PREFIXES,
    OTHER_LOSS_NOTES,
    SALES_PASSWORD,
    STEP_REACH,
    SURNAMES,
    UNWIND_REASONS,
    WEEKDAY_WEIGHT,
)
from projections.db import Database
from projections.directory.queries import find_customer_by_phone_hash

if TYPE_CHECKING:
    from workers.runtime import Runtime

TZ_NAME = DEFAULT_TIMEZONE
T = TypeVar("T")
OPENS, CLOSES = 9, 20

# Events one store writes in a month on average, measured on this generator (1M run: 975; used
# to size the group for --target-events; the actual count is printed).
EVENTS_PER_STORE_MONTH = 970

# --- the catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    name: str
    code: str  # two VIN characters of the vehicle descriptor section
    popularity: int
    trims: tuple[tuple[str, int], ...]  # (trim, list price in CNY)


@dataclass(frozen=True)
class Brand:
    name: str
    wmi: str  # world manufacturer identifier
    plant: str
    cost_ratio: tuple[float, float, float]  # dealer cost / list price: low, mode, high
    discount: tuple[float, float]  # first quote's discount / list price
    models: tuple[Model, ...]


BRANDS: tuple[Brand, ...] = (
    Brand(
        "BYD",
        "LGX",
        "S",
        (0.88, 0.91, 0.95),
        (0.0, 0.03),
        (
            Model("秦PLUS DM-i", "KP", 5, (("55km 领先型", 99800), ("120km 卓越型", 125800))),
            Model("宋PLUS DM-i", "SP", 4, (("110km 旗舰型", 155800), ("150km 旗舰PLUS", 169800))),
            Model("汉EV", "HE", 2, (("506km 尊贵型", 209800), ("610km 四驱旗舰型", 259800))),
            Model("海豚", "HT", 3, (("活力版", 99800), ("骑士版", 129800))),
            Model("元PLUS", "YP", 3, (("430km 领先型", 135800), ("510km 旗舰型", 153800))),
        ),
    ),
    Brand(
        "Toyota",
        "LVG",
        "G",
        (0.86, 0.89, 0.93),
        (0.02, 0.07),
        (
            Model("卡罗拉", "CR", 5, (("1.2T 先锋版", 119800), ("双擎 精英版", 139800))),
            Model("凯美瑞", "CM", 3, (("2.0E 精英版", 179800), ("2.5HQ 旗舰版", 219800))),
            Model("RAV4荣放", "RV", 4, (("2.0L 风尚版", 175800), ("双擎 四驱旗舰版", 219800))),
            Model("汉兰达", "HL", 2, (("2.5L 两驱精英版", 269800), ("四驱至尊版", 329800))),
        ),
    ),
    Brand(
        "Volkswagen",
        "LFV",
        "C",
        (0.84, 0.88, 0.92),
        (0.04, 0.12),
        (
            Model("朗逸", "LV", 5, (("1.5L 新逸版", 120900), ("280TSI 满逸版", 142900))),
            Model("速腾", "ST", 4, (("200TSI 飞越版", 149900), ("300TSI 超越版", 179900))),
            Model("迈腾", "MT", 3, (("330TSI 领先型", 189900), ("380TSI 旗舰型", 249900))),
            Model("途观L", "TG", 3, (("330TSI 两驱智享版", 215800), ("380TSI 四驱R-Line", 279800))),
            Model("ID.4 CROZZ", "DC", 2, (("纯净智享版", 199900), ("长续航 Prime", 252900))),
        ),
    ),
    Brand(
        "Geely",
        "L6T",
        "N",
        (0.87, 0.90, 0.94),
        (0.02, 0.08),
        (
            Model("帝豪", "DH", 4, (("1.5L 亚运版", 72900), ("1.5L 旗舰型", 89900))),
            Model("星瑞", "XR", 3, (("2.0TD 动Pro", 115700), ("2.0TD 征服者", 139700))),
            Model("博越L", "BY", 4, (("1.5T 智享版", 121700), ("2.0TD 旗舰版", 153700))),
            Model("星越L", "XY", 3, (("2.0TD 两驱旗舰", 173700), ("2.0TD 四驱至尊", 209700))),
        ),
    ),
    Brand(
        "Honda",
        "LHG",
        "J",
        (0.86, 0.90, 0.93),
        (0.02, 0.08),
        (
            Model("思域", "CV", 4, (("240TURBO 劲动版", 129900), ("HATCHBACK 极客版", 159900))),
            Model("雅阁", "AC", 3, (("260TURBO 精英版", 179800), ("锐·混动 旗舰版", 229800))),
            Model("CR-V", "CR", 4, (("240TURBO 两驱活力版", 181900), ("锐·混动 四驱版", 259900))),
        ),
    ),
    Brand(
        "Nissan",
        "LGB",
        "F",
        (0.85, 0.89, 0.93),
        (0.05, 0.13),
        (
            Model("轩逸", "SY", 5, (("1.6L XE 舒享版", 99800), ("e-POWER 超智联Pro", 139900))),
            Model("天籁", "TL", 2, (("2.0L XL 舒适版", 179800), ("2.0T 智享版", 229800))),
            Model("奇骏", "KJ", 3, (("VC-Turbo 300 两驱", 183900), ("e-POWER 四驱超越版", 249900))),
        ),
    ),
    Brand(
        "Mercedes-Benz",
        "LE4",
        "B",
        (0.88, 0.92, 0.96),
        (0.05, 0.15),
        (
            Model("C级", "CC", 4, (("C 260 L 皓夜运动版", 334900), ("C 260 L 4MATIC", 359900))),
            Model("E级", "EE", 3, (("E 260 L", 446100), ("E 300 L 豪华型", 496100))),
            Model(
                "GLC", "GL", 3, (("GLC 260 L 4MATIC 动感型", 428800), ("GLC 300 L 豪华型", 480800))
            ),
        ),
    ),
    Brand(
        "BMW",
        "LBV",
        "E",
        (0.88, 0.92, 0.96),
        (0.08, 0.18),
        (
            Model("3系", "TS", 4, (("325Li M运动套装", 349900), ("330Li xDrive", 399900))),
            Model("5系", "FS", 3, (("525Li 豪华套装", 439900), ("530Li 领先型", 499900))),
            Model("X3", "XT", 3, (("xDrive25i M运动套装", 399900), ("xDrive30i 领先型", 449900))),
        ),
    ),
)
BRAND_BY_NAME = {b.name: b for b in BRANDS}
CITIES = (
    ("杭州", "西湖"),
    ("苏州", "园区"),
    ("成都", "武侯"),
    ("南京", "江宁"),
    ("武汉", "光谷"),
    ("广州", "天河"),
    ("西安", "高新"),
    ("宁波", "鄞州"),
    ("上海", "浦东"),
    ("北京", "朝阳"),
    ("深圳", "南山"),
    ("重庆", "渝北"),
    ("长沙", "岳麓"),
    ("郑州", "金水"),
    ("青岛", "崂山"),
    ("合肥", "蜀山"),
)
BRAND_WEIGHTS = (5, 4, 4, 3, 3, 2, 2, 2)  # how many stores of the group carry each brand
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY"  # model years 2010..2030
VIN_SERIAL = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # 33 symbols for the six serial positions

# --- the funnels -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """How leads of a channel move: reached, booked, shown, and bought after a visit."""

    share: int  # weight among channels
    reached: float  # the first call gets through
    booked: float  # a reached customer books a visit or a test drive
    shows: float  # the customer comes to the appointment
    buys: float  # after a visit, a deal is opened (more after a test drive)
    online: bool


FUNNELS: dict[Channel, Funnel] = {
    Channel.WALK_IN: Funnel(30, 1.00, 0.00, 1.00, 0.38, False),
    Channel.PHONE: Funnel(14, 0.95, 0.45, 0.70, 0.36, False),
    Channel.WEBSITE: Funnel(16, 0.85, 0.33, 0.62, 0.32, True),
    Channel.MARKETPLACE: Funnel(24, 0.80, 0.30, 0.60, 0.30, True),
    Channel.REFERRAL: Funnel(8, 0.97, 0.55, 0.85, 0.50, False),
    Channel.CAMPAIGN: Funnel(8, 0.78, 0.25, 0.58, 0.30, True),
}
NOTES = {
    Channel.WEBSITE: ("官网留资",),
    Channel.MARKETPLACE: ("汽车之家询价", "懂车帝询价", "易车询价"),
    Channel.CAMPAIGN: ("抖音直播活动", "周末团购会", "以旧换新活动"),
    Channel.REFERRAL: ("老客户转介绍",),
}
LENDERS = ("平安银行", "招商银行", "工商银行", "厂家金融", "微众银行")
INSURERS = ("中国人保", "平安产险", "太平洋保险")
LEAVE_REASONS = ("个人原因离职", "转行", "回老家发展", "跳槽至竞品门店")

# Spring Festival (Chinese New Year's day) by year: the floor empties around it.
SPRING_FESTIVAL = {
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}


def season(day: date) -> float:
    """The lead volume of a day relative to an ordinary one (weekday effects apart)."""
    factor = 1.0
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None:
        offset = (day - festival).days
        if -21 <= offset < -7:
            factor *= 1.15  # buy before the holiday
        elif -7 <= offset <= 7:
            factor *= 0.3
        elif 7 < offset <= 15:
            factor *= 0.7
    if day.month in (3, 4):
        factor *= 1.08  # 金三银四
    elif day.month in (7, 8):
        factor *= 0.9
    elif day.month == 10 and day.day <= 7:
        factor *= 1.7  # Golden Week
    elif day.month == 12:
        factor *= 1.15 + 0.35 * day.day / 31  # the year-end push for the annual targets
    return factor


# --- the write paths ---------------------------------------------------------------------------


class Floor(Protocol):
    """The commands the simulation gives; a floor carries them out on the event store."""

    def open_store(
        self, actor: Principal, name: str, city: str, brand: str, at: datetime
    ) -> UUID: ...

    def hire(
        self, actor: Principal, store_id: UUID, name: str, role: Role, at: datetime
    ) -> UUID: ...

    def register_user(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role,
        staff_id: UUID | None,
        at: datetime,
    ) -> None: ...

    def staff_leaves(self, actor: Principal, staff_id: UUID, reason: str, at: datetime) -> None: ...

    def deactivate_user(self, actor: Principal, username: str, at: datetime) -> None: ...

    def receive_vehicle(
        self,
        actor: Principal,
        store_id: UUID,
        number: str,
        brand: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        condition: str,
        cost: int,
        list_price: int,
        received_on: date,
        at: datetime,
    ) -> UUID: ...

    def reprice(self, actor: Principal, vehicle_id: UUID, price: int, at: datetime) -> None: ...

    def capture_lead(
        self,
        actor: Principal,
        store_id: UUID,
        channel: Channel,
        name: str,
        phone: str,
        model: str,
        note: str | None,
        salesperson_id: UUID,
        at: datetime,
    ) -> tuple[UUID, UUID]: ...

    def assign_lead(
        self, actor: Principal, lead_id: UUID, salesperson_id: UUID, at: datetime
    ) -> None: ...

    def log_activity(
        self,
        actor: Principal,
        lead_id: UUID,
        kind: str,
        outcome: str | None,
        automated: bool,
        at: datetime,
    ) -> None: ...

    def record_preferences(
        self,
        actor: Principal,
        customer_id: UUID,
        model: str,
        colour: str,
        trim: str,
        budget: int,
        at: datetime,
    ) -> None: ...

    def record_consent(
        self, actor: Principal, customer_id: UUID, channel: str, at: datetime
    ) -> None: ...

    def reassign_customer(
        self, actor: Principal, customer_id: UUID, owner_id: UUID, at: datetime
    ) -> None: ...

    def set_appointment(
        self,
        actor: Principal,
        lead_id: UUID,
        scheduled: datetime,
        purpose: str,
        appointment_id: UUID,
        at: datetime,
    ) -> None: ...

    def mark_shown(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None: ...

    def mark_no_show(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None: ...

    def lose_lead(
        self, actor: Principal, lead_id: UUID, reason: str, note: str | None, at: datetime
    ) -> None: ...

    def open_deal(
        self,
        actor: Principal,
        store_id: UUID,
        customer_id: UUID,
        seller: UUID,
        lead_id: UUID,
        at: datetime,
    ) -> UUID: ...

    def attach_vehicle(
        self, actor: Principal, deal_id: UUID, vehicle_id: UUID, at: datetime
    ) -> None: ...

    def quote(
        self, actor: Principal, deal_id: UUID, price: int, discount: int, at: datetime
    ) -> None: ...

    def split_credit(
        self, actor: Principal, deal_id: UUID, credits: list[tuple[UUID, str]], at: datetime
    ) -> None: ...

    def add_product(
        self, actor: Principal, deal_id: UUID, product: dict[str, Any], at: datetime
    ) -> None: ...

    def sign_contract(self, actor: Principal, deal_id: UUID, at: datetime) -> Decimal: ...

    def deliver(self, actor: Principal, deal_id: UUID, at: datetime) -> None: ...

    def unwind(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None: ...

    def cancel_deal(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None: ...

    def record_survey(
        self,
        actor: Principal,
        deal_id: UUID,
        answers: dict[str, int],
        overall: int,
        answered_on: date,
        at: datetime,
    ) -> None: ...

    def forget(self, *ids: UUID) -> None:
        """The simulation will not touch these aggregates again (frees memory)."""

    def flush(self) -> None:
        """Save whatever is pending."""


class _UnwaitingPhoneIndex:
    """The directory view's phone index, read without waiting for the view to catch up."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, phone_hash: str) -> UUID | None:
        return find_customer_by_phone_hash(self.db, phone_hash)


class ServiceFloor:
    """Every command through the context services: one load and one save per command."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        # Generated phones are unique, so no lookup may wait for the directory to catch up.
        self.crm = Crm(runtime.app, _UnwaitingPhoneIndex(runtime.db), runtime.settings.phone_key)
        self.leads = Leads(runtime.app, self.crm)
        self.satisfaction = Satisfaction(runtime.app)

    def open_store(self, actor: Principal, name: str, city: str, brand: str, at: datetime) -> UUID:
        return self.rt.organisation.open_store(actor, name, city, [brand], TZ_NAME, at).id

    def hire(self, actor: Principal, store_id: UUID, name: str, role: Role, at: datetime) -> UUID:
        return self.rt.organisation.hire_staff(actor, store_id, name, role, at).id

    def register_user(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role,
        staff_id: UUID | None,
        at: datetime,
    ) -> None:
        self.rt.organisation.register_user(
            actor, username, password, role, staff_id=staff_id, occurred_at=at
        )

    def staff_leaves(self, actor: Principal, staff_id: UUID, reason: str, at: datetime) -> None:
        self.rt.organisation.staff_leaves(actor, staff_id, reason, occurred_at=at)

    def deactivate_user(self, actor: Principal, username: str, at: datetime) -> None:
        self.rt.organisation.deactivate_user(actor, username)

    def receive_vehicle(
        self,
        actor: Principal,
        store_id: UUID,
        number: str,
        brand: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        condition: str,
        cost: int,
        list_price: int,
        received_on: date,
        at: datetime,
    ) -> UUID:
        return self.rt.inventory.receive_vehicle(
            actor,
            store_id,
            number,
            brand,
            model,
            trim,
            colour,
            model_year,
            condition,
            Decimal(cost),
            Decimal(list_price),
            received_on=received_on,
            occurred_at=at,
        ).id

    def reprice(self, actor: Principal, vehicle_id: UUID, price: int, at: datetime) -> None:
        self.rt.inventory.reprice_vehicle(actor, vehicle_id, Decimal(price), occurred_at=at)

    def capture_lead(
        self,
        actor: Principal,
        store_id: UUID,
        channel: Channel,
        name: str,
        phone: str,
        model: str,
        note: str | None,
        salesperson_id: UUID,
        at: datetime,
    ) -> tuple[UUID, UUID]:
        written = self.leads.capture_lead(
            actor,
            store_id,
            channel.value,
            customer_name=name,
            customer_phone=phone,
            model_interest=model,
            note=note,
            salesperson_id=salesperson_id,
            occurred_at=at,
        )
        lead: Lead = self.rt.app.repository.get(written.id)
        return written.id, lead.customer_id

    def assign_lead(
        self, actor: Principal, lead_id: UUID, salesperson_id: UUID, at: datetime
    ) -> None:
        self.leads.assign_lead(actor, lead_id, salesperson_id, occurred_at=at)

    def log_activity(
        self,
        actor: Principal,
        lead_id: UUID,
        kind: str,
        outcome: str | None,
        automated: bool,
        at: datetime,
    ) -> None:
        self.leads.log_activity(
            actor, lead_id, kind, outcome=outcome, automated=automated, occurred_at=at
        )

    def record_preferences(
        self,
        actor: Principal,
        customer_id: UUID,
        model: str,
        colour: str,
        trim: str,
        budget: int,
        at: datetime,
    ) -> None:
        self.crm.record_preferences(
            actor, customer_id, model, colour, trim, Decimal(budget), occurred_at=at
        )

    def record_consent(
        self, actor: Principal, customer_id: UUID, channel: str, at: datetime
    ) -> None:
        self.crm.record_consent(actor, customer_id, channel, True, occurred_at=at)

    def reassign_customer(
        self, actor: Principal, customer_id: UUID, owner_id: UUID, at: datetime
    ) -> None:
        self.crm.reassign_customer(actor, customer_id, owner_id, occurred_at=at)

    def set_appointment(
        self,
        actor: Principal,
        lead_id: UUID,
        scheduled: datetime,
        purpose: str,
        appointment_id: UUID,
        at: datetime,
    ) -> None:
        self.leads.set_appointment(
            actor, lead_id, scheduled, purpose, appointment_id=appointment_id, occurred_at=at
        )

    def mark_shown(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None:
        self.leads.mark_shown(actor, lead_id, appointment_id, occurred_at=at)

    def mark_no_show(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None:
        self.leads.mark_no_show(actor, lead_id, appointment_id, occurred_at=at)

    def lose_lead(
        self, actor: Principal, lead_id: UUID, reason: str, note: str | None, at: datetime
    ) -> None:
        self.leads.lose_lead(actor, lead_id, reason, note=note, occurred_at=at)

    def open_deal(
        self,
        actor: Principal,
        store_id: UUID,
        customer_id: UUID,
        seller: UUID,
        lead_id: UUID,
        at: datetime,
    ) -> UUID:
        named = None if actor.role is Role.SALESPERSON else seller
        return self.rt.sales.open_deal(
            actor, store_id, customer_id, salesperson_id=named, lead_id=lead_id, occurred_at=at
        ).id

    def attach_vehicle(
        self, actor: Principal, deal_id: UUID, vehicle_id: UUID, at: datetime
    ) -> None:
        self.rt.sales.attach_vehicle(actor, deal_id, vehicle_id, occurred_at=at)

    def quote(
        self, actor: Principal, deal_id: UUID, price: int, discount: int, at: datetime
    ) -> None:
        self.rt.sales.quote_deal(actor, deal_id, Decimal(price), Decimal(discount), occurred_at=at)

    def split_credit(
        self, actor: Principal, deal_id: UUID, credits: list[tuple[UUID, str]], at: datetime
    ) -> None:
        self.rt.sales.split_credit(
            actor, deal_id, [(s, Decimal(share)) for s, share in credits], occurred_at=at
        )

    def add_product(
        self, actor: Principal, deal_id: UUID, product: dict[str, Any], at: datetime
    ) -> None:
        self.rt.sales.add_product(actor, deal_id, occurred_at=at, **product)

    def sign_contract(self, actor: Principal, deal_id: UUID, at: datetime) -> Decimal:
        self.rt.sales.sign_contract(actor, deal_id, occurred_at=at)
        deal: Deal = self.rt.app.repository.get(deal_id)
        return deal.front_gross or Decimal(0)

    def deliver(self, actor: Principal, deal_id: UUID, at: datetime) -> None:
        self.rt.sales.deliver_deal(actor, deal_id, occurred_at=at)

    def unwind(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None:
        self.rt.sales.unwind_deal(actor, deal_id, reason, occurred_at=at)

    def cancel_deal(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None:
        self.rt.sales.cancel_deal(actor, deal_id, reason, occurred_at=at)

    def record_survey(
        self,
        actor: Principal,
        deal_id: UUID,
        answers: dict[str, int],
        overall: int,
        answered_on: date,
        at: datetime,
    ) -> None:
        self.satisfaction.record_survey(actor, deal_id, answers, overall, answered_on, at)

    def forget(self, *ids: UUID) -> None:
        pass

    def flush(self) -> None:
        pass


class BulkFloor:
    """The same commands on in-memory aggregates, saved in batches of events.

    Each command runs the aggregate's public command methods inside `acting_as(actor)`, then
    its new events are collected in the order the service would save them and appended to the
    batch; a batch of `batch_size` events or more is saved in one transaction. The order of the
    log is the order of the commands, as on the service path.
    """

    def __init__(self, app: Showroom, phone_hash: Callable[[str], str], batch_size: int) -> None:
        self.app = app
        self.phone_hash = phone_hash
        self.batch_size = batch_size
        self.live: dict[UUID, ShowroomAggregate] = {}
        self.pending: list[Any] = []
        self.saved = 0
        self.batches = 0
        self._hashes: dict[str, str] = {}

    # --- plumbing ----------------------------------------------------------------------------

    def _get(self, cls: type[T], ident: UUID) -> T:
        aggregate = self.live.get(ident)
        if aggregate is None:
            self.flush()  # forgotten earlier: reload it once its pending events are saved
            aggregate = self.app.repository.get(ident)
            self.live[ident] = aggregate
        if not isinstance(aggregate, cls):
            raise TypeError(f"{ident} is a {type(aggregate).__name__}, not a {cls.__name__}")
        return aggregate

    def _done(self, *aggregates: ShowroomAggregate) -> None:
        for aggregate in aggregates:
            self.live[aggregate.id] = aggregate
            self.pending.extend(aggregate.collect_events())
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        try:
            self.app.events.put(self.pending)
        except IntegrityError as error:
            raise ConflictError(f"bulk batch {self.batches + 1} conflicted: {error}") from error
        self.saved += len(self.pending)
        self.batches += 1
        self.pending = []

    def forget(self, *ids: UUID) -> None:
        for ident in ids:
            self.live.pop(ident, None)

    # --- organisation ------------------------------------------------------------------------

    def open_store(self, actor: Principal, name: str, city: str, brand: str, at: datetime) -> UUID:
        with acting_as(actor):
            store = Store(name=name, city=city, brands=[brand], timezone=TZ_NAME, occurred_at=at)
        self._done(store)
        return store.id

    def hire(self, actor: Principal, store_id: UUID, name: str, role: Role, at: datetime) -> UUID:
        with acting_as(actor):
            staff = Staff(name=name, role=role.value, store_id=store_id, occurred_at=at)
        self._done(staff)
        return staff.id

    def register_user(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role,
        staff_id: UUID | None,
        at: datetime,
    ) -> None:
        # One scrypt hash per distinct password: it is the slowest thing a login costs.
        hashed = self._hashes.get(password)
        if hashed is None:
            hashed = self._hashes[password] = hash_password(password)
        store_id = None
        if staff_id is not None:
            store_id = self._get(Staff, staff_id).store_id
        with acting_as(actor):
            user = User(
                username=username,
                password_hash=hashed,
                role=role.value,
                store_id=store_id,
                staff_id=staff_id,
                occurred_at=at,
            )
        self._done(user)

    def staff_leaves(self, actor: Principal, staff_id: UUID, reason: str, at: datetime) -> None:
        staff = self._get(Staff, staff_id)
        with acting_as(actor):
            staff.leave(reason, occurred_at=at)
        self._done(staff)

    def deactivate_user(self, actor: Principal, username: str, at: datetime) -> None:
        user = self._get(User, User.id_for(username))
        with acting_as(actor):
            user.deactivate(occurred_at=at)
        self._done(user)

    # --- inventory ---------------------------------------------------------------------------

    def receive_vehicle(
        self,
        actor: Principal,
        store_id: UUID,
        number: str,
        brand: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        condition: str,
        cost: int,
        list_price: int,
        received_on: date,
        at: datetime,
    ) -> UUID:
        with acting_as(actor):
            vehicle = Vehicle.receive(
                store_id=store_id,
                vin=number,
                make=brand,
                model=model,
                trim=trim,
                colour=colour,
                model_year=model_year,
                condition=condition,
                cost=Decimal(cost),
                list_price=Decimal(list_price),
                received_on=received_on,
                occurred_at=at,
            )
        self._done(vehicle)
        return vehicle.id

    def reprice(self, actor: Principal, vehicle_id: UUID, price: int, at: datetime) -> None:
        vehicle = self._get(Vehicle, vehicle_id)
        with acting_as(actor):
            vehicle.reprice(Decimal(price), occurred_at=at)
        self._done(vehicle)

    # --- leads and customers -----------------------------------------------------------------

    def capture_lead(
        self,
        actor: Principal,
        store_id: UUID,
        channel: Channel,
        name: str,
        phone: str,
        model: str,
        note: str | None,
        salesperson_id: UUID,
        at: datetime,
    ) -> tuple[UUID, UUID]:
        with acting_as(actor):
            customer = Customer.register(
                store_id=store_id,
                owner_id=salesperson_id,
                name=name,
                phone=phone,
                phone_hash=self.phone_hash(phone),
                source=channel.value,
                occurred_at=at,
            )
            claim = PhoneClaim.claim(customer, at)
            lead = Lead.capture(store_id, customer.id, channel.value, model, note, at)
            lead.assign(salesperson_id, occurred_at=at)
        self._done(lead, customer, claim)  # the service saves them in this order
        return lead.id, customer.id

    def assign_lead(
        self, actor: Principal, lead_id: UUID, salesperson_id: UUID, at: datetime
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.assign(salesperson_id, occurred_at=at)
        self._done(lead)

    def log_activity(
        self,
        actor: Principal,
        lead_id: UUID,
        kind: str,
        outcome: str | None,
        automated: bool,
        at: datetime,
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.log_activity(kind, outcome, None, automated, occurred_at=at)
        self._done(lead)

    def record_preferences(
        self,
        actor: Principal,
        customer_id: UUID,
        model: str,
        colour: str,
        trim: str,
        budget: int,
        at: datetime,
    ) -> None:
        customer = self._get(Customer, customer_id)
        with acting_as(actor):
            customer.record_preferences(model, colour, trim, Decimal(budget), occurred_at=at)
        self._done(customer)

    def record_consent(
        self, actor: Principal, customer_id: UUID, channel: str, at: datetime
    ) -> None:
        customer = self._get(Customer, customer_id)
        with acting_as(actor):
            customer.record_consent(channel, True, occurred_at=at)
        self._done(customer)

    def reassign_customer(
        self, actor: Principal, customer_id: UUID, owner_id: UUID, at: datetime
    ) -> None:
        customer = self._get(Customer, customer_id)
        with acting_as(actor):
            customer.reassign(owner_id, occurred_at=at)
        self._done(customer)

    def set_appointment(
        self,
        actor: Principal,
        lead_id: UUID,
        scheduled: datetime,
        purpose: str,
        appointment_id: UUID,
        at: datetime,
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.set_appointment(scheduled, purpose, occurred_at=at, appointment_id=appointment_id)
        self._done(lead)

    def mark_shown(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.mark_shown(appointment_id, occurred_at=at)
        self._done(lead)

    def mark_no_show(
        self, actor: Principal, lead_id: UUID, appointment_id: UUID, at: datetime
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.mark_no_show(appointment_id, occurred_at=at)
        self._done(lead)

    def lose_lead(
        self, actor: Principal, lead_id: UUID, reason: str, note: str | None, at: datetime
    ) -> None:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            lead.lose(reason, note, occurred_at=at)
        self._done(lead)

    # --- deals -------------------------------------------------------------------------------

    def open_deal(
        self,
        actor: Principal,
        store_id: UUID,
        customer_id: UUID,
        seller: UUID,
        lead_id: UUID,
        at: datetime,
    ) -> UUID:
        lead = self._get(Lead, lead_id)
        with acting_as(actor):
            deal = Deal.open(store_id, customer_id, seller, lead_id, occurred_at=at)
            if lead.salesperson_id is None:
                lead.assign(seller, occurred_at=at)
            lead.convert(deal.id, occurred_at=at)
        self._done(deal, lead)
        return deal.id

    def attach_vehicle(
        self, actor: Principal, deal_id: UUID, vehicle_id: UUID, at: datetime
    ) -> None:
        deal = self._get(Deal, deal_id)
        vehicle = self._get(Vehicle, vehicle_id)
        previous_id = deal.vehicle_id
        with acting_as(actor):
            deal.attach_vehicle(vehicle, occurred_at=at)
            vehicle.reserve(deal.id, occurred_at=at)
            others: list[ShowroomAggregate] = [vehicle]
            if previous_id is not None:
                previous = self._get(Vehicle, previous_id)
                previous.release(deal.id, occurred_at=at)
                others.append(previous)
        self._done(deal, *others)

    def quote(
        self, actor: Principal, deal_id: UUID, price: int, discount: int, at: datetime
    ) -> None:
        deal = self._get(Deal, deal_id)
        with acting_as(actor):
            deal.quote(Decimal(price), Decimal(discount), occurred_at=at)
        self._done(deal)

    def split_credit(
        self, actor: Principal, deal_id: UUID, credits: list[tuple[UUID, str]], at: datetime
    ) -> None:
        deal = self._get(Deal, deal_id)
        with acting_as(actor):
            deal.split_credit(
                [s for s, _ in credits], [Decimal(share) for _, share in credits], occurred_at=at
            )
        self._done(deal)

    def add_product(
        self, actor: Principal, deal_id: UUID, product: dict[str, Any], at: datetime
    ) -> None:
        deal = self._get(Deal, deal_id)
        with acting_as(actor):
            deal.add_product(occurred_at=at, **product)
        self._done(deal)

    def sign_contract(self, actor: Principal, deal_id: UUID, at: datetime) -> Decimal:
        deal = self._get(Deal, deal_id)
        vehicle = self._vehicle_of(deal)
        with acting_as(actor):
            deal.sign_contract(occurred_at=at)
            if deal.selling_price is None:
                raise ValueError(f"deal {deal_id} signed without a selling price")
            vehicle.sell(deal.id, deal.selling_price, occurred_at=at)
        self._done(deal, vehicle)
        return deal.front_gross or Decimal(0)

    def deliver(self, actor: Principal, deal_id: UUID, at: datetime) -> None:
        deal = self._get(Deal, deal_id)
        vehicle = self._vehicle_of(deal)
        with acting_as(actor):
            deal.deliver(occurred_at=at)
            vehicle.deliver(deal.id, occurred_at=at)
        self._done(deal, vehicle)

    def unwind(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None:
        deal = self._get(Deal, deal_id)
        vehicle = self._vehicle_of(deal)
        with acting_as(actor):
            deal.unwind(reason, occurred_at=at)
            vehicle.return_to_stock(deal.id, reason, occurred_at=at)
        self._done(deal, vehicle)

    def cancel_deal(self, actor: Principal, deal_id: UUID, reason: str, at: datetime) -> None:
        deal = self._get(Deal, deal_id)
        with acting_as(actor):
            deal.cancel(reason, occurred_at=at)
            if deal.vehicle_id is None:
                self._done(deal)
                return
            vehicle = self._vehicle_of(deal)
            vehicle.release(deal.id, occurred_at=at)
        self._done(deal, vehicle)

    def record_survey(
        self,
        actor: Principal,
        deal_id: UUID,
        answers: dict[str, int],
        overall: int,
        answered_on: date,
        at: datetime,
    ) -> None:
        deal = self._get(Deal, deal_id)
        with acting_as(actor):
            survey = Survey.answer(
                deal_id=deal_id,
                store_id=deal.store_id,
                salesperson_ids=list(deal.credits),
                answers=answers,
                overall=overall,
                answered_on=answered_on,
                occurred_at=at,
            )
        self._done(survey)

    def _vehicle_of(self, deal: Deal) -> Vehicle:
        if deal.vehicle_id is None:
            raise ValueError(f"deal {deal.id} has no vehicle")
        return self._get(Vehicle, deal.vehicle_id)


# --- the simulation ----------------------------------------------------------------------------


@dataclass
class _Seller:
    principal: Principal
    username: str
    active: bool = True

    @property
    def staff_id(self) -> UUID:
        if self.principal.staff_id is None:
            raise RuntimeError(f"{self.username} has no staff record")
        return self.principal.staff_id


@dataclass
class _Vehicle:
    id: UUID
    model: Model
    list_price: int
    received: date
    repriced: bool = False


@dataclass
class _Store:
    index: int
    id: UUID
    name: str
    brand: Brand
    manager: Principal
    sellers: list[_Seller]
    lead_rate: float
    target_stock: int
    stock: dict[UUID, _Vehicle] = field(default_factory=dict)
    available: list[UUID] = field(default_factory=list)
    rotation: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def active_sellers(self) -> list[_Seller]:
        return [s for s in self.sellers if s.active]


@dataclass
class _Lead:
    store: _Store
    id: UUID
    customer_id: UUID
    channel: Channel
    captured: datetime
    seller: _Seller
    model: Model
    trim: int
    colour: str
    open: bool = True
    visited: bool = False
    test_driven: bool = False
    appointments: int = 0
    pending: UUID | None = None


@dataclass
class _Deal:
    lead: _Lead
    id: UUID
    vehicle: _Vehicle
    discount_rate: float = 0.0
    selling_price: int = 0
    front_gross: int = 0
    status: str = "open"
    unwinding: bool = False

    def actor(self) -> Principal:
        """The seller, or the store manager once the seller has left."""
        seller = self.lead.seller
        return seller.principal if seller.active else self.lead.store.manager


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)


TOTALS = (
    "leads",
    "deals",
    "contracts",
    "cancelled",
    "delivered",
    "unwound",
    "revenue",
    "front_gross",
    "vehicles",
    "used",
    "trade_ins",
    "products",
    "surveys",
    "left",
    "hired",
)


@dataclass(frozen=True)
class GroupSummary:
    """What `generate` wrote: counts, per-store totals, and how fast."""

    loaded: bool
    message: str
    seed: int = 0
    stores: int = 0
    months: int = 0
    events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    totals: dict[str, int] = field(default_factory=dict)
    by_store: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = field(default=0.0, compare=False)
    path: str = "bulk"

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        if not self.loaded:
            return self.message
        t = self.totals
        return "\n".join(
            [
                self.message,
                f"  {self.stores} stores, {self.months} months ({self.first_day} to"
                f" {self.last_day}), seed {self.seed}, {self.path} path",
                f"  {t.get('leads', 0)} leads, {t.get('deals', 0)} deals:"
                f" {t.get('contracts', 0)} contracted, {t.get('delivered', 0)} delivered,"
                f" {t.get('unwound', 0)} unwound, {t.get('cancelled', 0)} cancelled",
                f"  {t.get('vehicles', 0)} vehicles received ({t.get('used', 0)} used,"
                f" {t.get('trade_ins', 0)} trade-ins), {t.get('products', 0)} F&I products,"
                f" {t.get('surveys', 0)} CSI surveys, {t.get('left', 0)} leavers,"
                f" {t.get('hired', 0)} new hires",
                f"  {self.events} events in {self.seconds:.1f} s"
                f" = {self.events_per_second:,.0f} events/s",
            ]
        )


class Simulation:
    """The dealer group's days, in business-time order, as commands on a floor."""

    def __init__(
        self,
        floor: Floor,
        seed: int,
        stores: int,
        today: date,
        months: int,
        progress: Callable[[str], None] | None = None,
        existing_logins: frozenset[str] = frozenset(),
    ) -> None:
        self.floor = floor
        self.rng = random.Random(seed)
        self.store_count = stores
        self.today = today
        # Nothing may be recorded as having happened in the future (see STEP_REACH).
        self.end = min(datetime.combine(today, time(CLOSES), _tz()), clock.now() - STEP_REACH)
        self.start = _months_before(today, months) + timedelta(days=1)
        self.steps: list[_Step] = []
        self.seq = 0
        self.stores: list[_Store] = []
        self.vin_serial = self.rng.randrange(33**3)
        self.phone_base = self.rng.randrange(10**8)
        self.phones = 0
        self.sales_number = 0
        self.admin = _principal("admin", Role.ADMIN)
        self.progress = progress
        self.existing_logins = existing_logins
        # Open leads by the staff id of their salesperson, to hand over when one leaves.
        self._open_leads: dict[UUID, dict[UUID, _Lead]] = {}

    # --- randomness and time ---------------------------------------------------------------

    def pick(self, weighted: Sequence[tuple[T, int]]) -> T:
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def poisson(self, mean: float) -> int:
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), _tz())

    def floor_time(self, moment: datetime) -> datetime:
        """The moment, moved into the next opening hours if the showroom is closed then."""
        local = moment.astimezone(_tz())
        if local.hour < OPENS:
            return self.at(local.date(), OPENS, self.rng.randrange(5, 50))
        if local.hour >= CLOSES:
            return self.at(local.date() + timedelta(days=1), OPENS, self.rng.randrange(5, 50))
        return local

    def later(self, moment: datetime, minutes: float) -> datetime:
        return self.floor_time(moment + timedelta(minutes=minutes))

    def days_later(self, moment: datetime, days: int, first: int = 10, last: int = 18) -> datetime:
        day = moment.astimezone(_tz()).date() + timedelta(days=days)
        return self.at(day, self.rng.randrange(first, last), self.rng.randrange(60))

    def schedule(self, moment: datetime, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.steps, _Step(moment, self.seq, action))

    # --- names -------------------------------------------------------------------------------

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        # Unique by construction (7919 is prime to 10^8) for up to 10^8 customers.
        self.phones += 1
        suffix = (self.phone_base + 7919 * self.phones) % 10**8
        return f"{self.rng.choice(MOBILE_PREFIXES)}{suffix:08d}"

    def vin_for(self, brand: Brand, model: Model, trim: int, model_year: int) -> str:
        self.vin_serial += 1
        year = VIN_YEARS[model_year - 2010] if model_year >= 2010 else str(model_year - 2000)
        serial, digits = self.vin_serial, []
        for _ in range(6):
            serial, digit = divmod(serial, len(VIN_SERIAL))
            digits.append(VIN_SERIAL[digit])
        stem = f"{brand.wmi}{model.code}{trim + 1}BC0{year}{brand.plant}{''.join(reversed(digits))}"
        return vin(with_check_digit(stem))

    def bump(self, store: _Store, key: str, amount: int = 1) -> None:
        store.totals[key] = store.totals.get(key, 0) + amount

    # --- the group ---------------------------------------------------------------------------

    def build_group(self) -> None:
        opened = self.at(self.start - timedelta(days=120), 10)
        for username, password, role, _ in GROUP_LOGINS:
            if username not in self.existing_logins:  # an operator's own admin is kept
                self.floor.register_user(SYSTEM, username, password, role, None, opened)
        brands = [(b, w) for b, w in zip(BRANDS, BRAND_WEIGHTS, strict=True)]
        for index in range(self.store_count):
            brand = self.pick(brands)
            city, district = CITIES[index % len(CITIES)]
            number = index // len(CITIES) + 1
            suffix = f"{number}号店" if number > 1 else "4S店"
            name = f"{city}{district}{brand.name}{suffix}"
            store_id = self.floor.open_store(self.admin, name, city, brand.name, opened)
            hired = opened + timedelta(days=1)
            manager_id = self.floor.hire(
                self.admin, store_id, self.person(), Role.STORE_MANAGER, hired
            )
            username = f"manager{index + 1}"
            self.floor.register_user(
                self.admin, username, MANAGER_PASSWORD, Role.STORE_MANAGER, manager_id, hired
            )
            manager = _principal(username, Role.STORE_MANAGER, store_id, manager_id)
            size = self.pick(((0.7, 3), (1.0, 5), (1.5, 2)))  # small, medium, large stores
            store = _Store(
                index=index,
                id=store_id,
                name=name,
                brand=brand,
                manager=manager,
                sellers=[],
                lead_rate=2.8 * size,
                target_stock=int(self.rng.randrange(40, 60) * size),
                totals=dict.fromkeys(TOTALS, 0),
            )
            for _ in range(max(3, round(5 * size))):
                self.hire_seller(store, hired + timedelta(hours=2))
            self.stores.append(store)

    def hire_seller(self, store: _Store, moment: datetime) -> _Seller:
        self.sales_number += 1
        username = f"sales{self.sales_number}"
        staff_id = self.floor.hire(store.manager, store.id, self.person(), Role.SALESPERSON, moment)
        self.floor.register_user(
            self.admin,
            username,
            SALES_PASSWORD,
            Role.SALESPERSON,
            staff_id,
            moment + timedelta(hours=1),
        )
        seller = _Seller(_principal(username, Role.SALESPERSON, store.id, staff_id), username)
        store.sellers.append(seller)
        return seller

    # --- staff turnover ----------------------------------------------------------------------

    def monthly_staffing(self, store: _Store, moment: datetime) -> None:
        """First of the month: now and then a salesperson hands in notice."""
        active = store.active_sellers()
        if len(active) > 2 and self.chance(0.02 * len(active)):
            leaver = self.rng.choice(active)
            leaves_at = self.days_later(moment, self.rng.randrange(1, 20), 10, 12)
            self.schedule(leaves_at, lambda: self.leave(store, leaver, leaves_at))
        next_month = self.at(_first_of_next_month(moment.astimezone(_tz()).date()), 9, 0)
        self.schedule(next_month, lambda: self.monthly_staffing(store, next_month))

    def leave(self, store: _Store, leaver: _Seller, moment: datetime) -> None:
        if not leaver.active:
            return
        others = [s for s in store.active_sellers() if s is not leaver]
        leaver.active = False
        # The manager hands the leaver's open leads (and their customers) to colleagues first.
        for lead in list(self._open_leads.get(leaver.staff_id, {}).values()):
            heir = self.rng.choice(others)
            self.floor.assign_lead(store.manager, lead.id, heir.staff_id, moment)
            self.floor.reassign_customer(store.manager, lead.customer_id, heir.staff_id, moment)
            self._move(lead, heir)
        self.floor.staff_leaves(
            store.manager, leaver.staff_id, self.rng.choice(LEAVE_REASONS), moment
        )
        self.floor.deactivate_user(self.admin, leaver.username, moment + timedelta(minutes=5))
        self.bump(store, "left")
        start = self.days_later(moment, self.rng.randrange(7, 25), 9, 11)
        self.schedule(start, lambda: self.new_hire(store, start))

    def new_hire(self, store: _Store, moment: datetime) -> None:
        self.hire_seller(store, moment)
        self.bump(store, "hired")

    # --- stock -------------------------------------------------------------------------------

    def receive(self, store: _Store, moment: datetime, count: int) -> None:
        brand = store.brand
        models = [(m, m.popularity) for m in brand.models]
        for n in range(count):
            when = moment + timedelta(minutes=4 * n)
            model = self.pick(models)
            trim = self.rng.randrange(len(model.trims))
            # Options and packages move the sticker a little above the trim's base price.
            list_price = round(model.trims[trim][1] * self.rng.uniform(1.0, 1.04) / 100) * 100
            day = when.astimezone(_tz()).date()
            condition, model_year = (
                "new",
                day.year + (1 if day.month >= 10 and self.chance(0.4) else 0),
            )
            if self.chance(0.06):  # a used car bought in at auction, retailed from the lot
                condition = "used"
                age = self.rng.randrange(2, 7)
                model_year = day.year - age
                list_price = round(list_price * (0.82 - 0.07 * age) / 1000) * 1000
                self.bump(store, "used")
            cost = round(list_price * self.rng.triangular(*_sorted3(brand.cost_ratio)) / 100) * 100
            self.stock_vehicle(store, model, trim, condition, model_year, cost, list_price, when)

    def stock_vehicle(
        self,
        store: _Store,
        model: Model,
        trim: int,
        condition: str,
        model_year: int,
        cost: int,
        list_price: int,
        when: datetime,
    ) -> None:
        day = when.astimezone(_tz()).date()
        number = self.vin_for(store.brand, model, trim, model_year)
        vehicle_id = self.floor.receive_vehicle(
            store.manager,
            store.id,
            number,
            store.brand.name,
            model.name,
            model.trims[trim][0],
            self.pick(COLOURS),
            model_year,
            condition,
            cost,
            list_price,
            day,
            when,
        )
        vehicle = _Vehicle(vehicle_id, model, list_price, day)
        store.stock[vehicle.id] = vehicle
        store.available.append(vehicle.id)
        self.bump(store, "vehicles")

    def weekly_stock(self, store: _Store, moment: datetime) -> None:
        """Monday: the manager reprices aged stock and orders the lot back up to its target."""
        today = moment.astimezone(_tz()).date()
        for vehicle_id in list(store.available):
            vehicle = store.stock[vehicle_id]
            if not vehicle.repriced and (today - vehicle.received).days > 75 and self.chance(0.5):
                vehicle.list_price = round(vehicle.list_price * 0.97 / 100) * 100
                vehicle.repriced = True
                self.floor.reprice(store.manager, vehicle.id, vehicle.list_price, moment)
        # Orders follow the season: more stock before Golden Week and the year end.
        target = int(store.target_stock * min(1.4, max(0.7, season(today + timedelta(days=14)))))
        missing = target - len(store.stock) + self.rng.randrange(-2, 4)
        if missing > 0:
            self.receive(store, moment + timedelta(minutes=30), missing)
        next_week = self.at(today + timedelta(days=7), 10, self.rng.randrange(60))
        self.schedule(next_week, lambda: self.weekly_stock(store, next_week))

    def take_vehicle(self, store: _Store, model: Model) -> _Vehicle | None:
        """A vehicle for a deal: the customer's model if in stock (older first), else similar."""
        matching = [v for v in store.available if store.stock[v].model == model]
        candidates = matching or store.available
        if not candidates:
            return None
        chosen = candidates[min(self.rng.randrange(3), len(candidates) - 1)]
        store.available.remove(chosen)
        return store.stock[chosen]

    def put_back(self, store: _Store, vehicle: _Vehicle) -> None:
        store.stock[vehicle.id] = vehicle
        store.available.append(vehicle.id)
        store.available.sort(key=lambda v: store.stock[v].received)

    # --- leads -------------------------------------------------------------------------------

    def next_seller(self, store: _Store) -> _Seller:
        active = store.active_sellers()
        store.rotation += 1
        return active[store.rotation % len(active)]

    def plan_day(self, day: date) -> None:
        """At dawn: the day's leads of every store, at their times."""
        for store in self.stores:
            mean = store.lead_rate * WEEKDAY_WEIGHT[day.weekday()] * season(day)
            for _ in range(self.poisson(mean)):
                channel = self.pick([(c, f.share) for c, f in FUNNELS.items()])
                online = FUNNELS[channel].online
                first, last = (7, 24) if online else (OPENS, CLOSES - 1)
                moment = self.at(day, self.rng.randrange(first, last), self.rng.randrange(60))
                self.schedule(moment, self._capture_step(store, channel, moment))
        tomorrow = day + timedelta(days=1)
        if tomorrow <= self.today:
            dawn = self.at(tomorrow, 0, 0)
            self.schedule(dawn, lambda: self.plan_day(tomorrow))

    def _capture_step(
        self, store: _Store, channel: Channel, moment: datetime
    ) -> Callable[[], None]:
        return lambda: self.capture(store, channel, moment)

    def _move(self, lead: _Lead, to: _Seller) -> None:
        self._open_leads.get(lead.seller.staff_id, {}).pop(lead.id, None)
        lead.seller = to
        if lead.open:
            self._open_leads.setdefault(to.staff_id, {})[lead.id] = lead

    def _closed(self, lead: _Lead) -> None:
        lead.open = False
        self._open_leads.get(lead.seller.staff_id, {}).pop(lead.id, None)

    def capture(self, store: _Store, channel: Channel, moment: datetime) -> None:
        model = self.pick([(m, m.popularity) for m in store.brand.models])
        seller = self.next_seller(store)
        funnel = FUNNELS[channel]
        actor = SYSTEM if funnel.online else seller.principal
        notes = NOTES.get(channel)
        lead_id, customer_id = self.floor.capture_lead(
            actor,
            store.id,
            channel,
            self.person(),
            self.phone(),
            model.name,
            self.rng.choice(notes) if notes else None,
            seller.staff_id,
            moment,
        )
        lead = _Lead(
            store=store,
            id=lead_id,
            customer_id=customer_id,
            channel=channel,
            captured=moment,
            seller=seller,
            model=model,
            trim=self.rng.randrange(len(model.trims)),
            colour=self.pick(COLOURS),
        )
        self._open_leads.setdefault(seller.staff_id, {})[lead.id] = lead
        self.bump(store, "leads")
        if channel is Channel.WALK_IN:
            self.log(lead, moment, "visit", "到店看车，已建档")
            lead.visited = True
            self.after_contact(lead, moment)
            self.schedule(self.later(moment, 15), lambda: self.on_floor(lead))
            return
        if channel is Channel.PHONE:
            self.log(lead, moment, "call", "来电咨询价格与现车")
            self.after_contact(lead, moment)
            self.schedule(moment, lambda: self.invite(lead, moment))
            return
        if funnel.online:
            self.log(
                lead,
                moment + timedelta(minutes=1),
                "message",
                "自动回复：顾问将尽快联系您",
                automated=True,
            )
        response = self.later(moment, self.response_minutes())
        self.schedule(response, lambda: self.first_call(lead, response))

    def response_minutes(self) -> float:
        bucket = self.pick(((3, 30), (18, 40), (45, 14), (150, 11), (420, 5)))
        return bucket * self.rng.uniform(0.3, 1.6)

    def log(
        self,
        lead: _Lead,
        moment: datetime,
        kind: str,
        outcome: str | None = None,
        *,
        automated: bool = False,
    ) -> None:
        if not lead.open:
            return
        actor = SYSTEM if automated else lead.seller.principal
        self.floor.log_activity(actor, lead.id, kind, outcome, automated, moment)

    def after_contact(self, lead: _Lead, moment: datetime) -> None:
        """At first contact the salesperson records what the customer wants and consents to."""
        if self.chance(0.55):
            trim, price = lead.model.trims[lead.trim]
            budget = round(price * self.rng.uniform(0.95, 1.15) / 10_000) * 10_000
            self.floor.record_preferences(
                lead.seller.principal,
                lead.customer_id,
                lead.model.name,
                lead.colour,
                trim,
                budget,
                moment + timedelta(minutes=2),
            )
        if self.chance(0.6):
            self.floor.record_consent(
                lead.seller.principal,
                lead.customer_id,
                self.rng.choice(("wechat", "sms", "call")),
                moment + timedelta(minutes=3),
            )

    def first_call(self, lead: _Lead, moment: datetime) -> None:
        if not lead.open:
            return
        if not self.chance(FUNNELS[lead.channel].reached):
            # Nobody answers: a couple more tries, then the lead goes cold.
            self.log(lead, moment, "call", "未接通")
            when = moment
            for _ in range(self.rng.randrange(1, 3)):
                when = self.days_later(when, self.rng.randrange(1, 3), 9, 19)
                self.schedule(when, self._log_step(lead, when, "call", "未接通"))
            lost_at = self.days_later(when, self.rng.randrange(2, 8))
            self.schedule(lost_at, lambda: self.lose(lead, lost_at, (("no_response", 1),)))
            return
        self.log(lead, moment, "call", "首次电话沟通需求")
        self.after_contact(lead, moment)
        self.invite(lead, moment)

    def invite(self, lead: _Lead, moment: datetime) -> None:
        """Try to book a visit; otherwise follow up a few times and record the loss."""
        if not lead.open:
            return
        rate = FUNNELS[lead.channel].booked
        if self.chance(rate if lead.appointments == 0 else 0.35):
            self.book(lead, moment)
            return
        when = moment
        for n in range(self.rng.randrange(1, 4)):
            when = self.days_later(when, self.rng.randrange(1, 5), 9, 19)
            self.schedule(when, self._log_step(lead, when, "call" if n % 2 == 0 else "message"))
        lost_at = self.days_later(when, self.rng.randrange(2, 12))
        self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_WITHOUT_VISIT))

    def _log_step(
        self, lead: _Lead, moment: datetime, kind: str, outcome: str = "跟进回访"
    ) -> Callable[[], None]:
        return lambda: self.log(lead, moment, kind, outcome)

    def book(self, lead: _Lead, moment: datetime) -> None:
        scheduled = self.days_later(moment, self.rng.randrange(1, 6), 10, 18)
        purpose = "test_drive" if self.chance(0.4) else "visit"
        appointment_id = UUID(int=self.rng.getrandbits(128), version=4)
        self.floor.set_appointment(
            lead.seller.principal, lead.id, scheduled, purpose, appointment_id, moment
        )
        lead.appointments += 1
        lead.pending = appointment_id
        if self.chance(FUNNELS[lead.channel].shows):
            arrived = scheduled + timedelta(minutes=self.rng.randrange(-10, 30))
            self.schedule(arrived, lambda: self.shown(lead, appointment_id, arrived, purpose))
        else:
            missed = self.later(scheduled, self.rng.randrange(90, 240))
            self.schedule(missed, lambda: self.missed(lead, appointment_id, missed))

    def shown(self, lead: _Lead, appointment_id: UUID, moment: datetime, purpose: str) -> None:
        self.floor.mark_shown(lead.seller.principal, lead.id, appointment_id, moment)
        lead.pending = None
        lead.visited = True
        if purpose == "test_drive":
            self.log(lead, moment + timedelta(minutes=15), "test_drive", "试乘试驾")
            lead.test_driven = True
        self.decide(lead, moment + timedelta(minutes=45))

    def missed(self, lead: _Lead, appointment_id: UUID, moment: datetime) -> None:
        self.floor.mark_no_show(lead.seller.principal, lead.id, appointment_id, moment)
        lead.pending = None
        if lead.appointments < 2:
            self.invite(lead, moment)
        else:
            lost_at = self.days_later(moment, self.rng.randrange(2, 10))
            self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_WITHOUT_VISIT))

    def on_floor(self, lead: _Lead) -> None:
        """A walk-in: maybe a test drive on the spot, then a decision."""
        moment = self.later(lead.captured, self.rng.randrange(20, 50))
        if self.chance(0.45):
            self.log(lead, moment, "test_drive", "试乘试驾")
            lead.test_driven = True
        self.decide(lead, moment + timedelta(minutes=40))

    def decide(self, lead: _Lead, moment: datetime) -> None:
        """After a visit: a deal now or after a call or two, or the lead is lost."""
        if not lead.open:
            return
        p = FUNNELS[lead.channel].buys + (0.12 if lead.test_driven else 0.0)
        if self.chance(p):
            when = moment if self.chance(0.6) else self.days_later(moment, self.rng.randrange(1, 6))
            self.schedule(when, lambda: self.open_deal(lead, when))
            return
        call = self.days_later(moment, self.rng.randrange(1, 3), 9, 19)
        self.schedule(call, self._log_step(lead, call, "call", "到店后回访"))
        lost_at = self.days_later(call, self.rng.randrange(3, 18))
        self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_AFTER_VISIT))

    def lose(self, lead: _Lead, moment: datetime, reasons: Sequence[tuple[str, int]]) -> None:
        if not lead.open or lead.pending is not None:
            return
        reason = self.pick(reasons)
        note = self.rng.choice(OTHER_LOSS_NOTES) if reason == "other" else None
        self.floor.lose_lead(lead.seller.principal, lead.id, reason, note, moment)
        self._closed(lead)
        self.floor.forget(lead.id, lead.customer_id)

    # --- deals -------------------------------------------------------------------------------

    def open_deal(self, lead: _Lead, moment: datetime) -> None:
        if not lead.open:
            return
        store = lead.store
        vehicle = self.take_vehicle(store, lead.model)
        if vehicle is None:
            self.floor.lose_lead(
                lead.seller.principal, lead.id, "other", "心仪车型无现车，客户不愿等待", moment
            )
            self._closed(lead)
            return
        actor = lead.seller.principal
        deal_id = self.floor.open_deal(
            actor, store.id, lead.customer_id, lead.seller.staff_id, lead.id, moment
        )
        self._closed(lead)
        self.floor.forget(lead.id, lead.customer_id)
        self.bump(store, "deals")
        deal = _Deal(lead, deal_id, vehicle)
        attached = moment + timedelta(minutes=self.rng.randrange(5, 20))
        self.floor.attach_vehicle(actor, deal.id, vehicle.id, attached)
        low, high = store.brand.discount
        deal.discount_rate = self.rng.uniform(low, high)
        quoted = attached + timedelta(minutes=self.rng.randrange(10, 30))
        self.quote(deal, quoted)
        if self.chance(0.35):  # the customer negotiates: a better quote a few days later
            requote = self.days_later(quoted, self.rng.randrange(1, 4))
            self.schedule(requote, lambda: self.negotiate(deal, requote))
        else:
            self.close(deal, quoted)

    def quote(self, deal: _Deal, moment: datetime) -> None:
        price = deal.vehicle.list_price
        discount = round(price * deal.discount_rate / 100) * 100
        self.floor.quote(deal.actor(), deal.id, price, discount, moment)
        deal.selling_price = price - discount
        deal.status = "quoted"

    def negotiate(self, deal: _Deal, moment: datetime) -> None:
        deal.discount_rate = min(0.3, deal.discount_rate + self.rng.uniform(0.01, 0.04))
        self.quote(deal, moment)
        self.close(deal, moment)

    def close(self, deal: _Deal, moment: datetime) -> None:
        if self.chance(0.82):
            when = (
                moment + timedelta(minutes=30)
                if self.chance(0.5)
                else self.days_later(moment, self.rng.randrange(1, 7))
            )
            self.schedule(when, lambda: self.contract(deal, when))
        else:
            when = self.days_later(moment, self.rng.randrange(2, 11))
            self.schedule(when, lambda: self.cancel(deal, when))

    def contract(self, deal: _Deal, moment: datetime) -> None:
        store = deal.lead.store
        self.maybe_split(deal, moment - timedelta(minutes=5))
        gross = self.floor.sign_contract(deal.actor(), deal.id, moment)
        deal.front_gross = int(gross)
        deal.status = "contracted"
        self.bump(store, "contracts")
        store.stock.pop(deal.vehicle.id, None)
        self.sell_products(deal, moment + timedelta(minutes=20))
        when = self.days_later(moment, self.rng.randrange(3, 16), 10, 17)
        self.schedule(when, lambda: self.deliver(deal, when))

    def maybe_split(self, deal: _Deal, moment: datetime) -> None:
        """About one deal in twelve is shared with a colleague who helped close it."""
        seller = deal.lead.seller
        if not seller.active:  # the deal's own salesperson must keep a share
            return
        if not self.chance(0.08):
            return
        colleagues = [s for s in deal.lead.store.active_sellers() if s is not seller]
        if not colleagues:
            return
        other = self.rng.choice(colleagues)
        share = self.pick((("0.50", 6), ("0.70", 3), ("0.60", 2)))
        rest = str(Decimal(1) - Decimal(share))
        self.floor.split_credit(
            deal.lead.store.manager,
            deal.id,
            [(seller.staff_id, share), (other.staff_id, rest)],
            moment,
        )

    def sell_products(self, deal: _Deal, moment: datetime) -> None:
        """F&I after the contract: finance, insurance, accessories, now and then a warranty."""
        price = deal.selling_price
        products: list[dict[str, Any]] = []
        if self.chance(0.55):
            loan = round(price * self.rng.uniform(0.4, 0.7) / 1000) * 1000
            products.append(
                {
                    "kind": "finance",
                    "provider": self.rng.choice(LENDERS),
                    "amount": Decimal(loan),
                    "income": Decimal(round(loan * self.rng.uniform(0.015, 0.04))),
                }
            )
        if self.chance(0.85):
            premium = round(price * self.rng.uniform(0.025, 0.04))
            products.append(
                {
                    "kind": "insurance",
                    "provider": self.rng.choice(INSURERS),
                    "amount": Decimal(premium),
                    "income": Decimal(round(premium * self.rng.uniform(0.1, 0.2))),
                }
            )
        if self.chance(0.6):
            revenue = self.rng.randrange(20, 120) * 100
            products.append(
                {
                    "kind": "accessories",
                    "revenue": Decimal(revenue),
                    "cost": Decimal(round(revenue * self.rng.uniform(0.4, 0.65))),
                }
            )
        if self.chance(0.2):
            amount = self.rng.randrange(30, 90) * 100
            products.append(
                {
                    "kind": "warranty",
                    "amount": Decimal(amount),
                    "income": Decimal(round(amount * 0.35)),
                }
            )
        for n, product in enumerate(products):
            product["product_id"] = UUID(int=self.rng.getrandbits(128), version=4)
            self.floor.add_product(deal.actor(), deal.id, product, moment + timedelta(minutes=n))
            self.bump(deal.lead.store, "products")

    def cancel(self, deal: _Deal, moment: datetime) -> None:
        self.floor.cancel_deal(deal.actor(), deal.id, self.rng.choice(CANCEL_REASONS), moment)
        deal.status = "cancelled"
        self.bump(deal.lead.store, "cancelled")
        self.put_back(deal.lead.store, deal.vehicle)
        self.floor.forget(deal.id)

    def deliver(self, deal: _Deal, moment: datetime) -> None:
        store = deal.lead.store
        self.floor.deliver(deal.actor(), deal.id, moment)
        deal.status = "delivered"
        self.bump(store, "delivered")
        self.bump(store, "revenue", deal.selling_price)
        self.bump(store, "front_gross", deal.front_gross)
        if self.chance(0.25):  # the customer's old car is taken in and goes on the used lot
            self.trade_in(store, deal, moment + timedelta(minutes=30))
        if self.chance(0.015):
            deal.unwinding = True
            when = self.days_later(moment, self.rng.randrange(5, 26))
            self.schedule(when, lambda: self.unwind(deal, when))
        elif self.chance(0.45):
            answered = self.days_later(moment, self.rng.randrange(2, 10), 10, 18)
            self.schedule(answered, lambda: self.survey(deal, answered))
        else:
            self.floor.forget(deal.id, deal.vehicle.id)

    def trade_in(self, store: _Store, deal: _Deal, moment: datetime) -> None:
        model = self.pick([(m, m.popularity) for m in store.brand.models])
        trim = self.rng.randrange(len(model.trims))
        age = self.rng.randrange(3, 9)
        day = moment.astimezone(_tz()).date()
        allowance = round(model.trims[trim][1] * max(0.2, 0.78 - 0.07 * age) / 1000) * 1000
        list_price = round(allowance * self.rng.uniform(1.08, 1.18) / 1000) * 1000
        self.stock_vehicle(
            store, model, trim, "used", day.year - age, allowance, list_price, moment
        )
        self.bump(store, "trade_ins")
        self.bump(store, "used")

    def unwind(self, deal: _Deal, moment: datetime) -> None:
        store = deal.lead.store
        self.floor.unwind(store.manager, deal.id, self.rng.choice(UNWIND_REASONS), moment)
        deal.status = "unwound"
        self.bump(store, "unwound")
        self.bump(store, "delivered", -1)
        self.bump(store, "revenue", -deal.selling_price)
        self.bump(store, "front_gross", -deal.front_gross)
        self.put_back(store, deal.vehicle)
        self.floor.forget(deal.id)

    def survey(self, deal: _Deal, moment: datetime) -> None:
        base = self.rng.randrange(70, 101)
        answers = {
            q: max(0, min(100, base + self.rng.randrange(-12, 8)))
            for q in ("销售顾问专业度", "交车体验", "展厅环境", "价格透明度")
        }
        overall = max(0, min(100, round(sum(answers.values()) / len(answers))))
        self.floor.record_survey(
            deal.lead.store.manager,
            deal.id,
            answers,
            overall,
            moment.astimezone(_tz()).date(),
            moment,
        )
        self.bump(deal.lead.store, "surveys")
        self.floor.forget(deal.id, deal.vehicle.id)

    # --- the run -----------------------------------------------------------------------------

    def run(self) -> None:
        self.build_group()
        for store in self.stores:
            # The opening stock arrived over the weeks before the history starts (it ages).
            for n in range(store.target_stock):
                day = self.start - timedelta(days=self.rng.randrange(1, 75))
                moment = self.at(day, self.rng.randrange(OPENS, CLOSES - 1), self.rng.randrange(60))
                self.schedule(moment + timedelta(seconds=n), self._receive_step(store, moment))
            monday = self.start + timedelta(days=(7 - self.start.weekday()) % 7)
            first = self.at(monday, 10, self.rng.randrange(60))
            self.schedule(first, self._weekly_step(store, first))
            staffing = self.at(_first_of_next_month(self.start), 9, 0)
            self.schedule(staffing, self._staffing_step(store, staffing))
        dawn = self.at(self.start, 0, 0)
        self.schedule(dawn, lambda: self.plan_day(self.start))
        month = None
        while self.steps and self.steps[0].at <= self.end:
            step = heapq.heappop(self.steps)
            if self.progress is not None and step.at.month != month:
                month = step.at.month
                self.progress(f"{step.at.date():%Y-%m}")
            step.action()
        self.floor.flush()

    def _receive_step(self, store: _Store, moment: datetime) -> Callable[[], None]:
        return lambda: self.receive(store, moment, 1)

    def _weekly_step(self, store: _Store, moment: datetime) -> Callable[[], None]:
        return lambda: self.weekly_stock(store, moment)

    def _staffing_step(self, store: _Store, moment: datetime) -> Callable[[], None]:
        return lambda: self.monthly_staffing(store, moment)


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(TZ_NAME)


def _sorted3(values: tuple[float, float, float]) -> tuple[float, float, float]:
    """(low, high, mode) in the order random.triangular takes them."""
    low, mode, high = values
    return low, high, mode


def _principal(
    username: str, role: Role, store_id: UUID | None = None, staff_id: UUID | None = None
) -> Principal:
    """The principal the service path would build for this login (`principal_of`)."""
    return Principal(
        user_id=str(User.id_for(username)),
        role=role,
        store_id=store_id,
        staff_id=staff_id,
        username=username,
    )


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _has_store(app: Showroom) -> bool:
    if app.position() == 0:
        return False
    return bool(app.recorder.select_notifications(1, 1, topics=[get_topic(Store.Opened)]))


def stores_for(target_events: int, months: int) -> int:
    """How many stores make about `target_events` events over `months` months."""
    return max(1, math.ceil(target_events / (EVENTS_PER_STORE_MONTH * months)))


def generate(
    runtime: Runtime,
    *,
    seed: int = 7,
    stores: int = 3,
    months: int = 3,
    today: date | None = None,
    bulk: bool = True,
    batch_size: int = 1000,
    progress: Callable[[str], None] | None = None,
) -> GroupSummary:
    """Write a dealer group's history into an event store that has no store yet."""
    if _has_store(runtime.app):
        return GroupSummary(
            loaded=False,
            message="The event store already holds stores: the group was not generated again.",
        )
    if stores < 1 or months < 1:
        raise ValueError("the group needs at least one store and one month")
    day = today or business_day(clock.now(), TZ_NAME)
    floor: Floor
    if bulk:
        floor = BulkFloor(runtime.app, runtime.crm.phone_hash, batch_size)
    else:
        floor = ServiceFloor(runtime)
    before = runtime.app.position()
    began = wallclock.perf_counter()
    existing = frozenset(u for u, _, _, _ in GROUP_LOGINS if runtime.app.exists(User.id_for(u)))
    simulation = Simulation(floor, seed, stores, day, months, progress, existing)
    simulation.run()
    seconds = wallclock.perf_counter() - began
    by_store = {s.name: dict(s.totals) for s in simulation.stores}
    totals = {k: sum(s.get(k, 0) for s in by_store.values()) for k in TOTALS}
    return GroupSummary(
        loaded=True,
        message=f"Dealer group generated (seed {seed}).",
        seed=seed,
        stores=stores,
        months=months,
        events=runtime.app.position() - before,
        first_day=simulation.start,
        last_day=day,
        totals=totals,
        by_store=by_store,
        seconds=seconds,
        path="bulk" if bulk else "service",
    )
