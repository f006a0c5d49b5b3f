from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import Command, Strict
from domain.shared.actor import Role
from domain.shared.clock import DEFAULT_TIMEZONE
from domain.shared.values import Condition


class OpenStore(Strict):
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=200)
    brands: list[str] = Field(default_factory=list, max_length=50)
    timezone: str = DEFAULT_TIMEZONE
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When the store opened (back-dated for go-live; never future)"
    )


class UpdateStore(Command):
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=200)
    brands: list[str] = Field(default_factory=list, max_length=50)
    timezone: str = DEFAULT_TIMEZONE


class StoreOut(BaseModel):
    id: UUID
    version: int
    name: str
    city: str
    brands: list[str]
    timezone: str
    active: bool
    packs: dict[str, Decimal] = Field(description="Pack per condition (new, used); none is ¥0")


class SetPack(Command):
    condition: Condition
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, examples=["500"])


class HireStaff(Strict):
    store_id: UUID
    name: str = Field(min_length=1, max_length=200)
    role: Role
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When the person was hired (back-dated for go-live; never future)"
    )


class TransferStaff(Command):
    to_store_id: UUID


class StaffLeaves(Command):
    reason: str = Field(min_length=1, max_length=500)


class StaffOut(BaseModel):
    id: UUID
    version: int
    name: str
    role: Role
    store_id: UUID
    active: bool


class RegisterUser(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    store_id: UUID | None = None
    staff_id: UUID | None = None


class ChangePassword(Strict):
    password: str = Field(min_length=8, max_length=200)
    current_password: str | None = Field(
        default=None,
        max_length=200,
        description="Required when changing one's own password; admins setting another's omit it",
    )


class LoginForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form, with every field bounded: a megabyte username is bad input
    (422), not a lookup."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form(min_length=1, max_length=64)],
        password: Annotated[
            str, Form(min_length=1, max_length=1024, json_schema_extra={"format": "password"})
        ],
        scope: Annotated[str, Form(max_length=1000)] = "",
        client_id: Annotated[str | None, Form(max_length=200)] = None,
        client_secret: Annotated[
            str | None, Form(max_length=1024, json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    user_id: str
    username: str
    role: Role
    store_id: UUID | None
    staff_id: UUID | None
    language: str | None = Field(None, description="Chosen for the pages (zh-CN or en)")


class LanguageIn(Strict):
    language: Literal["zh-CN", "en"]


class StoreLine(BaseModel):
    """A store in a list."""

    id: UUID
    name: str
    city: str
    brands: list[str]
    timezone: str
    active: bool
    opened_at: datetime | None


class StaffLine(BaseModel):
    """A staff member in a list."""

    id: UUID
    name: str
    role: str
    store_id: UUID | None
    active: bool
    hired_at: datetime | None
