"""The benchmark suite runs end to end at a tiny size: every row is there (no timing is judged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.bench import suite
from ops.bench.harness import Row

SECTIONS = (
    "0 generator",
    "1 write path",
    "2 rebuild",
    "3 queries",
    "4 lag",
    "5 gap oracle",
    "6 pages",
    "7 encryption",
    "8 log chain",
    "9 access log",
    "10 staff names",
    "11 routing",
    "12 stock",
)
QUERY_ENDPOINTS = ("kpis", "leaderboard", "funnel", "inventory", "history")


def tiny(backend: str, out: Path) -> list[str]:
    return [
        "--backend",
        backend,
        "--events",
        "1500",
        "--duration",
        "0.5",
        "--calls",
        "60",
        "--clients",
        "4",
        "--out",
        str(out),
    ]


def run_tiny(backend: str, out: Path) -> list[Row]:
    args = suite.parser().parse_args(tiny(backend, out))
    result = suite.run(args, progress=lambda _: None)
    suite.write_report(out, suite.report(args, result, {"nproc": "test"}))
    rows: list[Row] = result["rows"]
    return rows


def assert_every_row(rows: list[Row], backend: str, out: Path) -> None:
    assert {r.backend for r in rows} == {backend}
    assert {r.section for r in rows} == set(SECTIONS)
    metrics = [r.metric for r in rows]
    # 50 and 200/s, by one API process (and on PostgreSQL by two as well).
    served = 2 if backend == "postgres" else 1
    assert sum(m.startswith("p50 / p99 latency at") for m in metrics) == 2 * served
    for endpoint in QUERY_ENDPOINTS:
        assert any(m.startswith(f"{endpoint} p50 / p99") for m in metrics), endpoint
    assert sum(r.section == "4 lag" for r in rows) == 4  # 50, 200, saturation, fast poll
    for row in rows:
        assert row.value and row.baseline, row
    gap = next(r for r in rows if r.section == "5 gap oracle")
    assert gap.value.startswith("0 skipped, KPI view off by 0")
    text = out.read_text()
    assert suite.BEGIN in text and suite.END in text
    assert "showroom bench --backend" in text
    assert text.count("\n| ") >= len(rows) + 1


def test_the_suite_reports_every_row_on_sqlite(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nHand-written notes stay.\n")

    rows = run_tiny("sqlite", out)

    assert_every_row(rows, "sqlite", out)
    assert "Hand-written notes stay." in out.read_text()


@pytest.mark.postgres
def test_the_suite_reports_every_row_on_postgres(pg_schema: str, tmp_path: Path) -> None:
    # The fixture proves PostgreSQL is there (or skips); the suite makes its own schema.
    out = tmp_path / "benchmarks.md"

    rows = run_tiny("postgres", out)

    assert_every_row(rows, "postgres", out)
