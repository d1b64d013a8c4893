"""The documented format of an article line, and a validator for it.

``article_line.schema.json`` is the JSON Schema (2020-12) of one line of an
``ingest_articles`` file. The validator here understands the few keywords that
schema uses (``type``, ``required``, ``properties``, ``additionalProperties``,
``minLength``), which keeps the project free of a schema library; ``format`` is
an annotation, as the 2020-12 specification says: dates are checked when
:func:`articles.bulk.clean_article` parses them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ARTICLE_LINE_SCHEMA_PATH = Path(__file__).with_name("article_line.schema.json")

# Keywords this validator enforces, and those it only carries as documentation.
ENFORCED_KEYWORDS = frozenset(
    {"type", "required", "properties", "additionalProperties", "minLength"}
)
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "format"})


@functools.cache
def article_line_schema() -> dict[str, Any]:
    """The article-line JSON Schema, read once."""
    schema: dict[str, Any] = json.loads(ARTICLE_LINE_SCHEMA_PATH.read_text("utf-8"))
    return schema


def schema_errors(
    instance: object, schema: Mapping[str, Any] | None = None
) -> list[str]:
    """Why ``instance`` does not match the schema (default: an article line).

    Each message starts with the offending field's name, as in
    ``"analyzed: expected boolean or null, got string"``; an empty list means
    the instance is valid.
    """
    return list(_errors(instance, schema or article_line_schema(), ""))


def _errors(instance: object, schema: Mapping[str, Any], where: str) -> list[str]:
    prefix = f"{where}: " if where else ""
    expected = schema.get("type")
    if expected is not None and not _has_type(instance, expected):
        names = " or ".join([expected] if isinstance(expected, str) else expected)
        return [f"{prefix}expected {names}, got {_json_type(instance)}"]
    if isinstance(instance, str) and len(instance) < schema.get("minLength", 0):
        return [f"{prefix}must not be empty"]
    if isinstance(instance, Mapping):
        return _object_errors(instance, schema, where)
    return []


def _object_errors(
    instance: Mapping[str, Any], schema: Mapping[str, Any], where: str
) -> list[str]:
    properties = schema.get("properties", {})
    found = [
        f"{_join(where, name)}: is required"
        for name in schema.get("required", ())
        if name not in instance
    ]
    for name, value in instance.items():
        if name in properties:
            found += _errors(value, properties[name], _join(where, name))
        elif schema.get("additionalProperties", True) is False:
            found.append(f"{_join(where, name)}: is not a documented field")
    return found


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _has_type(instance: object, expected: str | list[str]) -> bool:
    kinds = {expected} if isinstance(expected, str) else set(expected)
    actual = _json_type(instance)
    return actual in kinds or (actual == "integer" and "number" in kinds)


def _json_type(instance: object) -> str:
    # bool before int: True is an int to Python but a boolean to JSON.
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    if isinstance(instance, Mapping):
        return "object"
    return "array" if isinstance(instance, list) else type(instance).__name__
