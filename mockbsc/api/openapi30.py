"""An OpenAPI 3.1 document rewritten as 3.0, for tools that read only 3.0 (Swagger UI 4).

Only what the explorer needs is rewritten: type lists with "null" become `nullable`,
`const` becomes a one-value `enum`, list-valued schema `examples` become `example`, and
numeric `exclusiveMinimum`/`exclusiveMaximum` become the 3.0 boolean form. The 3.1 document
remains the contract; this is a view of it.
"""

from __future__ import annotations

import copy
from typing import Any

# Keys whose values are maps of *names* (not schemas): their keys must never be rewritten.
NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "schemas",
                       "responses", "parameters", "paths", "headers", "securitySchemes",
                       "requestBodies", "content", "links", "callbacks", "encoding"})


def downgrade(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `document` as OpenAPI 3.0.3."""
    result: dict[str, Any] = _walk(copy.deepcopy(document), parent=None)
    result["openapi"] = "3.0.3"
    result.pop("jsonSchemaDialect", None)
    result.pop("webhooks", None)
    license_info = result.get("info", {}).get("license")
    if isinstance(license_info, dict):
        license_info.pop("identifier", None)
    return result


def _walk(node: Any, parent: str | None) -> Any:
    if isinstance(node, list):
        return [_walk(item, parent) for item in node]
    if not isinstance(node, dict):
        return node
    if parent not in NAME_MAPS:
        _schema_to_30(node)
    return {key: _walk(value, key) for key, value in node.items()}


def _schema_to_30(node: dict[str, Any]) -> None:
    kind = node.get("type")
    if isinstance(kind, list):
        types = [t for t in kind if t != "null"]
        if len(types) < len(kind):
            node["nullable"] = True
        if len(types) == 1:
            node["type"] = types[0]
        else:
            node.pop("type")
            if types:
                node["anyOf"] = [{"type": t} for t in types]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[inclusive] = value
            node[bound] = True
