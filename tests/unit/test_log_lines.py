"""The log line's shape (ops/logs.py) and the request id's rules (workers/correlation.py)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from ops.logs import handler
from workers import correlation


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    logger = logging.getLogger("showroom.unit-test")
    line = handler(out)
    logger.addHandler(line)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield out
    finally:
        logger.removeHandler(line)
        logger.propagate = True


def test_a_line_has_the_fixed_fields_and_drops_any_other_extra(stream: io.StringIO) -> None:
    logger = logging.getLogger("showroom.unit-test")

    with correlation.bound("req-1"):
        logger.info("saved %s", "x", extra={"body": {"phone": "13912345678"}, "status": 201})

    line = json.loads(stream.getvalue())
    assert set(line) == {"time", "level", "logger", "message", "request_id", "status"}
    assert (line["message"], line["request_id"], line["status"]) == ("saved x", "req-1", 201)
    assert "13912345678" not in stream.getvalue()


def test_outside_a_request_the_request_id_is_null(stream: io.StringIO) -> None:
    logging.getLogger("showroom.unit-test").warning("runner: view reset")

    assert json.loads(stream.getvalue())["request_id"] is None


def test_a_message_with_chinese_and_quotes_stays_one_line_of_json(stream: io.StringIO) -> None:
    logging.getLogger("showroom.unit-test").info('门店 "浦东"\nsecond line')

    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == '门店 "浦东"\nsecond line'


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("abc-123_x.y:z", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("with space", False),
        ("line\nbreak", False),
        ("<script>", False),
        ("ünïcode", False),
    ],
    ids=["safe", "longest", "too-long", "empty", "space", "newline", "markup", "non-ascii"],
)
def test_a_request_id_is_short_and_of_safe_characters(value: str, accepted: bool) -> None:
    assert (correlation.valid(value) == value) is accepted


def test_bound_restores_the_previous_request_id() -> None:
    with correlation.bound("outer"):
        with correlation.bound("inner"):
            assert correlation.current() == "inner"
        assert correlation.current() == "outer"
    assert correlation.current() is None
