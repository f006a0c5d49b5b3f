"""An API client over a fresh store, with a small group and a login for every role."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.organisation import passwords
from domain.organisation import service as organisation_service
from domain.shared.actor import SYSTEM
from workers.runtime import Runtime
from workers.settings import Settings

PASSWORD = "correct-horse-1"


@dataclass
class World:
    """Two stores; a manager each; two salespeople in store A, one in B; group-wide users."""

    store_a: UUID
    store_b: UUID
    staff: dict[str, UUID] = field(default_factory=dict)


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    world: World
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            response = self.client.post(
                "/auth/token", data={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def post(self, username: str, path: str, json: Any = None, **kw: Any) -> Any:
        headers = {**self.headers(username), **kw.pop("headers", {})}
        return self.client.post(path, json=json, headers=headers, **kw)

    def get(self, username: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(username), **kw)

    def routes(self) -> set[tuple[str, str]]:
        """(METHOD, path template) of every documented route, from the OpenAPI document."""
        paths = self.client.get("/openapi.json").json()["paths"]
        return {(method.upper(), path) for path, ops in paths.items() for method in ops}

    def ok(self, response: Any, status: int = 201) -> Any:
        assert response.status_code == status, response.text
        return response.json()


def build_world(runtime: Runtime) -> World:
    org = runtime.organisation
    store_a = org.open_store(SYSTEM, "Pudong BYD", "Shanghai", ["BYD"]).id
    store_b = org.open_store(SYSTEM, "Tianhe Toyota", "Guangzhou", ["Toyota"]).id
    world = World(store_a=store_a, store_b=store_b)
    for name, store, role in (
        ("manager_a", store_a, "store_manager"),
        ("manager_b", store_b, "store_manager"),
        ("sales_a1", store_a, "salesperson"),
        ("sales_a2", store_a, "salesperson"),
        ("sales_b1", store_b, "salesperson"),
    ):
        staff_id = org.hire_staff(SYSTEM, store, name.replace("_", " ").title(), role).id
        world.staff[name] = staff_id
        org.register_user(SYSTEM, name, PASSWORD, role, store_id=store, staff_id=staff_id)
    for name, role in (
        ("admin", "admin"),
        ("exec", "group_exec"),
        ("finance", "finance"),
        ("auditor", "auditor"),
    ):
        org.register_user(SYSTEM, name, PASSWORD, role)
    return world


@functools.cache
def _hashed(password: str) -> str:
    return passwords.hash_password(password)


@pytest.fixture
def api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    # scrypt is deliberately slow (~55 ms); the world's nine logins share one real hash.
    monkeypatch.setattr(organisation_service, "hash_password", _hashed)
    app = create_app(settings, create_tables=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        runtime: Runtime = app.state.runtime
        yield Api(client=client, runtime=runtime, world=build_world(runtime))
