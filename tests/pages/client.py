"""A test client for the pages: logs in through the form, keeps the cookie, fills CSRF and the
form key into every form it posts (as the browser does from the hidden fields)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class PageClient:
    """Wraps a TestClient (no redirects followed unless asked) for one signed-in person."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def log_in(self, username: str, password: str) -> httpx.Response:
        answer = self.client.post(
            "/app/login",
            data={"username": username, "password": password, "next": "/app/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        self.get("/app/")
        return answer

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        answer = self.client.get(path, follow_redirects=False, **kwargs)
        found = CSRF.search(answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, key: str | None = None
    ) -> httpx.Response:
        """Post a form as a page does: with this session's CSRF token and a form key."""
        form = {"csrf_token": self.csrf, "form_key": key or uuid.uuid4().hex, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False)
