"""Notifications: your inbox and channels; for admins, the stores' robots and the dead letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, RuntimeDep
from api.schemas.notifications import (
    DeliveryOut,
    MarkedOut,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    ReplayOut,
    RobotIn,
    RobotOut,
    UnreadOut,
)
from domain.shared.actor import Principal
from projections.notifications.queries import Notification
from projections.notifications.rules import render
from workers.notify import service, texts

router = APIRouter(prefix="/notifications", tags=["notifications"])


def _out(note: Notification, actor: Principal) -> NotificationOut:
    text = render(note.kind, note.params, lambda m: texts.translate(m, actor.language))
    return NotificationOut(
        id=note.id,
        kind=note.kind,
        text=text,
        link=note.link,
        read=note.read,
        position=note.position,
        created_at=note.created_at,
    )


@router.get("")
def list_notifications(
    actor: ActorDep,
    runtime: RuntimeDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> list[NotificationOut]:
    """Your notifications, newest first; `before` pages to older ones (a position)."""
    notes = service.inbox(runtime.db, actor, unread_only=unread, limit=limit, before=before)
    return [_out(n, actor) for n in notes]


@router.get("/unread")
def unread_count(actor: ActorDep, runtime: RuntimeDep) -> UnreadOut:
    """How many of your notifications are unread (the badge)."""
    return UnreadOut(unread=service.unread(runtime.db, actor))


@router.post("/read-all")
def read_all(actor: ActorDep, runtime: RuntimeDep) -> MarkedOut:
    """Mark all your notifications read."""
    marked = service.mark_all_read(runtime.db, actor)
    return MarkedOut(marked=marked, unread=service.unread(runtime.db, actor))


@router.post("/{notification_id}/read")
def read_one(notification_id: str, actor: ActorDep, runtime: RuntimeDep) -> MarkedOut:
    """Mark one of your notifications read (again: no change)."""
    service.mark_read(runtime.db, actor, notification_id)
    return MarkedOut(marked=1, unread=service.unread(runtime.db, actor))


@router.get("/preferences")
def get_preferences(actor: ActorDep, runtime: RuntimeDep) -> PreferencesOut:
    """Your channels: which kinds go by e-mail, WeCom or DingTalk (the inbox gets all)."""
    return PreferencesOut(**vars(service.preferences(runtime.db, actor)))


@router.put("/preferences")
def put_preferences(
    actor: ActorDep, runtime: RuntimeDep, body: PreferencesIn = PreferencesIn()
) -> PreferencesOut:
    """Set your channels and addresses (webhook URLs: omit to keep, "" to remove)."""
    saved = service.set_preferences(
        runtime.db,
        actor,
        email=body.email,
        wecom_url=body.wecom_url,
        dingtalk_url=body.dingtalk_url,
        dingtalk_secret=body.dingtalk_secret,
        kinds=body.kinds,
    )
    return PreferencesOut(**vars(saved))


@router.get("/robots")
def list_robots(
    actor: ActorDep, runtime: RuntimeDep, store_id: str | None = Query(None, max_length=64)
) -> list[RobotOut]:
    """The stores' group robots (admins; URLs masked)."""
    return [RobotOut(**vars(r)) for r in service.robots(runtime.db, actor, store_id)]


@router.post("/robots", status_code=201)
def add_robot(body: RobotIn, actor: ActorDep, runtime: RuntimeDep) -> RobotOut:
    """Add a WeCom or DingTalk group robot to a store, with the kinds its group hears of."""
    robot = service.add_robot(
        runtime.db,
        actor,
        store_id=body.store_id,
        channel=body.channel,
        name=body.name,
        url=body.url,
        secret=body.secret,
        kinds=body.kinds,
        language=body.language,
    )
    return RobotOut(**vars(robot))


@router.delete("/robots/{robot_id}", status_code=204)
def remove_robot(robot_id: str, actor: ActorDep, runtime: RuntimeDep) -> Response:
    """Remove a store's robot (its URL and secret are deleted)."""
    service.remove_robot(runtime.db, actor, robot_id)
    return Response(status_code=204)


@router.get("/dead-letters")
def dead_letters(actor: ActorDep, runtime: RuntimeDep) -> list[DeliveryOut]:
    """Deliveries that failed every attempt, or whose outcome is unknown (admins)."""
    return [
        DeliveryOut(
            id=r["delivery_id"],
            channel=r["channel"],
            target=r["target"],
            kind=r["kind"],
            state=r["state"],
            attempts=int(r["attempts"]),
            replays=int(r["replays"]),
            last_error=r["last_error"],
            created_at=str(r["created_at"]),
        )
        for r in service.dead_letters(runtime.db, actor)
    ]


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
def replay(delivery_id: str, actor: ActorDep, runtime: RuntimeDep) -> ReplayOut:
    """Send a dead letter again, once (recorded with who asked); 409 if it is not dead."""
    return ReplayOut(id=delivery_id, replay=service.replay(runtime.db, actor, delivery_id))
