"""Organisation service: open stores, hire staff, register users and authenticate them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError
from eventsourcing.utils import get_topic

from domain.app import Showroom, Written
from domain.organisation.errors import (
    LastAdminError,
    SelfDeactivationError,
    StaffInactiveError,
    UserAlreadyExistsError,
    UserScopeError,
    WeakPasswordError,
    WrongPasswordError,
)
from domain.organisation.model import Staff, Store, User
from domain.organisation.passwords import dummy_hash, hash_password, verify_password
from domain.shared.access import (
    MANAGERS,
    SALES_FLOOR,
    STORE_BOUND,
    STORE_CLOSERS,
    ensure_readable,
    ensure_role,
    ensure_store,
)
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import DEFAULT_TIMEZONE, aware, planned, zone
from domain.shared.errors import ConflictError, InvalidValueError, NotFoundError
from domain.shared.values import Condition, money, text

MIN_PASSWORD_LENGTH = 8

log = logging.getLogger(__name__)


def _brands(brands: list[str]) -> list[str]:
    cleaned = [text(b, "brand", max_length=60) for b in brands]
    if len(set(cleaned)) != len(cleaned):
        raise InvalidValueError("brands must not repeat")
    return cleaned


class Organisation:
    """Stores, staff and users of the group."""

    def __init__(self, app: Showroom, password_hasher: Callable[[str], str] | None = None) -> None:
        self.app = app
        # A bulk load of many logins with one password may hash it once (ops/simulation).
        self._password_hasher = password_hasher

    def _hash_password(self, password: str) -> str:
        return (self._password_hasher or hash_password)(password)

    # --- stores -----------------------------------------------------------------------------

    def open_store(
        self,
        actor: Principal,
        name: str,
        city: str,
        brands: list[str],
        timezone: str = DEFAULT_TIMEZONE,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Open a store of the group (admin)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            zone(timezone)
            store = Store(
                name=text(name, "name"),
                city=text(city, "city"),
                brands=_brands(brands),
                timezone=timezone,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(store)

    def update_store(
        self,
        actor: Principal,
        store_id: UUID,
        name: str,
        city: str,
        brands: list[str],
        timezone: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Change a store's name, city, brands or timezone (admin)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            zone(timezone)
            store = self.app.load(Store, store_id, "store", expected_version)
            store.update(
                name=text(name, "name"),
                city=text(city, "city"),
                brands=_brands(brands),
                timezone=timezone,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(store)

    def set_pack(
        self,
        actor: Principal,
        store_id: UUID,
        condition: str,
        amount: Decimal | int | str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set a store's pack for new or used vehicles (admin, finance).

        Commission gross is front gross less the pack; a deal takes the pack in force (in log
        order) when it is delivered, so a change never re-rates deliveries already made.
        """
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN, Role.FINANCE)
            try:
                state = Condition(condition)
            except ValueError:
                raise InvalidValueError("condition must be new or used") from None
            pack = money(amount, field="amount")
            store = self.app.load(Store, store_id, "store", expected_version)
            store.set_pack(state.value, pack, occurred_at=aware(occurred_at))
            return self.app.written(store)

    def close_store(
        self,
        actor: Principal,
        store_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Close a store (admin): it takes no new leads, staff, hours or packs from then on;
        its records, open leads and deals stay readable (docs/organisation-front.md)."""
        with acting_as(actor):
            ensure_role(actor, *STORE_CLOSERS)
            store = self.app.load(Store, store_id, "store", expected_version)
            store.close(occurred_at=aware(occurred_at))
            return self.app.written(store)

    def get_store(self, actor: Principal, store_id: UUID) -> Store:
        store = self.app.load(Store, store_id, "store")
        if actor.role in STORE_BOUND and actor.store_id != store_id:
            raise NotFoundError("store", store_id)
        return store

    # --- staff ------------------------------------------------------------------------------

    def hire_staff(
        self,
        actor: Principal,
        store_id: UUID,
        name: str,
        role: Role | str,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Put a person on a store's staff (admin, or that store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            ensure_store(actor, store_id)
            try:
                staff_role = Role(role)
            except ValueError:
                raise InvalidValueError(f"unknown role {role!r}") from None
            if actor.role is Role.STORE_MANAGER and staff_role not in (
                Role.SALESPERSON,
                Role.STORE_MANAGER,
                Role.TEAM_LEADER,
            ):
                raise InvalidValueError("a store manager hires salespeople and managers only")
            store = self.app.load(Store, store_id, "store")
            if not store.active:
                raise InvalidValueError(f"store {store_id} is closed")
            staff = Staff(
                name=text(name, "name"),
                role=staff_role.value,
                store_id=store_id,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(staff)

    def transfer_staff(
        self,
        actor: Principal,
        staff_id: UUID,
        to_store_id: UUID,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Move a staff member to another store (admin)."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            self.app.load(Store, to_store_id, "store")
            staff = self.app.load(Staff, staff_id, "staff", expected_version)
            staff.transfer(to_store_id, occurred_at=aware(occurred_at))
            return self.app.written(staff)

    def staff_leaves(
        self,
        actor: Principal,
        staff_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record that a staff member left (admin, or the store's manager)."""
        with acting_as(actor):
            ensure_role(actor, *MANAGERS)
            staff = self.app.load(Staff, staff_id, "staff", expected_version)
            ensure_readable(actor, "staff", staff_id, staff.store_id, None)
            staff.leave(text(reason, "reason"), occurred_at=aware(occurred_at))
            return self.app.written(staff)

    def get_staff(self, actor: Principal, staff_id: UUID) -> Staff:
        staff = self.app.load(Staff, staff_id, "staff")
        same_store = actor.store_id is not None and actor.store_id == staff.store_id
        if not (actor.reads_everything or same_store):
            raise NotFoundError("staff", staff_id)
        return staff

    def active_salesperson(self, store_id: UUID, staff_id: UUID) -> Staff:
        """The staff member, who must be active at `store_id` and able to sell."""
        staff = self.app.load(Staff, staff_id, "staff")
        if not staff.active:
            raise StaffInactiveError(f"staff {staff_id} is no longer active")
        if staff.store_id != store_id:
            raise InvalidValueError(f"staff {staff_id} does not work at store {store_id}")
        if staff.role not in SALES_FLOOR:
            raise InvalidValueError(f"staff {staff_id} is not on the sales floor")
        return staff

    # --- users ------------------------------------------------------------------------------

    def register_user(
        self,
        actor: Principal,
        username: str,
        password: str,
        role: Role | str,
        store_id: UUID | None = None,
        staff_id: UUID | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Create a login (admin): salespeople are tied to a staff record, managers to a store."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            name = text(username, "username", max_length=64).lower()
            if not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
                raise InvalidValueError("username may hold letters, digits, '.', '_' and '-'")
            try:
                user_role = Role(role)
            except ValueError:
                raise InvalidValueError(f"unknown role {role!r}") from None
            _check_password(password)
            store_id, staff_id = self._scope_for(user_role, store_id, staff_id)
            user = User(
                username=name,
                password_hash=self._hash_password(password),
                role=user_role.value,
                store_id=store_id,
                staff_id=staff_id,
                occurred_at=aware(occurred_at),
            )
            try:
                return self.app.written(user)
            except ConflictError:
                raise UserAlreadyExistsError(f"user {name!r} already exists") from None

    def _scope_for(
        self, role: Role, store_id: UUID | None, staff_id: UUID | None
    ) -> tuple[UUID | None, UUID | None]:
        if role in (Role.SALESPERSON, Role.TEAM_LEADER):
            if staff_id is None:
                raise UserScopeError(f"a {role.value} login needs staff_id")
            staff = self.app.load(Staff, staff_id, "staff")
            if not staff.active:
                raise StaffInactiveError(f"staff {staff_id} is no longer active")
            return staff.store_id, staff.id
        if role is Role.STORE_MANAGER:
            if staff_id is not None:
                staff = self.app.load(Staff, staff_id, "staff")
                store_id = staff.store_id
            if store_id is None:
                raise UserScopeError("a store manager login needs store_id or staff_id")
            self.app.load(Store, store_id, "store")
            return store_id, staff_id
        return None, staff_id

    def change_password(
        self,
        actor: Principal,
        username: str,
        password: str,
        current_password: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Set a new password: admins for anyone, users for themselves with the current one.

        Every token issued before stops working, so a leaked token dies with the old password.
        """
        with acting_as(actor):
            user = self.app.load(User, User.id_for(username), "user")
            own = str(user.id) == actor.user_id
            if actor.role is not Role.ADMIN and not own:
                raise NotFoundError("user", username)
            _check_password(password)
            # Someone holding only a token (a shared screen, a stolen cookie) must not be able
            # to take the login over: one's own password changes only with the current one.
            if own and not verify_password(current_password or "", user.password_hash):
                raise WrongPasswordError("current_password does not match")
            user.change_password(self._hash_password(password), occurred_at=aware(occurred_at))
            return self.app.written(user)

    def deactivate_user(
        self, actor: Principal, username: str, occurred_at: datetime | None = None
    ) -> Written:
        """Switch a login off (admin); never one's own, nor the last active admin."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            user = self.app.load(User, User.id_for(username), "user")
            if str(user.id) == actor.user_id:
                raise SelfDeactivationError("an admin cannot deactivate its own login")
            if user.active and user.role is Role.ADMIN:
                others = [u for u in self._active_admins() if u != user.id]
                if not others:
                    raise LastAdminError(
                        f"{user.username!r} is the last active admin: register or reactivate"
                        " another admin first"
                    )
            user.deactivate(occurred_at=aware(occurred_at))
            return self.app.written(user)

    def reactivate_user(self, actor: Principal, username: str) -> Written:
        """Switch a deactivated login back on (admin); its old tokens stay revoked."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            user = self.app.load(User, User.id_for(username), "user")
            user.reactivate(occurred_at=aware(None))
            return self.app.written(user)

    def unlock_user(self, actor: Principal, username: str) -> Written:
        """Lift the login throttle's lockout of an account (admin), recorded as an event."""
        with acting_as(actor):
            ensure_role(actor, Role.ADMIN)
            user = self.app.load(User, User.id_for(username), "user")
            user.unlock(occurred_at=aware(None))
            return self.app.written(user)

    def unlocks(self, username: str) -> int:
        """How often the account was unlocked (0 for an unknown username): the throttle's key."""
        try:
            return self.app.load(User, User.id_for(username), "user").unlocks
        except (NotFoundError, ValueError):
            return 0

    def revoke_token(self, actor: Principal, token_id: str, expires_at: datetime) -> Written:
        """Log out: the token with this id stops working, in every process (the user itself)."""
        with acting_as(actor):
            user = self.app.load(User, UUID(actor.user_id), "user")
            # The token's expiry lies ahead (a planned time, not one that happened).
            user.revoke_token(token_id, planned(expires_at, "expires_at"), occurred_at=aware(None))
            return self.app.written(user)

    def choose_language(self, actor: Principal, language: str) -> Written:
        """The language of the actor's own pages, kept on their user."""
        with acting_as(actor):
            user = self.app.load(User, UUID(actor.user_id), "user")
            user.choose_language(language, occurred_at=aware(None))
            return self.app.written(user)

    def list_users(self, actor: Principal) -> list[User]:
        """Every login of the group by username (admin): users are few, read from the log."""
        ensure_role(actor, Role.ADMIN)
        return sorted(self._registered_users(), key=lambda user: user.username)

    def get_user(self, actor: Principal, username: str) -> User:
        """One login by its username (admin)."""
        ensure_role(actor, Role.ADMIN)
        return self.app.load(User, User.id_for(username), "user")

    def _active_admins(self) -> list[UUID]:
        # Users are few and deactivation is rare: read the registrations from the log (by
        # topic, so the scan skips every other event) rather than trust a view that may lag.
        return [u.id for u in self._registered_users() if u.active and u.role is Role.ADMIN]

    def _registered_users(self) -> list[User]:
        topic = get_topic(User.Registered)
        users: list[User] = []
        start: int | None = None
        while True:
            page = self.app.recorder.select_notifications(
                start, 500, topics=[topic], inclusive_of_start=start is None
            )
            for notification in page:
                users.append(self.app.load(User, UUID(str(notification.originator_id)), "user"))
            if len(page) < 500:
                return users
            start = page[-1].id

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The principal for valid credentials of an active user, else None.

        Every path does one scrypt verification (an unknown user's against a dummy hash), so the
        answer time does not tell whether a username exists or is active.
        """
        try:
            user: User | None = self.app.load(User, User.id_for(username), "user")
        except NotFoundError:
            user = None
        except MapperDeserialisationError as error:
            # A stored body the cipher refuses (altered, or written in clear without the events
            # key: a forged account) never logs in; the log chain's verification names it.
            log.error("login refused: the user's stored events do not read: %s", error)
            user = None
        stored = user.password_hash if user is not None else dummy_hash()
        matches = verify_password(password, stored)
        if user is None or not user.active or not matches:
            return None
        return self._with_team(principal_of(user))

    def principal(self, user_id: UUID) -> Principal | None:
        """The principal of an active user, re-read on every request so deactivation bites."""
        try:
            user = self.app.load(User, user_id, "user")
        except NotFoundError:
            return None
        return self._with_team(principal_of(user)) if user.active else None

    def token_generation(self, user_id: UUID) -> int:
        """The generation a token issued now carries (0 for an unknown user)."""
        try:
            return self.app.load(User, user_id, "user").token_generation
        except NotFoundError:
            return 0

    def principal_of_token(self, user_id: UUID, generation: int, token_id: str) -> Principal | None:
        """The principal a signed token names, unless revoked (password change, logout...)."""
        try:
            user = self.app.load(User, user_id, "user")
        except NotFoundError:
            return None
        if not user.accepts_token(generation, token_id):
            return None
        return self._with_team(principal_of(user))

    def _with_team(self, principal: Principal) -> Principal:
        """A team leader's principal carries the team it leads (read on the write side, so a
        member added a moment ago counts at once); everyone else's is unchanged."""
        if principal.role is not Role.TEAM_LEADER or principal.store_id is None:
            return principal
        from domain.organisation.teams import SalesTeams

        try:
            roster = self.app.load(SalesTeams, SalesTeams.id_for(principal.store_id), "teams")
        except NotFoundError:
            return principal
        team = roster.led_by(principal.staff_id) if principal.staff_id is not None else None
        if team is None:
            return principal
        return replace(principal, team=team.everyone)


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=str(user.id),
        role=user.role,
        store_id=user.store_id,
        staff_id=user.staff_id,
        username=user.username,
        language=getattr(user, "language", None),
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        password.encode()
    except UnicodeEncodeError:
        # A JSON body may escape a lone surrogate ("\ud800"): no UTF-8 exists to hash it.
        raise InvalidValueError("password must be valid Unicode text", field="password") from None
