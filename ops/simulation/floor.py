"""The sales floor of a dealer group, day by day, as commands to the context services.

`Floor` is the group's side of the simulation: its calendar (randomness, opening hours, steps in
business-time order), the stores, managers and salespeople of a preset (`presets.py`), staff
turnover in a generated group (salespeople leave, their open leads and customers are handed
over, new hires arrive), and stock (opening stock, weekly reorders by season, repricing of aged
stock, used cars bought in). `selling.Simulation` adds the customers: leads through deliveries.

Every step is a service command, as the API would give it, by the principal who would give it
on a real floor (the system for web leads, salespeople for their own leads and deals, managers
for stock, splits, surveys and unwinds), with business times in the store's opening hours. The
steps run in business-time order, so stock is sold only after it arrived and the log reads like
the days it describes. Deterministic for a seed, store count, months and end day: the same
commands in the same order. Customer phones are unique by construction.
"""

from __future__ import annotations

import heapq
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.organisation.model import User
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE
from domain.shared.values import vin, with_check_digit
from ops.simulation.batched import BatchedShowroom
from ops.simulation.catalog import (
    COLOURS,
    GIVEN,
    LEAVE_REASONS,
    MOBILE_PREFIXES,
    SURNAMES,
    VIN_SERIAL,
    VIN_YEARS,
    Brand,
    Model,
    season,
)
from ops.simulation.demo import GROUP_LOGINS, MANAGER_PASSWORD, SALES_PASSWORD
from ops.simulation.presets import Preset
from ops.simulation.records import (
    TOTALS,
    SimLead,
    SimSeller,
    SimStore,
    SimVehicle,
    Step,
)
from workers.runtime import Services

TZ_NAME = DEFAULT_TIMEZONE
TZ = ZoneInfo(TZ_NAME)
OPENS, CLOSES = 9, 20  # showroom hours, local time
STEP_REACH = timedelta(hours=3)  # how far past its own time a step may write, with room
LEADS_PER_STORE_DAY = 2.8  # an ordinary store: about 85 leads a month, weekends busier
T = TypeVar("T")


class Floor(ABC):
    """The group's calendar, staff and stock, in business-time order; `Simulation` sells."""

    def __init__(
        self,
        services: Services,
        preset: Preset,
        seed: int,
        stores: int,
        today: date,
        end: datetime,
        months: int,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.services = services
        self.preset = preset
        self.rng = random.Random(seed)
        self.store_count = stores
        self.today = today
        self.end = end  # no step after it runs
        self.start = _months_before(today, months) + timedelta(days=1)
        self.steps: list[Step] = []
        self.seq = 0
        self.stores: list[SimStore] = []
        self.vin_serial = self.rng.randrange(33**3)
        self.phone_base = self.rng.randrange(10**8)
        self.phones = 0
        self.sales_number = 0
        self.admin = SYSTEM  # until the group's admin login exists
        self.progress = progress
        self.users = 0
        # Open leads by the staff id of their salesperson, to hand over when one leaves.
        self._open_leads: dict[UUID, dict[UUID, SimLead]] = {}

    def forget(self, *ids: UUID) -> None:
        """The simulation is done with these aggregates (a batched application lets go)."""
        if isinstance(self.services.app, BatchedShowroom):
            self.services.app.forget(*ids)

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
        return datetime.combine(day, time(hour, minute), TZ)

    def floor_time(self, moment: datetime) -> datetime:
        """The moment, moved into the next opening hours if the showroom is closed then."""
        local = moment.astimezone(TZ)
        if local.hour < OPENS:
            return self.at(local.date(), OPENS, self.rng.randrange(5, 50))
        if local.hour >= CLOSES:
            return self.at(local.date() + timedelta(days=1), OPENS, self.rng.randrange(5, 50))
        return local

    def later(self, moment: datetime, minutes: float) -> datetime:
        return self.floor_time(moment + timedelta(minutes=minutes))

    def days_later(self, moment: datetime, days: int, first: int = 10, last: int = 18) -> datetime:
        day = moment.astimezone(TZ).date() + timedelta(days=days)
        return self.at(day, self.rng.randrange(first, last), self.rng.randrange(60))

    def schedule(self, moment: datetime, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.steps, Step(moment, self.seq, action))

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

    def bump(self, store: SimStore, key: str, amount: int = 1) -> None:
        store.totals[key] = store.totals.get(key, 0) + amount

    # --- the group ---------------------------------------------------------------------------

    def build_group(self) -> None:
        org = self.services.organisation
        opened = self.at(self.start - timedelta(days=120), 10)
        for username, password, role, _ in GROUP_LOGINS:
            self.register_user(SYSTEM, username, password, role, None, opened)
        self.admin = self.principal("admin")
        for index in range(self.store_count):
            spec = self.preset.store(index, self.rng)
            store_id = org.open_store(
                self.admin, spec.name, spec.city, [spec.brand.name], TZ_NAME, opened
            ).id
            hired = opened + timedelta(days=1)
            manager_id = org.hire_staff(
                self.admin, store_id, self.person(), Role.STORE_MANAGER, hired
            ).id
            username = f"manager{index + 1}"
            self.register_user(
                self.admin, username, MANAGER_PASSWORD, Role.STORE_MANAGER, manager_id, hired
            )
            store = SimStore(
                index=index,
                id=store_id,
                name=spec.name,
                brand=spec.brand,
                manager=self.principal(username),
                sellers=[],
                lead_rate=LEADS_PER_STORE_DAY * spec.size,
                target_stock=int(self.rng.randrange(40, 60) * spec.size),
                totals=dict.fromkeys(TOTALS, 0),
            )
            for _ in range(spec.sellers):
                self.hire_seller(store, hired + timedelta(hours=2))
            self.stores.append(store)

    def register_user(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role,
        staff_id: UUID | None,
        at: datetime,
    ) -> None:
        if self.services.app.exists(User.id_for(username)):
            return  # a login made before (e.g. the operator's own admin) is kept as it is
        self.services.organisation.register_user(
            actor, username, password, role, staff_id=staff_id, occurred_at=at
        )
        self.users += 1

    def principal(self, username: str) -> Principal:
        """The login's principal, read from its user as the API reads it on each request."""
        principal = self.services.organisation.principal(User.id_for(username))
        if principal is None:
            raise RuntimeError(f"login {username!r} is not active")
        return principal

    def hire_seller(self, store: SimStore, moment: datetime) -> SimSeller:
        self.sales_number += 1
        username = f"sales{self.sales_number}"
        staff_id = self.services.organisation.hire_staff(
            store.manager, store.id, self.person(), Role.SALESPERSON, moment
        ).id
        self.register_user(
            self.admin,
            username,
            SALES_PASSWORD,
            Role.SALESPERSON,
            staff_id,
            moment + timedelta(hours=1),
        )
        seller = SimSeller(self.principal(username), username)
        store.sellers.append(seller)
        return seller

    # --- staff turnover ----------------------------------------------------------------------

    def monthly_staffing(self, store: SimStore, moment: datetime) -> None:
        """First of the month: now and then a salesperson hands in notice."""
        active = store.active_sellers()
        if len(active) > 2 and self.chance(0.02 * len(active)):
            leaver = self.rng.choice(active)
            leaves_at = self.days_later(moment, self.rng.randrange(1, 20), 10, 12)
            self.schedule(leaves_at, lambda: self.leave(store, leaver, leaves_at))
        next_month = self.at(_first_of_next_month(moment.astimezone(TZ).date()), 9, 0)
        self.schedule(next_month, lambda: self.monthly_staffing(store, next_month))

    def leave(self, store: SimStore, leaver: SimSeller, moment: datetime) -> None:
        if not leaver.active:
            return
        others = [s for s in store.active_sellers() if s is not leaver]
        leaver.active = False
        # The manager hands the leaver's open leads (and their customers) to colleagues first.
        for lead in list(self._open_leads.get(leaver.staff_id, {}).values()):
            heir = self.rng.choice(others)
            self.services.leads.assign_lead(
                store.manager, lead.id, heir.staff_id, occurred_at=moment
            )
            self.services.crm.reassign_customer(
                store.manager, lead.customer_id, heir.staff_id, occurred_at=moment
            )
            self._move(lead, heir)
        org = self.services.organisation
        reason = self.rng.choice(LEAVE_REASONS)
        org.staff_leaves(store.manager, leaver.staff_id, reason, occurred_at=moment)
        org.deactivate_user(self.admin, leaver.username, occurred_at=moment + timedelta(minutes=5))
        self.bump(store, "left")
        start = self.days_later(moment, self.rng.randrange(7, 25), 9, 11)
        self.schedule(start, lambda: self.new_hire(store, start))

    def new_hire(self, store: SimStore, moment: datetime) -> None:
        self.hire_seller(store, moment)
        self.bump(store, "hired")

    # --- stock -------------------------------------------------------------------------------

    def receive(self, store: SimStore, moment: datetime, count: int) -> None:
        brand = store.brand
        models = [(m, m.popularity) for m in brand.models]
        for n in range(count):
            when = moment + timedelta(minutes=4 * n)
            model = self.pick(models)
            trim = self.rng.randrange(len(model.trims))
            # Options and packages move the sticker a little above the trim's base price.
            list_price = round(model.trims[trim][1] * self.rng.uniform(1.0, 1.04) / 100) * 100
            day = when.astimezone(TZ).date()
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
        store: SimStore,
        model: Model,
        trim: int,
        condition: str,
        model_year: int,
        cost: int,
        list_price: int,
        when: datetime,
    ) -> None:
        day = when.astimezone(TZ).date()
        number = self.vin_for(store.brand, model, trim, model_year)
        vehicle_id = self.services.inventory.receive_vehicle(
            store.manager,
            store.id,
            number,
            store.brand.name,
            model.name,
            model.trims[trim][0],
            self.pick(COLOURS),
            model_year,
            condition,
            Decimal(cost),
            Decimal(list_price),
            received_on=day,
            occurred_at=when,
        ).id
        if condition == "used":  # retailed from the lot as it came: front-line ready that day
            self.services.used_cars.mark_front_line_ready(
                store.manager, vehicle_id, ready_on=day, occurred_at=when
            )
        vehicle = SimVehicle(vehicle_id, model, list_price, day)
        store.stock[vehicle.id] = vehicle
        store.available.append(vehicle.id)
        self.bump(store, "vehicles")

    def weekly_stock(self, store: SimStore, moment: datetime) -> None:
        """Monday: the manager reprices aged stock and orders the lot back up to its target."""
        today = moment.astimezone(TZ).date()
        for vehicle_id in list(store.available):
            vehicle = store.stock[vehicle_id]
            if not vehicle.repriced and (today - vehicle.received).days > 75 and self.chance(0.5):
                vehicle.list_price = round(vehicle.list_price * 0.97 / 100) * 100
                vehicle.repriced = True
                self.services.inventory.reprice_vehicle(
                    store.manager, vehicle.id, Decimal(vehicle.list_price), occurred_at=moment
                )
        # Orders follow the season: more stock before Golden Week and the year end.
        target = int(store.target_stock * min(1.4, max(0.7, season(today + timedelta(days=14)))))
        missing = target - len(store.stock) + self.rng.randrange(-2, 4)
        if missing > 0:
            self.receive(store, moment + timedelta(minutes=30), missing)
        next_week = self.at(today + timedelta(days=7), 10, self.rng.randrange(60))
        self.schedule(next_week, lambda: self.weekly_stock(store, next_week))

    def take_vehicle(self, store: SimStore, model: Model) -> SimVehicle | None:
        """A vehicle for a deal: the customer's model if in stock (older first), else similar."""
        matching = [v for v in store.available if store.stock[v].model == model]
        candidates = matching or store.available
        if not candidates:
            return None
        chosen = candidates[min(self.rng.randrange(3), len(candidates) - 1)]
        store.available.remove(chosen)
        return store.stock[chosen]

    def put_back(self, store: SimStore, vehicle: SimVehicle) -> None:
        store.stock[vehicle.id] = vehicle
        store.available.append(vehicle.id)
        store.available.sort(key=lambda v: store.stock[v].received)

    def _move(self, lead: SimLead, to: SimSeller) -> None:
        self._open_leads.get(lead.seller.staff_id, {}).pop(lead.id, None)
        lead.seller = to
        if lead.open:
            self._open_leads.setdefault(to.staff_id, {})[lead.id] = lead

    @abstractmethod
    def plan_day(self, day: date) -> None:
        """At dawn: the day's leads (`Simulation` sells)."""

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
            if not self.preset.demo:  # the demo's logins all stay valid
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

    def _receive_step(self, store: SimStore, moment: datetime) -> Callable[[], None]:
        return lambda: self.receive(store, moment, 1)

    def _weekly_step(self, store: SimStore, moment: datetime) -> Callable[[], None]:
        return lambda: self.weekly_stock(store, moment)

    def _staffing_step(self, store: SimStore, moment: datetime) -> Callable[[], None]:
        return lambda: self.monthly_staffing(store, moment)


def _sorted3(values: tuple[float, float, float]) -> tuple[float, float, float]:
    """(low, high, mode) in the order random.triangular takes them."""
    low, mode, high = values
    return low, high, mode


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
