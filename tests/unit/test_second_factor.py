"""The second factor in the domain, over an in-memory store and a fake code port: Given / When /
Then on the user, the service's rules, and a replay property (replayed state == live state)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.app import Showroom
from domain.organisation.errors import (
    OneTimeCodeReplayedError,
    SecondFactorAlreadyEnabledError,
    SecondFactorNotEnabledError,
    WrongOneTimeCodeError,
    WrongPasswordError,
)
from domain.organisation.model import User
from domain.organisation.second_factor import (
    SecondFactors,
    hash_recovery_code,
    new_recovery_codes,
)
from domain.organisation.service import Organisation
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.errors import PermissionDeniedError
from workers.one_time_codes import PyOtpCodes

WHEN = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
PASSWORD = "correct-horse-1"


class FakeCodes:
    """The port with codes anyone can compute: "code-<step>"; the step now is `self.step`."""

    def __init__(self) -> None:
        self.step = 1000

    def new_secret(self) -> str:
        return "FAKESECRET"

    def step_of(self, secret: str, code: str, at: datetime) -> int | None:
        for step in (self.step - 1, self.step, self.step + 1):
            if code == f"{step:06d}":
                return step
        return None

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        return f"otpauth://totp/{issuer}:{account}?secret={secret}"


def world() -> tuple[Showroom, SecondFactors, FakeCodes, Principal]:
    app = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    organisation = Organisation(app)
    organisation.register_user(SYSTEM, "finance", PASSWORD, "finance")
    codes = FakeCodes()
    principal = organisation.authenticate("finance", PASSWORD)
    assert principal is not None
    return app, SecondFactors(app, codes), codes, principal


def code(step: int) -> str:
    return f"{step:06d}"


# --- the aggregate: Given / When / Then ---------------------------------------------------------


def registered() -> User:
    return User(
        username="finance",
        password_hash="x",
        role="finance",
        store_id=None,
        staff_id=None,
        occurred_at=WHEN,
    )


def test_enabling_records_the_secret_the_recovery_hashes_and_the_confirming_step() -> None:
    user = registered()

    user.enable_second_factor("S", ["h1", "h2"], 7, occurred_at=WHEN)

    event = user.collect_events()[-1]
    assert isinstance(event, User.SecondFactorEnabled)
    assert (event.secret, event.recovery_code_hashes, event.step) == ("S", ["h1", "h2"], 7)
    assert user.second_factor_enabled and user.last_code_step == 7


def test_a_code_of_the_last_step_used_or_before_is_a_replay() -> None:
    user = registered()
    user.enable_second_factor("S", [], 7, occurred_at=WHEN)
    user.use_code(8, occurred_at=WHEN)

    for step in (8, 7, 3):
        with pytest.raises(OneTimeCodeReplayedError):
            user.use_code(step, occurred_at=WHEN)


def test_a_recovery_code_hash_is_spent_once() -> None:
    user = registered()
    user.enable_second_factor("S", ["h1", "h2"], 7, occurred_at=WHEN)

    user.use_recovery_code("h1", occurred_at=WHEN)

    assert user.recovery_code_hashes == ("h2",)
    with pytest.raises(WrongOneTimeCodeError):
        user.use_recovery_code("h1", occurred_at=WHEN)


def test_enabling_twice_or_disabling_what_is_off_is_refused() -> None:
    user = registered()
    with pytest.raises(SecondFactorNotEnabledError):
        user.disable_second_factor(by_admin=False, occurred_at=WHEN)
    user.enable_second_factor("S", [], 7, occurred_at=WHEN)
    with pytest.raises(SecondFactorAlreadyEnabledError):
        user.enable_second_factor("T", [], 8, occurred_at=WHEN)


def test_a_user_registered_before_the_second_factor_existed_has_none() -> None:
    user = registered()

    assert not user.second_factor_enabled and user.recovery_code_hashes == ()


# --- the service --------------------------------------------------------------------------------


def test_enabling_needs_the_password_and_a_code_of_the_secret() -> None:
    _app, factors, codes, me = world()

    with pytest.raises(WrongPasswordError):
        factors.enable(me, "S", code(codes.step), "wrong-password")
    with pytest.raises(WrongOneTimeCodeError):
        factors.enable(me, "S", "999999", PASSWORD)
    _written, recovery = factors.enable(me, "S", code(codes.step), PASSWORD)

    assert len(recovery) == 10 and factors.status(me).recovery_codes_left == 10


def test_a_login_code_is_accepted_once_and_codes_of_the_window_only() -> None:
    _app, factors, codes, me = world()
    factors.enable(me, "S", code(codes.step - 1), PASSWORD)

    assert factors.check_login(me, code(codes.step - 1)) is False  # used to enrol
    assert factors.check_login(me, code(codes.step + 2)) is False  # outside ±1
    assert factors.check_login(me, code(codes.step)) is True
    assert factors.check_login(me, code(codes.step)) is False


def test_a_recovery_code_works_once_whatever_its_case_and_dashes() -> None:
    _app, factors, codes, me = world()
    _written, recovery = factors.enable(me, "S", code(codes.step), PASSWORD)

    assert factors.check_login(me, recovery[0].upper().replace("-", " ")) is True
    assert factors.check_login(me, recovery[0]) is False
    assert factors.status(me).recovery_codes_left == 9


def test_only_an_admin_resets_another_users_second_factor() -> None:
    app, factors, codes, me = world()
    factors.enable(me, "S", code(codes.step), PASSWORD)
    admin = Principal(user_id="admin-1", role=Role.ADMIN, username="root")

    with pytest.raises(PermissionDeniedError):
        factors.reset(me, "finance")
    factors.reset(admin, "finance")

    assert not factors.enrolled(UUID(me.user_id))
    stored = list(app.events.get(UUID(me.user_id)))
    assert isinstance(stored[-1], User.SecondFactorDisabled) and stored[-1].by_admin is True
    assert stored[-1].actor == "admin-1"


def test_recovery_codes_are_random_and_their_hashes_ignore_case_and_dashes() -> None:
    first, second = new_recovery_codes(), new_recovery_codes()

    assert len(set(first + second)) == 20
    assert hash_recovery_code("abcd-efgh-jkmn-pqrs") == hash_recovery_code("ABCD EFGH JKMN PQRS")


def test_the_pyotp_adapter_accepts_the_window_and_names_the_step() -> None:
    codes = PyOtpCodes()
    secret = codes.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(WHEN)

    assert codes.step_of(secret, totp.generate_otp(step - 1), WHEN) == step - 1
    assert codes.step_of(secret, totp.generate_otp(step + 1), WHEN) == step + 1
    assert codes.step_of(secret, totp.generate_otp(step + 2), WHEN) is None
    assert codes.step_of(secret, "12345a", WHEN) is None
    assert len(secret) == 32


# --- replay: the state rebuilt from the events is the live state -------------------------------

ACTIONS = st.lists(
    st.sampled_from(["enable", "code", "old code", "recovery", "disable", "reset"]), max_size=12
)


@settings(max_examples=40, deadline=None)
@given(ACTIONS)
def test_replayed_state_equals_live_state(actions: list[str]) -> None:
    app, factors, codes, me = world()
    admin = Principal(user_id="admin-1", role=Role.ADMIN, username="root")
    recovery: list[str] = []
    for action in actions:
        codes.step += 1
        try:
            if action == "enable":
                recovery = factors.enable(me, "S", code(codes.step), PASSWORD)[1]
            elif action == "code":
                factors.check_login(me, code(codes.step))
            elif action == "old code":
                factors.check_login(me, code(codes.step - 1))
            elif action == "recovery" and recovery:
                factors.check_login(me, recovery.pop())
            elif action == "disable":
                factors.disable(me, code(codes.step + 1))
            elif action == "reset":
                factors.reset(admin, "finance")
        except (SecondFactorAlreadyEnabledError, SecondFactorNotEnabledError):
            pass
    live = app.repository.get(UUID(me.user_id))
    replayed = None
    for event in app.events.get(UUID(me.user_id)):
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert (
        replayed.second_factor_secret,
        replayed.recovery_code_hashes,
        replayed.last_code_step,
    ) == (live.second_factor_secret, live.recovery_code_hashes, live.last_code_step)
