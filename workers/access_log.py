"""The access log: who logged in, who read what personal data, who downloaded what.

INTERFACE ONLY on main at this commit: the access-log work (issue 13) replaces the in-memory
list below with the append-only, hash-chained table. Callers use `record` as it is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class AccessKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    FULL_PHONE_READ = "full_phone_read"
    ID_NUMBER_READ = "id_number_read"
    PAY_STATEMENT_READ = "pay_statement_read"
    EXPORT_DOWNLOADED = "export_downloaded"
    CUSTOMER_DATA_EXPORTED = "customer_data_exported"
    CUSTOMER_ERASED = "customer_erased"
    SECOND_FACTOR_CHANGED = "second_factor_changed"
    ADMIN_ACTION = "admin_action"


@dataclass(frozen=True)
class Access:
    """One entry: what happened, who did it (None: not known, a failed login), to whom/what."""

    kind: AccessKind
    actor_id: str | None
    subject: str | None = None  # a customer id, staff id, export id, username tried...
    detail: Mapping[str, str] = field(default_factory=dict)
    address: str | None = None
    user_agent: str | None = None


class AccessLog:
    def __init__(self) -> None:
        self.entries: list[Access] = []

    def record(self, access: Access) -> None:
        self.entries.append(access)
