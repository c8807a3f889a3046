"""Every OpenAPI link of the BSC contract leads somewhere real: its source operation, called
with the contract's own examples, answers as documented, and the link's parameters taken from
that exchange reach an operation that answers 2xx.

The schemathesis state machine (test_stateful.py) follows the same links with generated data,
where whether a chain is walked depends on what gets generated; this walk does not.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from mockbsc.contract.document import BSC_CONTRACT, Contract, Operation

LOCATION = re.compile(r"^\$response\.header\.Location#regex:(.+)$")


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _raw(document: dict[str, Any], op: Operation) -> dict[str, Any]:
    return dict(document["paths"][op.path][op.method.lower()])


def _value(expression: str, path: dict[str, str], response: Any) -> str:
    """The two kinds of runtime expression the contract's links use."""
    if expression.startswith("$request.path."):
        return path[expression.removeprefix("$request.path.")]
    match = LOCATION.match(expression)
    assert match, f"unsupported link expression {expression}"
    found = re.search(match.group(1), response.headers["Location"])
    assert found, (expression, response.headers["Location"])
    return found.group(1)


def _call(client: TestClient, base: str, op: Operation, path: dict[str, str],
          body: Any, headers: dict[str, str]) -> Any:
    url = base + re.sub(r"\{(\w+)\}", lambda m: path[m.group(1)], op.path)
    return client.request(op.method, url, json=body, headers=headers)


def test_every_link_of_the_contract_leads_to_an_answer(
    mockbsc_client: TestClient, mockbsc_token: Any
) -> None:
    client, auth = mockbsc_client, mockbsc_token.headers
    contract = Contract.load(BSC_CONTRACT)
    document, base = contract.document, contract.base_path
    operations = contract.operations
    links = {(op_id, name): link
             for op_id, op in operations.items()
             for status, answer in _raw(document, op)["responses"].items()
             for name, link in _resolve(document, answer).get("links", {}).items()}
    targets = {link["operationId"] for link in links.values()}
    walked: set[tuple[str, str]] = set()

    def walk(op: Operation, path: dict[str, str], body: Any) -> None:
        response = _call(client, base, op, path, body, auth)
        assert 200 <= response.status_code < 300, (op.id, response.status_code, response.text)
        for (source, name), link in links.items():
            if source != op.id:
                continue
            walked.add((source, name))
            target = operations[link["operationId"]]
            params = {k: _value(v, path, response) for k, v in link["parameters"].items()}
            walk(target, params, None)

    for op in operations.values():
        if op.id in targets or op.id not in {source for source, _ in links}:
            continue
        raw = _raw(document, op)
        shared = document["paths"][op.path].get("parameters", [])
        declared = [_resolve(document, node) for node in [*shared, *raw.get("parameters", [])]]
        path = {p["name"]: str(p["example"]) for p in declared if p["in"] == "path"}
        content = _resolve(document, raw.get("requestBody", {})).get("content", {})
        body = content.get("application/json", {}).get("example")
        walk(op, path, body)
    assert walked == set(links)
    assert len(links) >= 6
