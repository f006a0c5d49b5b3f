"""A deterministic demo dealer group, built through the domain services like real users would.

`load_demo` opens a few 4S stores in Chinese cities, hires a manager and salespeople for each,
stocks them with vehicles (valid VINs), and plays `months` months of the sales floor up to
`today`: leads from every channel, first responses, appointments that are kept or missed, test
drives, losses with reasons, deals quoted, contracted, delivered and now and then unwound.

Every event goes through the context services, acting as the principal who would do it on a
real floor (the system for web leads, salespeople for their own leads and deals, managers for
stock, reassignments and unwinds), with business times in Asia/Shanghai opening hours. The
steps of all leads, deals and deliveries run in business-time order, so stock is only sold after
it arrived and the log reads like the days it describes. The same seed and `today` give the same
group, the same events in the same order (only ids and record times differ).
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
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.crm.service import Crm
from domain.leads.model import Lead
from domain.leads.service import Leads
from domain.organisation.model import Store, User
from domain.shared import clock
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE
from domain.shared.values import Channel, vin, with_check_digit
from projections.db import Database
from projections.directory.queries import find_customer_by_phone_hash

if TYPE_CHECKING:
    from workers.runtime import Runtime

TZ = ZoneInfo(DEFAULT_TIMEZONE)
OPENS, CLOSES = 9, 20  # showroom hours, local time
STEP_REACH = timedelta(hours=3)  # how far past its own time a step may write, with room

T = TypeVar("T")

# --- the group ---------------------------------------------------------------------------------

GROUP_LOGINS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin", "showroom-admin", Role.ADMIN, "administrator: stores, staff, logins"),
    ("exec", "showroom-exec", Role.GROUP_EXEC, "group executive: every store, read-only"),
    ("finance", "showroom-finance", Role.FINANCE, "finance / payroll"),
    ("auditor", "showroom-auditor", Role.AUDITOR, "auditor: history and integrity of the log"),
)
MANAGER_PASSWORD = "showroom-manager"
SALES_PASSWORD = "showroom-sales"

# (name, city, brand); stores beyond the list repeat it as second, third... stores of a city.
STORES: tuple[tuple[str, str, str], ...] = (
    ("杭州西湖比亚迪4S店", "杭州", "BYD"),
    ("苏州园区丰田4S店", "苏州", "Toyota"),
    ("成都武侯大众4S店", "成都", "Volkswagen"),
    ("南京江宁吉利4S店", "南京", "Geely"),
    ("武汉光谷比亚迪4S店", "武汉", "BYD"),
    ("广州天河丰田4S店", "广州", "Toyota"),
    ("西安高新大众4S店", "西安", "Volkswagen"),
    ("宁波鄞州吉利4S店", "宁波", "Geely"),
)
# Salespeople per store, by store number: known without the seed, so logins can be listed.
SALES_TEAM_SIZES = (5, 6, 4)


@dataclass(frozen=True)
class Model:
    name: str
    code: str  # two VIN characters of the vehicle descriptor section
    popularity: int
    trims: tuple[tuple[str, int], ...]  # (trim, list price in CNY)


@dataclass(frozen=True)
class Brand:
    wmi: str  # world manufacturer identifier of the Chinese joint venture / maker
    plant: str
    cost_ratio: tuple[float, float]  # dealer cost as a share of list price
    models: tuple[Model, ...]


CATALOG: dict[str, Brand] = {
    "BYD": Brand(
        "LGX",
        "S",
        (0.88, 0.94),
        (
            Model("秦PLUS DM-i", "KP", 5, (("55km 领先型", 99800), ("120km 卓越型", 125800))),
            Model("宋PLUS DM-i", "SP", 4, (("110km 旗舰型", 155800), ("150km 旗舰PLUS", 169800))),
            Model("汉EV", "HE", 2, (("506km 尊贵型", 209800), ("610km 四驱旗舰型", 259800))),
            Model("海豚", "HT", 3, (("活力版", 99800), ("骑士版", 129800))),
            Model("元PLUS", "YP", 3, (("430km 领先型", 135800), ("510km 旗舰型", 153800))),
        ),
    ),
    "Toyota": Brand(
        "LVG",
        "G",
        (0.86, 0.93),
        (
            Model("卡罗拉", "CR", 5, (("1.2T 先锋版", 119800), ("双擎 精英版", 139800))),
            Model("凯美瑞", "CM", 3, (("2.0E 精英版", 179800), ("2.5HQ 旗舰版", 219800))),
            Model("RAV4荣放", "RV", 4, (("2.0L 风尚版", 175800), ("双擎 四驱旗舰版", 219800))),
            Model("汉兰达", "HL", 2, (("2.5L 两驱精英版", 269800), ("四驱至尊版", 329800))),
        ),
    ),
    "Volkswagen": Brand(
        "LFV",
        "C",
        (0.85, 0.92),
        (
            Model("朗逸", "LV", 5, (("1.5L 新逸版", 120900), ("280TSI 满逸版", 142900))),
            Model("速腾", "ST", 4, (("200TSI 飞越版", 149900), ("300TSI 超越版", 179900))),
            Model("迈腾", "MT", 3, (("330TSI 领先型", 189900), ("380TSI 旗舰型", 249900))),
            Model("途观L", "TG", 3, (("330TSI 两驱智享版", 215800), ("380TSI 四驱R-Line", 279800))),
            Model("ID.4 CROZZ", "DC", 2, (("纯净智享版", 199900), ("长续航 Prime", 252900))),
        ),
    ),
    "Geely": Brand(
        "L6T",
        "N",
        (0.87, 0.94),
        (
            Model("帝豪", "DH", 4, (("1.5L 亚运版", 72900), ("1.5L 旗舰型", 89900))),
            Model("星瑞", "XR", 3, (("2.0TD 动Pro", 115700), ("2.0TD 征服者", 139700))),
            Model("博越L", "BY", 4, (("1.5T 智享版", 121700), ("2.0TD 旗舰版", 153700))),
            Model("星越L", "XY", 3, (("2.0TD 两驱旗舰", 173700), ("2.0TD 四驱至尊", 209700))),
        ),
    ),
}
COLOURS = (
    ("珍珠白", 30),
    ("曜石黑", 25),
    ("星河银", 15),
    ("钛金灰", 15),
    ("天际蓝", 10),
    ("中国红", 5),
)
VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY"  # model years 2010..2030

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程魏"
)
# Split from one string so the lists stay readable (ruff would explode a literal list).
GIVEN = (  # noqa: SIM905
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 浩 宇"
    " 欣怡 子涵 梓萱 思远 俊杰 晨曦 雨桐 佳琪 建国 建华 志强 海燕"
    " 秀英 玉兰 文博 一鸣 浩然 若曦 嘉怡 家豪 俊熙 晓东 立新 春梅"
).split()
MOBILE_PREFIXES = "138 139 136 137 135 150 151 158 159 186 187 188 177 199".split()  # noqa: SIM905

CHANNELS: tuple[tuple[Channel, int], ...] = (
    (Channel.WALK_IN, 30),
    (Channel.PHONE, 14),
    (Channel.WEBSITE, 16),
    (Channel.MARKETPLACE, 24),
    (Channel.REFERRAL, 8),
    (Channel.CAMPAIGN, 8),
)
ONLINE = frozenset({Channel.WEBSITE, Channel.MARKETPLACE, Channel.CAMPAIGN})
APPOINTMENT_RATE = {
    Channel.PHONE: 0.45,
    Channel.WEBSITE: 0.33,
    Channel.MARKETPLACE: 0.30,
    Channel.CAMPAIGN: 0.25,
    Channel.REFERRAL: 0.55,
}
LOST_WITHOUT_VISIT = (
    ("no_response", 45),
    ("not_interested", 20),
    ("bought_elsewhere", 12),
    ("price", 10),
    ("competitor", 8),
    ("financing", 5),
)
LOST_AFTER_VISIT = (
    ("price", 30),
    ("competitor", 25),
    ("bought_elsewhere", 18),
    ("financing", 10),
    ("not_interested", 10),
    ("other", 7),
)
# Notes and reasons are what a Chinese salesperson types, fullwidth punctuation included.
OTHER_LOSS_NOTES = ("家人意见不一致，暂缓购车", "想等新款上市", "摇号未中，暂时无法上牌")
CANCEL_REASONS = ("价格未谈拢", "贷款未获批", "客户改选其他车型", "家庭原因暂缓购车")
UNWIND_REASONS = ("贷款审批撤销，客户退车", "交车后质量争议，协商退车")
LEADS_PER_STORE_DAY = 2.8  # about 85 leads a store a month; weekends busier
COUNTED = (
    "staff",
    "users",
    "customers",
    "leads",
    "deals",
    "contracts",
    "delivered",
    "unwound",
    "vehicles",
)
UNWIND_EVERY, UNWIND_OFFSET = 55, 27  # about 1 in 55 deliveries (1.8 %) is unwound later
WEEKDAY_WEIGHT = (0.8, 0.75, 0.8, 0.85, 1.0, 1.7, 1.6)


def demo_logins(stores: int = 3) -> list[tuple[str, str, str, str]]:
    """(username, password, role, description) of every demo login, for printing."""
    logins = [(u, p, r.value, d) for u, p, r, d in GROUP_LOGINS]
    for index in range(stores):
        name = _store_spec(index)[0]
        logins.append(
            (f"manager{index + 1}", MANAGER_PASSWORD, Role.STORE_MANAGER.value, f"经理, {name}")
        )
    number = 0
    for index in range(stores):
        name = _store_spec(index)[0]
        for _ in range(_team_size(index)):
            number += 1
            logins.append(
                (f"sales{number}", SALES_PASSWORD, Role.SALESPERSON.value, f"销售顾问, {name}")
            )
    return logins


def _store_spec(index: int) -> tuple[str, str, str]:
    name, city, brand = STORES[index % len(STORES)]
    round_ = index // len(STORES)
    if round_:
        name = name.replace("4S店", f"{round_ + 1}号4S店")
    return name, city, brand


def _team_size(index: int) -> int:
    return SALES_TEAM_SIZES[index % len(SALES_TEAM_SIZES)]


# --- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` did: counts of what it created (nothing when the log was not empty)."""

    loaded: bool
    message: str
    stores: int = 0
    staff: int = 0
    users: int = 0
    customers: int = 0
    leads: int = 0
    deals: int = 0
    contracts: int = 0
    delivered: int = 0
    unwound: int = 0
    vehicles: int = 0
    events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    delivered_by_store: dict[str, int] = field(default_factory=dict)  # net of unwinds
    seconds: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        if not self.loaded:
            return self.message
        lines = [
            self.message,
            f"  {self.stores} stores, {self.staff} staff, {self.users} logins",
            f"  {self.vehicles} vehicles received, {self.customers} customers, {self.leads} leads",
            f"  {self.deals} deals: {self.contracts} contracted, {self.delivered} delivered,"
            f" {self.unwound} unwound",
            f"  {self.events} events from {self.first_day} to {self.last_day}"
            f" in {self.seconds:.1f} s",
        ]
        lines += [
            f"  {name}: {units} units delivered" for name, units in self.delivered_by_store.items()
        ]
        return "\n".join(lines)


# --- the simulation ----------------------------------------------------------------------------


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
    sellers: list[Principal]
    target_stock: int
    stock: dict[UUID, _Vehicle] = field(default_factory=dict)  # not sold: in stock or reserved
    available: list[UUID] = field(default_factory=list)  # in stock, oldest first
    rotation: int = 0
    delivered: int = 0


@dataclass
class _Lead:
    store: _Store
    id: UUID
    customer_id: UUID
    channel: Channel
    captured: datetime
    seller: Principal
    model: Model
    trim: int
    colour: str
    visited: bool = False
    test_driven: bool = False
    appointments: int = 0


@dataclass
class _Deal:
    lead: _Lead
    id: UUID
    vehicle: _Vehicle
    discount_rate: float = 0.0


class _UnwaitingPhoneIndex:
    """The directory view's phone index, answered without waiting for the view to catch up."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, phone_hash: str) -> UUID | None:
        return find_customer_by_phone_hash(self.db, phone_hash)


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)


class _Demo:
    def __init__(
        self, runtime: Runtime, seed: int, stores: int, today: date, end: datetime
    ) -> None:
        self.rt = runtime
        # Capture leads through a CRM whose phone index does not wait for the directory view to
        # catch up before each lookup (the runtime's does, for read-your-writes): demo phones are
        # unique by construction, so no lookup can match a customer the view has not seen yet.
        self.crm = Crm(runtime.app, _UnwaitingPhoneIndex(runtime.db), runtime.settings.phone_key)
        self.leads = Leads(runtime.app, self.crm)
        self.rng = random.Random(seed)
        self.store_count = stores
        self.today, self.end = today, end
        self.start = today - timedelta(days=1)  # replaced in run()
        self.steps: list[_Step] = []
        self.seq = 0
        self.stores: list[_Store] = []
        self.vin_serial = self.rng.randrange(100_000, 400_000)
        self.phone_base = self.rng.randrange(10**8)
        self.counts = dict.fromkeys(
            (
                "staff",
                "users",
                "customers",
                "leads",
                "deals",
                "contracts",
                "delivered",
                "unwound",
                "vehicles",
            ),
            0,
        )

    # --- randomness and time ------------------------------------------------------------------

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
        return datetime.combine(day, time(hour, minute), TZ)

    def floor(self, moment: datetime) -> datetime:
        """The moment, moved into the next opening hours if the showroom is closed then."""
        local = moment.astimezone(TZ)
        if local.hour < OPENS:
            return self.at(local.date(), OPENS, self.rng.randrange(5, 50))
        if local.hour >= CLOSES:
            return self.at(local.date() + timedelta(days=1), OPENS, self.rng.randrange(5, 50))
        return local

    def later(self, moment: datetime, minutes: float) -> datetime:
        return self.floor(moment + timedelta(minutes=minutes))

    def days_later(self, moment: datetime, days: int, first: int = 10, last: int = 18) -> datetime:
        day = moment.astimezone(TZ).date() + timedelta(days=days)
        return self.at(day, self.rng.randrange(first, last), self.rng.randrange(60))

    def schedule(self, moment: datetime, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.steps, _Step(moment, self.seq, action))

    # --- names ----------------------------------------------------------------------------------

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def phone(self) -> str:
        # Unique by construction (7919 is prime to 10^8): the phone index never has to match.
        self.counts["customers"] += 1
        suffix = (self.phone_base + 7919 * self.counts["customers"]) % 10**8
        return f"{self.rng.choice(MOBILE_PREFIXES)}{suffix:08d}"

    def vin_for(self, brand: Brand, model: Model, trim: int, model_year: int) -> str:
        self.vin_serial += 1
        year = VIN_YEARS[model_year - 2010] if model_year >= 2010 else str(model_year - 2000)
        stem = (
            f"{brand.wmi}{model.code}{trim + 1}BC0{year}{brand.plant}{self.vin_serial % 10**6:06d}"
        )
        return vin(with_check_digit(stem))

    # --- the group -------------------------------------------------------------------------------

    def build_group(self) -> None:
        org = self.rt.organisation
        opened = self.at(self.start - timedelta(days=120), 10)
        for username, password, role, _ in GROUP_LOGINS:
            self.login(SYSTEM, username, password, role, occurred_at=opened)
        admin = self.principal("admin")
        sales_number = 0
        for index in range(self.store_count):
            name, city, brand_name = _store_spec(index)
            store_id = org.open_store(admin, name, city, [brand_name], DEFAULT_TIMEZONE, opened).id
            hired = opened + timedelta(days=1)
            manager_id = org.hire_staff(
                admin, store_id, self.person(), Role.STORE_MANAGER, hired
            ).id
            self.counts["staff"] += 1
            manager_name = f"manager{index + 1}"
            self.login(
                admin,
                manager_name,
                MANAGER_PASSWORD,
                Role.STORE_MANAGER,
                staff_id=manager_id,
                occurred_at=hired,
            )
            manager = self.principal(manager_name)
            sellers = []
            for _ in range(_team_size(index)):
                sales_number += 1
                staff_id = org.hire_staff(
                    manager, store_id, self.person(), Role.SALESPERSON, hired + timedelta(hours=2)
                ).id
                self.counts["staff"] += 1
                username = f"sales{sales_number}"
                self.login(
                    admin,
                    username,
                    SALES_PASSWORD,
                    Role.SALESPERSON,
                    staff_id=staff_id,
                    occurred_at=hired + timedelta(hours=3),
                )
                sellers.append(self.principal(username))
            self.stores.append(
                _Store(
                    index=index,
                    id=store_id,
                    name=name,
                    brand=CATALOG[brand_name],
                    manager=manager,
                    sellers=sellers,
                    target_stock=self.rng.randrange(40, 60),
                )
            )

    def login(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role,
        *,
        staff_id: UUID | None = None,
        occurred_at: datetime,
    ) -> None:
        if self.rt.app.exists(User.id_for(username)):
            return  # a login made before the demo (e.g. the operator's admin) is kept as it is
        self.rt.organisation.register_user(
            actor, username, password, role, staff_id=staff_id, occurred_at=occurred_at
        )
        self.counts["users"] += 1

    def principal(self, username: str) -> Principal:
        principal = self.rt.organisation.principal(User.id_for(username))
        if principal is None:
            raise RuntimeError(f"demo login {username!r} is not active")
        return principal

    # --- stock -------------------------------------------------------------------------------

    def receive(self, store: _Store, moment: datetime, count: int) -> None:
        brand = store.brand
        models = [(m, m.popularity) for m in brand.models]
        for n in range(count):
            when = moment + timedelta(minutes=4 * n)
            model = self.pick(models)
            trim = self.rng.randrange(len(model.trims))
            list_price = model.trims[trim][1]
            colour = self.pick(COLOURS)
            day = when.astimezone(TZ).date()
            condition = "new"
            model_year = day.year + (1 if day.month >= 10 and self.chance(0.4) else 0)
            if self.chance(0.08):  # a used car taken in, retailed from this store's lot
                condition = "used"
                age = self.rng.randrange(2, 7)
                model_year = day.year - age
                list_price = round(list_price * (0.82 - 0.07 * age) / 1000) * 1000
            cost_share = self.rng.uniform(*brand.cost_ratio)
            cost = round(list_price * cost_share / 100) * 100
            number = self.vin_for(brand, model, trim, model_year)
            written = self.rt.inventory.receive_vehicle(
                store.manager,
                store.id,
                number,
                _maker(brand),
                model.name,
                model.trims[trim][0],
                colour,
                model_year,
                condition,
                Decimal(cost),
                Decimal(list_price),
                received_on=day,
                occurred_at=when,
            )
            vehicle = _Vehicle(written.id, model, list_price, day)
            store.stock[vehicle.id] = vehicle
            store.available.append(vehicle.id)
            self.counts["vehicles"] += 1

    def weekly_stock(self, store: _Store, moment: datetime) -> None:
        """Monday: the manager reprices aged stock and orders the lot back up to its target."""
        today = moment.astimezone(TZ).date()
        for vehicle_id in list(store.available):
            vehicle = store.stock[vehicle_id]
            if not vehicle.repriced and (today - vehicle.received).days > 75 and self.chance(0.5):
                vehicle.list_price = round(vehicle.list_price * 0.97 / 100) * 100
                vehicle.repriced = True
                self.rt.inventory.reprice_vehicle(
                    store.manager, vehicle.id, Decimal(vehicle.list_price), occurred_at=moment
                )
        missing = store.target_stock - len(store.stock) + self.rng.randrange(-2, 4)
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

    # --- leads ---------------------------------------------------------------------------------

    def next_seller(self, store: _Store) -> Principal:
        store.rotation += 1
        return store.sellers[store.rotation % len(store.sellers)]

    def plan_leads(self) -> None:
        day = self.start
        while day <= self.today:
            for store in self.stores:
                mean = LEADS_PER_STORE_DAY * WEEKDAY_WEIGHT[day.weekday()]
                for _ in range(self.poisson(mean)):
                    channel = self.pick(CHANNELS)
                    # Web enquiries come at any waking hour; people walk in and call in hours.
                    first, last = (7, 24) if channel in ONLINE else (OPENS, CLOSES - 1)
                    moment = self.at(day, self.rng.randrange(first, last), self.rng.randrange(60))
                    self.schedule(moment, self._capture_step(store, channel, moment))
            day += timedelta(days=1)

    def _capture_step(
        self, store: _Store, channel: Channel, moment: datetime
    ) -> Callable[[], None]:
        return lambda: self.capture(store, channel, moment)

    def capture(self, store: _Store, channel: Channel, moment: datetime) -> None:
        model = self.pick([(m, m.popularity) for m in store.brand.models])
        seller = self.next_seller(store)
        actor = SYSTEM if channel in ONLINE else seller
        note = {
            Channel.WEBSITE: "官网留资",
            Channel.MARKETPLACE: self.rng.choice(("汽车之家询价", "懂车帝询价", "易车询价")),
            Channel.CAMPAIGN: self.rng.choice(("抖音直播活动", "周末团购会", "以旧换新活动")),
            Channel.REFERRAL: "老客户转介绍",
        }.get(channel)
        written = self.leads.capture_lead(
            actor,
            store.id,
            channel.value,
            customer_name=self.person(),
            customer_phone=self.phone(),
            model_interest=model.name,
            note=note,
            salesperson_id=seller.staff_id,
            occurred_at=moment,
        )
        captured: Lead = self.rt.app.repository.get(written.id)
        lead = _Lead(
            store=store,
            id=written.id,
            customer_id=captured.customer_id,
            channel=channel,
            captured=moment,
            seller=seller,
            model=model,
            trim=self.rng.randrange(len(model.trims)),
            colour=self.pick(COLOURS),
        )
        self.counts["leads"] += 1
        if channel is Channel.WALK_IN:
            self.log(lead, moment, "visit", "到店看车，已建档")
            lead.visited = True
            self.after_contact(lead, moment)
            self.schedule(self.later(moment, 15), lambda: self.on_floor(lead))
        elif channel is Channel.PHONE:
            self.log(lead, moment, "call", "来电咨询价格与现车")
            self.after_contact(lead, moment)
            self.schedule(moment, lambda: self.invite(lead, moment))
        else:
            if channel in ONLINE:
                self.log(
                    lead,
                    moment + timedelta(minutes=1),
                    "message",
                    "自动回复：顾问将尽快联系您",
                    automated=True,
                )
                if self.chance(0.1):
                    handover = self.later(moment, self.rng.randrange(20, 120))
                    self.schedule(handover, lambda: self.reassign(lead, handover))
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
        actor = SYSTEM if automated else lead.seller
        self.leads.log_activity(
            actor, lead.id, kind, outcome=outcome, automated=automated, occurred_at=moment
        )

    def reassign(self, lead: _Lead, moment: datetime) -> None:
        store = lead.store
        others = [s for s in store.sellers if s.staff_id != lead.seller.staff_id]
        new = self.rng.choice(others)
        staff_id = _staff_of(new)
        self.leads.assign_lead(store.manager, lead.id, staff_id, occurred_at=moment)
        self.crm.reassign_customer(store.manager, lead.customer_id, staff_id, occurred_at=moment)
        lead.seller = new

    def after_contact(self, lead: _Lead, moment: datetime) -> None:
        """At first contact the salesperson records what the customer wants and consents to."""
        if self.chance(0.55):
            trim, price = lead.model.trims[lead.trim]
            budget = round(price * self.rng.uniform(0.95, 1.15) / 10_000) * 10_000
            self.crm.record_preferences(
                lead.seller,
                lead.customer_id,
                lead.model.name,
                lead.colour,
                trim,
                Decimal(budget),
                occurred_at=moment + timedelta(minutes=2),
            )
        if self.chance(0.6):
            self.crm.record_consent(
                lead.seller,
                lead.customer_id,
                self.rng.choice(("wechat", "sms", "call")),
                True,
                occurred_at=moment + timedelta(minutes=3),
            )

    def first_call(self, lead: _Lead, moment: datetime) -> None:
        self.log(lead, moment, "call", "首次电话沟通需求")
        self.after_contact(lead, moment)
        self.invite(lead, moment)

    def invite(self, lead: _Lead, moment: datetime) -> None:
        """Try to book a visit; otherwise follow up a few times and record the loss."""
        rate = APPOINTMENT_RATE.get(lead.channel, 0.3)
        if self.chance(rate if lead.appointments == 0 else 0.35):
            self.book(lead, moment)
            return
        follow_ups = self.rng.randrange(1, 4)
        when = moment
        for n in range(follow_ups):
            when = self.days_later(when, self.rng.randrange(1, 5), 9, 19)
            kind = "call" if n % 2 == 0 else "message"
            self.schedule(when, self._log_step(lead, when, kind, "跟进回访"))
        lost_at = self.days_later(when, self.rng.randrange(2, 12))
        self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_WITHOUT_VISIT))

    def _log_step(
        self, lead: _Lead, moment: datetime, kind: str, outcome: str
    ) -> Callable[[], None]:
        return lambda: self.log(lead, moment, kind, outcome)

    def book(self, lead: _Lead, moment: datetime) -> None:
        scheduled = self.days_later(moment, self.rng.randrange(1, 6), 10, 18)
        purpose = "test_drive" if self.chance(0.4) else "visit"
        appointment_id = UUID(int=self.rng.getrandbits(128), version=4)
        self.leads.set_appointment(
            lead.seller,
            lead.id,
            scheduled,
            purpose,
            appointment_id=appointment_id,
            occurred_at=moment,
        )
        lead.appointments += 1
        shows = self.chance(0.85 if lead.channel is Channel.REFERRAL else 0.68)
        if shows:
            arrived = scheduled + timedelta(minutes=self.rng.randrange(-10, 30))
            self.schedule(arrived, lambda: self.shown(lead, appointment_id, arrived, purpose))
        else:
            missed = self.later(scheduled, self.rng.randrange(90, 240))
            self.schedule(missed, lambda: self.missed(lead, appointment_id, missed))

    def shown(self, lead: _Lead, appointment_id: UUID, moment: datetime, purpose: str) -> None:
        self.leads.mark_shown(lead.seller, lead.id, appointment_id, occurred_at=moment)
        lead.visited = True
        if purpose == "test_drive":
            self.log(lead, moment + timedelta(minutes=15), "test_drive", "试乘试驾")
            lead.test_driven = True
        self.decide(lead, moment + timedelta(minutes=45))

    def missed(self, lead: _Lead, appointment_id: UUID, moment: datetime) -> None:
        self.leads.mark_no_show(lead.seller, lead.id, appointment_id, occurred_at=moment)
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
        p = 0.36 + (0.12 if lead.test_driven else 0.0)
        if self.chance(p):
            when = moment if self.chance(0.6) else self.days_later(moment, self.rng.randrange(1, 6))
            self.schedule(when, lambda: self.open_deal(lead, when))
            return
        call = self.days_later(moment, self.rng.randrange(1, 3), 9, 19)
        self.schedule(call, self._log_step(lead, call, "call", "到店后回访"))
        lost_at = self.days_later(call, self.rng.randrange(3, 18))
        self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_AFTER_VISIT))

    def lose(self, lead: _Lead, moment: datetime, reasons: Sequence[tuple[str, int]]) -> None:
        reason = self.pick(reasons)
        note = self.rng.choice(OTHER_LOSS_NOTES) if reason == "other" else None
        self.leads.lose_lead(lead.seller, lead.id, reason, note=note, occurred_at=moment)

    # --- deals ---------------------------------------------------------------------------------

    def open_deal(self, lead: _Lead, moment: datetime) -> None:
        store = lead.store
        vehicle = self.take_vehicle(store, lead.model)
        if vehicle is None:
            self.leads.lose_lead(
                lead.seller,
                lead.id,
                "other",
                note="心仪车型无现车，客户不愿等待",
                occurred_at=moment,
            )
            return
        written = self.rt.sales.open_deal(
            lead.seller, store.id, lead.customer_id, lead_id=lead.id, occurred_at=moment
        )
        self.counts["deals"] += 1
        deal = _Deal(lead, written.id, vehicle)
        attached = moment + timedelta(minutes=self.rng.randrange(5, 20))
        self.rt.sales.attach_vehicle(lead.seller, deal.id, vehicle.id, occurred_at=attached)
        deal.discount_rate = self.rng.uniform(0.01, 0.05)
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
        self.rt.sales.quote_deal(
            deal.lead.seller, deal.id, Decimal(price), Decimal(discount), occurred_at=moment
        )

    def negotiate(self, deal: _Deal, moment: datetime) -> None:
        deal.discount_rate += self.rng.uniform(0.01, 0.04)
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
        self.rt.sales.sign_contract(deal.lead.seller, deal.id, occurred_at=moment)
        self.counts["contracts"] += 1
        deal.lead.store.stock.pop(deal.vehicle.id, None)
        when = self.days_later(moment, self.rng.randrange(3, 16), 10, 17)
        self.schedule(when, lambda: self.deliver(deal, when))

    def cancel(self, deal: _Deal, moment: datetime) -> None:
        self.rt.sales.cancel_deal(
            deal.lead.seller, deal.id, self.rng.choice(CANCEL_REASONS), occurred_at=moment
        )
        self.put_back(deal.lead.store, deal.vehicle)

    def deliver(self, deal: _Deal, moment: datetime) -> None:
        self.rt.sales.deliver_deal(deal.lead.seller, deal.id, occurred_at=moment)
        self.counts["delivered"] += 1
        deal.lead.store.delivered += 1
        if self.counts["delivered"] % UNWIND_EVERY == UNWIND_OFFSET:
            when = self.days_later(moment, self.rng.randrange(5, 26))
            self.schedule(when, lambda: self.unwind(deal, when))

    def unwind(self, deal: _Deal, moment: datetime) -> None:
        store = deal.lead.store
        self.rt.sales.unwind_deal(
            store.manager, deal.id, self.rng.choice(UNWIND_REASONS), occurred_at=moment
        )
        self.counts["unwound"] += 1
        store.delivered -= 1
        self.put_back(store, deal.vehicle)

    # --- the run -------------------------------------------------------------------------------

    def run(self, months: int) -> None:
        self.start = _months_before(self.today, months) + timedelta(days=1)
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
        self.plan_leads()
        while self.steps and self.steps[0].at <= self.end:
            heapq.heappop(self.steps).action()

    def _receive_step(self, store: _Store, moment: datetime) -> Callable[[], None]:
        return lambda: self.receive(store, moment, 1)

    def _weekly_step(self, store: _Store, moment: datetime) -> Callable[[], None]:
        return lambda: self.weekly_stock(store, moment)


def _staff_of(principal: Principal) -> UUID:
    if principal.staff_id is None:
        raise RuntimeError(f"demo login {principal.username!r} has no staff record")
    return principal.staff_id


def _maker(brand: Brand) -> str:
    return next(name for name, b in CATALOG.items() if b is brand)


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


def _has_store(runtime: Runtime) -> bool:
    if runtime.app.position() == 0:
        return False
    found = runtime.app.recorder.select_notifications(
        start=1, limit=1, topics=[get_topic(Store.Opened)]
    )
    return bool(found)


# The demo's pay plan: a flat per unit, 20 % of commission gross with a ¥300 mini, retroactive
# volume tiers, and F&I flats, assigned to every store's salespeople from the demo's first month.
STANDARD_PLAN: list[dict[str, Any]] = [
    {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
    {"type": "percent_of_gross", "key": "commission", "rate": "0.20", "mini": "300"},
    {
        "type": "volume_tiers",
        "key": "volume",
        "mode": "retroactive",
        "tiers": [{"threshold": "4", "amount": "100"}, {"threshold": "8", "amount": "200"}],
    },
    {
        "type": "fni",
        "key": "fni",
        "products": {"finance": {"flat": "300"}, "insurance": {"rate": "0.1"}},
    },
]


def _standard_pay_plan(runtime: Runtime, demo: _Demo) -> None:
    from domain.pay.service.plans import PayPlans

    plans = PayPlans(runtime.app)
    first = demo.start.replace(day=1)
    when = datetime.combine(first, time(9), TZ)
    plan_id = plans.create_plan(
        SYSTEM, "Sales floor standard", "The demo's pay plan", occurred_at=when
    ).id
    plans.publish_version(SYSTEM, plan_id, first, STANDARD_PLAN, "demo", occurred_at=when)
    for store in demo.stores:
        plans.assign(
            SYSTEM, plan_id, first, store_id=store.id, role="salesperson", occurred_at=when
        )


def load_demo(
    runtime: Runtime,
    *,
    seed: int = 7,
    stores: int = 3,
    months: int = 3,
    today: date | None = None,
) -> DemoSummary:
    """Build the demo dealer group into an event store that has no store yet."""
    if _has_store(runtime):
        return DemoSummary(
            loaded=False,
            message="The event store already holds stores: the demo was not loaded again.",
        )
    if stores < 1 or months < 1:
        raise ValueError("the demo needs at least one store and one month")
    began = wallclock.perf_counter()
    # Nothing may be recorded as having happened in the future, and a step writes up to about
    # an hour past its own time (a visit's test drive, a deal's quote): history ends earlier.
    now = (clock.now() - STEP_REACH).astimezone(TZ)
    if today is None:
        today, end = now.date(), now
    else:
        end = min(datetime.combine(today, time(CLOSES), TZ), now)
    before = runtime.app.position()
    demo = _Demo(runtime, seed, stores, today, end)
    demo.run(months)
    _standard_pay_plan(runtime, demo)
    counts = demo.counts
    return DemoSummary(
        loaded=True,
        message=f"Demo dealer group loaded (seed {seed}).",
        stores=len(demo.stores),
        staff=counts["staff"],
        users=counts["users"],
        customers=counts["customers"],
        leads=counts["leads"],
        deals=counts["deals"],
        contracts=counts["contracts"],
        delivered=counts["delivered"],
        unwound=counts["unwound"],
        vehicles=counts["vehicles"],
        events=runtime.app.position() - before,
        first_day=demo.start,
        last_day=today,
        delivered_by_store={s.name: s.delivered for s in demo.stores},
        seconds=wallclock.perf_counter() - began,
    )
