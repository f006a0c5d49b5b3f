"""Words of lost leads shared by the lead page (floor.py) and the managers' pages
(lead_losses.py): reasons, spot-check outcomes and the lead timeline's lines of a loss."""

from __future__ import annotations

from typing import Any

from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from domain.leads.model import Lead, LossReason, SpotCheckOutcome

# The same message ids as the lead page's reasons (floor.py), so they share one translation.
REASONS = {
    LossReason.PRICE: N_("Price"),
    LossReason.COMPETITOR: N_("Went to a competitor"),
    LossReason.FINANCING: N_("Financing"),
    LossReason.NO_RESPONSE: N_("No response"),
    LossReason.BOUGHT_ELSEWHERE: N_("Bought elsewhere"),
    LossReason.NOT_INTERESTED: N_("Not interested"),
    LossReason.OTHER: N_("Other (say why)"),
}
OUTCOMES = {
    SpotCheckOutcome.CONFIRMED: N_("Customer confirms the loss"),
    SpotCheckOutcome.STILL_INTERESTED: N_("Customer is still interested"),
    SpotCheckOutcome.UNREACHABLE: N_("Customer could not be reached"),
}


def reason_label(reason: str | None) -> str:
    if reason is None:
        return "—"
    try:
        return _(REASONS[LossReason(reason)])
    except ValueError:
        return reason


def timeline_entry(event: Any) -> dict[str, Any] | None:
    """The lead page's line for an event of a loss (None: not one of these)."""
    if isinstance(event, Lead.LossRequested):
        note = " · ".join(x for x in (event.competitor, event.note) if x) or None
        return {
            "label": N_("Loss requested: %(reason)s"),
            "args": {"reason": reason_label(event.reason)},
            "note": note,
        }
    if isinstance(event, Lead.LossSpotChecked):
        return {
            "label": N_("Spot-check call: %(outcome)s"),
            "args": {"outcome": _(OUTCOMES[SpotCheckOutcome(event.outcome)])},
            "note": event.note,
        }
    if isinstance(event, Lead.LossApproved):
        return {
            "label": N_("Loss approved: %(reason)s"),
            "args": {"reason": reason_label(event.reason)},
            "note": None,
        }
    if isinstance(event, Lead.LossRejected):
        return {"label": N_("Loss rejected by the manager"), "args": {}, "note": event.comment}
    if isinstance(event, Lead.Reopened):
        return {"label": N_("Reopened"), "args": {}, "note": event.reason}
    return None
