"""Real local receivers for notification tests: a webhook HTTP server (WeCom and DingTalk
robots, checking their payloads and DingTalk's signature) and an SMTP server (aiosmtpd), both on
127.0.0.1, each in a thread of the test process. Nothing reaches outside this machine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

DINGTALK_SECRET = "SEC-test-secret-0123456789"


@dataclass
class Hit:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    ok: bool


@dataclass
class Webhooks:
    """Paths: /wecom (always takes it), /dingtalk (checks the signature), /flaky (fails
    `flaky_failures` times, then takes it), /down (fails while `down` is set)."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    flaky_failures: int = 2
    down: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}?access_token=t0ken"

    def taken(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path and h.ok]

    def tried(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]

    def answer(self, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, dict]:
        if path == "/flaky":
            if self.flaky_failures > 0:
                self.flaky_failures -= 1
                return 502, {}
        elif path == "/down":
            if self.down:
                return 500, {}
        elif path == "/dingtalk":
            expected = base64.b64encode(
                hmac.new(
                    DINGTALK_SECRET.encode(),
                    f"{query.get('timestamp')}\n{DINGTALK_SECRET}".encode(),
                    hashlib.sha256,
                ).digest()
            ).decode()
            if query.get("sign") != expected:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if body.get("msgtype") != "markdown" or "title" not in body.get("markdown", {}):
                return 200, {"errcode": 40035, "errmsg": "bad payload"}
        elif path == "/wecom" and (
            body.get("msgtype") != "markdown" or "content" not in body.get("markdown", {})
        ):
            return 200, {"errcode": 40008, "errmsg": "bad payload"}
        return 200, {"errcode": 0, "errmsg": "ok"}


@contextmanager
def webhook_server() -> Iterator[Webhooks]:
    hooks = Webhooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with hooks.lock:
                status, answer = hooks.answer(parts.path, query, body)
                hooks.hits.append(
                    Hit(parts.path, query, body, status == 200 and answer.get("errcode") == 0)
                )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hooks.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
