"""What a manager chooses for routing: a policy per store (and per team), and match rules that
send leads of a channel or a brand/model of interest to a team. Plain values, validated here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.shared import values
from domain.shared.errors import InvalidValueError

MAX_WEIGHT = 10
MAX_CAP = 500
MAX_MATCHES = 20


class Mode(StrEnum):
    ROUND_ROBIN = "round_robin"  # everyone eligible takes turns, weight 1 each
    WEIGHTED = "weighted"  # turns in proportion to each person's weight
    # By hand: routing leaves the pool's new leads to the manager (the switch that turns
    # automatic routing off again, keeping the rest of the rules for later).
    MANUAL = "manual"


@dataclass(frozen=True)
class Policy:
    """How one pool (the store, or a team) hands out its leads."""

    mode: Mode = Mode.ROUND_ROBIN
    weights: Mapping[UUID, int] = field(default_factory=dict)
    on_duty_only: bool = True
    cap: int | None = None  # open leads a person may hold before routing skips them
    fallback_id: UUID | None = None  # takes what nobody eligible can (a team's default: its leader)

    def weight(self, staff_id: UUID) -> int:
        if self.mode is Mode.ROUND_ROBIN:
            return 1
        return self.weights.get(staff_id, 1)

    def as_event(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "weights": {
                str(k): v for k, v in sorted(self.weights.items(), key=lambda i: str(i[0]))
            },
            "on_duty_only": self.on_duty_only,
            "cap": self.cap,
            "fallback_id": self.fallback_id,
        }


def policy(
    mode: str,
    weights: Mapping[Any, Any] | None = None,
    on_duty_only: bool = True,
    cap: int | None = None,
    fallback_id: UUID | None = None,
) -> Policy:
    """A validated policy (weights 1–10, cap 1–500 or none)."""
    try:
        chosen = Mode(mode)
    except ValueError:
        raise InvalidValueError(
            f"mode must be one of {', '.join(m.value for m in Mode)}", field="mode"
        ) from None
    checked: dict[UUID, int] = {}
    for key, value in (weights or {}).items():
        try:
            staff_id = key if isinstance(key, UUID) else UUID(str(key))
        except ValueError:
            raise InvalidValueError(f"{key!r} is not a staff id", field="weights") from None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WEIGHT:
            raise InvalidValueError(
                f"a weight is a whole number 1 to {MAX_WEIGHT}", field="weights"
            )
        checked[staff_id] = value
    if cap is not None and (
        isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAP
    ):
        raise InvalidValueError(f"the cap is a whole number 1 to {MAX_CAP}, or none", field="cap")
    if not isinstance(on_duty_only, bool):
        raise InvalidValueError("on_duty_only is true or false", field="on_duty_only")
    return Policy(chosen, checked, on_duty_only, cap, fallback_id)


def policy_from_event(data: Mapping[str, Any]) -> Policy:
    return Policy(
        mode=Mode(data["mode"]),
        weights={UUID(k): int(v) for k, v in data["weights"].items()},
        on_duty_only=bool(data["on_duty_only"]),
        cap=data["cap"],
        fallback_id=UUID(str(data["fallback_id"])) if data["fallback_id"] else None,
    )


@dataclass(frozen=True)
class Match:
    """Leads of `channel` (if set) whose model of interest mentions `interest` (if set, a brand
    or a model, case-insensitive) go to team `team_id`. The first match wins."""

    team_id: UUID
    channel: str | None = None
    interest: str | None = None

    def fits(self, channel: str, model_interest: str | None) -> bool:
        if self.channel is not None and self.channel != channel:
            return False
        if self.interest is not None:
            return self.interest.casefold() in (model_interest or "").casefold()
        return True

    def as_event(self) -> dict[str, Any]:
        return {"team_id": str(self.team_id), "channel": self.channel, "interest": self.interest}


def match(team_id: UUID, channel: str | None = None, interest: str | None = None) -> Match:
    """A validated match rule: a known channel and/or a brand or model text, never neither."""
    chosen = None
    if channel:
        try:
            chosen = values.Channel(channel).value
        except ValueError:
            raise InvalidValueError(f"unknown channel {channel!r}", field="channel") from None
    text = values.text(interest, "interest", max_length=40, required=False) if interest else None
    if chosen is None and not text:
        raise InvalidValueError(
            "a match names a channel, a brand or model, or both", field="channel"
        )
    return Match(team_id=team_id, channel=chosen, interest=text or None)


def matches(items: list[Match]) -> tuple[Match, ...]:
    if len(items) > MAX_MATCHES:
        raise InvalidValueError(f"at most {MAX_MATCHES} match rules", field="matches")
    return tuple(items)


def match_from_event(data: Mapping[str, Any]) -> Match:
    return Match(UUID(data["team_id"]), data.get("channel"), data.get("interest"))
