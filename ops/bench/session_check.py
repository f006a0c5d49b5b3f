"""What the sessions table's check costs one authenticated request (docs/second-factor.md).

`python -m ops.bench.session_check [postgresql://...]` serves `GET /auth/me` (the cheapest
authenticated route, so the check's share is as large as it gets) in-process, alternating
requests with the check and with it switched off, in the same run, and prints the medians.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from api import sessions
from api.auth import claims_of_token
from api.main import create_app
from domain.shared.actor import SYSTEM
from workers.settings import Settings

BLOCKS = 10
PER_BLOCK = 200


def _timed(client: TestClient, headers: dict[str, str]) -> list[float]:
    times = []
    for _ in range(PER_BLOCK):
        started = time.perf_counter()
        response = client.get("/auth/me", headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return times


def measure(settings: Settings) -> dict[str, float]:
    """Median seconds per request with and without the check, and of the check alone."""
    app = create_app(settings, run_projections=False, run_workers=False, create_tables=True)
    with TestClient(app) as client:
        runtime = app.state.runtime
        runtime.organisation.register_user(SYSTEM, "bench", "bench-password-1", "admin")
        token = client.post(
            "/auth/token", data={"username": "bench", "password": "bench-password-1"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        claims = claims_of_token(token, settings)
        assert claims is not None
        real: Callable[..., bool] = sessions.revoked
        off: Callable[..., bool] = lambda runtime, claims: False  # noqa: E731
        _timed(client, headers)  # warm up (caches, connections)
        with_check: list[float] = []
        without: list[float] = []
        try:
            # Alternating request by request: the machine's load changes both alike.
            for _ in range(BLOCKS * PER_BLOCK):
                for checked, into in ((False, without), (True, with_check)):
                    sessions.revoked = real if checked else off  # type: ignore[assignment]
                    started = time.perf_counter()
                    response = client.get("/auth/me", headers=headers)
                    into.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text
        finally:
            sessions.revoked = real  # type: ignore[assignment]
        alone = []
        for _ in range(BLOCKS * PER_BLOCK):
            started = time.perf_counter()
            real(runtime, claims)
            alone.append(time.perf_counter() - started)
    return {
        "without": statistics.median(without),
        "with": statistics.median(with_check),
        "check": statistics.median(alone),
    }


def report(name: str, result: dict[str, Any]) -> None:
    us = {key: value * 1e6 for key, value in result.items()}
    share = (result["with"] - result["without"]) / result["without"] * 100
    print(
        f"{name}: GET /auth/me median {us['without']:.0f} µs without the check, "
        f"{us['with']:.0f} µs with it ({share:+.1f} %); the check alone {us['check']:.0f} µs"
    )


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Settings(data_dir=Path(folder) / "var", secret_key="bench-" + "x" * 40)
        report("SQLite", measure(sqlite))
        if argv:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(argv[0], autocommit=True) as connection:
                connection.execute(f"CREATE SCHEMA {schema}")
            try:
                pg = Settings(
                    data_dir=Path(folder) / "pg",
                    database_url=argv[0],
                    postgres_schema=schema,
                    secret_key="bench-" + "x" * 40,
                )
                report("PostgreSQL", measure(pg))
            finally:
                with psycopg.connect(argv[0], autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main(sys.argv[1:])
