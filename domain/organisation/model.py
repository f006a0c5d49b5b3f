"""Organisation: stores, staff and the users who log in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.organisation.errors import (
    OneTimeCodeReplayedError,
    SecondFactorAlreadyEnabledError,
    SecondFactorNotEnabledError,
    WrongOneTimeCodeError,
)
from domain.organisation.working_time import Duty, Leave, StoreHours, spans
from domain.shared.actor import LANGUAGES, Role
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError

USER_NAMESPACE = UUID("6f1c3f7e-3c1a-4f0e-9a59-0b7f6d1f2a10")


class Store(ShowroomAggregate):
    """A dealership (4S store) of the group."""

    class Opened(ShowroomAggregate.Created):
        name: str
        city: str
        brands: list[str]
        timezone: str

    class Updated(ShowroomAggregate.Event):
        name: str
        city: str
        brands: list[str]
        timezone: str

    class Closed(ShowroomAggregate.Event):
        pass

    class PackSet(ShowroomAggregate.Event):
        """From now on, `amount` is added to the cost of every `condition` vehicle for pay."""

        condition: str
        amount: Decimal

    @event(Opened)
    def __init__(
        self, name: str, city: str, brands: list[str], timezone: str, occurred_at: datetime
    ) -> None:
        self.name, self.city, self.brands, self.timezone = name, city, list(brands), timezone
        self.active = True
        # The pack per condition (new, used); none set means no pack (¥0).
        self.packs: dict[str, Decimal] = {}

    def pack_for(self, condition: str) -> Decimal:
        return self.packs.get(condition, Decimal("0.00"))

    def set_pack(self, condition: str, amount: Decimal, occurred_at: datetime) -> None:
        """Set the pack of new or used vehicles (the caller parses condition and amount)."""
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "set the pack of")
        self._set_pack(condition=condition, amount=amount, occurred_at=occurred_at)

    @event(PackSet)
    def _set_pack(self, condition: str, amount: Decimal, occurred_at: datetime) -> None:
        self.packs[condition] = amount

    def update(
        self, name: str, city: str, brands: list[str], timezone: str, occurred_at: datetime
    ) -> None:
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "update")
        self._update(
            name=name, city=city, brands=brands, timezone=timezone, occurred_at=occurred_at
        )

    @event(Updated)
    def _update(
        self, name: str, city: str, brands: list[str], timezone: str, occurred_at: datetime
    ) -> None:
        self.name, self.city, self.brands, self.timezone = name, city, list(brands), timezone

    def close(self, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "close")
        self._close(occurred_at=occurred_at)

    @event(Closed)
    def _close(self, occurred_at: datetime) -> None:
        self.active = False

    # --- working time (docs/organisation-front.md) ------------------------------------------------

    class HoursSet(ShowroomAggregate.Event):
        """From now on the store opens on `weekday` (0 = Monday) during `spans` (none: closed)."""

        weekday: int
        spans: list[str]

    class DayHoursSet(ShowroomAggregate.Event):
        """On `day` the store opens during `spans` instead (none: closed, a holiday)."""

        day: date
        spans: list[str]
        note: str

    class DayHoursCleared(ShowroomAggregate.Event):
        """`day` follows the weekday's hours again."""

        day: date

    # Class-level defaults: stores opened before working time existed have no hours until set.
    # (Tuples: an aggregate is a dataclass, whose defaults must be immutable.)
    weekly_spans: tuple[tuple[int, tuple[str, ...]], ...] = ()
    date_spans: tuple[tuple[date, tuple[str, ...], str], ...] = ()

    @property
    def weekly_hours(self) -> dict[int, list[str]]:
        return {d: list(v) for d, v in self.weekly_spans}

    @property
    def day_hours(self) -> dict[date, list[str]]:
        return {d: list(v) for d, v, _ in self.date_spans}

    @property
    def day_notes(self) -> dict[date, str]:
        return {d: note for d, _, note in self.date_spans}

    @property
    def hours(self) -> StoreHours:
        """The store's opening hours for the pure working-time functions."""
        return StoreHours(
            timezone=self.timezone,
            weekly={d: spans(v) for d, v in self.weekly_hours.items()},
            exceptions={d: spans(v) for d, v in self.day_hours.items()},
        )

    def set_hours(self, weekday: int, day_spans: list[str], occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "set the hours of")
        if weekday not in range(7):
            raise InvalidValueError("weekday runs from 0 (Monday) to 6 (Sunday)", field="weekday")
        texts = [str(s) for s in spans(day_spans)]
        self._set_hours(weekday=weekday, spans=texts, occurred_at=occurred_at)

    @event(HoursSet)
    def _set_hours(self, weekday: int, spans: list[str], occurred_at: datetime) -> None:
        kept = tuple(x for x in self.weekly_spans if x[0] != weekday)
        self.weekly_spans = tuple(sorted((*kept, (weekday, tuple(spans)))))

    def set_day_hours(
        self, day: date, day_spans: list[str], note: str, occurred_at: datetime
    ) -> None:
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "set the hours of")
        texts = [str(s) for s in spans(day_spans)]
        self._set_day_hours(day=day, spans=texts, note=note, occurred_at=occurred_at)

    @event(DayHoursSet)
    def _set_day_hours(self, day: date, spans: list[str], note: str, occurred_at: datetime) -> None:
        kept = tuple(x for x in self.date_spans if x[0] != day)
        self.date_spans = tuple(sorted((*kept, (day, tuple(spans), note))))

    def clear_day_hours(self, day: date, occurred_at: datetime) -> None:
        if day not in self.day_hours:
            raise InvalidValueError(f"{day} has no hours of its own", field="day")
        self._clear_day_hours(day=day, occurred_at=occurred_at)

    @event(DayHoursCleared)
    def _clear_day_hours(self, day: date, occurred_at: datetime) -> None:
        self.date_spans = tuple(x for x in self.date_spans if x[0] != day)

    # --- lead de-duplication (docs/lead-dedup.md) ------------------------------------------------
    # New event and attributes only; a store that never set the rule uses the group's default.

    class LeadDedupSet(ShowroomAggregate.Event):
        """From now on, a customer's enquiry is recorded on their open lead by `rule`, within
        `window_days` of the lead's last activity (`rule` and its values: domain/leads/dedup.py)."""

        rule: str
        window_days: int

    @property
    def lead_dedup(self) -> tuple[str, int] | None:
        """The store's de-duplication rule and window, or None when never set."""
        return getattr(self, "_lead_dedup", None)

    def set_lead_dedup(self, rule: str, window_days: int, occurred_at: datetime) -> None:
        """Set the rule (the caller checks rule and window: domain/leads/dedup.py)."""
        if not self.active:
            raise IllegalTransitionError("store", self.id, "closed", "set the lead rule of")
        self._set_lead_dedup(rule=rule, window_days=window_days, occurred_at=occurred_at)

    @event(LeadDedupSet)
    def _set_lead_dedup(self, rule: str, window_days: int, occurred_at: datetime) -> None:
        self._lead_dedup = (rule, window_days)


class Staff(ShowroomAggregate):
    """A person on the payroll of a store: salesperson, manager, finance..."""

    class Hired(ShowroomAggregate.Created):
        # A member of staff's name is their personal data (issue 13): the event store's mapper
        # seals it with their own key (docs/personal-data.md); old Hired events keep theirs.
        personal_fields: ClassVar[tuple[str, ...]] = ("name",)
        personal_subject: ClassVar[str] = "originator_id"
        personal_subject_kind: ClassVar[str] = "staff"

        name: str
        role: str
        store_id: UUID

    class Transferred(ShowroomAggregate.Event):
        from_store_id: UUID
        to_store_id: UUID

    class Left(ShowroomAggregate.Event):
        # Why someone left is about them: sealed with their own key like their name.
        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        personal_subject: ClassVar[str] = "originator_id"
        personal_subject_kind: ClassVar[str] = "staff"

        reason: str

    @event(Hired)
    def __init__(self, name: str, role: str, store_id: UUID, occurred_at: datetime) -> None:
        self.name, self.role, self.store_id = name, Role(role), store_id
        self.active = True

    def transfer(self, to_store_id: UUID, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("staff", self.id, "inactive", "transfer")
        if to_store_id == self.store_id:
            raise IllegalTransitionError("staff", self.id, "already at that store", "transfer")
        self._transfer(
            from_store_id=self.store_id, to_store_id=to_store_id, occurred_at=occurred_at
        )

    @event(Transferred)
    def _transfer(self, from_store_id: UUID, to_store_id: UUID, occurred_at: datetime) -> None:
        self.store_id = to_store_id

    def leave(self, reason: str, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("staff", self.id, "inactive", "leave")
        self._leave(reason=reason, occurred_at=occurred_at)

    @event(Left)
    def _leave(self, reason: str, occurred_at: datetime) -> None:
        self.active = False

    # --- working time (docs/organisation-front.md) ------------------------------------------------

    class ShiftsSet(ShowroomAggregate.Event):
        """From now on the person works on `weekday` (0 = Monday) during `spans` (store time)."""

        weekday: int
        spans: list[str]

    class LeaveRecorded(ShowroomAggregate.Event):
        """Away from `first` to `last` (store-local dates, both included)."""

        first: date
        last: date

    class LeaveCancelled(ShowroomAggregate.Event):
        first: date
        last: date

    class AvailabilitySet(ShowroomAggregate.Event):
        """The person marked themselves available on the floor (or not)."""

        available: bool

    # Class-level defaults: staff hired before working time existed have no shifts, no leave,
    # and are available (a shift still has to be set before they count as on duty).
    shift_spans: tuple[tuple[int, tuple[str, ...]], ...] = ()
    leave_days: tuple[tuple[date, date], ...] = ()
    available: bool = True

    @property
    def duty(self) -> Duty:
        """Shifts, leave and status for the pure working-time functions."""
        return Duty(
            shifts={d: spans(v) for d, v in self.shift_spans},
            leave=tuple(Leave(a, b) for a, b in self.leave_days),
            available=self.available,
        )

    def set_shifts(self, weekday: int, day_spans: list[str], occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("staff", self.id, "inactive", "set shifts of")
        if weekday not in range(7):
            raise InvalidValueError("weekday runs from 0 (Monday) to 6 (Sunday)", field="weekday")
        texts = [str(s) for s in spans(day_spans)]
        self._set_shifts(weekday=weekday, spans=texts, occurred_at=occurred_at)

    @event(ShiftsSet)
    def _set_shifts(self, weekday: int, spans: list[str], occurred_at: datetime) -> None:
        kept = tuple(x for x in self.shift_spans if x[0] != weekday)
        self.shift_spans = tuple(sorted((*kept, (weekday, tuple(spans)))))

    @property
    def shifts(self) -> dict[int, list[str]]:
        return {d: list(v) for d, v in self.shift_spans}

    def record_leave(self, first: date, last: date, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("staff", self.id, "inactive", "record leave of")
        if last < first:
            raise InvalidValueError("leave must end on or after its first day", field="last")
        if (last - first).days > 366:
            raise InvalidValueError("leave is recorded a year at most at a time", field="last")
        for a, b in self.leave_days:
            if a <= last and first <= b:
                raise InvalidValueError(f"leave from {a} to {b} overlaps it", field="first")
        self._record_leave(first=first, last=last, occurred_at=occurred_at)

    @event(LeaveRecorded)
    def _record_leave(self, first: date, last: date, occurred_at: datetime) -> None:
        self.leave_days = tuple(sorted((*self.leave_days, (first, last))))

    def cancel_leave(self, first: date, occurred_at: datetime) -> None:
        found = [(a, b) for a, b in self.leave_days if a == first]
        if not found:
            raise InvalidValueError(f"no leave starts on {first}", field="first")
        self._cancel_leave(first=first, last=found[0][1], occurred_at=occurred_at)

    @event(LeaveCancelled)
    def _cancel_leave(self, first: date, last: date, occurred_at: datetime) -> None:
        self.leave_days = tuple(x for x in self.leave_days if x != (first, last))

    def set_availability(self, available: bool, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("staff", self.id, "inactive", "set availability of")
        self._set_availability(available=available, occurred_at=occurred_at)

    @event(AvailabilitySet)
    def _set_availability(self, available: bool, occurred_at: datetime) -> None:
        self.available = available


class User(ShowroomAggregate):
    """A login with a role and a scope (group, one store, or one salesperson's own records).

    The id derives from the lower-cased username, so a second user of that name is a conflict
    on save; usernames are logins, not personal data such as phone numbers.

    Tokens carry the user's `token_generation`: a password change or a deactivation moves it
    on, which revokes every token issued before. One token is
    revoked by its id (`jti`) on logout; the ids are kept until the token would have expired.
    Both are events, so revocation is audited and survives restarts and view rebuilds.
    """

    class Registered(ShowroomAggregate.Created):
        username: str
        password_hash: str
        role: str
        store_id: UUID | None
        staff_id: UUID | None

    class PasswordChanged(ShowroomAggregate.Event):
        password_hash: str

    class Deactivated(ShowroomAggregate.Event):
        pass

    class Reactivated(ShowroomAggregate.Event):
        pass

    class TokenRevoked(ShowroomAggregate.Event):
        token_id: str
        expires_at: datetime

    class Unlocked(ShowroomAggregate.Event):
        """An admin lifted the login throttle's lockout of this account."""

    class LanguageChosen(ShowroomAggregate.Event):
        """The user chose the language of their pages ("zh-CN" or "en")."""

        language: str

    class SecondFactorEnabled(ShowroomAggregate.Event):
        """The user confirmed a TOTP secret with a first valid code (the code's time `step`).

        The secret and the recovery codes' hashes live in this event: the event bodies are
        encrypted at rest (issue 13), and no view ever copies them."""

        secret: str
        recovery_code_hashes: list[str]
        step: int

    class SecondFactorCodeUsed(ShowroomAggregate.Event):
        """A login accepted the TOTP code of time `step`: no code of that step or before again."""

        step: int

    class RecoveryCodeUsed(ShowroomAggregate.Event):
        """A login (or a disable) spent the recovery code with this hash: it never works again."""

        code_hash: str

    class SecondFactorDisabled(ShowroomAggregate.Event):
        """The second factor was switched off: by the user with a code, or reset by an admin."""

        by_admin: bool

    # Class-level defaults: users registered (or snapshotted) before the second factor existed
    # have none until they enrol.
    second_factor_secret: str | None = None
    recovery_code_hashes: tuple[str, ...] = ()
    last_code_step: int = -1

    @staticmethod
    def id_for(username: str) -> UUID:
        return uuid5(USER_NAMESPACE, username.strip().lower())

    @staticmethod
    def create_id(username: str) -> UUID:
        return User.id_for(username)

    @event(Registered)
    def __init__(
        self,
        username: str,
        password_hash: str,
        role: str,
        store_id: UUID | None,
        staff_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.username, self.password_hash = username, password_hash
        self.role, self.store_id, self.staff_id = Role(role), store_id, staff_id
        self.active = True
        self.token_generation = 0
        self.revoked_tokens: dict[str, datetime] = {}
        self.unlocks = 0
        self.language: str | None = None

    def change_password(self, password_hash: str, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("user", self.id, "inactive", "change password of")
        self._change_password(password_hash=password_hash, occurred_at=occurred_at)

    @event(PasswordChanged)
    def _change_password(self, password_hash: str, occurred_at: datetime) -> None:
        self.password_hash = password_hash
        self.token_generation = self.token_generation + 1

    def deactivate(self, occurred_at: datetime) -> None:
        if not self.active:
            raise IllegalTransitionError("user", self.id, "inactive", "deactivate")
        self._deactivate(occurred_at=occurred_at)

    @event(Deactivated)
    def _deactivate(self, occurred_at: datetime) -> None:
        self.active = False
        # Tokens issued before must not come back to life on a reactivation.
        self.token_generation = self.token_generation + 1

    def reactivate(self, occurred_at: datetime) -> None:
        if self.active:
            raise IllegalTransitionError("user", self.id, "active", "reactivate")
        self._reactivate(occurred_at=occurred_at)

    @event(Reactivated)
    def _reactivate(self, occurred_at: datetime) -> None:
        self.active = True

    def accepts_token(self, generation: int, token_id: str) -> bool:
        """Whether a token of this generation and id is still good (its signature checked)."""
        return (
            self.active
            and generation == self.token_generation
            and token_id not in self.revoked_tokens
        )

    def revoke_token(self, token_id: str, expires_at: datetime, occurred_at: datetime) -> None:
        if token_id in self.revoked_tokens:
            return
        self._revoke_token(token_id=token_id, expires_at=expires_at, occurred_at=occurred_at)

    @event(TokenRevoked)
    def _revoke_token(self, token_id: str, expires_at: datetime, occurred_at: datetime) -> None:
        # Ids of tokens past their expiry are dropped: no signature check would pass them.
        kept = {jti: exp for jti, exp in self.revoked_tokens.items() if exp > occurred_at}
        self.revoked_tokens = kept | {token_id: expires_at}

    def unlock(self, occurred_at: datetime) -> None:
        self._unlock(occurred_at=occurred_at)

    @event(Unlocked)
    def _unlock(self, occurred_at: datetime) -> None:
        # The login throttle keys an account's failures by this count: a new count, a new
        # budget, in every API process, whatever store the throttle keeps its counts in.
        self.unlocks = self.unlocks + 1

    def choose_language(self, language: str, occurred_at: datetime) -> None:
        if language not in LANGUAGES:
            raise InvalidValueError(
                f"language must be one of {', '.join(LANGUAGES)}", field="language"
            )
        if language != self.language:
            self._choose_language(language=language, occurred_at=occurred_at)

    @event(LanguageChosen)
    def _choose_language(self, language: str, occurred_at: datetime) -> None:
        self.language = language

    # --- second factor (TOTP) ---------------------------------------------------------------

    @property
    def second_factor_enabled(self) -> bool:
        return self.second_factor_secret is not None

    def enable_second_factor(
        self, secret: str, recovery_code_hashes: list[str], step: int, occurred_at: datetime
    ) -> None:
        if not self.active:
            raise IllegalTransitionError("user", self.id, "inactive", "enrol a second factor of")
        if self.second_factor_enabled:
            raise SecondFactorAlreadyEnabledError(
                "a second factor is already enabled: disable it first to enrol another"
            )
        self._enable_second_factor(
            secret=secret,
            recovery_code_hashes=list(recovery_code_hashes),
            step=step,
            occurred_at=occurred_at,
        )

    @event(SecondFactorEnabled)
    def _enable_second_factor(
        self, secret: str, recovery_code_hashes: list[str], step: int, occurred_at: datetime
    ) -> None:
        self.second_factor_secret = secret
        self.recovery_code_hashes = tuple(recovery_code_hashes)
        self.last_code_step = step

    def use_code(self, step: int, occurred_at: datetime) -> None:
        """Spend the TOTP code of time `step`; one of that step or an earlier one is a replay."""
        if not self.second_factor_enabled:
            raise SecondFactorNotEnabledError("no second factor is enabled")
        if step <= self.last_code_step:
            raise OneTimeCodeReplayedError("this code was used already: wait for the next one")
        self._use_code(step=step, occurred_at=occurred_at)

    @event(SecondFactorCodeUsed)
    def _use_code(self, step: int, occurred_at: datetime) -> None:
        self.last_code_step = step

    def use_recovery_code(self, code_hash: str, occurred_at: datetime) -> None:
        if code_hash not in self.recovery_code_hashes:
            raise WrongOneTimeCodeError("not a valid code")
        self._use_recovery_code(code_hash=code_hash, occurred_at=occurred_at)

    @event(RecoveryCodeUsed)
    def _use_recovery_code(self, code_hash: str, occurred_at: datetime) -> None:
        self.recovery_code_hashes = tuple(h for h in self.recovery_code_hashes if h != code_hash)

    def disable_second_factor(self, by_admin: bool, occurred_at: datetime) -> None:
        if not self.second_factor_enabled:
            raise SecondFactorNotEnabledError("no second factor is enabled")
        self._disable_second_factor(by_admin=by_admin, occurred_at=occurred_at)

    @event(SecondFactorDisabled)
    def _disable_second_factor(self, by_admin: bool, occurred_at: datetime) -> None:
        self.second_factor_secret = None
        self.recovery_code_hashes = ()
        # last_code_step stays: a code seen before can never be replayed after a re-enrolment.
