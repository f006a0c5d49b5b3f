"""How a request reached us: HSTS only over TLS (directly, or through a trusted proxy), the
forwarded headers of trusted proxies only, CORS off unless origins are listed, and uvicorn
serving HTTPS from the TLS settings (a real server with a self-signed certificate)."""

from __future__ import annotations

import dataclasses
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.main import create_app
from ops.tls import TlsSettingsError, uvicorn_options
from tests.conftest import sqlite_settings
from workers.settings import Settings

HSTS = "strict-transport-security"


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    """No storage is involved here beyond starting the app: SQLite is enough."""
    return sqlite_settings(tmp_path)


def client(settings: Settings, **kwargs: object) -> TestClient:
    return TestClient(create_app(settings, create_tables=True), **kwargs)  # type: ignore[arg-type]


def test_hsts_is_never_sent_over_plain_http(base: Settings) -> None:
    with client(base) as plain:
        assert HSTS not in plain.get("/health").headers


def test_hsts_is_sent_on_every_answer_over_tls(base: Settings) -> None:
    with client(base, base_url="https://testserver") as tls:
        health, refused = tls.get("/health"), tls.get("/customers")

    assert health.headers[HSTS] == "max-age=31536000"
    assert refused.status_code == 401 and refused.headers[HSTS] == "max-age=31536000"


def test_hsts_is_sent_when_a_trusted_proxy_says_the_request_came_over_tls(base: Settings) -> None:
    proxied = dataclasses.replace(base, trusted_proxies=("10.0.0.0/8",))
    with client(proxied, client=("10.1.2.3", 40000)) as behind_proxy:
        answer = behind_proxy.get("/health", headers={"X-Forwarded-Proto": "https"})

    assert answer.headers[HSTS] == "max-age=31536000"


def test_a_forwarded_scheme_from_an_untrusted_address_is_ignored(base: Settings) -> None:
    proxied = dataclasses.replace(base, trusted_proxies=("10.0.0.0/8",))
    with client(proxied, client=("192.0.2.7", 40000)) as stranger:
        answer = stranger.get("/health", headers={"X-Forwarded-Proto": "https"})

    assert HSTS not in answer.headers


def test_without_trusted_proxies_no_forwarded_header_is_believed(base: Settings) -> None:
    with client(base, client=("127.0.0.1", 40000)) as local:
        answer = local.get("/health", headers={"X-Forwarded-Proto": "https"})

    assert HSTS not in answer.headers


def test_the_login_throttle_counts_the_address_a_trusted_proxy_forwards(base: Settings) -> None:
    """Behind a proxy every connection comes from the proxy: without its X-Forwarded-For, one
    guesser would lock every user of the group out by address; a session lists the client."""
    proxied = dataclasses.replace(base, trusted_proxies=("10.0.0.1",))
    with client(proxied, client=("10.0.0.1", 40000)) as behind_proxy:
        runtime = behind_proxy.app.state.runtime  # type: ignore[attr-defined]
        from domain.shared.actor import SYSTEM

        runtime.organisation.register_user(SYSTEM, "boss", "a-long-password-1", "admin")
        answer = behind_proxy.post(
            "/auth/token",
            data={"username": "boss", "password": "a-long-password-1"},
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
        auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        sessions = behind_proxy.get("/auth/sessions", headers=auth).json()

    assert [s["address"] for s in sessions] == ["203.0.113.9"]


def test_hsts_max_age_comes_from_the_setting_and_zero_turns_it_off(base: Settings) -> None:
    with client(dataclasses.replace(base, hsts_seconds=600), base_url="https://t") as short:
        assert short.get("/health").headers[HSTS] == "max-age=600"
    with client(dataclasses.replace(base, hsts_seconds=0), base_url="https://t") as off:
        assert HSTS not in off.get("/health").headers


# --- CORS ---------------------------------------------------------------------------------------

PREFLIGHT = {
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
}


def test_cors_is_off_by_default(base: Settings) -> None:
    with client(base) as api:
        preflight = api.options("/customers", headers={"Origin": "https://x.example", **PREFLIGHT})
        simple = api.get("/health", headers={"Origin": "https://x.example"})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


def test_a_preflight_from_a_listed_origin_is_allowed(base: Settings) -> None:
    listed = dataclasses.replace(base, cors_origins=("https://crm.dealer.example",))
    with client(listed) as api:
        answer = api.options(
            "/customers", headers={"Origin": "https://crm.dealer.example", **PREFLIGHT}
        )

    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://crm.dealer.example"
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in answer.headers


def test_a_preflight_from_an_unlisted_origin_is_refused(base: Settings) -> None:
    listed = dataclasses.replace(base, cors_origins=("https://crm.dealer.example",))
    with client(listed) as api:
        answer = api.options("/customers", headers={"Origin": "https://evil.example", **PREFLIGHT})
        simple = api.get("/health", headers={"Origin": "https://evil.example"})

    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-origin" not in simple.headers


def test_the_cors_and_tls_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "SHOWROOM_DATA_DIR": str(tmp_path / "var"),
            "SHOWROOM_CORS_ORIGINS": "https://a.example, https://b.example",
            "SHOWROOM_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8",
            "SHOWROOM_TLS_CERT": "/etc/showroom/cert.pem",
            "SHOWROOM_TLS_KEY": "/etc/showroom/key.pem",
            "SHOWROOM_SECOND_FACTOR_ROLES": "admin,finance",
        }
    )

    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert settings.tls_cert == Path("/etc/showroom/cert.pem")
    assert settings.second_factor_roles == ("admin", "finance")
    assert Settings.from_env({"SHOWROOM_DATA_DIR": str(tmp_path / "v2")}).cors_origins == ()


# --- uvicorn with certificates ------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(base: Settings, certificate: tuple[Path, Path]) -> Iterator[str]:
    settings = dataclasses.replace(base, tls_cert=certificate[0], tls_key=certificate[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings, run_projections=False, run_workers=False, create_tables=True)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options(settings)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_uvicorn_serves_https_from_the_tls_settings_with_hsts(
    tls_server: str, certificate: tuple[Path, Path]
) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    context.check_hostname = False

    with urllib.request.urlopen(f"{tls_server}/health", context=context, timeout=10) as answer:
        headers = dict(answer.headers.items())

    assert answer.status == 200
    assert headers["strict-transport-security"] == "max-age=31536000"


def test_a_certificate_without_its_key_is_refused_before_serving(
    base: Settings, certificate: tuple[Path, Path]
) -> None:
    with pytest.raises(TlsSettingsError):
        uvicorn_options(dataclasses.replace(base, tls_cert=certificate[0]))
    with pytest.raises(TlsSettingsError):
        uvicorn_options(
            dataclasses.replace(base, tls_cert=certificate[0], tls_key=Path("/nonexistent"))
        )
    assert uvicorn_options(base) == {"proxy_headers": False}
