"""Signing a partner's request as a partner would, with the Standard Webhooks library."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook


def signed(
    secret: str,
    body: dict[str, Any] | bytes,
    *,
    message_id: str | None = None,
    age: timedelta = timedelta(0),
) -> tuple[bytes, dict[str, str]]:
    """The body's bytes and the three webhook headers, signed with `secret`."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    msg_id = message_id or f"msg_{uuid.uuid4().hex}"
    at = datetime.now(UTC) - age
    signature = Webhook(secret).sign(msg_id, at, data)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return data, headers
