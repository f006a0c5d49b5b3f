"""Every endpoint answers a documented shape: no 2xx JSON answer is an untyped object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.main import create_app
from tests.conftest import sqlite_settings


def _document(tmp_path: Path) -> dict[str, Any]:
    document: dict[str, Any] = create_app(sqlite_settings(tmp_path)).openapi()
    return document


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


SCALARS = {"string", "integer", "number", "boolean"}


def _typed(schema: dict[str, Any], document: dict[str, Any], *, scalar: bool = False) -> bool:
    """An object with named properties, or a list of them (a bare `{}` or a map is untyped);
    with `scalar`, a string or number is typed too (a list's items)."""
    schema = _resolve(schema, document)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), document, scalar=True)
    return bool(schema.get("properties")) or (scalar and schema.get("type") in SCALARS)


def _answers(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if status.startswith("2") and content is not None:
                    found.append((f"{method.upper()} {path} {status}", content.get("schema", {})))
    return found


def test_every_json_answer_has_a_schema_with_properties(tmp_path: Path) -> None:
    document = _document(tmp_path)

    untyped = [name for name, schema in _answers(document) if not _typed(schema, document)]

    assert untyped == []


def test_every_page_names_the_fields_of_its_items(tmp_path: Path) -> None:
    document = _document(tmp_path)
    untyped = []

    for name, schema in _answers(document):
        items = _resolve(schema, document).get("properties", {}).get("items")
        if items is not None and not _typed(items, document):
            untyped.append(name)

    assert untyped == []
