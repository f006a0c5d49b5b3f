"""What a user may do with notifications, under the one access policy: read and mark their own
inbox, choose their channels; and, for notification admins, the stores' robots and the
dead-letter list with its replay. The JSON routes and the pages both call these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.shared.access import NOTIFY_ADMINS, ensure_role
from domain.shared.actor import Principal
from domain.shared.errors import ConflictError, InvalidValueError, NotFoundError
from projections.db import Database
from projections.notifications import queries
from projections.notifications.queries import Notification
from projections.notifications.rules import KINDS, STORE_GROUP_KINDS
from workers.notify import channels, delivery, store
from workers.notify.config import NotifyConfig
from workers.notify.store import CHANNELS, ROBOT_CHANNELS, DeliveryState, Preferences, Robot

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
LANGUAGES = ("zh-CN", "en")


# --- one's own inbox --------------------------------------------------------------------------


def inbox(
    db: Database, actor: Principal, *, unread_only: bool = False, limit: int = 50, before: int = 0
) -> list[Notification]:
    """The actor's own notifications, newest first."""
    return queries.inbox(db, actor.user_id, unread_only=unread_only, limit=limit, before=before)


def unread(db: Database, actor: Principal) -> int:
    return queries.unread_count(db, actor.user_id)


def mark_read(db: Database, actor: Principal, notification_id: str) -> None:
    """Mark one of the actor's notifications read; someone else's is not found."""
    if not queries.mark_read(db, actor.user_id, notification_id[:64]):
        raise NotFoundError("notification", notification_id[:64])


def mark_all_read(db: Database, actor: Principal) -> int:
    return queries.mark_all_read(db, actor.user_id)


# --- one's own channels -------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferencesShown:
    """A user's preferences as they are shown back: webhook URLs and secrets masked."""

    email: str | None
    wecom_url: str
    dingtalk_url: str
    dingtalk_signed: bool
    kinds: dict[str, list[str]]


def shown(prefs: Preferences) -> PreferencesShown:
    return PreferencesShown(
        email=prefs.email,
        wecom_url=store.masked(prefs.wecom_url),
        dingtalk_url=store.masked(prefs.dingtalk_url),
        dingtalk_signed=bool(prefs.dingtalk_secret),
        kinds={k: list(v) for k, v in prefs.kinds.items()},
    )


def preferences(db: Database, actor: Principal) -> PreferencesShown:
    return shown(store.preferences(db, actor.user_id))


def _webhook(value: str | None, field: str, config: NotifyConfig) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 500:
        raise InvalidValueError(f"{field} is too long", field=field)
    try:
        channels.check_url(value, config)
    except channels.HostNotAllowedError as error:
        raise InvalidValueError(f"{field}: {error}", field=field) from None
    return value


def _kinds(kinds: dict[str, list[str]], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for kind, picked in kinds.items():
        if kind not in KINDS:
            raise InvalidValueError(f"unknown kind {kind[:40]}", field="kinds")
        wrong = [c for c in picked if c not in allowed]
        if wrong:
            raise InvalidValueError(f"unknown channel {wrong[0][:20]}", field="kinds")
        if picked:
            chosen[kind] = sorted(set(picked), key=allowed.index)
    return chosen


def set_preferences(
    db: Database,
    actor: Principal,
    *,
    email: str | None,
    wecom_url: str | None = None,
    dingtalk_url: str | None = None,
    dingtalk_secret: str | None = None,
    kinds: dict[str, list[str]],
    config: NotifyConfig | None = None,
) -> PreferencesShown:
    """Save the actor's channels: an address per channel and the channels of each kind.

    A webhook URL or secret given as None keeps the one saved (a page never shows them back
    in full, so a form left blank keeps them); "" removes it."""
    config = config or NotifyConfig.from_env()
    current = store.preferences(db, actor.user_id)
    address = (email or "").strip() or None
    if address is not None and (len(address) > 254 or not _EMAIL.match(address)):
        raise InvalidValueError("email is not an e-mail address", field="email")
    prefs = Preferences(
        user_id=actor.user_id,
        email=address,
        wecom_url=current.wecom_url
        if wecom_url is None
        else _webhook(wecom_url, "wecom_url", config),
        dingtalk_url=current.dingtalk_url
        if dingtalk_url is None
        else _webhook(dingtalk_url, "dingtalk_url", config),
        dingtalk_secret=current.dingtalk_secret
        if dingtalk_secret is None
        else (dingtalk_secret.strip()[:200] or None),
        kinds=_kinds(kinds, CHANNELS),
    )
    for kind, picked in prefs.kinds.items():
        for channel in picked:
            if not prefs.address(channel):
                raise InvalidValueError(
                    f"{KINDS[kind]} on {channel} needs its address", field=channel
                )
    store.save_preferences(db, prefs)
    return shown(prefs)


# --- the stores' robots (admins) ------------------------------------------------------------------


@dataclass(frozen=True)
class RobotShown:
    id: str
    store_id: str
    channel: str
    name: str
    url: str  # masked
    signed: bool
    kinds: list[str]
    language: str


def _robot_shown(robot: Robot) -> RobotShown:
    return RobotShown(
        id=robot.robot_id,
        store_id=robot.store_id,
        channel=robot.channel,
        name=robot.name,
        url=store.masked(robot.url),
        signed=bool(robot.secret),
        kinds=list(robot.kinds),
        language=robot.language,
    )


def robots(db: Database, actor: Principal, store_id: str | None = None) -> list[RobotShown]:
    ensure_role(actor, *NOTIFY_ADMINS)
    return [_robot_shown(r) for r in store.robots(db, store_id)]


def add_robot(
    db: Database,
    actor: Principal,
    *,
    store_id: str,
    channel: str,
    name: str,
    url: str,
    secret: str | None,
    kinds: list[str],
    language: str,
    config: NotifyConfig | None = None,
) -> RobotShown:
    """Add a group robot to a store: which kinds of notice its group hears of."""
    ensure_role(actor, *NOTIFY_ADMINS)
    config = config or NotifyConfig.from_env()
    if db.one("SELECT 1 AS x FROM rm_directory_store WHERE store_id = ?", (store_id[:64],)) is None:
        raise NotFoundError("store", store_id[:64])
    if channel not in ROBOT_CHANNELS:
        raise InvalidValueError("channel must be wecom or dingtalk", field="channel")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidValueError("name is required (at most 100 characters)", field="name")
    hook = _webhook(url, "url", config)
    if hook is None:
        raise InvalidValueError("url is required", field="url")
    wrong = [k for k in kinds if k not in STORE_GROUP_KINDS]
    if wrong or not kinds:
        raise InvalidValueError(
            "kinds must be some of " + ", ".join(STORE_GROUP_KINDS), field="kinds"
        )
    if language not in LANGUAGES:
        raise InvalidValueError("language must be zh-CN or en", field="language")
    key = (secret or "").strip()[:200] or None
    if key and channel != "dingtalk":
        raise InvalidValueError("only DingTalk robots are signed with a secret", field="secret")
    ident = store.add_robot(
        db,
        store_id=store_id,
        channel=channel,
        name=name,
        url=hook,
        secret=key,
        kinds=sorted(set(kinds), key=STORE_GROUP_KINDS.index),
        language=language,
        by=actor.user_id,
    )
    found = store.robot(db, ident)
    assert found is not None
    return _robot_shown(found)


def remove_robot(db: Database, actor: Principal, robot_id: str) -> None:
    ensure_role(actor, *NOTIFY_ADMINS)
    if not store.remove_robot(db, robot_id[:64]):
        raise NotFoundError("robot", robot_id[:64])


# --- dead letters (admins) -----------------------------------------------------------------------

# Listed for the admin: every attempt failed, or the process died during one (outcome unknown).
DEAD_LETTER_STATES = (DeliveryState.DEAD, DeliveryState.SENDING)


def dead_letters(db: Database, actor: Principal, limit: int = 200) -> list[dict[str, Any]]:
    ensure_role(actor, *NOTIFY_ADMINS)
    rows = store.deliveries(db, states=DEAD_LETTER_STATES, limit=limit)
    for row in rows:
        row["replayed"] = store.replays(db, row["delivery_id"])
    return rows


def delivery_counts(db: Database, actor: Principal) -> dict[str, int]:
    ensure_role(actor, *NOTIFY_ADMINS)
    return store.counts(db)


def replay(db: Database, actor: Principal, delivery_id: str) -> int:
    """Send a dead letter again (recorded with who asked); one already pending or delivered
    is a conflict, so a second click delivers nothing twice."""
    ensure_role(actor, *NOTIFY_ADMINS)
    ident = delivery_id[:64]
    if store.delivery(db, ident) is None:
        raise NotFoundError("delivery", ident)
    try:
        return delivery.replay(db, ident, actor.user_id)
    except delivery.NotReplayableError:
        raise ConflictError("this delivery is not dead: nothing to replay") from None
