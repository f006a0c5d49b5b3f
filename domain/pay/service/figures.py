"""A period's figures computed from the log: what the engine is given, and what is added.

The engine computes each statement from the period's facts as known at its close (or now); the
calculator gathers those facts through the read-side ports, adds the approved evaluation scores
and carried draw deficits, and then the lines the engine does not know about: the period's own
adjustments, chargebacks of deals paid earlier and re-ratings for surveys learnt of late.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom
from domain.pay import store_periods
from domain.pay.chargebacks import (
    Chargeback,
    LateSurvey,
    chargebacks_for,
    csi_average,
    plan_key,
    window_start,
)
from domain.pay.facts import PeriodFacts, SurveyFact
from domain.pay.periods import PAY_RULE, SNAPSHOT_STATES, STORE_ALONE_RULE, PayPeriod
from domain.pay.plans import DRAFT_PLAN_ID, PlanVersion
from domain.pay.ports import PayrollViews, PeriodRef, PlansFor, SurveyChange
from domain.pay.records import PeriodFigures, compose
from domain.pay.service.snapshots import statements_of
from domain.pay.statement import Statement
from domain.performance.evaluations import Evaluation, EvaluationStatus, evaluation_id_for


@dataclass(frozen=True)
class Inputs:
    facts: PeriodFacts
    plans_for: Callable[[UUID], PlanVersion | None]
    staff: list[UUID]
    # The store the group-wide statements are cut to; None when they are computed whole.
    cut_to: UUID | None
    adjustments: list[dict[str, Any]]
    chargebacks: list[Chargeback]
    late: list[LateSurvey]


@dataclass(frozen=True)
class Transient:
    """A month with no pay period yet: provisional figures only, no adjustments."""

    store_id: UUID | None
    month: str
    known_at: datetime | None = None
    id: UUID = field(default=DRAFT_PLAN_ID)
    pay_rule: int = PAY_RULE

    def own_adjustments(self) -> list[dict[str, Any]]:
        return []


def scopes(period: PayPeriod | Transient) -> tuple[UUID | None, UUID | None]:
    """The store whose facts a period is computed from (None: the group's), and the store its
    statements are cut to (None: computed whole). Under pay rule 1 a store period counted its own
    store's facts alone; under rule 2, and for a group period, the group's facts are counted."""
    if period.pay_rule == STORE_ALONE_RULE:
        return period.store_id, None
    return None, period.store_id


class PeriodCalculator:
    """Computes a pay period's figures (or a month's with no period yet) from the log."""

    def __init__(self, app: Showroom, views: PayrollViews, clock: Callable[[], datetime]) -> None:
        self.app, self.views, self.clock = app, views, clock

    def inputs(self, period: PayPeriod | Transient) -> Inputs:
        facts, plans, staff = self._engine_inputs(period)
        adjustments = period.own_adjustments()
        refs = self._refs(period)
        chargebacks = self._chargebacks(period, refs)
        late = self._late_surveys(period, refs)
        staff |= {UUID(str(a["salesperson_id"])) for a in adjustments}
        staff |= {c.salesperson_id for c in chargebacks}
        staff |= {x.salesperson_id for x in late}
        cut_to = scopes(period)[1]
        return Inputs(facts, plans, sorted(staff), cut_to, adjustments, chargebacks, late)

    def _engine_inputs(
        self, period: PayPeriod | Transient
    ) -> tuple[PeriodFacts, PlansFor, set[UUID]]:
        """What the engine computes the period from: the facts of the month as known at the close
        (or now) — the group's, as a store period counts tiers and SPIFF budgets group-wide too,
        unless it was opened under pay rule 1 (`scopes`) — with approved evaluation scores and
        carried draw deficits, the plans and the staff."""
        known_at = period.known_at
        facts = self.views.period_facts(period.month, scopes(period)[0], known_at)
        plans = self.views.plan_resolver(period.month, period.store_id, known_at)
        staff = set(self.views.planned_staff(period.month, period.store_id, known_at))
        store = period.store_id
        people = {c.salesperson_id for c in facts.credits if store in (None, c.store_id)} | staff
        people |= {UUID(str(a["salesperson_id"])) for a in period.own_adjustments()}
        scores = self._scores(period, people, known_at)
        draws = self._carried_draws(period)
        return replace(facts, evaluation_scores=scores, draw_balances=draws), plans, staff

    def compute(self, period: PayPeriod | Transient, *, hashed: bool = False) -> PeriodFigures:
        inputs = self.inputs(period)
        statements = store_periods.calculate(
            inputs.facts, inputs.plans_for, inputs.staff, inputs.cut_to
        )
        records, totals, content_hash = compose(
            period.store_id,
            statements,
            inputs.facts,
            inputs.plans_for,
            inputs.adjustments,
            inputs.chargebacks,
            inputs.late,
            hashed=hashed,
        )
        return PeriodFigures(
            records, totals, content_hash, period.known_at, inputs.facts, statements
        )

    def _scores(
        self, period: PayPeriod | Transient, people: set[UUID], known_at: datetime | None
    ) -> dict[UUID, Decimal]:
        """Approved evaluation scores of the month; for a closed period as the log knew them at
        the close (each evaluation replayed up to then), so a recompute sees the same."""
        current = self.views.approved_scores(period.month, period.store_id)
        if known_at is None:
            return dict(current)
        scores: dict[UUID, Decimal] = {}
        for person in sorted(people | set(current)):
            events: list[Any] = [
                e
                for e in self.app.events.get(evaluation_id_for(person, period.month))
                if getattr(e, "timestamp", known_at) <= known_at
            ]
            evaluation: Evaluation | None = None
            for past in events:
                evaluation = past.mutate(evaluation)
            if (
                evaluation is None
                or evaluation.status is not EvaluationStatus.APPROVED
                or evaluation.score is None
            ):
                continue
            if period.store_id is not None and evaluation.store_id != period.store_id:
                continue
            scores[person] = evaluation.score
        return scores

    def _carried_draws(self, period: PayPeriod | Transient) -> dict[UUID, Decimal]:
        """Draw deficits carried out of the latest approved earlier period of the same scope."""
        earlier = [
            p
            for p in self.views.periods()
            if p.store_id == period.store_id
            and p.month < period.month
            and p.status in {s.value for s in SNAPSHOT_STATES}
        ]
        if not earlier:
            return {}
        latest = max(earlier, key=lambda p: p.month)
        previous = self.app.load(PayPeriod, latest.period_id, "pay period")
        balances: dict[UUID, Decimal] = {}
        for record in statements_of(self.app, previous):
            deficit = Decimal(record.get("deficit_out") or "0")
            if deficit > 0:
                balances[UUID(record["salesperson_id"])] = deficit
        return balances

    def _refs(self, period: PayPeriod | Transient) -> list[PeriodRef]:
        """Every period as the view lists it, this one as its aggregate says (the view may be a
        moment behind); none for a month with no period."""
        if isinstance(period, Transient):
            return []
        periods = list(self.views.periods())
        me = PeriodRef(
            period.id,
            period.store_id,
            period.month,
            period.status.value,
            period.known_at,
            period.protection_days,
        )
        others = [p for p in periods if p.period_id != period.id]
        return [*others, me]

    def _chargebacks(
        self, period: PayPeriod | Transient, refs: Sequence[PeriodRef]
    ) -> list[Chargeback]:
        if isinstance(period, Transient):
            return []
        me = refs[-1]
        earlier = [p for p in refs if p.covers(period.store_id) and p.month < period.month]
        frozen = [p.known_at for p in earlier if p.known_at is not None]
        if not frozen:
            return []
        until = period.known_at or self.clock()
        after = min(frozen)
        reversals = [
            r for r in self.views.reversals(period.store_id, after, until) if r.recorded_at <= until
        ]
        if not reversals:
            return []
        paid = self.views.paid_lines(sorted({r.deal_id for r in reversals}))
        return chargebacks_for(me, reversals, refs, paid)

    def _late_surveys(
        self, period: PayPeriod | Transient, refs: Sequence[PeriodRef]
    ) -> list[LateSurvey]:
        """The re-ratings of earlier frozen periods for survey changes this period takes: those
        recorded after the earlier period's close and after every period between them froze,
        and by this period's own close (the rule is `_lands_in`'s, for surveys)."""
        if isinstance(period, Transient):
            return []
        me = refs[-1]
        until = period.known_at or self.clock()
        origins = sorted(
            (
                p
                for p in refs
                if p.known_at is not None and p.month < me.month and p.covers(me.store_id)
            ),
            key=lambda p: p.month,
        )
        if not origins:
            return []
        after = min(p.known_at for p in origins if p.known_at is not None)
        if after >= until:
            return []
        changes = self.views.survey_changes(me.store_id, after, until)
        found: list[LateSurvey] = []
        for origin in origins:
            windows: dict[datetime, list[SurveyChange]] = defaultdict(list)
            for change in changes:
                if change.month != origin.month or not origin.covers(change.store_id):
                    continue
                start = window_start(origin, me, change.store_id, refs)
                if start is not None and start < change.recorded_at <= until:
                    windows[start].append(change)
            for start, taken in sorted(windows.items()):
                found.extend(self._rerate(origin, start, until, taken))
        return found

    def _rerate(
        self,
        origin: PeriodRef,
        known_from: datetime,
        known_until: datetime,
        changes: Sequence[SurveyChange],
    ) -> list[LateSurvey]:
        """`origin`'s earnings for the people `changes` rate, with those changes and without."""
        source = self.app.load(PayPeriod, origin.period_id, "pay period")
        facts, plans, _ = self._engine_inputs(source)
        people = {c.salesperson_id for c in changes}
        stores = {c.store_id for c in changes}
        # CSI counts a person's surveys where the period's own figures do (the group, by rule 2).
        read_from, cut_to = scopes(source)
        before = self.views.period_surveys(origin.month, read_from, known_from)
        now_known = self.views.period_surveys(origin.month, read_from, known_until)
        after = tuple(s for s in before if s.store_id not in stores) + tuple(
            s for s in now_known if s.store_id in stores
        )
        # A SPIFF budget is shared by everyone on the same plan: keep their deliveries.
        plan_of = {p: plan_key(plans(p)) for p in people}
        sharing = {plan_of[p] for p in people}
        keep: dict[UUID, bool] = {}
        for credit in facts.credits:
            person = credit.salesperson_id
            if person not in keep:
                keep[person] = plan_key(plans(person)) in sharing
        credits = tuple(c for c in facts.credits if keep[c.salesperson_id])

        def computed(surveys: tuple[SurveyFact, ...]) -> dict[UUID, Statement]:
            scoped = replace(
                facts,
                credits=credits,
                surveys=tuple(s for s in surveys if s.salesperson_id in people),
                evaluation_scores={p: v for p, v in facts.evaluation_scores.items() if p in people},
                draw_balances={p: v for p, v in facts.draw_balances.items() if p in people},
            )
            return store_periods.calculate(scoped, plans, people, cut_to)

        old, new = computed(before), computed(after)
        found = []
        for person in sorted(people):
            own = [c for c in changes if c.salesperson_id == person]
            earlier, later = old[person], new[person]
            if later.earnings == earlier.earnings:
                continue  # the gate (and caps) come out the same: nothing to settle
            own_after = [s for s in after if s.salesperson_id == person]
            survey_ids = tuple(sorted({c.survey_id for c in own}))
            found.append(
                LateSurvey(
                    salesperson_id=person,
                    store_id=own[-1].store_id,
                    origin_period_id=origin.period_id,
                    origin_month=origin.month,
                    survey_ids=survey_ids,
                    deal_ids=tuple(
                        sorted({s.deal_id for s in own_after if s.survey_id in survey_ids})
                    ),
                    known_from=known_from,
                    known_until=known_until,
                    earnings_before=earlier.earnings,
                    earnings_after=later.earnings,
                    csi_before=csi_average(s for s in before if s.salesperson_id == person),
                    csi_after=csi_average(own_after),
                    links=tuple(
                        (line.n, line.amount)
                        for line in earlier.lines
                        if line.component_type == "csi_gate"
                    ),
                )
            )
        return found
