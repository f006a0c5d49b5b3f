"""One composition root: every service, and every read-side port a service takes, is built in
workers/runtime.py and nowhere else in the process layers (api, workers, ops).

Routes take services from `api/deps.py`, actors and the CLI from the runtime, so a service's
wiring (its ports, its waits, the shared services it is given) is written once.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSING = ("api", "workers", "ops")
RUNTIME = "workers/runtime.py"

SERVICES = frozenset(
    {
        "Organisation",
        "Crm",
        "Leads",
        "Inventory",
        "Sales",
        "Satisfaction",
        "Reporting",
        "PayPlans",
        "Payroll",
        "Performance",
    }
)
PORTS = frozenset({"ViewPhoneIndex", "ViewPayrollSources", "ViewKpiCounters"})

# The simulator of the sales floor builds its services over its batched application (loads served
# from the aggregates it holds, events saved in batches) and a phone index that does not wait for
# the views, which it runs afterwards; the benchmarks' write path does the same for its floor.
SIMULATOR = frozenset({"ops/simulation/floor.py", "ops/simulation/load.py", "ops/bench/harness.py"})


def constructions(path: Path) -> list[str]:
    """The names of the services and ports a module calls, one entry per call."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in SERVICES | PORTS:
            found.append(name)
    return found


def modules() -> list[Path]:
    return sorted(p for package in COMPOSING for p in (ROOT / package).rglob("*.py"))


def test_no_module_but_the_runtime_builds_a_service_or_a_port() -> None:
    elsewhere = {
        str(path.relative_to(ROOT)): names
        for path in modules()
        if (names := constructions(path)) and str(path.relative_to(ROOT)) != RUNTIME
    }

    assert elsewhere == {}


def test_the_runtime_builds_each_service_and_port_exactly_once() -> None:
    built = Counter(constructions(ROOT / RUNTIME))

    assert built == Counter(SERVICES | PORTS)
