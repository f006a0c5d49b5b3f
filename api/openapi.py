"""The OpenAPI document, with every error status an operation can answer, from one place.

FastAPI documents only the 2xx answer and its own 422. The errors a route can answer follow from
what the operation is, so they are added here by walking the generated operations (each one a
route of the app) rather than by hand on each route:

- 401 on every operation that takes the bearer token, and on `POST /auth/token`;
- 403 on those too (roles are checked by the services: any of them may refuse a role);
- 404 on every operation naming a record: a path parameter, a query parameter that is an id,
  or a write's body (its ids: unknown, or out of the caller's scope);
- 409 on every write (stale `expected_version`, a duplicate, an `Idempotency-Key` in progress);
- 413 on every operation with a request body (the body limit);
- 422 on every operation with input (parameters or a body; an `Idempotency-Key` reused);
- 503 on every write (event store busy) and every read with `?position=` (views behind);
- 429 on `POST /auth/token` (login throttling).

All of them are `application/problem+json` documents of the `Problem` schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from api.errors import PROBLEM

WRITES = frozenset({"post", "put", "patch", "delete"})
LOGIN = "/auth/token"
# Operations that take a token but check no role: any valid token may call them.
ANY_ROLE = frozenset({("get", "/auth/me")})

DESCRIPTIONS = {
    "401": "Unauthenticated: no valid bearer token (or, on login, a wrong password)",
    "403": "Your role may not do this",
    "404": "Not found, or out of your scope",
    "409": "Stale `expected_version`, a duplicate, or an `Idempotency-Key` still in progress",
    "413": "The body is larger than the server's limit",
    "422": "Bad input (schema, unreadable body, or a broken business rule); nothing changed",
    "429": "Too many attempts: wait `Retry-After` seconds",
    "503": "Views not caught up with `?position=`, or the event store busy: retry after "
    "`Retry-After`",
}


class ProblemError(BaseModel):
    """One field the request got wrong."""

    loc: list[str | int] = Field(description="Where: `body`, `query`, `path` and the field")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document; some carry more members (`position`, `errors`, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["about:blank"])
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = Field(
        default=None, description="On 422 for a schema error: each field the request got wrong"
    )


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer, from what it is."""
    parameters = operation.get("parameters", [])
    authenticated = bool(operation.get("security"))
    write = method in WRITES
    body = "requestBody" in operation
    statuses = set()
    if authenticated or path == LOGIN:
        statuses.add("401")
    if authenticated and (method, path) not in ANY_ROLE:
        statuses.add("403")
    if any(p.get("in") == "path" or _an_id(p) for p in parameters) or (write and body):
        statuses.add("404")
    if write:
        statuses |= {"409", "503"}
    if body:
        statuses.add("413")
    if parameters or body or write:
        statuses.add("422")
    if any(p.get("in") == "query" and p.get("name") == "position" for p in parameters):
        statuses.add("503")
    if path == LOGIN:
        statuses.add("429")
    return sorted(statuses)


def _an_id(parameter: dict[str, Any]) -> bool:
    """A query parameter naming a record (`store_id`, ...): an unknown one is a 404."""
    schema = parameter.get("schema", {})
    options = [schema, *schema.get("anyOf", [])]
    return parameter.get("in") == "query" and any(o.get("format") == "uuid" for o in options)


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with the error answers of every operation added."""
    schema: dict[str, Any] = FastAPI.openapi(app)  # built once and cached by FastAPI
    done: object = getattr(app.state, "openapi_with_problems", None)
    if done is schema:
        return schema
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, path, operation):
                answer = responses.setdefault(status, {"description": DESCRIPTIONS[status]})
                if status == "422":
                    answer["description"] = DESCRIPTIONS[status]
            for status, answer in responses.items():
                if status[0] in "45":
                    # Every error is a problem document (FastAPI's own 422 schema, and a route's
                    # own error answers, are not what the handlers send).
                    answer["content"] = {PROBLEM: {"schema": ref}}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.state.openapi_with_problems = schema
    return schema


def install(app: FastAPI) -> None:
    """Serve `document(app)` at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        return document(app)

    app.openapi = openapi  # type: ignore[method-assign]
