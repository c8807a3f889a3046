"""Issue 12, validation: a huge body is refused by its size before its contents, validation
stops at the first errors, big bodies are checked off the event loop, and `^…$` patterns
match the whole string (no trailing newline slips through)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockbsc.contract import validation
from mockbsc.contract.document import Contract, SchemaValidator
from tests.conftest import API

ICCID = "8988280666030217999"
MAX_VIOLATIONS = 20  # validation.MAX_VIOLATIONS


def _post(client: TestClient, path: str, body: Any, auth: dict[str, str]) -> Any:
    return client.post(f"{API}{path}", content=json.dumps(body),
                       headers={**auth, "Content-Type": "application/json"})


@pytest.mark.parametrize("path", ["/v1/sims", "/v1/sims/topup"], ids=["bulk-update", "topup"])
def test_a_200000_item_array_is_refused_by_its_size_alone(
        client: TestClient, auth: dict[str, str], path: str) -> None:
    started = time.perf_counter()
    response = _post(client, path, [1] * 200_000, auth)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [e["rule"] for e in errors] == ["maxItems"]
    assert "200000 items" in errors[0]["message"]
    assert elapsed < 5  # was 26 s (bulk update) and 6.7 s (top-up); generous for a busy box


def test_validation_stops_at_the_first_errors(client: TestClient, auth: dict[str, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """jsonschema-rs builds every error of one call at once: the errors it built in all are
    counted, so checking the whole 5,000-item list in one call (5,000 errors) fails this."""
    produced = 0
    original = SchemaValidator.compiled

    class Counting:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def is_valid(self, instance: Any) -> bool:
            return bool(self.inner.is_valid(instance))

        def iter_errors(self, instance: Any) -> Iterator[Any]:
            nonlocal produced
            errors = list(self.inner.iter_errors(instance))
            produced += len(errors)
            return iter(errors)

    monkeypatch.setattr(SchemaValidator, "compiled",
                        property(lambda self: Counting(original.fget(self))))
    response = _post(client, "/v1/sims", [{"iccid": ICCID, "status": "Paused"}] * 5_000, auth)
    assert response.status_code == 400, response.text
    assert len(response.json()["errors"]) == MAX_VIOLATIONS
    assert produced == MAX_VIOLATIONS  # not 5,000 errors built and then 20 kept


def test_a_big_body_is_validated_off_the_event_loop(client: TestClient, auth: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    on_loop: list[bool] = []
    original = validation.accept

    def spy(*args: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:  # a worker thread has no running loop
            on_loop.append(False)
        return original(*args)

    monkeypatch.setattr("mockbsc.api.operation.accept", spy)
    body = [{"iccid": ICCID, "label": "x" * 10}] * 5_000  # ~200 KB, valid
    _post(client, "/v1/sims", body, auth)
    assert on_loop
    assert not any(on_loop)


def test_a_trailing_newline_does_not_pass_a_pattern(client: TestClient,
                                                     auth: dict[str, str]) -> None:
    response = client.put(f"{API}/v1/sims/{ICCID}", json={"label": "evil\n"}, headers=auth)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["name"] == "body.label"
    assert client.get(f"{API}/v1/sims/{ICCID}", headers=auth).json().get("label") != "evil\n"


def test_an_integer_query_is_trimmed_as_spring_trims_it(client: TestClient,
                                                       auth: dict[str, str]) -> None:
    """Spring's number converter trims whitespace (issue 13: accept what the platform does);
    what is left must still be a number in range."""
    response = client.get(f"{API}/v1/sims?pageSize=3%0A", headers=auth)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 3
    assert client.get(f"{API}/v1/sims?pageSize=3x", headers=auth).status_code == 400
    assert client.get(f"{API}/v1/sims?pageSize=300%0A", headers=auth).status_code == 400


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    ("^a$", "a\n", False), ("^a$", "a", True), (r"^\$$", "$", True), ("^[$]$", "$", True),
    (r"^a\\$", "a\\", True),
], ids=["newline", "plain", "escaped-dollar", "class-dollar", "escaped-backslash"])
def test_patterns_anchor_at_the_very_end(pattern: str, text: str, matches: bool) -> None:
    contract = Contract({"paths": {}, "components": {"schemas": {
        "P": {"type": "string", "pattern": pattern}}}})
    assert SchemaValidator(contract, "/components/schemas/P").is_valid(text) is matches


def test_a_nested_array_is_refused_by_its_size_before_its_items(
        client: TestClient, auth: dict[str, str]) -> None:
    """Sizes first at every depth: 20,000 order lines (maxItems 50) with a wrong type in
    each give one error, not 20 item errors, and are neither coerced nor walked."""
    body = {"products": [{"productId": "x", "quantity": [1]}] * 20_000}  # ~660 KB
    response = _post(client, "/v1/orders", body, auth)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [(e["name"], e["rule"]) for e in errors] == [("body.products", "maxItems")]
    assert "20000 items" in errors[0]["message"]
