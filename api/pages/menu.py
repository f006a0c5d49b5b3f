"""The menu in groups: each page's link (`NavItem`) belongs to a group, shown as one disclosure
button that opens its links (base.html). A store manager sees about thirty pages; in two rows
of bare links nobody finds one, in six named groups they do.

An item names its group (`NavItem(..., group="leads")`); one that does not gets the group its
path has in `PATH_GROUPS` (the areas written before groups existed), else "more", so a new page
always shows. A group with a single link for someone is shown as that link, not a button.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from api.pages.i18n import N_

# (key, label) in the order the groups show.
GROUPS: tuple[tuple[str, str], ...] = (
    ("floor", N_("Sales floor")),
    ("leads", N_("Leads")),
    ("deals", N_("Deals")),
    ("stock", N_("Stock")),
    ("results", N_("Results")),
    ("pay", N_("Pay")),
    ("team", N_("Team")),
    ("admin", N_("Administration")),
    ("audit", N_("Audit")),
    ("more", N_("More")),
)
DEFAULT_GROUP = "more"
_KNOWN = {key for key, _label in GROUPS}

# The group of each page written before groups existed, by its path (no area module changes).
PATH_GROUPS: dict[str, str] = {
    "/app/my-day": "floor",
    "/app/leads/new": "floor",
    "/app/customers": "floor",
    "/app/follow-ups": "floor",
    "/app/rotation": "floor",
    "/app/leads/queue": "leads",
    "/app/losses": "leads",
    "/app/losses/report": "leads",
    "/app/follow-ups/overdue": "leads",
    "/app/customer-duplicates": "leads",
    "/app/lead-rules": "leads",
    "/app/follow-ups/settings": "leads",
    "/app/campaigns": "leads",
    "/app/deals": "deals",
    "/app/deals/waiting": "deals",
    "/app/credits": "deals",
    "/app/unwinds": "deals",
    "/app/board": "results",
    "/app/leaderboard": "results",
    "/app/stores": "results",
    "/app/my-month": "results",
    "/app/targets": "results",
    "/app/evaluations": "results",
    "/app/scorecards": "results",
    "/app/pay/periods": "pay",
    "/app/pay/disputes": "pay",
    "/app/pay/what-if": "pay",
    "/app/pay/mine": "pay",
    "/app/admin/plans": "pay",
    "/app/team": "team",
    "/app/team/hours": "team",
    "/app/admin/staff": "team",
    "/app/admin/stores": "admin",
    "/app/admin/users": "admin",
    "/app/admin/privacy": "admin",
    "/app/admin/partners": "admin",
    "/app/admin/notifications": "admin",
    "/app/history": "audit",
    "/app/audit/integrity": "audit",
    "/app/audit/verify": "audit",
    "/app/audit/access": "audit",
    "/app/routing": "leads",
    "/app/routing/queue": "leads",
    "/app/routing/fairness": "leads",
    "/app/response-sla": "leads",
    "/app/response-sla/settings": "leads",
    "/app/approvals": "deals",
    "/app/approvals/rules": "deals",
    "/app/loans/declined": "deals",
    "/app/used-cars": "stock",
    "/app/used-cars/policy": "stock",
    "/app/stock": "stock",
    "/app/stock/pipeline": "stock",
    "/app/appraisals": "stock",
    "/app/look-to-book": "stock",
    "/app/account": "more",
}


class Linked(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def group(self) -> str: ...


@dataclass(frozen=True)
class MenuGroup:
    """One group of someone's menu: its key (ids), label (a message id), links in order."""

    key: str
    label: str
    items: Sequence[Linked]

    def holds(self, path: str) -> bool:
        """Whether the page at `path` is one of this group's (to mark the group current)."""
        return any(item.path == path for item in self.items)


def group_of(item: Linked) -> str:
    """The item's own group, else its path's, else "more"."""
    if item.group in _KNOWN:
        return item.group
    return PATH_GROUPS.get(item.path, DEFAULT_GROUP)


def grouped(items: Iterable[Linked]) -> list[MenuGroup]:
    """Someone's menu items (already in their order) in groups, empty groups left out."""
    buckets: dict[str, list[Linked]] = {key: [] for key, _label in GROUPS}
    for item in items:
        buckets[group_of(item)].append(item)
    return [MenuGroup(key, label, buckets[key]) for key, label in GROUPS if buckets[key]]
