"""Notifications: what the /notifications routes take and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import Strict


class NotificationOut(BaseModel):
    id: str
    kind: str = Field(description="lead_assigned, dispute_raised, statement_ready, ...")
    text: str = Field(description="In your language (zh-CN unless you chose English)")
    link: str = Field(description="The page of the thing it is about")
    read: bool
    position: int = Field(description="Log position of the event it came from")
    created_at: datetime


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int
    unread: int


class PreferencesIn(Strict):
    email: str | None = Field(default=None, max_length=254)
    wecom_url: str | None = Field(
        default=None, max_length=500, description='Your WeCom robot; omit to keep, "" to remove'
    )
    dingtalk_url: str | None = Field(default=None, max_length=500)
    dingtalk_secret: str | None = Field(default=None, max_length=200)
    kinds: dict[str, list[str]] = Field(
        default_factory=dict, description="kind -> channels (email, wecom, dingtalk)"
    )


class PreferencesOut(BaseModel):
    email: str | None
    wecom_url: str = Field(description="Masked")
    dingtalk_url: str = Field(description="Masked")
    dingtalk_signed: bool
    kinds: dict[str, list[str]]


class RobotIn(Strict):
    store_id: str = Field(min_length=1, max_length=64)
    channel: str = Field(description="wecom or dingtalk", max_length=20)
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500)
    secret: str | None = Field(default=None, max_length=200, description="DingTalk signing")
    kinds: list[str] = Field(min_length=1, max_length=20)
    language: str = Field(default="zh-CN", max_length=10)


class RobotOut(BaseModel):
    id: str
    store_id: str
    channel: str
    name: str
    url: str = Field(description="Masked: its host and last characters")
    signed: bool
    kinds: list[str]
    language: str


class DeliveryOut(BaseModel):
    id: str
    channel: str
    target: str = Field(description="A user id, or a robot id")
    kind: str
    state: str = Field(description="dead, or sending (the process died during the call)")
    attempts: int
    replays: int
    last_error: str | None
    created_at: str


class ReplayOut(BaseModel):
    id: str
    replay: int
