"""A fault rule's limits, at their edges: the last value accepted and the first refused, with
the message naming the field (the domain's own checks, behind the control contract's)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockbsc.domain.errors import InvalidRequestError
from mockbsc.domain.faults.rules import MAX_LATENCY_MS, CallInfo, FaultBook, rule_from

CALL = CallInfo("GET", "/v1/sims/{iccid}", "/v1/sims/89", "getSimUsingGET", 4321, "89")


@pytest.mark.parametrize("rule", [
    {"status": 400}, {"status": 599},
    {"latency_ms": MAX_LATENCY_MS}, {"latency_ms": 5, "latency_max_ms": 5},
    {"latency_ms": 0, "latency_max_ms": MAX_LATENCY_MS},
    {"status": 503, "retry_after": 0}, {"status": 503, "retry_after": 86_400},
    {"status": 503, "message": "x" * 500}, {"status": 503, "times": 1},
    {"status": 503, "probability": 0}, {"status": 503, "probability": 1},
], ids=repr)
def test_a_rule_at_the_edge_of_its_limits_is_accepted(rule: dict[str, Any]) -> None:
    assert FaultBook().add(rule).id == 1


@pytest.mark.parametrize(("rule", "message"), [
    ({"status": 399}, "fault.status: 399 is not an error status (400-599)"),
    ({"status": 600}, "fault.status: 600 is not an error status (400-599)"),
    ({"latency_ms": MAX_LATENCY_MS + 1},
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ({"latency_ms": 6, "latency_max_ms": 5},
     "fault.latency_ms: must satisfy 0 <= latency_ms <= latency_max_ms <= 600000"),
    ({"status": 503, "retry_after": 86_401},
     "fault.retry_after: must be between 0 and 86400 seconds"),
    ({"status": 503, "retry_after": -1},
     "fault.retry_after: must be between 0 and 86400 seconds"),
    ({"status": 503, "message": "x" * 501}, "fault.message: must be 1-500 printable characters"),
    ({"status": 503, "times": 0}, "fault.times: must be at least 1"),
], ids=repr)
def test_a_rule_just_past_its_limits_is_refused_naming_the_field(rule: dict[str, Any],
                                                                 message: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        FaultBook().add(rule)
    assert caught.value.message == message


@pytest.mark.parametrize("name", ["method", "path", "operation", "iccid", "message"])
def test_a_text_matcher_that_is_not_text_is_refused(name: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        rule_from({name: 7, "status": 503}, 1)
    assert caught.value.message == f"fault.{name}: must be a string"


def test_a_rule_without_a_seed_draws_from_its_id() -> None:
    """Two books give the same rule the same draws: reproducible by its id."""
    rule = rule_from({"status": 503, "probability": 0.5}, 3)
    expected = random.Random(3)
    assert [rule.rng.random() for _ in range(5)] == [expected.random() for _ in range(5)]
    seeded = rule_from({"status": 503, "probability": 0.5, "seed": 11}, 3)
    expected = random.Random(11)
    assert [seeded.rng.random() for _ in range(5)] == [expected.random() for _ in range(5)]


def test_a_latency_is_given_in_milliseconds_and_waited_in_seconds() -> None:
    book = FaultBook()
    book.add({"latency_ms": 1500})
    fault = book.pick(CALL)
    assert fault is not None
    assert fault.latency == 1.5


def test_a_replaced_rule_strips_the_api_base_from_its_path() -> None:
    book = FaultBook("/management-api")
    rule = book.add({"path": "/v1/products", "status": 500})
    replaced = book.replace(rule.id, {"path": "/management-api/v1/sims/*", "status": 500})
    assert replaced.path == "/v1/sims/*"


def test_a_rule_that_does_not_fire_this_time_lets_the_next_one_answer() -> None:
    book = FaultBook()
    book.add({"status": 503, "probability": 0})
    second = book.add({"status": 500})
    fault = book.pick(CALL)
    assert fault is not None
    assert (fault.rule_id, fault.status) == (second.id, 500)
