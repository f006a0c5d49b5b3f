"""The three ways out: a WeCom group robot, a DingTalk group robot, and e-mail over SMTP.

WeCom (企业微信) robot: POST JSON `{"msgtype": "markdown", "markdown": {"content": ...}}` to the
robot's webhook URL; it answers `{"errcode": 0, "errmsg": "ok"}`.
DingTalk (钉钉) robot: POST JSON `{"msgtype": "markdown", "markdown": {"title", "text"}}`; with
"加签" (signing) on, the URL carries `timestamp` (ms) and `sign` = url-encoded base64 of
HMAC-SHA256 keyed by the secret over `timestamp + "\\n" + secret`; it answers `{"errcode": 0}`.
Standard library only (urllib, smtplib, email): a webhook is one POST, and a mail one message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage

from workers.notify.config import NotifyConfig


class DeliveryError(Exception):
    """The receiver did not take the message (the attempt is retried, then dead-lettered)."""


class HostNotAllowedError(DeliveryError):
    """A webhook URL whose host is not among the configured receivers' hosts."""


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    url: str  # the link to the thing (absolute when a public URL is configured)
    open_label: str


def check_url(url: str, config: NotifyConfig) -> None:
    """Refuse a webhook URL that is not http(s) to a configured host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HostNotAllowedError("a webhook URL must be an http(s) URL")
    if parts.hostname.lower() not in config.webhook_hosts:
        raise HostNotAllowedError(f"host {parts.hostname} is not an allowed receiver")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, not yet url-encoded: base64(HMAC-SHA256(secret, ts\\nsecret))."""
    text = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), text, hashlib.sha256).digest()).decode()


def dingtalk_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    """The robot URL with `timestamp` and `sign` added when the robot is signed."""
    if not secret:
        return url
    moment = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urllib.parse.urlencode({"timestamp": moment, "sign": dingtalk_sign(secret, moment)})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def wecom_payload(message: Message) -> dict[str, object]:
    link = f"\n[{message.open_label}]({message.url})" if message.url else ""
    return {
        "msgtype": "markdown",
        "markdown": {"content": f"**{message.title}**\n{message.text}{link}"},
    }


def dingtalk_payload(message: Message) -> dict[str, object]:
    link = f"\n\n[{message.open_label}]({message.url})" if message.url else ""
    text = f"#### {message.title}\n\n{message.text}{link}"
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}


def _post_json(url: str, payload: dict[str, object], config: NotifyConfig) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=config.timeout_seconds) as response:
            answer = response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"unreachable: {getattr(error, 'reason', error)}") from None
    try:
        code = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        raise DeliveryError("the receiver's answer is not JSON") from None
    if code != 0:
        raise DeliveryError(f"errcode {code}")


def send_wecom(url: str, message: Message, config: NotifyConfig) -> None:
    check_url(url, config)
    _post_json(url, wecom_payload(message), config)


def send_dingtalk(url: str, secret: str | None, message: Message, config: NotifyConfig) -> None:
    check_url(url, config)
    _post_json(dingtalk_url(url, secret), dingtalk_payload(message), config)


def send_email(address: str, message: Message, config: NotifyConfig) -> None:
    if not config.smtp_host:
        raise DeliveryError("no SMTP server configured")
    mail = EmailMessage()
    mail["From"], mail["To"] = config.smtp_from, address
    mail["Subject"] = f"[Showroom] {message.title}"
    mail.set_content(f"{message.text}\n\n{message.url}\n" if message.url else f"{message.text}\n")
    try:
        with smtplib.SMTP(
            config.smtp_host, config.smtp_port, timeout=config.timeout_seconds
        ) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user and config.smtp_password:
                smtp.login(config.smtp_user, config.smtp_password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP: {error}") from None
