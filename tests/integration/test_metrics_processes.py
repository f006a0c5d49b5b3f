"""The real processes: `showroom serve --processes 2` answers /metrics with the sum of both
processes' counters (multiprocess mode), and every process logs nothing but JSON lines, none
with a query string."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ops.bench.harness import free_port
from tests.integration.test_scale_out import (
    Cluster,
    cluster,  # noqa: F401 - the fixture
    healthy,
    login,
    wait_until,
)

TOKEN = "processes-" + "t" * 40
PHONE = "13912345678"
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def health_requests_counted(url: str) -> float:
    answer = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == "showroom_http_requests_total"
        and sample.labels == {"method": "GET", "route": "/health", "status": "2xx"}
    )


def json_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_two_api_processes_answer_the_sum_of_their_counters_and_log_json(
    cluster: Cluster,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SHOWROOM_METRICS_TOKEN", TOKEN)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prometheus"))
    port = free_port()
    cluster.start("serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2")
    cluster.start("project")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: healthy(url), "the API processes", timeout=150)  # a busy machine
    login(url, cluster.floor.usernames[0])
    before = health_requests_counted(url)

    with httpx.Client(timeout=10) as client:  # new connections: both processes take some
        for _ in range(30):
            close = {"Connection": "close"}
            answer = client.get(f"{url}/health", params={"q": PHONE}, headers=close)
            assert answer.status_code == 200
    counted = [health_requests_counted(url) - before for _ in range(6)]
    time.sleep(0.5)  # let the processes write their last lines

    assert all(n >= 30 for n in counted), counted
    assert sorted((tmp_path / "prometheus").glob("*.db")), "no multiprocess files"
    logs = sorted(cluster.tmp.glob("serve-*.log")) + sorted(cluster.tmp.glob("project-*.log"))
    lines = [line for path in logs for line in json_lines(path)]
    assert lines
    assert all({"time", "level", "logger", "message", "request_id"} <= set(x) for x in lines)
    assert any(x["logger"] == "showroom.access" and x["route"] == "/health" for x in lines)
    assert not [x for x in lines if x["logger"] == "uvicorn.access"]  # paths with queries
    assert PHONE not in json.dumps(lines)
