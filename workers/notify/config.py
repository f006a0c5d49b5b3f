"""Where notifications may go and how hard to try, from the environment (docs/notifications.md).

The robots' hosts are configuration: a webhook whose host is not listed is refused when an admin
saves it and again when a delivery is attempted, so a robot URL can never make the server call
an internal address. Tests list 127.0.0.1 and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_HOSTS = "qyapi.weixin.qq.com,oapi.dingtalk.com"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class NotifyConfig:
    webhook_hosts: frozenset[str]
    max_attempts: int = 6
    backoff_seconds: float = 30.0  # before the second attempt; doubled each time after
    backoff_max_seconds: float = 3600.0
    timeout_seconds: float = 10.0
    public_url: str = ""  # prefixed to the links in messages sent outside the pages
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "showroom@localhost"
    smtp_starttls: bool = False

    @classmethod
    def from_env(cls) -> NotifyConfig:
        env = os.environ.get
        hosts = env("SHOWROOM_NOTIFY_HOSTS", DEFAULT_HOSTS)
        return cls(
            webhook_hosts=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
            max_attempts=max(1, int(env("SHOWROOM_NOTIFY_MAX_ATTEMPTS", "6"))),
            backoff_seconds=float(env("SHOWROOM_NOTIFY_BACKOFF_SECONDS", "30")),
            backoff_max_seconds=float(env("SHOWROOM_NOTIFY_BACKOFF_MAX_SECONDS", "3600")),
            timeout_seconds=float(env("SHOWROOM_NOTIFY_TIMEOUT_SECONDS", "10")),
            public_url=env("SHOWROOM_PUBLIC_URL", "").rstrip("/"),
            smtp_host=env("SHOWROOM_SMTP_HOST") or None,
            smtp_port=int(env("SHOWROOM_SMTP_PORT", "25")),
            smtp_user=env("SHOWROOM_SMTP_USER") or None,
            smtp_password=env("SHOWROOM_SMTP_PASSWORD") or None,
            smtp_from=env("SHOWROOM_SMTP_FROM", "showroom@localhost"),
            smtp_starttls=_flag(env("SHOWROOM_SMTP_STARTTLS")),
        )

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: exponential, capped."""
        return float(min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempts - 1)))
