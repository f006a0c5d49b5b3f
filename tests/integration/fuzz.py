"""Schemathesis over the OpenAPI document, in-process, through the test client of the `api` fixture.

Not its CLI runner nor `from_asgi`: those start a second lifespan (a second runtime, runner and
worker on the same store). Here the app the fixture started answers, with one role's token, and
every answer goes through schemathesis's own checks. Findings are collected, not raised on the
first, so one run gives the figures: operations, cases, 5xx, undocumented statuses, schema
violations.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import Api

CHECKS = {
    "undocumented status": status_code_conformance,
    "undocumented content type": content_type_conformance,
    "schema violation": response_schema_conformance,
}


@dataclass
class Report:
    operations: int = 0
    cases: int = 0
    behind: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    # (kind, METHOD path, status, first lines of the message), one per kind and operation.
    examples: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, kind: str, label: str, text: str) -> None:
        self.findings[kind] += 1
        self.examples.setdefault((kind, label), text[:600])

    def summary(self) -> str:
        lines = [
            f"operations {self.operations}, cases {self.cases}, views-behind 503 {self.behind}",
            f"statuses {dict(sorted(self.statuses.items()))}",
            f"findings {dict(self.findings)}",
        ]
        lines += [f"  {kind}: {label}\n    {text}" for (kind, label), text in self.examples.items()]
        return "\n".join(lines)


def _own_account(case: Any, username: str) -> bool:
    """A case that would deactivate or re-password the fuzzing user itself (it would lock the
    rest of the run out: that rule is tested on its own, not by chance here), or log it out."""
    if case.operation.path == "/auth/logout":
        return True
    name = (case.path_parameters or {}).get("username")
    return isinstance(name, str) and name.strip().lower() == username.lower()


def fuzz(
    api: Api,
    username: str,
    *,
    examples: int = 6,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    include: str | None = None,
) -> Report:
    """Run every operation of the document `examples` times per generation mode as `username`."""
    document = api.client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    token = api.headers(username)
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if include is not None and not re.search(include, label):
            continue
        report.operations += 1
        for mode in modes:
            _run(api, report, operation, label, mode, token, username, examples)
    return report


def _run(
    api: Api,
    report: Report,
    operation: Any,
    label: str,
    mode: GenerationMode,
    token: dict[str, str],
    username: str,
    examples: int,
) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    checks = dict(CHECKS)
    if mode is GenerationMode.NEGATIVE:
        checks["invalid input accepted"] = negative_data_rejection

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # findings are collected, not shrunk
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(strategy)
        if _own_account(case, username):
            return
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        headers = {**(kwargs.pop("headers", None) or {}), **token}
        response = api.client.request(headers=headers, **_httpx(kwargs))
        report.cases += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            # Our own count: schemathesis's `not_a_server_error` takes every 5xx alike, and a
            # 503 "views not caught up" (a generated ?position= ahead of the views) is a
            # documented answer a client retries, counted apart.
            behind = response.status_code == 503 and "caught up" in response.text
            kind = "503 views behind" if behind else "5xx"
            if behind:
                report.behind += 1
            else:
                report.add(kind, f"{label} -> {response.status_code}", response.text)
        for kind, check in checks.items():
            try:
                case.validate_response(response, checks=[check])
            except FailureGroup as failures:
                report.add(kind, f"{label} -> {response.status_code}", str(failures))
            except Exception as error:  # a check that cannot run is a finding too
                report.add(f"{kind} (check error)", label, repr(error))

    with contextlib.suppress(Unsatisfiable):  # nothing to negate: no parameters, no body
        run()


def _httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """requests-style transport arguments (what schemathesis builds) as httpx's."""
    out: dict[str, Any] = {"method": kwargs["method"], "url": kwargs["url"]}
    if kwargs.get("params"):
        out["params"] = kwargs["params"]
    if kwargs.get("cookies"):
        out["cookies"] = kwargs["cookies"]
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out
