"""Delivering notifications: planned once per event, attempted with bounded exponential
back-off, dead-lettered at the last failure, replayed by an admin.

The dispatcher records one `deliver_notifications` job per notifying event (exactly once, with
its tracking position). That job plans the event's deliveries: one per recipient and channel
they chose for its kind, and one per robot of the event's store that carries its kind. A
delivery's id derives from its notification, channel and target, so planning again (a job run
twice, a dispatcher restarted mid-way and replaying) adds nothing.

An attempt first claims the delivery (pending -> sending, in one UPDATE): of two workers that
run it at once one sends. Success marks it delivered; a failure puts it back to pending with a
retry job due after the back-off, recorded in the same transaction as the failure (a timer of
the dispatcher's jobs table); the last failure marks it dead. A process killed during the very
call leaves it `sending`: its outcome is unknown, it is not sent again by itself (a receiver
could have shown it) and the admin's list shows it beside the dead ones, to replay.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from domain.shared.clock import now
from projections.common import utc_iso
from projections.db import Database
from projections.notifications import queries
from projections.notifications.rules import KINDS, by_kind, render
from workers import dispatcher
from workers.notify import channels, store, texts
from workers.notify.channels import DeliveryError, Message
from workers.notify.config import NotifyConfig
from workers.notify.store import DeliveryState

log = logging.getLogger(__name__)

RETRY_ACTOR = "deliver_notification"


def message(row: dict[str, Any], config: NotifyConfig) -> Message:
    language = row["language"]
    params = json.loads(row["params"])
    text = render(row["kind"], params, lambda m: texts.translate(m, language))
    title = texts.translate(KINDS.get(row["kind"], row["kind"]), language)
    return Message(
        title=title,
        text=text,
        url=f"{config.public_url}{row['link']}",
        open_label=texts.translate("Open it", language),
    )


def plan(db: Database, position: int) -> list[str]:
    """Record the deliveries of the event at `position` (once); the ids of those pending."""
    planned: list[tuple[Any, ...]] = []
    moment = utc_iso(now())
    notifications, events = queries.at_position(db, position), queries.events_at(db, position)
    with db.transaction() as tx:
        for row in notifications:
            prefs = store.preferences(tx, row["user_id"])
            for channel in prefs.channels_for(row["kind"]):
                source = row["notification_id"]
                planned.append(
                    (
                        store.delivery_id(source, channel, row["user_id"]),
                        source,
                        channel,
                        row["user_id"],
                        row,
                        row["language"] or texts.DEFAULT,
                    )
                )
        for event in events:
            if event["store_id"] is None or event["kind"] not in _group_kinds():
                continue
            for robot in store.robots(tx, event["store_id"]):
                if robot.active and event["kind"] in robot.kinds:
                    source = event["event_key"]
                    planned.append(
                        (
                            store.delivery_id(source, robot.channel, robot.robot_id),
                            source,
                            robot.channel,
                            robot.robot_id,
                            event,
                            robot.language,
                        )
                    )
        for ident, source, channel, target, row, language in planned:
            tx.execute(
                "INSERT INTO notify_delivery (delivery_id, source, channel, target, kind, params,"
                " link, language, position, state, attempts, replays, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)"
                " ON CONFLICT (delivery_id) DO NOTHING",
                (
                    ident,
                    source,
                    channel,
                    target,
                    row["kind"],
                    row["params"],
                    row["link"],
                    language,
                    position,
                    DeliveryState.PENDING,
                    moment,
                ),
            )
    ids = [p[0] for p in planned]
    if not ids:
        return []
    rows = db.query(
        f"SELECT delivery_id FROM notify_delivery WHERE delivery_id IN"
        f" ({', '.join('?' for _ in ids)}) AND state = ? AND attempts = 0 AND replays = 0",
        (*ids, DeliveryState.PENDING),
    )
    return sorted(r["delivery_id"] for r in rows)


def _group_kinds() -> frozenset[str]:
    return frozenset(k for k, n in by_kind().items() if n.store_group)


def _send(db: Database, row: dict[str, Any], config: NotifyConfig) -> None:
    note = message(row, config)
    if row["channel"] in store.ROBOT_CHANNELS and store.robot(db, row["target"]) is not None:
        bot = store.robot(db, row["target"])
        assert bot is not None
        if bot.channel == "wecom":
            channels.send_wecom(bot.url, note, config)
        else:
            channels.send_dingtalk(bot.url, bot.secret, note, config)
        return
    prefs = store.preferences(db, row["target"])
    address = prefs.address(row["channel"])
    if not address:
        raise DeliveryError(f"no {row['channel']} address any more")
    if row["channel"] == "email":
        channels.send_email(address, note, config)
    elif row["channel"] == "wecom":
        channels.send_wecom(address, note, config)
    else:
        channels.send_dingtalk(address, prefs.dingtalk_secret, note, config)


def attempt(db: Database, ident: str, config: NotifyConfig) -> str | None:
    """One attempt at a pending delivery; its state after, or None when it was not pending."""
    with db.transaction() as tx:
        claimed = tx.changed(
            "UPDATE notify_delivery SET state = ?, attempts = attempts + 1"
            " WHERE delivery_id = ? AND state = ?",
            (DeliveryState.SENDING, ident, DeliveryState.PENDING),
        )
    if not claimed:
        return None
    row = store.delivery(db, ident)
    assert row is not None
    try:
        _send(db, row, config)
    except DeliveryError as error:
        return _failed(db, row, str(error), config)
    with db.transaction() as tx:
        tx.execute(
            "UPDATE notify_delivery SET state = ?, delivered_at = ?, last_error = NULL"
            " WHERE delivery_id = ? AND state = ?",
            (DeliveryState.DELIVERED, utc_iso(now()), ident, DeliveryState.SENDING),
        )
    return DeliveryState.DELIVERED


def _failed(db: Database, row: dict[str, Any], error: str, config: NotifyConfig) -> str:
    attempts = int(row["attempts"])
    ident = row["delivery_id"]
    log.warning("notification delivery %s failed (attempt %s): %s", ident, attempts, error)
    with db.transaction() as tx:
        if attempts >= config.max_attempts:
            tx.execute(
                "UPDATE notify_delivery SET state = ?, last_error = ?, next_at = NULL"
                " WHERE delivery_id = ? AND state = ?",
                (DeliveryState.DEAD, error[:500], ident, DeliveryState.SENDING),
            )
            return DeliveryState.DEAD
        due = now() + timedelta(seconds=config.backoff(attempts))
        tx.execute(
            "UPDATE notify_delivery SET state = ?, last_error = ?, next_at = ?"
            " WHERE delivery_id = ? AND state = ?",
            (DeliveryState.PENDING, error[:500], utc_iso(due), ident, DeliveryState.SENDING),
        )
        _schedule(tx, ident, f"{ident}:{row['replays']}:{attempts}", due)
    return DeliveryState.PENDING


def _schedule(tx: Any, ident: str, key: str, due: Any) -> None:
    job = dispatcher.Job(actor=RETRY_ACTOR, args={"delivery_id": ident}, kind="notify-retry")
    dispatcher.schedule(tx, job, key=key, due_at=due)


class NotReplayableError(LookupError):
    """Only a dead delivery, or one whose outcome is unknown, can be replayed."""


def replay(db: Database, ident: str, by: str) -> int:
    """Send a dead (or unknown) delivery again, from a fresh count of attempts; recorded with
    who asked. Replaying one already pending or delivered changes nothing (NotReplayableError):
    a double click delivers once. The replay's number."""
    with db.transaction() as tx:
        row = tx.one("SELECT replays FROM notify_delivery WHERE delivery_id = ?", (ident,))
        if row is None:
            raise NotReplayableError(ident)
        number = int(row["replays"]) + 1
        changed = tx.changed(
            "UPDATE notify_delivery SET state = ?, attempts = 0, replays = ?, next_at = NULL"
            " WHERE delivery_id = ? AND state IN (?, ?) AND replays = ?",
            (
                DeliveryState.PENDING,
                number,
                ident,
                DeliveryState.DEAD,
                DeliveryState.SENDING,
                number - 1,
            ),
        )
        if not changed:
            raise NotReplayableError(ident)
        tx.execute(
            "INSERT INTO notify_replay (delivery_id, replay, by_user, at) VALUES (?, ?, ?, ?)",
            (ident, number, by, utc_iso(now())),
        )
        _schedule(tx, ident, f"{ident}:replay:{number}", now())
    return number
