"""The sales floor of a dealer group, day by day, as commands to the context services.

`Simulation` plays a preset group (`presets.py`) from `today - months` to `today`: stores open
and staff are hired; leads come from six channels, each with its own funnel (contact,
appointment, show, deal), with seasonality (the Spring Festival dip, "金三银四", the summer
lull, Golden Week and the year-end push) on top of busier weekends; opening stock, weekly
reorders and repricing of aged stock; used cars bought in and trade-ins taken on deliveries;
F&I products and accessories on most deals; split credits; cancellations, unwinds (about 1.5 %
of deliveries); CSI surveys; and, in a generated group, staff turnover (salespeople leave,
their open leads and customers are handed over, and new hires arrive).

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.app import Showroom
from domain.crm.model import phone_claim_id
from domain.crm.service import Crm
from domain.inventory.service import Inventory
from domain.leads.model import Lead
from domain.leads.service import Leads
from domain.organisation.model import User
from domain.organisation.service import Organisation
from domain.pay.service.plans import PayPlans
from domain.sales.model import Deal
from domain.sales.service import Sales
from domain.satisfaction.model import survey_id_for
from domain.satisfaction.service import Satisfaction
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.clock import DEFAULT_TIMEZONE
from domain.shared.values import Channel, vin, with_check_digit
from ops.simulation.batched import BatchedShowroom
from ops.simulation.catalog import (
    CANCEL_REASONS,
    COLOURS,
    FUNNELS,
    GIVEN,
    INSURERS,
    LEAVE_REASONS,
    LENDERS,
    LOST_AFTER_VISIT,
    LOST_WITHOUT_VISIT,
    MOBILE_PREFIXES,
    NOTES,
    OTHER_LOSS_NOTES,
    SURNAMES,
    UNWIND_REASONS,
    VIN_SERIAL,
    VIN_YEARS,
    WEEKDAY_WEIGHT,
    Brand,
    Model,
    season,
)
from ops.simulation.demo import GROUP_LOGINS, MANAGER_PASSWORD, SALES_PASSWORD
from ops.simulation.presets import Preset
from ops.simulation.records import (
    TOTALS,
    SimDeal,
    SimLead,
    SimSeller,
    SimStore,
    SimVehicle,
    Step,
)

TZ_NAME = DEFAULT_TIMEZONE
TZ = ZoneInfo(TZ_NAME)
OPENS, CLOSES = 9, 20  # showroom hours, local time
STEP_REACH = timedelta(hours=3)  # how far past its own time a step may write, with room
LEADS_PER_STORE_DAY = 2.8  # an ordinary store: about 85 leads a month, weekends busier
T = TypeVar("T")


@dataclass
class Services:
    """The context services the simulation commands, over one application."""

    app: Showroom
    organisation: Organisation
    crm: Crm
    leads: Leads
    inventory: Inventory
    sales: Sales
    satisfaction: Satisfaction
    plans: PayPlans

    @classmethod
    def over(cls, app: Showroom, crm: Crm, organisation: Organisation) -> Services:
        return cls(
            app=app,
            organisation=organisation,
            crm=crm,
            leads=Leads(app, crm),
            inventory=Inventory(app),
            sales=Sales(app),
            satisfaction=Satisfaction(app),
            plans=PayPlans(app),
        )

    def forget(self, *ids: UUID) -> None:
        """The simulation is done with these aggregates (a batched application lets go)."""
        if isinstance(self.app, BatchedShowroom):
            self.app.forget(*ids)


class Simulation:
    """The dealer group's days, in business-time order, as commands to the services."""

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

    # --- leads -------------------------------------------------------------------------------

    def next_seller(self, store: SimStore) -> SimSeller:
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
        self, store: SimStore, channel: Channel, moment: datetime
    ) -> Callable[[], None]:
        return lambda: self.capture(store, channel, moment)

    def _move(self, lead: SimLead, to: SimSeller) -> None:
        self._open_leads.get(lead.seller.staff_id, {}).pop(lead.id, None)
        lead.seller = to
        if lead.open:
            self._open_leads.setdefault(to.staff_id, {})[lead.id] = lead

    def _closed(self, lead: SimLead) -> None:
        lead.open = False
        self._open_leads.get(lead.seller.staff_id, {}).pop(lead.id, None)

    def capture(self, store: SimStore, channel: Channel, moment: datetime) -> None:
        model = self.pick([(m, m.popularity) for m in store.brand.models])
        seller = self.next_seller(store)
        funnel = FUNNELS[channel]
        actor = SYSTEM if funnel.online else seller.principal
        notes = NOTES.get(channel)
        name, phone = self.person(), self.phone()
        lead_id = self.services.leads.capture_lead(
            actor,
            store.id,
            channel.value,
            customer_name=name,
            customer_phone=phone,
            model_interest=model.name,
            note=self.rng.choice(notes) if notes else None,
            salesperson_id=seller.staff_id,
            occurred_at=moment,
        ).id
        customer_id = self.services.app.load(Lead, lead_id, "lead").customer_id
        # Nothing touches the phone's claim again (every phone is new).
        self.services.forget(phone_claim_id(self.services.crm.phone_hash(phone)))
        lead = SimLead(
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
        lead: SimLead,
        moment: datetime,
        kind: str,
        outcome: str | None = None,
        *,
        automated: bool = False,
    ) -> None:
        if not lead.open:
            return
        actor = SYSTEM if automated else lead.seller.principal
        self.services.leads.log_activity(
            actor, lead.id, kind, outcome=outcome, automated=automated, occurred_at=moment
        )

    def after_contact(self, lead: SimLead, moment: datetime) -> None:
        """At first contact the salesperson records what the customer wants and consents to."""
        if self.chance(0.55):
            trim, price = lead.model.trims[lead.trim]
            budget = round(price * self.rng.uniform(0.95, 1.15) / 10_000) * 10_000
            self.services.crm.record_preferences(
                lead.seller.principal,
                lead.customer_id,
                lead.model.name,
                lead.colour,
                trim,
                Decimal(budget),
                occurred_at=moment + timedelta(minutes=2),
            )
        if self.chance(0.6):
            self.services.crm.record_consent(
                lead.seller.principal,
                lead.customer_id,
                self.rng.choice(("wechat", "sms", "call")),
                True,
                occurred_at=moment + timedelta(minutes=3),
            )

    def first_call(self, lead: SimLead, moment: datetime) -> None:
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

    def invite(self, lead: SimLead, moment: datetime) -> None:
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
        self, lead: SimLead, moment: datetime, kind: str, outcome: str = "跟进回访"
    ) -> Callable[[], None]:
        return lambda: self.log(lead, moment, kind, outcome)

    def book(self, lead: SimLead, moment: datetime) -> None:
        scheduled = self.days_later(moment, self.rng.randrange(1, 6), 10, 18)
        purpose = "test_drive" if self.chance(0.4) else "visit"
        appointment_id = UUID(int=self.rng.getrandbits(128), version=4)
        self.services.leads.set_appointment(
            lead.seller.principal,
            lead.id,
            scheduled,
            purpose,
            appointment_id=appointment_id,
            occurred_at=moment,
        )
        lead.appointments += 1
        lead.pending = appointment_id
        if self.chance(FUNNELS[lead.channel].shows):
            arrived = scheduled + timedelta(minutes=self.rng.randrange(-10, 30))
            self.schedule(arrived, lambda: self.shown(lead, appointment_id, arrived, purpose))
        else:
            missed = self.later(scheduled, self.rng.randrange(90, 240))
            self.schedule(missed, lambda: self.missed(lead, appointment_id, missed))

    def shown(self, lead: SimLead, appointment_id: UUID, moment: datetime, purpose: str) -> None:
        self.services.leads.mark_shown(
            lead.seller.principal, lead.id, appointment_id, occurred_at=moment
        )
        lead.pending = None
        lead.visited = True
        if purpose == "test_drive":
            self.log(lead, moment + timedelta(minutes=15), "test_drive", "试乘试驾")
            lead.test_driven = True
        self.decide(lead, moment + timedelta(minutes=45))

    def missed(self, lead: SimLead, appointment_id: UUID, moment: datetime) -> None:
        self.services.leads.mark_no_show(
            lead.seller.principal, lead.id, appointment_id, occurred_at=moment
        )
        lead.pending = None
        if lead.appointments < 2:
            self.invite(lead, moment)
        else:
            lost_at = self.days_later(moment, self.rng.randrange(2, 10))
            self.schedule(lost_at, lambda: self.lose(lead, lost_at, LOST_WITHOUT_VISIT))

    def on_floor(self, lead: SimLead) -> None:
        """A walk-in: maybe a test drive on the spot, then a decision."""
        moment = self.later(lead.captured, self.rng.randrange(20, 50))
        if self.chance(0.45):
            self.log(lead, moment, "test_drive", "试乘试驾")
            lead.test_driven = True
        self.decide(lead, moment + timedelta(minutes=40))

    def decide(self, lead: SimLead, moment: datetime) -> None:
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

    def lose(self, lead: SimLead, moment: datetime, reasons: Sequence[tuple[str, int]]) -> None:
        if not lead.open or lead.pending is not None:
            return
        reason = self.pick(reasons)
        note = self.rng.choice(OTHER_LOSS_NOTES) if reason == "other" else None
        self.services.leads.lose_lead(
            lead.seller.principal, lead.id, reason, note=note, occurred_at=moment
        )
        self._closed(lead)
        self.services.forget(lead.id, lead.customer_id)

    # --- deals -------------------------------------------------------------------------------

    def open_deal(self, lead: SimLead, moment: datetime) -> None:
        if not lead.open:
            return
        store = lead.store
        vehicle = self.take_vehicle(store, lead.model)
        if vehicle is None:
            self.services.leads.lose_lead(
                lead.seller.principal,
                lead.id,
                "other",
                note="心仪车型无现车，客户不愿等待",
                occurred_at=moment,
            )
            self._closed(lead)
            self.services.forget(lead.id, lead.customer_id)
            return
        actor = lead.seller.principal
        deal_id = self.services.sales.open_deal(
            actor, store.id, lead.customer_id, lead_id=lead.id, occurred_at=moment
        ).id
        self._closed(lead)
        self.services.forget(lead.id, lead.customer_id)
        self.bump(store, "deals")
        deal = SimDeal(lead, deal_id, vehicle)
        attached = moment + timedelta(minutes=self.rng.randrange(5, 20))
        self.services.sales.attach_vehicle(actor, deal.id, vehicle.id, occurred_at=attached)
        low, high = store.brand.discount
        deal.discount_rate = self.rng.uniform(low, high)
        quoted = attached + timedelta(minutes=self.rng.randrange(10, 30))
        self.quote(deal, quoted)
        if self.chance(0.35):  # the customer negotiates: a better quote a few days later
            requote = self.days_later(quoted, self.rng.randrange(1, 4))
            self.schedule(requote, lambda: self.negotiate(deal, requote))
        else:
            self.close(deal, quoted)

    def quote(self, deal: SimDeal, moment: datetime) -> None:
        price = deal.vehicle.list_price
        discount = round(price * deal.discount_rate / 100) * 100
        self.services.sales.quote_deal(
            deal.actor(), deal.id, Decimal(price), Decimal(discount), occurred_at=moment
        )
        deal.selling_price = price - discount
        deal.status = "quoted"

    def negotiate(self, deal: SimDeal, moment: datetime) -> None:
        deal.discount_rate = min(0.3, deal.discount_rate + self.rng.uniform(0.01, 0.04))
        self.quote(deal, moment)
        self.close(deal, moment)

    def close(self, deal: SimDeal, moment: datetime) -> None:
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

    def contract(self, deal: SimDeal, moment: datetime) -> None:
        store = deal.lead.store
        self.maybe_split(deal, moment - timedelta(minutes=5))
        self.services.sales.sign_contract(deal.actor(), deal.id, occurred_at=moment)
        signed = self.services.app.load(Deal, deal.id, "deal")
        deal.front_gross = int(signed.front_gross or 0)
        deal.status = "contracted"
        self.bump(store, "contracts")
        store.stock.pop(deal.vehicle.id, None)
        self.sell_products(deal, moment + timedelta(minutes=20))
        when = self.days_later(moment, self.rng.randrange(3, 16), 10, 17)
        self.schedule(when, lambda: self.deliver(deal, when))

    def maybe_split(self, deal: SimDeal, moment: datetime) -> None:
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
        self.services.sales.split_credit(
            deal.lead.store.manager,
            deal.id,
            [(seller.staff_id, Decimal(share)), (other.staff_id, Decimal(rest))],
            occurred_at=moment,
        )

    def sell_products(self, deal: SimDeal, moment: datetime) -> None:
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
            self.services.sales.add_product(
                deal.actor(), deal.id, occurred_at=moment + timedelta(minutes=n), **product
            )
            self.bump(deal.lead.store, "products")

    def cancel(self, deal: SimDeal, moment: datetime) -> None:
        reason = self.rng.choice(CANCEL_REASONS)
        self.services.sales.cancel_deal(deal.actor(), deal.id, reason, occurred_at=moment)
        deal.status = "cancelled"
        self.bump(deal.lead.store, "cancelled")
        self.put_back(deal.lead.store, deal.vehicle)
        self.services.forget(deal.id)

    def deliver(self, deal: SimDeal, moment: datetime) -> None:
        store = deal.lead.store
        self.services.sales.deliver_deal(deal.actor(), deal.id, occurred_at=moment)
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
            self.services.forget(deal.id, deal.vehicle.id)

    def trade_in(self, store: SimStore, deal: SimDeal, moment: datetime) -> None:
        model = self.pick([(m, m.popularity) for m in store.brand.models])
        trim = self.rng.randrange(len(model.trims))
        age = self.rng.randrange(3, 9)
        day = moment.astimezone(TZ).date()
        allowance = round(model.trims[trim][1] * max(0.2, 0.78 - 0.07 * age) / 1000) * 1000
        list_price = round(allowance * self.rng.uniform(1.08, 1.18) / 1000) * 1000
        self.stock_vehicle(
            store, model, trim, "used", day.year - age, allowance, list_price, moment
        )
        self.bump(store, "trade_ins")
        self.bump(store, "used")

    def unwind(self, deal: SimDeal, moment: datetime) -> None:
        store = deal.lead.store
        reason = self.rng.choice(UNWIND_REASONS)
        self.services.sales.unwind_deal(store.manager, deal.id, reason, occurred_at=moment)
        deal.status = "unwound"
        self.bump(store, "unwound")
        self.bump(store, "delivered", -1)
        self.bump(store, "revenue", -deal.selling_price)
        self.bump(store, "front_gross", -deal.front_gross)
        self.put_back(store, deal.vehicle)
        self.services.forget(deal.id)

    def survey(self, deal: SimDeal, moment: datetime) -> None:
        base = self.rng.randrange(70, 101)
        answers = {
            q: max(0, min(100, base + self.rng.randrange(-12, 8)))
            for q in ("销售顾问专业度", "交车体验", "展厅环境", "价格透明度")
        }
        overall = max(0, min(100, round(sum(answers.values()) / len(answers))))
        self.services.satisfaction.record_survey(
            deal.lead.store.manager,
            deal.id,
            answers,
            overall,
            moment.astimezone(TZ).date(),
            moment,
        )
        self.bump(deal.lead.store, "surveys")
        self.services.forget(deal.id, deal.vehicle.id, survey_id_for(deal.id))

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
