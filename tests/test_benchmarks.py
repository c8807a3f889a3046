"""The benchmarks' own logic: wrk's output parsed, runs that did not deliver their load
refused, figures and the exit status. Pure functions fed wrk 4.1's real output."""

from __future__ import annotations

import pytest

from benchmarks import throughput, webhooks, wrk
from benchmarks.report import Figure, exit_status, invalid
from benchmarks.wrk import InvalidRun, WrkResult

CLEAN = """\
Running 1s test @ http://127.0.0.1:37959/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    43.41ms    6.99ms  59.88ms   95.21%
    Req/Sec    69.67     26.42   121.00     52.38%
  Latency Distribution
     50%   44.00ms
     75%   44.81ms
     90%   47.51ms
     99%   48.16ms
  146 requests in 1.10s, 16.76KB read
Requests/sec:    132.74
Transfer/sec:     15.24KB
"""

NON_2XX = """\
Running 1s test @ http://127.0.0.1:37959/missing
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    45.10ms    7.71ms  52.00ms   95.45%
    Req/Sec    54.75     13.27    80.00     45.00%
  Latency Distribution
     50%   47.62ms
     75%   48.02ms
     90%   49.76ms
     99%   51.98ms
  110 requests in 1.02s, 13.47KB read
  Non-2xx or 3xx responses: 110
Requests/sec:    107.80
Transfer/sec:     13.20KB
"""

SOCKET_ERRORS = """\
Running 1s test @ http://127.0.0.1:36533/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   781.23us    1.66ms  15.12ms   87.71%
    Req/Sec     1.19k   471.21     2.07k    65.00%
  Latency Distribution
     50%  155.00us
     75%  298.00us
     90%    2.88ms
     99%    7.85ms
  2380 requests in 1.01s, 92.97KB read
  Socket errors: connect 0, read 4740, write 19, timeout 0
Requests/sec:   2344.93
Transfer/sec:     91.60KB
"""

NOTHING_ANSWERED = """\
Running 2s test @ http://127.0.0.1:39147/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 2.04s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_a_clean_run_is_parsed_and_accepted() -> None:
    result = wrk.parse(CLEAN)
    assert result == WrkResult(rps=132.74, p50_ms=44.0, p99_ms=48.16, requests=146)
    assert result.checked() is result


def test_microsecond_and_second_latencies_become_milliseconds() -> None:
    result = wrk.parse(SOCKET_ERRORS.replace("7.85ms", "1.50s"))
    assert result.p50_ms == pytest.approx(0.155)
    assert result.p99_ms == pytest.approx(1500.0)


def test_non_2xx_answers_are_counted_and_fatal() -> None:
    result = wrk.parse(NON_2XX)
    assert (result.requests, result.non_2xx, result.bad) == (110, 110, 110)
    with pytest.raises(InvalidRun, match="110 non-2xx answers"):
        result.checked()


def test_socket_errors_are_counted_by_kind_and_fatal() -> None:
    result = wrk.parse(SOCKET_ERRORS)
    assert result.errors == {"connect": 0, "read": 4740, "write": 19, "timeout": 0}
    assert result.bad == 4759
    assert result.problems() == ["4740 socket read errors", "19 socket write errors"]
    with pytest.raises(InvalidRun, match="read errors"):
        result.checked()


def test_a_timeout_alone_invalidates_a_run() -> None:
    result = wrk.parse(CLEAN.replace(
        "Requests/sec", "  Socket errors: connect 0, read 0, write 0, timeout 3\nRequests/sec"))
    assert result.problems() == ["3 socket timeout errors"]


def test_a_run_where_nothing_was_answered_is_invalid() -> None:
    result = wrk.parse(NOTHING_ANSWERED)
    assert result.requests == 0
    assert result.problems() == ["no request was answered"]


def test_a_limited_run_must_answer_what_was_asked() -> None:
    result = wrk.parse(CLEAN)
    assert result.problems(expected=146) == []
    assert result.problems(expected=147) == ["146 requests answered of 147 asked"]
    with pytest.raises(InvalidRun, match="146 requests answered of 2000 asked"):
        result.checked(expected=2000)


@pytest.mark.parametrize("output", ["", "unable to connect to 127.0.0.1:1 Connection refused\n",
                                    CLEAN.replace("Requests/sec:    132.74\n", "")],
                         ids=["empty", "refused", "no-rate"])
def test_output_without_a_summary_is_an_invalid_run(output: str) -> None:
    with pytest.raises(InvalidRun):
        wrk.parse(output)


def test_webhook_figures_need_as_many_sims_as_messages_asked() -> None:
    with pytest.raises(InvalidRun, match="3 MO SMS asked but only 2 attached SIMs"):
        webhooks.enqueue_mo("http://127.0.0.1:1", ["a", "b"], 3)


def test_webhook_figures_need_every_delivery_queued(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "waiting_retry", lambda base_url: 1)
    with pytest.raises(InvalidRun, match="only 1 of 2 deliveries pending"):
        webhooks.await_queued("http://127.0.0.1:1", 2, timeout=0)


def burst(rps: float, p99: float = 5.0, cpu: float = 1.0) -> throughput.Burst:
    return throughput.Burst(WrkResult(rps, 1.0, p99, requests=int(rps)), cpu)


def test_a_ratio_is_the_median_of_paired_bursts_of_the_same_call() -> None:
    pairs = [(burst(1000), burst(600)), (burst(1000), burst(100)), (burst(500), burst(400))]
    [figure] = throughput._figures("PUT /v1/sims/{iccid}", pairs, lambda line: None)
    assert figure.value == "60%"
    assert figure.passed is True
    assert "rps of the reference's PUT" in figure.note


@pytest.mark.parametrize(("name", "ours", "passed"), [
    ("GET /v1/sims/{iccid}", 649, False), ("GET /v1/sims/{iccid}", 650, True),
    ("POST /v1/sims/{iccid}/sms", 449, False), ("POST /v1/sims/{iccid}/sms", 450, True),
], ids=["get-below", "get-at", "write-below", "write-at"])
def test_reads_need_65_percent_of_the_reference_and_writes_45_percent(
        name: str, ours: float, passed: bool) -> None:
    figures = throughput._figures(name, [(burst(1000), burst(ours))], lambda line: None)
    assert figures[0].passed is passed


def test_the_get_p99_target_is_under_five_milliseconds() -> None:
    pairs = [(burst(1000), burst(900, p99=4.9)), (burst(1000), burst(900, p99=5.0)),
             (burst(1000), burst(900, p99=5.5))]
    _, p99 = throughput._figures("GET /v1/sims/{iccid}", pairs, lambda line: None)
    assert (p99.value, p99.passed) == ("5.0 ms", False)


def test_the_get_p99_comes_from_its_own_longer_burst_when_there_is_one() -> None:
    """The short bursts' p99 measures 32 connections opening; the long one the steady state."""
    pairs = [(burst(1000), burst(900, p99=9.0)), (burst(1000), burst(900, p99=7.0))]
    steady = (burst(1000, p99=3.5), throughput.Burst(WrkResult(900, 4.1, 4.6, 9000), 1.0))
    _, p99 = throughput._figures("GET /v1/sims/{iccid}", pairs, lambda line: None, steady)
    assert (p99.value, p99.passed) == ("4.6 ms", True)
    assert p99.note.startswith("p50 4.10 ms; one burst of 9,000 requests; the short bursts' "
                               "median 8.0 ms; reference p99 3.5 ms")
    put, = throughput._figures("PUT /v1/sims/{iccid}", pairs, lambda line: None)
    assert put.value == "90%"


def test_the_p99_note_gives_the_reference_mean_latency_by_littles_law() -> None:
    """32 connections over 4,000 rps: each request waits 8 ms on average, whatever the code."""
    _, p99 = throughput._figures("GET /v1/sims/{iccid}", [(burst(4000), burst(3000))],
                                 lambda line: None)
    assert p99.note.endswith("reference p99 5.0 ms, its mean 8.0 ms (connections / rps: "
                             "a p99 under 5 ms needs over 6,400 rps)")


@pytest.mark.parametrize(("figures", "status", "verdicts"), [
    ([Figure("a", "1", "t", True), Figure("b", "1", "t", None)], 0, ["PASS", "info"]),
    ([Figure("a", "1", "t", True), Figure("b", "1", "t", False)], 1, ["PASS", "MISS"]),
    ([Figure("a", "1", "t", False), invalid("section x", "InvalidRun: 3 non-2xx answers")], 3,
     ["MISS", "INVALID"]),
], ids=["pass", "missed", "invalid-wins"])
def test_exit_status_keeps_a_missed_target_apart_from_an_invalid_run(
        figures: list[Figure], status: int, verdicts: list[str]) -> None:
    assert exit_status(figures) == status
    assert [f.verdict for f in figures] == verdicts
