"""The access policy: every role rule of the application, for writes and for reads.

Writes: the services check the role first (`ensure_role`, 403 for a role that may never do it)
and then the scope (`ensure_readable`, a record outside it is reported as not found, so ids
cannot be probed; `ensure_store` keeps store-bound staff in their store).

Reads: `read_scope` turns a principal and what the request asks for (a store, a salesperson)
into a `ReadScope`: which rows are visible and which figures (vehicle and product cost, full
phone numbers, colleagues' gross) are shown. Every query of the read side takes a scope and
applies both the filter and the masking itself, so a JSON route or a page makes one call.

Gross: a salesperson sees the gross of the deals credited to them (front gross, F&I income,
their share of it in reports), as their pay statement computes it, and never a colleague's;
cost is never shown to a salesperson, alone or summed (docs/architecture.md, "Security").

No framework is imported here, so the JSON API and the web pages share this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.errors import NotFoundError, PermissionDeniedError

# --- who may do what ----------------------------------------------------------------------------

# Roles that read the whole group (every store); the others are bound to a store.
GROUP_READERS = (Role.ADMIN, Role.GROUP_EXEC, Role.FINANCE, Role.AUDITOR)
STORE_BOUND = (Role.STORE_MANAGER, Role.SALESPERSON, Role.TEAM_LEADER)
# Who may change the sales floor (leads, customers, deals); finance, auditors and executives read.
FLOOR_WRITERS = (Role.ADMIN, Role.STORE_MANAGER, Role.SALESPERSON, Role.TEAM_LEADER)
MANAGERS = (Role.ADMIN, Role.STORE_MANAGER)
# Staff who sell (scorecards and evaluations are theirs).
SALES_FLOOR = (Role.SALESPERSON, Role.STORE_MANAGER, Role.TEAM_LEADER)
# Who creates, versions and assigns pay plans.
PLAN_MANAGERS = (Role.ADMIN, Role.FINANCE)
# Group-wide roles export any store or the group; a store manager only the own store.
GROUP_EXPORTERS = GROUP_READERS
# Besides the requester, who may look at any export (and so fetch its file).
EXPORT_READERS = (Role.ADMIN, Role.AUDITOR)
# Who replays a record's history and verifies the log.
AUDITORS = (Role.AUDITOR, Role.ADMIN)
# Who reads the lead funnel (a salesperson has no use for the store's conversion rates).
FUNNEL_READERS = (Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER, Role.FINANCE, Role.AUDITOR)
# Who works with the customer sees the full number; everyone else (finance, executives,
# auditors browsing) sees it masked: personal data goes to those who need it, not to all who read.
FULL_PHONE_READERS = (Role.ADMIN, Role.STORE_MANAGER, Role.SALESPERSON, Role.TEAM_LEADER)
# Who never sees what a vehicle or a product cost the dealer.
COST_BLIND = (Role.SALESPERSON, Role.TEAM_LEADER)
# Pay periods: who opens, closes and reopens them (a store manager the own store's), adds
# adjustments, settles disputes, approves the snapshot, verifies it, and exports payouts.
PERIOD_MANAGERS = (Role.ADMIN, Role.FINANCE, Role.STORE_MANAGER)
ADJUSTERS = (Role.FINANCE, Role.STORE_MANAGER)
RESOLVERS = (Role.FINANCE, Role.STORE_MANAGER)
APPROVERS = (Role.FINANCE,)
VERIFIERS = (Role.ADMIN, Role.FINANCE, Role.AUDITOR)
EXPORTERS = (Role.ADMIN, Role.FINANCE, Role.STORE_MANAGER)
# Four eyes on pay (docs/payroll.md): who confirms or refuses what another person proposed (an
# adjustment above the threshold, a period's approval, a pay plan version). Group-wide pay roles
# only: a store manager proposes adjustments for the own staff but never confirms pay.
PAY_CONFIRMERS = (Role.FINANCE, Role.ADMIN)
# Who sets up the stores' group robots (their webhook URLs and secrets are secrets) and sees and
# replays the notifications that could not be delivered (docs/notifications.md).
NOTIFY_ADMINS = (Role.ADMIN,)
# Who hands leads to a salesperson: managers in their store, a team leader within the team.
ASSIGNERS = (Role.ADMIN, Role.STORE_MANAGER, Role.TEAM_LEADER)
# Who manages sales teams, opening hours, holidays, shifts and leave of a store.
TEAM_MANAGERS = (Role.ADMIN, Role.STORE_MANAGER)
# Who closes a store.
STORE_CLOSERS = (Role.ADMIN,)


def can_read(principal: Principal, store_id: UUID | None, owner_id: UUID | None) -> bool:
    """Whether the principal may see a record of `store_id` owned by salesperson `owner_id`."""
    if principal.reads_everything:
        return True
    if principal.role is Role.STORE_MANAGER:
        return store_id is not None and store_id == principal.store_id
    if principal.role is Role.SALESPERSON:
        return owner_id is not None and owner_id == principal.staff_id
    if principal.role is Role.TEAM_LEADER:
        return (
            store_id is not None
            and store_id == principal.store_id
            and owner_id is not None
            and owner_id in _team_of(principal)
        )
    return False


def _team_of(principal: Principal) -> frozenset[UUID]:
    """The staff whose records a team leader reads: the team, and always the leader."""
    own = frozenset({principal.staff_id}) if principal.staff_id is not None else frozenset()
    return principal.team | own


def ensure_assignable(principal: Principal, salesperson_id: UUID) -> None:
    """A team leader hands leads only to the team (managers: anyone active in the store)."""
    if principal.role is Role.TEAM_LEADER and salesperson_id not in _team_of(principal):
        raise PermissionDeniedError("a team leader assigns leads within the team only")


def can_see_vehicle(principal: Principal, store_id: UUID) -> bool:
    """Stock is store-wide: managers and salespeople see their own store's vehicles."""
    if can_read(principal, store_id, None):
        return True
    return principal.role in (Role.SALESPERSON, Role.TEAM_LEADER) and principal.store_id == store_id


def ensure_readable(
    principal: Principal, kind: str, ident: UUID, store_id: UUID | None, owner_id: UUID | None
) -> None:
    if not can_read(principal, store_id, owner_id):
        raise NotFoundError(kind, ident)


def allows(principal: Principal, roles: tuple[Role, ...]) -> bool:
    """Whether the principal's role is among `roles` (one of the role sets above)."""
    return principal.role in roles


def ensure_role(principal: Principal, *roles: Role) -> None:
    if not allows(principal, roles):
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDeniedError(
            f"role {principal.role.value} may not do this (needs {allowed})"
        )


def ensure_store(principal: Principal, store_id: UUID) -> None:
    """Writes by store-scoped staff stay inside their own store."""
    if principal.role in STORE_BOUND and principal.store_id != store_id:
        raise PermissionDeniedError("this store is outside your scope")


def ensure_floor_write(
    principal: Principal, kind: str, ident: UUID, store_id: UUID, owner_id: UUID | None
) -> None:
    """A salesperson changes only own records; a manager only the own store's; admin all."""
    ensure_readable(principal, kind, ident, store_id, owner_id)
    ensure_role(principal, *FLOOR_WRITERS)
    ensure_store(principal, store_id)


# --- what a principal may read ------------------------------------------------------------------


class Reach(StrEnum):
    """How far a salesperson's reads go for a kind of record."""

    # Records a salesperson owns or is credited with (customers, leads, deals, surveys,
    # evaluations, targets): their own, in whatever store they were made.
    OWN = "own"
    # What a store shows its staff (stock, reports, staff, scorecards, pay plans): their store's.
    STORE = "store"


@dataclass(frozen=True)
class ReadScope:
    """What one request of one principal may see of the read side.

    `store_id` and `salesperson_id` are the filters after the rules (None: no restriction);
    a request that asks for something outside the principal's reach is `hidden`, naming what
    it asked for: lists answer it with nothing, reports and lookups with 404.
    """

    role: Role
    store_id: UUID | None = None
    salesperson_id: UUID | None = None
    # The principal's own staff record and store (None for group logins without one).
    own_staff_id: UUID | None = None
    own_store_id: UUID | None = None
    hidden: tuple[str, str] | None = None
    # A team leader's team: rows of these salespeople only (None: no such restriction).
    salesperson_ids: frozenset[UUID] | None = None
    sees_cost: bool = True
    sees_full_phone: bool = True
    # Gross of deals not credited to the principal (a colleague's, on the leaderboard).
    sees_others_gross: bool = True

    @property
    def visible(self) -> bool:
        return self.hidden is None

    @property
    def group_wide(self) -> bool:
        """Whether the principal reads every store (a group role)."""
        return self.role in GROUP_READERS

    @property
    def own_only(self) -> bool:
        """Whether only the principal's own records show (a salesperson)."""
        return self.role is Role.SALESPERSON

    def ensure_visible(self) -> None:
        """Reports and lookups: what the request asked for outside its reach is not found."""
        if self.hidden is not None:
            raise NotFoundError(*self.hidden)

    def narrowed(
        self, store_id: UUID | None = None, salesperson_id: UUID | None = None
    ) -> tuple[UUID | None, UUID | None]:
        """The scope's store and salesperson filters, narrowed by a caller's own (a worker
        building a file for one store); one outside the scope is not found."""
        self.ensure_visible()
        salesperson = _narrow("salesperson", self.salesperson_id, salesperson_id)
        if self.salesperson_ids is not None and salesperson is None:
            # Fail closed: a query that does not apply a team filter (`narrowed_team`) shows a
            # team leader one salesperson at a time, never the whole store.
            raise NotFoundError("salesperson", "none")
        return _narrow("store", self.store_id, store_id), salesperson

    def narrowed_team(
        self, store_id: UUID | None = None, salesperson_id: UUID | None = None
    ) -> tuple[UUID | None, UUID | None, frozenset[UUID] | None]:
        """`narrowed`, plus the team filter a query applies as `salesperson IN (...)`."""
        self.ensure_visible()
        salesperson = _narrow("salesperson", self.salesperson_id, salesperson_id)
        if self.salesperson_ids is not None and salesperson not in (None, *self.salesperson_ids):
            raise NotFoundError("salesperson", str(salesperson))
        return (
            _narrow("store", self.store_id, store_id),
            salesperson,
            self.salesperson_ids,
        )

    def sees_gross_of(self, salesperson_id: UUID | None) -> bool:
        """Whether a salesperson's gross shows: a salesperson sees only their own."""
        return self.sees_others_gross or (
            salesperson_id is not None
            and (
                salesperson_id == self.own_staff_id
                or (self.salesperson_ids is not None and salesperson_id in self.salesperson_ids)
            )
        )

    def sees_whole_store(self, store_id: UUID | None) -> bool:
        """Whether the principal sees every salesperson's figures of `store_id` (None: the
        group's): group roles everywhere, a store manager in their store."""
        if self.group_wide:
            return True
        return self.role is Role.STORE_MANAGER and store_id == self.own_store_id


def read_scope(
    principal: Principal,
    *,
    store_id: UUID | None = None,
    salesperson_id: UUID | None = None,
    reach: Reach = Reach.STORE,
) -> ReadScope:
    """The scope of a read by `principal` asking for `store_id` and `salesperson_id`.

    Group roles see what they filter on. A store manager sees the own store (another store is
    hidden). A salesperson sees own records (another salesperson is hidden); with `Reach.STORE`
    only the own store as well.
    """
    base = ReadScope(
        role=principal.role,
        own_staff_id=principal.staff_id,
        own_store_id=principal.store_id,
        sees_cost=principal.role not in COST_BLIND,
        sees_full_phone=principal.role in FULL_PHONE_READERS,
        sees_others_gross=principal.role not in (Role.SALESPERSON, Role.TEAM_LEADER),
    )
    if principal.role in GROUP_READERS:
        return _with(base, store_id, salesperson_id)
    if principal.role is Role.STORE_MANAGER:
        if principal.store_id is None or store_id not in (None, principal.store_id):
            return _hiding(base, "store", store_id)
        return _with(base, principal.store_id, salesperson_id)
    if principal.role is Role.SALESPERSON:
        if principal.staff_id is None or salesperson_id not in (None, principal.staff_id):
            return _hiding(base, "salesperson", salesperson_id)
        if reach is Reach.OWN:
            return _with(base, store_id, principal.staff_id)
        if principal.store_id is None or store_id not in (None, principal.store_id):
            return _hiding(base, "store", store_id)
        return _with(base, principal.store_id, principal.staff_id)
    if principal.role is Role.TEAM_LEADER:
        # The team's records in the own store; one salesperson of the team when asked for.
        team = _team_of(principal)
        if principal.store_id is None or store_id not in (None, principal.store_id):
            return _hiding(base, "store", store_id)
        if salesperson_id is not None and salesperson_id not in team:
            return _hiding(base, "salesperson", salesperson_id)
        return replace(_with(base, principal.store_id, salesperson_id), salesperson_ids=team)
    return _hiding(base, "store", store_id)


def _narrow(kind: str, scoped: UUID | None, asked: UUID | None) -> UUID | None:
    if scoped is None or asked in (None, scoped):
        return asked if scoped is None else scoped
    raise NotFoundError(kind, asked)


def _with(base: ReadScope, store_id: UUID | None, salesperson_id: UUID | None) -> ReadScope:
    return replace(base, store_id=store_id, salesperson_id=salesperson_id)


def _hiding(base: ReadScope, kind: str, ident: UUID | None) -> ReadScope:
    return replace(base, hidden=(kind, "none" if ident is None else str(ident)))


# Reads made for no user (workers building a file for a request already scoped, CLI lookups).
SYSTEM_READ = read_scope(SYSTEM)


# --- lost leads (docs/lost-leads.md) ------------------------------------------------------------

# Who approves or rejects a salesperson's request to close a lead as lost, records the
# spot-check call, reopens a lost lead, closes a lead as lost directly and sets whether the
# store requires a spot-check call. The organisation branch adds the team leader here (and in
# `ensure_loss_approver` its scope: the own team's leads), in this one place.
LOSS_APPROVERS = (Role.ADMIN, Role.STORE_MANAGER, Role.TEAM_LEADER)
# Who reads the queue of losses to approve and the loss-reason report (salespeople their own).
LOSS_READERS = (
    Role.ADMIN,
    Role.GROUP_EXEC,
    Role.STORE_MANAGER,
    Role.TEAM_LEADER,
    Role.SALESPERSON,
    Role.FINANCE,
    Role.AUDITOR,
)


def ensure_loss_approver(
    principal: Principal,
    lead_id: UUID,
    store_id: UUID,
    requested_by: str | None,
    salesperson_id: UUID | None = None,
) -> None:
    """A manager of the lead's store (or an admin), or the team leader of the lead's
    salesperson, decides a loss; never the one who asked.

    Role first (403 for a salesperson, whatever the lead), then scope (a lead of another store,
    or of another team, is not found), then the four-eyes rule (403 for the requester).
    """
    ensure_role(principal, *LOSS_APPROVERS)
    ensure_readable(principal, "lead", lead_id, store_id, salesperson_id)
    ensure_store(principal, store_id)
    if requested_by is not None and requested_by == principal.user_id:
        raise PermissionDeniedError("nobody approves or rejects their own loss request")


# --- desking: discount approvals (docs/desking.md) ----------------------------------------------

# Who decides a quote's approval, each at the level of domain/sales/desking.ROLE_LEVEL: a team
# leader for the own team's deals, a store manager for the own store's, the group's executive
# (the "general manager") and an admin for any store. Scope as for reading the deal.
DEAL_APPROVERS = (Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER, Role.TEAM_LEADER)
# Who sets a store's approval levels and thresholds (a store manager the own store's).
APPROVAL_POLICY_SETTERS = (Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER)
# Who reads the approval queue (a salesperson sees their own requests there).
APPROVAL_READERS = (*DEAL_APPROVERS, Role.SALESPERSON, Role.FINANCE, Role.AUDITOR)


def ensure_deal_approver(
    principal: Principal,
    deal_id: UUID,
    store_id: UUID,
    salesperson_id: UUID,
    requested_by: str | None,
) -> None:
    """Role first (403), then scope (another store's or team's deal is 404), then four eyes:
    nobody decides a request they made or a deal they sell (403)."""
    ensure_role(principal, *DEAL_APPROVERS)
    ensure_readable(principal, "deal", deal_id, store_id, salesperson_id)
    ensure_store(principal, store_id)
    if requested_by is not None and requested_by == principal.user_id:
        raise PermissionDeniedError("nobody decides their own approval request")
    if principal.staff_id is not None and principal.staff_id == salesperson_id:
        raise PermissionDeniedError("nobody approves the discount of a deal they sell")


# Stock (docs/stock.md): who reads the stock reports and pipeline pages, and who approves a
# transfer between stores (the group, not either store: it moves the group's money).
STOCK_READERS = (Role.ADMIN, Role.GROUP_EXEC, Role.STORE_MANAGER, Role.FINANCE, Role.AUDITOR)
TRANSFER_APPROVERS = (Role.ADMIN, Role.GROUP_EXEC)
# --- appraisals and trade-ins (docs/trade-ins.md) ---------------------------------------------

# Who appraises, values and offers (the used-car manager is a store manager here), and who puts
# a trade-in on a deal: the allowance is a desk decision, not the salesperson's.
APPRAISERS = MANAGERS
# Who reads appraisals with their ACV: appraisers and the group's readers. Salespeople and team
# leaders do not: ACV is what the car costs the dealer (of their own deal's trade they see the
# allowance, the payoff and the equity).
APPRAISAL_READERS = (Role.ADMIN, Role.STORE_MANAGER, Role.GROUP_EXEC, Role.FINANCE, Role.AUDITOR)


def acts_for_store(actor: Principal, store_id: object) -> bool:
    """Whether `actor` acts for the store itself (admin: any; otherwise their own store)."""
    return actor.role is Role.ADMIN or str(actor.store_id) == str(store_id)


def own_store_of_manager(actor: Principal) -> str | None:
    """A store manager's own store (the one a transfer of theirs leaves), else None."""
    return str(actor.store_id) if actor.role is Role.STORE_MANAGER else None
