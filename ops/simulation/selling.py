"""Selling, from a lead's capture to the deal's delivery and what follows it.

`Simulation` is the `Floor` (calendar, staff, stock) with its customers: every day's leads by
channel and season; first contact, appointments kept or missed, test drives, losses with
reasons; deals opened, quoted and negotiated, credits split, contracts signed, F&I products
sold, deliveries with trade-ins, cancellations, unwinds and CSI surveys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.crm.model import phone_claim_id
from domain.leads.losses import LeadLosses
from domain.leads.model import Lead
from domain.sales.model import Deal
from domain.satisfaction.model import survey_id_for
from domain.shared.actor import SYSTEM
from domain.shared.values import Channel
from ops.simulation.catalog import (
    CANCEL_REASONS,
    COLOURS,
    FUNNELS,
    INSURERS,
    LENDERS,
    LOST_AFTER_VISIT,
    LOST_WITHOUT_VISIT,
    NOTES,
    OTHER_LOSS_NOTES,
    UNWIND_REASONS,
    WEEKDAY_WEIGHT,
    season,
)
from ops.simulation.floor import CLOSES, OPENS, TZ, Floor
from ops.simulation.records import (
    SimDeal,
    SimLead,
    SimSeller,
    SimStore,
)


class Simulation(Floor):
    """The dealer group's days, in business-time order, as commands to the services."""

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
        self.forget(phone_claim_id(self.services.crm.phone_hash(phone)))
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
        self._lose(lead, reason, note, moment)
        self._closed(lead)
        self.forget(lead.id, lead.customer_id)

    def _lose(self, lead: SimLead, reason: str, note: str | None, moment: datetime) -> None:
        """The salesperson requests the loss and the store's manager approves it the same day
        (docs/lost-leads.md); requests of the last two days still wait in the manager's queue."""
        losses = LeadLosses(self.services.app)
        losses.request_loss(lead.seller.principal, lead.id, reason, note=note, occurred_at=moment)
        if (self.today - moment.astimezone(TZ).date()).days >= 2:
            losses.approve_loss(lead.store.manager, lead.id, occurred_at=moment)

    # --- deals -------------------------------------------------------------------------------

    def open_deal(self, lead: SimLead, moment: datetime) -> None:
        if not lead.open:
            return
        store = lead.store
        vehicle = self.take_vehicle(store, lead.model)
        if vehicle is None:
            self._lose(lead, "other", "心仪车型无现车，客户不愿等待", moment)
            self._closed(lead)
            self.forget(lead.id, lead.customer_id)
            return
        actor = lead.seller.principal
        deal_id = self.services.sales.open_deal(
            actor, store.id, lead.customer_id, lead_id=lead.id, occurred_at=moment
        ).id
        self._closed(lead)
        self.forget(lead.id, lead.customer_id)
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
        self.forget(deal.id)

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
            self.forget(deal.id, deal.vehicle.id)

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
        self.forget(deal.id)

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
        self.forget(deal.id, deal.vehicle.id, survey_id_for(deal.id))
