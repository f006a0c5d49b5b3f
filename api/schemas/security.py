"""Second factor and sessions: what the /auth/second-factor and /auth/sessions routes take and
answer."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Strict


class SecondFactorOut(BaseModel):
    enabled: bool
    recovery_codes_left: int
    required: bool = Field(description="Whether your role must use a second factor")


class EnrolmentOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret, to type into an authenticator app")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI")
    qr_svg: str = Field(description="The URI as a QR code: an SVG data: URI")
    enrolment: str = Field(description="Send back with the first code to confirm (15 minutes)")


class ConfirmEnrolment(Strict):
    enrolment: str = Field(min_length=1, max_length=2000)
    code: str = Field(min_length=1, max_length=64, description="The app's current code")
    password: str = Field(min_length=1, max_length=1024, json_schema_extra={"format": "password"})


class EnabledOut(BaseModel):
    id: UUID
    version: int
    position: int
    recovery_codes: list[str] = Field(
        description="Ten one-time recovery codes, shown this once and kept only hashed"
    )


class DisableSecondFactor(Strict):
    code: str = Field(
        min_length=1, max_length=64, description="A current code or an unused recovery code"
    )


class SessionOut(BaseModel):
    id: str = Field(description="The token's id (jti)")
    issued_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    current: bool = Field(description="The session of the token this request carries")


class RevokedOut(BaseModel):
    revoked: list[str] = Field(description="Ids of the sessions ended by this request")
