"""Notification rules without a database: DingTalk's signature against a vector computed with
openssl, the robots' payloads, the receivers' host allow-list, the bounded back-off, and the
notices table (every kind has a label, a text and a link whose placeholders its facts fill)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.notifications.rules import KINDS, NOTICES, WORDS, About, Facts, render
from workers.notify import channels
from workers.notify.channels import HostNotAllowedError, Message
from workers.notify.config import NotifyConfig

CONFIG = NotifyConfig(webhook_hosts=frozenset({"oapi.dingtalk.com", "qyapi.weixin.qq.com"}))
MESSAGE = Message(
    title="新线索分配",
    text="您有一条新线索",
    url="https://s.example/app/leads/1",
    open_label="查看",
)


def test_the_dingtalk_signature_matches_openssls_for_the_same_timestamp_and_secret() -> None:
    # printf '1700000000000\nSEC0123456789abcdef' | openssl dgst -sha256 -hmac SEC0123... | base64
    expected = "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="

    url = channels.dingtalk_url(
        "https://oapi.dingtalk.com/robot/send?access_token=t",
        "SEC0123456789abcdef",
        1700000000000,
    )

    query = parse_qs(urlsplit(url).query)
    assert channels.dingtalk_sign("SEC0123456789abcdef", 1700000000000) == expected
    assert query == {"access_token": ["t"], "timestamp": ["1700000000000"], "sign": [expected]}
    assert "%2F" in url and "%3D" in url  # the base64 is url-encoded


def test_the_robots_payloads_are_markdown_with_the_link() -> None:
    wecom, ding = channels.wecom_payload(MESSAGE), channels.dingtalk_payload(MESSAGE)

    assert wecom["msgtype"] == "markdown" and ding["msgtype"] == "markdown"
    assert "[查看](https://s.example/app/leads/1)" in wecom["markdown"]["content"]  # type: ignore[index]
    assert ding["markdown"]["title"] == "新线索分配"  # type: ignore[index]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hook", "https://10.0.0.1/x", "ftp://oapi.dingtalk.com/robot", "oapi"],
)
def test_a_webhook_to_a_host_not_configured_is_refused(url: str) -> None:
    with pytest.raises(HostNotAllowedError):
        channels.check_url(url, CONFIG)


@given(st.integers(min_value=1, max_value=60))
def test_the_back_off_grows_and_never_exceeds_its_cap(attempts: int) -> None:
    config = NotifyConfig(webhook_hosts=frozenset(), backoff_seconds=30, backoff_max_seconds=3600)

    assert config.backoff(attempts) <= 3600
    assert config.backoff(attempts + 1) >= config.backoff(attempts)
    assert config.backoff(1) == 30


class Known(Facts):
    def subject(self, ident: str) -> dict[str, Any]:
        return {"store_id": "s", "owner_id": "o", "month": "2026-05", "detail": "walk_in"}


class Event:
    """Any notifying event's fields, as a stand-in."""

    def __init__(self) -> None:
        self.originator_id, self.salesperson_id, self.dispute_id = uuid4(), uuid4(), uuid4()
        self.statement_ids = [str(uuid4())]
        # A deal's approval events carry the store and the level (docs/desking.md).
        self.store_id, self.level = uuid4(), "manager"
        self.lead_id, self.store_id = uuid4(), uuid4()  # a response clock's (domain/sla)


def test_every_notice_has_a_label_and_its_text_and_link_are_filled_by_its_facts() -> None:
    for notice in NOTICES.values():
        about: About = notice.about(Event(), Known())
        link = notice.link.format(**about.params)
        text = render(notice.kind, about.params, lambda m: m)

        assert notice.kind in KINDS
        assert link.startswith("/app/") and "{" not in link
        assert "%(" not in text, notice.kind
        assert set(re.findall(r"%\((\w+)\)s", notice.text)) <= set(about.params)
        assert notice.to.staff or notice.to.roles


def test_a_channel_is_a_word_translated_in_the_text() -> None:
    words = {WORDS["channel"]["walk_in"]: "自然到店"}

    text = render(
        "lead_assigned", {"channel": "walk_in", "lead_id": "x"}, lambda m: words.get(m, m)
    )

    assert "(自然到店)" in text
