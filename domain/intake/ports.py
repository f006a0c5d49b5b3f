"""What the intake services need from outside the domain: a vault for partners' secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class SecretVault(Protocol):
    """Partners' signing secrets, wrapped at rest; never in the log or a view in clear."""

    def put(self, partner_id: UUID, secret_id: UUID, secret: bytes) -> None:
        """Keep a new secret; it is accepted from now until expired or forgotten."""

    def expire(self, partner_id: UUID, until: datetime, keep: UUID) -> None:
        """Every secret of the partner but `keep` stops being accepted at `until`."""

    def forget(self, partner_id: UUID) -> None:
        """Delete every secret of the partner (revocation)."""

    def accepted(self, partner_id: UUID, at: datetime) -> list[bytes]:
        """The secrets accepted at `at`, newest first."""
