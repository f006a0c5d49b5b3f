"""Words of the deal desk shown on several pages (the deal page, the approvals queue), and the
deal page's desk section built from the same state the JSON route GET /deals/{id}/approval
answers (domain/sales/desk.py: approval_state)."""

from __future__ import annotations

from typing import Any

from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from domain.sales.desk import Desk, approval_state
from domain.sales.model import Deal
from workers.runtime import Runtime

LEVELS: dict[str, str] = {
    "team_leader": N_("Team leader"),
    "manager": N_("Manager"),
    "general_manager": N_("General manager"),
}
REASONS: dict[str, str] = {
    "discount": N_("Discount above the store's share of list price"),
    "floor": N_("Price below the store's floor price"),
    "loss": N_("Negative front gross"),
}
STATES: dict[str, str] = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn by a new quote"),
}


def level_label(level: Any) -> str:
    value = getattr(level, "value", level)
    return _(LEVELS[value]) if value in LEVELS else "—"


def desk_view(runtime: Runtime, deal: Deal) -> dict[str, Any]:
    """The deal page's desk section: what the quote needs, its request, structure and order."""
    state = approval_state(deal, Desk(runtime.app).requirement(deal))
    return {
        **state,
        "needed_label": level_label(state["needed_level"]) if state["needed_level"] else None,
        "reason_labels": [_(REASONS[r]) for r in state["reasons"] if r in REASONS],
        "status_label": _(STATES[state["status"]]) if state["status"] in STATES else None,
        "requested_label": level_label(state["requested_level"]),
        "decided_label": level_label(state["decided_level"]),
    }
