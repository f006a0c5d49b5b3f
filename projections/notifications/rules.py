"""Which events notify whom: one declarative table, `NOTICES`, from an event class to its notice.

A notice names its kind (a stable word: preferences and robots choose kinds), the text (an
English message id with %(name)s placeholders, translated into the reader's language when it
is shown or sent: api/pages/locale/*/notifications.po), the link to the thing, who receives it
and whether a store's group robot may carry it. Recipients are users, chosen by a `Recipients`
value and then filtered by the one read policy (`domain.shared.access.can_read`): a notice is
about a record of a store owned by a salesperson, and a user who may not read that record never
hears of it.

To notify about a new event, add one entry here (and its text to the two catalogs); nothing else
changes: the inbox projection, the dispatcher's rule and the delivery all read this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.finance.model import LoanApplication
from domain.leads.model import Lead
from domain.pay.periods import PayPeriod
from domain.performance.evaluations import Evaluation
from domain.sales.model import Deal
from domain.shared.access import DEAL_APPROVERS, LOSS_APPROVERS, PAY_CONFIRMERS, RESOLVERS
from domain.shared.actor import Role
from domain.sla.model import ResponseClock


@dataclass(frozen=True)
class About:
    """What a notice is about: the record's store and owner (for the read policy), the values
    its text and link are filled with, and the staff it is for (when `Recipients.staff`)."""

    store_id: str | None
    owner_id: str | None
    params: dict[str, str]
    staff: tuple[str, ...] = ()


class Facts:
    """What the notices may look up about records, from rows the inbox projection keeps."""

    def subject(self, ident: str) -> dict[str, Any]:  # store_id, owner_id, month
        raise NotImplementedError


@dataclass(frozen=True)
class Recipients:
    """Who receives a notice: the staff the event names (`staff`), and/or the users of these
    roles who may read the record; never the user who caused the event (`except_actor`)."""

    staff: bool = False
    roles: tuple[Role, ...] = ()
    except_actor: bool = True


@dataclass(frozen=True)
class Notice:
    kind: str
    text: str  # English message id, %(name)s filled from About.params
    link: str  # a page path, {name} filled from About.params
    to: Recipients
    about: Callable[[Any, Facts], About]
    # Whether the store's group robot may carry it (never pay: a colleague's pay is private).
    store_group: bool = False
    # Whether this event makes a notice at all (None: every event of the class does).
    applies: Callable[[Any], bool] | None = None


def _lead_assigned(event: Any, facts: Facts) -> About:
    lead = facts.subject(str(event.originator_id))
    salesperson = str(event.salesperson_id)
    return About(
        store_id=lead.get("store_id"),
        owner_id=salesperson,
        params={"lead_id": str(event.originator_id), "channel": lead.get("detail") or ""},
        staff=(salesperson,),
    )


def _period(event: Any, facts: Facts, owner: str | None, **params: str) -> About:
    period = facts.subject(str(event.originator_id))
    return About(
        store_id=period.get("store_id"),
        owner_id=owner,
        params={
            "period_id": str(event.originator_id),
            "month": period.get("month") or "",
            **params,
        },
        staff=(owner,) if owner else (),
    )


def _dispute_raised(event: Any, facts: Facts) -> About:
    about = _period(event, facts, str(event.salesperson_id))
    return About(about.store_id, about.owner_id, about.params)  # to the resolvers, not to them


def _dispute_resolved(event: Any, facts: Facts) -> About:
    owner = facts.subject(str(event.dispute_id)).get("owner_id")
    return _period(event, facts, owner)


def _approval_requested(event: Any, facts: Facts) -> About:
    return _period(event, facts, None)


def _adjustment_proposed(event: Any, facts: Facts) -> About:
    about = _period(event, facts, str(event.salesperson_id))
    return About(about.store_id, about.owner_id, about.params)


def _statements_ready(event: Any, facts: Facts) -> About:
    about = _period(event, facts, None)
    return About(about.store_id, None, about.params, staff=tuple(event.statement_ids))


def _evaluation_approved(event: Any, facts: Facts) -> About:
    evaluation = facts.subject(str(event.originator_id))
    owner = evaluation.get("owner_id")
    return About(
        store_id=evaluation.get("store_id"),
        owner_id=owner,
        params={"evaluation_id": str(event.originator_id), "month": evaluation.get("month") or ""},
        staff=(owner,) if owner else (),
    )


def _loss(event: Any, facts: Facts, *, to_salesperson: bool) -> About:
    # About the lead of its salesperson: the store's managers and that salesperson's team
    # leader may read it (the read policy picks them), or it is for the salesperson.
    lead = facts.subject(str(event.originator_id))
    salesperson = str(event.salesperson_id) if event.salesperson_id is not None else None
    return About(
        store_id=lead.get("store_id"),
        owner_id=salesperson,
        params={"lead_id": str(event.originator_id)},
        staff=(salesperson,) if to_salesperson and salesperson else (),
    )


def _loss_requested(event: Any, facts: Facts) -> About:
    return _loss(event, facts, to_salesperson=False)


def _loss_rejected(event: Any, facts: Facts) -> About:
    return _loss(event, facts, to_salesperson=True)


def _deal_approval(event: Any, facts: Facts, *, to_salesperson: bool) -> About:
    # The events carry the deal's store and salesperson: approvers who may read the deal (the
    # store's managers, the salesperson's team leader, group roles) or the salesperson hear.
    salesperson = str(event.salesperson_id)
    return About(
        store_id=str(event.store_id),
        owner_id=salesperson,
        params={"deal_id": str(event.originator_id), "level": event.level},
        staff=(salesperson,) if to_salesperson else (),
    )


def _deal_approval_requested(event: Any, facts: Facts) -> About:
    return _deal_approval(event, facts, to_salesperson=False)


def _deal_approval_decided(event: Any, facts: Facts) -> About:
    return _deal_approval(event, facts, to_salesperson=True)


def _loan_declined(event: Any, facts: Facts) -> About:
    # About the deal of its salesperson: the store's managers read it; the salesperson hears
    # of it too unless they recorded the answer themselves.
    application = facts.subject(str(event.originator_id))
    owner = application.get("owner_id")
    return About(
        store_id=application.get("store_id"),
        owner_id=owner,
        params={
            "application_id": str(event.originator_id),
            "deal_id": application.get("detail") or "",
        },
        staff=(owner,) if owner else (),
    )


TO_STAFF = Recipients(staff=True, except_actor=False)

NOTICES: dict[type[Any], Notice] = {
    Lead.Assigned: Notice(
        kind="lead_assigned",
        text="A new lead (%(channel)s) was assigned to you.",
        link="/app/leads/{lead_id}",
        to=TO_STAFF,
        about=_lead_assigned,
        store_group=True,
    ),
    PayPeriod.DisputeRaised: Notice(
        kind="dispute_raised",
        text="A pay dispute for %(month)s is waiting for you to resolve.",
        link="/app/pay/disputes",
        to=Recipients(roles=RESOLVERS),
        about=_dispute_raised,
    ),
    PayPeriod.DisputeResolved: Notice(
        kind="dispute_resolved",
        text="Your pay dispute for %(month)s was resolved.",
        link="/app/pay/mine/{period_id}",
        to=TO_STAFF,
        about=_dispute_resolved,
    ),
    PayPeriod.Approved: Notice(
        kind="statement_ready",
        text="Your pay statement for %(month)s is ready.",
        link="/app/pay/mine/{period_id}",
        to=TO_STAFF,
        about=_statements_ready,
    ),
    PayPeriod.ApprovalRequested: Notice(
        kind="approval_to_confirm",
        text="The pay period %(month)s waits for your confirmation.",
        link="/app/pay/periods/{period_id}",
        to=Recipients(roles=PAY_CONFIRMERS),
        about=_approval_requested,
    ),
    PayPeriod.AdjustmentProposed: Notice(
        kind="adjustment_to_confirm",
        text="A pay adjustment for %(month)s waits for your confirmation.",
        link="/app/pay/periods/{period_id}",
        to=Recipients(roles=PAY_CONFIRMERS),
        about=_adjustment_proposed,
    ),
    Evaluation.Approved: Notice(
        kind="evaluation_approved",
        text="Your evaluation for %(month)s was approved: read and acknowledge it.",
        link="/app/evaluations/{evaluation_id}",
        to=TO_STAFF,
        about=_evaluation_approved,
    ),
    Lead.LossRequested: Notice(
        kind="loss_to_approve",
        text="A request to close a lead as lost waits for your decision.",
        link="/app/losses#loss-{lead_id}",
        to=Recipients(roles=LOSS_APPROVERS),
        about=_loss_requested,
    ),
    Lead.LossRejected: Notice(
        kind="loss_rejected",
        text="Your request to close a lead as lost was rejected: read the comment.",
        link="/app/leads/{lead_id}",
        to=TO_STAFF,
        about=_loss_rejected,
    ),
    Deal.ApprovalRequested: Notice(
        kind="deal_approval_to_decide",
        text="A discount waits for approval (%(level)s).",
        link="/app/approvals#deal-{deal_id}",
        to=Recipients(roles=DEAL_APPROVERS),
        about=_deal_approval_requested,
    ),
    Deal.ApprovalGranted: Notice(
        kind="deal_approval_granted",
        text="Your discount was approved: the contract can be signed.",
        link="/app/deals/{deal_id}",
        to=TO_STAFF,
        about=_deal_approval_decided,
    ),
    Deal.ApprovalRefused: Notice(
        kind="deal_approval_refused",
        text="Your discount was refused: read the reason on the deal.",
        link="/app/deals/{deal_id}",
        to=TO_STAFF,
        about=_deal_approval_decided,
    ),
    LoanApplication.Declined: Notice(
        kind="loan_declined",
        text="A lender declined the loan of a contracted deal: find another lender or cash.",
        link="/app/deals/{deal_id}/loans",
        to=Recipients(staff=True, roles=(Role.ADMIN, Role.STORE_MANAGER)),
        about=_loan_declined,
        applies=lambda event: event.deal_status == "contracted",
    ),
}


def _response_clock(event: Any, facts: Facts) -> About:
    # About the lead of its owner at the timer: the store's managers and that salesperson's
    # team leader may read it (the read policy picks them among the roles below).
    owner = str(event.salesperson_id) if event.salesperson_id is not None else None
    return About(
        store_id=str(event.store_id), owner_id=owner, params={"lead_id": str(event.lead_id)}
    )


# The response SLA's notices (docs/response-sla.md): to the team leader or the store's manager.
NOTICES[ResponseClock.Warned] = Notice(
    kind="sla_about_to_breach",
    text="A lead is about to miss its first-response time.",
    link="/app/leads/{lead_id}",
    to=Recipients(roles=LOSS_APPROVERS),
    about=_response_clock,
)
NOTICES[ResponseClock.Breached] = Notice(
    kind="sla_breached",
    text="A lead missed its first-response time.",
    link="/app/leads/{lead_id}",
    to=Recipients(roles=LOSS_APPROVERS),
    about=_response_clock,
)

# Every kind with its label (the preferences page and the robots' kinds), in table order.
KINDS: dict[str, str] = {
    "lead_assigned": "New lead assigned",
    "dispute_raised": "Pay dispute to resolve",
    "dispute_resolved": "Pay dispute resolved",
    "statement_ready": "Pay statement ready",
    "approval_to_confirm": "Pay period to confirm",
    "adjustment_to_confirm": "Pay adjustment to confirm",
    "evaluation_approved": "Evaluation to acknowledge",
    "loss_to_approve": "Lost lead to approve",
    "loss_rejected": "Lost-lead request rejected",
    "deal_approval_to_decide": "Discount to approve",
    "deal_approval_granted": "Discount approved",
    "deal_approval_refused": "Discount refused",
    "loan_declined": "Loan declined on a contracted deal",
    "sla_about_to_breach": "Lead about to miss its response time",
    "sla_breached": "Lead missed its response time",
}
STORE_GROUP_KINDS = tuple(n.kind for n in NOTICES.values() if n.store_group)


# Values of a notice's parameters that are words to translate (a lead's channel), by parameter.
WORDS: dict[str, dict[str, str]] = {
    "channel": {
        "walk_in": "Walk-in",
        "phone": "Phone",
        "website": "Website",
        "marketplace": "Marketplace",
        "referral": "Referral",
        "campaign": "Campaign",
    },
    "level": {
        "team_leader": "Team leader",
        "manager": "Manager",
        "general_manager": "General manager",
    },
}


def render(kind: str, params: Mapping[str, str], gettext: Callable[[str], str]) -> str:
    """A notification's text in the language `gettext` translates into (its words too)."""
    notice = by_kind().get(kind)
    if notice is None:
        return kind
    values = {
        name: gettext(WORDS[name][value]) if value in WORDS.get(name, {}) else value
        for name, value in params.items()
    }
    try:
        return gettext(notice.text) % values
    except (KeyError, ValueError, TypeError):
        return gettext(notice.text)


def notice_for(event_class: type[Any]) -> Notice | None:
    return NOTICES.get(event_class)


def by_kind() -> Mapping[str, Notice]:
    return {n.kind: n for n in NOTICES.values()}
